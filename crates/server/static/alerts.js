// 卡口预警实时列表：订阅服务器推送（EventSource），新预警插到表格顶部。
// 每条预警只带本人有权查看的姓名和记录链接（由服务器决定）。
(function () {
  "use strict";
  var table = document.getElementById("alerts");
  if (!table || !window.EventSource) { return; }
  var body = table.tBodies[0];
  var handleLabel = table.getAttribute("data-handle");
  // 卡口在本人辖区内才链接（辖区外的卡口页打不开）
  var scope = table.getAttribute("data-scope") || "";

  function cell(row, text, cls) {
    var td = row.insertCell(-1);
    td.textContent = text;
    if (cls) { td.className = cls; }
    return td;
  }

  function link(parent, href, text, cls) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    if (cls) { a.className = cls; }
    parent.appendChild(a);
    return a;
  }

  var source = new EventSource(table.getAttribute("data-stream"));
  source.addEventListener("alert", function (ev) {
    var a = JSON.parse(ev.data);
    var row = body.insertRow(0);
    row.className = "alert-open alert-new";
    cell(row, a.created_at_local);
    if (a.node_path.indexOf(scope) === 0) {
      link(cell(row, ""), "/checkpoints/" + a.checkpoint_id, a.checkpoint_name);
    } else {
      cell(row, a.checkpoint_name);
    }
    cell(row, a.reason_labels);
    var subject = [a.person_name, a.id_number, a.plate].filter(function (s) { return s; });
    cell(row, subject.join(" "), "mono");
    cell(row, typeof a.temperature === "number" ? a.temperature.toFixed(1) + "℃" : "");
    var records = cell(row, "");
    (a.links || []).forEach(function (l, i) {
      if (i > 0) { records.appendChild(document.createElement("br")); }
      link(records, l.href, l.kind_label + " " + l.id);
    });
    link(cell(row, ""), "/checkpoints/alerts/" + a.id + "#handle", handleLabel, "button");
  });
  source.addEventListener("lagged", function () { window.location.reload(); });
})();
