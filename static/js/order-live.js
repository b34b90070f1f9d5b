// An order's page hears of the order's changes (contactcenter.live, /ws/queue/?mine=0): someone else dispatched,
// urged or closed it while the page was open — the state shown changes and a notice says who did what, with a link
// that reloads the page (its steps and history as they are now). Without the live service the page stays as it was.
(function () {
  "use strict";

  const box = document.getElementById("order-live");
  if (!box || !box.dataset.liveUrl || !("WebSocket" in window)) return;
  const order = Number(box.dataset.order);
  const notice = document.getElementById("order-live-notice");
  const text = document.getElementById("order-live-text");
  const state = document.getElementById("order-state");
  let failures = 0;
  let cursor = "";

  function connect() {
    const url = new URL(box.dataset.liveUrl, window.location.href);
    if (url.protocol === "http:") url.protocol = "ws:";
    if (url.protocol === "https:") url.protocol = "wss:";
    url.searchParams.set("lang", document.documentElement.lang || "");
    url.searchParams.set("mine", "0");
    if (cursor) url.searchParams.set("cursor", cursor);
    let opened = false;
    const socket = new WebSocket(url.href);
    socket.addEventListener("open", () => {
      opened = true;
      failures = 0;
      box.dataset.transport = "push";
      socket.send(JSON.stringify({ watch: [order] }));
    });
    socket.addEventListener("message", (event) => {
      const data = JSON.parse(event.data);
      if (data.cursor) cursor = String(data.cursor);
      for (const change of data.changes || []) {
        if (change.id !== order) continue;
        if (state) {
          state.className = `tag wo-${change.state}`;
          state.textContent = change.state_label;
        }
        text.textContent = box.dataset.format.replace("{step}", change.step_label).replace("{actor}", change.actor || "—")
          .replace("{state}", change.state_label);
        notice.hidden = false;
      }
    });
    socket.addEventListener("close", (event) => {
      box.dataset.transport = "";
      if (event.code === 4401 || event.code === 4403) return;
      if (!opened) failures += 1;
      window.setTimeout(connect, Math.min(30000, 1000 * 2 ** Math.min(failures, 5)));
    });
  }

  connect();
})();
