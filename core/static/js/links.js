// The link picker (templates/links/_picker.html). htmx fetches the results while the person
// types; this script makes them keyboard operable and turns a chosen result into a chosen link:
// the down arrow goes from the search box to the results, up and down move between them,
// Escape returns to the search box, Enter (or a click) adds the link as a checked checkbox and
// the status line announces it. Enter in the search box searches at once instead of sending
// the whole form. Without this script the picker's "Search" button sends the form instead.
(function () {
  "use strict";

  function options(picker) {
    return Array.prototype.slice.call(picker.querySelectorAll(".link-option"));
  }

  function announce(picker, text) {
    var status = picker.querySelector("[role=status]");
    // Emptied first, so the same words said twice are announced twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function add(picker, option) {
    var field = picker.getAttribute("data-field");
    var value = option.getAttribute("data-link-value");
    var chips = picker.querySelector("[data-link-chips]");
    var already = chips.querySelector('input[value="' + value + '"]');
    if (already) {
      already.checked = true;
    } else {
      var item = document.createElement("li");
      item.className = "link-chip";
      var label = document.createElement("label");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.name = field;
      box.value = value;
      box.checked = true;
      label.appendChild(box);
      label.appendChild(document.createTextNode(" "));
      label.appendChild(option.querySelector("[data-link-title]").cloneNode(true));
      label.appendChild(document.createTextNode(" "));
      label.appendChild(option.querySelector(".link-kind").cloneNode(true));
      item.appendChild(label);
      chips.appendChild(item);
    }
    var none = picker.querySelector("[data-link-none]");
    if (none) none.hidden = true;
    var some = picker.querySelector("[data-link-some]");
    if (some) some.hidden = false;
    var next = options(picker);
    var index = next.indexOf(option);
    option.parentNode.remove();
    next.splice(index, 1);
    announce(
      picker,
      picker.getAttribute("data-added") + " " + option.textContent.replace(/\s+/g, " ").trim()
    );
    // Focus stays among the results for the next choice, or returns to the search box.
    var target = next[Math.min(index, next.length - 1)] || picker.querySelector("input[type=search]");
    target.focus();
  }

  function setUp(picker) {
    var box = picker.querySelector("input[type=search]");
    var button = picker.querySelector("button[name=link_search]");

    function searchNow(event) {
      event.preventDefault();
      if (window.htmx) window.htmx.trigger(box, "search");
    }

    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") searchNow(event);
      if (event.key === "ArrowDown") {
        var first = options(picker)[0];
        if (first) {
          event.preventDefault();
          first.focus();
        }
      }
    });
    if (button && window.htmx) button.addEventListener("click", searchNow);

    picker.addEventListener("click", function (event) {
      var option = event.target.closest(".link-option");
      if (option && picker.contains(option)) add(picker, option);
    });
    picker.addEventListener("keydown", function (event) {
      var option = event.target.closest && event.target.closest(".link-option");
      if (!option) return;
      var all = options(picker);
      var index = all.indexOf(option);
      if (event.key === "ArrowDown" && index < all.length - 1) all[index + 1].focus();
      else if (event.key === "ArrowUp") (index > 0 ? all[index - 1] : box).focus();
      else if (event.key === "Escape") box.focus();
      else return;
      event.preventDefault();
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-link-picker]"), setUp);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
