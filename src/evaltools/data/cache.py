"""On-disk cache of fetched and imported tables: parquet + a JSON sidecar with the query and vintage.

Location: $EVALTOOLS_CACHE, else ~/.cache/evaltools. A report reads only from here (no network).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pandas as pd

from evaltools.runner.io import atomic_write_files


def cache_dir() -> Path:
    return Path(os.environ.get("EVALTOOLS_CACHE") or Path.home() / ".cache" / "evaltools")


def query_key(table: str, query: dict) -> str:
    text = json.dumps({"table": table, "query": query}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def store(frame: pd.DataFrame, meta: dict, key: str) -> Path:
    """Write ``<key>.parquet`` and ``<key>.json`` (table, query, fetched_at, outcome, ...) atomically."""
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.parquet"
    sidecar = json.dumps({**meta, "key": key, "rows": len(frame)}, indent=1, ensure_ascii=False, default=str) + "\n"
    atomic_write_files({path: frame.to_parquet(index=False), folder / f"{key}.json": sidecar.encode("utf-8")})
    return path


def entries() -> list[dict]:
    """Every cached table's metadata, newest first."""
    folder = cache_dir()
    if not folder.is_dir():
        return []
    metas = []
    for path in folder.glob("*.json"):
        try:
            metas.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return sorted(metas, key=lambda m: m.get("fetched_at", ""), reverse=True)


def find_outcome_meta(outcome_id: str) -> dict | None:
    """The metadata of the newest cached table made for ``outcome_id`` (its table not read)."""
    return next((meta for meta in entries() if meta.get("outcome") == outcome_id), None)


def table_path(meta: dict) -> Path:
    return cache_dir() / f"{meta['key']}.parquet"


def find_outcome(outcome_id: str) -> tuple[pd.DataFrame, dict] | None:
    """The newest cached table made for ``outcome_id``."""
    meta = find_outcome_meta(outcome_id)
    return None if meta is None else (pd.read_parquet(table_path(meta)), meta)
