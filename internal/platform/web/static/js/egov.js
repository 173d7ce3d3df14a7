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

  // Conditional form fields: a field's wrapper carries data-show-if-field
  // (the name of the field it depends on) and data-show-if-value (the
  // value that shows it). Without script every field is shown and the
  // server ignores those it hides; with it, a wrapper is hidden while its
  // field does not have that value, and its controls are disabled so that
  // nothing hidden is posted.
  var conditional = document.querySelectorAll("[data-show-if-field]");
  if (conditional.length) {
    var controllers = {};
    var i;
    for (i = 0; i < conditional.length; i++) {
      controllers[conditional[i].getAttribute("data-show-if-field")] = true;
    }
    var formOf = function (el) {
      while (el && el.nodeName !== "FORM") { el = el.parentNode; }
      return el || document;
    };
    // valueOf returns what the field name in scope would post: "" for
    // nothing (a disabled control posts nothing), or null when the field
    // is not on the page (it is on an earlier step), which hides nothing.
    var valueOf = function (scope, name) {
      var els = scope.querySelectorAll('[name="' + name + '"]');
      var value = null;
      var j, el;
      for (j = 0; j < els.length; j++) {
        el = els[j];
        if (value === null) { value = ""; }
        if (el.disabled) { continue; }
        if (el.type === "radio") {
          if (el.checked) { value = el.value; }
        } else if (el.type === "checkbox") {
          // The partial puts a hidden "false" before each checkbox.
          value = el.checked ? el.value : "false";
        } else if (el.type !== "hidden" || value === "") {
          value = el.value.trim();
        }
      }
      return value;
    };
    var insideHidden = function (el) {
      for (el = el.parentNode; el && el.nodeType === 1; el = el.parentNode) {
        if (el.hidden && el.hasAttribute("data-show-if-field")) { return true; }
      }
      return false;
    };
    var setShown = function (wrapper, shown) {
      var controls = wrapper.querySelectorAll("input, select, textarea");
      var j;
      wrapper.hidden = !shown;
      // .choice wrappers are display: flex, which [hidden] alone does not
      // override.
      wrapper.style.display = shown ? "" : "none";
      for (j = 0; j < controls.length; j++) { controls[j].disabled = !shown; }
    };
    var update = function () {
      // Wrappers are set in document order, so a group is set before the
      // fields in it. A condition may name a field that is itself
      // conditional or comes later, so repeat until nothing changes;
      // conditions have no cycles.
      var changed = true;
      var rounds = 0;
      var j, w, value, shown;
      while (changed && rounds <= conditional.length) {
        changed = false;
        rounds++;
        for (j = 0; j < conditional.length; j++) {
          w = conditional[j];
          value = valueOf(formOf(w), w.getAttribute("data-show-if-field"));
          shown = !insideHidden(w) && (value === null || value === w.getAttribute("data-show-if-value"));
          if (shown === w.hidden) { changed = true; }
          setShown(w, shown);
        }
      }
    };
    var onChange = function (e) {
      if (e.target && Object.prototype.hasOwnProperty.call(controllers, e.target.name)) { update(); }
    };
    document.addEventListener("change", onChange);
    document.addEventListener("input", onChange);
    // Browsers may restore typed values when the page is shown again.
    window.addEventListener("pageshow", update);
    update();
  }
})();
