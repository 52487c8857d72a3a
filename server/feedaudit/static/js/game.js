// The game: lift after engagement with 95% intervals, and top-3 placement per platform and category.
import { pageData } from "./api.js";
import { colors, draw, drawPage, referenceLine } from "./charts.js";

const data = pageData("game-data");

function drawLifts() {
  const lifts = data.lifts;
  if (!lifts.labels.length) return;
  const c = colors();
  draw("lift-chart", [{
    type: "scatter", mode: "markers", y: lifts.labels, x: lifts.mean,
    marker: { size: 10, color: c.accent },
    error_x: { type: "data", symmetric: false, color: c.fg, thickness: 1.5,
               array: lifts.high.map((h, i) => h - lifts.mean[i]), arrayminus: lifts.mean.map((m, i) => m - lifts.low[i]) },
    customdata: lifts.events,
    hovertemplate: "%{y}: %{x:+.1%} (from %{customdata} engagements)<extra></extra>",
  }], {
    xaxis: { tickformat: "+.0%", title: { text: "change in the category's share after an engagement" }, zeroline: true },
    yaxis: { autorange: "reversed" },
    shapes: [referenceLine("x", 0)],
    showlegend: false,
  });
}

function drawPlacement() {
  const placement = data.placement;
  if (!placement.platforms.length) return;
  const c = colors();
  // log2 so that 2× and 0.5× sit equally far from "as often as overall"; capped at 4× either way.
  const z = placement.ratios.map((row) => row.map((r) => (r === null ? null : Math.max(-2, Math.min(2, Math.log2(Math.max(r, 0.25)))))));
  const text = placement.ratios.map((row) => row.map((r) => (r === null ? "" : `${r.toFixed(1)}×`)));
  draw("placement-chart", [{
    type: "heatmap", x: placement.categories, y: placement.platforms, z, text, texttemplate: "%{text}",
    zmin: -2, zmax: 2, xgap: 2, ygap: 2,
    colorscale: [[0, "#0072B2"], [0.5, c.bg || "#ffffff"], [1, "#E69F00"]],
    colorbar: { tickvals: [-2, -1, 0, 1, 2], ticktext: ["¼×", "½×", "1×", "2×", "4×"], title: { text: "top 3" }, tickfont: { color: c.fg } },
    hovertemplate: "%{y}, %{x}: %{text} in the top 3<extra></extra>", hoverongaps: false,
  }], {
    xaxis: { tickangle: -35, showgrid: false },
    yaxis: { showgrid: false },
    margin: { l: 10, r: 10, t: 10, b: 10 },
  });
}

function drawAll() {
  drawLifts();
  drawPlacement();
}

if (data) drawPage(drawAll);
