// Keeps the figures of a job in progress current (a mailing being delivered, a report being
// imported): polls the JSON address in data-progress-url until it says "done", and writes each
// figure into the element named after it:
//   data-count="name"                       its text;
//   data-value="name" data-max="name"       a <progress> bar's value and maximum;
//   data-progress-reload on the region      reload the page once done (it then shows the outcome);
//   data-progress-every="milliseconds"      how often to ask (2000 if not said).
// Without JavaScript the page shows the figures of when it was loaded, and a link to refresh them.
(function () {
  "use strict";
  var region = document.querySelector("[data-progress-url]");
  if (!region || !window.fetch) {
    return;
  }
  var url = region.getAttribute("data-progress-url");
  var every = Number(region.getAttribute("data-progress-every")) || 2000;
  var failures = 0;

  function write(element, text) {
    // Only a change is written, so that screen readers announce only changes.
    if (element.textContent !== text) {
      element.textContent = text;
    }
  }

  function show(figures) {
    region.querySelectorAll("[data-count]").forEach(function (element) {
      var name = element.getAttribute("data-count");
      if (name in figures) {
        write(element, String(figures[name]));
      }
    });
    region.querySelectorAll("progress[data-value]").forEach(function (bar) {
      var value = figures[bar.getAttribute("data-value")];
      var max = figures[bar.getAttribute("data-max")];
      if (value !== undefined && max !== undefined) {
        bar.max = Math.max(max, 1);
        bar.value = value;
        write(bar, value + " / " + max);
      }
    });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (figures) {
        failures = 0;
        show(figures);
        if (!figures.done) {
          window.setTimeout(poll, every);
        } else if (region.hasAttribute("data-progress-reload")) {
          window.location.reload();
        }
      })
      .catch(function () {
        // Signed out, or the server is away: try a few more times, more slowly.
        failures += 1;
        if (failures < 5) {
          window.setTimeout(poll, every * 5);
        }
      });
  }

  window.setTimeout(poll, every);
})();
