// 卡口预警实时列表：订阅服务器推送（EventSource），新预警插到表格顶部。
(function () {
  "use strict";
  var table = document.getElementById("alerts");
  if (!table || !window.EventSource) { return; }
  var body = table.tBodies[0];
  var csrf = table.getAttribute("data-csrf");
  var handleLabel = table.getAttribute("data-handle");

  function cell(row, text, cls) {
    var td = row.insertCell(-1);
    td.textContent = text;
    if (cls) { td.className = cls; }
    return td;
  }

  var source = new EventSource(table.getAttribute("data-stream"));
  source.addEventListener("alert", function (ev) {
    var a = JSON.parse(ev.data);
    var row = body.insertRow(0);
    row.className = "alert-open alert-new";
    cell(row, a.created_at_local);
    var cp = cell(row, "");
    var link = document.createElement("a");
    link.href = "/checkpoints/" + a.checkpoint_id;
    link.textContent = a.checkpoint_name;
    cp.appendChild(link);
    cell(row, a.reason_labels);
    cell(row, (a.id_number || "") + (a.plate ? " " + a.plate : ""), "mono");
    cell(row, a.temperature ? a.temperature + "℃" : "");
    var act = cell(row, "");
    var form = document.createElement("form");
    form.method = "post";
    form.action = "/checkpoints/alerts/" + a.id + "/handle";
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = "csrf";
    hidden.value = csrf;
    var button = document.createElement("button");
    button.type = "submit";
    button.textContent = handleLabel;
    form.appendChild(hidden);
    form.appendChild(button);
    act.appendChild(form);
  });
  source.addEventListener("lagged", function () { window.location.reload(); });
})();
