"""Run one report: validate params, execute the notebook, write the outputs atomically."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from evaltools.errors import BatchLockedError, RunError
from evaltools.formatting import first_line
from evaltools.report.metadata import report_metadata
from evaltools.runner.engines import Engine, get_engine
from evaltools.runner import interrupts, processes
from evaltools.runner.io import atomic_write_files, check_output_folder
from evaltools.runner.lock import batch_running
from evaltools.runner.outputs import BACKENDS, get_backend, preload
from evaltools.runner.parameterize import notebook_parameters
from evaltools.scratch import scratch_folder

if TYPE_CHECKING:
    from evaltools.params import ReportParams

DEFAULT_NOTEBOOK = Path("notebooks") / "evaluering.ipynb"
DEFAULT_FORMATS = ("pdf", "ipynb")


class ReportExistsError(RunError, FileExistsError):
    def __str__(self) -> str:
        return self.args[0]


class NotebookFailedError(RunError, RuntimeError):
    """The notebook raised. ``cell`` is the failing cell's position in the user's notebook
    (1-based, papermill's injected cell not counted), ``line`` its first line, ``error`` the error."""

    def __init__(self, notebook: str, cell: int | None, error: str, line: str | None = None):
        self.cell, self.error, self.line = cell, error, line
        where = f"cell {cell}" if cell is not None else "a cell"
        if line:
            where += f" ({line})"
        super().__init__(f"{notebook}: {where} failed: {error}")


@dataclass
class RunResult:
    params_file: Path
    params: ReportParams
    outputs: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0
    replaced: bool = False
    metadata: dict = field(default_factory=dict)  # the report's own: title, hashes, results
    not_rebuilt: list[Path] = field(default_factory=list)  # the report's files of other formats, left as they were
    interrupted_after_write: bool = False  # Ctrl-C/SIGTERM came after the files were complete

    @property
    def pdf(self) -> Path | None:
        return self.outputs.get("pdf")


def find_notebook(params_file: Path, notebook: Path | None = None) -> Path:
    """The notebook to run: given, or notebooks/evaluering.ipynb above the params file or here,
    or the template packaged with evaltools (see evaltools.project.resolve_notebook)."""
    from evaltools.project import resolve_notebook

    return resolve_notebook(params_file, notebook)[0]


def output_paths(stem: str, out_dir: Path, formats: Sequence[str]) -> dict[str, Path]:
    return {fmt: out_dir / stem / f"{stem}{get_backend(fmt)[0]}" for fmt in formats}


def other_outputs(stem: str, out_dir: Path, formats: Sequence[str]) -> dict[str, Path]:
    """The report's files on disk of the formats not in ``formats`` (left from an earlier build)."""
    return {fmt: p for fmt, p in output_paths(stem, out_dir, BACKENDS).items() if fmt not in formats and p.exists()}


def _failure(nb_path: Path, exc: Exception) -> NotebookFailedError:
    """papermill's and our warm engine's errors carry the failing cell; say it in one line."""
    ename = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    if evalue is None:
        lines = str(exc).strip().splitlines()
        # nbclient's timeout says what happened first, then quotes the cell between dashed lines
        evalue = (lines[0] if ename == "CellTimeoutError" else lines[-1]) if lines else ""
    index = getattr(exc, "cell_index", None)
    cell = None
    if index is not None:
        # the executed notebook is the template plus papermill's injected cell right after the
        # parameters cell; count cells as the user sees them in the template
        import nbformat

        template = nbformat.read(str(nb_path), as_version=4)
        params_at = next((i for i, c in enumerate(template.cells)
                          if "parameters" in c.get("metadata", {}).get("tags", [])), None)
        shift = 1 if params_at is not None and index > params_at + 1 else 0
        cell = index - shift + 1
    source = getattr(exc, "source", None) or ""
    line = first_line(source) if source.strip() else None
    return NotebookFailedError(str(nb_path), cell, f"{ename}: {evalue}", line)


def render_report(
    params: ReportParams,
    params_file: Path,
    targets: dict[str, Path],
    nb_path: Path,
    engine: Engine,
) -> tuple[dict, float, dict[Path, bytes]]:
    """Execute and render in memory: (report metadata, seconds, {target path: bytes}). Writes nothing.

    An interrupt at any point raises :class:`~evaltools.runner.interrupts.Interrupted`, also
    when a library swallowed its KeyboardInterrupt (WeasyPrint does, while drawing a figure).
    """
    started = time.perf_counter()
    parameters = notebook_parameters(params, nb_path, params_file)
    # The kernel works in its own scratch folder: parallel runs never share intermediate files.
    with scratch_folder(prefix="evaltools-run-") as scratch:
        try:
            with interrupts.keep_handlers():  # nbclient would take Ctrl-C over and carry on
                nb = engine.execute(nb_path, parameters, cwd=scratch)
        except Exception as exc:
            interrupts.check()  # a cell cut short by our interrupt is an interrupt, not a broken report
            if type(exc).__name__ in ("PapermillExecutionError", "CellExecutionError", "DeadKernelError", "CellTimeoutError"):
                raise _failure(nb_path, exc) from None
            raise
        interrupts.check()
        rendered: dict[Path, bytes] = {}
        for fmt, path in targets.items():
            rendered[path] = get_backend(fmt)[1](nb, nb_path.resolve().parent)
            interrupts.check()  # a figure drawn while the signal came is blank: never write that PDF
    return report_metadata(nb), time.perf_counter() - started, rendered


def _how_old(params: ReportParams, targets: dict[str, Path], out_dir: Path, stem: str) -> str:
    """', built from other data (data 832effb8ab13, now c60336dcdfca)' when the existing report's own
    record (its executed notebook) shows other data or params than a run now would use; '' if the
    same or unknown."""
    import nbformat

    from evaltools.hashing import outcomes_hash, params_hash

    ipynb = targets.get("ipynb") or output_paths(stem, out_dir, ["ipynb"])["ipynb"]
    try:
        hashes = report_metadata(nbformat.read(str(ipynb), as_version=4)).get("hashes") or {}
    except Exception:  # noqa: BLE001 - no record, or not one we can read: say nothing more
        return ""
    outcomes = [g.outcome for g in params.goals] if params.goals else [params.outcome]
    now = outcomes_hash(outcomes)
    if hashes.get("data") and now and hashes["data"] != now:
        return f", built from other data (data {hashes['data']}, now {now})"
    if hashes.get("params") and hashes["params"] != params_hash(params.notebook_parameters()):
        return ", built with other params"
    return ""


def run_report(
    params_file: str | Path,
    *,
    out_dir: str | Path = "reports",
    notebook: str | Path | None = None,
    force: bool = False,
    formats: Sequence[str] = DEFAULT_FORMATS,
    engine: str = "warm",
) -> RunResult:
    """Validate ``params_file``, run the notebook, and write the outputs under ``out_dir/<stem>/``.

    Nothing is written unless the whole run succeeds (all outputs or none, also on Ctrl-C or
    SIGTERM, which raise :class:`~evaltools.runner.interrupts.Interrupted`); an existing report
    is only replaced with ``force=True``.
    """
    params_file, out_dir = Path(params_file), Path(out_dir)
    before = processes.children()
    eng = None
    written = False  # the report's files are complete on disk
    try:
        eng = get_engine(engine)  # a warm engine starts its kernel now, while the input is checked
        from evaltools.params import load_params  # the data it checks against loads while the kernel starts

        params = load_params(params_file)  # raises ParamsError before anything runs
        nb_path = find_notebook(params_file, Path(notebook) if notebook else None)
        notebook_parameters(params, nb_path, params_file)  # strict: undeclared keys fail before a cell runs
        targets = output_paths(params_file.stem, out_dir, formats)
        existing = [p for p in targets.values() if p.exists()]
        if existing and not force:
            raise ReportExistsError(f"{existing[0]} already exists{_how_old(params, targets, out_dir, params_file.stem)}; "
                                    "use --force to replace it")
        check_output_folder(out_dir)  # a read-only or mistyped --out fails now, not after the run
        if (batch := batch_running(out_dir)) is not None:  # its ledger and overview would not know this report
            raise BatchLockedError(f"{out_dir} is in use by a batch (pid {batch.get('pid', '?')} on {batch.get('host', '?')}, "
                                   f"started {batch.get('started', '?')}); wait for it to finish, or give --out another folder")
        preload(formats)  # while the kernel is still starting
        with interrupts.handle_interrupts():
            metadata, seconds, rendered = render_report(params, params_file, targets, nb_path, eng)
            # the last step: a signal while the files are renamed comes too late to stop anything, and
            # the report it leaves is complete, so it is reported as written
            with interrupts.deferred(act=False):
                atomic_write_files(rendered)
                written = True
                eng.close(now=interrupts.interrupted() is not None)  # a signal now only cuts the shutdown short
            result = RunResult(params_file, params, targets, seconds, replaced=bool(existing), metadata=metadata,
                               not_rebuilt=list(other_outputs(params_file.stem, out_dir, formats).values()),
                               interrupted_after_write=interrupts.interrupted() is not None)
    except BaseException as exc:
        if eng is not None:
            eng.close(now=True)
        processes.kill(processes.children() - before)  # the kernel this run started, however far it got
        if hasattr(eng, "after_kill"):
            eng.after_kill()
        if not (written and isinstance(exc, KeyboardInterrupt)):
            raise
        # a signal after the files were complete: the report is whole, and the run says so
        result = RunResult(params_file, params, targets, seconds, replaced=bool(existing), metadata=metadata,
                           not_rebuilt=list(other_outputs(params_file.stem, out_dir, formats).values()),
                           interrupted_after_write=True)
    return result
