/* Topic form: as the analyst types the rule, ask the server what it matches (debounced), and show
   the error with the wrong character marked. Builds the DOM with textContent only (no HTML strings). */
(function () {
  "use strict";
  var form = document.getElementById("ow-topic-form");
  if (!form || !window.fetch) return;
  var rule = form.querySelector("[name=rule]");
  var out = document.getElementById("ow-preview");
  var errorBox = document.getElementById("ow-rule-error");
  var url = form.dataset.previewUrl;
  var token = form.querySelector("[name=csrfmiddlewaretoken]");
  var last = null;
  var seq = 0;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function showError(error) {
    errorBox.textContent = "";
    if (!error) {
      rule.removeAttribute("aria-invalid");
      return;
    }
    rule.setAttribute("aria-invalid", "true");
    errorBox.appendChild(el("p", "error-message", "第 " + error.number + " 个字符处有误：" + error.message));
    var pre = el("pre", "ow-rule-marked");
    pre.setAttribute("aria-hidden", "true");
    pre.appendChild(document.createTextNode(error.before));
    pre.appendChild(el("mark", "ow-rule-bad" + (error.at_end ? " ow-rule-bad--end" : ""), error.char));
    pre.appendChild(document.createTextNode(error.after));
    errorBox.appendChild(pre);
  }

  function render(data) {
    out.textContent = "";
    if (data.empty) {
      showError(null);
      out.appendChild(el("p", "ws-help", "输入规则后在这里显示匹配结果。"));
      return;
    }
    if (!data.ok) {
      showError(data.error);
      out.appendChild(el("p", "ws-help", "规则有误，改正后显示匹配结果。"));
      return;
    }
    showError(null);
    var summary = el("p", "ow-preview__summary");
    var strong = el("strong", "", "最近 " + data.scanned + " 条信息中匹配 " + data.matched + " 条");
    summary.appendChild(strong);
    if (data.matched > data.posts.length) summary.appendChild(document.createTextNode("，显示前 " + data.posts.length + " 条"));
    out.appendChild(summary);
    if (!data.posts.length) {
      out.appendChild(el("p", "ws-help", "没有匹配的信息。规则可能太严，或最近没有相关讨论。"));
      return;
    }
    var list = el("ol", "ow-preview__list");
    data.posts.forEach(function (m) {
      var li = el("li");
      var meta = el("span", "ow-muted", m.published_at + " · " + m.source + " · ");
      meta.appendChild(el("span", "ow-sent ow-sent--" + m.sentiment, m.sentiment_label));
      li.appendChild(meta);
      li.appendChild(document.createElement("br"));
      m.pieces.forEach(function (p) {
        li.appendChild(p.hit ? el("mark", "", p.text) : document.createTextNode(p.text));
      });
      list.appendChild(li);
    });
    out.appendChild(list);
  }

  function run() {
    var value = rule.value;
    if (value === last) return;
    last = value;
    var mine = ++seq;
    var body = new FormData();
    body.append("rule", value);
    if (token) body.append("csrfmiddlewaretoken", token.value);
    out.setAttribute("aria-busy", "true");
    fetch(url, { method: "POST", credentials: "same-origin", headers: { Accept: "application/json" }, body: body })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && mine === seq) render(data); })
      .catch(function () {})
      .then(function () { if (mine === seq) out.setAttribute("aria-busy", "false"); });
  }

  var timer = null;
  rule.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(run, 400);
  });
  // The Preview button previews in place when the script runs (the server answers it without it).
  var button = form.querySelector("button[name=preview]");
  if (button) {
    button.addEventListener("click", function (e) {
      e.preventDefault();
      last = null;
      run();
    });
  }
})();
