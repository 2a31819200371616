// The field "Name in Latin letters" is shown only while the name typed needs it (letters of
// another script than Latin), or holds something, or an error. Without JavaScript it is always
// shown, optional, with its hint.
(function () {
  "use strict";
  var box = document.querySelector("[data-latin-name]");
  var name = document.getElementById("name");
  var latin = box && box.querySelector("input");
  if (!name || !latin) return;
  var otherScript = /(?![\p{Script=Latin}])\p{L}/u;
  function update() {
    box.hidden = !otherScript.test(name.value) && !latin.value && !box.querySelector(".error");
  }
  name.addEventListener("input", update);
  update();
})();
