// 后台任务（导入、导出）的进度页：轮询进度接口更新进度条和行数，结束后刷新页面显示结果。
// 没有脚本时页面每两秒自动刷新。
(function () {
  "use strict";

  var job = document.getElementById("job");
  var bar = document.getElementById("job-progress");
  if (!job || !bar) { return; }
  var rows = document.getElementById("job-rows");
  var url = job.getAttribute("data-progress");
  var meta = document.querySelector("meta[http-equiv=refresh]");
  if (meta) { meta.parentNode.removeChild(meta); }

  function poll() {
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (p) {
        if (bar.hasAttribute("value")) { bar.value = p.percent; }
        if (rows) { rows.textContent = p.rows; }
        if (p.state === "running") {
          setTimeout(poll, 700);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
