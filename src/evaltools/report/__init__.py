"""Report: sections shown in the notebook, and the nbconvert exporter that turns them into a PDF."""

from evaltools.report.sections import Report, Section

__all__ = ["Report", "Section"]
