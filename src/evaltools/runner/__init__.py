"""Running reports: parameterize, execute (engines), write outputs (backends), atomically."""

from __future__ import annotations

__all__ = ["ReportExistsError", "RunResult", "run_report"]


def __getattr__(name: str):
    # lazy: small helpers (runner.io, runner.interrupts) must not import nbformat and papermill
    if name in __all__:
        from evaltools.runner import run

        return getattr(run, name)
    raise AttributeError(f"module 'evaltools.runner' has no attribute {name!r}")
