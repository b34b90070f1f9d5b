// The bulk-action bar: "select all on the page" and the count of ticked orders (the rows' checkboxes belong to
// #bulk-form through their form= attribute, so the form works without this script too).
(() => {
  const form = document.getElementById("bulk-form");
  if (!form) return;
  const boxes = () => Array.from(document.querySelectorAll("input[name=orders][form=bulk-form]"));
  const all = document.getElementById("bulk-all");
  const count = document.getElementById("bulk-count");
  const show = () => {
    const ticked = boxes().filter((box) => box.checked).length;
    count.textContent = count.dataset.template.replace("{n}", ticked);
    if (all) all.checked = ticked > 0 && ticked === boxes().length;
  };
  if (all) {
    all.addEventListener("change", () => {
      for (const box of boxes()) box.checked = all.checked;
      show();
    });
  }
  document.addEventListener("change", (event) => {
    if (event.target.matches("input[name=orders]")) show();
  });
  form.addEventListener("submit", (event) => {
    if (!boxes().some((box) => box.checked)) {
      event.preventDefault();
      count.textContent = count.dataset.template.replace("{n}", 0);
    }
  });
})();
