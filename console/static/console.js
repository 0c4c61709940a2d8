/* The console's only script (no inline scripts: the Content-Security-Policy forbids them).
   Dialogs and the record drawer, error messages from actions, our own form validation (never
   the browser's popups), row selection for bulk actions, ECharts, download and upload
   progress, the branch picker. */
(function () {
  "use strict";

  function toast(message) {
    var el = document.getElementById("toast");
    if (!el) { return; }
    el.textContent = message;
    el.hidden = false;
    clearTimeout(el._timer);
    el._timer = setTimeout(function () { el.hidden = true; }, 6000);
  }

  function messageOf(xhr) {
    var text = xhr && xhr.responseText;
    var encoded = xhr && xhr.getResponseHeader("X-Console-Message");
    if (encoded) {
      try { return decodeURIComponent(encoded); } catch (e) { /* fall through */ }
    }
    if (text && text.charAt(0) === "{") {
      try { var body = JSON.parse(text); if (body.message) { return body.message; } } catch (e) { /* not JSON */ }
    }
    if (text && text.length < 4000 && text.indexOf("<") === -1) { return text; }
    if (xhr && xhr.status === 0) { return "网络连接失败，请检查网络后重试"; }
    return "操作失败（" + (xhr ? xhr.status : "?") + "），请稍后重试";
  }

  function initCharts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el._chart) { return; }
      var data = document.getElementById(el.getAttribute("data-chart"));
      if (!data) { return; }
      var option = JSON.parse(data.textContent);
      el._chart = window.echarts.init(el, null, { renderer: "canvas" });
      el._chart.setOption(option);
      el.setAttribute("data-chart-ready", "true");
    });
  }

  // The server names every download by one rule (web/downloads.py): take its exact name.
  function savedName(response) {
    var header = response.headers.get("Content-Disposition") || "";
    var exact = /filename\*=UTF-8''([^;\s]+)/i.exec(header);
    if (exact) {
      try { return decodeURIComponent(exact[1]); } catch (e) { /* fall through */ }
    }
    var plain = /filename="([^"]+)"/i.exec(header);
    return plain ? plain[1] : "";
  }

  function download(link) {
    var bar = link.parentNode.querySelector(".download-progress");
    if (!window.fetch || !window.ReadableStream) { window.location = link.href; return; }
    if (bar) { bar.hidden = false; bar.value = 0; bar.removeAttribute("value"); }
    link.classList.add("htmx-request");
    fetch(link.href, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) {
        return response.text().then(function (t) { throw new Error(t || ("导出失败（" + response.status + "）")); });
      }
      var total = parseInt(response.headers.get("Content-Length") || "0", 10);
      var reader = response.body.getReader();
      var chunks = [];
      var received = 0;
      function pump() {
        return reader.read().then(function (step) {
          if (step.done) { return; }
          chunks.push(step.value);
          received += step.value.length;
          if (bar && total) { bar.max = total; bar.value = received; }
          return pump();
        });
      }
      return pump().then(function () {
        var blob = new Blob(chunks, { type: response.headers.get("Content-Type") || "application/octet-stream" });
        var url = URL.createObjectURL(blob);
        var a = document.createElement("a");
        a.href = url;
        a.download = savedName(response) || link.getAttribute("data-download") || "download.xlsx";
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
        link.setAttribute("data-downloaded", String(received));
      });
    }).catch(function (err) {
      toast(err.message && err.message.indexOf("<") === -1 ? err.message : "导出失败，请稍后重试");
    }).then(function () {
      link.classList.remove("htmx-request");
      if (bar) { setTimeout(function () { bar.hidden = true; }, 1500); }
    });
  }

  // --- Our own validation (issue 27 item 14): every form is novalidate, so the browser never
  // shows its own popups (in the browser's language); a field's rule is checked here with our
  // Chinese message (data-message, or one made from its label), shown in the form's error box.
  // The server checks the same again and answers 422 in the same words.
  function labelOf(field) {
    var label = field.closest("label");
    var text = "";
    if (label) {
      label.childNodes.forEach(function (n) { if (n.nodeType === 3) { text += n.textContent; } });
    }
    text = text.replace(/[（(].*$/, "").replace(/[\s:：]+$/, "").trim();
    return text;
  }

  function shown(field) {
    var dialog = field.closest("dialog");
    if (dialog && !dialog.open) { return false; }
    var details = field.closest("details");
    if (details && !details.open) { return false; }
    return !field.disabled && field.type !== "hidden";
  }

  function problemOf(field) {
    var value = (field.value || "").trim();
    var name = labelOf(field);
    var own = field.getAttribute("data-message");
    if (field.required && !value) {
      if (own) { return own; }
      if (field.type === "file") { return "请选择文件"; }
      if (field.tagName === "SELECT") { return name ? "请选择" + name : "请选择一项"; }
      return name ? "请填写" + name : "请填写此项";
    }
    if (!value) { return ""; }
    if (field.type === "number") {
      if (!/^-?\d+(\.\d+)?$/.test(value)) { return (name ? name + "：" : "") + "请填写数字"; }
      var n = parseFloat(value);
      var lo = field.getAttribute("min");
      var hi = field.getAttribute("max");
      if ((lo !== null && n < parseFloat(lo)) || (hi !== null && n > parseFloat(hi))) {
        return (name ? name + "：" : "") + "应在 " + lo + " 到 " + hi + " 之间";
      }
      if ((field.getAttribute("step") || "1") === "1" && n !== Math.floor(n)) {
        return (name ? name + "：" : "") + "请填写整数";
      }
    }
    if (field.type === "month" && !/^\d{4}-\d{2}$/.test(value)) { return "月份格式应为 YYYY-MM"; }
    var max = field.getAttribute("maxlength");
    if (max && value.length > parseInt(max, 10)) { return (name ? name : "内容") + "长度不能超过 " + max + " 个字符"; }
    return "";
  }

  // --- Our own pickers (macros.html month_field / date_field / datetime_field): selects joined
  // into the hidden field the form posts (YYYY-MM, YYYY-MM-DD, YYYY-MM-DD HH:MM).
  var PICKER_PARTS = { month: ["y", "m"], date: ["y", "m", "d"], datetime: ["y", "m", "d", "H", "M"] };

  function pickerParts(picker) {
    var out = {};
    picker.querySelectorAll("select[data-part]").forEach(function (s) { out[s.getAttribute("data-part")] = s.value; });
    return out;
  }

  // "" when nothing is chosen, null when only part is, else the joined value.
  function pickerValue(picker) {
    var kind = picker.getAttribute("data-picker");
    var p = pickerParts(picker);
    var names = PICKER_PARTS[kind] || [];
    var filled = names.filter(function (n) { return p[n]; }).length;
    if (filled === 0) { return ""; }
    if (filled < names.length) { return null; }
    var value = p.y + "-" + p.m;
    if (kind !== "month") { value += "-" + p.d; }
    if (kind === "datetime") { value += " " + p.H + ":" + p.M; }
    return value;
  }

  function syncPicker(picker) {
    var hidden = picker.querySelector("input[type=hidden]");
    var value = pickerValue(picker);
    if (hidden) { hidden.value = value || ""; }
  }

  function realDate(value) {
    var parts = value.slice(0, 10).split("-");
    var y = parseInt(parts[0], 10), m = parseInt(parts[1], 10), d = parseInt(parts[2], 10);
    var day = new Date(y, m - 1, d);
    return day.getFullYear() === y && day.getMonth() === m - 1 && day.getDate() === d;
  }

  function pickerProblem(picker) {
    var label = picker.getAttribute("data-label") || "日期";
    var value = pickerValue(picker);
    if (value === "") {
      if (!picker.hasAttribute("data-required")) { return ""; }
      return picker.getAttribute("data-message") || "请选择" + label;
    }
    if (value === null) { return "请选择完整的" + label + "（" + { month: "年、月", date: "年、月、日", datetime: "年、月、日、时、分" }[picker.getAttribute("data-picker")] + "）"; }
    if (picker.getAttribute("data-picker") !== "month" && !realDate(value)) { return label + "：" + value.slice(0, 10) + " 这一天不存在"; }
    return "";
  }

  function errorBox(form, field) {
    var holder = (field && field.closest("dialog[open]")) || form;
    return holder.querySelector(".form-error");
  }

  function validate(form, submitter) {
    var problems = [];
    var first = null;
    var box = null;
    if (form.hasAttribute("data-bulk") && selectedIn(form.id) === 0) {
      problems.push("请先勾选要处理的记录");
    }
    form.querySelectorAll("[data-picker]").forEach(function (picker) {
      var select = picker.querySelector("select");
      if (!select || !shown(select)) { return; }
      syncPicker(picker);
      select.removeAttribute("aria-invalid");
      var problem = pickerProblem(picker);
      if (problem) {
        problems.push(problem);
        select.setAttribute("aria-invalid", "true");
        if (!first) { first = select; box = errorBox(form, select); }
      }
    });
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || !shown(field) || field.tagName === "BUTTON") { return; }
      field.removeAttribute("aria-invalid");
      var problem = problemOf(field);
      if (problem) {
        problems.push(problem);
        field.setAttribute("aria-invalid", "true");
        if (!first) { first = field; box = errorBox(form, field); }
      }
    });
    if (!problems.length) { return true; }
    box = box || errorBox(form, submitter);
    if (box) { box.textContent = problems.join("\n"); } else { toast(problems.join("\n")); }
    if (first) { first.focus(); }
    return false;
  }

  function noBrowserPopups(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("form").forEach(function (f) { f.noValidate = true; });
    if (root.tagName === "FORM") { root.noValidate = true; }
  }

  // Capturing at the document runs before htmx's own listener on the form: an invalid form
  // never reaches it.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!validate(form, event.submitter)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  // --- Row selection for bulk actions (macros.html select_row / select_all / bulk_decide) ---
  function rowsOf(formId) {
    return document.querySelectorAll("input[data-select-row='" + formId + "']");
  }

  function selectedIn(formId) {
    var n = 0;
    rowsOf(formId).forEach(function (box) { if (box.checked) { n += 1; } });
    return n;
  }

  function refreshSelection(formId) {
    var form = document.getElementById(formId);
    if (!form) { return; }
    var n = selectedIn(formId);
    var all = rowsOf(formId).length;
    form.querySelectorAll("[data-selected-count]").forEach(function (el) { el.textContent = String(n); });
    form.querySelectorAll("[data-needs-selection]").forEach(function (b) { b.disabled = n === 0; });
    document.querySelectorAll("input[data-select-all='" + formId + "']").forEach(function (box) {
      box.checked = all > 0 && n === all;
      box.indeterminate = n > 0 && n < all;
    });
  }

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-open"));
      if (dialog) { dialog.showModal(); }
      return;
    }
    var closer = event.target.closest("[data-close]");
    if (closer) {
      var d = closer.closest("dialog");
      if (d) { d.close(); }
      return;
    }
    var pick = event.target.closest("[data-file-pick]");
    if (pick) {
      var input = pick.closest("[data-file-chooser]").querySelector("input[type=file]");
      if (input) { input.click(); }
      return;
    }
    var clear = event.target.closest("[data-picker-clear]");
    if (clear) {
      var cleared = clear.closest("[data-picker]");
      cleared.querySelectorAll("select[data-part]").forEach(function (s) { s.value = ""; });
      syncPicker(cleared);
      return;
    }
    var dl = event.target.closest("a[data-download]");
    if (dl) {
      event.preventDefault();
      download(dl);
      return;
    }
    var drawerLink = event.target.closest("[data-drawer-title]");
    if (drawerLink) {
      var title = document.getElementById("drawer-title");
      if (title) { title.textContent = drawerLink.getAttribute("data-drawer-title"); }
    }
  });

  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-select-all]");
    if (all) {
      var formId = all.getAttribute("data-select-all");
      rowsOf(formId).forEach(function (box) { box.checked = all.checked; });
      refreshSelection(formId);
      return;
    }
    var one = event.target.closest("[data-select-row]");
    if (one) { refreshSelection(one.getAttribute("data-select-row")); return; }
    var part = event.target.closest("[data-picker] select[data-part]");
    if (part) { syncPicker(part.closest("[data-picker]")); return; }
    var file = event.target.closest("[data-file-chooser] input[type=file]");
    if (file) {
      var shownName = file.closest("[data-file-chooser]").querySelector("[data-file-name]");
      if (shownName) { shownName.textContent = file.files && file.files.length ? file.files[0].name : "未选择文件"; }
      return;
    }
    var pick = event.target.closest("[data-branch-select]");
    if (pick) { window.location = pick.getAttribute("data-base") + pick.value + "/"; return; }
    // An option that changes what a page previews (the roster's "mark missing as left").
    var toggle = event.target.closest("[data-toggle-url]");
    if (toggle) { window.location = toggle.getAttribute(toggle.checked ? "data-on" : "data-off"); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    noBrowserPopups(document);
    document.querySelectorAll("form[data-bulk]").forEach(function (f) { refreshSelection(f.id); });
    initCharts(document);
    window.addEventListener("resize", function () {
      document.querySelectorAll("[data-chart-ready]").forEach(function (el) { if (el._chart) { el._chart.resize(); } });
    });
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "drawer-body") {
      var drawer = document.getElementById("drawer");
      var content = event.detail.target.querySelector("[data-title]");
      if (content && content.getAttribute("data-title")) {
        document.getElementById("drawer-title").textContent = content.getAttribute("data-title");
      }
      if (drawer && !drawer.open) { drawer.showModal(); }
    }
    initCharts(event.detail.target || document);
  });

  document.addEventListener("htmx:responseError", function (event) {
    var elt = event.detail.elt;
    var message = messageOf(event.detail.xhr);
    var holder = elt.closest("form, .action-bar, td, dialog");
    var box = holder ? (holder.querySelector("dialog[open] .form-error") || holder.querySelector(".form-error")) : null;
    if (box) { box.textContent = message; } else { toast(message); }
  });

  // Content htmx adds (a polled leaderboard, a drawer) may carry charts of its own.
  document.addEventListener("htmx:load", function (event) {
    noBrowserPopups(event.detail.elt);
    initCharts(event.detail.elt);
  });

  document.addEventListener("htmx:sendError", function () { toast("网络连接失败，请检查网络后重试"); });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt.closest("form");
    if (form) { form.querySelectorAll(".form-error").forEach(function (box) { box.textContent = ""; }); }
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.detail.elt.closest("form[data-progress]");
    var bar = form ? form.querySelector(".upload-progress") : null;
    if (bar && event.detail.lengthComputable) {
      bar.hidden = false;
      bar.max = event.detail.total;
      bar.value = event.detail.loaded;
    }
  });
})();
