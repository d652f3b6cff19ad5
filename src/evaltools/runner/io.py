"""Atomic file output: temporary files in the target folder, then renames; modes follow the umask."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from evaltools.errors import OutputFolderError
from evaltools.runner import interrupts

# temporary files being written right now; a worker that is stopped removes them before it exits
pending: set[str] = set()


def current_umask() -> int:
    """The process umask, read without changing it where Linux allows (os.umask is a set-and-get)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_temp(path: Path, data: bytes, made: list[str]) -> None:
    """``data`` in a temporary file next to ``path``, with the mode a plain ``open()`` would give.

    The file's name joins ``made`` (the caller removes those on failure) and ``pending`` in the
    same signal-free moment it is created: an interrupt can no longer leave a file nobody knows of.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with interrupts.deferred():
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        pending.add(tmp)
        made.append(tmp)
        fh = os.fdopen(fd, "wb")
    with fh:
        os.fchmod(fh.fileno(), 0o666 & ~current_umask())  # mkstemp makes 0600: colleagues could not open the PDF
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def discard(tmp: str) -> None:
    Path(tmp).unlink(missing_ok=True)
    pending.discard(tmp)


def discard_pending() -> None:
    """Remove every temporary file and scratch folder of ours (a stopped worker, before it exits)."""
    from evaltools import scratch

    for tmp in list(pending):
        discard(tmp)
    scratch.remove_all()


def atomic_write_files(files: dict[Path, bytes]) -> list[Path]:
    """Write several files all or none: every temporary file first, then the renames.

    A full disk or an interrupt while writing leaves none of them (and the old ones, if any);
    the renames themselves are not interrupted.
    """
    paths = [Path(p) for p in files]
    temps: list[str] = []
    try:
        for path, data in zip(paths, files.values()):
            _write_temp(path, data, temps)
        with interrupts.deferred():
            for path, tmp in zip(paths, temps):
                os.replace(tmp, path)
                pending.discard(tmp)
    except BaseException:
        for tmp in temps:
            discard(tmp)
        raise
    return paths


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    atomic_write_files({Path(path): data})
    return Path(path)


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def check_output_folder(folder: Path) -> Path:
    """Make sure ``folder`` is a folder we can write to, before anything is computed.

    Raises :class:`OutputFolderError` (one line) when it is a file, cannot be made, or is not
    writable. The test is a real file created and removed: permission bits lie for root and
    read-only mounts.
    """
    folder = Path(folder)
    for parent in [folder, *folder.parents]:
        if parent.exists() and not parent.is_dir():
            raise OutputFolderError(f"output folder {folder}: {parent} is a file, not a folder; choose another --out")
        if parent.exists():
            break
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputFolderError(f"output folder {folder} cannot be made: {exc.strerror}; choose another --out") from None
    try:
        with interrupts.deferred():  # a Ctrl-C must not leave the probe behind
            fd, probe = tempfile.mkstemp(prefix=".evaltools-probe-", dir=folder)
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        raise OutputFolderError(f"output folder {folder} is not writable: {exc.strerror}; choose another --out") from None
    return folder


def missing_folders(folder: Path) -> list[Path]:
    """``folder`` and its ancestors that do not exist yet, deepest first."""
    out = []
    for path in [Path(folder), *Path(folder).parents]:
        if path.exists():
            break
        out.append(path)
    return out


def remove_empty(folders: list[Path]) -> None:
    """Remove these folders (deepest first) where they are empty; never anything with content."""
    for path in folders:
        try:
            path.rmdir()
        except OSError:
            return
