/* One confirmation for every irreversible or far-reaching action (no inline script: the CSP stays strict).
 *
 * <form method="post" data-confirm="确定撤销本批次吗?" data-confirm-details="revert-details" data-confirm-ok="撤销导入">
 *   - data-confirm: the question, always shown;
 *   - data-confirm-details (optional): the id of an element (usually a <template>) whose content the
 *     dialog shows under the question: what the action will do;
 *   - data-confirm-ok (optional): the label of the button that goes ahead (default: the dialog's 确认).
 * A submit button may carry the same attributes instead, when only some buttons of a form need asking.
 *
 * The dialog is the <template id="confirm-dialog"> of base.html (its words are translated there). Without
 * JavaScript the form is sent at once, as before; the server checks everything either way.
 */
(function () {
  "use strict";

  function source(form, submitter) {
    if (submitter && submitter.hasAttribute("data-confirm")) { return submitter; }
    return form.hasAttribute("data-confirm") ? form : null;
  }

  function ask(asker, onYes) {
    var template = document.getElementById("confirm-dialog");
    if (!template) { onYes(); return; }
    var dialog = template.content.firstElementChild.cloneNode(true);
    dialog.querySelector("[data-question]").textContent = asker.getAttribute("data-confirm");
    var detailsId = asker.getAttribute("data-confirm-details");
    var details = detailsId && document.getElementById(detailsId);
    var holder = dialog.querySelector("[data-details]");
    if (details) {
      holder.appendChild(details.content ? details.content.cloneNode(true) : details.cloneNode(true));
    } else {
      holder.remove();
    }
    var ok = dialog.querySelector("[data-ok]");
    if (asker.getAttribute("data-confirm-ok")) { ok.textContent = asker.getAttribute("data-confirm-ok"); }
    dialog.addEventListener("close", function () {
      var yes = dialog.returnValue === "ok";
      dialog.remove();
      if (yes) { onYes(); }
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    dialog.querySelector("[data-cancel]").focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var asker = source(form, event.submitter);
    if (!asker) { return; }
    if (form.getAttribute("data-confirmed") === "1") {
      form.removeAttribute("data-confirmed");
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    var submitter = event.submitter;
    ask(asker, function () {
      form.setAttribute("data-confirmed", "1");
      if (submitter && submitter.form === form) { form.requestSubmit(submitter); } else { form.requestSubmit(); }
    });
  }, true);
})();
