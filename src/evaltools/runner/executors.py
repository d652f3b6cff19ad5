"""Executors: where batch jobs run. ``local`` = worker processes here; ``dask`` = a Dask cluster.

Both call the same ``execute_job``; each worker process keeps one warm engine (a kernel) for all
the reports it builds. Local workers ignore the terminal's Ctrl-C: the batch process stops them
(SIGTERM), and a stopped worker removes its half-written files and kills its kernel first.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from evaltools.errors import InputError
from evaltools.runner.processes import alive, kill_tree

if TYPE_CHECKING:  # a worker imports this module first: its kernel launches before pandas is imported
    from evaltools.runner.jobs import Job

_local = threading.local()


@dataclass(frozen=True)
class JobSpec:
    """What a worker needs to build one report (picklable)."""

    job: Job
    targets: dict[str, Path]
    notebook: Path
    engine: str
    hashes: dict
    sidecar: Path
    # outputs of other formats built earlier with the same hashes: still current, so the new
    # sidecar lists them too (their paths, and their contents' hashes)
    kept: dict[str, str] = field(default_factory=dict)
    kept_contents: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Session:
    """An executor at work: ``run(specs)`` yields (spec, outcome) as reports finish; ``release()``
    lets the workers go (they shut their kernels down) while the batch still has work of its own."""

    run: Callable[[list[JobSpec]], Iterator[tuple[JobSpec, dict]]]
    release: Callable[[], None]


def _engine(name: str):
    """This worker thread's engine, created once and closed when the process exits."""
    engines = getattr(_local, "engines", None)
    if engines is None:
        engines = _local.engines = {}
    if name not in engines:
        from multiprocessing.util import Finalize

        from evaltools.runner.engines import get_engine

        engines[name] = get_engine(name)
        Finalize(engines[name], engines[name].close, exitpriority=10)
    return engines[name]


def execute_job(spec: JobSpec) -> dict:
    """Build one report; never raises for a report's own failure (returns status and cause)."""
    import json

    from evaltools.hashing import content_hash
    from evaltools.runner.io import atomic_write_files
    from evaltools.runner.run import NotebookFailedError, render_report

    job = spec.job
    try:
        metadata, seconds, files = render_report(job.params, job.params_file, spec.targets, spec.notebook,
                                                 _engine(spec.engine))
        # the hash of the data the report really used (its footer says the same); resume compares it
        used = (metadata.get("hashes") or {}).get("data") or spec.hashes.get("data_hash")
        outcome = {"status": "ok", "metadata": metadata, "seconds": seconds, "hashes": {**spec.hashes, "data_hash": used},
                   "outputs": {**spec.kept, **{k: str(v) for k, v in spec.targets.items()}},
                   # what each file must still hold for a later batch to reuse it (a damaged or edited
                   # file is rebuilt, not skipped as unchanged)
                   "contents": {**spec.kept_contents, **{k: content_hash(files[v]) for k, v in spec.targets.items()}}}
        # the sidecar goes with the outputs, renamed last: a report counts as finished (and
        # resumable) only when all its files are there, even if the batch process was interrupted
        files[spec.sidecar] = json.dumps(outcome, default=str, ensure_ascii=False).encode("utf-8")
        atomic_write_files(files)
        return outcome
    except NotebookFailedError as exc:
        cell = f"{exc.cell} ({exc.line})" if exc.line else exc.cell
        return {"status": "failed", "error": exc.error, "cell": cell}
    except OSError as exc:  # a folder the report cannot be written to: name the file, not its temporary twin
        return {"status": "failed", "error": _write_error(exc), "cell": None}
    except Exception as exc:  # one report's failure must not stop the batch
        return {"status": "failed", "error": f"{type(exc).__name__}: {exc}", "cell": None}


def _write_error(exc: OSError) -> str:
    """'cannot write reports/x/x.pdf: Permission denied; ...' for '.x.pdf.nhe86dnb.part'."""
    import re

    if not exc.filename:
        return f"{type(exc).__name__}: {exc}"
    path = Path(exc.filename)
    if m := re.fullmatch(r"\.(.+)\.[^.]+\.part", path.name):  # runner.io's temporary file
        path = path.with_name(m[1])
    return f"cannot write {path}: {exc.strerror or exc}; check that the folder {path.parent} can be written to"


def _stop_worker(signum: int) -> None:
    """A worker told to stop (SIGTERM from its batch): kill its kernel, drop half-written files and
    scratch folders, exit now.

    Never called while a report's files are being renamed (see interrupts.deferred), so a report
    is on disk completely or not at all.
    """
    # once: the batch's SIGTERM and the parent-death signal can both come, and a second handler run
    # inside the first would cut its clean-up short (or break an import it had begun)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        from evaltools.runner import io

        kill_tree(os.getpid(), include_self=False)
        io.discard_pending()  # after the kernel: it works in a scratch folder
        for engine in (getattr(_local, "engines", None) or {}).values():
            try:  # the kernel is dead; its connection file and sockets would litter the disk
                engine.remove_files()
            except Exception:
                pass
    finally:  # whatever went wrong above: an exception here would reach the job, which would carry on
        os._exit(128 + signum)


def _worker_init(engine: str | None = None) -> None:
    """Worker processes: out of the terminal's process group (Ctrl-C reaches the batch, which stops
    us), SIGTERM stops us cleanly, and we get SIGTERM if the batch process dies. The engine is made
    now, so a warm kernel starts while the worker loads the rest of evaltools and its first job."""
    import psutil  # noqa: F401  (what _stop_worker uses, imported now: never first inside a signal handler)

    from evaltools.runner import interrupts, io  # noqa: F401

    os.setpgrp()
    interrupts.install_worker_handlers(_stop_worker)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() == 1:  # the batch died before we could ask to be told
        _stop_worker(signal.SIGTERM)
    if engine:
        _engine(engine)


def stop_workers(pids: list[int], grace: float = 10.0) -> None:
    """Ask workers to stop (SIGTERM), wait up to ``grace`` seconds, then kill what is left with its kernels."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in alive(pids):
        kill_tree(pid)


class LocalExecutor:
    """Worker processes on this machine (default: one per core)."""

    name = "local"

    def __init__(self, workers: int | None = None, engine: str | None = None, **_):
        self.workers = workers or os.cpu_count() or 1
        self.engine = engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        # spawn: workers start clean (no inherited threads or sockets), then stay warm
        ctx = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx, initializer=_worker_init,
                                   initargs=(self.engine,))
        try:
            def run(specs: list[JobSpec]):
                futures: dict[Future, JobSpec] = {pool.submit(execute_job, s): s for s in specs}
                for fut in as_completed(futures):
                    yield futures[fut], _result(fut)
            released: dict[int, multiprocessing.process.BaseProcess] = {}

            def release() -> None:
                released.update(getattr(pool, "_processes", None) or {})  # pid -> process; shutdown forgets them
                pool.shutdown(wait=False)

            yield Session(run, release)
        except BaseException:
            from evaltools.runner import interrupts

            with interrupts.deferred():  # a second Ctrl-C must not cut the clean-up short
                pids = list(getattr(pool, "_processes", None) or released)
                stop_workers(pids)
                pool.shutdown(wait=False, cancel_futures=True)
            raise
        else:
            pool.shutdown(wait=True)
            for process in released.values():  # released workers: their kernels are shut down too
                process.join()


class DaskExecutor:
    """The same jobs on a Dask distributed cluster (``--scheduler tcp://host:8786``)."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, **_):
        if not scheduler:
            raise InputError("the dask executor needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
        self.scheduler = scheduler

    @contextmanager
    def session(self):
        try:
            from distributed import Client, as_completed as dask_completed
        except ImportError:
            raise InputError("the dask executor needs the 'distributed' package: pip install 'evaltools[dask]'") from None
        client = Client(self.scheduler)
        try:
            def run(specs: list[JobSpec]):
                futures = {client.submit(execute_job, s, pure=False): s for s in specs}
                for fut in dask_completed(list(futures)):
                    yield futures[fut], _result(fut)
            yield Session(run, lambda: None)  # the cluster's workers are not ours to stop
        finally:
            client.close()


def _result(fut) -> dict:
    try:
        return fut.result()
    except Exception as exc:  # the worker itself died
        return {"status": "failed", "error": f"worker failed: {type(exc).__name__}: {exc}", "cell": None}


EXECUTORS: dict[str, type] = {"local": LocalExecutor, "dask": DaskExecutor}


def get_executor(name: str, **kwargs):
    try:
        return EXECUTORS[name](**kwargs)
    except KeyError:
        raise InputError(f"unknown executor '{name}'; available: {', '.join(EXECUTORS)}") from None
