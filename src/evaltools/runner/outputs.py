"""Output backends: what a finished notebook becomes (PDF, HTML, the executed notebook)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from evaltools.errors import InputError

if TYPE_CHECKING:  # imported where used: `evaltools run` launches its kernel first
    import nbformat


def _resources(folder: Path | None) -> dict | None:
    """nbconvert's resources: the notebook's folder, where a markdown cell's image files are."""
    return {"metadata": {"path": str(folder)}} if folder is not None else None


def _config():
    from traitlets.config import Config

    # the notebook ran just now; the runner compares the data it used with the data hashes itself
    return Config({"RefuseFailedPreprocessor": {"check_data": False}})


def _pdf(nb: nbformat.NotebookNode, folder: Path | None = None) -> bytes:
    from evaltools.report.exporter import EvaltoolsPDFExporter

    body, _ = EvaltoolsPDFExporter(config=_config()).from_notebook_node(nb, resources=_resources(folder))
    return body


def _html(nb: nbformat.NotebookNode, folder: Path | None = None) -> bytes:
    from evaltools.report.exporter import EvaltoolsHTMLExporter

    body, _ = EvaltoolsHTMLExporter(config=_config()).from_notebook_node(nb, resources=_resources(folder))
    return body.encode("utf-8")


def _ipynb(nb: nbformat.NotebookNode, folder: Path | None = None) -> bytes:
    import nbformat

    return nbformat.writes(nb).encode("utf-8")


# name -> (file extension, renderer(notebook, its folder))
BACKENDS: dict[str, tuple[str, Callable[..., bytes]]] = {
    "pdf": (".pdf", _pdf),
    "html": (".html", _html),
    "ipynb": (".ipynb", _ipynb),
}


def preload(formats) -> None:
    """Import what rendering ``formats`` needs; ``evaltools run`` does it while its kernel starts."""
    if {"pdf", "html"} & set(formats):
        from evaltools.report import exporter  # noqa: F401  (nbconvert, the templates)
    if "pdf" in formats:
        from evaltools.report import typst_pdf  # noqa: F401  (the typst compiler)


def get_backend(name: str) -> tuple[str, Callable[..., bytes]]:
    try:
        return BACKENDS[name]
    except KeyError:
        raise InputError(f"unknown output format '{name}'; available: {', '.join(BACKENDS)}") from None
