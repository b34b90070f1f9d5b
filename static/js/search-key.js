// "/" focuses the header's search box (as on GitHub or Gmail), unless the user is typing somewhere.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) return;
  const box = document.getElementById("site-search-q");
  if (!box) return;
  event.preventDefault();
  // On a narrow screen the box is folded into the header's menu (static/js/menu.js): open it first.
  const toggle = document.querySelector(".site-header .menu-toggle");
  if (box.offsetParent === null && toggle && toggle.getAttribute("aria-expanded") !== "true") toggle.click();
  box.focus();
  box.select();
});
