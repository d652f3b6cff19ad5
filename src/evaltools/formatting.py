"""Numbers the way Danish (or English) readers write them."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

MINUS = "\u2212"


def fmt_number(x: float, decimals: int = 1, language: str = "da", signed: bool = False) -> str:
    """1234.56 -> '1.234,6' (da) or '1,234.6' (en); ``signed`` adds '+' to positives."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if math.isinf(x):
        return ("" if x > 0 else MINUS) + "∞"
    # half away from zero on the number as it prints (58.5 -> 59, as a reader rounds), not Python's
    # round-half-even on the binary value (58.5 -> 58)
    rounded = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{abs(rounded):,.{decimals}f}"
    if language == "da":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    if rounded < 0:
        return MINUS + text
    return ("+" + text) if signed and rounded > 0 else text


# the p-value levels the report's words use ("næppe tilfældig" at 5 %, a weak indication at 10 %)
P_LEVELS = (0.05, 0.10)


def fmt_p(p: float, language: str = "da") -> str:
    """Two decimals (three below 0.01), and three where two would round onto one of P_LEVELS: 0.051
    is not "0,05" to a reader who compares it with the 5 % level the text uses."""
    decimals = 2 if p >= 0.01 else 3
    if decimals == 2 and round(p, 2) in P_LEVELS and abs(p - round(p, 2)) > 1e-12:
        decimals = 3
    return fmt_number(p, decimals, language)


def fmt_int(x: float, language: str = "da") -> str:
    return fmt_number(round(x), 0, language)


# per cent: a relative interval reaching past an elevenfold rise bounds nothing a reader can use (a
# placebo whose fit is near perfect over few periods can push it to millions of per cent)
RELATIVE_CAP = 1000.0


def fmt_interval(low: float, high: float, language: str = "da", unit: str = "", sep: str | None = None,
                 relative: bool = False) -> str:
    """'−61,6 til +35,4 procent' (with a unit); tables pass sep=' – ' and no unit. ``relative``: a
    change in per cent, whose upper end past RELATIVE_CAP reads 'over +1.000'."""
    sep = sep if sep is not None else (" til " if language == "da" else " to ")
    upper = fmt_number(high, 1, language, signed=True)
    if relative and high > RELATIVE_CAP:
        upper = f"{'over' if language == 'da' else 'above'} {fmt_number(RELATIVE_CAP, 0, language, signed=True)}"
    text = f"{fmt_number(low, 1, language, signed=True)}{sep}{upper}"
    return f"{text} {unit}" if unit else text


def first_line(source: str, width: int = 60) -> str:
    """A cell's first line for a one-line message: whole words, "…" when cut."""
    lines = source.strip().splitlines()
    line = lines[0].rstrip() if lines else ""
    if len(line) <= width:
        return line
    cut = line[:width].rsplit(" ", 1)[0] if " " in line[:width] else line[:width]
    return cut.rstrip() + "…"


def sentence_case(text: str) -> str:
    """The first letter upper-cased and the rest as written: 'vejle, Aarhus og Silkeborg' keeps its
    names ("str.capitalize" lower-cased them: 'Vejle, aarhus og silkeborg')."""
    return text[:1].upper() + text[1:]


class DecimalComma:
    """pandas' float display with a decimal comma (``display.float_format``): what a Danish report's
    own numbers use, where '1.234' reads as one thousand two hundred and thirty-four. Decimals as
    ``display.precision`` allows, trailing zeros dropped; very large or small values in e-notation."""

    def __call__(self, x: float) -> str:
        import pandas as pd

        x, digits = float(x), pd.get_option("display.precision")
        if not math.isfinite(x):
            return str(x)
        if x != 0 and (abs(x) >= 1e16 or abs(x) < 0.5 * 10.0**-digits):
            text = f"{x:.{digits}e}"
        else:
            text = f"{x:.{digits}f}".rstrip("0")
            text += "0" if text.endswith(".") else ""
        return text.replace(".", ",")

    def __repr__(self) -> str:
        return "evaltools.formatting.DecimalComma()"


def use_number_format(language: str) -> None:
    """The evaluator's own pandas tables in the notebook (and so in the PDF) write decimals as the
    report does: with a comma in a Danish report, pandas' own way in an English one. A float format
    the user set is theirs and is left alone."""
    import pandas as pd

    current = pd.get_option("display.float_format")
    if current is None or isinstance(current, DecimalComma):
        pd.set_option("display.float_format", DecimalComma() if language == "da" else None)
