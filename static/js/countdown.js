/* Deadline countdowns: every <time data-countdown data-due="ISO 8601"> counts down once a second and turns red
   (class "overdue") when its deadline has passed. The words come from the element, translated by the server:
   data-left="%(time)s left", data-overdue="overdue by %(time)s", data-days="%(days)s d". The server renders the
   same text first, so the page reads right without this script. The clock is the server's (data-now on the
   script tag), so a wrong clock on the agent's PC does not move the deadlines. */
(function () {
  "use strict";

  var script = document.currentScript;
  var serverNow = script && Date.parse(script.dataset.now || "");
  var skew = isNaN(serverNow) || !serverNow ? 0 : serverNow - Date.now(); // server clock − this browser's clock

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function text(el, ms) {
    var seconds = Math.floor(Math.abs(ms) / 1000);
    var days = Math.floor(seconds / 86400);
    var rest = seconds % 86400;
    var clock = pad(Math.floor(rest / 3600)) + ":" + pad(Math.floor((rest % 3600) / 60)) + ":" + pad(rest % 60);
    var time = days ? (el.dataset.days || "%(days)s d").replace("%(days)s", days) + " " + clock : clock;
    var template = ms < 0 ? el.dataset.overdue || "-%(time)s" : el.dataset.left || "%(time)s";
    return template.replace("%(time)s", time);
  }

  function tick() {
    var now = Date.now() + skew;
    var clocks = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      var due = Date.parse(el.dataset.due);
      if (isNaN(due)) continue;
      var ms = due - now;
      var label = text(el, ms);
      if (el.textContent !== label) el.textContent = label;
      el.classList.toggle("overdue", ms < 0);
      el.classList.toggle("soon", ms >= 0 && ms < 3600 * 1000);
      var row = el.closest("tr");
      if (row) row.classList.toggle("is-overdue", row.querySelector("[data-countdown].overdue") !== null);
    }
  }

  function start() {
    tick();
    // Align the ticks with the seconds of the (server's) clock.
    setTimeout(function () {
      tick();
      setInterval(tick, 1000);
    }, 1000 - ((Date.now() + skew) % 1000));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
