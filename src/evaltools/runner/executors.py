"""Executors: where batch jobs run. ``local`` = worker processes here; ``dask`` = a Dask cluster.

Both call the same ``execute_job``; each worker process keeps one warm engine (a kernel) for all
the reports it builds.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from evaltools.errors import InputError
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
    from evaltools.runner.run import NotebookFailedError, render_report

    import json

    from evaltools.runner.io import atomic_write_text

    job = spec.job
    try:
        metadata, seconds = render_report(job.params, job.params_file, spec.targets, spec.notebook, _engine(spec.engine))
        outcome = {"status": "ok", "metadata": metadata, "seconds": seconds, "hashes": spec.hashes,
                   "outputs": {k: str(v) for k, v in spec.targets.items()}}
        # written last: a report counts as finished (and resumable) only once its sidecar exists,
        # even if the batch process itself was interrupted before recording it in the ledger
        atomic_write_text(spec.sidecar, json.dumps(outcome, default=str, ensure_ascii=False))
        return outcome
    except NotebookFailedError as exc:
        cell = f"{exc.cell} ({exc.line})" if exc.line else exc.cell
        return {"status": "failed", "error": exc.error, "cell": cell}
    except Exception as exc:  # one report's failure must not stop the batch
        return {"status": "failed", "error": f"{type(exc).__name__}: {exc}", "cell": None}


class LocalExecutor:
    """Worker processes on this machine (default: one per core)."""

    name = "local"

    def __init__(self, workers: int | None = None, **_):
        self.workers = workers or os.cpu_count() or 1

    @contextmanager
    def session(self) -> Iterator[Callable[[list[JobSpec]], Iterator[tuple[JobSpec, dict]]]]:
        # spawn: workers start clean (no inherited threads or sockets), then stay warm
        ctx = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        try:
            def run(specs: list[JobSpec]):
                futures: dict[Future, JobSpec] = {pool.submit(execute_job, s): s for s in specs}
                for fut in as_completed(futures):
                    yield futures[fut], _result(fut)
            yield run
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        else:
            pool.shutdown(wait=True)


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
            yield run
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
