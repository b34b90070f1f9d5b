/* Narrow screens (templates/base.html): the header's menu button — the navigation, the search and the user's
   controls fold behind it (the stylesheet folds by the class "js-menu": without this script nothing folds) — and the
   boxes a wide table scrolls in (.table-wrap), made reachable by the keyboard when they do scroll (WCAG 2.1.1: the
   arrow keys then scroll them). */
(function () {
  "use strict";

  function menu() {
    var header = document.querySelector(".site-header");
    var button = header && header.querySelector(".menu-toggle");
    if (!button) return;
    header.classList.add("js-menu");
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      header.classList.toggle("menu-open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("menu-open")) {
        button.setAttribute("aria-expanded", "false");
        header.classList.remove("menu-open");
        button.focus();
      }
    });
  }

  function scrollBoxes() {
    var boxes = document.querySelectorAll(".table-wrap");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (box.scrollWidth > box.clientWidth + 1) {
        box.tabIndex = 0;
        if (!box.hasAttribute("role")) box.setAttribute("role", "region");
        if (!box.hasAttribute("aria-label")) {
          var table = box.querySelector("table");
          var caption = table && (table.querySelector("caption") || table.querySelector("th"));
          var heading = box.previousElementSibling;
          var name = heading && /^H[1-6]$/.test(heading.tagName) ? heading.textContent : caption && caption.textContent;
          if (name) box.setAttribute("aria-label", name.trim());
        }
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
      }
    }
  }

  function start() {
    menu();
    scrollBoxes();
    var pending;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(scrollBoxes, 200);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
