// Keep pushed URLs short and shareable: drop empty filter fields from htmx GETs.
document.addEventListener("htmx:configRequest", (event) => {
  const data = event.detail.formData;
  if (event.detail.verb !== "get" || !data) return;
  for (const [key, value] of Array.from(data.entries())) {
    if (value === "") data.delete(key);
  }
});

// A link to something inside a closed <details> (a deviation card, an overlay's diff)
// opens every <details> around it, on load, on a hash change and on a click of the link.
function openDetailsAround(id) {
  const target = id && document.getElementById(id);
  if (!target) return;
  for (let el = target; el; el = el.parentElement) {
    if (el.tagName === "DETAILS" && !el.open) el.open = true;
  }
  const folded = target.querySelector(":scope > details.fold");  // a folded card itself
  if (folded) folded.open = true;
  target.scrollIntoView();
}
function openHashTarget() {
  openDetailsAround(decodeURIComponent(location.hash.slice(1)));
}
window.addEventListener("hashchange", openHashTarget);
document.addEventListener("DOMContentLoaded", openHashTarget);
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest('a[href^="#"]');
  if (link && link.hash === location.hash) openHashTarget();  // same hash: no hashchange
});

// On a narrow screen the list filters hide behind a button (CSS); it shows them.
document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("[data-filters-toggle]");
  if (!button) return;
  const box = document.getElementById(button.getAttribute("aria-controls"));
  const open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", String(open));
  if (box) box.classList.toggle("filters-open", open);
});
document.documentElement.classList.add("js");
