// The bell (templates/base.html): the unread count, a short notice in the corner for each new notification, the
// browser's own notification and a sound where the user allows them (their preferences), the notifications page's
// list kept current. Pushed by the live service (/ws/notifications/, contactcenter.live_notifications); without it
// (no live service, a proxy that blocks WebSockets) the bell asks /notifications/unread/ every 30 s.
(function () {
  "use strict";

  const POLL_MS = 30000;
  const bell = document.getElementById("bell");
  if (!bell) return;
  const count = bell.querySelector(".bell-count");
  const list = document.getElementById("notification-list");
  let cursor = null; // the last notification seen
  let prefs = { browser: true, sound: true };
  let pollTimer = null;
  let audio = null;

  function showCount(unread) {
    count.textContent = unread > 99 ? "99+" : String(unread);
    count.hidden = !unread;
    bell.dataset.unread = String(unread);
  }

  function toastRegion() {
    let region = document.getElementById("toasts");
    if (!region) {
      region = document.createElement("div");
      region.id = "toasts";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    return region;
  }

  function openUrl(item) {
    return bell.getAttribute("href") + item.id + "/";
  }

  function toast(item) {
    const link = document.createElement("a");
    link.className = "toast";
    link.href = openUrl(item);
    link.textContent = item.text;
    toastRegion().prepend(link);
    window.setTimeout(() => link.remove(), 10000);
  }

  function addToList(item) {
    if (!list || list.querySelector(`[data-id="${item.id}"]`)) return;
    list.querySelector(".empty")?.remove();
    const row = document.createElement("li");
    row.className = "unread fresh";
    row.dataset.id = String(item.id);
    const link = document.createElement("a");
    link.href = openUrl(item);
    link.textContent = item.text;
    const time = document.createElement("time");
    time.className = "muted";
    time.dateTime = item.created_at;
    time.textContent = new Date(item.created_at).toLocaleString();
    row.append(link, " ", time);
    list.prepend(row);
  }

  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.4);
    } catch (error) {
      // no sound where the browser allows none yet (before the user touched the page)
    }
  }

  function announce(items) {
    for (const item of items) {
      toast(item);
      if (prefs.browser && "Notification" in window && Notification.permission === "granted") {
        const shown = new Notification(document.title.split(" · ").pop(), { body: item.text, tag: `n${item.id}` });
        shown.onclick = () => { window.focus(); window.location.href = openUrl(item); };
      }
    }
    if (items.length && prefs.sound) beep();
    bell.classList.add("bell-ringing");
    window.setTimeout(() => bell.classList.remove("bell-ringing"), 2000);
  }

  // `announce`: tell of the unread ones among them (pushed, or missed while away); a first answer (no cursor yet)
  // only sets where the page stands.
  function receive(data, { announceNew }) {
    if (typeof data.browser === "boolean") prefs = { browser: data.browser, sound: data.sound };
    showCount(data.unread || 0);
    const items = (data.items || []).filter((item) => cursor === null || item.id > cursor);
    items.sort((a, b) => a.id - b.id);
    for (const item of items) addToList(item);
    if (announceNew && cursor !== null) announce(items.filter((item) => !item.read));
    cursor = Math.max(cursor || 0, ...items.map((item) => item.id));
  }

  function poll() {
    fetch(bell.dataset.unreadUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => { if (data) receive(data, { announceNew: true }); })
      .catch(() => {});
  }

  function startPolling() {
    if (pollTimer === null) pollTimer = window.setInterval(poll, POLL_MS);
  }

  function stopPolling() {
    if (pollTimer !== null) window.clearInterval(pollTimer);
    pollTimer = null;
  }

  // The first count at once (the page has none), then pushed — or polled while the socket is down.
  poll();
  let resumed = false; // the socket was opened with a cursor: its first message is what was missed
  const pushed = window.HotlineLive && window.HotlineLive.connect(bell, bell.dataset.liveUrl, {
    params: () => { resumed = cursor !== null; return { after: cursor === null ? "" : cursor }; },
    opened: stopPolling,
    message: (data) => {
      if (data.type === "notifications") receive(data, { announceNew: data.fresh || resumed });
    },
    down: startPolling,
    refused: startPolling,
  });
  if (!pushed) startPolling();
  else window.setTimeout(() => { if (bell.dataset.transport !== "push") startPolling(); }, 5000);

  // The notifications page: ask this browser's permission for system notifications.
  const allow = document.getElementById("allow-browser-notifications");
  const said = document.getElementById("browser-permission");
  function showPermission() {
    if (!allow || !("Notification" in window)) return;
    allow.hidden = Notification.permission !== "default";
    if (said) said.textContent = Notification.permission === "granted" ? said.dataset.granted
      : Notification.permission === "denied" ? said.dataset.denied : "";
  }
  if (allow && "Notification" in window) {
    allow.addEventListener("click", () => Notification.requestPermission().then(showPermission));
    showPermission();
  }
})();
