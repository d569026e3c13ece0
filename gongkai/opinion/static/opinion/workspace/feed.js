/* The opinion feed: polls for new posts every ~15 s and corrects sentiment in place.
   No inline script (CSP): the page passes its settings in data- attributes. */
(function () {
  "use strict";

  function joinUrl(url, params) {
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + params;
  }

  // --- New posts ------------------------------------------------------------------------------
  var live = document.getElementById("ow-live");
  var list = document.getElementById("ow-feed");
  if (live && list) {
    var pollUrl = live.dataset.pollUrl;
    var since = live.dataset.since || "0";
    var seconds = Math.max(5, parseInt(live.dataset.pollSeconds || "15", 10));
    var status = document.getElementById("ow-live-status");
    var toggle = document.getElementById("ow-live-toggle");
    var button = document.getElementById("ow-new");
    var paused = live.dataset.paused === "1";
    var busy = false;
    var timer = null;

    var show = function (data) {
      if (status) status.textContent = "每 " + seconds + " 秒检查新信息 · 上次检查 " + (data.checked_at || "");
      if (data.count > 0) {
        button.textContent = "有 " + data.count + (data.more ? "+" : "") + " 条新信息，点击显示";
        button.hidden = false;
      } else {
        button.hidden = true;
      }
    };

    var poll = function () {
      if (paused || busy || document.hidden) return;
      busy = true;
      fetch(joinUrl(pollUrl, "since=" + encodeURIComponent(since)), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) show(data); })
        .catch(function () {})
        .then(function () { busy = false; });
    };

    var insert = function () {
      if (busy) return;
      busy = true;
      fetch(joinUrl(pollUrl, "rows=1&since=" + encodeURIComponent(since)), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          if (data.html) {
            var empty = document.querySelector(".ow-empty");
            if (empty) empty.remove();
            list.insertAdjacentHTML("afterbegin", data.html);
            var first = list.querySelector(".ow-post");
            if (first) {
              first.setAttribute("tabindex", "-1");
              first.focus();
            }
          }
          since = String(data.since);
          button.hidden = true;
          if (status) status.textContent = "已显示新信息 · " + (data.checked_at || "");
        })
        .catch(function () {})
        .then(function () { busy = false; });
    };

    if (button) button.addEventListener("click", insert);
    if (toggle) {
      toggle.addEventListener("click", function () {
        paused = !paused;
        toggle.setAttribute("aria-pressed", paused ? "true" : "false");
        toggle.textContent = paused ? "恢复自动刷新" : "暂停自动刷新";
        if (status) status.textContent = paused ? "自动刷新已暂停" : "每 " + seconds + " 秒检查新信息";
        if (!paused) poll();
      });
    }
    if (!paused) timer = window.setInterval(poll, seconds * 1000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });
    window.owFeedPoll = poll; // for tests and the console
    void timer;
  }

  // --- Sentiment correction in place ------------------------------------------------------------
  var LABELS = { positive: "正面", neutral: "中性", negative: "负面" };
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form[data-ow-correct]")) return;
    var submitter = e.submitter;
    if (!submitter || submitter.name !== "sentiment" || !window.fetch) return;
    e.preventDefault();
    var body = new FormData(form);
    body.set("sentiment", submitter.value);
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      body: body,
    })
      .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
      .then(function (result) {
        var post = form.closest(".ow-post");
        if (!result.ok) {
          window.alert(result.data.message || "未能校正。");
          return;
        }
        var data = result.data;
        var badge = post.querySelector("[data-sentiment-badge]");
        if (badge) {
          badge.className = "ow-sent ow-sent--" + data.sentiment;
          badge.textContent = (data.label || LABELS[data.sentiment]) + " · 已校正";
        }
        post.classList.toggle("ow-post--negative", data.sentiment === "negative");
        form.querySelectorAll("button[name=sentiment]").forEach(function (b) {
          var on = b.value === data.sentiment;
          b.classList.toggle("button-secondary", !on);
          if (on) b.setAttribute("aria-pressed", "true"); else b.removeAttribute("aria-pressed");
        });
        var who = post.querySelector(".ow-correct__who");
        if (!who) {
          who = document.createElement("p");
          who.className = "ow-muted ow-correct__who";
          form.after(who);
        }
        who.textContent = data.corrected;
        who.setAttribute("role", "status");
      })
      .catch(function () { window.alert("网络错误，未能校正，请重试。"); });
  });
})();
