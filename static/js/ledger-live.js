// The ledger page's live updates (kpi.live.LedgerConsumer, /ws/ledger/): the socket is opened with the page's own
// filters and tells the ids of the entries posted that the page lists (and of those a reversal reverses); on the
// first page their rows — fetched as the page renders them (kpi.views.ledger_rows) — go in at the top (or replace
// the row of the same entry), highlighted; on a later page a notice offers a reload. Without the live service (or
// with the socket blocked) the page stays as it was loaded. #ledger-live[data-transport] says "push" while open.
(function () {
  "use strict";

  const box = document.getElementById("ledger-live");
  const body = document.querySelector("#entries tbody");
  if (!box || !body || !window.HotlineLive) return;
  const notice = document.getElementById("ledger-live-notice");
  const words = document.getElementById("ledger-live-text");
  const firstPage = box.dataset.firstPage === "1";
  const filters = new URLSearchParams(window.location.search);
  filters.delete("page");
  let cursor = "";

  function tell() {
    words.textContent = firstPage ? words.dataset.first : words.dataset.other;
    notice.hidden = false;
  }

  function insert(html) {
    const holder = document.createElement("tbody");
    holder.innerHTML = html;
    const rows = Array.from(holder.querySelectorAll("tr[id^='entry-']"));
    const fresh = [];
    for (const row of rows) {
      const old = document.getElementById(row.id);
      if (old) old.replaceWith(row);
      else fresh.push(row);
      row.classList.add("live-changed");
    }
    if (fresh.length) {
      const empty = body.querySelector("tr:not([id])"); // "no entries for these filters"
      if (empty) empty.remove();
      body.prepend(...fresh);
      tell();
    }
  }

  function told(ids) {
    if (!firstPage) return tell();
    const query = new URLSearchParams(filters);
    query.set("ids", ids.join(","));
    fetch(`${box.dataset.rowsUrl}?${query}`, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : ""))
      .then((html) => {
        if (html.trim()) insert(html);
      })
      .catch(() => tell());
  }

  const params = {};
  for (const [name, value] of filters) params[name] = value;
  window.HotlineLive.connect(box, box.dataset.liveUrl, {
    params: () => ({ ...params, cursor }),
    message: (data) => {
      if (data.cursor) cursor = String(data.cursor);
      if (data.type === "ledger" && data.ids && data.ids.length) told(data.ids);
    },
  });
})();
