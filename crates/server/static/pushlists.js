// 推送名单上传：上传时显示上传进度，然后转到导入进度页（进度页的轮询在 jobs.js）。
// 没有脚本时表单照常提交。
(function () {
  "use strict";

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

// 批量分配：“全选本页”勾选或取消本页每一行（没有脚本时逐行勾选，此框不显示）
(function () {
  "use strict";
  var all = document.querySelector("[data-pick-all]");
  if (!all) { return; }
  var boxes = document.querySelectorAll('input[type="checkbox"][form="place-many"][name^="item_"]');
  all.hidden = false;
  all.addEventListener("change", function () {
    for (var i = 0; i < boxes.length; i++) { boxes[i].checked = all.checked; }
  });
})();
