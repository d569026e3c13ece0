// The annual reports' staff pages: confirm before release/withdrawal; the figures page's live
// preview of Table 2 and its checks (the server renders it; nothing is saved).
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  var form = document.getElementById("ar-figures-form");
  var table = document.getElementById("ar-live-table");
  var checks = document.getElementById("ar-live-checks");
  if (!form || !table || !checks || !window.fetch) return;
  var timer = null;
  var sequence = 0;
  var live = table.closest(".ar-live");

  function render(payload) {
    table.innerHTML = payload.html;
    checks.innerHTML = payload.checks_html;
  }

  function refresh() {
    var mine = ++sequence;
    if (live) live.classList.add("ar-live--busy");
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (payload) { if (payload && mine === sequence) render(payload); })
      .catch(function () {})
      .finally(function () { if (live && mine === sequence) live.classList.remove("ar-live--busy"); });
  }

  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  });
})();
