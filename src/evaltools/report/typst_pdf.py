"""Notebook -> tagged PDF (PDF/UA-1) with Typst: the report's look in templates/typst/report.typ.

The notebook's report outputs (HTML sections), the evaluator's markdown cells and their own figures
become a document tree (``evaltools.report.doctree``) written as JSON next to the figure files; the
Typst template lays it out. Text is data to Typst, never markup, so nothing needs escaping.
Fonts: DejaVu Sans from matplotlib's own font folder (the font the figures use), so the PDF looks
the same on every machine and system fonts are never scanned.
"""

from __future__ import annotations

import base64
import io
import json
import re
import threading
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import unquote

from evaltools.errors import InputError
from evaltools.report.doctree import data_uri_image, html_blocks, markdown_blocks
from evaltools.report.pdf_tags import finish_pdf
from evaltools.scratch import scratch_folder

TEMPLATE = Path(__file__).parent / "templates" / "typst" / "report.typ"
PDF_STANDARDS = ["ua-1"]
OUTPUT_PRIORITY = ["text/html", "text/markdown", "image/svg+xml", "image/png", "image/jpeg"]
EXTENSIONS = {"image/svg+xml": "svg", "image/png": "png", "image/jpeg": "jpg"}
PAGE_LABELS = {"da": ("Side", "af"), "en": ("Page", "of")}
DEFAULT_ALT = {"da": "Figur", "en": "Figure"}


def font_dir() -> Path:
    """matplotlib's bundled DejaVu fonts: always installed with the report's figures."""
    spec = find_spec("matplotlib")
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"


_COMPILING = threading.Lock()  # one compiler object; a thread pool must take turns with it


@lru_cache(maxsize=1)
def _compiler():
    import typst

    # one compiler per process: fonts are loaded once, not for every report
    return typst.Compiler(font_paths=[str(font_dir())], ignore_system_fonts=True)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _attachments_inline(source: str, attachments: dict) -> str:
    """``attachment:name`` image links in a markdown cell as data URIs (the HTML export shows them too)."""
    for name, bundle in (attachments or {}).items():
        for mime in ("image/svg+xml", "image/png", "image/jpeg"):
            if mime in bundle:
                data = _text(bundle[mime])
                if mime == "image/svg+xml":
                    data = base64.b64encode(data.encode("utf-8")).decode("ascii")
                source = source.replace(f"attachment:{name}", f"data:{mime};base64,{data}")
                break
    return source


LOCAL_IMAGE = re.compile(r'(!\[[^\]]*\]\(\s*<?)([^)\s>]+)(>?(?:\s+"[^"]*")?\s*\))|(<img\b[^>]*?\bsrc=")([^"]+)(")')
IMAGE_MIMES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


class MissingImageError(InputError, ValueError):
    """A markdown cell shows an image file that is not there (see _local_images_inline)."""


def missing_local_image(source: str, folder: Path | None) -> str | None:
    """Why a markdown cell's image file cannot go into the PDF, or None (see _local_images_inline)."""
    try:
        _local_images_inline(source, folder, read=False)
    except MissingImageError as exc:
        return str(exc)
    return None


def _local_images_inline(source: str, folder: Path | None, read: bool = True) -> str:
    """Images a markdown cell takes from files next to the notebook (``![kort](kort.png)``) as data
    URIs, as nbconvert's HTML export embeds them. Web addresses are left (their alt text stands in);
    a local file that is not there raises MissingImageError: the PDF would silently lack it."""
    def inline(m: re.Match) -> str:
        before, src, after = (m.group(1), m.group(2), m.group(3)) if m.group(2) else (m.group(4), m.group(5), m.group(6))
        if re.match(r"[a-z][a-z0-9+.-]*:", src, re.I):  # data:, attachment:, http(s): ...
            return m.group(0)
        path = (folder or Path.cwd()) / unquote(src)
        mime = IMAGE_MIMES.get(path.suffix.lower())
        if not path.is_file():
            raise MissingImageError(f"image '{src}' is not in {folder or Path.cwd()}; put the file next to the "
                                    "notebook, or drag it into the markdown cell to attach it")
        if mime is None:
            raise MissingImageError(f"image '{src}' is not SVG, PNG or JPEG; save it as one of those")
        if not read:
            return m.group(0)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"{before}data:{mime};base64,{data}{after}"

    return LOCAL_IMAGE.sub(inline, source)


def _output_blocks(output, cell, lang: str) -> list[dict]:
    data = output.get("data", {})
    mime = next((m for m in OUTPUT_PRIORITY if m in data), None)
    if mime == "text/html":
        return html_blocks(_text(data[mime]))
    if mime == "text/markdown":
        return [{"t": "box", "cls": "markdown", "lang": "", "body": markdown_blocks(_text(data[mime]))}]
    if mime is None:
        return []  # plain text reprs, widgets, javascript: not in the report (as in the HTML export)
    alt = output.get("metadata", {}).get("alt") or cell.get("metadata", {}).get("alt") or DEFAULT_ALT.get(lang, "Figur")
    if mime == "image/svg+xml":
        image = {"mime": mime, "data": _text(data[mime]).encode("utf-8")}
    else:
        image = data_uri_image(f"data:{mime};base64,{_text(data[mime]).strip()}")
    return [{"t": "figure", "cls": "user-figure", "image": image, "alt": alt, "caption": []}]


def notebook_blocks(nb, lang: str = "da", folder: Path | None = None) -> list[dict]:
    """The report as block nodes: markdown cells and the display outputs of code cells, in order.
    ``folder``: the notebook's, where a markdown cell's image files are."""
    blocks: list[dict] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            source = _local_images_inline(_attachments_inline(cell.source, cell.get("attachments")), folder)
            blocks.append({"t": "box", "cls": "markdown", "lang": "", "body": markdown_blocks(source)})
        elif cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.get("output_type") in {"execute_result", "display_data"}:
                    blocks.extend(_output_blocks(output, cell, lang))
    return blocks


def _natural_width(image: dict) -> float | None:
    """A raster image's width as a browser shows it (96 pixels to the inch), in inches; None for SVG
    (drawn to the column's width) or an image Pillow cannot read. A small picture is not blown up to
    the column's width, and one inside a paragraph is not shrunk to the line's height."""
    if image["mime"] not in ("image/png", "image/jpeg"):
        return None
    try:
        from PIL import Image

        with Image.open(io.BytesIO(image["data"])) as im:
            return im.size[0] / 96
    except Exception:  # noqa: BLE001 - an unreadable image keeps the column width
        return None


def _externalise(node, folder: Path, counter: list[int]):
    """Write every image to its own file and put its file name in the tree (JSON carries no bytes)."""
    if isinstance(node, list):
        for item in node:
            _externalise(item, folder, counter)
    elif isinstance(node, dict):
        image = node.get("image")
        if isinstance(image, dict) and "data" in image:
            counter[0] += 1
            name = f"image-{counter[0]}.{EXTENSIONS[image['mime']]}"
            (folder / name).write_bytes(image["data"])
            node["image"] = {"path": name, "format": EXTENSIONS[image["mime"]], "width_in": _natural_width(image)}
        for value in node.values():
            if isinstance(value, (list, dict)):
                _externalise(value, folder, counter)


def _document_meta(meta: dict, title: str) -> dict:
    lang = meta.get("lang", "da")
    page, of = PAGE_LABELS.get(lang, PAGE_LABELS["en"])
    return {
        "title": title,
        "author": meta.get("author", "evaltools"),
        "lang": lang,
        "subject": meta.get("subject", ""),
        "keywords": list(meta.get("keywords", [])),
        "date": meta.get("date", ""),
        "footer": meta.get("footer", ""),
        "page": page,
        "of": of,
        "landscape": bool(meta.get("landscape", False)),
    }


def document(nb, meta: dict, folder: Path | None = None) -> dict:
    """What the Typst template reads: metadata, page labels and the block tree."""
    title = meta.get("title") or nb.metadata.get("title") or "evaltools"
    return {"meta": _document_meta(meta, title), "blocks": notebook_blocks(nb, meta.get("lang", "da"), folder)}


def _row_headers(node, out: list) -> list:
    """Per table in reading order: which body cells are row headers (see pdf_tags)."""
    if isinstance(node, list):
        for item in node:
            _row_headers(item, out)
    elif isinstance(node, dict):
        if node.get("t") == "table":
            out.append([[cell["header"] for cell in row] for row in node["body"]])
        for key, value in node.items():
            if key != "image" and isinstance(value, (list, dict)):
                _row_headers(value, out)
    return out


def render_document(doc: dict) -> bytes:
    """Compile a document tree (images as bytes) to tagged PDF/UA-1 bytes."""
    row_headers = _row_headers(doc["blocks"], [])
    with scratch_folder(prefix="evaltools-typst-") as folder:
        _externalise(doc["blocks"], folder, [0])
        (folder / "doc.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        (folder / "report.typ").write_bytes(TEMPLATE.read_bytes())
        with _COMPILING:
            pdf = _compiler().compile(input=str(folder / "report.typ"), root=str(folder), format="pdf",
                                      pdf_standards=PDF_STANDARDS)
    return finish_pdf(pdf, row_headers)


def notebook_to_pdf(nb, meta: dict, folder: Path | None = None) -> bytes:
    """The executed (and preprocessed) notebook as the committee PDF; ``folder``: the notebook's."""
    return render_document(document(nb, meta, folder))


def html_to_pdf(html: str, meta: dict) -> bytes:
    """A standalone HTML document of ours (the batch overview, the claims page) as tagged PDF.

    ``meta`` as for a report (title, lang, footer; ``landscape`` for an A4 landscape page).
    """
    return render_document({"meta": _document_meta(meta, meta.get("title") or "evaltools"),
                            "blocks": html_blocks(html)})
