// Large-type mode for older readers, remembered on this device.
(function () {
  var root = document.documentElement;
  if (localStorage.getItem("gongkai-large-type") === "1") root.classList.add("large-type");
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("large-type-toggle");
    if (!button) return;
    var sync = function () { button.setAttribute("aria-pressed", root.classList.contains("large-type") ? "true" : "false"); };
    sync();
    button.addEventListener("click", function () {
      root.classList.toggle("large-type");
      localStorage.setItem("gongkai-large-type", root.classList.contains("large-type") ? "1" : "0");
      sync();
    });
  });
})();
