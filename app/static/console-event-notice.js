// "Notify registrants of this change" matters only when the time, the format, the place or
// the join link changes: on the edit form as the page first shows it, the box stays out of
// the way until one of those fields differs from the event's, then appears, checked (the
// organiser may uncheck it for a correction). Without JavaScript, or when the form comes
// back with an error, it is always shown as it was sent.
(function () {
  "use strict";
  var box = document.getElementById("notify_registrants");
  var form = box && box.form;
  if (!form || !form.hasAttribute("data-watch-notice")) {
    return;
  }
  var field = box.closest(".field");
  var watched = ["timezone", "start", "end", "format", "place", "join_url"]
    .map(function (id) { return document.getElementById(id); })
    .filter(Boolean);
  var stored = watched.map(function (input) { return input.value; });
  function update() {
    var changed = watched.some(function (input, index) { return input.value !== stored[index]; });
    if (changed && field.hidden) {
      box.checked = true;
    }
    field.hidden = !changed;
  }
  watched.forEach(function (input) {
    input.addEventListener("input", update);
    input.addEventListener("change", update);
  });
  update();
})();
