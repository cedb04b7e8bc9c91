// The composer's warning of the chosen segment's integration sources that
// are not connected or failing (web/fresh.go): each segment's option
// carries its warning; choosing another segment shows its own, or none.
(function () {
  "use strict";
  var select = document.getElementById("bc-segment");
  var note = document.getElementById("segment-sources");
  if (!select || !note) return;
  select.addEventListener("change", function () {
    var o = select.selectedOptions[0];
    var text = o ? o.getAttribute("data-source-warning") || "" : "";
    note.textContent = text;
    note.hidden = !text;
  });
})();
