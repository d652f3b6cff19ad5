"""HTML -> tagged PDF (PDF/UA-1) with WeasyPrint."""

from __future__ import annotations

import logging

PDF_VARIANT = "pdf/ua-1"


def _header_scope(document, pdf) -> None:
    """Write each <th scope="..."> as /Scope on its /TH structure element.

    WeasyPrint links header to data cells with /Headers and /IDs but writes no /Scope on the
    header cells, which PDF/UA checkers (e.g. pdfua's UA-15-003) look for. Runs as WeasyPrint's
    finisher: after the structure tree is built, before the PDF is written.
    """

    def walk(box):
        mark = getattr(box, "mark", None)
        if getattr(box, "element_tag", None) == "th" and mark is not None and "A" in mark:
            mark["A"]["Scope"] = "/Row" if box.element.attrib.get("scope") == "row" else "/Column"
        children = getattr(box, "all_children", None)
        for child in children() if children else ():
            walk(child)

    for page in document.pages:
        walk(page._page_box)


def html_to_pdf(html: str, base_url: str | None = None) -> bytes:
    """Render report HTML to PDF bytes: tagged (PDF/UA-1), fonts embedded, metadata from <head>."""
    import weasyprint

    # WeasyPrint logs CSS it ignores at WARNING; that is noise in a report run.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return weasyprint.HTML(string=html, base_url=base_url).write_pdf(pdf_variant=PDF_VARIANT, finisher=_header_scope)
