// The main menu (templates/_navigation.html): on a phone it folds into one "Menu" button; on a
// wider screen it is one row of groups, each opening its links below it. One group is open at
// a time; Escape or a click elsewhere closes it and keyboard focus returns to the group's name.
(function () {
  "use strict";

  var PHONE = window.matchMedia("(max-width: 47.99rem)");

  function setUp(menu) {
    var groups = Array.prototype.slice.call(menu.querySelectorAll(".nav-submenu"));

    function fit() {
      menu.open = !PHONE.matches;
      menu.classList.toggle("nav-folding", PHONE.matches);
    }

    function closeAll(except) {
      groups.forEach(function (group) {
        if (group !== except) group.open = false;
      });
    }

    groups.forEach(function (group) {
      group.addEventListener("toggle", function () {
        if (group.open) closeAll(group);
      });
      group.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && group.open) {
          group.open = false;
          group.querySelector("summary").focus();
          event.preventDefault();
        }
      });
    });

    document.addEventListener("click", function (event) {
      if (!menu.contains(event.target)) closeAll(null);
    });
    // Leaving the menu with Tab closes an open group on a wide screen, where it covers the page.
    menu.addEventListener("focusout", function (event) {
      if (!PHONE.matches && event.relatedTarget && !menu.contains(event.relatedTarget)) {
        closeAll(null);
      }
    });

    fit();
    if (PHONE.addEventListener) PHONE.addEventListener("change", fit);
  }

  function start() {
    var menu = document.querySelector(".nav-menu");
    if (menu) setUp(menu);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
