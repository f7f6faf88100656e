// The error summary of a form that was sent back (templates/_form.html): focus it on load, so
// that a screen reader reads it first and the keyboard starts there; each link moves focus to
// its field and scrolls the field's label into view (the browser alone would hide the label
// above the top of the window).
(function () {
  "use strict";

  function labelOf(field) {
    var fieldset = field.closest("fieldset");
    if (fieldset && (field.type === "checkbox" || field.type === "radio")) {
      return fieldset.querySelector("legend") || fieldset;
    }
    if (field.id) {
      var label = document.querySelector('label[for="' + CSS.escape(field.id) + '"]');
      if (label) return label;
    }
    return field.closest("label") || field;
  }

  function followLink(event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var field = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!field) return;
    event.preventDefault();
    labelOf(field).scrollIntoView();
    field.focus({ preventScroll: true });
  }

  function start() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    summary.addEventListener("click", followLink);
    summary.focus();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
