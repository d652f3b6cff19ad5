"""Synthetic control as a robustness check: a weighted average of other kommuner that tracks the
treated kommune before the start (Abadie, Diamond & Hainmueller 2010).

Series are compared as deviations from each kommune's own pre-period mean, on the design's
scale (log: so kommuner of very different sizes can be mixed; level: rates in procentpoint). No p-value is reported for it: the placebo test of the main
design is the report's inference; this only asks whether a better-matched comparison tells the
same story.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import nnls

from evaltools.design import Gaps


@dataclass
class SyntheticControl:
    weights: dict[str, float]  # kommune code -> weight (only weights >= 0.5 %)
    treated: np.ndarray = field(repr=False)  # log deviation of the treated kommune
    synthetic: np.ndarray = field(repr=False)
    pre_rmspe: float
    effect: float  # mean post-period gap: per cent (log scale) or the outcome's unit (level)

    def top_donors(self, n: int = 5) -> list[tuple[str, float]]:
        return sorted(self.weights.items(), key=lambda kv: -kv[1])[:n]


def fit_synthetic_control(g: Gaps) -> SyntheticControl | None:
    """Fit on the design window's pre-period; None when the outcome cannot be logged."""
    Y = g.levels
    log = g.design.scale == "log"
    usable = np.isfinite(Y).all(axis=1) & ((Y > 0).all(axis=1) if log else True)
    j = g.treated_index
    if not usable[j]:
        return None
    pre = ~g.is_post
    Z = np.where(usable[:, None], Y, 1.0)
    Z = np.log(Z) if log else Z
    dev = Z - Z[:, pre].mean(axis=1, keepdims=True)
    donors = [i for i in range(len(Y)) if usable[i] and i != j]
    D = dev[donors]  # donors x periods
    target = dev[j]

    Dp, tp = D[:, pre], target[pre]

    def loss(w):
        return float(np.mean((tp - w @ Dp) ** 2))

    # min |t - w D| subject to w >= 0, sum(w) = 1: non-negative least squares with the sum
    # constraint as a heavily weighted extra row (Lawson-Hanson; milliseconds for 97 donors)
    penalty = 1e3 * max(1.0, float(np.abs(tp).max()))
    A = np.vstack([Dp.T, penalty * np.ones(len(donors))])
    b = np.append(tp, penalty)
    w, _ = nnls(A, b, maxiter=50 * len(donors))
    w = np.clip(w, 0, None)
    w /= w.sum()
    synthetic = w @ D
    post = g.is_post
    gap = float(np.mean(target[post] - synthetic[post]))
    effect = 100 * (np.exp(gap) - 1) if log else gap
    weights = {g.codes[d]: float(wi) for d, wi in zip(donors, w) if wi >= 0.005}
    return SyntheticControl(weights, target, synthetic, float(np.sqrt(loss(w))), effect)
