"""The site definitions (``sites.json``, shared with the extension) and what they select.

``sites.json`` lists, per platform, the URL match patterns, the surfaces (a regex on
``pathname + search``) with their feed-item selectors, the sponsored selectors and the
consumption-page ("view") rules. This module loads it once and answers:

* which platform definition applies to a URL (:func:`definition_for_url`),
* which surface of that definition (:func:`surface_for_url`),
* which elements of a parsed page are the feed items (:func:`select_items`,
  outermost wins, document order),
* whether an item is sponsored (:func:`is_sponsored`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

import soupsieve
from bs4 import Tag

SITES_RESOURCE = "sites.json"


@dataclass(frozen=True)
class Surface:
    name: str
    url_pattern: re.Pattern
    item_selector: soupsieve.SoupSieve


@dataclass(frozen=True)
class SiteDefinition:
    id: str
    name: str
    matches: tuple[str, ...]
    match_patterns: tuple[re.Pattern, ...]
    opt_in: bool
    surfaces: tuple[Surface, ...]
    sponsored_selector: soupsieve.SoupSieve | None
    sponsored_rules: "SponsoredRules"
    next_sibling_selector: soupsieve.SoupSieve | None
    views: tuple[dict, ...]
    hints: dict


_BARE_TAG = re.compile(r"^[a-z][a-z0-9-]*$")
_SIMPLE_SELECTOR = re.compile(
    r"^(?P<tag>[a-z][a-z0-9-]*)?(?:\.(?P<cls>[\w-]+))?"
    r"(?:\[(?P<attr>[\w-]+)(?:(?P<op>[*^$]?=)'(?P<value>[^']*)')?\])?$")


@dataclass(frozen=True)
class SimpleSelector:
    """``tag``, ``.class``, ``[attr]``, ``tag[attr*='v']``...: matched in plain Python, because
    soupsieve costs more than the whole parse for the sponsored check on deep items."""

    tag: str | None
    cls: str | None
    attr: str | None
    op: str | None
    value: str | None

    @classmethod
    def parse(cls, selector: str) -> "SimpleSelector | None":
        match = _SIMPLE_SELECTOR.match(selector.strip())
        if not match or not any(match.groupdict().values()):
            return None
        return cls(match["tag"], match["cls"], match["attr"], match["op"], match["value"])

    def matches(self, element: Tag) -> bool:
        if self.tag and element.name != self.tag:
            return False
        if self.cls and self.cls not in _classes(element):
            return False
        if self.attr:
            raw = element.get(self.attr)
            if raw is None:
                return False
            actual = " ".join(raw) if isinstance(raw, list) else raw
            op, value = self.op, self.value
            if op == "=" and actual != value or op == "*=" and value not in actual:
                return False
            if op == "^=" and not actual.startswith(value) or op == "$=" and not actual.endswith(value):
                return False
        return True


def all_tags(root: Tag) -> list[Tag]:
    """The root and every element below it, in document order (cheaper than find_all(True))."""
    return [root, *(node for node in root.descendants if isinstance(node, Tag))]


def _classes(element: Tag) -> list[str]:
    raw = element.get("class") or []
    return raw.split() if isinstance(raw, str) else raw


@dataclass(frozen=True)
class SponsoredRules:
    """A platform's sponsored selectors arranged for one pass over an item's elements.

    Each simple selector is filed under what an element must have to match it: its tag
    name, else the attribute it tests (``class`` for a bare ``.class``); an element is
    then checked only against the selectors its own name and attributes can satisfy.
    Bare tag names match outright. Anything else is a soupsieve selector (``complex``).
    """

    selectors: tuple[str, ...]
    bare_tags: frozenset[str]
    by_tag: dict
    by_attribute: tuple[tuple[str, tuple[SimpleSelector, ...]], ...]
    complex: soupsieve.SoupSieve | None

    @classmethod
    def compile(cls, selectors: list[str]) -> "SponsoredRules":
        bare_tags: set[str] = set()
        by_tag: dict[str, list] = {}
        by_attribute: dict[str, list[SimpleSelector]] = {}
        complex_selectors = []
        for selector in selectors:
            simple = SimpleSelector.parse(selector)
            if simple is None:
                complex_selectors.append(selector)
            elif _BARE_TAG.match(selector.strip()):
                bare_tags.add(simple.tag)
            elif simple.tag:
                by_tag.setdefault(simple.tag, []).append(simple)
            else:
                by_attribute.setdefault(simple.attr or "class", []).append(simple)
        return cls(tuple(selectors), frozenset(bare_tags), {name: tuple(rules) for name, rules in by_tag.items()},
                   tuple((name, tuple(rules)) for name, rules in by_attribute.items()),
                   _compile_selectors(complex_selectors))

    def matches(self, item: Tag, tags: list[Tag]) -> bool:
        """True when ``item`` (whose ``all_tags`` are ``tags``) is or contains a sponsored match."""
        if self.bare_tags and not self.bare_tags.isdisjoint([element.name for element in tags]):
            return True
        by_tag, by_attribute = self.by_tag, self.by_attribute
        if by_tag or by_attribute:
            for element in tags:
                rules = by_tag.get(element.name)
                if rules is not None and any(rule.matches(element) for rule in rules):
                    return True
                attrs = element.attrs
                for name, rules in by_attribute:
                    if name in attrs and any(rule.matches(element) for rule in rules):
                        return True
        if self.complex is None:
            return False
        return self.complex.match(item) or self.complex.select_one(item) is not None


def load_raw() -> dict:
    """The parsed JSON of ``sites.json`` as shipped inside the package."""
    text = resources.files("feedaudit").joinpath(SITES_RESOURCE).read_text(encoding="utf-8")
    return json.loads(text)


def match_pattern_regex(pattern: str) -> re.Pattern:
    """Compile a WebExtension match pattern (``https://*.example.com/*``) to a regex on the full URL."""
    if pattern == "<all_urls>":
        return re.compile(r"^(?:https?|wss?|ftp|file)://")
    scheme, _, rest = pattern.partition("://")
    host, slash, path = rest.partition("/")
    scheme_re = r"https?" if scheme == "*" else re.escape(scheme)
    if host == "*":
        host_re = r"[^/:]+"
    elif host.startswith("*."):
        host_re = r"(?:[^/:]+\.)?" + re.escape(host[2:])
    else:
        host_re = re.escape(host)
    path_re = ".*".join(re.escape(part) for part in (slash + path).split("*"))
    return re.compile(rf"^{scheme_re}://{host_re}(?::\d+)?{path_re}$", re.IGNORECASE)


def _compile_selectors(selectors: list[str]) -> soupsieve.SoupSieve | None:
    return soupsieve.compile(", ".join(selectors)) if selectors else None


def _build_definition(raw: dict) -> SiteDefinition:
    surfaces = tuple(
        Surface(s["name"], re.compile(s["url"]), soupsieve.compile(", ".join(s["items"])))
        for s in raw["surfaces"]
    )
    next_sibling = raw.get("item_next_sibling")
    return SiteDefinition(
        id=raw["id"],
        name=raw["name"],
        matches=tuple(raw["matches"]),
        match_patterns=tuple(match_pattern_regex(p) for p in raw["matches"]),
        opt_in=bool(raw.get("opt_in")),
        surfaces=surfaces,
        sponsored_selector=_compile_selectors(raw.get("sponsored", [])),
        sponsored_rules=SponsoredRules.compile(raw.get("sponsored", [])),
        next_sibling_selector=soupsieve.compile(next_sibling) if next_sibling else None,
        views=tuple(raw.get("views", [])),
        hints=dict(raw.get("hints", {})),
    )


@lru_cache(maxsize=1)
def definitions() -> tuple[SiteDefinition, ...]:
    """All platform definitions, in file order (compiled once per process)."""
    return tuple(_build_definition(raw) for raw in load_raw()["platforms"])


@lru_cache(maxsize=None)
def definitions_for_platform(platform: str) -> tuple[SiteDefinition, ...]:
    """Every definition with this platform id (Reddit has two: new UI and old.reddit.com)."""
    return tuple(d for d in definitions() if d.id == platform)


def generic_news_definition() -> SiteDefinition:
    return definitions_for_platform("news")[0]


def definition_for_url(url: str, opted_in_news: bool = False) -> SiteDefinition | None:
    """The definition whose match patterns cover ``url``.

    The generic news definition has no patterns (the user enables it per site); it is
    returned for an unmatched http(s) URL only when ``opted_in_news`` is true.
    """
    for definition in definitions():
        if any(p.match(url) for p in definition.match_patterns):
            return definition
    if opted_in_news and urlsplit(url).scheme in ("http", "https"):
        return generic_news_definition()
    return None


def path_and_query(url: str) -> str:
    """``location.pathname + location.search`` of a URL, which is what surface regexes see."""
    parts = urlsplit(url)
    path = parts.path or "/"
    return path + ("?" + parts.query if parts.query else "")


def surface_for_url(definition: SiteDefinition, url: str) -> Surface | None:
    """The first surface whose regex matches the URL's path and query, or None."""
    target = path_and_query(url)
    for surface in definition.surfaces:
        if surface.url_pattern.search(target):
            return surface
    return None


def select_items(root: Tag, surface: Surface) -> list[Tag]:
    """The feed items under ``root``: matches of the surface selectors not inside another match.

    Document order is kept, so the list index + 1 is the rank.
    """
    matched = surface.item_selector.select(root)
    matched_ids = {id(el) for el in matched}
    return [el for el in matched if not any(id(p) in matched_ids for p in el.parents)]


def is_sponsored(item: Tag, definition: SiteDefinition, tags: list[Tag] | None = None) -> bool:
    """True when the item matches, or contains a match of, a sponsored selector.

    ``tags`` is ``all_tags(item)`` when the caller has it already.
    """
    return definition.sponsored_rules.matches(item, all_tags(item) if tags is None else tags)


@lru_cache(maxsize=None)
def platform_sponsored_rules(platform: str) -> "SponsoredRules":
    """The sponsored selectors of every definition of a platform (Reddit's two UIs), as one set of rules."""
    selectors = [s for d in definitions_for_platform(platform) for s in d.sponsored_rules.selectors]
    return SponsoredRules.compile(list(dict.fromkeys(selectors)))


def next_sibling_context(item: Tag, definition: SiteDefinition) -> Tag | None:
    """The sibling element that belongs to the item (Hacker News subtext row), if the definition has one."""
    if definition.next_sibling_selector is None:
        return None
    sibling = item.find_next_sibling()
    if isinstance(sibling, Tag) and definition.next_sibling_selector.match(sibling):
        return sibling
    return None


def view_rule_for_url(definition: SiteDefinition, url: str) -> dict | None:
    """The consumption-page rule (``{"url", "media"}``) that applies to the URL, if any."""
    target = path_and_query(url)
    return next((v for v in definition.views if re.search(v["url"], target)), None)
