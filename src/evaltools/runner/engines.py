"""Execution engines: how a parameterised notebook gets executed. A registry, like papermill's."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import nbformat


class Engine(Protocol):
    def execute(self, notebook: Path, parameters: dict, cwd: Path) -> nbformat.NotebookNode: ...


class PapermillEngine:
    """papermill in a fresh kernel: what a user's interactive run does, step for step."""

    name = "papermill"

    def __init__(self, kernel_name: str | None = None, timeout: int = 600):
        self.kernel_name = kernel_name
        self.timeout = timeout

    def execute(self, notebook: Path, parameters: dict, cwd: Path) -> nbformat.NotebookNode:
        import papermill

        return papermill.execute_notebook(
            str(notebook),
            None,  # keep the executed notebook in memory; we write it atomically ourselves
            parameters=parameters,
            kernel_name=self.kernel_name or _native_kernel(),
            cwd=str(cwd),
            progress_bar=False,
            execution_timeout=self.timeout,
            report_mode=False,
            # the kernel's start-up log lines are not the user's business
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )


def _native_kernel() -> str:
    """A kernel that runs in this interpreter (so the installed evaltools is importable)."""
    from evaltools.runner.kernel import ensure_kernel

    return ensure_kernel()


ENGINES: dict[str, type] = {"papermill": PapermillEngine}


def get_engine(name: str = "papermill", **kwargs) -> Engine:
    try:
        return ENGINES[name](**kwargs)
    except KeyError:
        raise ValueError(f"unknown engine '{name}'; available: {', '.join(ENGINES)}") from None
