"""Read the embedded snapshot into tidy and wide (kommuner x periods) form."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd

from evaltools.errors import DataError
from evaltools.data.catalogue import Outcome, get_outcome
from evaltools.kommuner import Kommune, all_kommuner
from evaltools.periods import format_span, parse_period

NATIONAL_CODE = "000"


@lru_cache(maxsize=1)
def load_snapshot() -> pd.DataFrame:
    """The embedded snapshot as one tidy long table.

    Columns: measure, kode, navn, regionskode, region, period (str: 2012Q3 or 2012), value.
    Kode '000' is DST's 'Hele landet'.
    """
    path = resources.files("evaltools.data.snapshot") / "dst_snapshot.csv.gz"
    with path.open("rb") as fh:
        df = pd.read_csv(
            fh,
            compression="gzip",
            dtype={"kode": str, "regionskode": str, "region": str, "period": str},
            keep_default_na=False,
        )
    df["value"] = df["value"].astype(float)
    return df


@lru_cache(maxsize=1)
def provenance() -> dict:
    """Publisher, licence, credit line and per-table details of the embedded data."""
    path = resources.files("evaltools.data.snapshot") / "provenance.json"
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Panel:
    """One outcome for all kommuner: ``values`` is kommune code x period; ``national`` may be None."""

    outcome: Outcome
    values: pd.DataFrame
    national: pd.Series | None
    source: dict

    @property
    def periods(self) -> pd.PeriodIndex:
        return self.values.columns

    @property
    def first(self) -> pd.Period:
        return self.periods[0]

    @property
    def last(self) -> pd.Period:
        return self.periods[-1]

    def coverage(self, language: str = "da") -> str:
        return format_span(self.first, self.last, language)

    def series(self, kommune: Kommune) -> pd.Series:
        return self.values.loc[kommune.code]


class DataNotCachedError(DataError, LookupError):
    def __str__(self) -> str:
        return self.args[0]


def to_long(frame: pd.DataFrame, area: str, time: str, kind: str) -> pd.DataFrame:
    """A DST table of codes -> kode, period (2014Q1 / 2014), value.

    Extra variables with several values are summed (counts) or refused (rates); monthly data
    becomes the average of each complete quarter (both counts and rates here are stocks).
    """
    extra = [c for c in frame.columns if c not in (area, time, "INDHOLD")]
    for c in extra:
        if frame[c].nunique() > 1 and kind == "rate":
            raise DataError(f"rates cannot be added up over {c}; fetch one value of {c}")
    df = frame.groupby([area, time], as_index=False)["INDHOLD"].sum(min_count=1)
    df.columns = ["kode", "period", "value"]
    df["kode"] = df["kode"].astype(str).str.zfill(3)
    monthly = df["period"].str.match(r"^\d{4}M\d{2}$")
    if monthly.any():
        m = df[monthly].copy()
        month = m["period"].str[5:].astype(int)
        m["period"] = m["period"].str[:4] + "Q" + ((month - 1) // 3 + 1).astype(str)
        g = m.groupby(["kode", "period"])["value"]
        m = g.mean().to_frame("value").join(g.count().rename("n")).reset_index()
        df = m[m["n"] == 3].drop(columns="n")  # complete quarters only
    df["period"] = df["period"].str.replace("K", "Q")
    return df


def build_panel(outcome: Outcome, long: pd.DataFrame, source: dict) -> Panel:
    """A Panel from a long table (kode, period, value); kode 000 is the national figure."""
    periods = sorted({parse_period(p) for p in long["period"].unique()})  # ~75 periods, not every row
    wide = long.pivot(index="kode", columns="period", values="value")  # a duplicated (kode, period) is an error
    wide.columns = pd.PeriodIndex([parse_period(c) for c in wide.columns])
    wide = wide.reindex(columns=pd.PeriodIndex(periods))
    national = wide.loc[NATIONAL_CODE] if NATIONAL_CODE in wide.index else None
    codes = [k.code for k in all_kommuner()]
    # DST tables also carry regions and other areas (numeric codes such as 084): those are left out;
    # ids that are not DST area codes at all (US states, names) mean the frame is not a kommune table
    unknown = sorted(c for c in set(wide.index) - set(codes) - {NATIONAL_CODE} if not str(c).isdigit())
    if unknown or not set(wide.index) & set(codes):
        unknown = unknown or sorted(set(wide.index))
        from evaltools.core.panel import PanelError

        shown = ", ".join(unknown[:5]) + (f" (and {len(unknown) - 5} more)" if len(unknown) > 5 else "")
        raise PanelError(f"{outcome.id}: ids that are not kommune codes: {shown}; for other units "
                         "(states, regions, jobcentres) use evaltools.Panel.from_frame and evaluate_panel")
    values = wide.reindex(codes)
    return Panel(outcome=outcome, values=values, national=national, source=source)


def _cached_panel(outcome: Outcome) -> Panel:
    from evaltools.data.cache import find_outcome_meta, table_path

    meta = find_outcome_meta(outcome.id)
    if meta is None:
        from evaltools.jupyter import hint

        command = hint(f"evaltools data fetch --outcome {outcome.id}",
                       f"from evaltools.data.fetch import fetch_outcome; fetch_outcome({outcome.id!r})")
        raise DataNotCachedError(
            f"{outcome.id} ({outcome.table}) is not embedded and has not been fetched: run "
            f"`{command}` once (needs the network), then build the report"
        )
    path = table_path(meta)
    try:
        st = path.stat()
    except OSError:
        raise DataError(f"{outcome.id}: the cached table {path} is missing; fetch or import it again") from None
    # a long-lived process (a Dask worker's kernel, a notebook's kernel) must see a re-import or a
    # new fetch: the memo is keyed by the cache entry and its file, not by the outcome's name
    stamp = (outcome.id, meta["key"], str(meta.get("fetched_at")), st.st_mtime_ns, st.st_size)
    if stamp not in _CACHED:
        if len(_CACHED) >= 8:
            _CACHED.pop(next(iter(_CACHED)))
        _CACHED[stamp] = _read_cached_panel(outcome, meta, path)
    return _CACHED[stamp]


_CACHED: dict[tuple, Panel] = {}


def _read_cached_panel(outcome: Outcome, meta: dict, path) -> Panel:
    try:
        return _panel_from_cache(outcome, meta, path)
    except (ValueError, KeyError, OSError) as exc:  # a damaged or cut-off table: one line, not a traceback
        how = "import it again" if outcome.origin == "import" else f"fetch it again: evaltools data fetch --outcome {outcome.id}"
        raise DataError(f"{outcome.id}: the cached table {path.name} cannot be used ({exc}); {how}") from None


def _panel_from_cache(outcome: Outcome, meta: dict, path) -> Panel:
    frame = pd.read_parquet(path)
    long = frame if outcome.origin == "import" else to_long(frame, meta["area"], meta["time"], outcome.kind)
    # facts only: evaltools.report.source says them in the report's language
    if outcome.origin == "import":
        d = meta["describe"]
        src = {"origin": "import", "file": meta.get("file", ""), "title": d["label"], "licence": d.get("licence", "-"),
               # a credit line the user chose; earlier imports stored the Danish default here
               "credit": d.get("credit") if d.get("credit") not in (None, "Kilde: egne data") else None,
               "publisher": d.get("publisher")}
    else:
        src = {"origin": "dst", "publisher": "Danmarks Statistik (Statistics Denmark), StatBank",
               "licence": "CC BY 4.0", "title": meta.get("title", outcome.table), "updated": meta.get("updated")}
    src.update(fetched_at=meta.get("fetched_at"), query=meta.get("query"))
    return build_panel(outcome, long, src)


def load_panel(outcome_id: str) -> Panel:
    """The outcome as a Panel: embedded data, or a table fetched/imported into the cache (read once
    per process, and again when the cache's table changes). Never touches the network."""
    outcome = get_outcome(outcome_id)
    if outcome.origin != "embedded":
        return _cached_panel(outcome)
    return _embedded_panel(outcome.id)


def _clear() -> None:
    _embedded_panel.cache_clear()
    _CACHED.clear()


load_panel.cache_clear = _clear  # tests and the importer start from a clean slate


@lru_cache(maxsize=8)
def _embedded_panel(outcome_id: str) -> Panel:
    outcome = get_outcome(outcome_id)
    df = load_snapshot()
    src = dict(provenance()["measures"][outcome.id])
    src.update({k: provenance()[k] for k in ("publisher", "licence", "credit", "snapshot_date")})
    src["origin"] = "embedded"
    return build_panel(outcome, df.loc[df["measure"] == outcome.id, ["kode", "period", "value"]], src)
