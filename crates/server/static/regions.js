// 地区选择：在地点栏输入名称（“西安”“雁塔”），从 /api/v1/regions 取候选，选中一条后栏里显示
// 全称，表单提交的是它的区划代码（一个同名的隐藏字段；再改动文字就又按文字提交）。
// 没有脚本时这里什么也不做：栏里照常填写名称或代码，服务器按名称找到区县。
//
// 用法（模板里）：
//   <input name="origin" data-region-picker>                       选中后提交“610113”或“610113 电子城街道”
//   <input name="code" data-region-picker data-region-street="street" data-region-name="name">
//                        只提交六位代码，选中街道时把街道名填进 street 栏，name 栏为空时填上全称
//   <input data-region-picker data-region-append="travel">         不提交；与 [data-travel-add] 里的
//                        日期和按钮一起，把“日期 地点”加到 travel 文本框的新一行
(function () {
  "use strict";
  var inputs = document.querySelectorAll("input[data-region-picker]");
  if (!inputs.length || !window.fetch || !window.URLSearchParams) { return; }

  var WAIT_MS = 200;  // typing pauses this long before a lookup
  var SHOWN = 8;      // suggestions shown at once
  var serial = 0;

  function picker(input) {
    var form = input.form;
    var name = input.getAttribute("name");
    var listId = "region-list-" + (++serial);
    var list = document.createElement("span");
    list.className = "region-list";
    list.id = listId;
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.insertAdjacentElement("afterend", list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");

    var streetField = field(input.getAttribute("data-region-street"));
    var nameField = field(input.getAttribute("data-region-name"));
    var appending = input.hasAttribute("data-region-append");
    var hidden = null;       // the hidden input carrying the picked code
    var picked = null;       // the full name shown after a pick
    var filled = { street: null, name: null };  // what the picker wrote into other fields
    var found = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function field(n) { return n && form ? form.elements.namedItem(n) : null; }

    function close() {
      list.hidden = true;
      list.textContent = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      found = [];
      active = -1;
    }

    // typing again after a pick: the text is what the form sends
    function unpick() {
      picked = null;
      delete input.dataset.place;
      if (hidden) { hidden.remove(); hidden = null; }
      if (name) { input.setAttribute("name", name); }
      input.classList.remove("region-picked");
    }

    function show(regions) {
      list.textContent = "";
      found = regions.filter(function (r) { return r.place; }).slice(0, SHOWN);
      active = -1;
      if (!found.length) { close(); return; }
      found.forEach(function (r, i) {
        var opt = document.createElement("span");
        opt.className = "region-option";
        opt.id = listId + "-" + i;
        opt.setAttribute("role", "option");
        opt.setAttribute("aria-selected", "false");
        var full = document.createElement("b");
        full.textContent = r.full_name;
        var meta = document.createElement("small");
        meta.textContent = r.level_label + " · " + r.code;
        opt.appendChild(full);
        opt.appendChild(meta);
        // mousedown, not click: the field must not lose focus (and close the list) first
        opt.addEventListener("mousedown", function (ev) { ev.preventDefault(); pick(r); });
        list.appendChild(opt);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(i) {
      var opts = list.querySelectorAll(".region-option");
      if (!opts.length) { return; }
      active = (i + opts.length) % opts.length;
      for (var k = 0; k < opts.length; k++) {
        opts[k].setAttribute("aria-selected", k === active ? "true" : "false");
      }
      input.setAttribute("aria-activedescendant", opts[active].id);
      opts[active].scrollIntoView({ block: "nearest" });
    }

    function pick(r) {
      var street = r.level === "street";
      var value = r.place;
      if (streetField) {
        // the code field takes the six digits; a street goes to its own field
        value = r.code.slice(0, 6);
        if (street) {
          streetField.value = r.name;
          filled.street = r.name;
        } else if (filled.street !== null && streetField.value === filled.street) {
          streetField.value = "";
          filled.street = null;
        }
      }
      if (nameField && (!nameField.value.trim() || nameField.value === filled.name)) {
        nameField.value = r.full_name;
        filled.name = r.full_name;
      }
      input.value = r.full_name;
      picked = r.full_name;
      input.classList.add("region-picked");
      if (appending) {
        input.dataset.place = value;
      } else if (name) {
        if (!hidden) {
          hidden = document.createElement("input");
          hidden.type = "hidden";
          input.insertAdjacentElement("afterend", hidden);
        }
        hidden.name = name;
        hidden.value = value;
        input.removeAttribute("name");
      }
      close();
    }

    function lookup() {
      var q = input.value.trim();
      if (!q || q === picked) { close(); return; }
      var mine = ++asked;
      var url = "/api/v1/regions?" + new URLSearchParams({ q: q, limit: String(SHOWN * 2) });
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (resp) { return resp.ok ? resp.json() : []; })
        .then(function (regions) {
          // an older answer arriving late is not shown over a newer one
          if (mine === asked && document.activeElement === input) { show(regions); }
        })
        .catch(function () { close(); });  // typing the name still works without suggestions
    }

    input.addEventListener("input", function () {
      if (picked !== null && input.value !== picked) { unpick(); }
      clearTimeout(timer);
      timer = setTimeout(lookup, WAIT_MS);
    });
    input.addEventListener("keydown", function (ev) {
      if (list.hidden) { return; }
      if (ev.key === "ArrowDown") { ev.preventDefault(); highlight(active + 1); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); highlight(active - 1); }
      else if (ev.key === "Enter" && active >= 0) { ev.preventDefault(); pick(found[active]); }
      else if (ev.key === "Escape") { close(); }
    });
    input.addEventListener("blur", close);
  }

  for (var i = 0; i < inputs.length; i++) { picker(inputs[i]); }

  // 旅居史：选好日期和地点，“加入旅居史”在文本框里添一行
  var adders = document.querySelectorAll("[data-travel-add]");
  Array.prototype.forEach.call(adders, function (box) {
    var place = box.querySelector("input[data-region-append]");
    var date = box.querySelector("input[type=date]");
    var button = box.querySelector("button");
    var note = box.querySelector("[data-travel-note]");
    var target = place && place.form
      ? place.form.elements.namedItem(place.getAttribute("data-region-append")) : null;
    if (!place || !date || !button || !target) { return; }
    box.hidden = false;
    button.addEventListener("click", function () {
      var where = place.dataset.place || place.value.trim();
      if (!date.value || !where) {
        if (note) { note.textContent = "请先填写日期和地点"; }
        return;
      }
      var text = target.value.replace(/\s+$/, "");
      target.value = (text ? text + "\n" : "") + date.value + " " + where;
      place.value = "";
      delete place.dataset.place;
      place.classList.remove("region-picked");
      if (note) { note.textContent = ""; }
      place.focus();
    });
  });
})();
