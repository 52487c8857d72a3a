"""Build the BeautifulSoup tree of item or page HTML: lxml parses it, then one walk over
lxml's tree creates bs4's Tag and NavigableString objects.

Why not plain ``BeautifulSoup(html, "lxml")``: there, lxml reports the document through
one Python callback per tag and text run; bs4 copies every attribute dict three times on
the way, runs its generic tag-stack bookkeeping per node, and creates a new lxml parser
per document (whose set-up inspects the callbacks' signatures each time: about 0.2 ms, a
fifth of a typical item). Here lxml's push parser (the same one, reused per thread)
builds its tree in C, and the walk gives every node exactly the state bs4's builder gives
it: same classes, attributes, links, whitespace rules and string classes; only the
bookkeeping that a finished tree does not need is skipped.

Because that state is bs4's internal layout, it is checked, not assumed: on first use
``fast_tree`` builds a sample document both ways and compares every node's attributes
(:func:`tree_signature`); if a bs4 upgrade changed anything, it logs a warning and uses
bs4's own builder from then on. ``tests/parsing/test_fast_tree.py`` makes the same
comparison on every real saved page and every item captured from them.

Two things are left out while building instead of being removed afterwards:

* ``skip_tags`` (scripts, styles, templates...): the element and everything in it;
  the text around it stays two separate strings, exactly as ``Tag.decompose`` leaves it.
* comments, when ``keep_comments`` is false: no parser reads them (``get_text`` skips
  them), and the strings on either side stay separate, as with the comment in place.
  On YouTube they are a fifth of all nodes (``<!--css-build:shady-->`` in every element).

Where lxml's tree differs from what its SAX interface reports, the document goes through
bs4's own builder instead, so the result never depends on the path taken: markup lxml
finds no element in, anything after ``</html>`` but whitespace (SAX reports it oddly, the
tree drops it), an HTML-4 boolean attribute whose value is its own name (the tree fills in
the name for ``<input disabled>``, SAX reports ""; the two forms cannot be told apart
from the tree), nesting as deep as libxml2's tree limit (256 levels, below which the tree
drops elements), and documents big enough for a text node to reach libxml2's 10 MB tree
limit. Captured items (an element's outerHTML, at most 32 KB) practically never do.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Collection

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from bs4.builder._lxml import LXMLTreeBuilder
from lxml import etree

log = logging.getLogger(__name__)

_per_thread = threading.local()
_WALK_EVENTS = ("start", "end", "comment", "pi")
_HTML_END = re.compile(r"</html", re.IGNORECASE)
_WHITESPACE_AFTER_HTML_END = re.compile(r"</html\s*>(\s*)\Z", re.IGNORECASE)
_TREE_MAX_DEPTH = 256  # libxml2's nesting limit for trees (without XML_PARSE_HUGE)
_TREE_SAFE_LENGTH = 2_500_000  # characters; at most 10 MB of UTF-8, libxml2's tree limit for one text node
# libxml2's htmlBooleanAttrs: given without a value, the tree stores the name as the value.
_FILLED_BOOLEANS = frozenset({"checked", "compact", "declare", "defer", "disabled", "ismap", "multiple",
                              "nohref", "noresize", "noshade", "nowrap", "readonly", "selected"})
_ASCII_SPACES = BeautifulSoup.ASCII_SPACES


class _TreeDiffersFromSax(Exception):
    """The lxml tree cannot tell what bs4's own builder would have built."""


def _lxml_parser() -> etree.HTMLParser:
    """One lxml HTML parser per thread (parsers are reusable but not thread-safe)."""
    parser = getattr(_per_thread, "parser", None)
    if parser is None:
        # No default doctype: bs4's builder never sees one that the markup does not have.
        # No ID table (collect_ids): nothing reads it, and libxml2 logs every repeated id (YouTube
        # repeats "thumbnail", "metadata"...) as an error, which lxml copies into its error log.
        parser = _per_thread.parser = etree.HTMLParser(recover=True, default_doctype=False, collect_ids=False)
    return parser


def _parse_lxml(html: str) -> etree._Element | None:
    """lxml's tree of the markup (the same push parser bs4's builder feeds), or None."""
    parser = _lxml_parser()
    try:
        parser.feed(html)
        return parser.close()
    except (etree.LxmlError, ValueError):
        _per_thread.parser = None  # a parser left mid-document must not see the next one
        return None


class _LxmlTreeWalker(LXMLTreeBuilder):
    """bs4's lxml builder (its settings: empty-element tags, string classes, whitespace-
    preserving tags), filled from a finished lxml tree instead of per-node SAX callbacks.

    One walker per thread serves every document (``use`` sets the next one), as bs4
    allows a builder instance to: its per-tag-name state is then computed once.
    """

    def __init__(self):
        super().__init__(multi_valued_attributes=None)
        self.root: etree._Element | None = None
        self.markup_text = ""
        self.trailing_text = ""
        self.skip_tags: Collection[str] = frozenset()
        self.keep_comments = True
        self._tag_state: dict[str, dict] = {}

    def use(self, root: etree._Element, markup: str, trailing_text: str, skip_tags: Collection[str],
            keep_comments: bool) -> "_LxmlTreeWalker":
        self.root, self.markup_text, self.trailing_text = root, markup, trailing_text
        self.skip_tags, self.keep_comments = skip_tags, keep_comments
        return self

    def prepare_markup(self, markup, user_specified_encoding=None, document_declared_encoding=None,
                       exclude_encodings=None):
        yield markup, None, None, False  # the markup is already parsed: no encoding to detect

    def feed(self, markup) -> None:
        # Document-level nodes are rare (whole pages only): bs4's own handlers add them.
        try:
            docinfo = self.root.getroottree().docinfo
            if docinfo.doctype:
                self.doctype(docinfo.root_name, docinfo.public_id, docinfo.system_url)
            for node in reversed(list(self.root.itersiblings(preceding=True))):
                self._document_level_node(node)
            self.soup.endData()
            self._walk(self.root)
            for node in self.root.itersiblings():
                self._document_level_node(node)
            if self.trailing_text:
                self.soup.handle_data(self.trailing_text)
        finally:
            self.root = self.markup_text = None  # the walker outlives the document: keep nothing of it alive

    def _document_level_node(self, node: etree._Element) -> None:
        self.soup.endData()
        if node.tag is etree.PI:
            self.pi(node.target, node.text or "")
        elif self.keep_comments:
            self.comment(node.text or "")

    def _state_for(self, name: str) -> dict:
        """What ``Tag.__init__`` sets from the builder for a tag of this name (same per name),
        with a slot for every per-node field, so that copying it sizes the tag's dict once."""
        state = self._tag_state.get(name)
        if state is None:
            containers = self.string_containers
            state = self._tag_state[name] = {
                "parser_class": BeautifulSoup, "name": name, "namespace": None,
                "_namespaces": self.active_namespace_prefixes[-1], "prefix": None,
                "sourceline": None, "sourcepos": None,
                "attribute_value_list_class": self.attribute_value_list_class, "known_xml": self.is_xml,
                "hidden": False, "can_be_empty_element": self.can_be_empty_element(name),
                "cdata_list_attributes": self.cdata_list_attributes,
                "preserve_whitespace_tags": self.preserve_whitespace_tags,
                "interesting_string_types": {containers[name]} if name in containers else Tag.MAIN_CONTENT_STRING_TYPES,
                "next_element": None, "next_sibling": None,
                "parent": None, "previous_element": None, "previous_sibling": None, "attrs": None, "contents": None,
            }
        return state

    def _walk(self, root: etree._Element) -> None:
        """Create the tree's nodes in document order, linked as bs4's builder links them.

        The linking (what ``PageElement.setup`` and ``Tag.append`` do) is written out inline:
        it runs once per node, and calls cost more than the work itself.
        """
        skip_tags, keep_comments = self.skip_tags, self.keep_comments
        # Attribute names with "{" need the document to have one somewhere (one test, not one per tag).
        check_braces = "{" in self.markup_text
        containers, preserving = self.string_containers, self.preserve_whitespace_tags
        attribute_dict, set_up_substitutions = self.attribute_dict_class, self.set_up_substitutions
        tag_state, state_for = self._tag_state, self._state_for
        new_tag, new_string, string_state = Tag.__new__, str.__new__, _STRING_STATE
        previous = self.soup._most_recent_element
        parent = self.soup
        siblings = parent.contents
        open_parents: list[Tag] = []
        container_stack: list[str] = []  # open <script>/<style>/<rt>...: their strings get own classes
        preserving_depth = 0  # open <pre>/<textarea>: whitespace-only strings kept as they are
        depth = 0

        def append_string(text: str, string_class=None) -> None:
            nonlocal previous
            if not preserving_depth and not text.strip(_ASCII_SPACES):
                text = "\n" if "\n" in text else " "  # bs4 collapses whitespace-only (and empty) strings
            if string_class is None:
                string_class = containers.get(container_stack[-1], NavigableString) if container_stack \
                    else NavigableString
            # NavigableString(text) without its __new__/setup calls; the state check covers it.
            node = new_string(string_class, text)
            state = node.__dict__
            state.update(string_state)
            state["parent"] = parent
            state["previous_element"] = previous
            if previous is not None:
                previous.next_element = node
            if siblings:
                state["previous_sibling"] = last = siblings[-1]
                last.next_sibling = node
            siblings.append(node)
            previous = node

        walker = etree.iterwalk(root, events=_WALK_EVENTS)
        for event, node in walker:
            if event == "start":
                name = node.tag
                depth += 1
                if name in skip_tags:
                    walker.skip_subtree()  # its "end" still comes, and brings the tail
                    continue
                if depth >= _TREE_MAX_DEPTH:
                    raise _TreeDiffersFromSax("nesting at libxml2's tree depth limit")
                attrs = attribute_dict(node.items())
                if attrs:
                    if check_braces and "{" in "".join(attrs):
                        # A name with "{" (e.g. '<div {x}y=1>') is read as {namespace}name by bs4's
                        # builder, as written by the tree: take bs4's own builder.
                        raise _TreeDiffersFromSax(f"<{name}> has an attribute name with a brace")
                    if not _FILLED_BOOLEANS.isdisjoint(attrs) and any(attrs.get(n) == n for n in _FILLED_BOOLEANS):
                        raise _TreeDiffersFromSax(f"<{name}> has a boolean attribute valued with its name")
                tag = new_tag(Tag)
                state = tag.__dict__
                state.update(tag_state.get(name) or state_for(name))
                state["attrs"] = attrs
                state["contents"] = []
                state["parent"] = parent
                state["previous_element"] = previous
                if previous is not None:
                    previous.next_element = tag
                if siblings:
                    state["previous_sibling"] = last = siblings[-1]
                    last.next_sibling = tag
                siblings.append(tag)
                previous = tag
                if name == "meta":
                    set_up_substitutions(tag)  # <meta charset>: the value becomes a placeholder object
                open_parents.append(parent)
                parent = tag
                siblings = state["contents"]
                if name in preserving:
                    preserving_depth += 1
                if name in containers:
                    container_stack.append(name)
                if node.text:
                    append_string(node.text)
                continue
            if event == "end":
                depth -= 1
                name = node.tag
                if name not in skip_tags:
                    parent = open_parents.pop()
                    siblings = parent.contents
                    if name in preserving:
                        preserving_depth -= 1
                    if name in containers:
                        container_stack.pop()
            elif keep_comments and node.tag is etree.Comment:
                append_string(node.text or "", Comment)
            elif node.tag is etree.PI:
                raise _TreeDiffersFromSax("processing instruction inside the document")
            if node.tail:
                append_string(node.tail)
        self.soup._most_recent_element = previous


# What NavigableString.__new__ and PageElement.setup() give a new string.
_STRING_STATE = {"hidden": False, "parent": None, "previous_element": None, "next_element": None,
                 "next_sibling": None, "previous_sibling": None}


def _walker() -> _LxmlTreeWalker:
    walker = getattr(_per_thread, "walker", None)
    if walker is None:
        walker = _per_thread.walker = _LxmlTreeWalker()
    return walker


def _lean_tree(html: str, skip_tags: frozenset, keep_comments: bool) -> BeautifulSoup | None:
    """The tree built from lxml's, or None where that tree could differ from bs4's own."""
    if len(html) > _TREE_SAFE_LENGTH:
        return None
    trailing_text = ""
    html_end = _HTML_END.search(html)
    if html_end:
        after_end = _WHITESPACE_AFTER_HTML_END.search(html)
        if after_end is None or after_end.start() != html_end.start():
            return None
        trailing_text = after_end.group(1)
    root = _parse_lxml(html)
    if root is None:
        return None
    try:
        return BeautifulSoup(html, builder=_walker().use(root, html, trailing_text, skip_tags, keep_comments))
    except _TreeDiffersFromSax:
        return None


def fast_tree(html: str, skip_tags: Collection[str] = (), keep_comments: bool = True) -> BeautifulSoup:
    """The BeautifulSoup tree of ``html`` (lxml-parsed), without ``skip_tags`` and, unless kept, comments."""
    skip_tags = frozenset(skip_tags)
    soup = _lean_tree(html, skip_tags, keep_comments) if lean_path_matches_bs4() else None
    return soup if soup is not None else reference_tree(html, skip_tags, keep_comments)


def reference_tree(html: str, skip_tags: Collection[str] = (), keep_comments: bool = True) -> BeautifulSoup:
    """The same tree built by bs4's own lxml builder (the slow path ``fast_tree`` must equal)."""
    soup = BeautifulSoup(html, "lxml", multi_valued_attributes=None)
    if skip_tags:
        for tag in soup.find_all(list(skip_tags)):
            tag.decompose()
    if not keep_comments:
        for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
            comment.extract()
    return soup


# ---------------------------------------------------------------- self-check

_LINKS = ("parent", "next_element", "previous_element", "next_sibling", "previous_sibling")
_PARSE_TIME_STATE = frozenset({"builder", "markup", "_most_recent_element", "currentTag", "tagStack",
                               "open_tag_counter", "preserve_whitespace_tag_stack", "string_container_stack",
                               "current_data", "contents"})
# Every kind of node the walk creates: nesting, attributes (a boolean one, a charset), comments,
# whitespace-only strings inside and outside <pre>/<textarea>, strings with their own classes.
_SAMPLE = ("<div id='a' class='x y' hidden=''>one<!-- c -->two<!----><!-- \n --><span title='t'> </span>\n<pre> <b> </b>\n</pre>"
           "<textarea> </textarea><ruby>r<rt>t</rt><rp>(</rp></ruby><br><img src='i.png'>"
           "<script>s()</script><style>p{}</style><template>t</template></div>"
           "<meta charset='latin-1'><p>tail <a href='/x'>link</a> end</p>")


def tree_signature(soup: BeautifulSoup) -> list:
    """Every node's class, text or name, and complete state (links as positions in document order)."""
    nodes = [soup, *soup.descendants]
    position = {id(node): index for index, node in enumerate(nodes)}
    signature = []
    for node in nodes:
        state = {key: (position.get(id(value)) if key in _LINKS else value)
                 for key, value in node.__dict__.items() if key not in _PARSE_TIME_STATE}
        if isinstance(node, Tag):
            state["contents"] = [position[id(child)] for child in node.contents]
            state["attrs"] = (type(node.attrs), [(k, type(v), v) for k, v in node.attrs.items()])
        signature.append((type(node), node.name if isinstance(node, Tag) else str(node), sorted(state.items())))
    return signature


_lean_path_checked: list[bool] = []


def lean_path_matches_bs4() -> bool:
    """Whether the walk builds the sample exactly as bs4 does (checked once per process)."""
    if not _lean_path_checked:
        matches = all(
            tree_signature(_lean_tree(_SAMPLE, frozenset(skip), keep) or BeautifulSoup("", "lxml"))
            == tree_signature(reference_tree(_SAMPLE, skip, keep))
            for skip, keep in ((frozenset(), True), (frozenset({"script", "style"}), False)))
        if not matches:
            log.warning("this BeautifulSoup version builds trees differently: parsing uses its slower builder")
        _lean_path_checked.append(matches)
    return _lean_path_checked[0]
