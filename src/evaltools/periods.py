"""Periods as DST writes them: quarters ``2012K3`` (Danish) or ``2012Q3`` (English), years ``2012``."""

from __future__ import annotations

import re

import pandas as pd
from evaltools.errors import InputError

_QUARTER = re.compile(r"^\s*(\d{4})\s*[-_ ]?\s*[KkQq]([1-4])\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")


class PeriodError(InputError, ValueError):
    """A period string that is neither a quarter (2012K3/2012Q3) nor a year (2012)."""


def parse_period(value: str | int | pd.Period, freq: str | None = None) -> pd.Period:
    """Parse ``2012K3``, ``2012Q3`` or ``2012`` into a pandas Period.

    ``freq`` ("Q" or "Y") checks that the period has the frequency the data has.
    """
    if isinstance(value, pd.Period):
        period = value
    else:
        text = str(value)
        if m := _QUARTER.match(text):
            period = pd.Period(year=int(m[1]), quarter=int(m[2]), freq="Q")
        elif m := _YEAR.match(text):
            period = pd.Period(year=int(m[1]), freq="Y")
        else:
            raise PeriodError(
                f"'{value}' is not a period: write a quarter as 2012K3 (or 2012Q3) or a year as 2012"
            )
    if freq is not None and period_freq(period) != freq:
        want = "a quarter such as 2012K3" if freq == "Q" else "a year such as 2012"
        raise PeriodError(f"'{value}' does not match the data's frequency: expected {want}")
    return period


def period_freq(period: pd.Period) -> str:
    """'Q' for quarters, 'Y' for years."""
    return "Q" if period.freqstr.startswith("Q") else "Y"


def format_period(period: pd.Period, language: str = "da") -> str:
    """``2012K3`` in Danish, ``2012Q3`` in English, ``2012`` for years."""
    if period_freq(period) == "Q":
        return f"{period.year}{'K' if language == 'da' else 'Q'}{period.quarter}"
    return str(period.year)


def format_span(first: pd.Period, last: pd.Period, language: str = "da") -> str:
    """``2010K3-2012K2``; a single period is named once (``2015``, not ``2015-2015``)."""
    a, b = format_period(first, language), format_period(last, language)
    return a if a == b else f"{a}-{b}"
