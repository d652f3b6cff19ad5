"""PDF engines for the evaltools PDF exporter: a small registry, like papermill's engines.

An engine takes the exporter, the notebook and nbconvert's resources and returns the PDF bytes and
the resources. Select one with ``EvaltoolsPDFExporter.pdf_engine`` (a configurable traitlet:
``jupyter nbconvert --to Evaltools_PDF --EvaltoolsPDFExporter.pdf_engine=typst``).

- ``typst`` (the default): the notebook's content laid out by Typst (``evaltools.report.typst_pdf``).
- ``weasyprint``: the HTML report (same template as ``Evaltools_HTML``) printed by WeasyPrint.

The same choice makes the batch's standalone PDFs (overview, claims): ``default_pdf_engine()``
reads ``$EVALTOOLS_PDF_ENGINE`` and falls back to ``DEFAULT_PDF_ENGINE``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from evaltools.errors import InputError

PdfEngine = Callable[..., tuple[bytes, dict]]
DEFAULT_PDF_ENGINE = "typst"
ENGINE_ENV = "EVALTOOLS_PDF_ENGINE"
_ENGINES: dict[str, PdfEngine] = {}


class UnknownPdfEngineError(InputError, LookupError):
    """No PDF engine by that name."""


def register_pdf_engine(name: str, engine: PdfEngine) -> None:
    """Make ``engine`` selectable as ``pdf_engine = name``."""
    _ENGINES[name] = engine


def get_pdf_engine(name: str) -> PdfEngine:
    try:
        return _ENGINES[name]
    except KeyError:
        known = ", ".join(sorted(_ENGINES))
        raise UnknownPdfEngineError(f"unknown PDF engine {name!r} (EvaltoolsPDFExporter.pdf_engine); "
                                    f"choose one of: {known}") from None


def pdf_engines() -> list[str]:
    return sorted(_ENGINES)


def default_pdf_engine() -> str:
    """The engine to use when none is configured: ``$EVALTOOLS_PDF_ENGINE``, else typst."""
    return os.environ.get(ENGINE_ENV) or DEFAULT_PDF_ENGINE


def _weasyprint(exporter, nb, resources=None, **kw) -> tuple[bytes, dict]:
    from evaltools.report.exporter import EvaltoolsHTMLExporter
    from evaltools.report.pdf import html_to_pdf

    html, resources = EvaltoolsHTMLExporter.from_notebook_node(exporter, nb, resources=resources, **kw)
    return html_to_pdf(html), resources


def _typst(exporter, nb, resources=None, **kw) -> tuple[bytes, dict]:
    from nbconvert.exporters import Exporter

    from evaltools.report.metadata import METADATA_KEY
    from evaltools.report.typst_pdf import notebook_to_pdf

    # the exporter's preprocessors (drop tagged cells, stderr, errors; collect metadata), no HTML template
    nb, resources = Exporter.from_notebook_node(exporter, nb, resources=resources, **kw)
    folder = (resources.get("metadata") or {}).get("path")
    return notebook_to_pdf(nb, resources.get(METADATA_KEY, {}), Path(folder) if folder else None), resources


register_pdf_engine("weasyprint", _weasyprint)
register_pdf_engine("typst", _typst)
