// The formation plan form (templates/formation/plan_form.html): show only the fields of the branch
// chosen (具备 → method, kind, date; 暂不具备 → reason, countermeasure) and the partner search only for
// 联合建. Without JavaScript every field shows and the service keeps what the branch needs.
(function () {
  "use strict";
  function sync(form) {
    var ready = form.querySelector('input[name="ready"]:checked');
    var branch = ready ? ready.value : "";
    form.querySelectorAll("[data-branch]").forEach(function (el) {
      el.hidden = branch !== "" && el.getAttribute("data-branch") !== branch;
    });
    var method = form.querySelector('[name="method"]');
    form.querySelectorAll("[data-joint]").forEach(function (el) {
      el.hidden = !method || method.value !== "joint";
    });
  }
  function start() {
    document.querySelectorAll("form[data-plan-form]").forEach(function (form) {
      sync(form);
      form.addEventListener("change", function () { sync(form); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
