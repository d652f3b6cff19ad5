"""Report: sections shown in the notebook, and the nbconvert exporter that turns them into a PDF.

``Report`` and ``Section`` load on first use (they import matplotlib and seaborn), so light modules
such as ``evaltools.report.metadata`` can be imported without them.
"""

from importlib import import_module

__all__ = ["Report", "Section"]


def __getattr__(name: str):
    if name in __all__:
        return getattr(import_module("evaltools.report.sections"), name)
    raise AttributeError(f"module 'evaltools.report' has no attribute '{name}'")
