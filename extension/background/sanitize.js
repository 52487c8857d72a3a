// Item HTML for the server: outerHTML without scripts, styles, inline SVG paths
// and base64 images, capped so one impression can never bloat the queue. The content
// script only serializes the item; the filtering runs here, in the service worker, off
// the page's main thread.
//
// The element is serialized once and the markup filtered as text: a deep clone plus node
// removal cost four times as much (most of the extension's time on YouTube items). The
// serializer's output is regular enough to tokenize exactly: attribute values are always
// double-quoted with `"` escaped, text has `<` escaped, and only raw-text elements
// (script, style, ...) hold literal markup, which one token swallows whole.

export const MAX_HTML_BYTES = 32000; // under 32 KB whether counted as 1000 or 1024, bytes or characters

const RAW_TEXT = "script|style|noscript|iframe|xmp|noembed|noframes";
// Left to right: a comment, a raw-text element with its content, a start or end tag, text.
const ATTRIBUTES = '[^>"]*(?:"[^"]*"[^>"]*)*'; // quoted values may hold ">"
const TOKEN = new RegExp(
  `<!--[\\s\\S]*?-->|<(${RAW_TEXT})\\b${ATTRIBUTES}>[\\s\\S]*?</\\1>|<(/?)([A-Za-z][^\\s/>]*)(${ATTRIBUTES})>|[^<]+|<`,
  "gi",
);
// Removed with everything inside them (raw-text elements normally go as one token above).
const REMOVED_ANYWHERE = new Set(["script", "style", "noscript", "template", "iframe"]);
const REMOVED_IN_SVG = new Set(["path", "use", "g", "defs"]);
const REMOVED_VOID = new Set(["link"]);
const BASE64_ATTRIBUTE = /(\s)(?:src|srcset|style|href|poster|data-src|data-thumb)="([^"]*)"/gi;
const BASE64_VALUE = /data:[^,;]*;base64/i;
// Ad markup can carry tens of KB of tracking URLs in data-* attributes (old Reddit's
// data-adserver-*-pixel): over the cap, such long values go before the item's text does.
const LONG_DATA_ATTRIBUTE = /\sdata-[^\s=]*="[^"]{501,}"/g;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The filtered item HTML an impression carries: its own markup plus, where the site splits
 * an item over two rows (Hacker News), the next row's, within one cap. */
export function impressionHtml(markup, nextMarkup) {
  if (typeof markup !== "string") return null;
  const html = sanitizedMarkup(markup);
  if (typeof nextMarkup !== "string") return html;
  return capUtf8(html + sanitizedMarkup(nextMarkup), MAX_HTML_BYTES);
}

export function sanitizedHtml(element) {
  return sanitizedMarkup(element.outerHTML);
}

/** Serialized markup (an element's outerHTML) without removed elements and attributes, capped. */
export function sanitizedMarkup(markup) {
  let html = filterMarkup(markup, false);
  if (html.length > MAX_HTML_BYTES / 3 && encoder.encode(html).length > MAX_HTML_BYTES) {
    html = filterMarkup(markup, true);
  }
  return capUtf8(html, MAX_HTML_BYTES);
}

/** The markup without removed elements and base64 attributes (and long data-* values when asked). */
function filterMarkup(markup, dropLongData) {
  let skipping = null; // the removed element being skipped: its name and nesting depth
  let svgDepth = 0;
  return markup.replace(TOKEN, (token, rawName, slash, name, attributes) => {
    if (rawName !== undefined) return skipping || REMOVED_ANYWHERE.has(rawName.toLowerCase()) ? "" : token;
    if (name === undefined) return skipping ? "" : token; // text, a comment or a stray "<"
    const tag = name.toLowerCase();
    if (skipping) {
      if (tag === skipping.tag) skipping.depth += slash ? -1 : 1;
      if (skipping.depth === 0) skipping = null;
      return "";
    }
    if (tag === "svg") svgDepth += slash ? -1 : 1;
    if (REMOVED_VOID.has(tag)) return "";
    if (REMOVED_ANYWHERE.has(tag) || (svgDepth > 0 && REMOVED_IN_SVG.has(tag))) {
      if (!slash) skipping = { tag, depth: 1 };
      return "";
    }
    if (slash) return token;
    return `<${name}${cleanAttributes(attributes, dropLongData)}>`;
  });
}

function cleanAttributes(attributes, dropLongData) {
  let cleaned = attributes;
  if (/base64/i.test(cleaned)) {
    cleaned = cleaned.replace(BASE64_ATTRIBUTE, (attribute, space, value) => (BASE64_VALUE.test(value) ? "" : attribute));
  }
  if (dropLongData && cleaned.length > 500) cleaned = cleaned.replace(LONG_DATA_ATTRIBUTE, "");
  return cleaned;
}

/** Cut to at most maxBytes of UTF-8, at the end of a tag where possible. */
export function capUtf8(text, maxBytes) {
  if (text.length <= maxBytes / 3) return text;
  const bytes = encoder.encode(text);
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end -= 1; // never split a character
  const cut = decoder.decode(bytes.subarray(0, end));
  const lastTagEnd = cut.lastIndexOf(">");
  return lastTagEnd > 0 ? cut.slice(0, lastTagEnd + 1) : cut;
}
