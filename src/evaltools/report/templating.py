"""The one Jinja environment for report fragments and standalone documents (overview, claims)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

CSS = Path(__file__).parent / "templates" / "nbconvert" / "evaltools" / "report.css"

env = Environment(
    loader=PackageLoader("evaltools.report", "templates/fragments"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def quoted(text: str, language: str = "da") -> str:
    """A quotation as the report's language marks it: »Danish«, “English”."""
    return f"»{text}«" if language == "da" else f"\u201c{text}\u201d"


env.filters["quoted"] = quoted


def render(name: str, **context) -> str:
    return env.get_template(name).render(**context)


def render_pdf(name: str, *, engine: str | None = None, landscape: bool = False, **context) -> bytes:
    """A standalone HTML template (with the report's CSS) rendered to tagged PDF.

    ``engine``: typst or weasyprint, default as for reports (``$EVALTOOLS_PDF_ENGINE``, else typst).
    The context's ``title``, ``lang`` and ``footer`` become the PDF's metadata and footer.
    """
    from evaltools.report.engines import default_pdf_engine, get_pdf_engine

    engine = engine or default_pdf_engine()
    get_pdf_engine(engine)  # an unknown name is an InputError naming the choices
    html = render(name, css=CSS.read_text(encoding="utf-8"), **context)
    if engine == "weasyprint":
        from evaltools.report.pdf import html_to_pdf

        return html_to_pdf(html)
    from evaltools.report.typst_pdf import html_to_pdf

    meta = {"title": context.get("title", ""), "lang": context.get("lang", "da"),
            "footer": context.get("footer", ""), "landscape": landscape}
    return html_to_pdf(html, meta)
