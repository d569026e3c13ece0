/* Opinion reports: the dashboard's and a report's charts (ECharts, from the json_script block),
   and a confirmation before releasing or deleting. */
(function () {
  "use strict";

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  var block = document.getElementById("or-chart-data");
  if (!block || typeof window.echarts === "undefined") return;
  var data = JSON.parse(block.textContent);
  var COLORS = { negative: "#d64541", neutral: "#9ea7b2", positive: "#2e9e62" };
  var PALETTE = ["#3472c4", "#2e9e62", "#d89b00", "#8e5cc4", "#d64541", "#1f9eb0", "#9ea7b2", "#c45c8e"];

  function chart(id, option) {
    var node = document.getElementById(id);
    if (!node) return;
    var instance = window.echarts.init(node, null, { renderer: "svg" });
    instance.setOption(option);
    window.addEventListener("resize", function () { instance.resize(); });
  }

  function nothing(d) {
    return [{ type: "text", left: "center", top: "middle", style: { text: d.empty, fill: "#888", fontSize: 14 } }];
  }

  function volume(id, d) {
    var total = d.volume.series.reduce(function (sum, s) {
      return sum + s.data.reduce(function (a, b) { return a + b; }, 0);
    }, 0);
    chart(id, {
      title: { text: d.titles.volume, left: 0, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 24 },
      grid: { left: 44, right: 16, top: 64, bottom: 32 },
      xAxis: { type: "category", data: d.volume.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: d.volume.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "total", data: s.data, itemStyle: { color: COLORS[s.key] } };
      }),
      graphic: total ? [] : nothing(d),
    });
  }

  function sentiment(id, d) {
    chart(id, {
      title: { text: d.titles.sentiment, left: 0, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      series: [{
        type: "pie", radius: ["35%", "65%"], top: 24, label: { formatter: "{b} {d}%" },
        data: d.sentiment.map(function (s) { return { name: s.name, value: s.value, itemStyle: { color: COLORS[s.key] } }; }),
      }],
      graphic: d.sentiment.length ? [] : nothing(d),
    });
  }

  function sources(id, d) {
    chart(id, {
      title: { text: d.titles.sources, left: 0, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      color: PALETTE,
      series: [{ type: "pie", radius: ["35%", "65%"], top: 24, data: d.sources, label: { formatter: "{b} {c}" } }],
      graphic: d.sources.length ? [] : nothing(d),
    });
  }

  function districts(id, d) {
    var rows = d.districts.slice().reverse();
    chart(id, {
      title: { text: d.titles.districts, left: 0, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 24 },
      grid: { left: 110, right: 32, top: 56, bottom: 24 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
      series: [
        { name: d.names.negative, type: "bar", stack: "t", itemStyle: { color: COLORS.negative },
          data: rows.map(function (r) { return r.negative; }) },
        { name: d.names.other, type: "bar", stack: "t", itemStyle: { color: PALETTE[0] },
          data: rows.map(function (r) { return r.value - r.negative; }) },
      ],
      graphic: rows.length ? [] : nothing(d),
    });
  }

  if (data.today) {
    volume("or-chart-today-volume", data.today);
    volume("or-chart-week-volume", data.week);
    sentiment("or-chart-week-sentiment", data.week);
    sources("or-chart-week-sources", data.week);
    districts("or-chart-week-districts", data.week);
  } else if (data.volume) {
    volume("or-chart-volume", data);
    sentiment("or-chart-sentiment", data);
    sources("or-chart-sources", data);
  }
})();
