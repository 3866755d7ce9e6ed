// The mastery grid: one listener opens any cell's evidence panel (HTMX), so the 9,000 cells of
// a large class carry no per-cell URL or handler.
document.addEventListener("click", (event) => {
  const button = event.target.closest("table.grid tbody td button");
  if (!button) return;
  const cell = button.parentElement;
  const row = cell.parentElement;
  const table = row.closest("table");
  const header = table.tHead.rows[0].cells[cell.cellIndex];
  const url = `${table.dataset.cellUrl}${row.dataset.s}/${header.dataset.c}/${window.location.search}`;
  table.querySelectorAll("td.is-open").forEach((open) => open.classList.remove("is-open"));
  cell.classList.add("is-open");
  window.htmx.ajax("GET", url, { target: "#cell-panel", swap: "innerHTML" });
});
