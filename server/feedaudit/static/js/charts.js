// Shared drawing for the figure pages: Plotly (window.Plotly, from /vendor/plotly.min.js) in the page's colours.
// The server sends chart data with every string already HTML-escaped (Plotly renders HTML in labels).

const DARK = window.matchMedia("(prefers-color-scheme: dark)");

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// The page's colours, read from CSS so charts follow light and dark mode.
export function colors() {
  return { fg: cssVar("--fg"), muted: cssVar("--muted"), grid: cssVar("--grid"), accent: cssVar("--accent"), bg: cssVar("--bg") };
}

export function baseLayout(extra = {}) {
  const c = colors();
  const axis = { gridcolor: c.grid, zerolinecolor: c.grid, linecolor: c.grid, color: c.fg, automargin: true };
  return {
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: { family: "system-ui, sans-serif", size: 13, color: c.fg },
    margin: { l: 10, r: 10, t: 10, b: 10 },
    hoverlabel: { font: { family: "system-ui, sans-serif" } },
    legend: { orientation: "h", y: -0.15, font: { color: c.fg } },
    ...extra,
    xaxis: { ...axis, ...(extra.xaxis ?? {}) },
    yaxis: { ...axis, ...(extra.yaxis ?? {}) },
  };
}

const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"] };

// Draws into the element with this id (nothing when it is missing or Plotly failed to load).
export function draw(id, traces, layout = {}) {
  const node = document.getElementById(id);
  if (!node || !window.Plotly) return;
  window.Plotly.newPlot(node, traces, baseLayout(layout), CONFIG);
}

// Runs drawAll now and again when the person switches between light and dark mode.
export function drawPage(drawAll) {
  drawAll();
  DARK.addEventListener("change", drawAll);
}

// A reference line (e.g. "1× = as often as overall") across the whole x or y range.
export function referenceLine(axis, value) {
  const c = colors();
  const line = { color: c.muted, width: 1, dash: "dot" };
  return axis === "x"
    ? { type: "line", xref: "x", yref: "paper", x0: value, x1: value, y0: 0, y1: 1, line }
    : { type: "line", xref: "paper", yref: "y", x0: 0, x1: 1, y0: value, y1: value, line };
}
