// The wallboard 监控大屏 (templates/kpi/wallboard.html, kpi.wallboard): renders the figures the page was served with,
// then keeps them current — pushed over /ws/wallboard/ on every relevant event (kpi.live.WallboardConsumer), fetched
// from the JSON endpoint every 30 s anyway (orders fall overdue as time passes, with no event), and every 5 s while
// the socket is down (a proxy that blocks WebSockets). #wallboard[data-transport] says "push" while the socket is open.
(function () {
  "use strict";

  const board = document.getElementById("wallboard");
  if (!board) return;
  const text = board.dataset;
  const labels = JSON.parse(document.getElementById("wallboard-labels").textContent);
  const ringLimit = Number(board.dataset.ringLimit) || 10;
  const REFRESH_MS = 30000;
  const POLL_MS = 5000;
  const MAX_DEPARTMENTS = 8;
  const MAX_RULES = 6;
  const STATE_COLOURS = ["#4da3ff", "#7b61ff", "#3ddc97", "#ffb020", "#ff7a45", "#36cfc9", "#f759ab", "#bae637",
    "#9254de"];
  const english = (document.documentElement.lang || "").startsWith("en");
  const number = new Intl.NumberFormat(document.documentElement.lang || "zh-CN");
  const clockFormat = new Intl.DateTimeFormat(english ? "en-GB" : "zh-CN", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", weekday: "short",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });
  const timeFormat = new Intl.DateTimeFormat(english ? "en-GB" : "zh-CN", {
    timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });
  const shortFormat = new Intl.DateTimeFormat(english ? "en-GB" : "zh-CN", {
    timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
  });
  let longest = null; // {seconds, received}: the longest ring, counted up between updates
  let pollTimer = null;

  function el(id) {
    return document.getElementById(id);
  }

  function set(id, value) {
    const node = el(id);
    const shown = value === null || value === undefined ? "—" : String(value);
    if (node.textContent !== shown) {
      const first = node.dataset.value === undefined;
      node.textContent = shown;
      if (!first && node.classList.contains("wb-value")) {
        node.classList.remove("changed");
        void node.offsetWidth; // restart the highlight
        node.classList.add("changed");
      }
    }
    node.dataset.value = value === null || value === undefined ? "" : String(value);
  }

  function mark(id, state) {
    const node = el(id);
    node.classList.remove("good", "warn", "bad");
    if (state) node.classList.add(state);
  }

  function percent(value) {
    return value === null || value === undefined ? null : `${value.toFixed(1)}%`;
  }

  function yuan(value) {
    return Number(value).toFixed(2);
  }

  function cell(content, className) {
    const td = document.createElement("td");
    td.textContent = content;
    if (className) td.className = className;
    return td;
  }

  function emptyRow(body, columns) {
    const row = document.createElement("tr");
    const td = cell(text.textNone, "empty");
    td.colSpan = columns;
    row.append(td);
    body.replaceChildren(row);
  }

  function renderKinds(kinds) {
    const box = el("wb-kinds");
    box.replaceChildren(...kinds.map((kind) => {
      const item = document.createElement("div");
      item.className = "wb-kind";
      item.dataset.kind = kind.kind;
      const name = document.createElement("span");
      name.className = "wb-kind-name";
      name.textContent = labels.kinds[kind.kind] || kind.kind;
      const total = document.createElement("span");
      total.className = "wb-kind-total";
      total.textContent = number.format(kind.open);
      const bar = document.createElement("div");
      bar.className = "wb-bar";
      const states = document.createElement("div");
      states.className = "wb-states";
      kind.states.forEach((entry) => {
        const colour = STATE_COLOURS[Object.keys(labels.states).indexOf(entry.state) % STATE_COLOURS.length];
        const part = document.createElement("span");
        part.style.width = `${(100 * entry.count) / Math.max(kind.open, 1)}%`;
        part.style.background = colour;
        bar.append(part);
        const chip = document.createElement("span");
        chip.dataset.state = entry.state;
        const swatch = document.createElement("i");
        swatch.style.background = colour;
        const count = document.createElement("b");
        count.textContent = number.format(entry.count);
        chip.append(swatch, `${labels.states[entry.state] || entry.state} `, count);
        states.append(chip);
      });
      item.append(name, total, bar, states);
      return item;
    }));
  }

  function renderDepartments(departments) {
    const body = el("wb-departments");
    if (!departments.length) return emptyRow(body, 3);
    body.replaceChildren(...departments.slice(0, MAX_DEPARTMENTS).map((department) => {
      const row = document.createElement("tr");
      row.dataset.department = department.department_id === null ? "" : String(department.department_id);
      row.append(
        cell(department.department || text.textFrontOffice),
        cell(number.format(department.overdue), `num${department.overdue ? " bad" : ""}`),
        cell(number.format(department.due_soon), `num${department.due_soon ? " warn" : ""}`),
      );
      return row;
    }));
  }

  function renderOutages(outages) {
    const list = el("wb-outage-list");
    if (!outages.notices.length) {
      const none = document.createElement("li");
      none.className = "empty";
      none.textContent = text.textNone;
      return list.replaceChildren(none);
    }
    const items = outages.notices.map((notice) => {
      const item = document.createElement("li");
      item.dataset.outage = String(notice.id);
      const kind = document.createElement("span");
      kind.className = `tag ${notice.kind}`;
      kind.textContent = labels.outage_kinds[notice.kind] || notice.kind;
      const calls = document.createElement("span");
      calls.className = "calls";
      calls.textContent = `${number.format(notice.linked_calls)} ${text.textLinked}`;
      const until = document.createElement("span");
      until.className = "until";
      until.textContent = ` · ${text.textUntil} ${shortFormat.format(new Date(notice.expected_restore_at))}`;
      item.append(calls, kind, notice.area, until);
      item.title = notice.cause;
      return item;
    });
    if (outages.active > outages.notices.length) {
      const more = document.createElement("li");
      more.className = "empty";
      more.textContent = `+${outages.active - outages.notices.length} ${text.textMore}`;
      items.push(more);
    }
    list.replaceChildren(...items);
  }

  function renderRules(penalties) {
    const body = el("wb-rules");
    if (!penalties.by_rule.length) return emptyRow(body, 3);
    const rows = [...penalties.by_rule].sort((a, b) => Number(b.net) - Number(a.net)).slice(0, MAX_RULES);
    body.replaceChildren(...rows.map((rule) => {
      const row = document.createElement("tr");
      row.dataset.rule = rule.rule;
      row.append(cell((english && rule.name_en) || rule.name_zh || rule.rule), cell(number.format(rule.count), "num"),
        cell(yuan(rule.net), "num"));
      return row;
    }));
  }

  function showLongest() {
    if (!longest) return set("wb-longest", null);
    const seconds = longest.seconds + Math.floor((Date.now() - longest.received) / 1000);
    const node = el("wb-longest");
    node.classList.toggle("bad", seconds > ringLimit);
    set("wb-longest", `${seconds}${text.textSeconds}`);
  }

  function render(figures) {
    const today = figures.calls.today;
    const hour = figures.calls.hour;
    set("wb-calls-offered", number.format(today.offered));
    set("wb-calls-answered", number.format(today.answered));
    set("wb-calls-abandoned", number.format(today.abandoned));
    set("wb-rate-hour", percent(hour.within_limit_rate));
    set("wb-rate-hour-detail", `${number.format(hour.within_limit)} / ${number.format(hour.offered)}`);
    set("wb-rate-today", percent(today.within_limit_rate));
    set("wb-rate-today-detail", `${number.format(today.within_limit)} / ${number.format(today.offered)}`);
    set("wb-ringing", number.format(figures.ringing.count));
    longest = figures.ringing.longest_seconds === null ? null
      : { seconds: figures.ringing.longest_seconds, received: Date.now() };
    showLongest();
    mark("wb-ringing-tile", figures.ringing.count ? "warn" : "");
    set("wb-checked-in", number.format(figures.agents.checked_in));
    set("wb-on-duty", number.format(figures.agents.on_duty));
    set("wb-open", number.format(figures.orders.open));
    set("wb-overdue", number.format(figures.orders.overdue));
    mark("wb-overdue-tile", figures.orders.overdue ? "bad" : "good");
    set("wb-due-soon", number.format(figures.orders.due_soon));
    mark("wb-due-soon-tile", figures.orders.due_soon ? "warn" : "");
    set("wb-outages", number.format(figures.outages.active));
    set("wb-outage-calls", number.format(figures.outages.linked_calls));
    set("wb-penalties", yuan(figures.penalties.net));
    set("wb-penalty-count", number.format(figures.penalties.count));
    renderKinds(figures.orders.by_kind);
    renderDepartments(figures.orders.by_department);
    renderOutages(figures.outages);
    renderRules(figures.penalties);
    el("wb-updated").textContent = timeFormat.format(new Date(figures.at));
    board.dataset.at = figures.at;
  }

  function refresh() {
    fetch(board.dataset.dataUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((figures) => {
        if (figures) render(figures);
      })
      .catch(() => {});
  }

  function polling(on) {
    el("wb-transport").textContent = on ? text.textPolling : text.textLive;
    if (on && !pollTimer) pollTimer = window.setInterval(refresh, POLL_MS);
    if (!on && pollTimer) {
      window.clearInterval(pollTimer);
      pollTimer = null;
    }
  }

  function tick() {
    el("wb-clock").textContent = clockFormat.format(new Date());
    showLongest();
  }

  render(JSON.parse(document.getElementById("wallboard-figures").textContent));
  tick();
  window.setInterval(tick, 1000);
  window.setInterval(refresh, REFRESH_MS);
  polling(true);
  const live = window.HotlineLive && window.HotlineLive.connect(board, board.dataset.liveUrl, {
    opened: () => polling(false),
    message: (data) => {
      if (data.type === "wallboard" && data.figures) render(data.figures);
    },
    down: () => polling(true),
    refused: () => polling(true),
  });
  if (!live) polling(true);
})();
