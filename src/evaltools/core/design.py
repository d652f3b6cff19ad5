"""The evaluation design: a treated unit, a comparison group, a pre and a post window.

The design turns a Panel into *gaps*: for every unit k, the outcome of k minus the outcome of
its comparison group, on the chosen scale. The DiD for k is the mean gap after the start minus
the mean gap before. Placebo units get the same comparison rule with the real treated unit
taken out, so every statistic for the treated unit and its placebos comes from one matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evaltools.core.panel import Panel
from evaltools.errors import InputError
from evaltools.periods import PeriodError, format_period, format_span, parse_period

MIN_PRE_PERIODS = 4
SCALES = ("log", "level")


class DesignError(InputError, ValueError):
    """A design the data cannot support; ``field`` names the offending parameter."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, eq=False)
class Design:
    """``treated`` holds unit ids; ``comparison`` is "rest", "national" or unit ids. ``excluded``
    units are left out of every comparison group and are no placebos (the other treated units,
    when one of several treated units is evaluated on its own)."""

    treated: tuple[str, ...]
    start: object  # pd.Period or int
    window: pd.Index  # pre_start .. post_end, contiguous
    comparison: str | tuple[str, ...]
    scale: str
    excluded: tuple[str, ...] = ()
    # the default post-period's length when the data ended before it did (the window is shorter)
    post_cut_short: int | None = None

    def single(self, unit: str) -> "Design":
        """The design for one of the treated units alone: the others excluded from every group."""
        others = tuple(u for u in self.treated if u != unit)
        return Design((unit,), self.start, self.window, self.comparison, self.scale, others, self.post_cut_short)

    @property
    def pre_start(self):
        return self.window[0]

    @property
    def post_end(self):
        return self.window[-1]

    @property
    def is_post(self) -> np.ndarray:
        return np.asarray(self.window >= self.start)

    @property
    def pre(self) -> pd.Index:
        return self.window[~self.is_post]

    @property
    def post(self) -> pd.Index:
        return self.window[self.is_post]

    @property
    def reference(self):
        """Last pre-period: the event study's reference and the figure's index base."""
        return self.pre[-1]

    def describe_windows(self, language: str = "da") -> tuple[str, str]:
        return format_span(self.pre[0], self.pre[-1], language), format_span(self.post[0], self.post[-1], language)


def _period(panel: Panel, value, name: str):
    try:
        return parse_period(value, panel.freq)
    except PeriodError as exc:
        raise DesignError(f"{name}: {exc}", name) from None


def make_design(
    panel: Panel,
    treated: str | Sequence[str],
    start,
    *,
    pre_start=None,
    post_end=None,
    comparison: str | Sequence[str] = "rest",
    scale: str = "level",
    default_pre: int | None = None,
    default_post: int | None = None,
) -> Design:
    """Check a design against the data and fill in default windows (the whole panel unless
    ``default_pre``/``default_post`` periods are given)."""
    treated_ids = tuple(panel.check_units([treated] if isinstance(treated, (str, int)) else treated, f"treated {panel.noun}"))
    if not treated_ids:
        raise DesignError(f"name at least one treated {panel.noun}", "treated")
    repeated = [u for u in dict.fromkeys(treated_ids) if treated_ids.count(u) > 1]
    if repeated:
        raise DesignError(f"{', '.join(panel.name(u) for u in repeated)} is listed more than once; "
                          f"name each treated {panel.noun} once", "treated")
    first, last = panel.first, panel.last
    span = format_span(first, last)
    start_p = _period(panel, start, "start")
    earliest = panel.periods[min(MIN_PRE_PERIODS, len(panel.periods) - 1)]
    if start_p == first:
        raise DesignError(
            f"start {format_period(start_p)} is the first period in the data for {panel.label} ({span}), "
            f"so there is no pre-period to compare with; the earliest start is {format_period(earliest)}", "start"
        )
    if not first < start_p <= last:
        raise DesignError(f"start {format_period(start_p)} is outside the data for {panel.label} ({span})", "start")
    i_start = panel.position(start_p)
    if pre_start is None and i_start < MIN_PRE_PERIODS:  # the default pre-period is cut short by the data
        raise DesignError(
            f"start {format_period(start_p)} leaves only {i_start} period(s) of data before it "
            f"({span}); at least {MIN_PRE_PERIODS} are needed, so the earliest start is {format_period(earliest)}",
            "start",
        )
    if pre_start is not None:
        pre_p = _period(panel, pre_start, "pre_start")
        if pre_p >= start_p:
            where = "after" if pre_p > start_p else "the same period as"
            raise DesignError(
                f"pre_start {format_period(pre_p)} is {where} start {format_period(start_p)}: pre_start is the first "
                f"period before the initiative, so it must come at least {MIN_PRE_PERIODS} periods before start",
                "pre_start",
            )
        if pre_p < first:
            raise DesignError(f"pre_start {format_period(pre_p)} is before the data begins ({span})", "pre_start")
    else:
        pre_p = panel.periods[max(0, i_start - default_pre) if default_pre else 0]
    if post_end is not None:
        post_p = _period(panel, post_end, "post_end")
        if post_p > last:
            raise DesignError(f"post_end {format_period(post_p)} is after the data ends ({span})", "post_end")
        if post_p < start_p:
            raise DesignError(f"post_end {format_period(post_p)} is before start {format_period(start_p)}", "post_end")
    else:
        n = len(panel.periods)
        post_p = panel.periods[min(n - 1, i_start + default_post - 1) if default_post else n - 1]
        cut_short = default_post if default_post and i_start + default_post - 1 > n - 1 else None
    i_pre, i_post = panel.position(pre_p), panel.position(post_p)
    n_pre = i_start - i_pre
    if n_pre < MIN_PRE_PERIODS:
        raise DesignError(
            f"the pre-period {format_span(pre_p, panel.periods[i_start - 1])} has {n_pre} "
            f"period(s); at least {MIN_PRE_PERIODS} are needed to judge the trend before the start",
            "pre_start",
        )
    name = ", ".join(panel.name(u) for u in treated_ids)
    if isinstance(comparison, str) and comparison in ("rest", "national"):
        comp: str | tuple[str, ...] = comparison
        if comparison == "national" and panel.national is None:
            raise DesignError(
                f"{panel.label} has no national series in the data; use comparison: rest "
                f"(the other {panel.noun}s) or a list of {panel.noun}s",
                "comparison",
            )
    else:
        names = [comparison] if isinstance(comparison, (str, int)) else list(comparison)
        comp = tuple(dict.fromkeys(panel.check_units(names, f"comparison {panel.noun}")))  # 'Roskilde, 265' is one
        if both := [u for u in treated_ids if u in comp]:
            both_names = ", ".join(panel.name(u) for u in both)
            raise DesignError(f"{both_names} cannot be in its own comparison group" if len(treated_ids) == 1 else
                              f"{both_names} is both treated and in the comparison group; remove it from one", "comparison")
        if not comp:
            raise DesignError("the comparison list is empty", "comparison")
    if scale not in SCALES:
        raise DesignError(f"scale must be 'log' or 'level', not '{scale}'", "scale")
    design = Design(treated_ids, start_p, panel.periods[i_pre:i_post + 1], comp, scale,
                    post_cut_short=None if post_end is not None else cut_short)
    for unit in treated_ids:
        y, name = panel.series(unit).reindex(design.window), panel.name(unit)
        if y.isna().any():
            gaps = ", ".join(format_period(p) for p in y[y.isna()].index)
            raise DesignError(f"{name} has no data for {gaps} in {panel.label}", "treated")
        if scale == "log" and (y <= 0).any():
            raise DesignError(f"{name} has zero values in the window, so the log scale is undefined; use scale: level", "scale")
    return design


@dataclass
class Gaps:
    """Per-unit gap series over the design window, and which units can serve as placebos."""

    design: Design
    codes: list[str]
    treated_index: int
    levels: np.ndarray = field(repr=False)  # unit outcome, units x window
    comparison_levels: np.ndarray = field(repr=False)  # comparison group outcome
    gaps: np.ndarray = field(repr=False)  # transformed difference
    valid: np.ndarray = field(repr=False)  # placebo usable (complete, positive on log scale)
    is_post: np.ndarray = field(repr=False)
    missing: list[str] = field(default_factory=list)  # units without data for the whole window
    # per unit: what its comparison group's sum was multiplied by (see size_factors); None: not scaled
    comparison_scale: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_comparison(self) -> int:
        """Units in the treated unit's "rest" group (complete data, not itself)."""
        return len(self.codes) - 1 - len(self.missing) - len(self.design.excluded)

    @property
    def placebo_mask(self) -> np.ndarray:
        """Units usable as placebos: valid and not the treated unit."""
        mask = self.valid.copy()
        mask[self.treated_index] = False
        return mask


def comparison_weights(panel: Panel, design: Design, complete: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Weights W (units x units) and national loading a: comparison_k = W[k] @ Y + a[k] * N.

    ``complete`` marks units with data for the whole window; the others are left out of every
    "rest" group (one missing unit must not make all the sums undefined).
    """
    codes = list(panel.values.index)
    n = len(codes)
    j = codes.index(design.treated[0])
    comp = design.comparison
    nat = np.zeros(n)
    if comp == "national":
        W = np.zeros((n, n))
        W[:, j] = -1.0
        W[j, j] = 0.0  # the treated unit is compared with the national total as published
        nat[:] = 1.0
    else:
        if comp == "rest":
            members = np.ones(n) if complete is None else complete.astype(float)
        else:
            members = np.zeros(n)
            for c in comp:
                members[codes.index(c)] = 1.0
        for c in design.excluded:
            members[codes.index(c)] = 0.0
        W = np.tile(members, (n, 1))
        np.fill_diagonal(W, 0.0)  # a unit is never in its own comparison group
        W[:, j] = 0.0  # nor is the real treated unit in a placebo's
        if panel.aggregate == "mean":
            sizes = W.sum(axis=1, keepdims=True)
            W = np.divide(W, sizes, out=np.zeros_like(W), where=sizes > 0)
    return W, nat


def scaled_to_size(panel: Panel, design: Design) -> bool:
    """A sum of units compared on levels is scaled to the unit's own size (see size_factors)."""
    return design.scale == "level" and panel.aggregate == "sum"


def size_factors(Y: np.ndarray, C: np.ndarray, is_post: np.ndarray) -> np.ndarray:
    """Per series (the last axis is time): the unit's pre-period mean over its comparison group's.

    On the level scale a count's comparison group is a total of many units (the rest of the
    country is ~97 kommuner): the unit's change in persons minus the group's would measure the
    group's size, not the initiative. Scaled by this factor, the group is the unit's size before
    the start, and the counterfactual is the unit following the group's development in step
    (the same relative change), expressed in the unit's own persons.
    """
    pre = ~np.asarray(is_post)
    with np.errstate(divide="ignore", invalid="ignore"):
        return Y[..., pre].mean(axis=-1) / C[..., pre].mean(axis=-1)


def compute_gaps(panel: Panel, design: Design) -> Gaps:
    codes = list(panel.values.index)
    j = codes.index(design.treated[0])
    Y = panel.values.reindex(columns=design.window).to_numpy(dtype=float)
    complete = ~np.isnan(Y).any(axis=1)
    if isinstance(design.comparison, tuple):  # a comparison the user named must be complete
        gaps_in = [panel.name(c) for c in design.comparison if not complete[codes.index(c)]]
        if gaps_in:
            window = format_span(design.pre_start, design.post_end)
            raise DesignError(f"comparison {panel.noun} {', '.join(gaps_in)} has no data for part of {window}", "comparison")
    W, a = comparison_weights(panel, design, complete)
    has_comparison = W.any(axis=1) | (a != 0)
    # a missing value anywhere in a comparison group makes that group's sum undefined
    C = W @ np.where(np.isnan(Y), 0.0, Y)
    incomplete = (W != 0).astype(float) @ np.isnan(Y).astype(float) > 0
    C[incomplete] = np.nan
    if a.any():
        N = panel.national.reindex(design.window).to_numpy(dtype=float)
        C = C + a[:, None] * N[None, :]
    factors = None
    if scaled_to_size(panel, design):
        factors = size_factors(Y, C, design.is_post)
        C = C * factors[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        G = np.log(Y) - np.log(C) if design.scale == "log" else Y - C
    valid = np.isfinite(G).all(axis=1) & has_comparison & ~np.isin(codes, design.excluded)
    G[~valid] = np.nan  # unusable placebo rows: NaN, not +-inf, so later arithmetic stays quiet
    missing = [c for c, ok in zip(codes, complete) if not ok and c not in design.excluded]
    return Gaps(design, codes, j, Y, C, G, valid, design.is_post, missing, factors)


def stacked_panel(g: Gaps, name: str = "treated", language: str = "da") -> pd.DataFrame:
    """The treated unit and its comparison group as a long table, ready for ``fit_did``."""
    j, d = g.treated_index, g.design
    transform = np.log if d.scale == "log" else (lambda x: x)
    rows = []
    for treated, series in ((1, g.levels[j]), (0, g.comparison_levels[j])):
        for period, value, post in zip(d.window, series, g.is_post):
            rows.append(
                {
                    "unit": name if treated else "comparison",
                    "time": format_period(period, language),
                    "treated": treated,
                    "post": int(post),
                    "level": value,
                    "y": float(transform(value)),
                }
            )
    return pd.DataFrame(rows)
