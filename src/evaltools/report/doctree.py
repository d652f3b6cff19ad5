"""Report HTML (our section fragments, the user's markdown and HTML outputs) as a plain document tree.

The tree is JSON-ready dicts and strings, so a typesetter (the Typst template) can lay it out
without parsing HTML or escaping markup: text stays data and is never read as Typst code.

Blocks:  heading(level, body) · par(cls, body) · box(cls, lang, body: blocks)
         · list(ordered, start, items: [blocks]) · table(cls, caption, head: rows, body: rows)
         · figure(cls, image, alt, caption) · code(text) · quote(body: blocks) · rule
Inlines: str · strong/em/code/sub/sup/span(cls)/link(href) with body · br · image (an inline <img>)
A table row is a list of cells {header, num, colspan, align, cls, row (the row's classes),
body: inlines};
column widths are the template's (CSS's automatic table layout). ``image`` is
{"mime": "image/svg+xml" | "image/png" | "image/jpeg", "data": bytes}. Inline <svg> and <math> in HTML outputs are not carried over (the notebook's
figures arrive as image/svg+xml outputs or <img> data URIs, which are).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SKIP = {"style", "script", "head", "title", "noscript", "template", "button", "svg", "math"}
BLOCK = {"address", "article", "aside", "blockquote", "details", "div", "dl", "dt", "dd", "fieldset",
         "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
         "li", "main", "nav", "ol", "p", "pre", "section", "table", "ul", "body", "html", "summary"}
INLINE_TAGS = {"strong": "strong", "b": "strong", "em": "em", "i": "em", "code": "code", "kbd": "code",
               "samp": "code", "tt": "code", "sub": "sub", "sup": "sup"}
_SPACE = re.compile(r"[ \t\n\r\f]+")


@dataclass
class Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list = field(default_factory=list)  # Element | str

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


class _TreeBuilder(HTMLParser):
    """A forgiving HTML parser into ``Element`` trees (stdlib only; fragments need no full document)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("root")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        el = Element(tag, {k: (v or "") for k, v in attrs})
        self.stack[-1].children.append(el)
        if tag not in VOID:
            self.stack.append(el)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Element(tag, {k: (v or "") for k, v in attrs}))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):  # close up to the matching open tag, if any
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_html(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def data_uri_image(src: str) -> dict | None:
    """{"mime", "data"} from a data: URI of an SVG, PNG or JPEG image; None for anything else."""
    m = re.match(r"data:(image/(?:svg\+xml|png|jpeg|jpg))(;base64)?,(.*)", src, re.S)
    if not m:
        return None
    mime = "image/jpeg" if m.group(1) == "image/jpg" else m.group(1)
    if m.group(2):
        data = base64.b64decode(m.group(3))
    else:
        from urllib.parse import unquote_to_bytes

        data = unquote_to_bytes(m.group(3))
    return {"mime": mime, "data": data}


# -- inline content ---------------------------------------------------------------------------------

def _inlines(children, pre: bool = False) -> list:
    out: list = []
    for child in children:
        if isinstance(child, str):
            out.append(child if pre else _SPACE.sub(" ", child))
            continue
        tag = child.tag
        if tag in SKIP or "anchor-link" in child.classes:  # nbconvert's ¶ heading links
            continue
        if tag == "br":
            out.append({"t": "br"})
        elif tag in INLINE_TAGS:
            out.append({"t": INLINE_TAGS[tag], "body": _inlines(child.children, pre or tag == "code")})
        elif tag == "a" and child.attrs.get("href", "").startswith(("http://", "https://", "mailto:")):
            out.append({"t": "link", "href": child.attrs["href"], "body": _inlines(child.children, pre)})
        elif tag == "img":
            image = data_uri_image(child.attrs.get("src", ""))
            if image:
                out.append({"t": "image", "image": image, "alt": child.attrs.get("alt", "")})
            elif child.attrs.get("alt"):
                out.append(child.attrs["alt"])  # an image we cannot embed: its alt text stands in
        elif tag == "span" and child.classes:
            out.append({"t": "span", "cls": " ".join(child.classes), "body": _inlines(child.children, pre)})
        else:  # span, abbr, a (internal), label, ...: keep the text
            out.extend(_inlines(child.children, pre))
    return _merge_text(out)


def _merge_text(items: list) -> list:
    out: list = []
    for item in items:
        if isinstance(item, str) and out and isinstance(out[-1], str):
            out[-1] += item
        elif item != "":
            out.append(item)
    return out


def _strip(inl: list) -> list:
    """Trim the whitespace HTML ignores at the start and end of a block."""
    inl = list(inl)
    while inl and isinstance(inl[0], str) and not inl[0].strip():
        inl.pop(0)
    while inl and isinstance(inl[-1], str) and not inl[-1].strip():
        inl.pop()
    if inl and isinstance(inl[0], str):
        inl[0] = inl[0].lstrip()
    if inl and isinstance(inl[-1], str):
        inl[-1] = inl[-1].rstrip()
    return inl


# -- blocks -----------------------------------------------------------------------------------------

def _blocks(children) -> list[dict]:
    """Block nodes from mixed content: loose inline runs become paragraphs."""
    out: list[dict] = []
    run: list = []

    def flush():
        inl = _strip(_inlines(run))
        run.clear()
        if inl:
            # an image alone on its own line is a figure, not a one-word paragraph
            if len(inl) == 1 and isinstance(inl[0], dict) and inl[0]["t"] == "image":
                out.append({"t": "figure", "cls": "", "image": inl[0]["image"], "alt": inl[0]["alt"], "caption": []})
            else:
                out.append({"t": "par", "cls": "", "body": inl})

    for child in children:
        if isinstance(child, Element) and child.tag in SKIP:
            continue
        if isinstance(child, Element) and child.tag in BLOCK:
            flush()
            out.extend(_block(child))
        else:
            run.append(child)
    flush()
    return out


def _block(el: Element) -> list[dict]:
    tag, cls = el.tag, " ".join(el.classes)
    if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
        return [{"t": "heading", "level": int(tag[1]), "body": _strip(_inlines(el.children))}]
    if tag == "p":
        body = _strip(_inlines(el.children))
        if len(body) == 1 and isinstance(body[0], dict) and body[0]["t"] == "image":
            return [{"t": "figure", "cls": "", "image": body[0]["image"], "alt": body[0]["alt"], "caption": []}]
        return [{"t": "par", "cls": cls, "body": body}] if body else []
    if tag in {"ul", "ol"}:
        items = [_blocks(li.children) for li in el.children if isinstance(li, Element) and li.tag == "li"]
        start = int(el.attrs.get("start", "1") or 1) if el.attrs.get("start", "1").isdigit() else 1
        return [{"t": "list", "ordered": tag == "ol", "start": start, "items": items}]
    if tag == "pre":
        return [{"t": "code", "text": el.text().strip("\n")}]
    if tag == "blockquote":
        return [{"t": "quote", "body": _blocks(el.children)}]
    if tag == "hr":
        return [{"t": "rule"}]
    if tag == "table":
        return [_table(el)]
    if tag == "figure":
        return [_figure(el)]
    if tag in {"section", "div", "header", "main", "article", "aside", "footer", "nav"} and (cls or el.attrs.get("lang")):
        return [{"t": "box", "cls": cls, "lang": el.attrs.get("lang", ""), "body": _blocks(el.children)}]
    return _blocks(el.children)  # plain containers: their content


def _figure(el: Element) -> dict:
    image, alt, caption = None, el.attrs.get("aria-label", ""), []
    for node in _walk(el):
        if node.tag == "img" and image is None:
            image = data_uri_image(node.attrs.get("src", ""))
            alt = node.attrs.get("alt", alt)
        elif node.tag == "figcaption":
            caption = _strip(_inlines(node.children))
    return {"t": "figure", "cls": " ".join(el.classes), "image": image, "alt": alt, "caption": caption}


def _walk(el: Element):
    for child in el.children:
        if isinstance(child, Element):
            yield child
            yield from _walk(child)


def _rows(el: Element):
    for child in el.children:
        if isinstance(child, Element):
            if child.tag == "tr":
                yield child
            elif child.tag not in {"table", "caption"}:
                yield from _rows(child)


def _table(el: Element) -> dict:
    caption, head, body = [], [], []
    for child in el.children:
        if not isinstance(child, Element):
            continue
        if child.tag == "caption":
            caption = _strip(_inlines(child.children))
        for tr in ([child] if child.tag == "tr" else _rows(child)):
            row_cls = " ".join(tr.classes)
            cells = [_cell(c, row_cls) for c in tr.children if isinstance(c, Element) and c.tag in {"th", "td"}]
            # <thead> rows, or a first row of only <th> in a table without <thead> (mistune, pandas)
            if child.tag == "thead" or (not head and not body and cells and all(c["header"] for c in cells)
                                        and child.tag != "tbody"):
                head.append(cells)
            else:
                body.append(cells)
    return {"t": "table", "cls": " ".join(el.classes), "caption": caption, "head": head, "body": body}


def _align(el: Element) -> str:
    m = re.search(r"text-align:\s*(left|right|center)", el.attrs.get("style", ""))
    return m.group(1) if m else el.attrs.get("align", "")


def _cell(el: Element, row_cls: str = "") -> dict:
    span = el.attrs.get("colspan", "1")
    return {"header": el.tag == "th", "num": "num" in el.classes, "colspan": int(span) if span.isdigit() else 1,
            "align": _align(el), "cls": " ".join(el.classes), "row": row_cls, "body": _strip(_inlines(el.children))}


def html_blocks(html: str) -> list[dict]:
    """Block nodes for an HTML fragment."""
    return _blocks(parse_html(html).children)


def markdown_blocks(source: str) -> list[dict]:
    """Block nodes for a markdown cell, through the same mistune renderer the HTML report uses."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return html_blocks(markdown2html_mistune(source))
