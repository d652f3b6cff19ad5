"""Inference for one treated unit: placebo (permutation) tests, an event study, pre-trend tests.

With one treated unit, cluster-robust errors and the wild cluster bootstrap are unreliable
(MacKinnon & Webb 2017). Instead each of the other units is treated as if it had started, and the
treated unit is ranked among them. Because units can differ in size by orders of magnitude, the
ranking uses a studentised statistic (the DiD t-statistic, or the post/pre RMSPE ratio), not the
raw estimate (Ferman & Pinto 2019). The p-value is a rank among the other units, which were not
assigned at random: it is a descriptive measure of how unusual the treated unit is, not an exact test.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evaltools.core.design import Gaps
from evaltools.core.did import did_statistics
from evaltools.periods import format_period

STATISTICS = ("t", "rmspe")


def _permutation_p(treated_stat: float, placebo_stats: np.ndarray) -> tuple[int, float]:
    """Rank (1 = most extreme) and p-value (1 + #placebos at least as extreme) / (1 + #placebos)."""
    at_least = int(np.sum(placebo_stats >= treated_stat - 1e-12))
    return at_least + 1, (at_least + 1) / (len(placebo_stats) + 1)


@dataclass
class PlaceboTest:
    """Placebo in space: the DiD refitted with every other unit as if it were treated."""

    statistic: str
    estimate: float
    std_error: float
    treated_stat: float
    placebo_codes: list[str]
    placebo_estimates: np.ndarray = field(repr=False)
    placebo_stats: np.ndarray = field(repr=False)
    placebo_t: np.ndarray = field(repr=False)
    excluded: list[str]
    rank: int
    p_value: float
    n_as_extreme: int
    alpha: float = 0.05

    @property
    def n_placebos(self) -> int:
        return len(self.placebo_codes)

    @property
    def min_p_value(self) -> float:
        return 1 / (self.n_placebos + 1)

    def conf_int(self, alpha: float | None = None) -> tuple[float, float]:
        """Permutation interval: estimate +- q * SE, with q the k-th largest placebo |t|, k = floor(alpha (N+1)).

        This inverts the placebo t-test exactly: the interval excludes a constant effect c if and
        only if the test of c has p <= alpha (so it excludes 0 exactly when ``p_value <= alpha``).
        It assumes the effect is the same in every post-period (a constant effect).
        """
        alpha = self.alpha if alpha is None else alpha
        k = int(np.floor(alpha * (self.n_placebos + 1) + 1e-9))
        if k < 1:  # too few placebos to ever reject at this level
            return -np.inf, np.inf
        q = float(np.sort(np.abs(self.placebo_t))[-k])
        return self.estimate - q * self.std_error, self.estimate + q * self.std_error

    def tidy(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "unit": self.placebo_codes,
                "estimate": self.placebo_estimates,
                "t": self.placebo_t,
                "statistic": self.placebo_stats,
            }
        )


def placebo_in_space(g: Gaps, statistic: str = "t", alpha: float = 0.05) -> PlaceboTest:
    if statistic not in STATISTICS:
        raise ValueError(f"statistic must be one of {STATISTICS}")
    s = did_statistics(g.gaps, g.is_post)
    j = g.treated_index
    mask = g.valid.copy()
    mask[j] = False
    excluded = [c for i, c in enumerate(g.codes) if i != j and not g.valid[i]]
    stat = np.abs(s["t"]) if statistic == "t" else s["rmspe_ratio"]
    placebo_stats = stat[mask]
    n_extreme = int(np.sum(placebo_stats >= stat[j] - 1e-12))
    rank, p = _permutation_p(float(stat[j]), placebo_stats)
    return PlaceboTest(
        statistic=statistic,
        estimate=float(s["estimate"][j]),
        std_error=float(s["se"][j]),
        treated_stat=float(stat[j]),
        placebo_codes=[c for i, c in enumerate(g.codes) if mask[i]],
        placebo_estimates=s["estimate"][mask],
        placebo_stats=placebo_stats,
        placebo_t=s["t"][mask],
        excluded=excluded,
        rank=rank,
        p_value=p,
        n_as_extreme=n_extreme,
        alpha=alpha,
    )


@dataclass
class EventStudy:
    """Gap in each period relative to the last pre-period, with placebo bands and a pre-trend test."""

    periods: pd.PeriodIndex
    reference: pd.Period
    coefficients: np.ndarray
    band_low: np.ndarray
    band_high: np.ndarray
    pretrend_stat: float
    pretrend_p: float
    n_placebos: int

    def tidy(self, language: str = "da") -> pd.DataFrame:
        ref = list(self.periods).index(self.reference)
        rel = [i - ref for i in range(len(self.periods))]
        return pd.DataFrame(
            {
                "period": [format_period(p, language) for p in self.periods],
                "relative": rel,
                "coefficient": self.coefficients,
                "band_low": self.band_low,
                "band_high": self.band_high,
            }
        )


def event_study(g: Gaps, alpha: float = 0.05, pretrend_level: float = 0.10) -> EventStudy:
    """Event-study coefficients d_t - d_ref for the treated unit.

    Bands: the (alpha/2, 1-alpha/2) quantiles of the placebo units' coefficients, each
    studentised by its own residual SD and rescaled to the treated unit's. Pre-trend test:
    a Wald statistic of the studentised pre-period coefficients, with the covariance and the
    p-value both taken from the placebo units (a permutation version of the usual joint F test).
    The joint test spreads its power over every pre-period and can miss a steady trend: see
    ``linear_pretrend``.
    """
    d = g.design
    ref_i = list(d.window).index(d.reference)
    coef = g.gaps - g.gaps[:, [ref_i]]
    sd = did_statistics(g.gaps, g.is_post)["sd"]
    j = g.treated_index
    mask = g.valid.copy()
    mask[j] = False
    with np.errstate(divide="ignore", invalid="ignore"):
        z = coef / sd[:, None]
    zp = z[mask]
    lo = np.quantile(zp, alpha / 2, axis=0) * sd[j]
    hi = np.quantile(zp, 1 - alpha / 2, axis=0) * sd[j]
    pre_cols = [i for i in range(len(d.window)) if not g.is_post[i] and i != ref_i]
    B = z[:, pre_cols]
    cov = np.cov(B[mask], rowvar=False, ddof=1)
    inv = np.linalg.pinv(np.atleast_2d(cov))
    W = np.einsum("ij,jk,ik->i", B, inv, B)
    _, p = _permutation_p(float(W[j]), W[mask])
    return EventStudy(
        periods=d.window,
        reference=d.reference,
        coefficients=coef[j],
        band_low=lo,
        band_high=hi,
        pretrend_stat=float(W[j]),
        pretrend_p=p,
        n_placebos=int(mask.sum()),
    )


@dataclass
class TimePlacebo:
    """The same DiD with a fake start inside the pre-period (only pre-period data used)."""

    fake_start: pd.Period
    estimate: float
    p_value: float


def placebo_in_time(g: Gaps, min_pre: int = 2) -> list[TimePlacebo]:
    d = g.design
    pre_n = int((~g.is_post).sum())
    out = []
    for cut in range(min_pre, pre_n):
        cols = np.arange(pre_n)
        fake_post = cols >= cut
        s = did_statistics(g.gaps[:, :pre_n], fake_post)
        j = g.treated_index
        mask = g.valid.copy()
        mask[j] = False
        _, p = _permutation_p(float(abs(s["t"][j])), np.abs(s["t"][mask]))
        out.append(TimePlacebo(d.window[cut], float(s["estimate"][j]), p))
    return out


@dataclass
class LinearPretrend:
    """Slope of the treated unit's gap over the pre-period (per period), studentised, ranked among placebos."""

    slope: float
    t_stat: float
    p_value: float
    rank: int
    n_placebos: int


def linear_pretrend(g: Gaps) -> LinearPretrend:
    """OLS slope of each unit's gap on time over the pre-period; the treated unit's |t| ranked
    among the placebo units' (one degree of freedom aimed at the commonest violation: a trend)."""
    pre = g.gaps[:, ~g.is_post]
    n = pre.shape[1]
    x = np.arange(n) - (n - 1) / 2
    slope = pre @ x / (x @ x)
    resid = pre - pre.mean(axis=1, keepdims=True) - slope[:, None] * x[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt((resid**2).sum(axis=1) / (n - 2) / (x @ x))
        t = slope / se
    j, mask = g.treated_index, g.placebo_mask
    rank, p = _permutation_p(float(abs(t[j])), np.abs(t[mask]))
    return LinearPretrend(float(slope[j]), float(t[j]), p, rank, int(mask.sum()))
