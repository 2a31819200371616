// Loads each email preview into its frame as soon as the page is shown: the form
// marked data-email-preview posts the draft to the frame (its target). Without
// JavaScript, its button does the same.
(function () {
  "use strict";
  document.querySelectorAll("form[data-email-preview]").forEach(function (form) {
    form.submit();
  });
})();
