/* Draws the dashboard's charts with Chart.js; a click on a bar or a slice opens the grievances behind it. */
(function () {
  "use strict";
  var holder = document.getElementById("chart-data");
  if (!holder || typeof Chart === "undefined") { return; }
  var charts = JSON.parse(holder.textContent);
  var palette = ["#0b5394", "#e69138", "#6aa84f", "#cc0000", "#674ea7", "#45818e", "#bf9000", "#a64d79", "#3d85c6", "#999999"];
  var font = "'Noto Sans Kannada', 'Helvetica Neue', Arial, sans-serif";
  Chart.defaults.font.family = font;
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = charts[canvas.getAttribute("data-chart")];
    if (!spec) { return; }
    var doughnut = spec.type === "doughnut";
    var chart = new Chart(canvas, {
      type: doughnut ? "doughnut" : "bar",
      data: {
        labels: spec.labels,
        datasets: [{ label: spec.label, data: spec.values,
                     backgroundColor: doughnut ? palette : palette[0] }]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        indexAxis: doughnut ? undefined : "y",
        plugins: { legend: { display: doughnut, position: "bottom", labels: { boxWidth: 12 } } },
        scales: doughnut ? {} : {
          x: { beginAtZero: true, max: spec.max || undefined, ticks: { precision: 0 } },
          y: { ticks: { autoSkip: false, callback: function (value) {
            var text = this.getLabelForValue(value);
            return text.length > 22 ? text.slice(0, 21) + "…" : text;
          } } }
        },
        onClick: function (event, elements) {
          if (elements.length) { window.location.href = spec.links[elements[0].index]; }
        },
        onHover: function (event, elements) {
          event.native.target.style.cursor = elements.length ? "pointer" : "default";
        }
      }
    });
    canvas.chart = chart;
  });
})();
