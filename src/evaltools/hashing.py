"""Short content hashes for params, data and code: printed in every PDF, kept in batch ledgers."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

LENGTH = 12


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:LENGTH]


def params_hash(params: dict) -> str:
    """Hash of the report parameters (all keys, canonical JSON)."""
    text = json.dumps(params, sort_keys=True, default=str, ensure_ascii=False)
    return _digest(text.encode("utf-8"))


@lru_cache(maxsize=1)
def data_hash() -> str:
    """Hash of the embedded data snapshot."""
    return _digest((resources.files("evaltools.data.snapshot") / "dst_snapshot.csv.gz").read_bytes())


@lru_cache(maxsize=1)
def code_hash() -> str:
    """Hash of the installed evaltools package: its code, templates and styles."""
    root = Path(__file__).parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in {".py", ".j2", ".css", ".json"} and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:LENGTH]


def file_hash(path: Path) -> str:
    return _digest(Path(path).read_bytes())
