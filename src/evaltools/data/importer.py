"""Import a user's CSV/Excel table (e.g. a Jobindsats export) as an outcome, with validation.

Columns (Danish or English names): area (område/kommune), period (periode/tid/kvartal/år/måned)
and value (værdi/antal/indhold). Title lines above the header (as in Jobindsats exports) are
skipped, UTF-8 and Windows-1252 files are read, rows for regions are left out and said so.
Unknown kommune names, duplicated periods, non-numeric values and gaps are reported with the
file's own row numbers; nothing is written unless the whole file is valid. Values hidden for
discretion ("..", "*", "-", empty) are errors unless ``allow_missing``: then they are imported as
missing and the kommune is left out of comparisons for periods it lacks.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from evaltools.errors import InputError
from evaltools.data import cache
from evaltools.kommuner import UnknownKommuneError, all_kommuner, get_kommune
from evaltools.periods import PeriodError, parse_period

AREA = ("område", "omraade", "omrade", "kommune", "area", "municipality")
PERIOD = ("periode", "period", "tid", "time", "kvartal", "quarter", "år", "aar", "year", "måned", "maaned", "month")
VALUE = ("værdi", "vaerdi", "value", "antal", "indhold", "fuldtidspersoner", "personer")
NATIONAL = ("hele landet", "landet", "all denmark", "i alt", "000")
# areas a DST export carries besides kommuner: regions, provinces (landsdele), "not stated", "abroad"
REGION = re.compile(r"^\s*(region\s+\w+|regionh|regionsj|regionsyd|regionmidt|regionnord|08[1-5]|"
                    r"landsdel\s+.+|province\s+.+|uoplyst.*|not stated.*|unknown municipality|udlandet|abroad)\s*$",
                    re.IGNORECASE)
HIDDEN = ("..", "*", "-", "", "x", ":")  # how exports mark suppressed or missing values
MONTH = re.compile(r"^\s*(\d{4})\s*M\s*(\d{1,2})\s*$", re.IGNORECASE)


@dataclass
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


class ImportValidationError(InputError, ValueError):
    def __init__(self, path: Path, errors: list[RowError]):
        self.errors = errors
        shown = "\n".join(f"  {e}" for e in errors[:50])
        more = f"\n  ... and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"{path}: {len(errors)} problem(s); nothing was imported\n{shown}{more}")


@dataclass
class Validated:
    """A valid file as a long table (kode, period, value), with what was read differently from plain."""

    long: pd.DataFrame
    notes: list[str]


@dataclass
class Imported:
    outcome: str  # the id a params file names: import:NAME
    rows: int
    notes: list[str]


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    return next((i for i, col in enumerate(header) if str(col).strip().lower() in names), None)


def _value_columns(header: list[str]) -> list[int]:
    """Columns that hold values: named exactly as in VALUE, or containing one of those words
    ('Antal fuldtidspersoner', 'Antal personer' in a Jobindsats export)."""
    exact = [i for i, col in enumerate(header) if str(col).strip().lower() in VALUE]
    if exact:
        return exact
    return [i for i, col in enumerate(header) if any(w in str(col).lower() for w in VALUE)]


def _lines(path: Path, value_column: str | None = None) -> tuple[list[list[str]], str | None]:
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            raw = pd.read_excel(path, dtype=str, header=None).fillna("")
            return [[str(c) for c in r] for r in raw.itertuples(index=False)], None
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except (ValueError, zipfile.BadZipFile) as exc:  # not really an Excel file
        raise InputError(f"{path}: cannot be read as an Excel file ({exc}); save it as .xlsx or CSV") from None
    if data[:2] == b"\x1f\x8b" or data[:4] == b"PK\x03\x04":
        kind = "gzip" if data[:2] == b"\x1f\x8b" else "zip"
        raise InputError(f"{path}: is a compressed ({kind}) file, not a CSV text file; unpack it and import the CSV inside")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text": UTF-16 with a byte-order mark
        try:
            return _split(data.decode("utf-16"), value_column), "read as UTF-16 (Excel's Unicode text)"
        except UnicodeDecodeError:
            pass
    try:
        return _split(data.decode("utf-8-sig"), value_column), None
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096]:  # text never holds NUL bytes: a binary file named .csv
        raise InputError(f"{path}: is not a text file (it holds binary data); save the table as CSV or .xlsx")
    # Excel on Windows saves CSV as Windows-1252
    try:
        return _split(data.decode("cp1252"), value_column), "read as Windows-1252 (the file is not UTF-8)"
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: is neither UTF-8 nor Windows-1252 text (byte 0x{data[exc.start]:02x} at position "
                         f"{exc.start}); save it as CSV (UTF-8) and import it again") from None


def _split(text: str, value_column: str | None = None) -> list[list[str]]:
    """Rows of cells, with the separator that makes a header row appear (';' first, as DST and Danish Excel)."""
    best: list[list[str]] = []
    for sep in (";", ",", "\t"):
        rows = list(csv.reader(io.StringIO(text), delimiter=sep))
        if any(_is_header(r, value_column) for r in rows[:30]):
            return rows
        best = best or rows
    return best


def _is_header(cells: list[str], value_column: str | None = None) -> bool:
    """A row naming an area, a period and a value column (``value_column`` when the user named one)."""
    if _column(cells, AREA) is None or _column(cells, PERIOD) is None:
        return False
    if value_column:
        return value_column.strip().lower() in [str(c).strip().lower() for c in cells]
    return bool(_value_columns(cells))


THOUSANDS = re.compile(r"-?\d{1,3}(\.\d{3})+")  # 1.234 or 12.345.678: Danish thousands, or a decimal point
DOT_DECIMAL = re.compile(r"-?(\d+\.(\d{1,2}|\d{4,})|0\.\d+)")  # 3.8, 3.08, 0.125: a decimal point only
COMMA_DECIMAL = re.compile(r"-?[\d.]*\d,\d+")  # 3,8 or 1.234,5: a decimal comma


def _clean(text: str) -> str:
    return str(text).strip().replace(" ", "").replace("\u00a0", "")


def _number(text: str, decimal_point: bool = False) -> float:
    """A value as written; ``decimal_point``: the file writes decimals as 3.8, so 2.125 is 2.125."""
    t = _clean(text)
    if not decimal_point and (THOUSANDS.fullmatch(t) or re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", t)
                              or ("," in t and "." not in t)):
        t = t.replace(".", "").replace(",", ".")  # Danish: 1.234,5
    return float(t)


def _decimal_point(values: list[tuple[int, str]]) -> tuple[bool, RowError | None]:
    """Whether the file's dot is a decimal point, decided from all its values (not one at a time:
    '2.125' next to '3.8' is two and an eighth, next to '954' and '19.206' it is 2125)."""
    dot = next(((n, v) for n, v in values if DOT_DECIMAL.fullmatch(_clean(v))), None)
    comma = next(((n, v) for n, v in values if COMMA_DECIMAL.fullmatch(_clean(v))), None)
    if dot and comma:
        row = max(dot[0], comma[0])
        return False, RowError(row, f"the file writes decimals both with a point (row {dot[0]}: '{dot[1]}') and with a "
                                    f"comma (row {comma[0]}: '{comma[1]}'); use one of them throughout")
    if dot:
        return True, None
    numbers = [(n, _clean(v)) for n, v in values if _clean(v)]
    if not comma and numbers and all(THOUSANDS.fullmatch(v) for _, v in numbers):
        n, v = numbers[0]
        return False, RowError(n, f"every value is written like '{v}', so the point may be a decimal point or a "
                                  "thousands separator; write decimals with a comma (3,840) or numbers without "
                                  "thousands separators (3840)")
    return False, None


def _out_of_range(value: float, kind: str, unit: str) -> str | None:
    """Why a value cannot be what the import says it is (a negative count, a per cent above 100)."""
    if value < 0:
        return f"value {value:g} is negative; a {'rate' if kind == 'rate' else 'count'} cannot be"
    if kind == "rate" and unit.strip().lower() in ("procent", "pct", "pct.", "%", "per cent", "percent") and value > 100:
        return f"value {value:g} is above 100, but the unit is {unit}; check the decimal separator"
    return None


def _as_period(p: str) -> pd.Period:
    """A period as _period writes it ('2014Q2', '2014M03', '2014') as a pandas Period."""
    return pd.Period(p.replace("M", "-"), freq="M") if "M" in p else pd.Period(p)


def _period(text: str) -> str:
    if m := MONTH.match(str(text)):
        month = int(m[2])
        if not 1 <= month <= 12:
            raise PeriodError(f"'{text}' has no month {month}")
        return f"{m[1]}M{month:02d}"
    return str(parse_period(str(text)))


def _rows(lines: list[list[str]], path: Path, value_column: str | None = None) -> list[tuple[int, str, str, str]]:
    """(file row number, area, period, value) for each data row under the header.

    Exports often start with title lines: the header is the first row (of 30) that names an area,
    a period and a value column. Several value columns need ``value_column`` to pick one.
    """
    for h, cells in enumerate(lines[:30]):
        if _is_header(cells, value_column):
            a, p = _column(cells, AREA), _column(cells, PERIOD)
            names = [str(c).strip() for c in cells]
            if value_column is not None:
                lower = [n.lower() for n in names]
                if value_column.strip().lower() not in lower:
                    raise ImportValidationError(path, [RowError(h + 1, f"no column '{value_column}'; the columns are: "
                                                                       f"{', '.join(names)}")])
                v = lower.index(value_column.strip().lower())
            else:
                candidates = _value_columns(cells)
                if len(candidates) > 1:
                    choices = ", ".join(f"'{names[i]}'" for i in candidates)
                    raise ImportValidationError(path, [RowError(h + 1, f"several value columns ({choices}); choose one "
                                                                       "with --value-column")])
                v = candidates[0]
            out = []
            for n, row in enumerate(lines[h + 1:], start=h + 2):
                cells = [str(c).strip() for c in row] + [""] * (max(a, p, v) + 1 - len(row))
                if any(cells):  # blank lines are skipped
                    out.append((n, cells[a], cells[p], cells[v]))
            return out
    if value_column is not None:  # a header with an area and a period, but not the column the user named
        for h, cells in enumerate(lines[:30]):
            if _column(cells, AREA) is not None and _column(cells, PERIOD) is not None:
                names = [str(c).strip() for c in cells]
                close = difflib.get_close_matches(value_column.strip(), names, n=1)
                maybe = f" (did you mean '{close[0]}'?)" if close else ""
                raise ImportValidationError(path, [RowError(h + 1, f"no column '{value_column}'{maybe}; the columns "
                                                                   f"are: {', '.join(names)}")])
    first = ", ".join(lines[0]) if lines else "(empty file)"
    raise ImportValidationError(path, [RowError(1, f"no header row with an area, a period and a value column; "
                                                   f"expected one of each of: {', '.join(AREA)} / {', '.join(PERIOD)} / "
                                                   f"{', '.join(VALUE)} (first row: {first}); name another value "
                                                   "column with --value-column")])


def _span(rows: list[int]) -> str:
    return f"row {rows[0]}" if len(rows) == 1 else f"rows {rows[0]}-{rows[-1]}" if rows[-1] - rows[0] == len(rows) - 1 \
        else "rows " + ", ".join(map(str, rows[:8])) + (" ..." if len(rows) > 8 else "")


def _ragged_ends(ok: pd.DataFrame) -> list[RowError]:
    """Periods before some kommuner's first or after their last: a quarter given for Lejre alone
    (an added row) leaves 97 kommuner without it, and a report starting there has nothing to compare."""
    name = lambda kode: "Hele landet" if kode == "000" else get_kommune(kode).name  # noqa: E731
    rows = {(k, _as_period(p)): int(r) for k, p, r in zip(ok["kode"], ok["period"], ok["row"])}
    held: dict[pd.Period, list[str]] = {}
    for kode, per in rows:
        held.setdefault(per, []).append(kode)
    kodes = sorted(set(ok["kode"]))
    span = {k: (min(p for kk, p in rows if kk == k), max(p for kk, p in rows if kk == k)) for k in kodes}
    errors = []
    for per in sorted(held):
        holders = sorted(held[per])
        if len(holders) == len(kodes):
            continue
        label = f"{per.year}M{per.month:02d}" if per.freqstr.startswith("M") else str(per)
        if 2 * len(holders) <= len(kodes):
            shown = ", ".join(name(k) for k in holders[:5]) + (" ..." if len(holders) > 5 else "")
            first = min(rows[(k, per)] for k in holders)
            errors.append(RowError(first, f"{label} is given only for {shown} ({len(holders)} of {len(kodes)} areas); "
                                          "give it for every kommune, or leave it out"))
        else:
            for k in sorted(set(kodes) - set(holders)):
                lo, hi = span[k]
                if lo < per < hi:
                    continue  # a gap inside the kommune's own series: said above
                near = rows[(k, hi)] if per > hi else rows[(k, lo)]
                errors.append(RowError(near, f"{name(k)} ({k}) has no value for {label}, which the other areas have"))
    return errors


def validate(path: str | Path, *, allow_missing: bool = False, value_column: str | None = None,
             kind: str = "count", unit: str = "") -> Validated:
    """The file as a long table (kode, period, value), or ImportValidationError with every problem."""
    path = Path(path)
    lines, encoding_note = _lines(path, value_column)
    notes = [encoding_note] if encoding_note else []
    errors: list[RowError] = []
    records, regions, hidden = [], [], []
    meant: list[tuple[str, str]] = []  # (kode, period as written) of rows whose area was misspelt
    hidden_codes: set[str] = set()
    rows = _rows(lines, path, value_column)
    decimal_point, ambiguous = _decimal_point([(n, raw) for n, area, _, raw in rows
                                               if raw.lower() not in HIDDEN and not REGION.match(area)])
    if ambiguous:
        errors.append(ambiguous)
    for n, area, period, raw in rows:
        if REGION.match(area):
            regions.append(n)
            continue
        try:
            kode = "000" if area.lower() in NATIONAL else get_kommune(area).code
        except UnknownKommuneError as exc:
            errors.append(RowError(n, str(exc)))
            kode = None
            if exc.suggestions:  # the kommune the row was most likely meant for (see the gap check)
                meant.append((get_kommune(exc.suggestions[0]).code, period))
        try:
            per = _period(period)
        except PeriodError as exc:
            errors.append(RowError(n, str(exc)))
            per = None
        val = None
        if raw.lower() in HIDDEN:
            if allow_missing:
                hidden.append(n)
                hidden_codes.add(kode)
                val = float("nan")
            else:
                errors.append(RowError(n, f"value '{raw}' is missing or hidden (discretion); import with "
                                          "--allow-missing to keep it as missing"))
        else:
            try:
                val = _number(raw, decimal_point)
            except ValueError:
                errors.append(RowError(n, f"value '{raw}' is not a number"))
            else:
                if (why := _out_of_range(val, kind, unit)) and not ambiguous:
                    errors.append(RowError(n, why))
        records.append((n, kode, per, val))
    if not records and not errors:
        errors.append(RowError(1, "the file has a header but no data rows"))
    long = pd.DataFrame(records, columns=["row", "kode", "period", "value"])
    ok = long.dropna(subset=["kode", "period"])
    for (kode, per), grp in ok.groupby(["kode", "period"]):
        if len(grp) > 1:
            rs = ", ".join(map(str, grp["row"]))
            errors.append(RowError(int(grp["row"].iloc[1]), f"kommune {kode} has period {per} more than once (rows {rs})"))
    freqs = {("M" if "M" in p else "Q" if "Q" in p else "Y") for p in ok["period"]}
    if len(freqs) > 1:
        errors.append(RowError(int(ok["row"].iloc[0]), f"periods mix frequencies ({', '.join(sorted(freqs))}); use one"))
    elif freqs:
        # a misspelt area leaves a hole in the series of the kommune it was meant for: that row's error
        # says so already, so the hole is not reported again as a gap
        covered: dict[str, set[pd.Period]] = {}
        for kode, period in meant:
            try:
                covered.setdefault(kode, set()).add(_as_period(_period(period)))
            except PeriodError:
                pass
        for kode, grp in ok.groupby("kode"):
            by_period = dict(zip(grp["period"], grp["row"]))
            as_period = {_as_period(p): p for p in by_period}
            pr = pd.PeriodIndex(sorted(as_period))
            full = pd.period_range(pr.min(), pr.max(), freq=pr.freq)
            missing = [p for p in full if p not in as_period and p not in covered.get(kode, set())]
            if missing:
                before = as_period[max(q for q in as_period if q < missing[0])]  # the row the first gap follows
                name = "Hele landet" if kode == "000" else get_kommune(kode).name
                shown = ", ".join(f"{p.year}M{p.month:02d}" if p.freqstr.startswith("M") else str(p)
                                  for p in missing[:6]) + (" ..." if len(missing) > 6 else "")
                errors.append(RowError(int(by_period[before]), f"{name} ({kode}) has no value for {shown} "
                                                               "(the first missing period would follow this row)"))
        errors += _ragged_ends(ok)
    if errors:
        raise ImportValidationError(path, sorted(errors, key=lambda e: e.row))
    absent = sorted(set(k.code for k in all_kommuner()) - set(ok["kode"]))
    if absent:
        names = [get_kommune(c).name for c in absent]
        notes.append(f"{len(absent)} kommune(r) not in the file: {', '.join(names[:10])}"
                     f"{' ...' if len(names) > 10 else ''}; reports leave them out of every comparison")
    if regions:
        notes.append(f"{len(regions)} row(s) for regions, provinces and other areas that are not kommuner left out "
                     f"({_span(regions)}): only kommuner and the national total are used")
    if hidden:
        names = ["Hele landet" if c == "000" else get_kommune(c).name for c in sorted(hidden_codes)]
        notes.append(f"{len(hidden)} hidden/missing value(s) kept as missing ({_span(hidden)}: "
                     f"{', '.join(names[:10])}{' ...' if len(names) > 10 else ''}); a report leaves such a "
                     "kommune out of comparisons for windows it lacks, and names it")
    return Validated(long.drop(columns="row"), notes)


def import_table(path: str | Path, *, name: str, label: str, unit: str, kind: str = "count",
                 lower_is_better: bool = True, credit: str | None = None, allow_missing: bool = False,
                 value_column: str | None = None, label_en: str | None = None, unit_en: str | None = None) -> Imported:
    """Validate and cache the file as outcome ``import:NAME``. Writes nothing on error.

    Importing again under the same name replaces the earlier import; the notes say so.
    """
    path = Path(path)
    if kind not in ("count", "rate"):
        raise InputError("kind must be 'count' or 'rate'")
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise InputError(f"name '{name}' may only use letters a-z, digits, '-' and '_' (it becomes outcome import:{name})")
    checked = validate(path, allow_missing=allow_missing, value_column=value_column, kind=kind, unit=unit)
    from evaltools.data.snapshot_io import to_long

    frame = checked.long.rename(columns={"kode": "AREA", "period": "TID", "value": "INDHOLD"})
    long = to_long(frame, "AREA", "TID", kind)  # monthly -> quarterly, like fetched tables
    freq = "Q" if long["period"].str.contains("Q").any() else "Y"
    outcome_id = f"import:{name}"
    notes = list(checked.notes)
    earlier = next((m for m in cache.entries() if m.get("outcome") == outcome_id), None)
    if earlier is not None:
        notes.append(f"replaces the earlier {outcome_id} (from {earlier.get('file', '?')}, imported {earlier.get('fetched_at', '?')})")
    meta = {
        "outcome": outcome_id, "file": path.name, "table": "import",
        "fetched_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        # credit None: the report says "own data" in its own language
        "describe": {"label": label, "label_en": label_en, "unit": unit, "unit_en": unit_en, "kind": kind,
                     "freq": freq, "lower_is_better": lower_is_better,
                     "has_national": bool((long["kode"] == "000").any()), "credit": credit},
    }
    cache.store(long, meta, cache.query_key("import", {"name": name}))
    from evaltools.data.snapshot_io import load_panel

    load_panel.cache_clear()
    return Imported(outcome_id, len(checked.long), notes)
