// The agent console 来电工作台: incoming calls pushed to the page, the caller's file, keyboard shortcuts.
// Plain JavaScript, no framework; the page works without it (links and the form's Find button reload it).
//
// Transport: pushed. The page opens a WebSocket to the live service (contactcenter.live, /ws/console/) and the
// server sends the console's calls whenever one rings at, is answered at or is logged for this agent's seat —
// nothing is asked every second. The socket carries the last call id the page has (?after=): on a reconnect the
// server sends what came meanwhile, so no call is missed. When the socket cannot be opened (no live service, a
// proxy that blocks WebSockets) or drops, the page polls /console/incoming/?after=<last call id> once a second —
// each poll one short request answered by one indexed query — and tries the socket again, with back-off; once it
// is open the polling stops. #console[data-transport] says which is in use ("push" or "poll").
(function () {
  "use strict";

  const POLL_MS = 1000;
  const RETRY_MS = 5000;
  const MAX_CARDS = 5;

  const root = document.getElementById("console");
  if (!root) return;
  const form = document.getElementById("console-form");
  const list = document.getElementById("incoming-calls");
  const empty = document.getElementById("incoming-empty");
  const status = document.getElementById("incoming-status");
  const cardTemplate = document.getElementById("call-card-template");
  const fileBox = document.getElementById("customer-file");
  const phone = form.elements.caller_number;
  const account = form.elements.account_number;
  const callId = form.elements.call;
  const chosenCall = document.getElementById("chosen-call");
  const chosenCallText = document.getElementById("chosen-call-text");
  const typedCall = document.getElementById("typed-call");
  const answerRow = document.getElementById("answer-row");
  const description = form.elements.description;
  const radios = Array.from(form.querySelectorAll("input[name=classification]"));
  const saveButton = document.getElementById("save");
  const phraseGroups = Array.from(document.querySelectorAll(".phrase-group"));
  let after = Number(root.dataset.after || 0);

  // --- incoming calls -----------------------------------------------------------------------------------

  function card(call) {
    const node = cardTemplate.content.firstElementChild.cloneNode(true);
    node.dataset.call = call.id;
    node.dataset.phone = call.caller_number;
    node.querySelector(".call-phone").textContent = call.caller_number;
    node.querySelector(".call-customer").textContent = call.customer;
    const ring = node.querySelector(".call-ring");
    ring.textContent = ring.dataset.format.replace("{seconds}", call.ring_seconds);
    ring.classList.toggle("late", call.ring_late);
    const time = node.querySelector(".call-time");
    time.textContent = call.time;
    time.dateTime = call.ring_started_at;
    node.querySelector(".use-call").href = call.use_url;
    node.classList.add("new");
    return node;
  }

  function show(calls) {
    for (const call of calls) {
      list.prepend(card(call));
    }
    while (list.children.length > MAX_CARDS) list.lastElementChild.remove();
    empty.hidden = list.children.length > 0;
  }

  // The switch reports a call ringing at this seat (calls/events ``ring``): the caller, before picking up.
  const ringing = document.getElementById("ringing");

  function showRinging(calls) {
    if (!ringing) return;
    ringing.replaceChildren();
    for (const call of calls || []) {
      const line = document.createElement("p");
      const label = document.createElement("strong");
      label.textContent = `${ringing.dataset.label} `;
      line.append(label, `${call.caller_number} ${call.customer} `);
      if (call.file_url) {
        const open = document.createElement("a");
        open.className = "button small";
        open.href = call.file_url;
        open.textContent = ringing.dataset.open;
        line.append(open);
      }
      ringing.append(line);
    }
    ringing.hidden = ringing.children.length === 0;
  }

  function apply(data) {
    if (data.calls.length) show(data.calls);
    showRinging(data.ringing);
    after = Math.max(after, data.after);
    status.textContent = "";
  }

  let polling = false;
  let pollTimer = null;

  async function poll() {
    if (!polling) return;
    let wait = POLL_MS;
    try {
      const response = await fetch(`${root.dataset.incomingUrl}?after=${after}`, {
        headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
      });
      if (response.status === 401 || response.status === 403 || response.redirected) {
        status.textContent = status.dataset.signedOut || "";
        return; // signed out: a reload shows the login page
      }
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      if (polling) apply(data);
    } catch (error) {
      status.textContent = status.dataset.offline || "";
      wait = RETRY_MS;
    }
    if (polling) pollTimer = window.setTimeout(poll, wait);
  }

  function startPolling() {
    root.dataset.transport = "poll";
    if (polling) return;
    polling = true;
    pollTimer = window.setTimeout(poll, 0);
  }

  function stopPolling() {
    polling = false;
    window.clearTimeout(pollTimer);
  }

  // Pushed while the socket is open; polled whenever it is not (no live service, a blocked socket, a drop).
  function connect() {
    const pushed = window.HotlineLive && window.HotlineLive.connect(root, root.dataset.liveUrl, {
      params: () => ({ after }),
      opened: () => stopPolling(),
      message: apply,
      down: () => startPolling(), // nothing is missed meanwhile: the poll asks from the same call id
      refused: () => { status.textContent = status.dataset.signedOut || ""; },
    });
    if (!pushed) startPolling();
  }

  // --- the call on the form and the caller's file ------------------------------------------------------

  function useCall(node) {
    for (const other of list.querySelectorAll(".call-card.chosen")) other.classList.remove("chosen");
    node.classList.add("chosen");
    node.classList.remove("new");
    callId.value = node.dataset.call;
    phone.value = node.dataset.phone;
    account.value = "";
    chosenCallText.textContent = `${node.dataset.phone} · ${node.querySelector(".call-time").textContent}`;
    chosenCall.hidden = false;
    typedCall.hidden = true;
    lookup();
    (radios.find((radio) => radio.checked) || radios[0]).focus();
  }

  function clearCall() {
    callId.value = "";
    chosenCall.hidden = true;
    typedCall.hidden = false;
    for (const other of list.querySelectorAll(".call-card.chosen")) other.classList.remove("chosen");
    phone.focus();
  }

  let lookups = 0;
  async function lookup() {
    const chosen = radios.find((radio) => radio.checked);
    const query = new URLSearchParams({ phone: phone.value.trim(), account: account.value.trim(),
                                        kind: chosen ? chosen.value : "" });
    const mine = ++lookups;
    fileBox.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(`${root.dataset.fileUrl}?${query}`, { credentials: "same-origin" });
      const html = await response.text();
      if (mine === lookups && (response.ok || response.status === 400) && !response.redirected) {
        fileBox.innerHTML = html;
      }
    } finally {
      if (mine === lookups) fileBox.removeAttribute("aria-busy");
    }
  }

  // The caller asks for no text messages (or for them again): posted without leaving the form, then the file reloads.
  fileBox.addEventListener("submit", async (event) => {
    const form = event.target.closest("form.sms-toggle");
    if (!form) return;
    event.preventDefault();
    const response = await fetch(form.action, { method: "POST", body: new FormData(form),
                                                credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.ok) await lookup();
  });

  function classified() {
    const chosen = radios.find((radio) => radio.checked);
    const value = chosen ? chosen.value : "";
    answerRow.hidden = value !== "consultation";
    // The standard phrases of the call's situation (the first group before the call is classified).
    for (const group of phraseGroups) {
      group.hidden = value ? !group.dataset.for.split(" ").includes(value) : group.dataset.for !== "";
    }
  }

  function classify(index) {
    const radio = radios[index - 1];
    if (!radio) return;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    description.focus();
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest(".use-call");
    if (!button) return;
    event.preventDefault();
    useCall(button.closest(".call-card"));
  });
  document.getElementById("clear-call").addEventListener("click", clearCall);
  form.addEventListener("change", (event) => {
    if (event.target.name === "classification") classified();
  });
  form.addEventListener("submit", (event) => {
    if (event.submitter && event.submitter.value === "lookup") {
      event.preventDefault(); // Find (or Enter in a field): swap the file in, keep what is typed
      lookup();
      return;
    }
    saveButton.disabled = true; // one order per press, however impatient
  });
  // A page restored from the back/forward cache must not keep a disabled button.
  window.addEventListener("pageshow", () => { saveButton.disabled = false; });

  // --- keyboard shortcuts (the legend is #shortcuts) ----------------------------------------------------

  document.addEventListener("keydown", (event) => {
    if (event.altKey && !event.ctrlKey && !event.metaKey) {
      const digit = /^(?:Digit|Numpad)([1-9])$/.exec(event.code);
      if (digit) {
        event.preventDefault();
        classify(Number(digit[1]));
      } else if (event.code === "KeyF") {
        event.preventDefault();
        phone.focus();
        phone.select();
      } else if (event.code === "KeyR") {
        // A repeat call: record it as an urge on the open order chosen in the caller's file.
        const urge = document.getElementById("urge");
        if (urge && !saveButton.disabled) {
          event.preventDefault();
          saveButton.disabled = true;
          form.requestSubmit(urge);
        }
      } else if (event.code === "KeyU") {
        event.preventDefault();
        const newest = list.querySelector(".call-card");
        if (newest) useCall(newest);
      }
    } else if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      if (!saveButton.disabled) form.requestSubmit(saveButton);
    }
  });

  classified();
  connect();
})();
