// egov.js enhances pages that already work without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // After following the skip link, move focus into the main landmark so
  // screen readers and the keyboard continue from there.
  var skip = document.querySelector(".skip-link");
  if (skip) {
    skip.addEventListener("click", function () {
      var main = document.getElementById("main");
      if (main) { main.focus(); }
    });
  }
})();
