// The field "Name in Latin letters" is shown only while the name typed needs it (letters of
// another script than Latin), or holds something, or an error. Without JavaScript it is always
// shown, optional, with its hint.
(function () {
  "use strict";
  var box = document.querySelector("[data-latin-name]");
  // The single name, or the given and family names where the form asks them.
  var names = ["name", "given_name", "family_name"]
    .map(function (id) { return document.getElementById(id); })
    .filter(Boolean);
  var latin = box && box.querySelector("input");
  if (!names.length || !latin) return;
  var otherScript = /(?![\p{Script=Latin}])\p{L}/u;
  function update() {
    var typed = names.map(function (input) { return input.value; }).join(" ");
    box.hidden = !otherScript.test(typed) && !latin.value && !box.querySelector(".error");
  }
  names.forEach(function (input) { input.addEventListener("input", update); });
  update();
})();
