// The header's account switcher goes to the chosen account at once (the
// Content-Security-Policy allows no inline handler, so it lives here).
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('account-switch');
  const select = form && form.querySelector('select[name="account"]');
  if (select) select.addEventListener('change', () => form.submit());
});
