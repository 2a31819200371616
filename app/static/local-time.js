// The event's time in the visitor's own time zone, beside the time in the event's zone.
// Without JavaScript the page still gives the event's time with its UTC offset.
(function () {
  "use strict";
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  var language = document.documentElement.lang || undefined;
  document.querySelectorAll("[data-local-time]").forEach(function (element) {
    if (!zone || zone === element.dataset.zone) return;
    var start = new Date(element.dataset.start);
    var end = new Date(element.dataset.end);
    // In the page's own order, "Wednesday 26 June 2030" (the server's EEEE d MMMM y), whatever
    // order the browser's locale would pick ("Wednesday, June 26, 2030").
    var dayParts = new Intl.DateTimeFormat(language, {
      weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: zone
    });
    var day = {
      format: function (moment) {
        var parts = {};
        dayParts.formatToParts(moment).forEach(function (part) { parts[part.type] = part.value; });
        return [parts.weekday, parts.day, parts.month, parts.year].join(" ");
      }
    };
    var clock = new Intl.DateTimeFormat(language, {
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone
    });
    // "UTC+03:00", as the event's own time gives its offset.
    var offset = new Intl.DateTimeFormat("en", { timeZoneName: "longOffset", timeZone: zone })
      .formatToParts(start)
      .filter(function (part) { return part.type === "timeZoneName"; })
      .map(function (part) { return part.value.replace(/^GMT$/, "UTC+00:00").replace(/^GMT/, "UTC"); })[0] || "";
    var when = day.format(start) + ", " + clock.format(start) + "–" + clock.format(end) +
      " " + zone.replace(/_/g, " ") + " (" + offset + ")";
    element.textContent = element.dataset.label.replace("{time}", when);
    element.hidden = false;
  });
})();
