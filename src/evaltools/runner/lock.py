"""One batch at a time per output folder: a lock file that names its holder.

The lock is an ``flock`` on ``<folder>/.evaltools-batch.lock``; the file says who holds it (pid,
host, start time) so a refused batch can tell the user. The kernel drops the lock when its
process ends, however it ends, so a lock left by a dead batch is simply taken over.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evaltools.errors import BatchLockedError

LOCK_NAME = ".evaltools-batch.lock"


def holder(folder: Path) -> dict:
    """What the lock file says about its (last) holder; {} if there is none."""
    try:
        return json.loads((Path(folder) / LOCK_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def batch_running(folder: Path) -> dict | None:
    """The batch writing into ``folder`` right now (its lock file's holder), or None."""
    try:
        fd = os.open(Path(folder) / LOCK_NAME, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return holder(folder) or {"pid": "?"}
    finally:
        os.close(fd)  # closing drops a shared lock taken just now
    return None


@contextmanager
def batch_lock(folder: Path) -> Iterator[dict]:
    """Hold ``folder`` for this batch, or raise :class:`BatchLockedError` naming the batch that does."""
    from evaltools.runner.io import current_umask

    path = Path(folder) / LOCK_NAME
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666 & ~current_umask())
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            h = holder(folder)
            who = f"pid {h.get('pid', '?')} on {h.get('host', '?')}, started {h.get('started', '?')}"
            raise BatchLockedError(f"{folder} is in use by another batch ({who}); "
                                   "wait for it to finish, or give this batch another --out or --name") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the holder removed the file between our open and our lock: lock the new one
    me = {"pid": os.getpid(), "host": socket.gethostname(),
          "started": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
    os.ftruncate(fd, 0)
    os.write(fd, (json.dumps(me) + "\n").encode("utf-8"))
    try:
        yield me
    finally:
        try:
            path.unlink(missing_ok=True)  # still holding the lock: nobody else can be using the file
        finally:
            os.close(fd)
