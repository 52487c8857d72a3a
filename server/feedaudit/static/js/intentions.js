// Intentions: set a desired share per category and see the gap between intended and actual exposure.
import { api, pageData } from "./api.js";
import { el, percent, problem, say } from "./dom.js";

let figures = pageData("intentions-data");
const rows = document.getElementById("gap-rows");
const status = document.getElementById("intentions-status");
const VALUE_KINDS = new Set(["at_most", "at_least", "exactly"]);

function calibrationText() {
  if (figures.from_ms === null) return "No data yet: once your feeds have been recorded, the gap shows here.";
  if (figures.calibration_kl === null) return "Set an intention below to see how far your feeds are from it.";
  return `Calibration gap (KL divergence): ${figures.calibration_kl.toFixed(3)} over ${figures.from} to ${figures.to}.`;
}

// A horizontal bar whose width is the share (set through the CSSOM: the CSP forbids inline style attributes).
function bar(share, kind, label) {
  const fill = el("span", { className: `fill ${kind}` });
  fill.style.width = `${Math.min(100, Math.max(0, (share ?? 0) * 100))}%`;
  return el("div", { className: "bar" }, fill, el("span", { className: "bar-label" }, label));
}

function gapText(row) {
  if (row.gap === null) return "–";
  const points = Math.round(row.gap * 1000) / 10;
  if (Math.abs(points) < 0.5) return "on target";
  return points > 0 ? `${points} points too little` : `${-points} points too much`;
}

function editor(row) {
  const id = `intention-${row.category_id}`;
  const kind = el("select", { id: `${id}-kind` },
    el("option", { value: "" }, "no intention"),
    Object.entries(figures.kinds).map(([value, label]) => el("option", { value, selected: row.kind === value }, label)));
  const value = el("input", { id: `${id}-value`, type: "number", min: 0, max: 100, step: 1, inputmode: "numeric",
    value: row.value === null || row.value === undefined ? "" : Math.round(row.value * 100) });
  const valueField = el("span", { className: "value-field" }, value, el("span", { "aria-hidden": "true" }, "%"));
  const syncValue = () => { valueField.hidden = !VALUE_KINDS.has(kind.value); };
  kind.addEventListener("change", syncValue);
  syncValue();
  const save = el("button", { type: "button", onclick: () => saveIntention(row, kind.value, value.value) }, "Save");
  return el("div", { className: "intention-editor" },
    el("label", { for: `${id}-kind`, className: "visually-hidden" }, `Intention for ${row.category}`), kind,
    el("label", { for: `${id}-value`, className: "visually-hidden" }, `Share for ${row.category}, in percent`), valueField,
    save);
}

async function saveIntention(row, kind, rawValue) {
  try {
    if (!kind) {
      await api(`/api/v1/intentions/${row.category_id}`, { method: "DELETE" });
    } else {
      const body = { kind };
      if (VALUE_KINDS.has(kind)) {
        const share = Number(rawValue) / 100;
        if (rawValue === "" || !(share >= 0 && share <= 1)) {
          say(status, `Give ${row.category} a share between 0 and 100%.`, "error");
          return;
        }
        body.value = share;
      }
      await api(`/api/v1/intentions/${row.category_id}`, { method: "PUT", body });
    }
    figures = await api(`/api/v1/intention-gap?days=${figures.days}`);
    render();
    document.getElementById(`intention-${row.category_id}-kind`)?.focus();  // the row was redrawn: keep the keyboard place
    say(status, kind ? `Saved your intention for ${row.category}.` : `Cleared your intention for ${row.category}.`, "ok");
  } catch (error) {
    say(status, problem(error, `save the intention for ${row.category}`), "error");
  }
}

function render() {
  document.getElementById("calibration").textContent = calibrationText();
  rows.replaceChildren(...figures.rows.map((row) => el("tr", {},
    el("th", { scope: "row" }, row.category),
    el("td", { className: "bars" },
      bar(row.exposed, "exposed", `shown ${percent(row.exposed, 1)}`),
      row.intended === null ? null : bar(row.intended, "intended", `intended ${percent(row.intended, 1)}`)),
    el("td", { className: row.gap === null ? "" : "gap" }, gapText(row)),
    el("td", {}, row.category_id === null ? el("span", { className: "muted" }, "not a topic") : editor(row)))));
}

render();
