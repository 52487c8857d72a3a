// The Exports page: write a weekly summary on demand, then download it and refresh the list.
import { api } from "./api.js";

const form = document.getElementById("write-export");
const status = document.getElementById("export-status");

function say(message, kind = "") {
  status.textContent = message;
  status.dataset.kind = kind;
}

function localTime(ms) {
  return new Date(Number(ms)).toLocaleString();
}

function showTimes(root = document) {
  for (const node of root.querySelectorAll("time[data-ms]")) {
    node.dateTime = new Date(Number(node.dataset.ms)).toISOString();
    node.textContent = localTime(node.dataset.ms);
  }
}

function cell(text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.textContent = text;
  return td;
}

// Rebuilds the table from GET /api/v1/exports; every file name becomes text, never HTML.
function renderList(exports) {
  const table = document.getElementById("exports-table");
  const body = table.querySelector("tbody");
  body.replaceChildren(...exports.map((entry) => {
    const row = document.createElement("tr");
    const when = document.createElement("time");
    when.dataset.ms = entry.written_ms;
    const link = document.createElement("a");
    link.href = `/exports/${encodeURIComponent(entry.name)}`;
    link.setAttribute("download", "");
    link.textContent = entry.name;
    const whenCell = cell("");
    whenCell.append(when);
    const linkCell = cell("");
    linkCell.append(link);
    row.append(cell(entry.week), cell(entry.format), whenCell, cell(`${(entry.bytes / 1024).toFixed(1)} KiB`, "num"), linkCell);
    return row;
  }));
  table.hidden = exports.length === 0;
  document.getElementById("no-exports").hidden = exports.length !== 0;
  showTimes(table);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const week = form.elements.week.value.trim();
  const format = form.elements.format.value;
  const button = form.querySelector("button");
  button.disabled = true;
  say(`Writing the ${format.toUpperCase()} summary of ${week}… (this computes the whole week's audit)`);
  try {
    const written = await api("/api/v1/exports", { method: "POST", body: { week, format } });
    say(`Written: ${written.export.name}. Your browser downloads it now; it is also listed below.`, "ok");
    const listing = await api("/api/v1/exports");
    renderList(listing.exports);
    const download = document.createElement("a");
    download.href = written.download;
    download.setAttribute("download", "");
    document.body.append(download);
    download.click();
    download.remove();
  } catch (error) {
    say(`Could not write the summary: ${error.message}. Check the week (e.g. 2026-W48) and try again.`, "error");
  } finally {
    button.disabled = false;
  }
});

showTimes();
