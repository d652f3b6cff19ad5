"""Import a user's CSV/Excel table (e.g. a Jobindsats export) as an outcome, with validation.

Columns (Danish or English names): area (område/kommune), period (periode/tid/kvartal/år/måned)
and value (værdi/antal/indhold). Unknown kommune names, duplicated periods, non-numeric values
and gaps are reported with row numbers (the header is row 1); nothing is written unless the
whole file is valid.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from evaltools.data import cache
from evaltools.kommuner import UnknownKommuneError, get_kommune
from evaltools.periods import PeriodError, parse_period

AREA = ("område", "omraade", "omrade", "kommune", "area", "municipality")
PERIOD = ("periode", "period", "tid", "time", "kvartal", "quarter", "år", "aar", "year", "måned", "maaned", "month")
VALUE = ("værdi", "vaerdi", "value", "antal", "indhold", "fuldtidspersoner", "personer")
NATIONAL = ("hele landet", "landet", "all denmark", "i alt", "000")
MONTH = re.compile(r"^\s*(\d{4})\s*M\s*(\d{1,2})\s*$", re.IGNORECASE)


@dataclass
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


class ImportValidationError(ValueError):
    def __init__(self, path: Path, errors: list[RowError]):
        self.errors = errors
        shown = "\n".join(f"  {e}" for e in errors[:50])
        more = f"\n  ... and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"{path}: {len(errors)} problem(s); nothing was imported\n{shown}{more}")


def _column(df: pd.DataFrame, names: tuple[str, ...], what: str, path: Path) -> str:
    for col in df.columns:
        if str(col).strip().lower() in names:
            return col
    raise ImportValidationError(path, [RowError(1, f"no {what} column; expected one of: {', '.join(names)} "
                                                   f"(found: {', '.join(map(str, df.columns))})")])


def _read(path: Path) -> pd.DataFrame:
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        return pd.read_excel(path, dtype=str)
    text = path.read_text(encoding="utf-8-sig")
    first = text.splitlines()[0] if text else ""
    sep = ";" if first.count(";") >= first.count(",") else ","
    return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _number(text: str) -> float:
    t = str(text).strip().replace(" ", "").replace("\u00a0", "")
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", t) or ("," in t and "." not in t):
        t = t.replace(".", "").replace(",", ".")  # Danish: 1.234,5
    return float(t)


def _period(text: str) -> str:
    if m := MONTH.match(str(text)):
        month = int(m[2])
        if not 1 <= month <= 12:
            raise PeriodError(f"'{text}' has no month {month}")
        return f"{m[1]}M{month:02d}"
    return str(parse_period(str(text)))


def validate(path: Path) -> pd.DataFrame:
    """The file as a long table (kode, period, value), or ImportValidationError with every problem."""
    df = _read(path)
    area, period, value = (_column(df, AREA, "area", path), _column(df, PERIOD, "period", path),
                           _column(df, VALUE, "value", path))
    errors: list[RowError] = []
    rows = []
    for i, rec in enumerate(df.to_dict("records"), start=2):
        name = str(rec[area]).strip()
        try:
            kode = "000" if name.lower() in NATIONAL else get_kommune(name).code
        except UnknownKommuneError as exc:
            errors.append(RowError(i, str(exc)))
            kode = None
        try:
            per = _period(rec[period])
        except PeriodError as exc:
            errors.append(RowError(i, str(exc)))
            per = None
        raw = str(rec[value]).strip()
        try:
            val = _number(raw)
        except ValueError:
            errors.append(RowError(i, f"value '{raw}' is not a number"))
            val = None
        rows.append((i, kode, per, val))
    long = pd.DataFrame(rows, columns=["row", "kode", "period", "value"])
    ok = long.dropna(subset=["kode", "period"])
    for (kode, per), grp in ok.groupby(["kode", "period"]):
        if len(grp) > 1:
            rs = ", ".join(map(str, grp["row"]))
            errors.append(RowError(int(grp["row"].iloc[1]), f"kommune {kode} has period {per} more than once (rows {rs})"))
    freqs = {("M" if "M" in p else "Q" if "Q" in p else "Y") for p in ok["period"]}
    if len(freqs) > 1:
        errors.append(RowError(2, f"periods mix frequencies ({', '.join(sorted(freqs))}); use one"))
    elif freqs:
        for kode, grp in ok.groupby("kode"):
            present = sorted(set(grp["period"]))
            pr = pd.PeriodIndex([pd.Period(p.replace("M", "-"), freq="M") if "M" in p else pd.Period(p) for p in present])
            full = pd.period_range(pr.min(), pr.max(), freq=pr.freq)
            missing = [str(p) for p in full if p not in set(pr)]
            if missing:
                last_row = int(grp["row"].max())
                errors.append(RowError(last_row, f"kommune {kode} has gaps: no value for {', '.join(missing[:6])}"
                                                 + (" ..." if len(missing) > 6 else "")))
    if errors:
        raise ImportValidationError(path, sorted(errors, key=lambda e: e.row))
    return long.drop(columns="row")


def import_table(path: str | Path, *, name: str, label: str, unit: str, kind: str = "count",
                 lower_is_better: bool = True, credit: str = "Kilde: egne data") -> str:
    """Validate and cache the file as outcome ``import:NAME``; returns that id. Writes nothing on error."""
    path = Path(path)
    if kind not in ("count", "rate"):
        raise ValueError("kind must be 'count' or 'rate'")
    long = validate(path)
    from evaltools.data.snapshot_io import to_long

    frame = long.rename(columns={"kode": "AREA", "period": "TID", "value": "INDHOLD"})
    long = to_long(frame, "AREA", "TID", kind)  # monthly -> quarterly, like fetched tables
    freq = "Q" if long["period"].str.contains("Q").any() else "Y"
    outcome_id = f"import:{name}"
    meta = {
        "outcome": outcome_id, "file": path.name, "table": "import",
        "fetched_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "describe": {"label": label, "unit": unit, "kind": kind, "freq": freq, "lower_is_better": lower_is_better,
                     "has_national": bool((long["kode"] == "000").any()), "credit": credit,
                     "note": f"Importeret fra {path.name}"},
    }
    cache.store(long, meta, cache.query_key("import", {"name": name}))
    from evaltools.data.snapshot_io import load_panel

    load_panel.cache_clear()
    return outcome_id
