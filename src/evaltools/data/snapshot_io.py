"""Read the embedded snapshot into tidy and wide (kommuner x periods) form."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd

from evaltools.data.catalogue import Outcome, get_outcome
from evaltools.kommuner import Kommune, all_kommuner
from evaltools.periods import format_period, parse_period

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
        return f"{format_period(self.first, language)}-{format_period(self.last, language)}"

    def series(self, kommune: Kommune) -> pd.Series:
        return self.values.loc[kommune.code]


@lru_cache(maxsize=8)
def load_panel(outcome_id: str) -> Panel:
    """The embedded outcome as a Panel (cached: read once per process)."""
    outcome = get_outcome(outcome_id)
    df = load_snapshot()
    df = df[df["measure"] == outcome.id]
    periods = sorted({parse_period(p) for p in df["period"]})
    wide = df.pivot(index="kode", columns="period", values="value")
    wide.columns = pd.PeriodIndex([parse_period(c) for c in wide.columns])
    wide = wide.reindex(columns=pd.PeriodIndex(periods))
    national = wide.loc[NATIONAL_CODE] if NATIONAL_CODE in wide.index else None
    codes = [k.code for k in all_kommuner()]
    values = wide.reindex(codes)
    src = dict(provenance()["measures"][outcome.id])
    src.update({k: provenance()[k] for k in ("publisher", "licence", "credit", "snapshot_date")})
    src["origin"] = "embedded"
    return Panel(outcome=outcome, values=values, national=national, source=src)
