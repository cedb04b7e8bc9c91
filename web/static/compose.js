// The broadcast screens' behaviour, from a file (the Content-Security-Policy
// allows no inline script): the composer's message blocks (add, remove,
// the fields of the chosen type, the text's length as LINE counts it), its
// "when" choices and its live preview as LINE chat bubbles; the review
// page's search for test recipients; and a broadcast's page, which follows
// a run while it sends.
(function () {
  'use strict';

  var MAX_TEXT = 5000;

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  // "5,000": the same in Japanese and English.
  function thousands(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ','); }

  // ---- The composer -------------------------------------------------------

  var form = document.getElementById('broadcast-form');
  if (form) composer(form);

  function composer(form) {
    var list = document.getElementById('messages');
    var tmpl = document.getElementById('message-template');
    var add = document.getElementById('add-message');
    var bubbles = document.getElementById('bubbles');
    var max = parseInt(list.getAttribute('data-max'), 10) || 5;

    function blocks() { return list.querySelectorAll('fieldset.message'); }

    // Show the fields of the message's type only.
    function showType(block) {
      var type = block.querySelector('.message-type').value;
      each(block.querySelectorAll('.message-part'), function (part) {
        part.hidden = part.getAttribute('data-type') !== type;
      });
    }

    // The text's length as LINE counts it: UTF-16 code units, which is
    // what a JavaScript string's length is.
    function count(block) {
      var text = block.querySelector('.message-text');
      var n = text.value.length;
      var out = block.querySelector('.text-length');
      out.textContent = thousands(n);
      out.parentNode.classList.toggle('over', n > MAX_TEXT);
    }

    // Names, ids and numbers follow the blocks' order: messages[i].field.
    function renumber() {
      var all = blocks();
      each(all, function (block, i) {
        block.setAttribute('data-index', String(i));
        block.querySelector('.message-n').textContent = String(i + 1);
        each(block.querySelectorAll('[data-field]'), function (el) {
          var field = el.getAttribute('data-field');
          el.name = 'messages[' + i + '].' + field;
          var old = el.id;
          el.id = 'm' + i + '-' + el.id.replace(/^m[^-]*-/, '');
          var label = old && block.querySelector('label[for="' + old + '"]');
          if (label) label.htmlFor = el.id;
        });
        var remove = block.querySelector('.remove-message');
        remove.disabled = all.length === 1;
      });
      add.hidden = all.length >= max;
    }

    function setUp(block) {
      showType(block);
      count(block);
    }

    each(blocks(), setUp);
    renumber();

    add.addEventListener('click', function () {
      if (blocks().length >= max) return;
      var block = tmpl.content.firstElementChild.cloneNode(true);
      list.appendChild(block);
      setUp(block);
      renumber();
      preview();
      var first = block.querySelector('.message-text');
      if (first) first.focus();
    });

    list.addEventListener('click', function (e) {
      var b = e.target.closest && e.target.closest('.remove-message');
      if (!b || b.disabled) return;
      var block = b.closest('fieldset.message');
      block.parentNode.removeChild(block);
      renumber();
      preview();
    });

    list.addEventListener('change', function (e) {
      if (e.target.classList.contains('message-type')) {
        showType(e.target.closest('fieldset.message'));
        preview();
      }
    });

    list.addEventListener('input', function (e) {
      var block = e.target.closest('fieldset.message');
      if (!block) return;
      if (e.target.classList.contains('message-text')) count(block);
      preview();
    });

    // The "when" choices show their own fields only.
    function showWhen() {
      var chosen = form.querySelector('input[name="when"]:checked');
      var when = chosen ? chosen.value : 'now';
      each(form.querySelectorAll('.when-part'), function (part) {
        part.hidden = part.getAttribute('data-when') !== when;
      });
      var kind = document.getElementById('repeat-kind').value;
      each(form.querySelectorAll('.repeat-part'), function (part) {
        part.hidden = part.getAttribute('data-kind') !== kind;
      });
    }
    form.addEventListener('change', function (e) {
      if (e.target.name === 'when' || e.target.id === 'repeat-kind') showWhen();
    });
    showWhen();

    // The preview: the messages as LINE chat bubbles, as typed.
    function bubble(type) {
      var d = document.createElement('div');
      d.className = 'bubble bubble-' + type;
      return d;
    }
    function placeholder(box, label) {
      var ph = document.createElement('span');
      ph.className = 'ph';
      ph.textContent = label;
      box.appendChild(ph);
    }
    function preview() {
      bubbles.textContent = '';
      each(blocks(), function (block) {
        var type = block.querySelector('.message-type').value;
        var d, box;
        if (type === 'text') {
          var text = block.querySelector('.message-text').value;
          if (!text.trim()) return;
          d = bubble(type);
          var p = document.createElement('p');
          p.className = 'bubble-text';
          p.textContent = text;
          d.appendChild(p);
        } else if (type === 'image') {
          d = bubble(type);
          box = document.createElement('span');
          box.className = 'bubble-image';
          placeholder(box, bubbles.getAttribute('data-image'));
          var u = null;
          try { u = new URL(block.querySelector('[data-field="originalContentUrl"]').value.trim()); } catch (err) { u = null; }
          if (u && u.protocol === 'https:' && u.host) {
            box.appendChild(document.createTextNode(' '));
            var a = document.createElement('a');
            a.href = u.href;
            a.target = '_blank';
            a.rel = 'noopener noreferrer';
            a.textContent = u.host;
            box.appendChild(a);
          }
          d.appendChild(box);
        } else {
          d = bubble('sticker');
          box = document.createElement('span');
          box.className = 'bubble-sticker';
          placeholder(box, bubbles.getAttribute('data-sticker'));
          var ids = document.createElement('span');
          ids.className = 'ids';
          ids.textContent = block.querySelector('[data-field="packageId"]').value.trim() + ' / ' + block.querySelector('[data-field="stickerId"]').value.trim();
          box.appendChild(document.createTextNode(' '));
          box.appendChild(ids);
          d.appendChild(box);
        }
        bubbles.appendChild(d);
      });
      if (!bubbles.firstChild) {
        var empty = document.createElement('p');
        empty.className = 'muted small';
        empty.textContent = bubbles.getAttribute('data-empty');
        bubbles.appendChild(empty);
      }
    }
    preview();

    // The first field with an error gets the focus.
    var invalid = form.querySelector('[aria-invalid="true"]');
    if (invalid) invalid.focus();
  }

  // ---- The review page: test recipients from a search ----------------------

  var search = document.getElementById('test-search');
  if (search) testSearch(search);

  function testSearch(box) {
    box.hidden = false;
    var input = document.getElementById('test-query');
    var find = document.getElementById('test-find');
    var results = document.getElementById('test-results');
    var to = document.getElementById('test-to');

    function ids() { return to.value.split(/[\s,、]+/).filter(Boolean); }

    function say(text) {
      results.textContent = '';
      var li = document.createElement('li');
      li.className = 'muted';
      li.textContent = text;
      results.appendChild(li);
    }

    function run() {
      var q = input.value.trim();
      if (!q) return;
      fetch(box.getAttribute('data-friends'), {
        method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', 'X-CSRF-Token': box.getAttribute('data-csrf')},
        body: JSON.stringify({q: q})
      }).then(function (res) {
        return res.json().then(function (body) { return {ok: res.ok, body: body}; });
      }).then(function (r) {
        if (!r.ok) { say(r.body && r.body.error ? r.body.error.message : ''); return; }
        var friends = r.body.friends || [];
        if (!friends.length) { say(box.getAttribute('data-none')); return; }
        results.textContent = '';
        friends.forEach(function (f) {
          var li = document.createElement('li');
          var b = document.createElement('button');
          b.type = 'button';
          b.className = 'secondary small';
          b.textContent = box.getAttribute('data-add');
          b.setAttribute('data-id', f.line_user_id);
          var name = document.createElement('span');
          name.textContent = (f.display_name || '') + ' ';
          var id = document.createElement('code');
          id.textContent = f.line_user_id;
          li.appendChild(b);
          li.appendChild(document.createTextNode(' '));
          li.appendChild(name);
          li.appendChild(id);
          results.appendChild(li);
        });
      }).catch(function () { say(''); });
    }

    find.addEventListener('click', run);
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') { e.preventDefault(); run(); }
    });
    results.addEventListener('click', function (e) {
      var b = e.target.closest && e.target.closest('button[data-id]');
      if (!b) return;
      var list = ids();
      var id = b.getAttribute('data-id');
      if (list.indexOf(id) < 0) {
        if (list.length >= 10) { say(box.getAttribute('data-full')); return; }
        list.push(id);
      }
      to.value = list.join('\n');
      b.disabled = true;
    });
  }

  // ---- A broadcast's page: follow a run while it sends ---------------------

  var live = document.getElementById('broadcast-live');
  if (live && live.hasAttribute('data-live')) follow();

  // Every two seconds the page is read again and its live part replaced,
  // until nothing is under way.
  function follow() {
    var timer = setInterval(function () {
      fetch(location.pathname, {credentials: 'same-origin', headers: {'Accept': 'text/html'}}).then(function (res) {
        if (!res.ok) throw new Error(String(res.status));
        return res.text();
      }).then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var next = doc.getElementById('broadcast-live');
        var now = document.getElementById('broadcast-live');
        if (!next || !now) { clearInterval(timer); return; }
        now.replaceWith(document.importNode(next, true));
        if (!next.hasAttribute('data-live')) clearInterval(timer);
      }).catch(function () { clearInterval(timer); });
    }, 2000);
  }
})();
