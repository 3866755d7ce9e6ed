// The mastery grid (an ARIA grid): one cell at a time is in the tab order, the arrow keys,
// Home/End and PageUp/PageDown move between cells, and Enter, Space or a click opens the cell's
// evidence in a drawer (HTMX). One listener serves the 9,000 cells of a large class: cells carry
// no URL, handler or tabindex of their own. The drawer closes with Escape or its Close button
// and gives focus back to the cell.
(() => {
  const table = document.querySelector("table.grid");
  if (!table) return;
  const drawer = document.getElementById("cell-drawer");
  const body = table.tBodies[0];
  let current = null;

  const isCell = (td) => td && td.tagName === "TD" && td.cellIndex >= 2;
  const focusCell = (td) => {
    if (!isCell(td)) return;
    if (current) current.removeAttribute("tabindex");
    current = td;
    td.tabIndex = 0;
    td.focus();
  };
  const first = () => body.rows[0] && body.rows[0].cells[2];
  const initial = first();
  if (initial) {
    initial.tabIndex = 0;
    current = initial;
  }

  const open = (td) => {
    const row = td.parentElement;
    const header = table.tHead.rows[0].cells[td.cellIndex];
    const url = `${table.dataset.cellUrl}${row.dataset.s}/${header.dataset.c}/${window.location.search}`;
    table.querySelectorAll("td.is-open").forEach((cell) => cell.classList.remove("is-open"));
    td.classList.add("is-open");
    drawer.hidden = false;
    window.htmx.ajax("GET", url, { target: "#cell-panel", swap: "innerHTML" });
  };
  const close = () => {
    if (drawer.hidden) return;
    drawer.hidden = true;
    const opened = table.querySelector("td.is-open");
    if (opened) {
      opened.classList.remove("is-open");
      // The row may have been swapped in after a save: find the cell again by position.
      focusCell(opened.isConnected ? opened : current);
    }
  };

  body.addEventListener("click", (event) => {
    const td = event.target.closest("td");
    if (!isCell(td)) return;
    focusCell(td);
    open(td);
  });
  body.addEventListener("keydown", (event) => {
    const td = event.target.closest("td");
    if (!isCell(td)) return;
    const row = td.parentElement;
    const rows = body.rows;
    const at = (r, c) => rows[r] && rows[r].cells[c];
    const moves = {
      ArrowRight: () => row.cells[td.cellIndex + 1],
      ArrowLeft: () => row.cells[td.cellIndex - 1],
      ArrowDown: () => at(row.sectionRowIndex + 1, td.cellIndex),
      ArrowUp: () => at(row.sectionRowIndex - 1, td.cellIndex),
      Home: () => row.cells[2],
      End: () => row.cells[row.cells.length - 1],
      PageDown: () => at(Math.min(rows.length - 1, row.sectionRowIndex + 10), td.cellIndex),
      PageUp: () => at(Math.max(0, row.sectionRowIndex - 10), td.cellIndex),
    };
    if (moves[event.key]) {
      event.preventDefault();
      focusCell(moves[event.key]());
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      open(td);
    }
  });
  // After a save the row is swapped in out of band: keep the roving cell in the new row.
  document.body.addEventListener("htmx:oobAfterSwap", () => {
    if (current && !current.isConnected) {
      current = null;
      const opened = table.querySelector("td.is-open") || first();
      if (opened) {
        opened.tabIndex = 0;
        current = opened;
      }
    }
  });
  drawer.addEventListener("click", (event) => {
    if (event.target.closest("[data-close-panel]")) close();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });
})();
