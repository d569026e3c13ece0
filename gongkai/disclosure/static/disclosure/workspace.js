/* The disclosure workspace: the reply form offers only the grounds allowed for the chosen reply
   type (the server checks again), and the registration form highlights the receipt-date rule of
   the chosen channel (条例第三十一条). Works without it: the server refuses what does not fit. */
(function () {
  "use strict";

  function allowedGrounds() {
    var node = document.getElementById("dw-allowed-grounds");
    if (!node) return null;
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function setUpReplyForm(form, allowed) {
    var type = form.querySelector("[data-dw-reply-type]");
    var ground = form.querySelector("[data-dw-ground]");
    if (!type || !ground) return;
    var all = Array.prototype.map.call(ground.options, function (o) { return { value: o.value, text: o.text }; });
    var withheld = form.querySelector("[name$='partial_withheld_ground']");
    var agency = form.querySelector("[name$='-other_agency']");
    var agencyContact = form.querySelector("[name$='other_agency_contact']");
    function block(input) { return input ? input.closest(".ws-field") : null; }
    function refresh() {
      var keep = allowed[type.value] || null;
      var current = ground.value;
      ground.innerHTML = "";
      all.forEach(function (o) {
        if (o.value === "" || !keep || keep.indexOf(o.value) !== -1) {
          var option = document.createElement("option");
          option.value = o.value;
          option.text = o.text;
          ground.appendChild(option);
        }
      });
      if (keep && keep.indexOf(current) !== -1) ground.value = current;
      else if (keep && keep.length === 1) ground.value = keep[0];
      else ground.value = "";
      var partial = type.value === "partial";
      var other = type.value === "not_this_agency";
      [[block(withheld), partial], [block(agency), other], [block(agencyContact), other]].forEach(function (pair) {
        if (pair[0]) pair[0].hidden = !pair[1];
      });
    }
    type.addEventListener("change", refresh);
    refresh();
  }

  function setUpRegistration() {
    var radios = document.querySelectorAll("input[name='channel']");
    var rules = document.querySelectorAll("[data-dw-rule]");
    if (!radios.length || !rules.length) return;
    function refresh() {
      var chosen = document.querySelector("input[name='channel']:checked");
      rules.forEach(function (li) {
        var current = chosen && li.getAttribute("data-dw-rule") === chosen.value;
        li.classList.toggle("dw-rule--current", !!current);
        li.classList.toggle("dw-rule--other", !!chosen && !current);
      });
    }
    radios.forEach(function (r) { r.addEventListener("change", refresh); });
    refresh();
  }

  function start() {
    var allowed = allowedGrounds();
    if (allowed) {
      document.querySelectorAll("form").forEach(function (form) { setUpReplyForm(form, allowed); });
    }
    setUpRegistration();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
