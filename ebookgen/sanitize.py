"""HTML that reaches a chapter (raw HTML in Markdown) is cleaned with a well-kept
sanitiser (nh3, Rust's ammonia): no scripts, frames, objects, event handlers, javascript:
URLs, or remote resources; what is left becomes well-formed XHTML in render.py."""

from __future__ import annotations

import re

import nh3

# HTML a Markdown chapter may carry; anything else is dropped by the sanitiser.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div", "dl",
    "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
    "ruby", "rt", "rp", "bdi", "bdo", "section", "aside",
}
# Dropped with their content (a script's text is not story).
DROPPED_WITH_CONTENT = {"script", "style", "template", "noscript", "iframe", "object", "embed",
                        "svg", "math", "form", "textarea", "select", "button", "title", "head"}
DANGEROUS_TAGS = DROPPED_WITH_CONTENT | {"link", "meta", "base", "frame", "frameset", "applet",
                                         "input", "video", "audio", "source", "track", "canvas",
                                         "html", "body", "picture", "param", "dialog"}
GLOBAL_ATTRIBUTES = {"id", "class", "lang", "title", "dir"}
ALLOWED_ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "ol": {"start", "reversed"},
    "bdo": {"dir"},
}
_TAG_START = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")

def escape_unknown_tags(text: str) -> str:
    """'<Level Up!>' in a game-like story is text, not a tag: escape every '<' that does not
    open a tag we either allow or deliberately drop, so the sanitiser cannot eat story."""

    def fix(m: re.Match) -> str:
        name = m.group(2).lower()
        if name in ALLOWED_TAGS or name in DANGEROUS_TAGS:
            return m.group(0)
        return "&lt;" + m.group(1) + m.group(2)

    text = _TAG_START.sub(fix, text)
    return re.sub(r"<(?![A-Za-z/!])", "&lt;", text)


def sanitise(html_text: str) -> str:
    return nh3.clean(
        html_text,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes={"*": GLOBAL_ATTRIBUTES, **ALLOWED_ATTRIBUTES},
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
        filter_style_properties={"text-align"},
    )


