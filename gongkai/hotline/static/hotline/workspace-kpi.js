/* KPI charts: reads the data block written by json_script and draws it with ECharts. */
(function () {
  "use strict";
  var block = document.getElementById("ws-chart-data");
  if (!block || typeof window.echarts === "undefined") return;
  var data = JSON.parse(block.textContent);

  function chart(id, option) {
    var node = document.getElementById(id);
    if (!node) return;
    var instance = window.echarts.init(node, null, { renderer: "svg" });
    instance.setOption(option);
    window.addEventListener("resize", function () { instance.resize(); });
  }

  var empty = { text: data.empty, left: "center", top: "middle", textStyle: { color: "#888", fontSize: 14 } };

  chart("chart-per-day", {
    title: { text: data.titles.per_day, left: 0, textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" },
    legend: { top: 24, type: "scroll" },
    grid: { left: 40, right: 16, top: 64, bottom: 32 },
    xAxis: { type: "category", data: data.days.map(function (d) { return d.slice(5); }) },
    yAxis: { type: "value", minInterval: 1 },
    series: data.per_day.map(function (s) {
      return { name: s.name, type: "bar", stack: "total", data: s.data };
    }),
    graphic: data.per_day.length ? [] : [{ type: "text", left: "center", top: "middle", style: { text: data.empty } }],
  });

  chart("chart-statuses", {
    title: data.statuses.length ? { text: data.titles.statuses, left: 0, textStyle: { fontSize: 14 } } : empty,
    tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
    series: [{ type: "pie", radius: ["35%", "65%"], top: 24, data: data.statuses, label: { formatter: "{b} {c}" } }],
  });

  var cats = data.categories.slice().reverse();
  chart("chart-categories", {
    title: cats.length ? { text: data.titles.categories, left: 0, textStyle: { fontSize: 14 } } : empty,
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    grid: { left: 120, right: 24, top: 32, bottom: 24 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: cats.map(function (c) { return c.name; }) },
    series: [{ type: "bar", data: cats.map(function (c) { return c.value; }) }],
  });
})();
