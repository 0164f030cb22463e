// Keep pushed URLs short and shareable: drop empty filter fields from htmx GETs.
document.addEventListener("htmx:configRequest", (event) => {
  const data = event.detail.formData;
  if (event.detail.verb !== "get" || !data) return;
  for (const [key, value] of Array.from(data.entries())) {
    if (value === "") data.delete(key);
  }
});
