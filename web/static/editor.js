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
  // words: each source's freshness in words, by source (web/fresh.go):
  // the picker's categories, the notes at a condition of a source not
  // connected or failing; each preview brings them anew.
  var words = JSON.parse(root.dataset.sources || "{}");
  var tags = JSON.parse(root.dataset.tags || "[]");
  var catalog = JSON.parse(root.dataset.catalog || "{}");
  var csrf = root.dataset.csrf;
  var previewURL = root.dataset.preview;
  var explainURL = root.dataset.explain;
  var shopifyTags = JSON.parse(root.dataset.shopifyTags || "[]");
  var today = root.dataset.today; // YYYY-MM-DD in the account's time zone

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
    var o = el("option", {value: value, title: label}, label);
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
      var og = el("optgroup", {label: catLabel(cat), "data-cat": cat});
      fields.forEach(function (f) { og.appendChild(option(f.field, f.label, f.field === value)); });
      s.appendChild(og);
    });
    return s;
  }

  // catLabel is a category as the picker shows it: an integration's with
  // its freshness ("Shopify — updated 2 minutes ago").
  function catLabel(cat) { return cat !== "line" && words[cat] ? words[cat].label : CATS[cat]; }

  // sourceNote flags a condition of a source that is not connected or
  // failing, saying what that means for it; other conditions have none.
  function sourceNote(row) {
    var f = byField[row.querySelector(".field").value] || {};
    var w = words[f.cat], note = row.querySelector(".source-note");
    var on = !!(w && w.flag);
    row.classList.toggle("source-flagged", on);
    note.hidden = !on;
    note.textContent = on ? w.note : "";
  }

  // showSources brings a preview's words of the sources to the page: the
  // picker's categories, the freshness above the conditions, the notes at
  // the top and at the conditions, and by the count the sources it uses.
  function showSources(p) {
    if (!p.source_words) return;
    words = {};
    p.source_words.forEach(function (w) { words[w.source] = w; });
    root.querySelectorAll("optgroup[data-cat]").forEach(function (og) { og.label = catLabel(og.dataset.cat); });
    groupsEl.querySelectorAll(".condition").forEach(sourceNote);
    var used = (p.sources || []).map(function (s) { return s.source; });
    var panel = document.getElementById("source-freshness"), ul = panel.querySelector("ul");
    ul.innerHTML = "";
    p.source_words.forEach(function (w) {
      if (w.state === "disconnected" && used.indexOf(w.source) < 0) return;
      ul.appendChild(el("li", {"class": "fresh fresh-" + w.state + (w.flag ? " flagged" : ""), "data-source": w.source, title: w.text}, w.text));
    });
    panel.hidden = !ul.children.length;
    var top = document.getElementById("source-notes"), notes = top.querySelector(".notes");
    notes.innerHTML = "";
    (p.source_notes || []).forEach(function (n) { notes.appendChild(el("p", {"class": "source-warning"}, n)); });
    top.hidden = !notes.children.length;
    var by = document.getElementById("preview-sources"), list = by.querySelector("ul");
    list.innerHTML = "";
    used.forEach(function (src) {
      var w = words[src];
      if (w) list.appendChild(el("li", {"class": "fresh fresh-" + w.state + (w.flag ? " flagged" : ""), "data-source": src}, w.text));
    });
    by.hidden = !list.children.length;
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
    if (items.length >= SEARCH_AT) box.appendChild(searchBox(box, "label.check", label));
    items.forEach(function (it) {
      // A long name is shortened on screen; the title shows it whole.
      var l = el("label", {"class": "check", title: it.name});
      var c = el("input", {type: "checkbox", value: it.id});
      if (chosen.indexOf(it.id) >= 0) c.checked = true;
      l.appendChild(c);
      l.appendChild(el("span", {"class": "name"}, it.name));
      box.appendChild(l);
    });
    return box;
  }

  // SEARCH_AT is how many choices a picker has before it offers a filter box.
  var SEARCH_AT = 6;
  // fold is text as a search compares it: width and case folded.
  function fold(s) { return String(s).normalize("NFKC").toLowerCase(); }
  // searchBox filters the items (matching sel) of a picker by their text;
  // typing in it is not an edit of the condition.
  function searchBox(box, sel, label) {
    var q = el("input", {type: "search", "class": "picker-filter", "aria-label": L("Filter ", "絞り込み：") + label, placeholder: L("Type to filter", "入力して絞り込み")});
    var stop = function (e) { e.stopPropagation(); };
    q.addEventListener("input", function (e) {
      stop(e);
      var want = fold(q.value.trim());
      box.querySelectorAll(sel).forEach(function (it) {
        if (it.value === "") return; // a select's "choose" line stays
        it.hidden = want !== "" && fold(it.textContent).indexOf(want) < 0;
      });
    });
    q.addEventListener("change", stop);
    q.addEventListener("keydown", function (e) { if (e.key === "Enter") e.preventDefault(); });
    return q;
  }
  function pick(items, chosen, label) {
    var v = el("select", {"class": "value", "aria-label": label || L("Value", "値")});
    // Nothing is chosen until the user chooses (a first item picked for
    // them would be a condition they never made).
    v.appendChild(option("", L("Choose…", "選択してください"), !chosen));
    var found = !chosen;
    items.forEach(function (it) { found = found || it.id === chosen; v.appendChild(option(it.id, it.name, it.id === chosen)); });
    if (chosen && !found) v.appendChild(option(chosen, chosen, true));
    return v;
  }

  var tagItems = function () { return tags.map(function (n) { return {id: n, name: n}; }); };
  var listItems = function (kind) {
    var src = kind === "hubspot-lists" ? ((catalog.hubspot || {}).segments || []) : ((catalog.klaviyo || {}).lists || []);
    return src.map(function (it) { return {id: it.id, name: it.name}; });
  };
  // suggest offers words (the account's Shopify tags) for a comma-separated
  // input: each suggestion is what is typed so far plus one more word, so
  // that the browser's list completes the last word, not the whole value.
  var suggestions = 0;
  function suggest(input, words) {
    if (!words.length) return;
    var list = el("datalist", {id: "suggest-" + (++suggestions)});
    input.setAttribute("list", list.id);
    var update = function () {
      var m = /^(.*[,、，]\s*)?([^,、，]*)$/.exec(input.value) || ["", "", ""];
      var head = m[1] || "", typed = split(head).map(fold);
      list.innerHTML = "";
      words.forEach(function (w) {
        if (typed.indexOf(fold(w)) < 0) list.appendChild(el("option", {value: head + w}));
      });
    };
    input.addEventListener("input", update);
    input.addEventListener("focus", update);
    update();
    input.suggestions = list; // placed next to the input by conditionRow
  }

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
        if (f.field === "shopify.tag") suggest(v, shopifyTags);
        break;
      case "bool":
        v = el("select", {"class": "value", "aria-label": L("Value", "値")});
        v.appendChild(option("", L("Choose…", "選択してください"), value === undefined || value === null));
        [["true", L("yes", "はい")], ["false", L("no", "いいえ")]].forEach(function (p) { v.appendChild(option(p[0], p[1], String(value) === p[0])); });
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
    // A new condition asks about a friend tag, or, in an account with no
    // tags yet, about when the friend was added; its value is not chosen.
    c = c || (tags.length ? {field: "tag", op: "has"} : {field: "line.days_since_added", op: "lte"});
    var row = el("div", {"class": "condition"});
    var fs = fieldSelect(c.field);
    row.appendChild(fs);
    var propHolder = el("span", {"class": "property-holder"});
    row.appendChild(propHolder);
    var ops = el("select", {"class": "op", "aria-label": L("Operator", "条件")});
    var holder = el("span", {"class": "value-holder"});
    // English reads "Orders | at least | 5"; Japanese "購入回数 | 5 | 以上".
    if (ja) { row.appendChild(holder); row.appendChild(ops); } else { row.appendChild(ops); row.appendChild(holder); }
    // Date presets follow the whole condition, in either word order.
    var presetHolder = el("span", {"class": "preset-holder"});
    row.appendChild(presetHolder);
    var rm = el("button", {type: "button", "class": "secondary small remove-condition", "aria-label": L("Remove condition", "条件を削除")}, "×");
    row.appendChild(rm);
    row.appendChild(el("p", {"class": "source-note source-warning", hidden: ""}));
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
      var kind = kindOf(list, want);
      row.dataset.kind = kind;
      // A yes/no field has one operator: the value says it all.
      ops.hidden = list.length === 1 && kind === "bool";
      holder.innerHTML = "";
      var v = valueInput(kind, cond, f, prop);
      if (kind === "tag" && tags.length >= SEARCH_AT) holder.appendChild(searchBox(v, "option", L("Tags", "タグ")));
      holder.appendChild(v);
      if (v.suggestions) holder.appendChild(v.suggestions);
      presetHolder.innerHTML = "";
      if (kind === "date" || kind === "dates") presetHolder.appendChild(presets());
      sourceNote(row);
    }
    function kindOf(list, op) { return (list.filter(function (o) { return o[0] === op; })[0] || [])[2]; }
    // presets fill a date condition with a common period, in the account's
    // time zone: today (on), the last 7 days, today included, or this
    // calendar month (between).
    function presets() {
      var box = el("span", {"class": "presets", role: "group", "aria-label": L("Date presets", "期間のプリセット")});
      [["today", L("Today", "今日")], ["last7", L("Last 7 days", "過去7日間")], ["month", L("This month", "今月")]].forEach(function (p) {
        var b = el("button", {type: "button", "class": "secondary small preset", "data-preset": p[0]}, p[1]);
        b.addEventListener("click", function () {
          var r = period(p[0]);
          var op = r[0] === r[1] ? "on" : "between";
          ops.value = op;
          fill({op: op, value: op === "on" ? r[0] : r, property: (propHolder.querySelector(".property") || {}).value}, true);
          changed();
        });
        box.appendChild(b);
      });
      return box;
    }
    fill(c);
    fs.addEventListener("change", function () { fill({}); changed(); });
    propHolder.addEventListener("change", function () { fill({op: ops.value}, true); changed(); });
    ops.addEventListener("change", function () {
      var cur = readCondition(row);
      // A new operator starts with nothing chosen, unless it takes the same
      // kind of value as the old one (at least 5 -> at most 5): then the
      // value the user gave is kept.
      var f = byField[fs.value] || FIELDS[0];
      var same = kindOf(opsOf(f, cur.type), ops.value) === row.dataset.kind;
      fill({op: ops.value, value: same ? cur.value : undefined, hours_since: same ? cur.hours_since : undefined, property: cur.property, type: cur.type}, true);
      changed();
    });
    holder.addEventListener("input", changed);
    holder.addEventListener("change", changed);
    rm.addEventListener("click", function () {
      var g = row.parentNode;
      row.remove();
      // The last condition gone, the editor is empty again: everyone.
      if (!g.querySelector(".condition")) g.closest(".group").remove();
      changed();
    });
    return row;
  }

  function addGroup(g) {
    var box = el("fieldset", {"class": "group"});
    box.appendChild(el("legend", {}, L("Filter condition", "絞り込み条件")));
    var conds = el("div", {"class": "conditions"});
    box.appendChild(conds);
    ((g && g.conditions) || [null]).forEach(function (c) { conds.appendChild(conditionRow(c)); });
    var and = el("button", {type: "button", "class": "secondary add-and"}, L("Add Property (AND)", "項目を追加（AND）"));
    and.addEventListener("click", function () { conds.appendChild(conditionRow()); changed(); });
    var dup = el("button", {type: "button", "class": "secondary duplicate-group"}, L("Duplicate Condition", "条件を複製"));
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
      case "bool": c.value = v.value === "" ? null : v.value === "true"; break;
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
      if (row) { row.querySelector(".error").textContent = message; mark([row]); return +m[1] + "," + m[2]; }
    }
    document.getElementById("preview-error").textContent = message;
  }

  // incomplete reports whether a condition still lacks its value: nothing
  // chosen, an empty number, date or list, half a range.
  function incomplete(row) {
    var c = readCondition(row), v = c.value;
    var empty = function (x) { return x === null || x === undefined || x === "" || (typeof x === "number" && isNaN(x)); };
    if (row.querySelector(".property") && !c.property) return true;
    switch (row.dataset.kind) {
      case "none": return false;
      case "cart": return !!c.hours_since && [].concat(c.hours_since.value).some(empty);
      case "range": case "dates": return v.some(empty);
      case "tags": case "hubspot-lists": case "klaviyo-lists": case "choices": case "texts": return !v || v.length === 0;
    }
    return empty(v);
  }

  // mark highlights the conditions rows (the preview waits for them) and
  // clears the highlight of every other.
  function mark(rows) {
    groupsEl.querySelectorAll(".condition").forEach(function (r) {
      var on = rows.indexOf(r) >= 0;
      r.classList.toggle("invalid", on);
      if (on) r.setAttribute("aria-invalid", "true"); else r.removeAttribute("aria-invalid");
    });
  }

  // position names a condition as the editor numbers it: "2,1" is the
  // second group's first condition, [1, 0].
  function position(row) {
    var g = row.closest(".group");
    var gs = Array.prototype.indexOf.call(groupsEl.querySelectorAll(".group"), g);
    return [gs, Array.prototype.indexOf.call(g.querySelectorAll(".condition"), row)];
  }

  // waiting greys the preview, says which condition it waits for, and
  // keeps Save off; waiting(null) shows the preview as current again.
  var previewBox = document.querySelector(".preview");
  var waitEl = document.getElementById("preview-wait");
  var saveBtn = document.getElementById("save");
  var saveHint = document.getElementById("save-hint");
  function waiting(at, hint) {
    previewBox.classList.toggle("stale", !!at);
    waitEl.hidden = !at || at === true;
    if (at && at !== true) {
      waitEl.textContent = L("Waiting for condition " + (at[1] + 1) + " of filter condition " + (at[0] + 1) + " to be completed",
        "絞り込み条件" + (at[0] + 1) + "の" + (at[1] + 1) + "番目の条件が完成するのを待っています");
    }
    saveBtn.disabled = locked || !!hint;
    saveHint.hidden = !hint;
    saveHint.textContent = hint || "";
  }
  var locked = false; // a segment the editor cannot show is never saved from here
  var FIX = L("Complete the highlighted condition to save the segment.", "保存するには、強調表示された条件を完成させてください。");

  // relabel numbers the groups ("Filter condition 2"), writes AND between
  // a group's conditions and OR between groups, and shows the empty state
  // when there is no condition.
  function relabel() {
    groupsEl.querySelectorAll(".joiner").forEach(function (j) { j.remove(); });
    var groups = groupsEl.querySelectorAll(".group");
    groups.forEach(function (g, i) {
      g.querySelector("legend").textContent = L("Filter condition ", "絞り込み条件") + (i + 1);
      if (i) groupsEl.insertBefore(el("div", {"class": "joiner or"}, L("OR", "または（OR）")), g);
      g.querySelectorAll(".condition").forEach(function (c, k) {
        if (k) c.parentNode.insertBefore(el("div", {"class": "joiner and"}, L("AND", "かつ（AND）")), c);
      });
    });
    document.getElementById("empty-state").hidden = groups.length > 0;
    document.getElementById("add-or").hidden = groups.length === 0;
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
    relabel();
    filterInput.value = JSON.stringify(readFilter());
    clearTimeout(timer);
    // An incomplete condition is not sent: the preview waits for it, and
    // an answer already on its way is not shown.
    var open = Array.prototype.filter.call(groupsEl.querySelectorAll(".condition"), incomplete);
    mark(open);
    showError();
    groupsEl.querySelectorAll(".condition.invalid .error").forEach(function (e) {
      e.textContent = L("Choose or enter a value to complete this condition.", "値を選ぶか入力して、この条件を完成させてください。");
    });
    if (open.length) {
      shown = ++seq;
      waiting(position(open[0]), FIX);
      return;
    }
    waiting(null, groupsEl.querySelector(".group") ? "" : saveHint.dataset.empty);
    timer = setTimeout(preview, 250);
  }
  function preview() {
    var mine = ++seq;
    post(previewURL, {filter: readFilter(), lang: ja ? "ja" : "en"}).then(function (p) {
      if (mine < shown) return; // a newer answer is already shown
      shown = mine;
      if (p.error) {
        var at = showError(p.error.path, p.error.message);
        waiting(at ? at.split(",").map(Number) : true, at ? FIX : L("Fix what the preview says to save the segment.", "保存するには、プレビューに表示された問題を解決してください。"));
        return;
      }
      showError();
      mark([]);
      showSources(p);
      waiting(null, p.everyone ? saveHint.dataset.empty : "");
      document.getElementById("preview-count").textContent = Number(p.count).toLocaleString(ja ? "ja-JP" : "en-US");
      summary(p);
      var estimated = document.getElementById("preview-estimated");
      estimated.textContent = p.estimated || "";
      estimated.hidden = !p.estimated;
      var list = document.getElementById("preview-sample");
      list.innerHTML = "";
      (p.sample || []).forEach(function (f) {
        var li = el("li");
        var name = f.display_name || f.line_user_id;
        var b = el("button", {type: "button", "class": "link", title: name + " — " + L("why in or out", "含まれる理由")}, name);
        b.addEventListener("click", function () { explain(f.line_user_id); });
        li.appendChild(b);
        list.appendChild(li);
      });
      if (lastExplained) explain(lastExplained, true);
    });
  }

  // summary writes the preview's summary, one line per group with its
  // number, OR between them; one group (or everyone) is one line.
  function summary(p) {
    var box = document.getElementById("preview-summary");
    box.innerHTML = "";
    var lines = p.groups && p.groups.length ? p.groups : [p.summary];
    if (lines.length === 1) { box.appendChild(el("p", {"class": "summary-line"}, lines[0])); return; }
    var ol = el("ol", {"class": "summary-groups"});
    lines.forEach(function (text, i) {
      if (i) ol.appendChild(el("li", {"class": "joiner or", "aria-hidden": "true"}, L("OR", "または")));
      var li = el("li", {"class": "summary-line"});
      li.appendChild(el("strong", {}, L("Filter condition ", "絞り込み条件") + (i + 1) + L(": ", "：")));
      li.appendChild(document.createTextNode(text));
      ol.appendChild(li);
    });
    box.appendChild(ol);
  }

  // period resolves a date preset from the account's today: [from, to].
  function period(name) {
    var d = today.split("-").map(Number);
    var iso = function (y, m, day) { return new Date(Date.UTC(y, m - 1, day)).toISOString().slice(0, 10); };
    switch (name) {
      case "last7": return [iso(d[0], d[1], d[2] - 6), today];
      case "month": return [iso(d[0], d[1], 1), iso(d[0], d[1] + 1, 0)];
    }
    return [today, today];
  }

  // explain shows why a friend is in or out of the conditions as they are
  // now in the editor; it follows edits for the friend last asked about.
  var lastExplained = "", explainSeq = 0;
  var out = document.getElementById("explain");
  function explain(who, quiet) {
    lastExplained = who;
    var mine = ++explainSeq;
    if (!groupsEl.querySelector(".group") && !locked) {
      // No condition yet: nothing to explain but that everyone counts.
      out.innerHTML = "";
      out.appendChild(el("p", {"class": "muted"}, L("No condition yet: every friend who follows is counted.", "条件はまだありません。フォロー中のすべての友だちが対象です。")));
      return;
    }
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
        out.appendChild(el("h4", {}, (i ? L("or ", "または ") : "") + L("Filter condition ", "絞り込み条件") + (i + 1) + L(": ", "：") + (g.matched ? L("matched", "一致") : L("not matched", "不一致"))));
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
    },
    dirty: function () { return dirty(); }
  };

  document.getElementById("add-or").addEventListener("click", function () { addGroup(); changed(); });
  document.getElementById("add-first").addEventListener("click", function () {
    addGroup();
    changed();
    groupsEl.querySelector(".condition .field").focus();
  });
  // A new segment starts with no condition: the preview counts everyone.
  var initial = filterInput.value ? JSON.parse(filterInput.value) : {groups: []};
  var unsupported = (initial.groups || []).some(function (g) { return (g.conditions || []).some(function (c) { return c && !supported(c); }); });
  if (unsupported) {
    // Show the saved segment's preview, but offer no editing that would
    // silently drop what the editor cannot show.
    root.querySelector("#add-or").disabled = true;
    locked = document.getElementById("save").disabled = true;
    document.getElementById("unsupported").hidden = false;
    readFilter = function () { return initial; };
    preview();
    return;
  }
  (initial.groups || []).forEach(addGroup);
  changed();

  // Leaving with unsaved changes asks first; saving does not. A form the
  // server sent back refused holds changes not saved yet.
  var form = document.getElementById("segment-form");
  var state = function () { return JSON.stringify([filterInput.value, form.elements.name.value, form.elements.folder.value, form.elements.new_folder.value]); };
  var saved = document.getElementById("save-error") ? null : state(), submitting = false;
  function dirty() { return !!state && !submitting && state() !== saved; }
  form.addEventListener("submit", function () { submitting = true; });
  window.addEventListener("beforeunload", function (e) {
    if (!dirty()) return;
    e.preventDefault();
    e.returnValue = "";
  });
})();
