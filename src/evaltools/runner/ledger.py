"""The batch ledger: reports/<batch>/manifest.csv and manifest.json, rewritten atomically."""

from __future__ import annotations

import csv
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

    def record(self, row: dict, save: bool = True) -> None:
        self.rows[row["name"]] = {c: row.get(c) for c in COLUMNS}
        if save:
            self.save()

    def save(self) -> None:
        rows = list(self.rows.values())
        atomic_write_text(self.folder / "manifest.json",
                          json.dumps({"reports": rows}, indent=1, ensure_ascii=False, default=str) + "\n")
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: "" if row.get(c) is None else row.get(c) for c in COLUMNS})
        atomic_write_text(self.folder / "manifest.csv", buf.getvalue())
