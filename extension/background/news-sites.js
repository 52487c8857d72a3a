// The opt-in news definition runs only on origins the user enabled (and granted
// host permission for): the content script is registered for exactly those.
import { api } from "../common/util.js";

const SCRIPT_ID = "feedaudit-news-sites";

export async function syncNewsSiteScripts(newsSites) {
  const granted = [];
  for (const origin of newsSites ?? []) {
    const pattern = `${origin}/*`;
    if (await api.permissions.contains({ origins: [pattern] })) granted.push(pattern);
  }
  const existing = await api.scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID] });
  if (existing.length > 0) await api.scripting.unregisterContentScripts({ ids: [SCRIPT_ID] });
  if (granted.length === 0) return;
  await api.scripting.registerContentScripts([
    { id: SCRIPT_ID, matches: granted, js: contentScriptFiles(), runAt: "document_idle", persistAcrossSessions: true },
  ]);
}

// The same plain scripts, in the same order, as the built-in platforms' (manifest.json).
function contentScriptFiles() {
  return api.runtime.getManifest().content_scripts[0].js;
}
