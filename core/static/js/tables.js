// A table wider than the screen scrolls inside its own region instead of making the whole
// page scroll sideways (WCAG 1.4.10). The region can be reached with the keyboard and is named
// by the table's caption, as the templates' own .table-scroll regions are; those are left alone.
(function () {
  "use strict";

  function label(table) {
    var caption = table.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    var heading = table.closest("section, main").querySelector("h2, h1");
    return heading ? heading.textContent.trim() : document.title;
  }

  function mark(region) {
    var wider = region.scrollWidth > region.clientWidth;
    if (wider && !region.hasAttribute("tabindex")) {
      region.setAttribute("tabindex", "0");
      region.setAttribute("role", "region");
      region.setAttribute("aria-label", label(region.querySelector("table")));
    } else if (!wider && region.hasAttribute("data-wrapped")) {
      region.removeAttribute("tabindex");
      region.removeAttribute("role");
      region.removeAttribute("aria-label");
    }
  }

  function wrapTables() {
    var regions = [];
    document.querySelectorAll("main table").forEach(function (table) {
      if (table.parentElement.classList.contains("table-scroll")) return;
      var region = document.createElement("div");
      region.className = "table-scroll";
      region.setAttribute("data-wrapped", "");
      table.parentNode.insertBefore(region, table);
      region.appendChild(table);
      regions.push(region);
    });
    regions.forEach(mark);
    window.addEventListener("resize", function () { regions.forEach(mark); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wrapTables);
  else wrapTables();
})();
