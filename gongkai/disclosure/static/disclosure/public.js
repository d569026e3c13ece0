/* Disclosure application form helpers; the form works without them (both applicant sections
   and the full agency list are shown then). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("apply-form");
    if (!form) { return; }

    // Show the fields of the chosen kind of applicant only.
    var radios = form.querySelectorAll("input[name=applicant_kind]");
    var sections = form.querySelectorAll(".dp-kind");
    var hint = form.querySelector("[data-kind-hint]");
    function syncKind() {
      var chosen = form.querySelector("input[name=applicant_kind]:checked");
      if (hint) { hint.hidden = !!chosen; }
      sections.forEach(function (section) {
        section.hidden = !chosen || section.getAttribute("data-kind") !== chosen.value;
      });
    }
    radios.forEach(function (radio) { radio.addEventListener("change", syncKind); });
    syncKind();

    // Narrow the agency list by typed characters (the select keeps working by keyboard).
    var filterBox = form.querySelector("[data-agency-filter]");
    var select = document.getElementById("id_department");
    if (filterBox && select) {
      filterBox.hidden = false;
      var input = filterBox.querySelector("input");
      var options = Array.prototype.slice.call(select.querySelectorAll("option")).filter(function (o) { return o.value; });
      input.addEventListener("input", function () {
        var words = input.value.trim();
        var shown = 0;
        options.forEach(function (option) {
          var match = !words || option.textContent.indexOf(words) !== -1;
          option.hidden = !match;
          if (match) { shown += 1; }
        });
        select.querySelectorAll("optgroup").forEach(function (group) {
          group.hidden = !Array.prototype.some.call(group.querySelectorAll("option"), function (o) { return !o.hidden; });
        });
        // While filtering, show the matches as an open list to pick from; the choice stays the user's.
        select.size = words ? Math.max(2, Math.min(shown + 1, 8)) : 0;
      });
    }
  });
})();
