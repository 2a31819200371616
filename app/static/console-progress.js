// Keeps the delivery figures of a mailing current: polls its progress.json
// until nothing is left to send. Without JavaScript the page shows the
// figures of when it was loaded, and a link to refresh them.
(function () {
  "use strict";
  var region = document.querySelector("[data-progress-url]");
  if (!region || !window.fetch) {
    return;
  }
  var url = region.getAttribute("data-progress-url");
  var every = 2000;
  var failures = 0;

  function show(figures) {
    region.querySelectorAll("[data-count]").forEach(function (element) {
      var name = element.getAttribute("data-count");
      var text = String(figures[name]);
      // Only a change is written, so that screen readers announce only changes.
      if (name in figures && element.textContent !== text) {
        element.textContent = text;
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
