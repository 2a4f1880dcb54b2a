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
