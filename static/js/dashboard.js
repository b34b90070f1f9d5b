/* The manager's dashboard: draws the charts from the figures the server put in <script id="dashboard-data">
   (json_script), with Chart.js served from static/vendor/chart.js/. Rates arrive as percentages (null when there
   was nothing to count: a gap in the line), money in yuan, and every word already in the page's language
   (data.text). The same figures are in the tables under the charts, so the page reads without this script. */
(function () {
  "use strict";

  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var text = data.text;
  var months = data.months;
  var labels = months.map(function (m) { return m.period; });
  var locale = document.documentElement.lang || undefined;

  // A colour-blind-safe palette (Okabe–Ito), then greys for any further rule.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];
  var BRAND = "#0b5394";
  var GOOD = "#137333";
  var BAD = "#b42318";

  function color(i) {
    return PALETTE[i] || "hsl(0, 0%, " + (35 + (i * 9) % 45) + "%)";
  }

  function column(key) {
    return months.map(function (m) { return m[key]; });
  }

  function percentAxis(position) {
    return {
      position: position, min: 0, max: 100, grid: { drawOnChartArea: position === "left" },
      title: { display: true, text: text.percent },
      ticks: { callback: function (value) { return value + "%"; } },
    };
  }

  function line(label, key, i, axis) {
    return {
      type: "line", label: label, data: column(key), yAxisID: axis || "y", borderColor: color(i),
      backgroundColor: color(i), pointRadius: 4, cubicInterpolationMode: "monotone", spanGaps: false,
    };
  }

  function draw(id, config, height) {
    var canvas = document.getElementById(id);
    if (!canvas) return null;
    // The chart fills its box: a fixed height, the page's width.
    canvas.parentNode.style.position = "relative";
    canvas.parentNode.style.height = (height || 300) + "px";
    config.options = Object.assign({
      responsive: true, maintainAspectRatio: false, animation: false, locale: locale,
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { position: "bottom" } },
    }, config.options || {});
    return new window.Chart(canvas, config);
  }

  // Complaints accepted (bars) and how timely they were handled (lines, right axis).
  draw("chart-complaints", {
    type: "bar",
    data: {
      labels: labels,
      datasets: [
        { type: "bar", label: text.complaints_received, data: column("complaints_received"), yAxisID: "y",
          backgroundColor: "rgba(11, 83, 148, 0.35)", borderColor: BRAND, borderWidth: 1, order: 2 },
        Object.assign(line(text.complaint_reply_rate, "complaint_reply_rate", 1, "y2"), { order: 1 }),
        Object.assign(line(text.complaint_handling_rate, "complaint_handling_rate", 2, "y2"), { order: 1 }),
      ],
    },
    options: {
      scales: {
        y: { position: "left", beginAtZero: true, title: { display: true, text: text.count }, ticks: { precision: 0 } },
        y2: percentAxis("right"),
      },
    },
  });

  draw("chart-arrival", {
    type: "line",
    data: { labels: labels, datasets: [line(text.arrival_rate, "arrival_rate", 0)] },
    options: { scales: { y: percentAxis("left") } },
  }, 260);

  draw("chart-service", {
    type: "line",
    data: {
      labels: labels,
      datasets: [line(text.within_limit_rate, "within_limit_rate", 0), line(text.satisfaction_rate, "satisfaction_rate", 2)],
    },
    options: { scales: { y: percentAxis("left") } },
  }, 260);

  // Net penalties by rule, stacked: each month's bar adds up to its net total.
  draw("chart-penalties", {
    type: "bar",
    data: {
      labels: labels,
      datasets: data.rules.map(function (rule, i) {
        return {
          label: rule.name, data: months.map(function (m) { return m.by_rule[rule.code] || 0; }),
          backgroundColor: color(i), stack: "net",
        };
      }),
    },
    options: {
      scales: {
        x: { stacked: true },
        y: { stacked: true, title: { display: true, text: text.yuan } },
      },
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            footer: function (items) {
              return items.length ? text.net + ": " + months[items[0].dataIndex].net.toFixed(2) : "";
            },
          },
        },
      },
    },
  }, 320);

  // Net penalties, and the 3-ring rate on the top axis; with both ends shown, the best green and the worst red.
  var best = data.ranking.best;
  var worst = data.ranking.worst;
  var agents = best.concat(worst);
  draw("chart-ranking", {
    type: "bar",
    data: {
      labels: agents.map(function (a) { return "#" + a.rank + " " + a.name; }),
      datasets: [
        { label: text.agent_net, data: agents.map(function (a) { return a.net; }), xAxisID: "x",
          backgroundColor: agents.map(function (a, i) { return !worst.length ? BRAND : i < best.length ? GOOD : BAD; }) },
        { label: text.within_limit_rate, data: agents.map(function (a) { return a.within_limit_rate; }),
          xAxisID: "x2", backgroundColor: "rgba(11, 83, 148, 0.3)", borderColor: BRAND, borderWidth: 1 },
      ],
    },
    options: {
      indexAxis: "y",
      interaction: { mode: "index", intersect: false, axis: "y" },
      scales: {
        x: { position: "bottom", beginAtZero: true, title: { display: true, text: text.yuan } },
        x2: { position: "top", min: 0, max: 100, grid: { drawOnChartArea: false },
              title: { display: true, text: text.percent } },
      },
    },
  }, Math.max(220, 70 + agents.length * 34));
})();
