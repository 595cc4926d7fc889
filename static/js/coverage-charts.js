/* Coverage charts: every element with data-chart holds an ECharts option as JSON (built by
   liangxin/coverage/charts.py). No inline script, so the Content-Security-Policy holds. */
(function () {
  "use strict";
  var charts = [];

  function render(root) {
    if (typeof window.echarts === "undefined") { return; }
    var nodes = (root || document).querySelectorAll("[data-chart]");
    Array.prototype.forEach.call(nodes, function (node) {
      if (node.getAttribute("data-chart-ready")) { return; }
      var option;
      try { option = JSON.parse(node.getAttribute("data-chart")); } catch (e) { return; }
      var chart = window.echarts.init(node);
      chart.setOption(option);
      node.setAttribute("data-chart-ready", "1");
      charts.push(chart);
    });
  }

  function resize() { charts.forEach(function (c) { c.resize(); }); }

  document.addEventListener("DOMContentLoaded", function () { render(document); });
  document.body && document.body.addEventListener("htmx:afterSwap", function (e) { render(e.target); });
  window.addEventListener("resize", resize);
  window.addEventListener("beforeprint", resize);
})();
