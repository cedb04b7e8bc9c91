// "Ask the agent": an empty account's examples fill the goal (they are
// hidden without JavaScript, which they need), and a form sent once shows
// it: its buttons wait, so a second click does not ask twice.
(function () {
  'use strict';
  var examples = document.getElementById('agent-examples');
  var goal = document.getElementById('agent-goal');
  if (examples && goal) {
    examples.hidden = false;
    examples.addEventListener('click', function (e) {
      var b = e.target.closest('button.agent-example');
      if (!b) return;
      goal.value = b.getAttribute('data-goal');
      goal.focus();
    });
  }
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (!(form instanceof HTMLFormElement) || e.defaultPrevented) return;
    if (!form.matches('#agent-form, #agent-refine-form, .agent-options, #agent-approve-form, #agent-cancel-form')) return;
    if (form.getAttribute('data-sent')) { e.preventDefault(); return; }
    form.setAttribute('data-sent', '1');
    document.body.classList.add('agent-busy');
  });
  // A page the browser's Back button brings from its cache can be sent again.
  window.addEventListener('pageshow', function (e) {
    if (!e.persisted) return;
    document.querySelectorAll('form[data-sent]').forEach(function (f) { f.removeAttribute('data-sent'); });
    document.body.classList.remove('agent-busy');
  });
})();
