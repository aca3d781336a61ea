"use strict";
for (const section of document.querySelectorAll("section.input")) {
  const table = section.querySelector("table.exchanges");
  const filters = section.querySelector(".filters");
  if (!table || !filters) continue;
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const shown = filters.querySelector("[data-shown]");
  const control = (name) => filters.querySelector('[data-filter="' + name + '"]');
  const apply = () => {
    const verdict = control("verdict").value;
    const cause = control("cause").value;
    const origin = control("origin").value.trim().toLowerCase();
    let n = 0;
    for (const row of rows) {
      const ok = (!verdict || row.dataset.verdict === verdict)
        && (!cause || row.dataset.cause === cause)
        && (!origin || row.dataset.origin.toLowerCase().includes(origin));
      row.hidden = !ok;
      if (ok) n += 1;
    }
    shown.textContent = n + " of " + rows.length + " shown";
  };
  for (const c of filters.querySelectorAll("[data-filter]")) c.addEventListener("input", apply);
  table.querySelectorAll("th[data-sort]").forEach((th, column) => {
    let ascending = true;
    th.addEventListener("click", () => {
      const kind = th.dataset.sort;
      const key = (row) => kind === "time" ? Number(row.dataset.time)
        : kind === "num" ? Number(row.cells[column].textContent || -1)
        : row.cells[column].textContent;
      rows.sort((a, b) => {
        const x = key(a), y = key(b);
        const order = x < y ? -1 : x > y ? 1 : 0;
        return ascending ? order : -order;
      });
      ascending = !ascending;
      for (const row of rows) body.appendChild(row);
    });
  });
  filters.hidden = false;
  apply();
}
