"""A balanced panel of any units (states, regions, jobcentres, kommuner) over any periods."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evaltools.errors import InputError
from evaltools.periods import PeriodError, format_period, format_span, parse_period, period_freq

AGGREGATES = ("sum", "mean")


class PanelError(InputError, ValueError):
    """A frame that cannot be read as a panel; the message names the column and the values."""


def _shorten(values, n: int = 5) -> str:
    values = [str(v) for v in values]
    return ", ".join(values[:n]) + (f" (and {len(values) - n} more)" if len(values) > n else "")


def to_periods(values: pd.Series, column: str = "time") -> pd.Series:
    """Years, quarters (2012K3/2012Q3), months (2012M03, 2012-03, dates) or plain integers, one kind per column."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.to_period("M")
    uniq = pd.unique(values)
    if all(isinstance(v, pd.Period) for v in uniq):
        return values
    ints = pd.to_numeric(pd.Series(uniq), errors="coerce")
    if ints.notna().all() and (ints == ints.round()).all():
        ints = ints.astype(int)
        if ((ints >= 1000) & (ints <= 2999)).all():  # 4-digit numbers are years
            mapping = {u: pd.Period(year=int(i), freq="Y") for u, i in zip(uniq, ints)}
        else:
            mapping = {u: int(i) for u, i in zip(uniq, ints)}
        return values.map(mapping)
    mapping, bad = {}, []
    for u in uniq:
        try:
            mapping[u] = parse_period(u, generic=True)
        except PeriodError:
            bad.append(u)
    if bad:
        raise PanelError(f"column '{column}' has values that are not periods: {_shorten(bad)}; "
                         "use years (2012), quarters (2012Q3), months (2012M03) or whole numbers")
    freqs = {period_freq(p) for p in mapping.values()}
    if len(freqs) > 1:
        raise PanelError(f"column '{column}' mixes kinds of periods ({', '.join(sorted(freqs))}); use one kind")
    return values.map(mapping)


@dataclass
class Panel:
    """One outcome for many units: ``values`` is unit id x period (contiguous periods, NaN where missing).

    ``aggregate`` says how a comparison group of several units is formed: ``"sum"`` for counts
    (persons, jobs), ``"mean"`` for rates and per-capita values. ``national`` is an optional outside
    total for ``comparison="national"``; ``names`` maps unit ids to display names.
    """

    values: pd.DataFrame
    aggregate: str
    national: pd.Series | None = None
    names: dict[str, str] = field(default_factory=dict)
    label: str = "outcome"
    noun: str = "unit"  # what one unit is called in messages

    def __post_init__(self):
        if self.aggregate not in AGGREGATES:
            raise PanelError(f"aggregate must be 'sum' (counts) or 'mean' (rates, per-capita values), not '{self.aggregate}'")

    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame,
        *,
        unit: str,
        time: str,
        value: str,
        aggregate: str | None = None,
        names: dict | None = None,
    ) -> "Panel":
        """A panel from a long table: one row per unit and period.

        ``aggregate`` must be given: ``"sum"`` when a group's outcome is the total of its units
        (counts), ``"mean"`` when it is their average (rates, per-capita values).
        """
        if aggregate is None:
            raise PanelError("say how a comparison group combines units: aggregate='sum' for counts "
                             "(persons, jobs) or aggregate='mean' for rates and per-capita values")
        if not isinstance(df, pd.DataFrame):
            raise PanelError(f"give a pandas DataFrame (one row per unit and period), not a {type(df).__name__}")
        if df.empty:
            raise PanelError("the frame has no rows")
        missing = [c for c in (unit, time, value) if c not in df.columns]
        if missing:
            raise PanelError(f"columns not in the frame: {', '.join(missing)} (it has {_shorten(df.columns, 10)})")
        long = pd.DataFrame({"unit": df[unit].astype(str).str.strip(), "time": to_periods(df[time], time)})
        long["value"] = pd.to_numeric(df[value], errors="coerce")
        bad = df[value][long["value"].isna() & df[value].notna()]
        if len(bad):
            raise PanelError(f"column '{value}' has values that are not numbers: {_shorten(pd.unique(bad))}")
        if np.isinf(long["value"]).any():
            raise PanelError(f"column '{value}' has infinite values; leave a missing value empty (NaN)")
        dup = long.duplicated(["unit", "time"], keep=False)
        if dup.any():
            first = long[dup].iloc[0]
            raise PanelError(f"{int(dup.sum())} rows repeat a ({unit}, {time}) pair, e.g. "
                             f"({first['unit']}, {format_period(first['time'], 'en')}); give one row per unit and period")
        wide = long.pivot(index="unit", columns="time", values="value")
        periods = list(wide.columns)
        if isinstance(periods[0], pd.Period):
            full = pd.period_range(min(periods), max(periods), freq=periods[0].freq)
        else:
            full = pd.Index(range(min(periods), max(periods) + 1))
        wide = wide.reindex(columns=full)
        return cls(wide, aggregate, None, {str(k): str(v) for k, v in (names or {}).items()}, value, unit)

    @property
    def periods(self) -> pd.Index:
        return self.values.columns

    @property
    def units(self) -> list[str]:
        return list(self.values.index)

    @property
    def first(self):
        return self.periods[0]

    @property
    def last(self):
        return self.periods[-1]

    @property
    def freq(self) -> str:
        return period_freq(self.first)

    def coverage(self, language: str = "da") -> str:
        return format_span(self.first, self.last, language)

    def name(self, unit: str) -> str:
        return self.names.get(unit, unit)

    def series(self, unit: str) -> pd.Series:
        return self.values.loc[unit]

    def position(self, period) -> int:
        """Index of ``period`` among the panel's periods."""
        return int(self.periods.get_loc(period))

    def check_units(self, units, what: str) -> list[str]:
        """Unit ids as strings; unknown ids are an error naming them."""
        ids = [str(u).strip() for u in units]
        unknown = [u for u in ids if u not in self.values.index]
        if unknown:
            raise PanelError(f"{what} {_shorten(unknown)} not in the panel (its {self.noun} ids: {_shorten(self.units, 6)})")
        return ids

