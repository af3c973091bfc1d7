// fupin — draws every <div data-chart="ID"> with ECharts (served from this server: /static/echarts/), from the
// JSON block <script type="application/json" id="ID"> next to it (Django's json_script). No inline script:
// the Content-Security-Policy forbids it. Each chart also has a table on the page; without this file, or
// without ECharts, the page keeps its figures and tables.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "zh-CN";
  var english = lang.slice(0, 2) === "en";
  var numbers = new Intl.NumberFormat(english ? "en" : "zh-CN", { maximumFractionDigits: 2 });
  var percents = new Intl.NumberFormat(english ? "en" : "zh-CN", { maximumFractionDigits: 4 });
  var drawn = [];

  function num(v) {
    return v === null || v === undefined || v === "" ? "—" : numbers.format(v);
  }

  function withUnit(unit) {
    if (unit === "%") return function (v) { return v === null || v === undefined ? "—" : percents.format(v) + "%"; };
    return num;
  }

  function axisOption(spec, width) {
    var value = [{ type: "value", axisLabel: { formatter: withUnit(spec.unit) }, splitLine: { lineStyle: { color: "#e6e9ec" } } }];
    if (spec.counts) value[0].minInterval = 1;  // households and persons come whole
    var second = spec.series.some(function (s) { return s.axis === 1; });
    if (second) value.push({ type: "value", axisLabel: { formatter: withUnit(spec.unit2) }, splitLine: { show: false } });
    var category = {
      type: "category", data: spec.categories,
      axisLabel: { hideOverlap: true, overflow: "truncate",
                   width: spec.horizontal ? (width > 600 ? 220 : 110) : 90,
                   rotate: !spec.horizontal && spec.categories.length > 12 ? 40 : 0 }
    };
    return spec.horizontal ? { xAxis: value, yAxis: Object.assign(category, { inverse: true }) }
                           : { xAxis: category, yAxis: value };
  }

  function cartesian(spec, width) {
    var option = axisOption(spec, width);
    option.series = spec.series.map(function (s) {
      var one = { name: s.name, type: s.kind === "line" ? "line" : "bar", data: s.data, connectNulls: true,
                  emphasis: { focus: "series" } };
      if (s.stack) one.stack = s.stack;
      if (s.axis) {
        one[spec.horizontal ? "xAxisIndex" : "yAxisIndex"] = s.axis;
        one.tooltip = { valueFormatter: withUnit(spec.unit2) };
      }
      if (one.type === "line") { one.symbolSize = 6; }
      else { one.barMaxWidth = 28; }
      return one;
    });
    option.tooltip = { trigger: "axis", valueFormatter: num };
    option.grid = { left: 8, right: 12, top: 40, bottom: 8, containLabel: true };
    return option;
  }

  function funnel(spec) {
    var s = spec.series[0];
    return {
      tooltip: { trigger: "item", formatter: function (p) { return p.name + (english ? ": " : "：") + num(p.value); } },
      series: [{
        name: s.name, type: "funnel", sort: "none", left: "8%", width: "84%", top: 40, bottom: 8, gap: 2,
        minSize: "12%", label: { show: true, position: "inside", formatter: function (p) { return p.name + " " + num(p.value); } },
        data: spec.categories.map(function (c, i) { return { name: c, value: s.data[i] }; })
      }]
    };
  }

  // A map of incidence by region: the outlines users uploaded (GeoJSON, fetched from spec.geo_url and named
  // by region code), coloured by the first series; a region without a figure is grey ("no data").
  function choropleth(spec) {
    var incidence = spec.series[0].data, poor = spec.series[1].data, labels = spec.labels;
    var names = {}, values = [];
    var data = spec.codes.map(function (code, i) {
      names[code] = spec.categories[i];
      var v = incidence[i];
      if (v !== null && v !== undefined) values.push(v);
      return { name: code, value: v === null || v === undefined ? "-" : v, regionName: spec.categories[i], poor: poor[i] };
    });
    var max = values.length ? Math.max.apply(null, values) : 0;
    var pct = withUnit("%");
    var sep = english ? ": " : "：";
    var html = window.echarts.format.encodeHTML;
    function nameOf(p) { return (p.data && p.data.regionName) || names[p.name] || p.name; }
    return {
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var d = p.data || {};
          var shown = typeof d.value === "number" ? pct(d.value) : labels.no_data;
          return "<strong>" + html(nameOf(p)) + "</strong><br>" + html(labels.incidence) + sep + html(shown) +
                 "<br>" + html(labels.poor) + sep + html(num(d.poor));
        }
      },
      visualMap: {
        type: "continuous", min: 0, max: max > 0 ? max : 1, calculable: true, left: 8, bottom: 8,
        itemHeight: 110, inRange: { color: ["#fbe4e2", "#e8897f", "#b3261e"] },
        formatter: function (v) { return pct(Math.round(v * 100) / 100); }
      },
      series: [{
        name: spec.series[0].name, type: "map", map: spec.map, nameProperty: "code", roam: true, showLegendSymbol: false,
        top: 8, bottom: 8, data: data, selectedMode: false,
        label: { show: true, fontSize: 11, color: "#1f2328", textBorderColor: "#ffffff", textBorderWidth: 2, formatter: function (p) { return nameOf(p); } },
        itemStyle: { areaColor: "#e3e6e8", borderColor: "#ffffff", borderWidth: 1 },
        emphasis: { label: { show: true }, itemStyle: { areaColor: "#f2c14e" } }
      }]
    };
  }

  function option(spec, width) {
    var o = spec.kind === "funnel" ? funnel(spec) : spec.kind === "map" ? choropleth(spec) : cartesian(spec, width);
    o.color = spec.palette;
    if (spec.kind !== "map") o.legend = { top: 0, type: "scroll" };
    o.textStyle = { fontFamily: getComputedStyle(document.body).fontFamily };
    o.animation = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    return o;
  }

  function draw(el) {
    var block = document.getElementById(el.getAttribute("data-chart"));
    if (!block) return;
    var spec = JSON.parse(block.textContent);
    if (spec.horizontal) {
      // one band per category: a long list of villages gets a taller chart instead of unreadable labels
      var wanted = Math.max(spec.categories.length * spec.series.length * 7 + spec.categories.length * 8 + 70, el.clientHeight);
      el.style.height = wanted + "px";
    }
    if (spec.kind === "map") { drawMap(el, spec); return; }
    show(el, spec);
  }

  function show(el, spec) {
    var chart = window.echarts.init(el, null, { renderer: "canvas", locale: english ? "EN" : "ZH" });
    chart.setOption(option(spec, el.clientWidth));
    el.setAttribute("data-chart-drawn", "");
    drawn.push(chart);
  }

  function drawMap(el, spec) {
    // the outlines can be large: fetched once from this server (cached), not put in the page
    fetch(spec.geo_url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status + " " + spec.geo_url); return r.json(); })
      .then(function (geo) {
        window.echarts.registerMap(spec.map, geo);
        show(el, spec);
      })
      .catch(function () { tableInstead(el); });
  }

  function tableInstead(el) {
    el.hidden = true;
    var table = el.parentNode.querySelector("details.chart-table");
    if (table) table.open = true;
  }

  function start() {
    var boxes = document.querySelectorAll("div[data-chart]");
    if (!boxes.length) return;
    if (!window.echarts) {
      // the library did not load: show the tables instead of empty boxes
      boxes.forEach(tableInstead);
      return;
    }
    boxes.forEach(draw);
    var pending = null;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () { drawn.forEach(function (c) { c.resize(); }); }, 150);
    });
    // a phone turned changes the box sizes
    window.addEventListener("orientationchange", function () { drawn.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
