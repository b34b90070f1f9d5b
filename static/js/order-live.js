// An order's page hears of the order's changes (contactcenter.live, /ws/queue/?mine=0): someone else dispatched,
// urged or closed it while the page was open — the state shown changes and a notice says who did what, with a link
// that reloads the page (its steps and history as they are now). Without the live service the page stays as it was.
(function () {
  "use strict";

  const box = document.getElementById("order-live");
  if (!box || !window.HotlineLive) return;
  const order = Number(box.dataset.order);
  const notice = document.getElementById("order-live-notice");
  const text = document.getElementById("order-live-text");
  const state = document.getElementById("order-state");
  let cursor = "";

  function changed(change) {
    if (change.id !== order) return;
    if (state) {
      state.className = `tag wo-${change.state}`;
      state.textContent = change.state_label;
    }
    text.textContent = box.dataset.format.replace("{step}", change.step_label).replace("{actor}", change.actor || "—")
      .replace("{state}", change.state_label);
    notice.hidden = false;
  }

  window.HotlineLive.connect(box, box.dataset.liveUrl, {
    params: () => ({ mine: 0, cursor }),
    opened: (socket) => socket.send(JSON.stringify({ watch: [order] })),
    message: (data) => {
      if (data.cursor) cursor = String(data.cursor);
      for (const change of data.changes || []) changed(change);
    },
  });
})();
