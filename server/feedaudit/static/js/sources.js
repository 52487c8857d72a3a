// Sources: the top sources' share of items shown and of attention.
import { pageData } from "./api.js";
import { draw, drawPage } from "./charts.js";

const data = pageData("sources-data");

function drawSources() {
  const bar = (name, values, color) => ({
    type: "bar", orientation: "h", name, y: data.sources, x: values, marker: { color },
    hovertemplate: `%{y}: %{x:.1%} ${name.toLowerCase()}<extra></extra>`,
  });
  draw("sources-chart", [bar("Shown", data.exposure, "#0072B2"), bar("Attention", data.attention, "#E69F00")], {
    barmode: "group", bargap: 0.25,
    xaxis: { tickformat: ".1%", rangemode: "tozero", title: { text: "share" } },
    yaxis: { autorange: "reversed" },
    legend: { orientation: "h", y: 1.02, yanchor: "bottom", x: 0 },
  });
}

if (data && data.sources.length) drawPage(drawSources);
