// Settings → Integrations: while a source's sync runs or waits to start,
// its state is asked for every two seconds and written into its card
// (records read, linked friends, last success and error), until it rests.
(function () {
  "use strict";
  var fields = ["status_text", "records", "started", "linked", "last_success", "last_delivery", "last_error"];
  function watch(box) {
    var url = box.getAttribute("data-url");
    var seenRunning = false, idle = 0;
    function set(name, value) {
      var el = box.querySelector('[data-field="' + name + '"]');
      if (el && value) el.textContent = value;
      return el;
    }
    function poll() {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}}).then(function (res) {
        if (!res.ok) throw new Error(res.status);
        return res.json();
      }).then(function (s) {
        fields.forEach(function (k) { set(k, s[k]); });
        box.querySelector('[data-field="records-wrap"]').hidden = !s.running;
        box.querySelector('[data-field="started-wrap"]').hidden = !s.running;
        box.querySelector('[data-field="last_error"]').hidden = !s.last_error;
        box.querySelector('[data-field="last_delivery-wrap"]').hidden = !s.last_delivery;
        var state = box.querySelector(".source-state");
        if (state) state.classList.toggle("failing", !!s.failing);
        if (s.running) seenRunning = true;
        // Keep asking while it runs or waits for a worker (a queued sync
        // may take a moment to start); give up on one that never starts.
        if (s.running || (s.pending && idle++ < 150) || (!seenRunning && idle++ < 5)) {
          setTimeout(poll, 2000);
          return;
        }
        box.removeAttribute("data-running");
      }).catch(function () {
        setTimeout(poll, 5000); // a moment offline: try again, slower
      });
    }
    setTimeout(poll, 1000);
  }
  var boxes = document.querySelectorAll(".source-progress");
  var hash = window.location.hash.replace("#source-", "");
  for (var i = 0; i < boxes.length; i++) {
    var card = boxes[i].closest(".source-card");
    // A card just connected or synced (the page's anchor) is watched even
    // before its sync shows as running.
    if (boxes[i].hasAttribute("data-running") || (card && card.id === "source-" + hash)) watch(boxes[i]);
  }
})();
