"""Running reports: parameterize, execute (engines), write outputs (backends), atomically."""

from evaltools.runner.run import ReportExistsError, RunResult, run_report

__all__ = ["ReportExistsError", "RunResult", "run_report"]
