"""Batches: many reports in parallel, resumable, with a ledger, a failure table and an overview."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evaltools.errors import InputError
from evaltools.hashing import code_hash, file_content_hash, file_hash, outcomes_hash, params_hash
from evaltools.kommuner import get_kommune
from evaltools.report.engines import default_pdf_engine
from evaltools.runner import interrupts
from evaltools.runner.executors import JobSpec, get_executor
from evaltools.results import CLAIM_COLUMNS, RESULT_COLUMNS
from evaltools.runner.io import atomic_write_bytes, check_output_folder, missing_folders, remove_empty
from evaltools.runner.lock import batch_lock
from evaltools.runner.jobs import Job, plan_jobs
from evaltools.runner.ledger import Ledger, foreign_files
from evaltools.runner.parameterize import notebook_parameters
from evaltools.runner.outputs import BACKENDS
from evaltools.runner.run import find_notebook, other_outputs, output_paths

RESULT_KEYS = [*[c for c in RESULT_COLUMNS if c not in ("kommune", "kode")], *CLAIM_COLUMNS]


@dataclass
class BatchResult:
    folder: Path
    rows: list[dict] = field(default_factory=list)
    overview: Path | None = None
    claims: Path | None = None
    seconds: float = 0.0
    # files of formats this batch did not build, left from an earlier build with other params,
    # data or code: not current (the ledger's pdf column is empty for them)
    stale: list[Path] = field(default_factory=list)
    # reports built from data that changed while the batch ran (a re-import, a fetch): the overview
    # pages are not written, as they would rank old and new numbers together
    data_changed: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.rows if r["status"] == "failed"]

    @property
    def built(self) -> list[dict]:
        return [r for r in self.rows if r["status"] == "ok" and r["run"] == "built"]

    @property
    def reused(self) -> list[dict]:
        return [r for r in self.rows if r["status"] == "ok" and r["run"] == "reused"]


def default_batch_name(targets: Sequence[str | Path], kommuner: str | None) -> str:
    if len(targets) == 1:
        target = Path(targets[0])
        name = target.name if target.is_dir() else target.stem
        return f"{name}-kommuner" if kommuner else name
    return "batch"


def _base_row(job: Job, hashes: dict) -> dict:
    kode = ""
    if job.params is not None:
        try:
            kode = get_kommune(job.params.kommune).code
        except LookupError:
            pass
    claim = job.params.claim if job.params is not None else None  # a plan's results have none of their own
    return {"name": job.name, "kommune": job.kommune, "kode": kode, "seed": job.seed,
            "params_file": str(job.params_file), **hashes,
            **({"claim": claim.text, "claim_value": claim.value, "claim_measure": claim.measure} if claim else {})}


def _language(jobs: Sequence[Job]) -> str:
    """The overview pages' language: the reports' own when they share one (an English batch gets
    English overview and claims pages), else Danish."""
    languages = {j.params.language for j in jobs if j.params is not None}
    return languages.pop() if len(languages) == 1 else "da"


def _dropped_by_user(folder: Path, row: dict) -> bool:
    """A report whose params file and report folder the user deleted is one they dropped themselves."""
    params = row.get("params_file")
    return bool(params) and not Path(params).exists() and not (folder / row["name"]).exists()


def _refuse_to_drop_reports(folder: Path, jobs: Sequence[Job]) -> None:
    """The ledger and overview describe one batch's reports: a batch into a folder whose ledger has
    reports it does not name (another --kommuner list, a params file gone) would drop them silently."""
    try:
        earlier = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["reports"]
    except (OSError, ValueError, KeyError, TypeError):
        return
    names = {j.name for j in jobs}
    dropped = sorted(r["name"] for r in earlier if isinstance(r, dict) and isinstance(r.get("name"), str)
                     and r["name"] not in names and not _dropped_by_user(folder, r))
    if dropped:
        which = ", ".join(dropped[:3]) + (f" and {len(dropped) - 3} more" if len(dropped) > 3 else "")
        raise InputError(f"{folder} holds {len(dropped)} report(s) this batch does not name ({which}); its ledger "
                         "and overview would drop them. Name them too (--kommuner all skips unchanged reports), "
                         "or build into another folder with --name. A report you no longer want goes from the "
                         "ledger when its params file and its folder are deleted")


def run_batch(
    targets: Sequence[str | Path],
    *,
    kommuner: str | None = None,
    out_dir: str | Path = "reports",
    name: str | None = None,
    notebook: str | Path | None = None,
    force: bool = False,
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    engine: str = "warm",
    formats: Sequence[str] = ("pdf", "ipynb"),
    progress: bool = True,
    language: str | None = None,
) -> BatchResult:
    """Build every report; failures are recorded with their cause and never stop the others.

    The output folder is checked and locked (one batch at a time) before any kernel starts. On
    Ctrl-C or SIGTERM the workers are stopped, every report that finished is in the ledger, and
    :class:`~evaltools.runner.interrupts.Interrupted` is raised.
    """
    started = time.perf_counter()
    if executor != "local":  # a cluster's workers have working folders of their own: every path absolute
        out_dir, targets = Path(out_dir).resolve(), [Path(t).resolve() for t in targets]
        notebook = Path(notebook).resolve() if notebook else None
    folder = Path(out_dir) / (name or default_batch_name(targets, kommuner))
    made = missing_folders(folder)
    check_output_folder(folder)  # first: a folder we cannot use, or one another batch holds, costs nothing
    try:
        with interrupts.handle_interrupts(), batch_lock(folder):
            jobs = plan_jobs(targets, kommuner)
            if not jobs:
                raise InputError(f"no params files (*.yaml) in {', '.join(map(str, targets))}")
            _refuse_to_drop_reports(folder, jobs)
            if not force and (foreign := foreign_files(folder)):
                names = ", ".join(p.name for p in foreign)
                it = "it" if len(foreign) == 1 else "them"
                raise InputError(f"{folder} holds {names}, not written by an evaltools batch (or changed since); the "
                                 f"batch would overwrite {it}. Move {it} away, build into another folder with --name, "
                                 f"or replace {it} with --force")
            nb_path = find_notebook(jobs[0].params_file, Path(notebook) if notebook else None)
            runnable = [j for j in jobs if j.error is None]
            if runnable:  # strict parameters: an undeclared key fails here, before any kernel starts
                notebook_parameters(runnable[0].params, nb_path, runnable[0].params_file)
            executor_obj = get_executor(executor, workers=workers, scheduler=scheduler, engine=engine)
            result = _run_locked(jobs, folder, nb_path, executor_obj, force=force, engine=engine,
                                 formats=formats, progress=progress, language=language or _language(jobs))
    except BaseException:
        remove_empty(made)  # a batch refused at planning leaves no empty folders behind
        raise
    result.seconds = time.perf_counter() - started
    return result


def _outcomes(job: Job) -> list[str | None]:
    """The outcomes a report reads: its one outcome, or each goal's."""
    if job.params is None:
        return []
    if job.params.goals:
        return [g.outcome for g in job.params.goals]
    return [job.params.outcome]


def _data_hashes(jobs: Sequence[Job]) -> dict[tuple, str | None]:
    """Per set of outcomes, the hash of the data its reports will use (None if none can be
    loaded: the report then fails with the reason). Loaded once per outcome set."""
    out: dict[tuple, str | None] = {}
    for job in jobs:
        key = tuple(_outcomes(job))
        if key and key not in out:
            out[key] = outcomes_hash(list(key))
    return out


def _run_locked(jobs: list[Job], folder: Path, nb_path: Path, executor_obj, *, force: bool, engine: str,
                formats: Sequence[str], progress: bool, language: str) -> BatchResult:
    ledger = Ledger(folder)
    # the PDF engine (EVALTOOLS_PDF_ENGINE) makes other PDFs from the same inputs: a switch rebuilds
    common = {"code_hash": code_hash(), "notebook_hash": file_hash(nb_path), "pdf_engine": default_pdf_engine()}
    data = _data_hashes(jobs)
    result = BatchResult(folder)
    specs: list[JobSpec] = []
    rows: dict[str, dict] = {}
    now = lambda: dt.datetime.now().isoformat(timespec="seconds")  # noqa: E731
    for job in jobs:
        hashes = {"data_hash": data.get(tuple(_outcomes(job))), **common,
                  "params_hash": params_hash(job.params.notebook_parameters()) if job.params else None}
        row = _base_row(job, hashes)
        if job.error is not None:
            rows[job.name] = {**row, "status": "failed", "run": "", "error": job.error, "finished_at": now()}
            continue
        targets_ = output_paths(job.name, folder, formats)
        sidecar = folder / job.name / f"{job.name}.evaltools.json"
        done = _read_sidecar(sidecar)
        unchanged = done is not None and done.get("hashes") == hashes
        # current only if every requested file was built with these hashes and still holds what was
        # written: a PDF left from before a params change (the last build made only HTML) exists but
        # is not current, and a truncated or edited one is not what the ledger describes
        built_now = _intact_outputs(done, output_paths(job.name, folder, BACKENDS)) if unchanged else set()
        if unchanged and not force and all(fmt in built_now for fmt in targets_):
            rows[job.name] = {**_finished_row(row, done), "run": "reused"}
            continue
        existing = [p for p in targets_.values() if p.exists()]
        if existing and done is None and not force:  # not made by a batch: never overwrite silently
            why = (f"{existing[0]} already exists, but its record {sidecar.name} is damaged, so what it holds is not "
                   "known; rebuild it with --force" if sidecar.exists() else
                   f"{existing[0]} already exists and was not made by this batch; use --force")
            rows[job.name] = {**row, "status": "failed", "run": "", "finished_at": now(), "error": why}
            continue
        others = other_outputs(job.name, folder, formats)
        kept = {fmt: str(p) for fmt, p in others.items() if fmt in built_now}
        result.stale += [p for fmt, p in others.items() if fmt not in kept]
        rows[job.name] = row
        specs.append(JobSpec(job, targets_, nb_path, engine, hashes, sidecar, kept,
                             {fmt: done["contents"][fmt] for fmt in kept}))
    for row in rows.values():  # failed at planning or reused: one write for all of them
        if row.get("status"):
            ledger.record(row, save=False)
    ledger.save()

    removed = []
    if specs:
        # overview.pdf and claims.pdf sum up the reports as they were: once one is rebuilt they are
        # out of date, and a batch killed outright (no chance to clean up) would leave them so
        removed = [name for name in ("overview.pdf", "claims.pdf") if (folder / name).exists()]
        for name in ("overview.pdf", "claims.pdf"):
            _remove_batch_file(folder, name, ledger)
    bar = _progress(len(specs), progress)
    counts = {"ok": 0, "failed": 0}
    try:
        if not specs:  # everything reused or failed at planning: no workers for the overviews alone
            result.rows = [rows[j.name] for j in jobs]
            _write_overviews(result, folder, language, ledger)
            return result
        with executor_obj.session() as session:
            # the overview pages are drawn here, right after the last report: their libraries load
            # (and draw once) in a thread while the last reports run on the workers
            warm = _OverviewWarmUp(folder.name, language, len(specs), getattr(executor_obj, "workers", None))
            for spec, outcome in session.run(specs):
                row = dict(rows[spec.job.name])
                row["finished_at"] = now()
                unseen = [p for p in spec.targets.values() if not Path(p).exists()]
                if outcome["status"] == "ok" and unseen:  # a worker on another machine, another disk
                    outcome = {"status": "failed", "cell": None, "error": (
                        f"the worker wrote {unseen[0]}, but it is not there as seen from this machine; --out must "
                        "be a folder that this machine and every worker see at the same path")}
                if outcome["status"] == "ok":
                    row = _built_row(row, outcome)
                else:
                    row.update(status="failed", run="built", error=outcome["error"], cell=outcome.get("cell"))
                counts[row["status"]] += 1
                rows[spec.job.name] = row
                ledger.record(row)
                bar.set_postfix(ok=counts["ok"], failed=counts["failed"], refresh=False)  # shown by update
                bar.update(1)
                warm.report_done(rows.values())
            bar.close()
            session.release()  # the workers and their kernels shut down while the overviews are drawn
            result.rows = [rows[j.name] for j in jobs]
            warm.join()
            now = _data_hashes(jobs)  # the data may have been re-imported while the reports were built
            result.data_changed = [j.name for j in jobs if rows[j.name].get("status") == "ok" and tuple(_outcomes(j))
                                   and rows[j.name].get("data_hash") != now.get(tuple(_outcomes(j)))]
            if result.data_changed:
                for name in ("overview.pdf", "claims.pdf"):
                    _remove_batch_file(folder, name, ledger)
            else:
                _write_overviews(result, folder, language, ledger)
    except KeyboardInterrupt as exc:
        with interrupts.deferred():  # workers are stopped; record what they finished before they were
            _record_finished(specs, rows, ledger)
            # the overview pages of the reports before this batch went when it started rebuilding;
            # ones this batch was writing when it was stopped go too (the next run writes them)
            late = [p.name for p in (folder / "overview.pdf", folder / "claims.pdf") if p.exists()]
            for name in late:
                _remove_batch_file(folder, name, ledger)
            exc.removed = list(dict.fromkeys(removed + late))
            exc.finished = sum(1 for row in rows.values() if row.get("status") == "ok")  # reused ones too
        raise
    finally:
        bar.close()
    return result


WARM_UP_LEAD = 4.0  # seconds before the last report is expected: the warm-up takes about 2 s of CPU


class _OverviewWarmUp:
    """Loads what overview.pdf and claims.pdf need (matplotlib, seaborn, the PDF engine: about 2 s)
    in a background thread and draws one throw-away overview, so the real ones take a fraction of
    a second after the last report. Started once: about WARM_UP_LEAD seconds before the last report
    is expected (at once when there are no more reports than local workers, or the workers are a
    cluster's), so its CPU time overlaps the last reports instead of following them."""

    def __init__(self, title: str, language: str, reports: int, workers: int | None):
        """``reports`` to build; ``workers``: local worker processes, None for a cluster's."""
        self.title, self.language = title, language
        self._reports, self._done, self._first_done = reports, 0, 0.0
        self._thread: threading.Thread | None = None
        if workers is None or reports <= workers:
            self._start([])

    def report_done(self, rows) -> None:
        """One more report finished (``rows``: the batch's rows so far); start when the rest is near."""
        self._done += 1
        now = time.perf_counter()
        if self._thread is not None:
            return
        if self._done == 1:
            self._first_done = now
        elif (self._reports - self._done) * (now - self._first_done) / (self._done - 1) <= WARM_UP_LEAD:
            self._start(_overview_rows(rows))

    def _start(self, rows: list[dict]) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, args=(rows,), name="evaltools-overview-warm-up",
                                            daemon=True)  # an interrupted batch never waits for it
            self._thread.start()

    def _run(self, rows: list[dict]) -> None:
        try:
            import evaltools.report.claims  # noqa: F401
            import evaltools.report.overview  # noqa: F401

            if rows:
                _overview_pdf(rows, self.title, self.language)
        except Exception:  # only a warm-up: the real drawing reports any error
            pass

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()


def _overview_pdf(rows: list[dict], title: str, language: str, left_out: list[dict] | None = None) -> bytes:
    from evaltools.report.overview import render_overview

    return render_overview(rows, title, language, left_out)


def _claims_pdf(rows: list[dict], language: str, plans: list[dict] | None = None) -> bytes:
    from evaltools.report.claims import render_claims_overview

    return render_claims_overview(rows, language, plans)


def _overview_rows(rows) -> list[dict]:
    """The rows overview.pdf shows: finished reports with one outcome (a plan with several goals
    has no single result row: its own report is the overview of its goals)."""
    return [r for r in rows if r.get("status") == "ok" and r.get("outcome")]


def _write_overviews(result: BatchResult, folder: Path, language: str, ledger: Ledger) -> None:
    """overview.pdf (every finished report) and claims.pdf (those with a claim), written atomically;
    one left from an earlier batch that this one would not write (no claims any more) is removed."""
    ok_rows = _overview_rows(result.rows)
    if ok_rows:
        left_out = [r for r in result.rows if r not in ok_rows]  # named on the page: plans, failed reports
        pdf = _overview_pdf(ok_rows, folder.name, language, left_out)
        interrupts.check()  # WeasyPrint may have swallowed the interrupt and drawn a blank figure
        ledger.writing("overview.pdf", pdf)
        result.overview = atomic_write_bytes(folder / "overview.pdf", pdf)
        ledger.wrote("overview.pdf", pdf)
    else:
        _remove_batch_file(folder, "overview.pdf", ledger)
    claim_rows = [r for r in ok_rows if r.get("claim")]
    plans = [r for r in result.rows if r.get("status") == "ok" and not r.get("outcome") and r.get("claim")]
    if claim_rows or plans:
        pdf = _claims_pdf(claim_rows, language, plans)
        interrupts.check()
        ledger.writing("claims.pdf", pdf)
        result.claims = atomic_write_bytes(folder / "claims.pdf", pdf)
        ledger.wrote("claims.pdf", pdf)
    else:
        _remove_batch_file(folder, "claims.pdf", ledger)


def _remove_batch_file(folder: Path, name: str, ledger: Ledger) -> None:
    if (folder / name).exists():
        (folder / name).unlink()
    ledger.wrote(name, None)


def _built_row(row: dict, outcome: dict) -> dict:
    return {**_finished_row(row, outcome), "run": "built", "finished_at": row["finished_at"],
            "data_hash": outcome["hashes"].get("data_hash", row.get("data_hash"))}


def _record_finished(specs: list[JobSpec], rows: dict[str, dict], ledger: Ledger) -> None:
    """After an interrupt: reports whose files and sidecar were all written count as finished. The
    sidecar must hold this batch's hashes, data included: one left from before a re-import has the
    same params and code but describes the old numbers."""
    for spec in specs:
        row = rows[spec.job.name]
        if row.get("status"):
            continue
        done = _read_sidecar(spec.sidecar)
        outputs = (done or {}).get("outputs", {})
        if done and done.get("hashes") == spec.hashes and outputs \
                and _intact_outputs(done, {fmt: Path(p) for fmt, p in outputs.items()}) == set(outputs):
            finished = dt.datetime.fromtimestamp(spec.sidecar.stat().st_mtime).isoformat(timespec="seconds")
            rows[spec.job.name] = _built_row({**row, "finished_at": finished}, done)
            ledger.record(rows[spec.job.name], save=False)
    ledger.save()


def _intact_outputs(done: dict | None, paths: dict[str, Path]) -> set[str]:
    """Formats the sidecar lists as built whose files (at ``paths``) still hold what it recorded."""
    outputs, contents = (done or {}).get("outputs", {}), (done or {}).get("contents", {})
    return {fmt for fmt, p in paths.items()
            if fmt in outputs and fmt in contents and p.exists() and file_content_hash(p) == contents[fmt]}


def _read_sidecar(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _finished_row(row: dict, outcome: dict) -> dict:
    res = outcome["metadata"].get("results", {})
    return {**row, **{k: res.get(k) if res.get(k) is not None else row.get(k) for k in RESULT_KEYS},
            "status": "ok", "error": None, "cell": None,
            "pdf": outcome["outputs"].get("pdf", ""), "seconds": round(outcome["seconds"], 2)}


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="rapport", disable=not enabled or total == 0, dynamic_ncols=True,
                bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}{postfix}]")
