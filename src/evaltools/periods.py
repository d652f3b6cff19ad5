"""Periods: quarters ``2012K3`` (Danish) or ``2012Q3`` (English), years ``2012``, months ``2012M03``
(or ``2012-03``), and plain integers (period 1, 2, 3, ...) for panels that count their own time."""

from __future__ import annotations

import re

import pandas as pd
from evaltools.errors import InputError

_QUARTER = re.compile(r"^\s*(\d{4})\s*[-_ ]?\s*[KkQq]([1-4])\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")
_MONTH = re.compile(r"^\s*(\d{4})\s*(?:[Mm]|-)\s*(\d{1,2})\s*$")
_INTEGER = re.compile(r"^\s*-?\d+\s*$")
FREQ_NAMES = {"Q": "a quarter such as 2012K3", "Y": "a year such as 2012", "M": "a month such as 2012M03",
              "N": "a whole number such as 7"}


class PeriodError(InputError, ValueError):
    """A period string that is neither a quarter (2012K3/2012Q3) nor a year (2012)."""


def parse_period(value: str | int | pd.Period, freq: str | None = None, generic: bool = False) -> pd.Period | int:
    """Parse ``2012K3``, ``2012Q3``, ``2012`` or ``2012M03`` into a pandas Period.

    ``freq`` ("Q", "Y", "M" or "N") checks that the period has the frequency the data has. Months
    and plain integer periods (any whole number that is not 4 digits) are accepted only for generic
    panels (``generic=True`` or ``freq`` "M"/"N"): DST tables and imports are quarterly or annual.
    """
    generic = generic or freq in ("M", "N")
    if isinstance(value, pd.Period):
        period = value
    elif freq == "N" and _INTEGER.match(str(value)):
        return int(value)
    else:
        text = str(value)
        if m := _QUARTER.match(text):
            period = pd.Period(year=int(m[1]), quarter=int(m[2]), freq="Q")
        elif m := _YEAR.match(text):
            period = pd.Period(year=int(m[1]), freq="Y")
        elif generic and (m := _MONTH.match(text)) and 1 <= int(m[2]) <= 12:
            period = pd.Period(year=int(m[1]), month=int(m[2]), freq="M")
        elif generic and _INTEGER.match(text):
            period = int(text)
        elif m := re.match(r"^\s*(\d{4})-(\d{2})-\d{2}\s*$", text):  # "2016-01-01": say which period it is in
            year, month = int(m[1]), int(m[2])
            raise PeriodError(f"'{value}' is a date, not a period: write {year}K{(month - 1) // 3 + 1} for its quarter "
                              f"(or {year} for its year)")
        else:
            raise PeriodError(
                f"'{value}' is not a period: write a quarter as 2012K3 (or 2012Q3) or a year as 2012"
                + (", a month as 2012M03 or a whole number" if generic else "")
            )
    if freq is not None and period_freq(period) != freq:
        raise PeriodError(f"'{value}' does not match the data's frequency: expected {FREQ_NAMES[freq]}")
    return period


def period_freq(period: pd.Period | int) -> str:
    """'Q' for quarters, 'Y' for years, 'M' for months, 'N' for plain integers."""
    if not isinstance(period, pd.Period):
        return "N"
    return period.freqstr[0] if period.freqstr[0] in "QM" else "Y"


def format_period(period: pd.Period | int, language: str = "da") -> str:
    """``2012K3`` in Danish, ``2012Q3`` in English, ``2012`` for years, ``2012M03`` for months."""
    freq = period_freq(period)
    if freq == "N":
        return str(period)
    if freq == "Q":
        return f"{period.year}{'K' if language == 'da' else 'Q'}{period.quarter}"
    if freq == "M":
        return f"{period.year}M{period.month:02d}"
    return str(period.year)


def format_span(first: pd.Period, last: pd.Period, language: str = "da") -> str:
    """``2010K3-2012K2``; a single period is named once (``2015``, not ``2015-2015``)."""
    a, b = format_period(first, language), format_period(last, language)
    return a if a == b else f"{a}-{b}"
