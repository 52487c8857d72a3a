// Map: the period's items placed by embedding (PCA), one trace per category, sized by time in view.
import { pageData } from "./api.js";
import { colors, draw, drawPage } from "./charts.js";

const data = pageData("map-data");

function drawMap() {
  const c = colors();
  const traces = data.traces.map((trace) => ({
    type: "scatter",  // SVG: a few thousand points draw fine and need no WebGL
    mode: "markers", name: trace.name, x: trace.x, y: trace.y, hovertext: trace.text, hoverinfo: "text",
    marker: { color: trace.color, symbol: trace.symbol, size: trace.size, opacity: 0.75, line: { width: 0.5, color: c.bg } },
  }));
  draw("map-chart", traces, {
    // The axes of a projection have no units: no ticks, no grid.
    xaxis: { showticklabels: false, showgrid: false, zeroline: false },
    yaxis: { showticklabels: false, showgrid: false, zeroline: false, scaleanchor: "x" },
    legend: { orientation: "v", x: 1.02, y: 1, itemsizing: "constant" },
    hovermode: "closest",
  });
}

if (data && data.traces.length) drawPage(drawMap);
