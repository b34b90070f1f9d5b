/* Reports page: every queued or running report run (<tr class="report-run" data-status="queued|running">) asks
   the API for its state once a second (GET data-run-url, session cookie, same origin) and moves its <progress>
   bar; when the run is done the bar gives way to the download link (data-download-url), when it failed to the
   error. The words come from the server: the status labels in #report-status-labels, the link's text in the
   table's data-download-label. Without this script the page still reads right after a reload. */
(function () {
  "use strict";

  const POLL_MS = 1000;
  const ACTIVE = ["queued", "running"];

  function labels() {
    const node = document.getElementById("report-status-labels");
    return node ? JSON.parse(node.textContent) : {};
  }

  function localTime(iso) {
    // The server's zone, whatever the browser's: "2026-11-22 10:05".
    const date = new Date(iso);
    if (isNaN(date)) return "";
    return date.toLocaleString("sv-SE", { timeZone: "Asia/Shanghai", hour12: false }).slice(0, 16);
  }

  function fileSize(bytes) {
    if (bytes === null || bytes === undefined) return "—";
    const units = ["bytes", "KB", "MB", "GB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return (unit ? value.toFixed(1) : String(value)) + " " + units[unit];
  }

  function show(row, run, words, downloadLabel) {
    const tag = row.querySelector(".run-status .tag");
    tag.textContent = words[run.status] || run.status;
    tag.className = "tag status-" + run.status;
    row.dataset.status = run.status;
    const bar = row.querySelector("progress");
    const percent = row.querySelector(".run-percent");
    if (ACTIVE.includes(run.status)) {
      if (bar) {
        bar.value = run.progress;
        bar.textContent = run.progress + "%";
      }
      if (percent) percent.textContent = run.progress + "%";
      return true;
    }
    if (bar) bar.remove();
    if (percent) percent.remove();
    row.querySelector(".run-finished").textContent = run.finished_at ? localTime(run.finished_at) : "—";
    if (run.status === "done" && run.download_url) {
      row.querySelector(".run-size").textContent = fileSize(run.size);
      const link = document.createElement("a");
      link.className = "button small download";
      link.href = row.dataset.downloadUrl;
      link.textContent = downloadLabel;
      row.querySelector(".run-file").replaceChildren(link);
    } else if (run.status === "failed") {
      const error = document.createElement("div");
      error.className = "run-error errorlist";
      error.textContent = run.error;
      row.querySelector(".run-status").appendChild(error);
    }
    return false;
  }

  function follow(row, words, downloadLabel) {
    async function poll() {
      try {
        const response = await fetch(row.dataset.runUrl, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        if (response.ok) {
          if (!show(row, await response.json(), words, downloadLabel)) return; // finished: stop asking
        } else if ([401, 403, 404].includes(response.status)) {
          return; // logged out, no longer permitted, or gone: a reload tells the user which
        }
      } catch (error) {
        // The network or the server hiccuped: ask again at the next tick.
      }
      window.setTimeout(poll, POLL_MS);
    }
    window.setTimeout(poll, POLL_MS);
  }

  function start() {
    const table = document.getElementById("runs");
    if (!table) return;
    const words = labels();
    const downloadLabel = table.dataset.downloadLabel || "Download";
    table.querySelectorAll("tr.report-run").forEach(function (row) {
      if (ACTIVE.includes(row.dataset.status)) follow(row, words, downloadLabel);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
