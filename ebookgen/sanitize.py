"""HTML that reaches a chapter (raw HTML in Markdown) is cleaned with a well-kept
sanitiser (nh3, Rust's ammonia): no scripts, frames, objects, event handlers, javascript:
URLs, or remote resources; what is left becomes well-formed XHTML in render.py.

Two jobs around the sanitiser, both about story text:
- before it, `escape_unknown_tags` turns every '<' that does not open real markup into
  text, so '<Level Up!>', '<Title: Sword Saint>' or 'I </3 you' are never eaten as tags;
- after it, `sanitise` drops what would make the EPUB invalid: characters XML cannot carry,
  attribute values EPUBCheck refuses, links to nowhere, duplicate ids, empty paragraphs."""

from __future__ import annotations

import re

import nh3

from ebookgen.languages import is_language_tag

# HTML a Markdown chapter may carry; anything else is dropped by the sanitiser.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div", "dl",
    "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
    "ruby", "rt", "rp", "bdi", "bdo", "section", "aside",
}
# Dropped with their content (a script's text is not story; a video's fallback text is
# "your browser cannot play this").
DROPPED_WITH_CONTENT = {"script", "style", "template", "noscript", "iframe", "object", "embed",
                        "svg", "math", "form", "textarea", "select", "button", "title", "head",
                        "applet", "frameset", "noframes", "noembed", "video", "audio", "canvas",
                        "xmp", "plaintext"}
# Markup we recognise in order to remove it (the tag goes, its text stays unless listed above).
DANGEROUS_TAGS = DROPPED_WITH_CONTENT | {"link", "meta", "base", "frame", "input", "source",
                                         "track", "html", "body", "picture", "param", "dialog"}
GLOBAL_ATTRIBUTES = {"id", "class", "lang", "title", "dir"}
ALLOWED_ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "ol": {"start", "reversed"},
    "bdo": {"dir"},
}
# Attributes that may stand without a value (`<ol reversed>`, `<script async>`); any other
# bare word after a tag name means the '<' was story text: '<Select Skill>'.
BOOLEAN_ATTRIBUTES = {"reversed", "hidden", "async", "defer", "autofocus", "autoplay", "controls",
                      "loop", "muted", "disabled", "checked", "selected", "readonly", "required",
                      "multiple", "open", "nomodule", "novalidate", "allowfullscreen", "ismap",
                      "itemscope", "playsinline", "default", "inert"}
# Characters XML 1.0 cannot carry (EPUBCheck: fatal), whatever entity produced them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

_ATTRIBUTE = r"""(?>\s+(?P<n>[^\s"'<>/=]+)(?>\s*=\s*(?>"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)"""
_TAG = re.compile(
    r"<(?P<close>/?)(?P<name>[A-Za-z][A-Za-z0-9-]*+)(?P<attrs>(?:" + _ATTRIBUTE + r")*+)\s*+/?>"
)
_ONE_ATTRIBUTE = re.compile(_ATTRIBUTE)
_COMMENT = re.compile(r"<!--.*?-->|<!doctype\s[^<>]*>", re.DOTALL | re.IGNORECASE)


def _is_markup(m: re.Match) -> bool:
    name = m.group("name")
    lower = name.lower()
    if lower not in ALLOWED_TAGS and lower not in DANGEROUS_TAGS:
        return False
    # '<Title: ...>', '<Select Skill>': mixed case is how stories write; HTML is written in
    # lower case (or, in old pages, upper). A mixed-case '<ScRiPt>' becomes harmless text.
    if lower not in ALLOWED_TAGS and name not in (lower, name.upper()):
        return False
    attrs = m.group("attrs")
    if m.group("close"):
        return not attrs.strip()
    for a in _ONE_ATTRIBUTE.finditer(attrs):
        if "=" not in a.group(0) and a.group("n").lower() not in BOOLEAN_ATTRIBUTES:
            return False
    return True


# Dropped-with-content elements that have an end tag: opened and never closed, each would
# take everything after it (browsers agree). <plaintext> can never be closed.
_NEEDS_END_TAG = DROPPED_WITH_CONTENT - {"embed"}


def _never_closed(m: re.Match, text: str, last_close: dict[str, int]) -> bool:
    name = m.group("name").lower()
    if m.group("close") or name not in _NEEDS_END_TAG or m.group(0).endswith("/>") and name in ("svg", "math"):
        return False
    if name == "plaintext":
        return True
    if name not in last_close:
        ends = [e.start() for e in re.finditer(rf"</{name}\s*>", text, re.IGNORECASE)]
        last_close[name] = ends[-1] if ends else -1
    return last_close[name] < m.end()


def escape_unknown_tags(text: str) -> str:
    """'<Level Up!>' in a game-like story is text, not a tag: escape every '<' that does not
    open a tag we either allow or deliberately drop (with a tag's syntax, see `_is_markup`),
    or a complete comment, so the sanitiser cannot eat story."""
    if "<" not in text:
        return text
    last_close: dict[str, int] = {}
    out = []
    pos = 0
    while True:
        i = text.find("<", pos)
        if i < 0:
            out.append(text[pos:])
            return "".join(out)
        out.append(text[pos:i])
        m = _TAG.match(text, i) or _COMMENT.match(text, i)
        if m and (m.re is _COMMENT or _is_markup(m)):
            if m.re is _TAG and _never_closed(m, text, last_close):
                pos = m.end()  # dropped: an unclosed <script> would swallow the rest of the story
                continue
            out.append(m.group(0))
            pos = m.end()
        else:
            out.append("&lt;")
            pos = i + 1


def _checked_value(attribute: str, value: str) -> str | None:
    """Keep only values EPUBCheck accepts and links that lead somewhere inside this page or
    to the web; values arrive entity-decoded from nh3, so '&#106;avascript:' is caught too."""
    value = NOT_XML.sub("", value)
    if attribute == "href":
        v = value.strip()
        if v.startswith("#"):
            return v if len(v) > 1 else None
        if re.match(r"(?i)(https?:|mailto:)", v):
            return v
        return None  # relative files are not in the EPUB; protocol-relative has no scheme
    if attribute == "id":
        return value if value and not re.search(r"\s", value) else None
    if attribute == "lang":
        return value if is_language_tag(value) else None
    if attribute == "dir":
        return value.lower() if value.lower() in ("ltr", "rtl", "auto") else None
    if attribute in ("colspan", "rowspan", "width", "height"):
        return value.strip() if re.fullmatch(r"\s*\d{1,4}\s*", value) and int(value) > 0 else None
    if attribute == "start":
        return value.strip() if re.fullmatch(r"\s*-?\d{1,9}\s*", value) else None
    if attribute == "scope":
        return value.lower() if value.lower() in ("row", "col", "rowgroup", "colgroup") else None
    if attribute == "reversed":
        return "reversed"
    return value


class _Attributes:
    """nh3's attribute filter, with memory: the first element with an id keeps it, later
    ones lose it; fragment links are collected so links to nowhere can go (EPUBCheck:
    RSC-005 duplicate id, RSC-012 missing fragment)."""

    def __init__(self, known_ids: set[str] | None = None):
        self.ids: set[str] = set()
        self.fragments: set[str] = set()
        self.known_ids = known_ids

    def __call__(self, tag: str, attribute: str, value: str) -> str | None:
        checked = _checked_value(attribute, value)
        if checked is None:
            return None
        if attribute == "id":
            if checked in self.ids:
                return None
            self.ids.add(checked)
        elif attribute == "href" and checked.startswith("#"):
            if self.known_ids is not None and checked[1:] not in self.known_ids:
                return None
            self.fragments.add(checked[1:])
        return checked


_EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>\n?")


def _clean(html_text: str, attributes: _Attributes) -> str:
    return nh3.clean(
        html_text,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes={"*": GLOBAL_ATTRIBUTES, **ALLOWED_ATTRIBUTES},
        attribute_filter=attributes,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
        filter_style_properties={"text-align"},
    )


def sanitise(html_text: str) -> str:
    """The sanitiser's output, plus the EPUB-validity fixes listed in the module docstring."""
    first = _Attributes()
    cleaned = _clean(NOT_XML.sub("", html_text), first)
    if first.fragments - first.ids:
        # Rare (a hand-written link to a missing anchor): one more pass drops those links.
        cleaned = _clean(cleaned, _Attributes(known_ids=first.ids))
    # Entities such as &#xFFFE; come out of the parser as characters: drop them again.
    cleaned = NOT_XML.sub("", cleaned)
    return _repair_structure(_flatten_deep(_EMPTY_PARAGRAPH.sub("", cleaned)))


# libxml2 (lxml, and so render.py) silently drops everything below 256 levels of nesting,
# and reading systems choke long before that: deeper elements lose their tags, not their text.
MAX_DEPTH = 64
VOID = {"br", "img", "hr", "wbr"}
_SERIALISED_TAG = re.compile(r'<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s=>/]+(?:="[^"]*")?)*)\s*/?>')


def _flatten_deep(text: str) -> str:
    """Tags nested deeper than MAX_DEPTH are removed (a block's tag becomes a space so words
    do not run together). Works on nh3's output, whose tags are balanced and whose text has
    no raw '<'."""
    if text.count("<") < 2 * MAX_DEPTH:
        return text
    out: list[str] = []
    stack: list[bool] = []  # per open element: is it kept?
    depth = 0
    pos = 0
    for m in _SERIALISED_TAG.finditer(text):
        out.append(text[pos:m.start()])
        pos = m.end()
        name = m.group(2).lower()
        if name in VOID:
            out.append(m.group(0) if depth < MAX_DEPTH else (" " if name in ("br", "hr") else ""))
            continue
        if not m.group(1):
            keep = depth < MAX_DEPTH
            stack.append(keep)
            depth += keep
            out.append(m.group(0) if keep else ("" if name in PHRASING else " "))
        elif stack:
            keep = stack.pop()
            depth -= keep
            out.append(m.group(0) if keep else ("" if name in PHRASING else " "))
    out.append(text[pos:])
    return "".join(out)


# Content models EPUBCheck enforces and an HTML parser does not (it accepts <ul><span>,
# <b><p>, a lone <li>): the structure is repaired so the text stays and the XHTML is valid.
PHRASING = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "del", "em", "i", "ins", "kbd", "mark",
            "q", "s", "samp", "small", "span", "strong", "sub", "sup", "u", "var", "ruby", "rt",
            "rp", "p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "caption", "dt"}
FLOW = ALLOWED_TAGS - PHRASING - {"br", "img", "li", "dd", "td", "th", "tr", "tbody", "thead",
                                  "tfoot", "figcaption"} | {"li", "dd", "figcaption", "hr"}
OWN_PARENTS = {"li": ("ul", "ol"), "dt": ("dl", "div"), "dd": ("dl", "div"),
               "figcaption": ("figure",), "rt": ("ruby",), "rp": ("ruby",)}
OUTSIDE_PARENT = {"li": "div", "dt": "div", "dd": "div", "figcaption": "div", "rt": "span", "rp": "span"}


def _repair_structure(text: str) -> str:
    """Valid nesting and no stray text: see the comment above PHRASING."""
    if "<" not in text and not text.strip():
        return text
    from lxml import etree
    from lxml import html as lxml_html

    root = lxml_html.fragment_fromstring(text, create_parent="div")
    changed = _unwrap_flow_in_phrasing(root)
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el is root:
            continue
        parent = el.getparent()
        wanted = OWN_PARENTS.get(el.tag)
        if wanted and parent.tag not in wanted:
            el.tag = OUTSIDE_PARENT[el.tag]
            changed = True
        if el.tag in ("ul", "ol"):
            changed |= _wrap_children(el, "li", {"li"})
        elif el.tag == "dl" and _has_stray_children(el, {"dt", "dd", "div"}):
            # dt/dd groups have an order to keep; a broken list becomes plain blocks.
            el.tag = "div"
            for child in el:
                if child.tag in ("dt", "dd"):
                    child.tag = "div"
            changed = True
    for child in list(root):
        # Text left between top-level elements (after an unclosed raw-HTML block, say) goes
        # in a paragraph of its own, so no later step can lose it as a stray 'tail'.
        if child.tail and child.tail.strip():
            p = etree.Element("p")
            p.text = child.tail.strip()
            p.tail = "\n"
            child.tail = "\n"
            child.addnext(p)
            changed = True
    if not changed:
        return text
    lead = root.text or ""
    root.text = None
    body = "".join(lxml_html.tostring(child, encoding="unicode") for child in root)
    return (lead.replace("&", "&amp;").replace("<", "&lt;") if lead.strip() else lead) + body


def _unwrap_flow_in_phrasing(root) -> bool:
    """<b><p>x</p></b> -> <p>x</p>: the phrasing element around a block goes, its text stays."""
    changed = False
    while True:
        bad = next((el for el in root.iter() if isinstance(el.tag, str) and el.tag in FLOW
                    and el.getparent() is not None and el.getparent() is not root
                    and el.getparent().tag in PHRASING), None)
        if bad is None:
            return changed
        bad.getparent().drop_tag()
        changed = True


def _has_stray_children(el, allowed: set[str]) -> bool:
    return bool(el.text and el.text.strip()) or any(
        not isinstance(c.tag, str) or c.tag not in allowed or bool(c.tail and c.tail.strip()) for c in el
    )


def _wrap_children(el, wrapper: str, allowed: set[str]) -> bool:
    """Children (and text) of a list that are not list items are moved into one."""
    from lxml import etree

    if not _has_stray_children(el, allowed):
        return False
    nodes: list = []
    if el.text and el.text.strip():
        nodes.append(el.text.strip())
    el.text = None
    for child in list(el):
        tail = child.tail
        child.tail = None
        el.remove(child)
        nodes.append(child)
        if tail and tail.strip():
            nodes.append(tail.strip())
    current = None
    for node in nodes:
        if not isinstance(node, str) and isinstance(node.tag, str) and node.tag in allowed:
            el.append(node)
            current = None
            continue
        if current is None:
            current = etree.SubElement(el, wrapper)
        if isinstance(node, str):
            if len(current):
                current[-1].tail = (current[-1].tail or "") + node
            else:
                current.text = (current.text or "") + node
        else:
            current.append(node)
    return True
