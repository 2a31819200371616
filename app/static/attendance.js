// Moves the progress bar of a report being imported: polls its progress.json and reloads
// the page once the import has finished. Without JavaScript the page has a Refresh link.
(function () {
  "use strict";
  var region = document.querySelector("[data-progress-url]");
  if (!region || !window.fetch) {
    return;
  }
  var url = region.getAttribute("data-progress-url");
  var bar = region.querySelector("progress");
  var done = region.querySelector("[data-rows-done]");
  var every = 1000;
  var failures = 0;

  function show(figures) {
    if (bar) {
      bar.max = Math.max(figures.rows_total, 1);
      bar.value = figures.rows_done;
      bar.textContent = figures.rows_done + " / " + figures.rows_total;
    }
    if (done && done.textContent !== String(figures.rows_done)) {
      done.textContent = String(figures.rows_done);
    }
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
        if (figures.done) {
          window.location.reload();
        } else {
          window.setTimeout(poll, every);
        }
      })
      .catch(function () {
        failures += 1;
        if (failures < 5) {
          window.setTimeout(poll, every * 5);
        }
      });
  }

  window.setTimeout(poll, every);
})();
