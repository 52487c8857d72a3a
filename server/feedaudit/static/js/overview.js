// Overview: the effective number of topics over the last weeks.
import { pageData } from "./api.js";
import { colors, draw, drawPage } from "./charts.js";

const data = pageData("overview-data");

function drawTrend() {
  const c = colors();
  const trend = data.trend;
  draw("trend-chart", [{
    type: "scatter",
    mode: "lines+markers",
    x: trend.weeks,
    y: trend.values,
    connectgaps: false,
    line: { color: c.accent, width: 3 },
    marker: { size: 8, color: c.accent },
    hovertemplate: "%{x}: %{y:.1f} topics<extra></extra>",
  }], {
    xaxis: { type: "category", title: { text: "ISO week" } },
    yaxis: { rangemode: "tozero", range: [0, data.taxonomy_size], title: { text: "effective topics" } },
    margin: { l: 10, r: 10, t: 10, b: 10 },
  });
}

if (data) drawPage(drawTrend);
