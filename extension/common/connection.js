// Is the configured server reachable, and does it accept our token? Used by the
// popup and the options page (extension pages may call the local server directly).

const TIMEOUT_MS = 5000;

async function getJson(url, headers = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    const response = await fetch(url, { headers, signal: controller.signal, credentials: "omit" });
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    return { status: response.status, body };
  } catch (error) {
    return { status: 0, body: null, error: String(error?.message ?? error) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * {state, message, today?}: state is "connected", "not-paired", "server-down",
 * "not-feedaudit", "wrong-token" or "error".
 */
export async function checkConnection(serverUrl, token) {
  const health = await getJson(`${serverUrl}/api/v1/health`);
  if (health.status === 0) return { state: "server-down", message: `No Feed Audit server answers at ${serverUrl}. Start it with: feedaudit serve` };
  if (health.status !== 200 || health.body?.name !== "feedaudit") {
    return { state: "not-feedaudit", message: `${serverUrl} answers, but it is not a Feed Audit server.` };
  }
  if (!token) return { state: "not-paired", message: "Server found. Paste the token printed by: feedaudit token" };
  const status = await getJson(`${serverUrl}/api/v1/status`, { Authorization: `Bearer ${token}` });
  if (status.status === 401) return { state: "wrong-token", message: "The server refused this token. Copy it again from: feedaudit token" };
  if (status.status !== 200) return { state: "error", message: `The server answered HTTP ${status.status}: ${status.body?.error ?? ""}` };
  return { state: "connected", message: `Connected to Feed Audit ${health.body.version ?? ""} at ${serverUrl}.`, today: status.body.today ?? null };
}
