"""Child processes (Jupyter kernels, batch workers) that must not outlive an interrupted run."""

from __future__ import annotations

import os


def children(pid: int | None = None) -> set[int]:
    """Every descendant of ``pid`` (default: this process)."""
    import psutil

    try:
        return {p.pid for p in psutil.Process(pid or os.getpid()).children(recursive=True)}
    except psutil.Error:
        return set()


def alive(pids) -> list[int]:
    """Those of ``pids`` still running (a zombie, dead but not yet reaped by its parent, is not)."""
    import psutil

    out = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.Error:
            pass
    return out


def kill(pids) -> None:
    """SIGKILL these processes and wait (briefly) until they are gone."""
    import psutil

    procs = []
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            proc.kill()
            procs.append(proc)
        except psutil.Error:
            pass
    psutil.wait_procs(procs, timeout=5)


def kill_tree(pid: int, include_self: bool = True) -> None:
    """SIGKILL ``pid``'s descendants (Jupyter kernels run in sessions of their own, so a process
    group signal does not reach them) and, optionally, ``pid`` itself."""
    kill(children(pid) | ({pid} if include_self else set()))
