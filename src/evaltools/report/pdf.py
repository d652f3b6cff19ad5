"""HTML -> tagged PDF (PDF/UA-1) with WeasyPrint."""

from __future__ import annotations

import logging

PDF_VARIANT = "pdf/ua-1"


def html_to_pdf(html: str, base_url: str | None = None) -> bytes:
    """Render report HTML to PDF bytes: tagged (PDF/UA-1), fonts embedded, metadata from <head>."""
    import weasyprint

    # WeasyPrint logs CSS it ignores at WARNING; that is noise in a report run.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return weasyprint.HTML(string=html, base_url=base_url).write_pdf(pdf_variant=PDF_VARIANT)
