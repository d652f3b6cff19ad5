"""The kommune layer of the design: a kommune, a catalogue outcome and DST's default windows,
mapped onto the statistical core (``evaltools.core.design``), which knows only unit ids."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from evaltools.core.design import (
    MIN_PRE_PERIODS,
    make_design as make_core_design,
    Design,
    DesignError,
    Gaps,
    comparison_weights,
    compute_gaps,
    stacked_panel,
)
from evaltools.core.did import did_statistics
from evaltools.core.panel import Panel as CorePanel
from evaltools.data import Panel
from evaltools.kommuner import Kommune, all_kommuner, get_kommune

DEFAULT_PRE = {"Q": 8, "Y": 4}
DEFAULT_POST = {"Q": 4, "Y": 2}
AGGREGATE = {"count": "sum", "rate": "mean"}  # a group of kommuner: total persons, average rate

__all__ = ["MIN_PRE_PERIODS", "DEFAULT_PRE", "DEFAULT_POST", "Design", "DesignError", "Gaps", "comparison_weights",
           "compute_gaps", "core_panel", "did_statistics", "make_design", "stacked_panel"]


def core_panel(panel: Panel | CorePanel) -> CorePanel:
    """The outcome's panel as the core sees it: kommune codes as unit ids, names for messages,
    and how a group of kommuner adds up (sum of counts, average of rates)."""
    if isinstance(panel, CorePanel):
        return panel
    names = {k.code: k.name for k in all_kommuner()}
    return CorePanel(panel.values, AGGREGATE[panel.outcome.kind], panel.national, names, panel.outcome.id, "kommune")


def make_design(
    panel: Panel | CorePanel,
    kommune: str | int | Kommune | Sequence[str | int | Kommune],
    start: str | pd.Period,
    *,
    pre_start: str | pd.Period | None = None,
    post_end: str | pd.Period | None = None,
    comparison: str | Sequence[str | int | Kommune] = "rest",
    scale: str | None = None,
) -> Design:
    """Check a kommune design against the data; default windows 8 quarters (4 years) before the
    start and 4 quarters (2 years) from it."""
    many = isinstance(kommune, (list, tuple))
    treated = [get_kommune(x) for x in kommune] if many else [get_kommune(kommune)]
    if many and not treated:
        raise DesignError("the list of kommuner is empty; name at least one", "kommune")
    repeated = [t.name for t in dict.fromkeys(treated) if treated.count(t) > 1]
    if repeated:  # 'Egedal, 240' is one kommune named twice
        raise DesignError(f"{', '.join(repeated)} is listed more than once; name each kommune once", "kommune")
    if isinstance(panel, CorePanel):
        cp, default_scale = panel, scale or "level"
    else:
        cp, default_scale = core_panel(panel), panel.outcome.default_scale
        if comparison == "national" and panel.national is None:
            raise DesignError(
                f"{panel.outcome.id} ({panel.outcome.table}) has no national series in the data; "
                "use comparison: rest (the average of the other kommuner) or a list of kommuner",
                "comparison",
            )
    if not (isinstance(comparison, str) and comparison in ("rest", "national")):
        names = [comparison] if isinstance(comparison, (str, int)) else list(comparison)
        comp_kommuner = list(dict.fromkeys(get_kommune(c) for c in names))  # 'Roskilde, 265' is one kommune
        if both := [t.name for t in treated if t in comp_kommuner]:
            raise DesignError(f"{', '.join(both)} cannot be in its own comparison group" if not many else
                              f"{', '.join(both)} is both in kommune and in comparison; remove it from one",
                              "comparison")
        comparison = tuple(c.code for c in comp_kommuner)
    try:
        codes = [t.code for t in treated] if many else treated[0].code
        return make_core_design(cp, codes, start, pre_start=pre_start, post_end=post_end, comparison=comparison,
                                scale=scale or default_scale, default_pre=DEFAULT_PRE.get(cp.freq),
                                default_post=DEFAULT_POST.get(cp.freq))
    except DesignError as exc:
        if exc.field == "treated":  # the params file's key for it
            raise DesignError(str(exc), "kommune") from None
        raise

