"""Run one report: validate params, execute the notebook, write the outputs atomically."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evaltools.params import ReportParams, load_params
from evaltools.runner.engines import get_engine
from evaltools.runner.io import atomic_write_bytes
from evaltools.runner.outputs import get_backend
from evaltools.runner.parameterize import notebook_parameters

DEFAULT_NOTEBOOK = Path("notebooks") / "evaluering.ipynb"
DEFAULT_FORMATS = ("pdf", "ipynb")


class ReportExistsError(FileExistsError):
    def __str__(self) -> str:
        return self.args[0]


class NotebookFailedError(RuntimeError):
    """The notebook raised; ``cell`` is the failing cell's index, ``error`` its message."""

    def __init__(self, notebook: str, cell: int | None, error: str):
        self.cell, self.error = cell, error
        where = f"cell {cell}" if cell is not None else "a cell"
        super().__init__(f"{notebook}: {where} failed: {error}")


@dataclass
class RunResult:
    params_file: Path
    params: ReportParams
    outputs: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0
    replaced: bool = False

    @property
    def pdf(self) -> Path | None:
        return self.outputs.get("pdf")


def find_notebook(params_file: Path, notebook: Path | None = None) -> Path:
    """The notebook to run: given, or notebooks/evaluering.ipynb above the params file or here."""
    if notebook is not None:
        if not notebook.is_file():
            raise FileNotFoundError(f"notebook not found: {notebook}")
        return notebook
    for base in [params_file.resolve().parent, *params_file.resolve().parents, Path.cwd()]:
        candidate = base / DEFAULT_NOTEBOOK
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"cannot find {DEFAULT_NOTEBOOK}; pass --notebook")


def output_paths(params_file: Path, out_dir: Path, formats: Sequence[str]) -> dict[str, Path]:
    stem = params_file.stem
    return {fmt: out_dir / stem / f"{stem}{get_backend(fmt)[0]}" for fmt in formats}


def _failure(nb_path: Path, exc: Exception) -> NotebookFailedError:
    """papermill's PapermillExecutionError carries the cell and the error; say it in one line."""
    cell = getattr(exc, "exec_count", None)
    ename, evalue = getattr(exc, "ename", type(exc).__name__), getattr(exc, "evalue", str(exc))
    return NotebookFailedError(str(nb_path), cell, f"{ename}: {evalue}")


def run_report(
    params_file: str | Path,
    *,
    out_dir: str | Path = "reports",
    notebook: str | Path | None = None,
    force: bool = False,
    formats: Sequence[str] = DEFAULT_FORMATS,
    engine: str = "papermill",
) -> RunResult:
    """Validate ``params_file``, run the notebook, and write the outputs under ``out_dir/<stem>/``.

    Nothing is written unless the whole run succeeds; an existing report is only replaced with
    ``force=True``.
    """
    started = time.perf_counter()
    params_file, out_dir = Path(params_file), Path(out_dir)
    params = load_params(params_file)  # raises ParamsError before anything runs
    nb_path = find_notebook(params_file, Path(notebook) if notebook else None)
    parameters = notebook_parameters(params, nb_path, params_file)
    targets = output_paths(params_file, out_dir, formats)
    existing = [p for p in targets.values() if p.exists()]
    if existing and not force:
        raise ReportExistsError(f"{existing[0]} already exists; use --force to replace it")

    # The kernel works in its own scratch folder: parallel runs never share intermediate files.
    with tempfile.TemporaryDirectory(prefix="evaltools-run-") as scratch:
        try:
            nb = get_engine(engine).execute(nb_path, parameters, cwd=Path(scratch))
        except Exception as exc:  # papermill raises its own error type with the cell's error
            if type(exc).__name__ == "PapermillExecutionError":
                raise _failure(nb_path, exc) from None
            raise
        rendered = {fmt: get_backend(fmt)[1](nb) for fmt in formats}
    for fmt, data in rendered.items():
        atomic_write_bytes(targets[fmt], data)
    return RunResult(params_file, params, targets, time.perf_counter() - started, replaced=bool(existing))

