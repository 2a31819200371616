// An organiser's question asked only on another's answer ("Do you need a visa letter?" yes →
// "Passport details") is hidden until that answer is given. On the series form, an event's own
// questions are hidden while the event is not ticked. Without JavaScript every question is
// shown, the condition in its label (the event in its group's title), and the server ignores
// an answer whose condition is unmet or whose event is not chosen.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("[data-question-if]");
  var groups = document.querySelectorAll("[data-question-event]");
  if (!boxes.length && !groups.length) return;
  var form = (boxes[0] || groups[0]).closest("form");
  function answered(name, value) {
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked && input.value === value) return true;
      } else if (input.value === value) {
        return true;
      }
    }
    return false;
  }
  function update() {
    boxes.forEach(function (box) {
      var shown = answered(box.dataset.questionIf, box.dataset.questionValue) || box.querySelector(".error");
      box.hidden = !shown;
    });
    groups.forEach(function (group) {
      group.hidden = !answered("events", group.dataset.questionEvent);
    });
  }
  form.addEventListener("change", update);
  update();
})();
