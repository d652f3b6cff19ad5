"""The de-meaned synthetic control drawn in the report's Figure 4: a weighted average of other
kommuner that tracks the treated kommune before the start once each series' own pre-period mean
is taken out (Doudchenko & Imbens' DIFP, not Abadie, Diamond & Hainmueller's level-matched
synthetic control). Its weights and estimate are the estimators table's ``sc_demeaned`` row
(``evaltools.core.estimators``), where its placebo p-value is too.

Series are on the design's scale (log: so kommuner of very different sizes can be mixed; level:
rates in procentpoint).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from evaltools.core.design import Gaps
from evaltools.core.weights import sc_demeaned_weights


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

    treated = np.zeros(len(donors) + 1, dtype=bool)
    treated[-1] = True
    # the same weights as the estimators table's sc_demeaned row (synthdid's Frank-Wolfe solver)
    w = sc_demeaned_weights(np.vstack([Z[donors], Z[j]]), treated, g.is_post).omega
    Dp, tp = D[:, pre], target[pre]

    def loss(w):
        return float(np.mean((tp - w @ Dp) ** 2))

    synthetic = w @ D
    post = g.is_post
    gap = float(np.mean(target[post] - synthetic[post]))
    effect = 100 * (np.exp(gap) - 1) if log else gap
    weights = {g.codes[d]: float(wi) for d, wi in zip(donors, w) if wi >= 0.005}
    return SyntheticControl(weights, target, synthetic, float(np.sqrt(loss(w))), effect)
