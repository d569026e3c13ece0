/* The 12345 hotline workspace: bulk selection, caller history and suggestions while typing. */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var t;
    return function () {
      var args = arguments;
      clearTimeout(t);
      t = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- Queue: select all, count ---------------------------------------------------------------
  var all = document.getElementById("ws-select-all");
  var counter = document.getElementById("ws-selected-count");
  if (all) {
    var boxes = function () { return document.querySelectorAll("input[name=orders]"); };
    var update = function () {
      var n = Array.prototype.filter.call(boxes(), function (b) { return b.checked; }).length;
      if (counter) counter.textContent = "已选 " + n + " 件";
    };
    all.addEventListener("change", function () {
      boxes().forEach(function (b) { b.checked = all.checked; });
      update();
    });
    document.addEventListener("change", function (e) {
      if (e.target && e.target.name === "orders") update();
    });
  }

  // --- Order page: pick a suggested department ---------------------------------------------------
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-ws-pick-department]");
    if (!button) return;
    var value = button.getAttribute("data-ws-pick-department");
    ["id_dispatch-department", "id_reassign-department", "id_department"].forEach(function (id) {
      var select = document.getElementById(id);
      if (select) {
        select.value = value;
        var details = select.closest("details");
        if (details) details.open = true;
        select.focus();
      }
    });
  });

  // --- Intake ------------------------------------------------------------------------------------
  var form = document.getElementById("ws-intake-form");
  if (!form) return;
  var historyBox = document.getElementById("ws-history");
  var suggestBox = document.getElementById("ws-suggest");
  var phone = form.querySelector("[name=caller_phone]");
  var content = form.querySelector("[name=content]");
  var reply = form.querySelector("[name=reply_text]");
  var lastPhone = null;
  var lastText = null;

  function renderHistory(data) {
    historyBox.textContent = "";
    if (!data.valid) {
      historyBox.appendChild(el("p", { "class": "ws-help" }, "号码不完整或格式不对。"));
      return;
    }
    if (!data.orders.length) {
      historyBox.appendChild(el("p", { "class": "ws-help" }, "该号码没有以前的工单（首次来电）。"));
      return;
    }
    historyBox.appendChild(el("p", { "class": "ws-history-count" }, "该号码以前来电 " + data.orders.length + " 次："));
    var list = el("ul", { "class": "ws-suggest" });
    data.orders.forEach(function (o) {
      var li = el("li");
      var a = el("a", { href: o.url, target: "_blank", rel: "noopener" });
      a.appendChild(el("code", {}, o.tracking_number));
      a.appendChild(document.createTextNode(" " + o.title));
      li.appendChild(a);
      li.appendChild(el("small", {}, " " + o.status_label + " · " + o.order_type_label + " · " + o.created_at));
      list.appendChild(li);
    });
    historyBox.appendChild(list);
  }

  var loadHistory = debounce(function () {
    var value = phone.value.replace(/[^\d+]/g, "");
    if (value.length < 7 || value === lastPhone) return;
    lastPhone = value;
    fetch(form.dataset.historyUrl + "?phone=" + encodeURIComponent(phone.value), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) renderHistory(data); })
      .catch(function () {});
  }, 350);

  function setSelect(name, value) {
    var select = form.querySelector("[name=" + name + "]");
    if (select && value) select.value = String(value);
  }

  function renderSuggest(data) {
    suggestBox.textContent = "";
    if (data.routing && data.routing.length) {
      suggestBox.appendChild(el("h3", {}, "建议分类与承办单位"));
      var rl = el("ul", { "class": "ws-suggest" });
      data.routing.forEach(function (s) {
        var li = el("li");
        var b = el("button", { type: "button", "class": "button button-small button-secondary" }, "选用");
        b.addEventListener("click", function () {
          setSelect("category", s.category_pk);
          setSelect("department", s.department_pk);
        });
        li.appendChild(document.createTextNode((s.department || "—") + " "));
        li.appendChild(el("small", {}, s.category + " · " + s.score + " "));
        li.appendChild(b);
        rl.appendChild(li);
      });
      suggestBox.appendChild(rl);
    }
    if (data.articles && data.articles.length) {
      suggestBox.appendChild(el("h3", {}, "知识库"));
      var al = el("ul", { "class": "ws-suggest" });
      data.articles.forEach(function (a) {
        var li = el("li");
        var b = el("button", { type: "button", "class": "button button-small" }, "用作答复");
        b.addEventListener("click", function () {
          reply.value = a.answer || a.title;
          reply.focus();
        });
        li.appendChild(el("strong", {}, a.title));
        li.appendChild(el("p", { "class": "ws-help" }, (a.answer || "").slice(0, 160)));
        li.appendChild(b);
        al.appendChild(li);
      });
      suggestBox.appendChild(al);
    }
    if (!suggestBox.childNodes.length) {
      suggestBox.appendChild(el("p", { "class": "ws-help" }, "暂无匹配的知识或建议。"));
    }
  }

  var loadSuggest = debounce(function () {
    var text = content.value.trim();
    if (text.length < 4 || text === lastText) return;
    lastText = text;
    fetch(form.dataset.suggestUrl + "?text=" + encodeURIComponent(text.slice(0, 500)), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) renderSuggest(data); })
      .catch(function () {});
  }, 500);

  if (phone) {
    phone.addEventListener("input", loadHistory);
    if (phone.value) loadHistory();
  }
  if (content) content.addEventListener("input", loadSuggest);

  // Ctrl+Enter in a text area saves: from the reply box it answers directly, elsewhere it creates.
  form.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || !(e.ctrlKey || e.metaKey)) return;
    e.preventDefault();
    var mode = e.target === reply ? "answer" : "create";
    var button = form.querySelector("button[name=mode][value=" + mode + "]");
    if (button) button.click();
  });
})();
