/* Gongkai hotline public pages: small helpers; every page works without them. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Move keyboard and screen-reader focus to the list of errors after a refused submission.
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    // Disable the submit button after the first click so that the wait is visible (the server
    // also turns a second submission of the same form into the same order).
    document.querySelectorAll("form.hl-form").forEach(function (form) {
      form.addEventListener("submit", function () {
        var button = form.querySelector("button[type=submit]");
        if (button) {
          setTimeout(function () { button.disabled = true; button.dataset.busy = "1"; }, 0);
        }
      });
    });
  });
})();
