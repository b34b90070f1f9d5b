// The pages' WebSocket to the live service (contactcenter.live), shared by the console, the queue and the order
// page: opens `url` (relative to the page, or the live service's origin) with `params`, calls `opened(socket)` once
// it is open, `message(data)` for each message, and `down()` when it closes; reconnects with back-off (1, 2, 4 … s,
// at most 30 s) unless the server refused the user (4401 signed out, 4403 not allowed: `refused(code)`). The
// element's data-transport is "push" while the socket is open. `params()` is read at each (re)connection.
window.HotlineLive = (function () {
  "use strict";

  const MAX_WAIT_MS = 30000;

  function connect(element, url, { params = () => ({}), opened, message, down, refused } = {}) {
    if (!url || !("WebSocket" in window)) return false;
    let failures = 0;

    function open() {
      const target = new URL(url, window.location.href);
      if (target.protocol === "http:") target.protocol = "ws:";
      if (target.protocol === "https:") target.protocol = "wss:";
      target.searchParams.set("lang", document.documentElement.lang || "");
      for (const [name, value] of Object.entries(params())) {
        if (value !== "" && value !== null && value !== undefined) target.searchParams.set(name, String(value));
      }
      let isOpen = false;
      const socket = new WebSocket(target.href);
      socket.addEventListener("open", () => {
        isOpen = true;
        failures = 0;
        element.dataset.transport = "push";
        if (opened) opened(socket);
      });
      socket.addEventListener("message", (event) => {
        if (message) message(JSON.parse(event.data));
      });
      socket.addEventListener("close", (event) => {
        delete element.dataset.transport;
        if (event.code === 4401 || event.code === 4403) {
          if (refused) refused(event.code);
          return;
        }
        if (!isOpen) failures += 1;
        if (down) down();
        window.setTimeout(open, Math.min(MAX_WAIT_MS, 1000 * 2 ** Math.min(failures, 5)));
      });
    }

    open();
    return true;
  }

  return { connect };
})();
