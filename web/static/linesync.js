// Settings → LINE: while a follower sync runs, its figures are asked for
// every two seconds and written into the page, until it is done or failed.
(function () {
  "use strict";
  var box = document.getElementById("line-sync");
  if (!box || !box.hasAttribute("data-running")) return;
  var url = box.getAttribute("data-url");
  function set(name, value) {
    var el = box.querySelector('[data-field="' + name + '"]');
    if (el) el.textContent = value || "";
    return el;
  }
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}}).then(function (res) {
      if (!res.ok) throw new Error(res.status);
      return res.json();
    }).then(function (s) {
      ["status_text", "started", "finished", "pages", "seen", "added", "blocked", "problem"].forEach(function (k) { set(k, s[k]); });
      box.querySelector('[data-field="finished-wrap"]').hidden = !s.finished;
      box.querySelector('[data-field="problem"]').hidden = !s.problem;
      if (s.running) {
        setTimeout(poll, 2000);
        return;
      }
      box.removeAttribute("data-running");
      var start = document.getElementById("line-sync-start");
      if (start) start.disabled = false;
    }).catch(function () {
      setTimeout(poll, 5000); // a moment offline: try again, slower
    });
  }
  setTimeout(poll, 2000);
})();
