/* Census import pages: progressive enhancement only; every form works without this file.
 * - [data-dropzone]: drop a file on the box to put it in the file input; shows its name, and
 *   checks the size before a slow upload starts (the server checks again).
 * - form[data-census-upload]: disables the submit button while the request runs (slow PCs:
 *   no double submit) and shows its data-busy-text.
 */
(function () {
  "use strict";

  function formatMb(bytes) {
    return (bytes / 1024 / 1024).toFixed(1) + " MB";
  }

  function showFile(zone, input) {
    var name = zone.querySelector("[data-dropzone-name]");
    var errors = zone.querySelector("[data-upload-errors]");
    var file = input.files && input.files[0];
    if (errors) { errors.textContent = ""; }
    if (!name) { return true; }
    name.textContent = file ? file.name + "(" + formatMb(file.size) + ")" : "";
    var max = parseInt(input.getAttribute("data-max-bytes") || "0", 10);
    if (file && max && file.size > max) {
      if (errors) {
        var item = document.createElement("li");
        item.textContent = "文件过大(" + formatMb(file.size) + "),上限为 " + formatMb(max) + "。请拆分后分批上传。";
        errors.appendChild(item);
      }
      return false;
    }
    return true;
  }

  function setUpDropzone(zone) {
    var input = zone.querySelector("input[type=file]");
    if (!input) { return; }
    zone.classList.add("enhanced");
    input.addEventListener("change", function () { showFile(zone, input); });
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "dragend", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      var files = event.dataTransfer && event.dataTransfer.files;
      if (!files || !files.length) { return; }
      try {
        input.files = files;
      } catch (e) {
        return; /* an old browser: the file picker still works */
      }
      showFile(zone, input);
    });
  }

  function setUpBusy(form) {
    form.addEventListener("submit", function (event) {
      var zone = form.querySelector("[data-dropzone]");
      var input = zone && zone.querySelector("input[type=file]");
      if (zone && input && !showFile(zone, input)) {
        event.preventDefault();
        return;
      }
      var button = event.submitter || form.querySelector("button[type=submit]");
      if (button) {
        var busy = button.getAttribute("data-busy-text");
        window.setTimeout(function () {
          button.disabled = true;
          if (busy) { button.textContent = busy; }
        }, 0);
      }
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-dropzone]"), setUpDropzone);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-census-upload]"), setUpBusy);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
