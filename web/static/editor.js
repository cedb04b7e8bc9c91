// The segment editor: groups of conditions (AND inside a group, OR between
// groups), a live preview (debounced; a stale answer never overwrites a
// newer one), errors shown at the condition they concern, and "why in or
// out" for any friend against the conditions being edited.
//
// Every field and operator of the filter contract (spec sections 3 and 3.1)
// has an input here, so a saved segment always opens editable. The
// read-only fallback stays for a condition this file does not know (a
// newer server, say), so that saving never silently drops it.
(function () {
  "use strict";
  var root = document.getElementById("editor");
  if (!root) return;
  var ja = document.documentElement.lang === "ja";
  var L = function (en, jp) { return ja ? jp : en; };
  var connected = JSON.parse(root.dataset.integrations || "{}");
  var tags = JSON.parse(root.dataset.tags || "[]");
  var catalog = JSON.parse(root.dataset.catalog || "{}");
  var csrf = root.dataset.csrf;
  var previewURL = root.dataset.preview;
  var explainURL = root.dataset.explain;

  // Operators: [op, label, kind of value]. The kind picks the input.
  var NUMERIC = [
    ["gte", L("is at least", "以上"), "number"], ["lte", L("is at most", "以下"), "number"],
    ["eq", L("is exactly", "と等しい"), "number"], ["neq", L("is not", "と等しくない"), "number"],
    ["gt", L("is more than", "より大きい"), "number"], ["lt", L("is less than", "未満"), "number"],
    ["between", L("is between", "の範囲内"), "range"]];
  var DATES = [
    ["on", L("is on", "の日"), "date"], ["before", L("is before", "より前"), "date"],
    ["after", L("is after", "より後"), "date"], ["between", L("is between", "の期間内"), "dates"]];
  var KNOWN = [["is_known", L("is known", "値がある"), "none"], ["is_unknown", L("is unknown", "値がない"), "none"]];
  var BOOL = [["is", L("is", "が"), "bool"]];
  var MEMBER = function (kind) { return [["member_of", L("is in any of", "のいずれかに含まれる"), kind], ["not_member_of", L("is in none of", "のどれにも含まれない"), kind]]; };
  var PROPERTY_OPS = {
    string: [["eq", L("is", "と等しい"), "text"], ["neq", L("is not", "と等しくない"), "text"],
      ["contains", L("contains", "を含む"), "text"], ["not_contains", L("does not contain", "を含まない"), "text"],
      ["starts_with", L("starts with", "で始まる"), "text"],
      ["in", L("is any of", "のいずれか"), "texts"], ["not_in", L("is none of", "のどれでもない"), "texts"]].concat(KNOWN),
    number: NUMERIC.concat(KNOWN),
    bool: BOOL.concat(KNOWN),
    date: DATES.concat(KNOWN),
    days_since: NUMERIC.concat(KNOWN)
  };
  var TYPE_NAMES = {string: L("text", "テキスト"), number: L("number", "数値"), bool: L("yes/no", "はい/いいえ"), date: L("date", "日付"), days_since: L("days since a date", "日付からの日数")};

  var FIELDS = [
    {cat: "line", field: "tag", label: L("Friend tag", "友だちタグ"), ops: [
      ["has", L("has", "がある"), "tag"], ["not_has", L("does not have", "がない"), "tag"],
      ["has_any", L("has any of", "のいずれかがある"), "tags"], ["has_all", L("has all of", "のすべてがある"), "tags"],
      ["has_none", L("has none of", "のどれもない"), "tags"]]},
    {cat: "line", field: "line.added_date", label: L("Date added", "友だち追加日"), ops: DATES},
    {cat: "line", field: "line.days_since_added", label: L("Days since added", "友だち追加からの日数"), ops: NUMERIC, integer: true},
    {cat: "shopify", field: "shopify.linked", label: L("Linked to Shopify", "Shopify連携"), ops: BOOL},
    {cat: "shopify", field: "shopify.orders_count", label: L("Number of orders", "購入回数"), ops: NUMERIC, integer: true},
    {cat: "shopify", field: "shopify.days_since_last_order", label: L("Days since last order", "最終購入からの日数"), ops: NUMERIC, integer: true},
    {cat: "shopify", field: "shopify.tag", label: L("Shopify customer tag", "Shopify顧客タグ"), ops: [
      ["has_any", L("has any of", "のいずれかがある"), "texts"], ["has_all", L("has all of", "のすべてがある"), "texts"],
      ["has_none", L("has none of", "のどれもない"), "texts"]]},
    {cat: "shopify", field: "shopify.abandoned_cart", label: L("Abandoned cart", "カゴ落ち"), ops: [
      ["exists", L("exists", "がある"), "cart"], ["not_exists", L("does not exist", "がない"), "none"]]},
    {cat: "hubspot", field: "hubspot.linked", label: L("Linked to HubSpot", "HubSpot連携"), ops: BOOL},
    {cat: "hubspot", field: "hubspot.segment", label: L("HubSpot segment", "HubSpotセグメント"), ops: MEMBER("hubspot-lists")},
    {cat: "hubspot", field: "hubspot.property", label: L("HubSpot property", "HubSpotプロパティ"), source: "hubspot"},
    {cat: "klaviyo", field: "klaviyo.linked", label: L("Linked to Klaviyo", "Klaviyo連携"), ops: BOOL},
    {cat: "klaviyo", field: "klaviyo.list", label: L("Klaviyo list", "Klaviyoリスト"), ops: MEMBER("klaviyo-lists")},
    {cat: "klaviyo", field: "klaviyo.property", label: L("Klaviyo property", "Klaviyoプロパティ"), source: "klaviyo"}
  ];
  var CATS = {line: L("LINE and tags", "LINEとタグ"), shopify: "Shopify", hubspot: "HubSpot", klaviyo: "Klaviyo"};
  var byField = {};
  FIELDS.forEach(function (f) { byField[f.field] = f; });

  // properties(source) lists the catalog's properties of an integration.
  function properties(source) { return ((catalog[source] || {}).properties || []); }
  function property(source, name) { return properties(source).filter(function (p) { return p.name === name; })[0]; }
  // opsOf gives a field's operators; a property's follow its type.
  function opsOf(f, type) { return f.source ? (PROPERTY_OPS[type] || []) : f.ops; }

  var groupsEl = document.getElementById("groups");
  var filterInput = document.getElementById("filter");

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function option(value, label, selected) {
    var o = el("option", {value: value}, label);
    if (selected) o.selected = true;
    return o;
  }

  function fieldSelect(value) {
    var s = el("select", {"class": "field", "aria-label": L("Property", "項目")});
    Object.keys(CATS).forEach(function (cat) {
      // An integration's fields show once it is connected; its property
      // field once the catalog names a property to pick. A saved
      // condition's field always shows.
      var fields = FIELDS.filter(function (f) {
        if (f.cat !== cat) return false;
        if (f.field === value) return true;
        return (cat === "line" || connected[cat]) && (!f.source || properties(f.source).length > 0);
      });
      if (!fields.length) return;
      var og = el("optgroup", {label: CATS[cat]});
      fields.forEach(function (f) { og.appendChild(option(f.field, f.label, f.field === value)); });
      s.appendChild(og);
    });
    return s;
  }

  // propertySelect lists the catalog's properties by label, with their
  // type; a saved property the catalog does not know keeps its raw name.
  function propertySelect(source, name, type) {
    var s = el("select", {"class": "property", "aria-label": L("Property name", "プロパティ名")});
    var props = properties(source).slice();
    if (name && !property(source, name)) props.unshift({name: name, label: name, type: type});
    props.forEach(function (p) {
      // The saved condition's type wins over the catalog's: it is what
      // the condition means.
      var t = p.name === name && type ? type : p.type;
      var o = option(p.name, (p.label || p.name) + " (" + (TYPE_NAMES[t] || t) + ")", p.name === name);
      o.dataset.type = t;
      s.appendChild(o);
    });
    return s;
  }

  function numberInput(value, integer, label) {
    var v = el("input", {type: "number", step: integer ? "1" : "any", "aria-label": label || L("Value", "値")});
    v.value = value === undefined || value === null ? "" : value;
    return v;
  }
  function dateInput(value, label) {
    var v = el("input", {type: "date", "aria-label": label || L("Date", "日付")});
    v.value = value || "";
    return v;
  }
  function pair(a, b) {
    var s = el("span", {"class": "value pair"});
    s.appendChild(a);
    s.appendChild(el("span", {"class": "muted"}, L(" and ", " 〜 ")));
    s.appendChild(b);
    return s;
  }
  // checks is a multi-select as a group of checkboxes (keyboard-friendly);
  // saved values no longer offered stay, checked, under their raw ID.
  function checks(items, chosen, label) {
    var box = el("span", {"class": "value multi", role: "group", "aria-label": label});
    chosen = Array.isArray(chosen) ? chosen : chosen ? [String(chosen)] : [];
    box.dataset.order = JSON.stringify(chosen);
    var seen = {};
    items.forEach(function (it) { seen[it.id] = true; });
    chosen.forEach(function (id) { if (!seen[id]) items = items.concat([{id: id, name: id}]); });
    if (!items.length) box.appendChild(el("span", {"class": "muted"}, L("Nothing to choose from yet", "選べる項目がまだありません")));
    items.forEach(function (it) {
      var l = el("label", {"class": "check"});
      var c = el("input", {type: "checkbox", value: it.id});
      if (chosen.indexOf(it.id) >= 0) c.checked = true;
      l.appendChild(c);
      l.appendChild(document.createTextNode(" " + it.name));
      box.appendChild(l);
    });
    return box;
  }
  function pick(items, chosen, label) {
    var v = el("select", {"class": "value", "aria-label": label || L("Value", "値")});
    var found = false;
    items.forEach(function (it) { found = found || it.id === chosen; v.appendChild(option(it.id, it.name, it.id === chosen)); });
    if (chosen && !found) v.appendChild(option(chosen, chosen, true));
    return v;
  }

  var tagItems = function () { return tags.map(function (n) { return {id: n, name: n}; }); };
  var listItems = function (kind) {
    var src = kind === "hubspot-lists" ? ((catalog.hubspot || {}).segments || []) : ((catalog.klaviyo || {}).lists || []);
    return src.map(function (it) { return {id: it.id, name: it.name}; });
  };
  // HOURS are the choices for an abandoned cart's age.
  // HOURS are the choices for an abandoned cart's age, read with the
  // number of hours: "at most 72 hours ago", 「72 時間以内」.
  var HOURS = [["", L("at any time", "時期を問わない")], ["gte", L("at least", "以上前")], ["lte", L("at most", "以内")],
    ["gt", L("more than", "より前")], ["lt", L("less than", "未満")],
    ["eq", L("exactly", "ちょうど")], ["neq", L("not exactly", "以外")], ["between", L("between", "の範囲")]];

  // valueInput builds the input for a kind of value. c is the condition
  // being shown (its value, and for properties its catalog options).
  function valueInput(kind, c, f, prop) {
    var value = c.value, v;
    var options = prop && prop.options && prop.options.length ? prop.options.map(function (o) { return {id: o.value, name: o.label || o.value}; }) : null;
    switch (kind) {
      case "number": v = numberInput(value, f.integer || (c.type === "days_since")); v.className = "value"; break;
      case "range": v = pair(numberInput((value || [])[0], f.integer || c.type === "days_since", L("From", "下限")), numberInput((value || [])[1], f.integer || c.type === "days_since", L("To", "上限"))); break;
      case "date": v = dateInput(value); v.className = "value"; break;
      case "dates": v = pair(dateInput((value || [])[0], L("From", "開始日")), dateInput((value || [])[1], L("To", "終了日"))); break;
      case "tag": v = pick(tagItems(), Array.isArray(value) ? value[0] : value, L("Tag", "タグ")); break;
      case "tags": v = checks(tagItems(), value, L("Tags", "タグ")); break;
      case "hubspot-lists": case "klaviyo-lists": v = checks(listItems(kind), value, L("Lists", "リスト")); break;
      case "text":
        if (options && (c.op === "eq" || c.op === "neq")) { v = pick(options, value); v.dataset.kind = "text"; return v; }
        v = el("input", {type: "text", "class": "value", "aria-label": L("Value", "値")}); v.value = Array.isArray(value) ? value.join(", ") : (value || ""); break;
      case "texts":
        if (options) { v = checks(options, value, L("Values", "値")); v.dataset.kind = "choices"; return v; }
        v = el("input", {type: "text", "class": "value", "aria-label": L("Values, separated by commas", "値（カンマ区切り）"), placeholder: L("a, b, c", "a、b、c")});
        v.value = Array.isArray(value) ? value.join(", ") : (value || "");
        break;
      case "bool":
        v = el("select", {"class": "value", "aria-label": L("Value", "値")});
        [["true", L("yes", "はい")], ["false", L("no", "いいえ")]].forEach(function (p) { v.appendChild(option(p[0], p[1], String(value === undefined ? true : value) === p[0])); });
        break;
      case "cart":
        var hs = c.hours_since || {};
        v = el("span", {"class": "value cart"});
        var when = el("select", {"class": "hours-op", "aria-label": L("When", "時期")});
        HOURS.forEach(function (h) { when.appendChild(option(h[0], h[1], (hs.op || "") === h[0])); });
        var nums = el("span", {"class": "hours"});
        // English: "at most | 72 | hours ago"; Japanese: 「72 | 時間 | 以内」.
        if (ja) { v.appendChild(nums); v.appendChild(when); } else { v.appendChild(when); v.appendChild(nums); }
        var fill = function () {
          nums.innerHTML = "";
          if (!when.value) return;
          if (when.value === "between") {
            nums.appendChild(pair(numberInput((hs.value || [])[0], true, L("From hours", "下限（時間）")), numberInput((hs.value || [])[1], true, L("To hours", "上限（時間）"))));
          } else {
            nums.appendChild(numberInput(Array.isArray(hs.value) ? "" : hs.value, true, L("Hours", "時間")));
          }
          nums.appendChild(el("span", {"class": "unit"}, L("hours ago", "時間")));
        };
        when.addEventListener("change", function () { hs = {}; fill(); });
        fill();
        break;
      default:
        v = el("span", {"class": "value none"});
    }
    v.dataset.kind = kind;
    return v;
  }

  function conditionRow(c) {
    c = c || {field: "tag", op: "has"};
    var row = el("div", {"class": "condition"});
    var fs = fieldSelect(c.field);
    row.appendChild(fs);
    var propHolder = el("span", {"class": "property-holder"});
    row.appendChild(propHolder);
    var ops = el("select", {"class": "op", "aria-label": L("Operator", "条件")});
    var holder = el("span", {"class": "value-holder"});
    // English reads "Orders | at least | 5"; Japanese "購入回数 | 5 | 以上".
    if (ja) { row.appendChild(holder); row.appendChild(ops); } else { row.appendChild(ops); row.appendChild(holder); }
    var rm = el("button", {type: "button", "class": "secondary small remove-condition", "aria-label": L("Remove condition", "条件を削除")}, "×");
    row.appendChild(rm);
    row.appendChild(el("div", {"class": "error", role: "alert"}));

    // fill rebuilds what follows the field: the property picker, the
    // operators and the value input, keeping what still applies.
    function fill(cond, keepProp) {
      var f = byField[fs.value] || FIELDS[0];
      var prop = null, type;
      if (f.source) {
        if (!keepProp) {
          propHolder.innerHTML = "";
          var first = properties(f.source)[0] || {};
          propHolder.appendChild(propertySelect(f.source, cond.property || first.name, cond.type || first.type));
        }
        var ps = propHolder.querySelector(".property");
        type = ps.selectedOptions.length ? ps.selectedOptions[0].dataset.type : "";
        prop = property(f.source, ps.value);
        cond.property = ps.value;
        cond.type = type;
      } else {
        propHolder.innerHTML = "";
      }
      var list = opsOf(f, type);
      ops.innerHTML = "";
      var want = list.some(function (o) { return o[0] === cond.op; }) ? cond.op : (list[0] || [])[0];
      list.forEach(function (o) { ops.appendChild(option(o[0], o[1], o[0] === want)); });
      cond.op = want;
      var kind = (list.filter(function (o) { return o[0] === want; })[0] || [])[2];
      // A yes/no field has one operator: the value says it all.
      ops.hidden = list.length === 1 && kind === "bool";
      holder.innerHTML = "";
      holder.appendChild(valueInput(kind, cond, f, prop));
    }
    fill(c);
    fs.addEventListener("change", function () { fill({}); changed(); });
    propHolder.addEventListener("change", function () { fill({op: ops.value}, true); changed(); });
    ops.addEventListener("change", function () {
      var cur = readCondition(row);
      // Keep the value when the new operator takes the same kind of value.
      fill({op: ops.value, value: cur.value, hours_since: cur.hours_since, property: cur.property, type: cur.type}, true);
      changed();
    });
    holder.addEventListener("input", changed);
    holder.addEventListener("change", changed);
    rm.addEventListener("click", function () {
      var g = row.parentNode;
      row.remove();
      if (!g.querySelector(".condition")) g.closest(".group").remove();
      if (!groupsEl.querySelector(".group")) addGroup();
      changed();
    });
    return row;
  }

  function addGroup(g) {
    var box = el("fieldset", {"class": "group"});
    box.appendChild(el("legend", {}, L("Group", "グループ")));
    var conds = el("div", {"class": "conditions"});
    box.appendChild(conds);
    ((g && g.conditions) || [null]).forEach(function (c) { conds.appendChild(conditionRow(c)); });
    var and = el("button", {type: "button", "class": "secondary add-and"}, L("Add Property (AND)", "項目を追加（AND）"));
    and.addEventListener("click", function () { conds.appendChild(conditionRow()); changed(); });
    var dup = el("button", {type: "button", "class": "secondary duplicate-group"}, L("Duplicate group", "グループを複製"));
    dup.addEventListener("click", function () { addGroup(readGroup(box)); changed(); });
    box.appendChild(and);
    box.appendChild(dup);
    groupsEl.appendChild(box);
  }

  function num(input) { return !input || input.value === "" ? null : Number(input.value); }
  // checked reads a group of checkboxes: the values it opened with, in
  // their saved order, then those checked since, so an unchanged condition
  // reads back exactly as saved.
  function checked(box) {
    var on = Array.prototype.map.call(box.querySelectorAll("input:checked"), function (i) { return i.value; });
    var first = JSON.parse(box.dataset.order || "[]").filter(function (v) { return on.indexOf(v) >= 0; });
    return first.concat(on.filter(function (v) { return first.indexOf(v) < 0; }));
  }
  function split(text) { return text.split(/[,、，\n]/).map(function (s) { return s.trim(); }).filter(function (s) { return s !== ""; }); }

  function readCondition(row) {
    var c = {field: row.querySelector(".field").value};
    var ps = row.querySelector(".property");
    if (ps) {
      c.property = ps.value;
      c.type = ps.selectedOptions.length ? ps.selectedOptions[0].dataset.type : "";
    }
    c.op = row.querySelector(".op").value;
    var v = row.querySelector(".value");
    var inputs = v ? v.querySelectorAll("input") : [];
    switch (v && v.dataset.kind) {
      case "number": c.value = num(v); break;
      case "range": c.value = [num(inputs[0]), num(inputs[1])]; break;
      case "dates": c.value = [inputs[0].value, inputs[1].value]; break;
      case "bool": c.value = v.value === "true"; break;
      case "tags": case "hubspot-lists": case "klaviyo-lists": case "choices": c.value = checked(v); break;
      case "texts": c.value = split(v.value); break;
      case "tag": case "date": case "text": c.value = v.value; break;
      case "cart":
        var when = v.querySelector(".hours-op").value;
        if (when) c.hours_since = {op: when, value: when === "between" ? [num(inputs[0]), num(inputs[1])] : num(inputs[0])};
        break;
    }
    return c;
  }
  function readGroup(box) { return {conditions: Array.prototype.map.call(box.querySelectorAll(".condition"), readCondition)}; }
  function readFilter() { return {groups: Array.prototype.map.call(groupsEl.querySelectorAll(".group"), readGroup)}; }

  function showError(path, message) {
    root.querySelectorAll(".condition .error").forEach(function (e) { e.textContent = ""; });
    document.getElementById("preview-error").textContent = "";
    if (!message) return;
    var m = /^groups\[(\d+)\]\.conditions\[(\d+)\]/.exec(path || "");
    if (m) {
      var g = groupsEl.querySelectorAll(".group")[+m[1]];
      var row = g && g.querySelectorAll(".condition")[+m[2]];
      if (row) { row.querySelector(".error").textContent = message; return; }
    }
    document.getElementById("preview-error").textContent = message;
  }

  // post sends a JSON call; any failure comes back as {error: {message}}
  // (a session that ended, a network error), so the page can say it.
  function post(url, body) {
    return fetch(url, {method: "POST", headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}, body: JSON.stringify(body), credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .catch(function () { return {error: {message: L("Kizuna cannot be reached. Check the connection and try again.", "Kizunaに接続できません。接続を確認してもう一度お試しください。")}}; });
  }

  var seq = 0, shown = 0, timer = null;
  function changed() {
    filterInput.value = JSON.stringify(readFilter());
    clearTimeout(timer);
    timer = setTimeout(preview, 250);
  }
  function preview() {
    var mine = ++seq;
    post(previewURL, {filter: readFilter(), lang: ja ? "ja" : "en"}).then(function (p) {
      if (mine < shown) return; // a newer answer is already shown
      shown = mine;
      if (p.error) { showError(p.error.path, p.error.message); return; }
      showError();
      document.getElementById("preview-count").textContent = Number(p.count).toLocaleString(ja ? "ja-JP" : "en-US");
      document.getElementById("preview-summary").textContent = p.summary;
      var list = document.getElementById("preview-sample");
      list.innerHTML = "";
      (p.sample || []).forEach(function (f) {
        var li = el("li");
        var b = el("button", {type: "button", "class": "link", title: L("Why in or out", "含まれる理由")}, f.display_name || f.line_user_id);
        b.addEventListener("click", function () { explain(f.line_user_id); });
        li.appendChild(b);
        list.appendChild(li);
      });
      if (lastExplained) explain(lastExplained, true);
    });
  }

  // explain shows why a friend is in or out of the conditions as they are
  // now in the editor; it follows edits for the friend last asked about.
  var lastExplained = "", explainSeq = 0;
  var out = document.getElementById("explain");
  function explain(who, quiet) {
    lastExplained = who;
    var mine = ++explainSeq;
    post(explainURL, {filter: readFilter(), friend: who, lang: ja ? "ja" : "en"}).then(function (r) {
      if (mine !== explainSeq) return;
      out.innerHTML = "";
      if (r.error) {
        if (!quiet || r.error.path === "friend") out.appendChild(el("p", {"class": "error", role: "alert"}, r.error.message));
        return;
      }
      var x = r.explanation, name = r.friend.display_name || r.friend.line_user_id;
      out.appendChild(el("h3", {}, name));
      out.appendChild(el("p", {"class": x.member ? "verdict in" : "verdict out"}, x.member ? L("In the segment.", "セグメントに含まれます。") : L("Not in the segment.", "セグメントに含まれません。")));
      if (!x.following) out.appendChild(el("p", {"class": "muted"}, L("Blocked friends are never in a segment.", "ブロック中の友だちはセグメントに含まれません。")));
      x.groups.forEach(function (g, i) {
        out.appendChild(el("h4", {}, (i ? L("or ", "または ") : "") + L("Group ", "グループ ") + (i + 1) + ": " + (g.matched ? L("matched", "一致") : L("not matched", "不一致"))));
        var ul = el("ul", {"class": "why-conditions"});
        g.conditions.forEach(function (c) {
          var li = el("li");
          li.appendChild(el("span", {"class": c.result ? "yes" : "no"}, c.result ? "✓ " : "✗ "));
          li.appendChild(document.createTextNode(c.asks + " — " + c.value));
          ul.appendChild(li);
        });
        out.appendChild(ul);
      });
      var a = el("a", {href: root.dataset.friends + encodeURIComponent(r.friend.line_user_id)}, L("Open the friend's page", "友だちのページを開く"));
      out.appendChild(a);
    });
  }
  document.getElementById("explain-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var who = document.getElementById("explain-who").value.trim();
    if (who) explain(who);
  });

  // A condition this editor can show without changing it: a known field,
  // property type and operator, and no keys beyond those it writes back.
  function supported(c) {
    var f = byField[c.field];
    if (!f) return false;
    if (f.source && !PROPERTY_OPS[c.type]) return false;
    if (!opsOf(f, c.type).some(function (o) { return o[0] === c.op; })) return false;
    var keys = ["field", "op", "value"];
    if (f.source) keys.push("property", "type");
    if (c.field === "shopify.abandoned_cart") keys.push("hours_since");
    if (c.hours_since && !HOURS.some(function (h) { return h[0] && h[0] === c.hours_since.op; })) return false;
    return Object.keys(c).every(function (k) { return keys.indexOf(k) >= 0; });
  }

  // For automation and the browser tests: whether a condition opens
  // editable, and a filter as the editor shows it and reads it back.
  window.kizunaEditor = {
    supported: supported,
    roundTrip: function (f) {
      var kept = Array.prototype.slice.call(groupsEl.childNodes);
      kept.forEach(function (n) { n.remove(); });
      f.groups.forEach(addGroup);
      var got = readFilter();
      groupsEl.innerHTML = "";
      kept.forEach(function (n) { groupsEl.appendChild(n); });
      return got;
    }
  };

  document.getElementById("add-or").addEventListener("click", function () { addGroup(); changed(); });
  var initial = filterInput.value ? JSON.parse(filterInput.value) : {groups: [{conditions: [null]}]};
  var unsupported = (initial.groups || []).some(function (g) { return (g.conditions || []).some(function (c) { return c && !supported(c); }); });
  if (unsupported) {
    // Show the saved segment's preview, but offer no editing that would
    // silently drop what the editor cannot show.
    root.querySelector("#add-or").disabled = true;
    document.getElementById("save").disabled = true;
    document.getElementById("unsupported").hidden = false;
    readFilter = function () { return initial; };
    preview();
    return;
  }
  (initial.groups || []).forEach(addGroup);
  changed();
})();
