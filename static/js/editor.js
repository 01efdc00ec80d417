/* editor.js: the board editor and the screens page, without inline scripts.
 *
 * - posts the editor's form to the preview (an iframe) a moment after any field changes, and
 *   after htmx adds a page or tile row, so the preview follows the form without saving it;
 * - copies a screen's TV address (data-copy names the input) and asks before revoking
 *   (data-confirm on the form).
 */
(function () {
  "use strict";

  var PREVIEW_DELAY_MS = 350;
  var timer = null;

  function preview() {
    var form = document.getElementById("board-editor");
    var button = document.getElementById("preview-button");
    if (!form || !button) { return; }
    if (form.requestSubmit) { form.requestSubmit(button); } else { button.click(); }
  }

  function schedulePreview() {
    window.clearTimeout(timer);
    timer = window.setTimeout(preview, PREVIEW_DELAY_MS);
  }

  function copy(button) {
    var input = document.getElementById(button.dataset.copy);
    if (!input) { return; }
    var done = function () { button.textContent = "Copied"; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { input.select(); });
    } else {
      input.select();
      if (document.execCommand("copy")) { done(); }
    }
  }

  function start() {
    var form = document.getElementById("board-editor");
    if (form) {
      form.addEventListener("change", schedulePreview);
      form.addEventListener("input", schedulePreview);
      document.body.addEventListener("htmx:afterSettle", schedulePreview);
      preview();
    }
    document.addEventListener("click", function (event) {
      var button = event.target.closest("[data-copy]");
      if (button) { copy(button); }
    });
    document.addEventListener("submit", function (event) {
      var message = event.target.dataset ? event.target.dataset.confirm : null;
      if (message && !window.confirm(message)) { event.preventDefault(); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
