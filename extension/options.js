import { api } from "./common/util.js";
import { loadSettings, saveSettings, validateServerUrl, isPlatformEnabled } from "./common/settings.js";
import { checkConnection } from "./common/connection.js";

const $ = (id) => document.getElementById(id);

function showConnection(result) {
  $("connection-status").dataset.state = result.state;
  $("connection-status").textContent = result.message;
}

/** Store server and token (from the form or the page's query) and report whether they work. */
async function pair(serverText, token) {
  const server = validateServerUrl(serverText);
  if (!server.ok) {
    showConnection({ state: "invalid", message: `Not saved: ${server.error}.` });
    return;
  }
  const settings = await saveSettings({ serverUrl: server.url, token: token.trim() });
  $("server").value = settings.serverUrl;
  $("token").value = settings.token;
  showConnection(await checkConnection(settings.serverUrl, settings.token));
}

function platformSwitch(platform, settings) {
  const label = document.createElement("label");
  const box = document.createElement("input");
  box.type = "checkbox";
  box.id = `platform-${platform.id}`;
  box.checked = isPlatformEnabled(settings, platform.id);
  box.addEventListener("change", async () => {
    const current = await loadSettings();
    await saveSettings({ platforms: { ...current.platforms, [platform.id]: box.checked } });
  });
  label.append(box, ` ${platform.id === "news" ? "News sites listed below" : platform.name.replace(/ \(.*\)$/, "")}`);
  return label;
}

async function renderPlatforms(settings) {
  const sites = await (await fetch(api.runtime.getURL("sites.json"))).json();
  const seen = new Set();
  const container = $("platforms");
  container.replaceChildren();
  for (const platform of sites.platforms) {
    if (seen.has(platform.id)) continue; // reddit: old and new UI share one switch
    seen.add(platform.id);
    container.append(platformSwitch(platform, settings));
  }
}

function renderNewsSites(settings) {
  const list = $("news-sites");
  list.replaceChildren();
  for (const origin of settings.newsSites) {
    const item = document.createElement("li");
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "Remove";
    remove.addEventListener("click", async () => {
      const current = await loadSettings();
      const next = await saveSettings({ newsSites: current.newsSites.filter((site) => site !== origin) });
      await api.permissions.remove({ origins: [`${origin}/*`] }).catch(() => false);
      renderNewsSites(next);
    });
    item.append(`${origin} `, remove);
    list.append(item);
  }
}

async function addNewsSite(text) {
  let origin;
  try {
    origin = new URL(text.trim()).origin;
  } catch {
    $("news-status").textContent = "Enter the site's address, e.g. https://www.example-news.com";
    return;
  }
  // Must run inside the click's user gesture: ask before any other await.
  const granted = await api.permissions.request({ origins: [`${origin}/*`] });
  if (!granted) {
    $("news-status").textContent = `Permission for ${origin} was not granted; nothing changed.`;
    return;
  }
  const current = await loadSettings();
  const next = await saveSettings({ newsSites: [...new Set([...current.newsSites, origin])] });
  $("news-status").textContent = `Recording headlines on ${origin}.`;
  renderNewsSites(next);
}

async function init() {
  const query = new URLSearchParams(location.search);
  let settings = await loadSettings();
  $("server").value = settings.serverUrl;
  $("token").value = settings.token;
  $("paused").checked = settings.paused;
  $("paused").addEventListener("change", () => saveSettings({ paused: $("paused").checked }));
  $("pairing").addEventListener("submit", (event) => {
    event.preventDefault();
    pair($("server").value, $("token").value);
  });
  $("add-news-site").addEventListener("submit", (event) => {
    event.preventDefault();
    addNewsSite($("news-site").value);
  });
  if (query.has("server") || query.has("token")) {
    await pair(query.get("server") ?? settings.serverUrl, query.get("token") ?? settings.token);
    settings = await loadSettings();
  } else {
    showConnection(await checkConnection(settings.serverUrl, settings.token));
  }
  await renderPlatforms(settings);
  renderNewsSites(settings);
}

init();
