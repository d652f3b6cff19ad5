"""Scratch folders (a report's working folder, Typst's input files) that are removed afterwards,
and also by a batch worker that is stopped mid-report: it exits with ``os._exit``, which skips
every ``finally`` (see evaltools.runner.executors._stop_worker)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_in_use: set[str] = set()


@contextmanager
def scratch_folder(prefix: str) -> Iterator[Path]:
    """A new temporary folder, removed when the block ends or by :func:`remove_all`."""
    folder = tempfile.mkdtemp(prefix=prefix)
    _in_use.add(folder)
    try:
        yield Path(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        _in_use.discard(folder)


def remove_all() -> None:
    """Remove every scratch folder still in use (a stopped worker, just before it exits)."""
    for folder in list(_in_use):
        shutil.rmtree(folder, ignore_errors=True)
        _in_use.discard(folder)
