// Feed explorer: search and filter the items seen, rate them, correct their category, show similar items.
import { api, pageData } from "./api.js";
import { duration, el, percent, problem, say } from "./dom.js";

const data = pageData("explorer-data");
const form = document.getElementById("explorer-filters");
const results = document.getElementById("explorer-results");
const status = document.getElementById("explorer-status");
const pager = document.getElementById("explorer-pager");
const FILTERS = ["q", "platform", "category", "from", "to", "sponsored", "clickbait", "rated"];
let currentPage = 1;

// Only http(s) addresses become links; anything else (javascript:, data:…) stays plain text.
function webLink(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

function fillSelects() {
  for (const platform of data.platforms) form.platform.append(el("option", { value: platform }, platform));
  const named = data.categories.map((c) => el("option", { value: c.id }, c.name));
  form.category.insertBefore(el("optgroup", { label: "Topics" }, named), form.category.options[1]);
}

function queryFromForm() {
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const value = form.elements[name].value.trim();
    if (value) params.set(name, value);
  }
  if (currentPage > 1) params.set("page", currentPage);
  return params;
}

function formFromQuery(params) {
  for (const name of FILTERS) form.elements[name].value = params.get(name) ?? "";
  currentPage = Math.max(1, parseInt(params.get("page") ?? "1", 10) || 1);
}

async function load() {
  const params = queryFromForm();
  history.replaceState(null, "", params.size ? `?${params}` : location.pathname);
  say(status, "Searching…");
  results.setAttribute("aria-busy", "true");
  try {
    const answer = await api(`/api/v1/explorer/items?${params}`);
    render(answer);
  } catch (error) {
    say(status, problem(error, "search the items"), "error");
    results.replaceChildren();
    pager.hidden = true;
  } finally {
    results.removeAttribute("aria-busy");
  }
}

function render(answer) {
  results.replaceChildren(...answer.items.map(itemCard));
  if (answer.total === 0) {
    say(status, "No item matches these filters. Widen the dates or clear a filter.");
  } else {
    const first = (answer.page - 1) * answer.per_page + 1;
    const last = first + answer.items.length - 1;
    say(status, `${answer.total.toLocaleString()} items match; showing ${first}–${last}, most recently seen first (times in ${answer.tz}).`);
  }
  pager.hidden = answer.pages <= 1;
  document.getElementById("pager-position").textContent = `Page ${answer.page} of ${answer.pages}`;
  document.getElementById("pager-previous").disabled = answer.page <= 1;
  document.getElementById("pager-next").disabled = answer.page >= answer.pages;
}

function titleNode(item) {
  const title = item.title || item.text || "(no title captured)";
  const link = webLink(item.link);
  return link ? el("a", { href: link, rel: "noopener noreferrer", target: "_blank" }, title) : el("span", {}, title);
}

function categoryText(item) {
  if (!item.category) return "Not categorized yet";
  if (item.category_corrected) return `${item.category} (your correction)`;
  if (item.second_category && item.category_margin !== null) {
    return `${item.category} (runner-up: ${item.second_category}, margin ${item.category_margin.toFixed(2)})`;
  }
  return item.category;
}

function metaLine(item) {
  const parts = [el("span", { className: "platform" }, item.platform)];
  if (item.author) parts.push(el("span", {}, item.author));
  parts.push(el("span", {}, categoryText(item)));
  if (item.clickbait !== null) {
    const reason = item.clickbait_reason ? ` (${item.clickbait_reason})` : "";
    parts.push(el("span", { className: item.clickbait >= 0.5 ? "badge warn" : "" }, `clickbait ${percent(item.clickbait)}${reason}`));
  }
  if (item.sponsored) parts.push(el("span", { className: "badge" }, "Sponsored"));
  if (item.rating) parts.push(el("span", { className: `badge ${item.rating === "valued" ? "good" : "bad"}` },
    item.rating === "valued" ? "✓ you valued this" : "✗ you regretted this"));
  return el("p", { className: "meta" }, parts);
}

function figures(item) {
  const pairs = [
    ["Shown", `${item.impressions}×`], ["Time on screen", duration(item.dwell_ms)], ["Clicks", item.clicks ?? 0],
    ["Best rank", item.best_rank ?? "–"], ["Mean rank", item.mean_rank ?? "–"],
    ["First seen", item.first_seen ?? "–"], ["Last seen", item.last_seen ?? "–"],
  ];
  return el("dl", { className: "item-figures" }, pairs.map(([term, value]) => el("div", {}, el("dt", {}, term), el("dd", {}, value))));
}

function itemCard(item, index) {
  const id = `item-${currentPage}-${index}`;
  const note = el("p", { className: "status", role: "status", "aria-live": "polite" });
  return el("article", { className: "item", "aria-labelledby": `${id}-title` },
    el("h2", { id: `${id}-title`, className: "item-title" }, titleNode(item)),
    metaLine(item),
    item.title && item.text ? el("p", { className: "excerpt" }, item.text) : null,
    figures(item),
    actions(item, id, note),
    note);
}

function actions(item, id, note) {
  const rate = (rating) => async () => {
    try {
      await api("/api/v1/ratings", { method: "POST", body: { item_key: item.key, rating } });
      item.rating = rating;
      for (const button of ratingButtons) button.setAttribute("aria-pressed", String(button.dataset.rating === String(rating)));
      say(note, rating ? `Rated ${rating}.` : "Rating cleared.", "ok");
    } catch (error) {
      say(note, problem(error, "save the rating"), "error");
    }
  };
  const ratingButtons = [
    el("button", { type: "button", dataset: { rating: "valued" }, "aria-pressed": String(item.rating === "valued"), onclick: rate("valued") }, "✓ Valued"),
    el("button", { type: "button", dataset: { rating: "regretted" }, "aria-pressed": String(item.rating === "regretted"), onclick: rate("regretted") }, "✗ Regretted"),
    el("button", { type: "button", dataset: { rating: "null" }, onclick: rate(null) }, "Clear rating"),
  ];
  const select = el("select", { id: `${id}-category` },
    data.categories.map((c) => el("option", { value: c.id, selected: c.id === item.category_id }, c.name)));
  const correct = el("button", { type: "button", onclick: async () => {
    try {
      const categoryId = Number(select.value);
      await api("/api/v1/corrections", { method: "POST", body: { item_key: item.key, category_id: categoryId } });
      say(note, `Category corrected to ${select.selectedOptions[0].textContent}. Similar items will follow once re-categorized.`, "ok");
    } catch (error) {
      say(note, problem(error, "correct the category"), "error");
    }
  } }, "Correct category");
  const similarList = el("div", { className: "similar", id: `${id}-similar`, hidden: true });
  const similarButton = el("button", { type: "button", "aria-expanded": "false", "aria-controls": `${id}-similar`,
    onclick: () => toggleSimilar(item, similarButton, similarList) }, "Similar items");
  return el("div", { className: "actions" },
    el("div", { role: "group", "aria-label": "Rate this item", className: "rating" }, ratingButtons),
    el("div", { className: "correction" }, el("label", { for: `${id}-category` }, "Category"), select, correct),
    similarButton,
    similarList);
}

async function toggleSimilar(item, button, list) {
  const open = button.getAttribute("aria-expanded") === "true";
  button.setAttribute("aria-expanded", String(!open));
  list.hidden = open;
  if (open || list.childElementCount) return;
  list.append(el("p", { className: "status" }, "Finding similar items…"));
  try {
    const answer = await api(`/api/v1/explorer/similar?${new URLSearchParams({ key: item.key, limit: 8 })}`);
    if (!answer.items.length) {
      list.replaceChildren(el("p", {}, answer.reason ?? "No similar item found."));
      return;
    }
    list.replaceChildren(
      el("h3", {}, "Nearest by meaning"),
      el("ol", {}, answer.items.map((other) => el("li", {},
        titleNode(other), " ",
        el("span", { className: "muted" }, `${other.platform} · ${other.category ?? "not categorized"} · ${other.similarity >= 0.999 ? "same text" : `similarity ${percent(other.similarity)}`} · shown ${other.impressions}×`)))));
  } catch (error) {
    list.replaceChildren(el("p", { className: "status", dataset: { kind: "error" } }, problem(error, "find similar items")));
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  currentPage = 1;
  load();
});
form.addEventListener("reset", () => setTimeout(() => { currentPage = 1; load(); }));
document.getElementById("pager-previous").addEventListener("click", () => { currentPage -= 1; load(); });
document.getElementById("pager-next").addEventListener("click", () => { currentPage += 1; load(); });

fillSelects();
formFromQuery(new URLSearchParams(location.search));
load();
