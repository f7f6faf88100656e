// The schedule picker (templates/_form.html, macro schedule_picker): shows "which week of the
// month" only for a monthly schedule, and the days, times and exceptions only when a repeat
// is chosen. On the service form, a prison's schedule, places and wing show only while the
// prison is ticked. Without JavaScript everything stays visible and the server ignores what
// is not used.
(function () {
  "use strict";

  function update(picker) {
    var repeat = picker.querySelector("[data-schedule-repeat]").value;
    var week = picker.querySelector("[data-schedule-week]");
    if (week) week.hidden = repeat !== "monthly";
    var details = picker.querySelectorAll("[data-schedule-detail]");
    for (var i = 0; i < details.length; i++) {
      details[i].hidden = repeat === "" || repeat === "keep";
    }
  }

  function locations() {
    var rows = document.querySelectorAll(".location");
    for (var i = 0; i < rows.length; i++) {
      (function (row) {
        var box = row.querySelector("input[type=checkbox][name^=loc_]");
        var details = row.querySelector("[data-location-details]");
        if (!box || !details) return;
        var show = function () { details.hidden = !box.checked; };
        show();
        box.addEventListener("change", show);
      })(rows[i]);
    }
  }

  function start() {
    locations();
    var pickers = document.querySelectorAll("[data-schedule]");
    for (var i = 0; i < pickers.length; i++) {
      (function (picker) {
        update(picker);
        picker.querySelector("[data-schedule-repeat]").addEventListener("change", function () {
          update(picker);
        });
      })(pickers[i]);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
