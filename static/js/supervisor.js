/* supervisor.js: what the supervisor pages do between server pushes, without inline scripts.
 *
 * - ticks time in state, waiting times and "data N s old" from the epoch-ms timestamps the
 *   server sends (data-tick-since, data-ago-since), corrected by the server's clock;
 * - shows whether the live socket is up;
 * - hides pushed agent rows that no longer match the table's filters (the server renders
 *   rows without knowing each viewer's filters);
 * - draws the interval charts (Chart.js, vendored) from the #supervisor-chart-data block.
 * One timer for the whole page, however many rows.
 */
(function () {
  "use strict";

  var serverOffsetMs = 0;
  var socketUp = false;
  var COLOURS = {
    offered: "#1c2330", answered: "#0b6bcb", abandoned: "#c62828",
    level: "#2e7d32", asa: "#7b3fb3", yesterday: "#8a93a0"
  };

  function duration(seconds) {
    var s = Math.max(0, Math.round(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(r).padStart(2, "0");
  }

  function readServerClock() {
    var status = document.getElementById("supervisor-status");
    if (!status) { return; }
    var at = Number(status.dataset.serverNow || 0);
    if (at && status.dataset.seen !== String(at)) {
      status.dataset.seen = String(at);
      serverOffsetMs = at - Date.now();
    }
    status.classList.toggle("is-live", socketUp);
    status.classList.toggle("is-down", !socketUp && status.dataset.tried === "1");
    var conn = status.querySelector("[data-conn]");
    if (conn) {
      conn.textContent = socketUp ? "Live" : (status.dataset.tried === "1" ? "Disconnected, reconnecting…" : "Connecting…");
    }
  }

  function tick() {
    readServerClock();
    var now = Date.now() + serverOffsetMs;
    document.querySelectorAll("[data-tick-since]").forEach(function (el) {
      var since = Number(el.dataset.tickSince);
      if (since) { el.textContent = duration((now - since) / 1000); }
    });
    document.querySelectorAll("[data-ago-since]").forEach(function (el) {
      var since = Number(el.dataset.agoSince);
      if (since) { el.textContent = duration((now - since) / 1000); }
    });
  }

  function wanted() {
    var form = document.getElementById("agent-filters");
    if (!form) { return null; }
    return {
      team: form.elements.team ? form.elements.team.value : "",
      queue: form.elements.queue ? form.elements.queue.value : "",
      state: form.elements.state ? form.elements.state.value : ""
    };
  }

  function matches(row, want) {
    return !want || ((!want.team || row.dataset.team === want.team) &&
      (!want.queue || row.dataset.queue === want.queue) &&
      (!want.state || row.dataset.state === want.state));
  }

  function applyFilters() {
    var want = wanted();
    if (!want) { return; }
    document.querySelectorAll("#agent-rows .agent-row").forEach(function (row) {
      row.hidden = !matches(row, want);
    });
  }

  // A pushed row for an agent the table does not list yet (a new login, or an agent who
  // now matches the filters) joins the agents table at the end until the next sort; rows
  // that do not match are dropped. Other pages have no #agent-rows and skip it.
  function addNewAgentRow(event) {
    var row = event.detail && event.detail.content;
    var body = document.getElementById("agent-rows");
    // htmx has taken hx-swap-oob off by now; a deleted agent's row has no .agent-row class.
    if (!body || !row || row.tagName !== "TR" || !row.classList.contains("agent-row")) { return; }
    if (document.getElementById(row.id) || !matches(row, wanted())) { return; }
    body.appendChild(row.cloneNode(true));
    applyFilters();
  }

  function dataset(label, values, colour, opts) {
    var d = { label: label, data: values, borderColor: colour, backgroundColor: colour, spanGaps: false, pointRadius: 2 };
    Object.keys(opts || {}).forEach(function (k) { d[k] = opts[k]; });
    return d;
  }

  function drawCharts() {
    var source = document.getElementById("supervisor-chart-data");
    if (!source || typeof window.Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var dashed = { type: "line", borderDash: [6, 4], borderWidth: 2, pointRadius: 0, backgroundColor: "transparent" };
    var volume = document.getElementById("chart-volume");
    if (volume && !volume.dataset.drawn) {
      volume.dataset.drawn = "1";
      new window.Chart(volume, {
        data: {
          labels: data.labels,
          datasets: [
            dataset("Answered today", data.today.answered, COLOURS.answered, { type: "bar", stack: "today" }),
            dataset("Abandoned today", data.today.abandoned, COLOURS.abandoned, { type: "bar", stack: "today" }),
            dataset("Offered today", data.today.offered, COLOURS.offered, { type: "line", stack: "offered-today", borderWidth: 2, backgroundColor: COLOURS.offered }),
            dataset("Offered yesterday", data.yesterday.offered, COLOURS.yesterday, Object.assign({ stack: "offered-yesterday" }, dashed))
          ]
        },
        options: chartOptions({ y: { stacked: true, beginAtZero: true, title: { display: true, text: "Contacts" }, ticks: { precision: 0 } } })
      });
    }
    var quality = document.getElementById("chart-quality");
    if (quality && !quality.dataset.drawn) {
      quality.dataset.drawn = "1";
      new window.Chart(quality, {
        type: "line",
        data: {
          labels: data.labels,
          datasets: [
            dataset("Service level % today", data.today.serviceLevelPct, COLOURS.level, { yAxisID: "level", borderWidth: 2 }),
            dataset("Service level % yesterday", data.yesterday.serviceLevelPct, COLOURS.level, Object.assign({ yAxisID: "level" }, dashed)),
            dataset("ASA (s) today", data.today.asaS, COLOURS.asa, { yAxisID: "asa", borderWidth: 2 }),
            dataset("ASA (s) yesterday", data.yesterday.asaS, COLOURS.asa, Object.assign({ yAxisID: "asa" }, dashed))
          ]
        },
        options: chartOptions({
          level: { position: "left", min: 0, max: 100, title: { display: true, text: "Service level %" } },
          asa: asaScale(data.today.asaS.concat(data.yesterday.asaS))
        })
      });
    }
  }

  // A few contacts answered hours later (emails left overnight) would scale the ASA axis to
  // hours and flatten every other interval at zero. The axis stops at Tukey's far-out fence
  // (Q3 + 3 IQR) of the intervals' ASA when a point passes it; those points are cut off at
  // the top, the axis title says so, and tooltips and the table keep their values.
  function asaScale(values) {
    var scale = { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "ASA (s)" } };
    var v = values.filter(function (x) { return typeof x === "number"; }).sort(function (a, b) { return a - b; });
    if (v.length < 4) { return scale; }
    var quantile = function (p) {
      var i = (v.length - 1) * p, lo = Math.floor(i), hi = Math.ceil(i);
      return v[lo] + (v[hi] - v[lo]) * (i - lo);
    };
    var fence = quantile(0.75) + 3 * (quantile(0.75) - quantile(0.25));
    if (v[v.length - 1] > fence && fence > 0) {
      scale.max = Math.ceil(fence * 1.1);
      scale.title.text = "ASA (s) · higher values cut off";
    }
    return scale;
  }

  function chartOptions(scales) {
    scales.x = { stacked: true, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 12 } };
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { labels: { boxWidth: 14, color: "#1c2330" } } },
      scales: scales
    };
  }

  function start() {
    document.body.addEventListener("htmx:wsOpen", function () {
      socketUp = true;
      var status = document.getElementById("supervisor-status");
      if (status) { status.dataset.tried = "1"; }
      tick();
    });
    document.body.addEventListener("htmx:wsClose", function () {
      socketUp = false;
      var status = document.getElementById("supervisor-status");
      if (status) { status.dataset.tried = "1"; }
      tick();
    });
    document.body.addEventListener("htmx:wsAfterMessage", function () {
      var status = document.getElementById("supervisor-status");
      if (status) { status.dataset.tried = "1"; }
      applyFilters();
      tick();
    });
    document.body.addEventListener("htmx:afterSwap", function () { applyFilters(); tick(); });
    document.body.addEventListener("htmx:oobErrorNoTarget", addNewAgentRow);
    drawCharts();
    tick();
    window.setInterval(tick, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
