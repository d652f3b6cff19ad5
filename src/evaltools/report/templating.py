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


def render(name: str, **context) -> str:
    return env.get_template(name).render(**context)


def render_pdf(name: str, **context) -> bytes:
    """A standalone HTML template (with the report's CSS) rendered to tagged PDF."""
    from evaltools.report.pdf import html_to_pdf

    return html_to_pdf(render(name, css=CSS.read_text(encoding="utf-8"), **context))
