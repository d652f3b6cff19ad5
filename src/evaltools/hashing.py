"""Short content hashes for params, data and code: printed in every PDF, kept in batch ledgers."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

LENGTH = 12


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:LENGTH]


def params_hash(params: dict) -> str:
    """Hash of the report parameters (all keys, canonical JSON)."""
    text = json.dumps(params, sort_keys=True, default=str, ensure_ascii=False)
    return _digest(text.encode("utf-8"))


def panel_hash(panel) -> str:
    """Hash of the data one report uses: the outcome's panel (every kommune and period, and the
    national series), whatever its origin (embedded, fetched or imported). Changed numbers under
    the same outcome name give another hash, and so does an import's changed description (kind,
    unit, label, direction); the same numbers give the same hash."""
    h = hashlib.sha256(panel.outcome.id.encode("utf-8"))
    if getattr(panel.outcome, "origin", "") == "import":
        # an import's description is data too: re-imported as a rate instead of a count, or with
        # another label or unit, the same numbers make another report
        import dataclasses
        import json

        h.update(json.dumps(dataclasses.asdict(panel.outcome), sort_keys=True, default=str).encode("utf-8"))
    _update_with_frame(h, panel.values)
    if panel.national is not None:
        _update_with_frame(h, panel.national)
    return h.hexdigest()[:LENGTH]


def _update_with_frame(h, frame) -> None:
    """Labels as text, numbers as little-endian float64 with one NaN (a CSV took 40 ms per report)."""
    import numpy as np

    columns = getattr(frame, "columns", [getattr(frame, "name", "")])
    h.update("\x1f".join(map(str, frame.index)).encode("utf-8") + b"\x1e")
    h.update("\x1f".join(map(str, columns)).encode("utf-8") + b"\x1e")
    values = np.array(frame.to_numpy(dtype=float), dtype="<f8", order="C")
    values[np.isnan(values)] = np.nan
    h.update(values.tobytes())


def outcomes_hash(outcomes: list[str | None], load=None) -> str | None:
    """Hash of the data a report on these outcomes uses (one outcome: its :func:`panel_hash`).

    An outcome that cannot be loaded (not fetched yet) counts as missing, so fetching it later
    changes the hash; ``None`` (a goal with no data at all) is left out. ``load`` defaults to
    :func:`evaltools.data.load_panel`. Returns None when nothing could be hashed.
    """
    if load is None:
        from evaltools.data import load_panel as load
    from evaltools.errors import EvaltoolsError

    parts = []
    for outcome in dict.fromkeys(o for o in outcomes if o):
        try:
            parts.append(panel_hash(load(outcome)))
        except (EvaltoolsError, LookupError, ValueError):
            parts.append(f"missing:{outcome}")
    if not parts:
        return None
    if len(parts) == 1 and not parts[0].startswith("missing:"):
        return parts[0]
    return _digest("\n".join(parts).encode("utf-8"))


@lru_cache(maxsize=1)
def code_hash() -> str:
    """Hash of the installed evaltools package: its code, templates (HTML and Typst) and styles."""
    root = Path(__file__).parent
    h = hashlib.sha256()
    for path in code_files():
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:LENGTH]


def code_files() -> list[Path]:
    """The package files :func:`code_hash` covers: code, templates (HTML and Typst), styles, catalogue."""
    root = Path(__file__).parent
    return [p for p in sorted(root.rglob("*"))
            if p.suffix in {".py", ".j2", ".css", ".json", ".typ"} and "__pycache__" not in p.parts]


def file_hash(path: Path) -> str:
    return _digest(Path(path).read_bytes())


def content_hash(data: bytes) -> str:
    """Full SHA-256 of an output file's bytes (a batch checks a file it reuses against it)."""
    return hashlib.sha256(data).hexdigest()


def file_content_hash(path: Path) -> str | None:
    """content_hash of a file on disk; None if it cannot be read."""
    try:
        return content_hash(Path(path).read_bytes())
    except OSError:
        return None
