// The segment editor: groups of conditions (AND inside a group, OR between
// groups), a live preview (debounced; a stale answer never overwrites a
// newer one), and errors shown at the condition they concern.
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

  // Fields: category, label, and for each op the kind of value it takes.
  var FIELDS = [
    {cat: "line", field: "tag", label: L("Friend tag", "友だちタグ"), ops: [["has", L("has", "あり"), "tag"], ["not_has", L("does not have", "なし"), "tag"]]},
    {cat: "line", field: "line.added_date", label: L("Date added", "友だち追加日"), ops: [["on", L("on", "当日"), "date"], ["before", L("before", "より前"), "date"], ["after", L("after", "より後"), "date"]]},
    {cat: "line", field: "line.days_since_added", label: L("Days since added", "友だち追加からの日数"), ops: [["lte", L("at most", "以下"), "number"], ["gte", L("at least", "以上"), "number"]]},
    {cat: "shopify", field: "shopify.orders_count", label: L("Number of orders", "購入回数"), ops: [["gte", L("at least", "以上"), "number"], ["lte", L("at most", "以下"), "number"], ["eq", L("exactly", "等しい"), "number"]]},
    {cat: "shopify", field: "shopify.days_since_last_order", label: L("Days since last order", "最終購入からの日数"), ops: [["gte", L("at least", "以上"), "number"], ["lte", L("at most", "以下"), "number"]]},
    {cat: "shopify", field: "shopify.abandoned_cart", label: L("Abandoned cart", "カゴ落ち"), ops: [["exists", L("exists", "あり"), "none"], ["not_exists", L("does not exist", "なし"), "none"]]},
    {cat: "shopify", field: "shopify.tag", label: L("Shopify customer tag", "Shopify顧客タグ"), ops: [["has", L("has", "あり"), "text"], ["not_has", L("does not have", "なし"), "text"]]},
    {cat: "shopify", field: "shopify.linked", label: L("Linked to Shopify", "Shopify連携"), ops: [["is", L("is", "である"), "bool"]]},
    {cat: "hubspot", field: "hubspot.segment", label: L("HubSpot segment", "HubSpotセグメント"), ops: [["member_of", L("member of", "に含まれる"), "hubspot-list"], ["not_member_of", L("not a member of", "に含まれない"), "hubspot-list"]]},
    {cat: "hubspot", field: "hubspot.linked", label: L("Linked to HubSpot", "HubSpot連携"), ops: [["is", L("is", "である"), "bool"]]},
    {cat: "klaviyo", field: "klaviyo.list", label: L("Klaviyo list", "Klaviyoリスト"), ops: [["member_of", L("member of", "に含まれる"), "klaviyo-list"], ["not_member_of", L("not a member of", "に含まれない"), "klaviyo-list"]]},
    {cat: "klaviyo", field: "klaviyo.linked", label: L("Linked to Klaviyo", "Klaviyo連携"), ops: [["is", L("is", "である"), "bool"]]}
  ];
  var CATS = {line: L("LINE and tags", "LINEとタグ"), shopify: "Shopify", hubspot: "HubSpot", klaviyo: "Klaviyo"};
  var byField = {};
  FIELDS.forEach(function (f) { byField[f.field] = f; });

  var groupsEl = document.getElementById("groups");
  var filterInput = document.getElementById("filter");

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fieldSelect(value) {
    var s = el("select", {"class": "field", "aria-label": L("Property", "項目")});
    Object.keys(CATS).forEach(function (cat) {
      if (cat !== "line" && !connected[cat]) return;
      var og = el("optgroup", {label: CATS[cat]});
      FIELDS.filter(function (f) { return f.cat === cat; }).forEach(function (f) {
        var o = el("option", {value: f.field}, f.label);
        if (f.field === value) o.selected = true;
        og.appendChild(o);
      });
      s.appendChild(og);
    });
    return s;
  }

  function valueInput(kind, value) {
    var v;
    if (kind === "number") { v = el("input", {type: "number", "class": "value", min: "0", step: "1", "aria-label": L("Value", "値")}); v.value = value === undefined || value === null ? "" : value; }
    else if (kind === "date") { v = el("input", {type: "date", "class": "value", "aria-label": L("Date", "日付")}); v.value = value || ""; }
    else if (kind === "text") { v = el("input", {type: "text", "class": "value", "aria-label": L("Value", "値")}); v.value = value || ""; }
    else if (kind === "tag" || kind === "hubspot-list" || kind === "klaviyo-list") {
      v = el("select", {"class": "value", "aria-label": L("Value", "値")});
      var items = kind === "tag" ? tags.map(function (n) { return {id: n, name: n}; })
        : kind === "hubspot-list" ? ((catalog.hubspot || {}).segments || []) : ((catalog.klaviyo || {}).lists || []);
      var want = Array.isArray(value) ? value[0] : value;
      items.forEach(function (it) { var o = el("option", {value: it.id}, it.name); if (it.id === want) o.selected = true; v.appendChild(o); });
    } else if (kind === "bool") {
      v = el("select", {"class": "value", "aria-label": L("Value", "値")});
      [["true", L("yes", "はい")], ["false", L("no", "いいえ")]].forEach(function (p) { var o = el("option", {value: p[0]}, p[1]); if (String(value) === p[0]) o.selected = true; v.appendChild(o); });
    } else {
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
    var ops = el("select", {"class": "op", "aria-label": L("Operator", "条件")});
    row.appendChild(ops);
    var holder = el("span", {"class": "value-holder"});
    row.appendChild(holder);
    var rm = el("button", {type: "button", "class": "secondary small remove-condition", "aria-label": L("Remove condition", "条件を削除")}, "×");
    row.appendChild(rm);
    row.appendChild(el("div", {"class": "error", role: "alert"}));
    function fillOps(op, value) {
      var f = byField[fs.value] || FIELDS[0];
      ops.innerHTML = "";
      f.ops.forEach(function (o) { var opt = el("option", {value: o[0]}, o[1]); if (o[0] === op) opt.selected = true; ops.appendChild(opt); });
      var kind = (f.ops.filter(function (o) { return o[0] === ops.value; })[0] || f.ops[0])[2];
      holder.innerHTML = "";
      holder.appendChild(valueInput(kind, value));
    }
    fillOps(c.op, c.value);
    fs.addEventListener("change", function () { fillOps(); changed(); });
    ops.addEventListener("change", function () { fillOps(ops.value); changed(); });
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

  function readCondition(row) {
    var c = {field: row.querySelector(".field").value, op: row.querySelector(".op").value};
    var v = row.querySelector(".value");
    switch (v && v.dataset.kind) {
      case "number": c.value = v.value === "" ? null : Number(v.value); break;
      case "bool": c.value = v.value === "true"; break;
      case "hubspot-list": case "klaviyo-list": c.value = v.value ? [v.value] : []; break;
      case "tag": case "date": case "text": c.value = v.value; break;
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

  var seq = 0, shown = 0, timer = null;
  function changed() {
    filterInput.value = JSON.stringify(readFilter());
    clearTimeout(timer);
    timer = setTimeout(preview, 250);
  }
  function preview() {
    var mine = ++seq;
    var body = JSON.stringify({filter: readFilter(), lang: ja ? "ja" : "en"});
    fetch(previewURL, {method: "POST", headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}, body: body, credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (p) {
        if (mine < shown) return; // a newer answer is already shown
        shown = mine;
        if (p.error) { showError(p.error.path, p.error.message); return; }
        showError();
        document.getElementById("preview-count").textContent = Number(p.count).toLocaleString(ja ? "ja-JP" : "en-US");
        document.getElementById("preview-summary").textContent = p.summary;
        var list = document.getElementById("preview-sample");
        list.innerHTML = "";
        (p.sample || []).forEach(function (f) { list.appendChild(el("li", {}, (f.display_name || f.line_user_id))); });
      });
  }

  // A condition this editor can show without changing it: a known field and
  // op, and nothing beyond field, op and value.
  function supported(c) {
    var f = byField[c.field];
    if (!f || !f.ops.some(function (o) { return o[0] === c.op; })) return false;
    return Object.keys(c).every(function (k) { return k === "field" || k === "op" || k === "value"; });
  }

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
