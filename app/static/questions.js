// An organiser's question asked only on another's answer ("Do you need a visa letter?" yes →
// "Passport details") is hidden until that answer is given. Without JavaScript every question
// is shown, the condition in its label, and the server ignores an answer whose condition is unmet.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("[data-question-if]");
  if (!boxes.length) return;
  var form = boxes[0].closest("form");
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
  }
  form.addEventListener("change", update);
  update();
})();
