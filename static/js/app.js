// Vendordesk's few behaviours: tick-all boxes, confirmations, QA keyboard shortcuts, office photo upload,
// and saying so when an HTMX form is refused outright (htmx swaps nothing on a 4xx/5xx answer).
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  document.addEventListener("change", function (event) {
    var name = event.target.getAttribute("data-check-all");
    if (!name) return;
    var scope = event.target.closest("form") || document;
    scope.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (box) {
      box.checked = event.target.checked;
    });
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
  });

  // QA: a approves, r focuses the reject reason (or rejects once it is filled), arrows move through the queue.
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "select" || tag === "textarea" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = document.querySelector('[data-key="' + event.key + '"]');
    if (!target) return;
    event.preventDefault();
    if (target.tagName === "A") { window.location.href = target.href; return; }
    var focus = target.getAttribute("data-focus");
    var field = focus && target.querySelector('[name="' + focus + '"]');
    if (field && !field.value) { field.focus(); return; }
    target.requestSubmit();
  });

  // A survey form refused as a whole (403: the role or assignment; 404: gone) would otherwise look like nothing
  // happened: say so in the form's status line.
  document.addEventListener("htmx:responseError", function (event) {
    var form = event.detail.elt && event.detail.elt.closest ? event.detail.elt.closest("form") : null;
    var status = form && form.querySelector(".survey-status");
    if (!status) return;
    var xhr = event.detail.xhr;
    status.textContent = xhr.status === 403
      ? "You may not answer this survey (" + xhr.status + ")."
      : "The answers could not be saved (" + xhr.status + "). Reload the page and try again.";
  });

  function upload(form, files) {
    if (!files.length) return;
    var bar = form.querySelector("progress");
    var status = form.querySelector(".upload-status");
    var data = new FormData();
    data.append("task", form.querySelector('[name="task"]').value);
    data.append("evidence_type", form.querySelector('[name="evidence_type"]').value);
    Array.prototype.forEach.call(files, function (file) { data.append("file", file); });
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("data-upload-url"));
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    bar.hidden = false;
    bar.value = 0;
    status.textContent = "Uploading " + files.length + " photo(s)…";
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
    });
    xhr.addEventListener("load", function () {
      if (xhr.status >= 200 && xhr.status < 300) {
        bar.value = 100;
        status.textContent = "Uploaded " + files.length + " photo(s).";
        window.location.reload();
        return;
      }
      var message = "The upload failed (" + xhr.status + ").";
      try { message = JSON.parse(xhr.responseText).detail || message; } catch (e) { /* not JSON */ }
      status.textContent = message;
      status.classList.add("error");
    });
    xhr.addEventListener("error", function () { status.textContent = "The upload failed: network error."; });
    xhr.send(data);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.upload").forEach(function (form) {
      var zone = form.querySelector(".dropzone");
      var input = form.querySelector('input[type="file"]');
      form.addEventListener("submit", function (e) { e.preventDefault(); });
      input.addEventListener("change", function () { upload(form, input.files); });
      ["dragenter", "dragover"].forEach(function (type) {
        zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("over"); });
      });
      ["dragleave", "drop"].forEach(function (type) {
        zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.remove("over"); });
      });
      zone.addEventListener("drop", function (e) { upload(form, e.dataTransfer.files); });
    });
  });
})();
