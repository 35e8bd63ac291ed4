// 推送名单上传与导入进度：上传时显示上传进度，导入时轮询进度接口，不刷新整页。
// 没有脚本时表单照常提交，进度页每两秒自动刷新。
(function () {
  "use strict";

  function poll(url, bar, rows, done) {
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (p) {
        if (bar) { bar.value = p.percent; }
        if (rows) { rows.textContent = p.rows; }
        if (p.state === "running") {
          setTimeout(function () { poll(url, bar, rows, done); }, 700);
        } else {
          done();
        }
      })
      .catch(function () { setTimeout(function () { poll(url, bar, rows, done); }, 2000); });
  }

  // the progress page: replace the two-second refresh by polling
  var job = document.getElementById("push-job");
  if (job && document.getElementById("push-job-progress")) {
    var meta = document.querySelector("meta[http-equiv=refresh]");
    if (meta) { meta.parentNode.removeChild(meta); }
    poll(job.getAttribute("data-progress"), document.getElementById("push-job-progress"),
      document.getElementById("push-job-rows"), function () { window.location.reload(); });
  }

  // the upload form: show the upload's own progress, then follow to the job page
  var form = document.getElementById("push-upload");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var bar = document.getElementById("push-upload-progress");
    var status = document.getElementById("push-upload-status");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    bar.hidden = false;
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { bar.value = Math.round(e.loaded * 100 / e.total); }
    });
    xhr.addEventListener("load", function () {
      if (xhr.status >= 200 && xhr.status < 300 && xhr.responseURL) {
        window.location.href = xhr.responseURL;
      } else {
        document.open();
        document.write(xhr.responseText);
        document.close();
      }
    });
    xhr.addEventListener("error", function () { status.textContent = "上传失败，请重试"; });
    status.textContent = "正在上传……";
    xhr.send(new FormData(form));
  });
})();
