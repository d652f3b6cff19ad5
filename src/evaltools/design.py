"""The evaluation design: one treated kommune, a comparison group, a pre and a post window.

The design turns a Panel into *gaps*: for every kommune k, the outcome of k minus the outcome of
its comparison group, on the chosen scale. The DiD for k is the mean gap after the start minus
the mean gap before. Placebo kommuner get the same comparison rule with the real treated kommune
taken out, so every statistic for the treated kommune and its 97 placebos comes from one matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evaltools.errors import InputError
from evaltools.data import Panel
from evaltools.kommuner import Kommune, get_kommune
from evaltools.periods import format_period, format_span, parse_period

MIN_PRE_PERIODS = 4
DEFAULT_PRE = {"Q": 8, "Y": 4}
DEFAULT_POST = {"Q": 4, "Y": 2}


class DesignError(InputError, ValueError):
    """A design the data cannot support; ``field`` names the offending parameter."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Design:
    kommune: Kommune
    start: pd.Period
    pre_start: pd.Period
    post_end: pd.Period
    comparison: str | tuple[Kommune, ...]
    scale: str

    @property
    def pre(self) -> pd.PeriodIndex:
        return pd.period_range(self.pre_start, self.start - 1, freq=self.start.freq)

    @property
    def post(self) -> pd.PeriodIndex:
        return pd.period_range(self.start, self.post_end, freq=self.start.freq)

    @property
    def window(self) -> pd.PeriodIndex:
        return pd.period_range(self.pre_start, self.post_end, freq=self.start.freq)

    @property
    def reference(self) -> pd.Period:
        """Last pre-period: the event study's reference and the figure's index base."""
        return self.start - 1

    def describe_windows(self, language: str = "da") -> tuple[str, str]:
        return format_span(self.pre[0], self.pre[-1], language), format_span(self.post[0], self.post[-1], language)


def make_design(
    panel: Panel,
    kommune: str | int | Kommune,
    start: str | pd.Period,
    *,
    pre_start: str | pd.Period | None = None,
    post_end: str | pd.Period | None = None,
    comparison: str | Sequence[str | int | Kommune] = "rest",
    scale: str | None = None,
) -> Design:
    """Check a design against the data and fill in default windows."""
    k = get_kommune(kommune)
    freq = panel.outcome.freq
    first, last = panel.first, panel.last
    span = format_span(first, last)
    start_p = parse_period(start, freq)
    earliest = first + MIN_PRE_PERIODS
    if start_p == first:
        raise DesignError(
            f"start {format_period(start_p)} is the first period in the data for {panel.outcome.id} ({span}), "
            f"so there is no pre-period to compare with; the earliest start is {format_period(earliest)}", "start"
        )
    if not first < start_p <= last:
        raise DesignError(
            f"start {format_period(start_p)} is outside the data for {panel.outcome.id} ({span})", "start"
        )
    if pre_start is None and start_p < earliest:  # the default pre-period is cut short by the data
        raise DesignError(
            f"start {format_period(start_p)} leaves only {(start_p - first).n} period(s) of data before it "
            f"({span}); at least {MIN_PRE_PERIODS} are needed, so the earliest start is {format_period(earliest)}",
            "start",
        )
    pre_p = parse_period(pre_start, freq) if pre_start is not None else max(first, start_p - DEFAULT_PRE[freq])
    if pre_p >= start_p:
        where = "after" if pre_p > start_p else "the same period as"
        raise DesignError(
            f"pre_start {format_period(pre_p)} is {where} start {format_period(start_p)}: pre_start is the first "
            f"period before the initiative, so it must come at least {MIN_PRE_PERIODS} periods before start",
            "pre_start",
        )
    post_p = parse_period(post_end, freq) if post_end is not None else min(last, start_p + DEFAULT_POST[freq] - 1)
    if pre_p < first:
        raise DesignError(f"pre_start {format_period(pre_p)} is before the data begins ({span})", "pre_start")
    if post_p > last:
        raise DesignError(f"post_end {format_period(post_p)} is after the data ends ({span})", "post_end")
    if post_p < start_p:
        raise DesignError(f"post_end {format_period(post_p)} is before start {format_period(start_p)}", "post_end")
    n_pre = (start_p - pre_p).n
    if n_pre < MIN_PRE_PERIODS:
        raise DesignError(
            f"the pre-period {format_span(pre_p, start_p - 1)} has {n_pre} "
            f"period(s); at least {MIN_PRE_PERIODS} are needed to judge the trend before the start",
            "pre_start",
        )

    if isinstance(comparison, str) and comparison in ("rest", "national"):
        comp: str | tuple[Kommune, ...] = comparison
        if comparison == "national" and panel.national is None:
            raise DesignError(
                f"{panel.outcome.id} ({panel.outcome.table}) has no national series in the data; "
                "use comparison: rest (the average of the other kommuner) or a list of kommuner",
                "comparison",
            )
    else:
        names = [comparison] if isinstance(comparison, (str, int)) else list(comparison)
        comp = tuple(dict.fromkeys(get_kommune(c) for c in names))  # 'Roskilde, 265' is one kommune
        if k in comp:
            raise DesignError(f"{k.name} cannot be in its own comparison group", "comparison")
        if not comp:
            raise DesignError("the comparison list is empty", "comparison")

    scale = scale or panel.outcome.default_scale
    if scale not in ("log", "level"):
        raise DesignError(f"scale must be 'log' or 'level', not '{scale}'", "scale")
    design = Design(k, start_p, pre_p, post_p, comp, scale)
    y = panel.series(k).reindex(design.window)
    if y.isna().any():
        gaps = ", ".join(format_period(p) for p in y[y.isna()].index)
        raise DesignError(f"{k.name} has no data for {gaps} in {panel.outcome.id}", "kommune")
    if scale == "log" and (y <= 0).any():
        raise DesignError(
            f"{k.name} has zero values in the window, so the log scale is undefined; use scale: level",
            "scale",
        )
    return design


@dataclass
class Gaps:
    """Per-kommune gap series over the design window, and which kommuner can serve as placebos."""

    design: Design
    codes: list[str]
    treated_index: int
    levels: np.ndarray = field(repr=False)  # kommune outcome, kommuner x window
    comparison_levels: np.ndarray = field(repr=False)  # comparison group outcome
    gaps: np.ndarray = field(repr=False)  # transformed difference
    valid: np.ndarray = field(repr=False)  # placebo usable (complete, positive on log scale)
    is_post: np.ndarray = field(repr=False)
    missing: list[str] = field(default_factory=list)  # kommuner without data for the whole window

    @property
    def n_comparison(self) -> int:
        """Kommuner in the treated kommune's 'rest of the country' (complete data, not itself)."""
        return len(self.codes) - 1 - len(self.missing)


def comparison_weights(panel: Panel, design: Design, complete: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Weights W (kommuner x kommuner) and national loading a: comparison_k = W[k] @ Y + a[k] * N.

    ``complete`` marks kommuner with data for the whole window; the others are left out of every
    "rest of the country" group (one missing kommune must not make all the sums undefined).
    """
    codes = list(panel.values.index)
    n = len(codes)
    j = codes.index(design.kommune.code)
    comp = design.comparison
    nat = np.zeros(n)
    if comp == "national":
        W = np.zeros((n, n))
        W[:, j] = -1.0
        W[j, j] = 0.0  # the treated kommune is compared with DST's national total as published
        nat[:] = 1.0
    else:
        if comp == "rest":
            members = np.ones(n) if complete is None else complete.astype(float)
        else:
            members = np.zeros(n)
            for c in comp:
                members[codes.index(c.code)] = 1.0
        W = np.tile(members, (n, 1))
        np.fill_diagonal(W, 0.0)  # a kommune is never in its own comparison group
        W[:, j] = 0.0  # nor is the real treated kommune in a placebo's
        if panel.outcome.kind == "rate":
            sizes = W.sum(axis=1, keepdims=True)
            W = np.divide(W, sizes, out=np.zeros_like(W), where=sizes > 0)
    return W, nat


def compute_gaps(panel: Panel, design: Design) -> Gaps:
    codes = list(panel.values.index)
    j = codes.index(design.kommune.code)
    Y = panel.values.reindex(columns=design.window).to_numpy(dtype=float)
    complete = ~np.isnan(Y).any(axis=1)
    if isinstance(design.comparison, tuple):  # a comparison the user named must be complete
        gaps_in = [k.name for k in design.comparison if not complete[codes.index(k.code)]]
        if gaps_in:
            window = format_span(design.pre_start, design.post_end)
            raise DesignError(f"comparison kommune {', '.join(gaps_in)} has no data for part of {window}", "comparison")
    W, a = comparison_weights(panel, design, complete)
    has_comparison = W.any(axis=1) | (a != 0)
    # a missing value anywhere in a comparison group makes that group's sum undefined
    C = np.where(np.isnan(Y), 0.0, Y)
    C = W @ C
    incomplete = (W != 0).astype(float) @ np.isnan(Y).astype(float) > 0
    C[incomplete] = np.nan
    if a.any():
        N = panel.national.reindex(design.window).to_numpy(dtype=float)
        C = C + a[:, None] * N[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        if design.scale == "log":
            G = np.log(Y) - np.log(C)
        else:
            G = Y - C
    valid = np.isfinite(G).all(axis=1) & has_comparison
    G[~valid] = np.nan  # unusable placebo rows: NaN, not +-inf, so later arithmetic stays quiet
    is_post = np.asarray(design.window >= design.start)
    missing = [c for c, ok in zip(codes, complete) if not ok]
    return Gaps(design, codes, j, Y, C, G, valid, is_post, missing)


def did_statistics(gaps: np.ndarray, is_post: np.ndarray) -> dict[str, np.ndarray]:
    """Closed-form DiD on gap series (rows = units): estimate, classical SE, t, residual SD.

    Identical to OLS with unit and time fixed effects on the two-series panel (kommune and its
    comparison group), which is what ``fit_did`` runs for the treated kommune.
    """
    pre, post = gaps[:, ~is_post], gaps[:, is_post]
    n_pre, n_post = pre.shape[1], post.shape[1]
    est = post.mean(axis=1) - pre.mean(axis=1)
    resid = np.concatenate([pre - pre.mean(axis=1, keepdims=True), post - post.mean(axis=1, keepdims=True)], axis=1)
    dof = n_pre + n_post - 2
    sd = np.sqrt((resid**2).sum(axis=1) / dof) if dof > 0 else np.full(len(est), np.nan)
    se = sd * np.sqrt(1 / n_pre + 1 / n_post)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = est / se
        pre_rmspe = np.sqrt(((pre - pre.mean(axis=1, keepdims=True)) ** 2).mean(axis=1))
        post_rmspe = np.sqrt(((post - pre.mean(axis=1, keepdims=True)) ** 2).mean(axis=1))
        rmspe_ratio = post_rmspe / pre_rmspe
    return {"estimate": est, "se": se, "t": t, "sd": sd, "rmspe_ratio": rmspe_ratio, "dof": dof}


def stacked_panel(g: Gaps, language: str = "da") -> pd.DataFrame:
    """The treated kommune and its comparison group as a long table, ready for ``fit_did``."""
    j, d = g.treated_index, g.design
    transform = np.log if d.scale == "log" else (lambda x: x)
    rows = []
    for treated, series in ((1, g.levels[j]), (0, g.comparison_levels[j])):
        for period, value, post in zip(d.window, series, g.is_post):
            rows.append(
                {
                    "unit": d.kommune.name if treated else "comparison",
                    "time": format_period(period, language),
                    "treated": treated,
                    "post": int(post),
                    "level": value,
                    "y": float(transform(value)),
                }
            )
    return pd.DataFrame(rows)
