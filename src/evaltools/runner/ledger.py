"""The batch ledger: reports/<batch>/manifest.csv and manifest.json, rewritten atomically."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

from evaltools.results import CLAIM_COLUMNS, RESULT_COLUMNS
from evaltools.runner.io import atomic_write_text

COLUMNS = [
    "name", "kommune", "kode", "seed", "params_file", "status", "run", "error", "cell",
    *[c for c in RESULT_COLUMNS if c not in ("kommune", "kode")], *CLAIM_COLUMNS, "pdf", "seconds",
    "params_hash", "data_hash", "code_hash", "notebook_hash", "finished_at",
]


class Ledger:
    """This run's rows keyed by report name; saved after every finished report so Ctrl-C loses nothing.

    What is already built is known from each report's sidecar file, so the ledger is always the
    record of the current batch, written anew.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.rows: dict[str, dict] = {}
        # SHA-256 of the batch's own files (manifest.csv, overview.pdf, claims.pdf): a file of that
        # name the batch did not write is the user's, and is never overwritten. A new hash is recorded
        # before its file is written, next to the old one, so a batch killed between the two writes
        # leaves a file that is still recognised as its own.
        self.files: dict[str, list[str]] = dict(batch_files(self.folder) or {})

    def writing(self, name: str, data: bytes) -> None:
        """Record a batch file about to be written: its old and its new content are both the batch's."""
        self.files[name] = [hashlib.sha256(data).hexdigest(), *self.files.get(name, [])[:1]]
        self.save()

    def wrote(self, name: str, data: bytes | None) -> None:
        """Record a batch file just written (``data``) or removed (None)."""
        if data is None:
            self.files.pop(name, None)
        else:
            self.files[name] = [hashlib.sha256(data).hexdigest()]
        self.save()

    def record(self, row: dict, save: bool = True) -> None:
        self.rows[row["name"]] = {c: row.get(c) for c in COLUMNS}
        if save:
            self.save()

    def save(self) -> None:
        rows = list(self.rows.values())
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: "" if row.get(c) is None else row.get(c) for c in COLUMNS})
        new = hashlib.sha256(buf.getvalue().encode("utf-8")).hexdigest()
        old = [h for h in self.files.get("manifest.csv", [])[:1] if h != new]
        self.files["manifest.csv"] = [new, *old]  # the old one too: the json is written first
        atomic_write_text(self.folder / "manifest.json",
                          json.dumps({"reports": rows, "files": self.files}, indent=1, ensure_ascii=False,
                                     default=str) + "\n")
        atomic_write_text(self.folder / "manifest.csv", buf.getvalue())


BATCH_FILES = ("manifest.csv", "overview.pdf", "claims.pdf")


def batch_files(folder: Path) -> dict[str, list[str]] | None:
    """The batch files' recorded hashes from manifest.json (the newest first); {} for a ledger from
    before they were recorded; None when there is no evaltools ledger there."""
    try:
        ledger = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(ledger, dict) or not isinstance(ledger.get("reports"), list):
        return None
    files = ledger.get("files")
    if not isinstance(files, dict):
        return {}
    return {name: [h] if isinstance(h, str) else [x for x in h if isinstance(x, str)]
            for name, h in files.items() if isinstance(h, (str, list))}


def foreign_files(folder: Path) -> list[Path]:
    """Files where the batch writes its own (ledger, overview, claims) that it did not write, or that
    were changed since: a user's manifest.csv or overview.pdf is never overwritten silently."""
    folder = Path(folder)
    recorded = batch_files(folder)
    found = []
    if recorded is None and (folder / "manifest.json").exists():
        found.append(folder / "manifest.json")
    for name in BATCH_FILES:
        path = folder / name
        if not path.exists():
            continue
        if recorded is None:
            found.append(path)
        elif recorded and _sha256(path) not in recorded.get(name, []):
            found.append(path)  # (an empty record: a ledger from before hashes were kept; trusted)
    return found


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
