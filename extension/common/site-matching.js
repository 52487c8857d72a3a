// Site definitions (sites.json) -> which platform, surface and view rule apply to a URL.
// Shared by the content script and the service worker.

const SCHEMES = { "*": "https?", http: "http", https: "https" };

function escapeRegex(text) {
  return text.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}

/** Compile a WebExtension match pattern into a RegExp over full URLs (null if malformed). */
export function matchPatternToRegExp(pattern) {
  if (pattern === "<all_urls>") return /^https?:\/\//;
  const parts = /^(\*|https?):\/\/([^/]+)(\/.*)$/.exec(pattern);
  if (!parts) return null;
  const [, scheme, host, path] = parts;
  let hostRegex;
  if (host === "*") hostRegex = "[^/]+";
  else if (host.startsWith("*.")) hostRegex = `(?:[^/]+\\.)?${escapeRegex(host.slice(2))}`;
  else hostRegex = escapeRegex(host);
  const pathRegex = path.split("*").map(escapeRegex).join(".*");
  return new RegExp(`^${SCHEMES[scheme]}://${hostRegex}(?::\\d+)?${pathRegex}$`);
}

export function urlMatchesPatterns(url, patterns) {
  return patterns.some((pattern) => matchPatternToRegExp(pattern)?.test(url) ?? false);
}

/** The platform definition for a URL: a built-in match, else the opt-in news definition for enabled origins. */
export function findPlatform(sites, url, enabledNewsOrigins = []) {
  const platforms = sites?.platforms ?? [];
  const builtIn = platforms.find((p) => !p.opt_in && urlMatchesPatterns(url, p.matches ?? []));
  if (builtIn) return builtIn;
  let origin;
  try {
    origin = new URL(url).origin;
  } catch {
    return null;
  }
  if (!enabledNewsOrigins.includes(origin)) return null;
  return platforms.find((p) => p.opt_in) ?? null;
}

function pathAndQuery(url) {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

function firstRuleMatching(rules, url) {
  const target = pathAndQuery(url);
  return (rules ?? []).find((rule) => {
    try {
      return new RegExp(rule.url).test(target);
    } catch {
      return false;
    }
  }) ?? null;
}

/** First surface whose `url` regex matches pathname + search, or null (not a feed page). */
export function findSurface(platform, url) {
  return firstRuleMatching(platform.surfaces, url);
}

/** The consumption-page rule (`views`) matching the URL, or null. */
export function findViewRule(platform, url) {
  return firstRuleMatching(platform.views, url);
}
