// The queue's live updates (contactcenter.live, /ws/queue/): a row's state changes in place when its order moves
// on; an order that comes to the user (dispatched to their department, accepted by them) is announced above the
// table with a link that reloads the list. The page tells the server which orders it shows. Without the live
// service (or with the socket blocked) the page stays as it was loaded, as before; the socket is tried again with
// back-off. #queue-live[data-transport] says "push" while the socket is open.
(function () {
  "use strict";

  const box = document.getElementById("queue-live");
  if (!box || !window.HotlineLive) return;
  const notice = document.getElementById("queue-live-notice");
  const list = document.getElementById("queue-live-orders");
  let cursor = "";

  function watched() {
    return Array.from(document.querySelectorAll("#queue tbody tr[id^='order-']"))
      .map((row) => Number(row.id.slice("order-".length)));
  }

  function changed(change) {
    const row = document.getElementById(`order-${change.id}`);
    if (row) {
      row.dataset.state = change.state;
      const tag = row.querySelector("span.tag[class*='wo-']");
      if (tag) {
        tag.className = `tag wo-${change.state}`;
        tag.textContent = change.state_label;
      }
      // Its steps were those of the old state: the order's page offers the ones it has now.
      const steps = row.querySelector("td.steps");
      if (steps) {
        const open = document.createElement("a");
        open.href = `/orders/${change.id}/`;
        open.className = "button secondary small";
        open.textContent = box.dataset.changed || "→";
        steps.replaceChildren(open);
      }
      row.classList.remove("live-changed");
      void row.offsetWidth; // restart the highlight
      row.classList.add("live-changed");
      return;
    }
    if (list.querySelector(`[data-order='${change.id}']`)) return;
    const item = document.createElement("li");
    item.dataset.order = String(change.id);
    const link = document.createElement("a");
    link.href = `/orders/${change.id}/`;
    link.textContent = change.number;
    item.append(link, ` · ${change.state_label}`);
    list.append(item);
    notice.hidden = false;
  }

  window.HotlineLive.connect(box, box.dataset.liveUrl, {
    params: () => ({ cursor }),
    opened: (socket) => socket.send(JSON.stringify({ watch: watched() })),
    message: (data) => {
      if (data.cursor) cursor = String(data.cursor);
      for (const change of data.changes || []) changed(change);
    },
  });
})();
