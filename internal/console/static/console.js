// clusteriam console: the few behaviours htmx does not cover. No inline
// script is allowed (Content-Security-Policy), so everything is here.
"use strict";
document.addEventListener("click", (ev) => {
  // A button with data-copy copies the text of the element it names.
  const btn = ev.target.closest("button[data-copy]");
  if (!btn) return;
  const el = document.getElementById(btn.dataset.copy);
  if (!el || !navigator.clipboard) return;
  navigator.clipboard.writeText(el.textContent.trim()).then(() => {
    btn.textContent = "Copied";
  });
});

// The audit page's live tail: a button opens an EventSource on the
// stream it names and puts each new entry first in the table. Entries
// are placed with textContent only: their text is whatever users typed.
document.addEventListener("click", (ev) => {
  const btn = ev.target.closest("button#tail-toggle");
  if (!btn) return;
  const status = document.getElementById("tail-status");
  if (btn.eventSource) {
    btn.eventSource.close();
    btn.eventSource = null;
    btn.setAttribute("aria-pressed", "false");
    btn.textContent = "Follow new entries live";
    status.textContent = "Stopped.";
    return;
  }
  const es = new EventSource(btn.dataset.stream);
  btn.eventSource = es;
  btn.setAttribute("aria-pressed", "true");
  btn.textContent = "Stop following";
  status.textContent = "Following new entries.";
  es.addEventListener("audit", (msg) => {
    let e;
    try { e = JSON.parse(msg.data); } catch (_) { return; }
    const rows = document.getElementById("audit-rows");
    if (!rows) return;
    const tr = document.createElement("tr");
    for (const text of [e.time, e.user, e.action, e.entityType, e.entityName, e.details, e.ip]) {
      const td = document.createElement("td");
      td.textContent = text || "";
      tr.appendChild(td);
    }
    rows.insertBefore(tr, rows.firstChild);
    labelCells(rows.closest("table").parentNode);
  });
  es.addEventListener("end", (msg) => {
    es.close();
    btn.eventSource = null;
    btn.setAttribute("aria-pressed", "false");
    btn.textContent = "Follow new entries live";
    status.textContent = msg.data;
  });
  es.onerror = () => {
    if (es.readyState === EventSource.CLOSED) {
      status.textContent = "The live tail stopped; reload the page to follow again.";
    }
  };
});

// On a narrow screen the tables stack each row's cells (console.css);
// each cell is then labelled with its column's heading, taken from the
// table's head: data-label, which the CSS shows before the cell.
function labelCells(root) {
  for (const table of root.querySelectorAll("table")) {
    const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    if (heads.length === 0) continue;
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, i) => {
        if (heads[i] && !cell.hasAttribute("colspan")) cell.dataset.label = heads[i];
      });
    }
  }
}
document.addEventListener("DOMContentLoaded", () => labelCells(document));
document.addEventListener("htmx:afterSwap", (ev) => labelCells(ev.target));
