"""Numbers the way Danish (or English) readers write them."""

from __future__ import annotations

import math

MINUS = "\u2212"


def fmt_number(x: float, decimals: int = 1, language: str = "da", signed: bool = False) -> str:
    """1234.56 -> '1.234,6' (da) or '1,234.6' (en); ``signed`` adds '+' to positives."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    text = f"{abs(x):,.{decimals}f}"
    if language == "da":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    if round(x, decimals) < 0:
        return MINUS + text
    return ("+" + text) if signed and round(x, decimals) > 0 else text


def fmt_p(p: float, language: str = "da") -> str:
    return fmt_number(p, 2 if p >= 0.01 else 3, language)


def fmt_int(x: float, language: str = "da") -> str:
    return fmt_number(round(x), 0, language)


def fmt_interval(low: float, high: float, language: str = "da", unit: str = "", sep: str | None = None) -> str:
    """'−61,6 til +35,4 procent' (with a unit); tables pass sep=' – ' and no unit."""
    sep = sep if sep is not None else (" til " if language == "da" else " to ")
    text = f"{fmt_number(low, 1, language, signed=True)}{sep}{fmt_number(high, 1, language, signed=True)}"
    return f"{text} {unit}" if unit else text
