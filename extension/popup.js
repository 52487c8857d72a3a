import { api } from "./common/util.js";
import { loadSettings, saveSettings } from "./common/settings.js";
import { checkConnection } from "./common/connection.js";

const $ = (id) => document.getElementById(id);

async function render() {
  const settings = await loadSettings();
  $("paused").checked = settings.paused;
  $("report").href = `${settings.serverUrl}/`;
  const status = await api.runtime.sendMessage({ kind: "status" });
  if (status?.ok) {
    $("queued").textContent = String(status.queue.length);
    $("dropped").textContent = String(status.queue.dropped);
    $("rejected").textContent = String(status.queue.rejected);
  }
  const connection = await checkConnection(settings.serverUrl, settings.token);
  $("connection").dataset.state = connection.state;
  $("connection").textContent = connection.message;
  if (connection.today) {
    const { impressions = 0, clicks = 0, views = 0 } = connection.today;
    $("today").textContent = `${impressions} impressions, ${clicks} clicks, ${views} views`;
  }
  if (connection.state === "connected") await showLastExport(settings);
}

// When the newest weekly summary file was written (GET /api/v1/status → last_export), as text.
async function showLastExport(settings) {
  try {
    const response = await fetch(`${settings.serverUrl}/api/v1/status`, {
      headers: { Authorization: `Bearer ${settings.token}` }, credentials: "omit",
    });
    const last = response.ok ? (await response.json()).last_export : null;
    $("last-export").textContent = last
      ? `${last.week} (${last.format}), written ${new Date(last.written_ms).toLocaleString()}`
      : "none yet";
  } catch {
    $("last-export").textContent = "–";
  }
}

$("paused").addEventListener("change", async (event) => {
  await saveSettings({ paused: event.target.checked });
});
$("options").addEventListener("click", (event) => {
  event.preventDefault();
  api.runtime.openOptionsPage();
});

render();
