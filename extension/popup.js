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
}

$("paused").addEventListener("change", async (event) => {
  await saveSettings({ paused: event.target.checked });
});
$("options").addEventListener("click", (event) => {
  event.preventDefault();
  api.runtime.openOptionsPage();
});

render();
