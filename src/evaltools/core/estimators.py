"""Several estimators side by side on one design, each with the same placebo inference.

- ``did``: the design's difference-in-differences (the treated unit against its comparison group).
- ``sc``: synthetic control in levels (Abadie, Diamond & Hainmueller 2010): non-negative donor
  weights summing to one, fitted to the pre-period outcomes themselves.
- ``sc_demeaned``: synthetic control on deviations from each unit's pre-period mean
  (Doudchenko & Imbens 2016, "DIFP"): the weights may ignore a constant level difference.
- ``sdid``: synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens & Wager
  2021) with their regularisation: ridge-penalised unit weights with an intercept, time weights.

Every method is run again with each placebo unit as if it were treated (the real treated unit
left out of the donors). Each unit's gap to its synthetic comparison is studentised by the same
rule as the DiD (the residual SD of the gap around its pre and post means), and the treated unit's
|t| is ranked among the placebos'. Intervals invert that test and assume a constant effect.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pandas as pd

from evaltools.core.design import Gaps
from evaltools.core.did import did_statistics
from evaltools.core.inference import PlaceboTest, _permutation_p
from evaltools.core.weights import Weights, sc_demeaned_weights_each, sc_weights_each, sdid_weights_each

METHODS = ("did", "sc", "sc_demeaned", "sdid")
# each: (Y, targets, candidates, is_post) -> Weights with one row per target (see weights.sc_weights_each)
SOLVERS: dict[str, Callable[..., Weights]] = {"sc": sc_weights_each, "sc_demeaned": sc_demeaned_weights_each,
                                            "sdid": sdid_weights_each}


def _gaps_each(Y: np.ndarray, targets: np.ndarray, candidates: np.ndarray, is_post: np.ndarray, method: str):
    """Each target's estimate and gap series (unit minus its weighted donors), and the weights."""
    w = SOLVERS[method](Y, targets, candidates, is_post)
    gaps = Y[targets] - w.omega @ Y[candidates]
    est = gaps[:, is_post].mean(axis=1) - np.einsum("pt,pt->p", w.lambda_, gaps[:, ~is_post])
    return est, gaps, w


def synthetic_placebo(g: Gaps, Y: np.ndarray, method: str, alpha: float = 0.05) -> tuple[PlaceboTest, float, Weights]:
    """The method for the treated unit and for every placebo unit, studentised as the DiD is."""
    j, is_post = g.treated_index, g.is_post
    usable = np.where(g.valid | (np.arange(len(g.valid)) == j))[0]
    placebos = np.where(g.placebo_mask)[0]
    est, all_gaps, w = _gaps_each(Y, np.append(j, placebos), usable[usable != j], is_post, method)
    w_j = Weights(w.omega[0], w.lambda_[0], w.omega_intercept)
    pre = all_gaps[0, ~is_post]
    if w.omega_intercept:  # the fit allows a constant level difference (the unit weights' intercept)
        pre = pre - pre.mean()
    rmspe_j = float(np.sqrt(np.mean(pre**2)))
    s = did_statistics(all_gaps, is_post)
    se = s["se"]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = est / se
    rank, p = _permutation_p(float(abs(t[0])), np.abs(t[1:]))
    test = PlaceboTest(
        statistic="t", estimate=float(est[0]), std_error=float(se[0]), treated_stat=float(abs(t[0])),
        placebo_codes=[g.codes[i] for i in placebos], placebo_estimates=est[1:], placebo_stats=np.abs(t[1:]),
        placebo_t=t[1:], excluded=[c for i, c in enumerate(g.codes) if i != j and not g.valid[i]],
        rank=rank, p_value=p, n_as_extreme=rank - 1, alpha=alpha,
    )
    return test, rmspe_j, w_j


def transformed_levels(g: Gaps) -> np.ndarray:
    """Each unit's own outcome on the design's scale (NaN where unusable)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        Y = np.log(g.levels) if g.design.scale == "log" else g.levels.copy()
    Y[~np.isfinite(Y).all(axis=1)] = np.nan
    return Y


def estimator_table(g: Gaps, did_placebo: PlaceboTest, methods=METHODS, alpha: float = 0.05) -> tuple[pd.DataFrame, dict]:
    """One row per method on the design's scale: method, estimate, p_value, conf_low, conf_high,
    pre_rmspe, n_placebos, note. Also returns each synthetic method's donor weights by unit id."""
    Y = transformed_levels(g)
    valid = g.valid & np.isfinite(Y).all(axis=1)
    g_valid = dataclasses.replace(g, valid=valid)
    rows, weights = [], {}
    for m in methods:
        if m == "did":
            test = did_placebo
            pre = g.gaps[g.treated_index, ~g.is_post]
            rmspe = float(np.sqrt(np.mean((pre - pre.mean()) ** 2)))
        else:
            test, rmspe, w = synthetic_placebo(g_valid, Y, m, alpha)
            donors = [c for i, c in enumerate(g.codes) if valid[i] and i != g.treated_index]
            weights[m] = {c: float(x) for c, x in zip(donors, w.omega) if x > 1e-6}
        lo, hi = test.conf_int(alpha)
        note = "" if np.isfinite(lo) else "too few placebo units for a 95 % interval"
        rows.append({"method": m, "estimate": test.estimate, "p_value": test.p_value,
                     "conf_low": lo if np.isfinite(lo) else np.nan, "conf_high": hi if np.isfinite(hi) else np.nan,
                     "pre_rmspe": rmspe, "rank": test.rank, "n_placebos": test.n_placebos, "note": note})
    return pd.DataFrame(rows), weights
