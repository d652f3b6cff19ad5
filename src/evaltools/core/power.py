"""The smallest effect the data can show: a minimum detectable effect (MDE) from the placebo units.

The placebo test rejects "no effect" at level ``alpha`` when the treated unit's |t| exceeds the
critical value ``c``: the k-th largest placebo |t| with k = floor(alpha (N+1)) (exactly the rule
behind ``PlaceboTest.p_value <= alpha`` and ``PlaceboTest.conf_int``).

An effect ``delta`` that is the same in every post-period moves the unit's DiD estimate by
``delta`` and leaves its residual SD (hence its SE) unchanged, so its t-statistic becomes
``t0 + delta / se_j``, where ``se_j`` is the treated unit's own standard error and ``t0`` is what
the statistic would have been without the effect. Without an effect the treated unit is one more
draw from the placebo units' t-distribution (the premise of the permutation test), so

    power(delta) = share of placebo units i with |t_i + delta / se_j| > c

and the MDE is the smallest ``delta > 0`` with power >= 80 %, found separately for an increase
(``up``) and a decrease (``down``, by the same rule on -t); ``effect`` is the larger of the two
(the MDE stated as "plus or minus"). It is in the design's scale: a log difference on the log
scale (a report shows 100 (e^up - 1) per cent up and 100 (1 - e^-down) per cent down), the
outcome's unit on the level scale. The premise is the usual one
of the placebo test: the placebo units' null t-statistics describe the treated unit's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evaltools.core.design import Gaps
from evaltools.core.did import did_statistics

POWER = 0.80
ALPHA = 0.05


@dataclass(frozen=True)
class Mde:
    """The MDE in the design's scale, in t units (``delta / se``), and what it rests on."""

    effect: float  # design scale (log difference or level): max(up, down)
    up: float  # smallest detectable increase, design scale
    down: float  # smallest detectable decrease (a positive number), design scale
    t_units: float  # effect / se of the treated unit
    std_error: float  # the treated unit's DiD standard error
    critical_value: float  # placebo |t| the statistic must exceed
    n_placebos: int
    power: float = POWER
    alpha: float = ALPHA


def critical_value(placebo_t: np.ndarray, alpha: float = ALPHA) -> float:
    """The k-th largest placebo |t|, k = floor(alpha (N+1)); inf when N is too small to reject."""
    t = np.sort(np.abs(np.asarray(placebo_t, dtype=float)))
    k = int(np.floor(alpha * (len(t) + 1) + 1e-9))
    return float(t[-k]) if k >= 1 else float("inf")


def _smallest_shift(t: np.ndarray, c: float, power: float) -> float:
    """Smallest m > 0 with mean(|t + m| > c) >= power. Power is a step function of m that changes
    only at m = c - t_i and m = -c - t_i; every step is evaluated at once with a sorted search."""
    if not np.isfinite(c) or len(t) == 0:
        return float("inf")
    ts = np.sort(t)
    steps = np.concatenate([c - t, -c - t])
    m = np.sort(steps[steps >= 0]) + 1e-9  # just past each step, where |t + m| > c is strict
    above = len(ts) - np.searchsorted(ts, c - m, side="right")  # t + m > c
    below = np.searchsorted(ts, -c - m, side="left")  # t + m < -c
    ok = np.flatnonzero((above + below) / len(ts) >= power)
    return float(m[ok[0]]) if len(ok) else float("inf")


def power_curve_t(placebo_t: np.ndarray, shift_t: float, alpha: float = ALPHA) -> float:
    """Share of placebo units whose |t + shift_t| exceeds the critical value (power at an effect of
    ``shift_t`` standard errors)."""
    t = np.asarray(placebo_t, dtype=float)
    return float(np.mean(np.abs(t + shift_t) > critical_value(t, alpha)))


def minimum_detectable_effect(g: Gaps, power: float = POWER, alpha: float = ALPHA) -> Mde:
    """The MDE for the treated unit of ``g`` (see the module docstring for the formula)."""
    s = did_statistics(g.gaps, g.is_post)
    mask = g.placebo_mask
    t = s["t"][mask]
    t = t[np.isfinite(t)]
    c = critical_value(t, alpha)
    up, down = _smallest_shift(t, c, power), _smallest_shift(-t, c, power)
    m = max(up, down)
    se = float(s["se"][g.treated_index])
    return Mde(effect=m * se, up=up * se, down=down * se, t_units=m, std_error=se, critical_value=c, n_placebos=len(t), power=power, alpha=alpha)
