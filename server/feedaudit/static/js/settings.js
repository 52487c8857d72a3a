// Settings: the taxonomy, platforms on/off, raw HTML retention, deleting data, pairing the extension.
import { api, pageData } from "./api.js";
import { el, problem, say } from "./dom.js";

const data = pageData("settings-data");
const POLL_MS = 2000;

// --- topics ---
const categoryRows = document.getElementById("category-rows");
const taxonomyStatus = document.getElementById("taxonomy-status");
const recategorizing = document.getElementById("recategorizing");

function categoryRow(category) {
  const id = `category-${category.id}`;
  const name = el("input", { id: `${id}-name`, value: category.name, maxlength: 60, required: true });
  const description = el("textarea", { id: `${id}-description`, rows: 3, maxlength: 500, required: true });
  description.value = category.description;
  const save = el("button", { type: "button", onclick: async () => {
    try {
      const answer = await api(`/api/v1/categories/${category.id}`, { method: "PATCH", body: { name: name.value, description: description.value } });
      Object.assign(category, answer.category);
      say(taxonomyStatus, `Saved "${answer.category.name}". Items are being re-categorized in the background.`, "ok");
      watchRecategorizing();
    } catch (error) {
      say(taxonomyStatus, problem(error, `save "${category.name}"`), "error");
    }
  } }, "Save");
  const remove = el("button", { type: "button", className: "danger", onclick: async () => {
    try {
      await api(`/api/v1/categories/${category.id}`, { method: "DELETE" });
      row.remove();
      say(taxonomyStatus, `Removed "${category.name}". Its items are being re-categorized among the other topics.`, "ok");
      watchRecategorizing();
    } catch (error) {
      say(taxonomyStatus, problem(error, `remove "${category.name}"`), "error");
    }
  } }, "Remove");
  const row = el("tr", { dataset: { categoryId: category.id } },
    el("td", {}, el("label", { for: name.id, className: "visually-hidden" }, `Name of topic ${category.name}`), name),
    el("td", {}, el("label", { for: description.id, className: "visually-hidden" }, `Description of ${category.name}`), description),
    el("td", { className: "number" }, category.items ?? 0),
    el("td", { className: "row-actions" }, save, remove));
  return row;
}

document.getElementById("add-category").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  try {
    const name = document.getElementById("new-category-name").value;
    const description = document.getElementById("new-category-description").value;
    const answer = await api("/api/v1/categories", { method: "POST", body: { name, description } });
    categoryRows.append(categoryRow(answer.category));
    form.reset();
    say(taxonomyStatus, `Added "${answer.category.name}". Items are being re-categorized in the background.`, "ok");
    watchRecategorizing();
  } catch (error) {
    say(taxonomyStatus, problem(error, "add the topic"), "error");
  }
});

let polling = null;
function showRecategorizing(pending) {
  if (pending > 0) say(recategorizing, `Re-categorizing in the background: ${pending.toLocaleString()} items to go…`);
  else say(recategorizing, "All items are categorized under the current topics.", "ok");
}

function watchRecategorizing() {
  if (polling) return;
  const poll = async () => {
    try {
      const status = await api("/api/v1/status");
      const pending = status.understanding.categorize;
      showRecategorizing(pending);
      polling = pending > 0 ? setTimeout(poll, POLL_MS) : null;
    } catch (error) {
      say(recategorizing, problem(error, "read the re-categorizing progress"), "error");
      polling = null;
    }
  };
  polling = setTimeout(poll, 300);
}

// --- platforms and retention ---
document.getElementById("platforms-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const node = document.getElementById("platforms-status");
  const disabled = [...event.currentTarget.querySelectorAll("input[name=platform]")].filter((box) => !box.checked).map((box) => box.value);
  try {
    await api("/api/v1/settings", { method: "PATCH", body: { disabled_platforms: disabled } });
    say(node, disabled.length ? `Saved. Not recording: ${disabled.join(", ")}.` : "Saved. Recording every platform.", "ok");
  } catch (error) {
    say(node, problem(error, "save the platforms"), "error");
  }
});

const retentionForm = document.getElementById("retention-form");
const syncRetention = () => { retentionForm.days.disabled = retentionForm.forever.checked; };
retentionForm.forever.addEventListener("change", syncRetention);
syncRetention();
retentionForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const node = document.getElementById("retention-status");
  const days = retentionForm.forever.checked ? null : Number(retentionForm.days.value);
  if (days !== null && !(Number.isInteger(days) && days >= 1)) {
    say(node, "Enter a whole number of days (1 or more), or tick “Keep raw HTML forever”.", "error");
    return;
  }
  try {
    await api("/api/v1/settings", { method: "PATCH", body: { html_retention_days: days } });
    say(node, days === null ? "Saved. Raw HTML is kept forever." : `Saved. Raw HTML older than ${days} days is removed in the background.`, "ok");
  } catch (error) {
    say(node, problem(error, "save the retention"), "error");
  }
});

// --- deleting data: count first (dry run), then confirm ---
const deleteForm = document.getElementById("delete-form");
const confirmBox = document.getElementById("delete-confirm");
const deleteStatus = document.getElementById("delete-status");
const COUNT_LABELS = { impressions: "items shown (impressions)", dwell: "time-on-screen records", clicks: "clicks",
  views: "pages read or watched", sessions: "feed sessions", items: "items", embeddings: "embeddings" };
let pendingDeletion = null;

function deletionBody(dryRun) {
  const body = { from: deleteForm.from.value, to: deleteForm.to.value, dry_run: dryRun };
  if (deleteForm.platform.value) body.platform = deleteForm.platform.value;
  return body;
}

function describeRange(body) {
  const where = body.platform ? ` on ${deleteForm.platform.selectedOptions[0].textContent}` : " on every platform";
  const days = body.from === body.to ? body.from : `${body.from} to ${body.to}`;
  return `${days} (${data.tz})${where}`;
}

deleteForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (deleteForm.from.value && deleteForm.to.value && deleteForm.to.value < deleteForm.from.value) {
    say(deleteStatus, "The last day is before the first day: swap them and count again.", "error");
    return;
  }
  try {
    const body = deletionBody(true);
    const answer = await api("/api/v1/deletions", { method: "POST", body });
    pendingDeletion = deletionBody(false);
    const total = Object.values(answer.counts).reduce((a, b) => a + b, 0);
    document.getElementById("delete-summary").textContent = total
      ? `This deletes, for ${describeRange(body)}:`
      : `Nothing was recorded for ${describeRange(body)}.`;
    const names = [...Object.keys(COUNT_LABELS).filter((name) => name in answer.counts),
      ...Object.keys(answer.counts).filter((name) => !(name in COUNT_LABELS))];
    document.getElementById("delete-counts").replaceChildren(...names
      .map((name) => el("li", {}, el("strong", {}, answer.counts[name].toLocaleString()), ` ${COUNT_LABELS[name] ?? name}`)));
    document.getElementById("delete-now").hidden = total === 0;
    confirmBox.hidden = false;
    say(deleteStatus, "");
    (total ? document.getElementById("delete-now") : document.getElementById("delete-cancel")).focus();
  } catch (error) {
    say(deleteStatus, problem(error, "count what would be deleted"), "error");
  }
});

document.getElementById("delete-cancel").addEventListener("click", () => {
  confirmBox.hidden = true;
  pendingDeletion = null;
  say(deleteStatus, "Nothing was deleted.");
});

document.getElementById("delete-now").addEventListener("click", async () => {
  if (!pendingDeletion) return;
  try {
    const answer = await api("/api/v1/deletions", { method: "POST", body: pendingDeletion });
    confirmBox.hidden = true;
    say(deleteStatus, `Deleted ${answer.counts.impressions.toLocaleString()} impressions and ${answer.counts.items.toLocaleString()} items for ${describeRange(pendingDeletion)}.`, "ok");
    pendingDeletion = null;
  } catch (error) {
    say(deleteStatus, problem(error, "delete the data"), "error");
  }
});

// --- pairing ---
const tokenNode = document.getElementById("pairing-token");
const revealButton = document.getElementById("reveal-token");
const pairingStatus = document.getElementById("pairing-status");
let token = null;

async function fetchToken() {
  token ??= (await api("/api/v1/pairing")).token;
  return token;
}

revealButton.addEventListener("click", async () => {
  const shown = revealButton.getAttribute("aria-expanded") === "true";
  try {
    tokenNode.textContent = shown ? "••••••••••••••••" : await fetchToken();
    revealButton.setAttribute("aria-expanded", String(!shown));
    revealButton.textContent = shown ? "Reveal token" : "Hide token";
  } catch (error) {
    say(pairingStatus, problem(error, "read the token"), "error");
  }
});

document.getElementById("copy-token").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(await fetchToken());
    say(pairingStatus, "Token copied: paste it into the extension's options page.", "ok");
  } catch (error) {
    say(pairingStatus, error instanceof DOMException
      ? "The browser did not allow copying: press “Reveal token” and copy it by hand."
      : problem(error, "read the token"), "error");
  }
});

categoryRows.replaceChildren(...data.categories.map(categoryRow));
showRecategorizing(data.understanding.categorize);
if (data.understanding.categorize > 0) watchRecategorizing();
