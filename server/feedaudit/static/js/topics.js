// Topics: shown vs attention vs wanted, daily category shares, attention capture, top-3 placement.
import { pageData } from "./api.js";
import { draw, drawPage, referenceLine } from "./charts.js";

const data = pageData("topics-data");
const PERCENT = { tickformat: ".0%", rangemode: "tozero" };

// Three Okabe–Ito hues that stay distinct with every common colour-vision deficiency.
const SHOWN = "#0072B2", ATTENTION = "#E69F00", WANTED = "#009E73";

function drawShares() {
  const bar = (name, values, color) => ({
    type: "bar", orientation: "h", name, y: data.categories, x: values, marker: { color },
    hovertemplate: `%{y}: %{x:.1%} ${name.toLowerCase()}<extra></extra>`,
  });
  const traces = [bar("Shown", data.exposure, SHOWN), bar("Attention", data.attention, ATTENTION)];
  if (data.intended) traces.push(bar("Wanted", data.intended, WANTED));
  draw("shares-chart", traces, {
    barmode: "group", bargap: 0.25,
    xaxis: { ...PERCENT, title: { text: "share" } },
    yaxis: { autorange: "reversed" },
    legend: { orientation: "h", y: 1.02, yanchor: "bottom", x: 0 },
  });
}

function drawArea() {
  const area = data.area;
  const traces = area.series.map((series) => ({
    type: "scatter", mode: "lines", stackgroup: "shares", name: series.name,
    x: area.days, y: series.values, line: { width: 0.5, color: series.color },
    fillcolor: series.color, fillpattern: series.pattern ? { shape: series.pattern, size: 8, solidity: 0.3 } : undefined,
    hovertemplate: `${series.name}: %{y:.1%}<extra>%{x}</extra>`,
  }));
  draw("area-chart", traces, {
    xaxis: { type: "date", tickformat: "%a %e %b" },
    yaxis: { tickformat: ".0%", range: [0, 1] },
    legend: { orientation: "v", x: 1.02, y: 1, traceorder: "reversed" },
    margin: { l: 10, r: 10, t: 10, b: 10 },
  });
}

function drawRatio(id, values, what, color) {
  const shown = values.map((v) => (v === null ? 0 : v));
  draw(id, [{
    type: "bar", orientation: "h", y: data.categories, x: shown, marker: { color },
    customdata: values.map((v) => (v === null ? "no data" : `${v.toFixed(2)}×`)),
    hovertemplate: `%{y}: %{customdata} ${what}<extra></extra>`,
  }], {
    xaxis: { rangemode: "tozero", ticksuffix: "×", title: { text: "1× = in proportion" } },
    yaxis: { autorange: "reversed" },
    shapes: [referenceLine("x", 1)],
    showlegend: false,
  });
}

function drawAll() {
  drawShares();
  drawArea();
  drawRatio("capture-chart", data.capture, "attention per unit of exposure", ATTENTION);
  drawRatio("placement-chart", data.placement, "of its overall share, in the top 3", SHOWN);
}

if (data) drawPage(drawAll);
