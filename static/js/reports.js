/* Report pages: draw the interval report's chart with the vendored Chart.js.
 * The figures come from a JSON data block (#report-chart-data) rendered with the report, so
 * there is no inline script; the chart is drawn on page load and whenever htmx swaps in a
 * finished report. */
(function () {
  "use strict";

  var COLOURS = { answered: "#0b6bcb", abandoned: "#c62828", short: "#b26a00", level: "#2e7d32" };

  function drawReportChart(root) {
    var canvas = root.querySelector("#report-chart");
    var source = root.querySelector("#report-chart-data");
    if (!canvas || !source || canvas.dataset.drawn || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    canvas.dataset.drawn = "1";
    new window.Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          { type: "bar", label: "Answered", data: data.answered, backgroundColor: COLOURS.answered, stack: "contacts", yAxisID: "y" },
          { type: "bar", label: "Abandoned", data: data.abandoned, backgroundColor: COLOURS.abandoned, stack: "contacts", yAxisID: "y" },
          { type: "bar", label: "Short abandoned", data: data.shortAbandoned, backgroundColor: COLOURS.short, stack: "contacts", yAxisID: "y" },
          { type: "line", label: "Service level %", data: data.serviceLevelPct, borderColor: COLOURS.level, backgroundColor: COLOURS.level, spanGaps: false, pointRadius: 2, yAxisID: "level" }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: true, ticks: { maxRotation: 45, autoSkip: true, maxTicksLimit: 24 } },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: "Contacts" } },
          level: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false }, title: { display: true, text: "Service level %" } }
        }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawReportChart(document); });
  document.addEventListener("htmx:afterSwap", function (event) { drawReportChart(event.target.parentNode || document); });
})();
