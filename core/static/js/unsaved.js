// Asks before leaving a page whose form holds changes not yet sent. A form opts in with the
// attribute data-warn-unsaved; a form sent back unsaved by the server (a refusal, a conflict)
// also carries data-unsaved, since what it shows was typed but is not stored. Changes are read
// from the fields themselves (value against the value the page came with), so text typed and
// then wiped again counts as no change. Sending the form is not leaving it.
(function () {
  "use strict";

  var sending = false;

  function changed(form) {
    if (form.hasAttribute("data-unsaved")) return true;
    for (var i = 0; i < form.elements.length; i++) {
      var field = form.elements[i];
      if (!field.name || field.disabled) continue;
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked !== field.defaultChecked) return true;
      } else if (field.tagName === "SELECT") {
        for (var j = 0; j < field.options.length; j++) {
          var option = field.options[j];
          var byDefault = option.defaultSelected;
          // A single select with no option marked shows its first one.
          if (!field.multiple && j === 0 && !hasDefault(field)) byDefault = true;
          if (option.selected !== byDefault) return true;
        }
      } else if (field.type !== "hidden" && field.type !== "submit" && field.type !== "button") {
        if (field.value !== field.defaultValue) return true;
      }
    }
    return false;
  }

  function hasDefault(select) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].defaultSelected) return true;
    }
    return false;
  }

  function watched() {
    return document.querySelectorAll("form[data-warn-unsaved]");
  }

  function warn(event) {
    if (sending) return undefined;
    var forms = watched();
    for (var i = 0; i < forms.length; i++) {
      if (changed(forms[i])) {
        event.preventDefault();
        event.returnValue = "";
        return "";
      }
    }
    return undefined;
  }

  function start() {
    var forms = watched();
    for (var i = 0; i < forms.length; i++) {
      forms[i].addEventListener("submit", function () {
        sending = true;
      });
    }
    // Back to the page from the browser's cache: a new chance to send or to leave.
    window.addEventListener("pageshow", function () {
      sending = false;
    });
    window.addEventListener("beforeunload", warn);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
