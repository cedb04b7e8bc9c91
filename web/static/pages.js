// Behaviour every page shares, from a file (the Content-Security-Policy
// allows no inline handlers): confirmations before a form that deletes or
// changes much is sent, the ⋯ menus (one open at a time, closed by Escape
// or a click elsewhere), and folders that fold in the segment list.
(function () {
  'use strict';

  // A form with data-confirm asks first; data-confirm-option names a select
  // whose chosen option carries the question (it names how many friends).
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = form.getAttribute('data-confirm');
    var from = form.getAttribute('data-confirm-option');
    if (from) {
      var sel = document.getElementById(from);
      var opt = sel && sel.selectedOptions && sel.selectedOptions[0];
      if (opt && opt.getAttribute('data-confirm')) question = opt.getAttribute('data-confirm');
    }
    if (question && !window.confirm(question)) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);

  function openMenus() {
    return Array.prototype.slice.call(document.querySelectorAll('details.menu[open]'));
  }

  // Opening a menu closes the others.
  document.addEventListener('toggle', function (e) {
    var d = e.target;
    if (!(d instanceof HTMLDetailsElement) || !d.classList.contains('menu') || !d.open) return;
    openMenus().forEach(function (o) { if (o !== d) o.open = false; });
  }, true);

  // Escape closes the open menu and gives the focus back to its button.
  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Escape') return;
    openMenus().forEach(function (d) {
      var had = d.contains(document.activeElement);
      d.open = false;
      var s = d.querySelector('summary');
      if (had && s) s.focus();
    });
  });

  // A click outside a menu closes it.
  document.addEventListener('click', function (e) {
    openMenus().forEach(function (d) { if (!d.contains(e.target)) d.open = false; });
  });

  // Folders of the segment list fold and unfold; the choice is kept for the
  // next visit in this browser.
  function folderKey(body) { return 'kizuna.folded.' + location.pathname + '.' + body.getAttribute('data-folder'); }
  function fold(body, folded) {
    body.classList.toggle('folded', folded);
    var b = body.querySelector('.folder-toggle');
    if (b) b.setAttribute('aria-expanded', folded ? 'false' : 'true');
  }
  var searching = !!new URLSearchParams(location.search).get('q'); // show what a search found
  Array.prototype.forEach.call(document.querySelectorAll('tbody.folder-group'), function (body) {
    var b = body.querySelector('.folder-toggle');
    if (!b) return;
    b.hidden = false;
    var stored = null;
    try { stored = window.localStorage.getItem(folderKey(body)); } catch (err) { /* storage off */ }
    fold(body, stored === '1' && !searching);
    b.addEventListener('click', function () {
      var folded = !body.classList.contains('folded');
      fold(body, folded);
      try { window.localStorage.setItem(folderKey(body), folded ? '1' : '0'); } catch (err) { /* storage off */ }
    });
  });
})();
