"""Several treated units, one start: a pooled DiD with permutation inference over sets of units.

Every treated unit is compared with the same comparison group, which contains no treated unit
(``members``: for ``comparison="rest"`` the complete units outside the treated set). The pooled
gap is the mean over the treated units of each unit's gap (on the design's scale), and the pooled
DiD is its post-mean minus pre-mean: the average of the units' own DiD estimates.

Inference: every set of the same size drawn from the other units is treated as if it had started
(all sets when there are at most ``MAX_ENUMERATED``, else ``N_RANDOM`` seeded random sets). For a
placebo set S the comparison group is ``members`` without S, so each set is compared exactly as the
real one would be. Sets are ranked by the studentised statistic |t| of their pooled gap (the same
closed form as the one-unit placebo test, ``did_statistics``); p = (1 + #sets at least as
extreme) / (1 + #sets). As with one unit, the sets were not assigned at random: the p-value says
how unusual the treated set is among sets of its size.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from evaltools.core.design import Design, DesignError, scaled_to_size, size_factors
from evaltools.core.did import did_statistics
from evaltools.core.panel import Panel
from evaltools.core.power import Mde, critical_value, _smallest_shift, POWER, ALPHA

MAX_ENUMERATED = 250_000
N_RANDOM = 10_000
SEED = 20111201  # fixed, so a report is reproducible; stated in the report
CHUNK = 20_000


@dataclass
class GroupTest:
    """The pooled DiD of the treated set and its permutation distribution over sets of that size."""

    treated: tuple[str, ...]
    estimate: float  # design scale
    std_error: float
    t_stat: float
    unit_estimates: dict[str, float]  # each treated unit's own DiD against the common comparison group
    gaps: np.ndarray = field(repr=False)  # treated units x window, each unit's gap
    placebo_estimates: np.ndarray = field(repr=False)
    placebo_t: np.ndarray = field(repr=False)
    n_sets: int = 0
    n_possible: int = 0
    enumerated: bool = True
    seed: int | None = None
    n_as_extreme: int = 0
    p_value: float = 1.0
    pool_size: int = 0

    def conf_int(self, alpha: float = 0.05) -> tuple[float, float]:
        """Estimate +- q SE, q the placebo sets' critical |t| (inverts the test; a constant effect)."""
        q = critical_value(self.placebo_t, alpha)
        return self.estimate - q * self.std_error, self.estimate + q * self.std_error

    def mde(self, power: float = POWER, alpha: float = ALPHA) -> Mde:
        """The smallest pooled effect detectable with ``power`` (``evaltools.core.power``, over sets)."""
        t = self.placebo_t[np.isfinite(self.placebo_t)]
        c = critical_value(t, alpha)
        up, down = _smallest_shift(t, c, power), _smallest_shift(-t, c, power)
        m = max(up, down)
        se = self.std_error
        return Mde(m * se, up * se, down * se, m, se, c, len(t), power, alpha)


def _members(panel: Panel, design: Design, complete: np.ndarray) -> np.ndarray:
    codes = list(panel.values.index)
    treated = np.isin(codes, design.treated)
    if design.comparison == "rest":
        return complete & ~treated
    if design.comparison == "national":
        return np.zeros(len(codes), dtype=bool)
    return np.isin(codes, design.comparison)


def _pooled(Y: np.ndarray, sets: np.ndarray, base: np.ndarray, n_base: int, panel: Panel, design: Design,
            national: np.ndarray | None, in_members: np.ndarray) -> np.ndarray:
    """Pooled gap (sets x window) for each set of unit indices: the mean of the units' gaps against
    ``base`` (sum of members) minus the set's own members."""
    Ys = Y[sets]  # sets x m x T
    if national is not None:
        C = np.broadcast_to(national, (len(sets), Y.shape[1]))
    else:
        drop = (Ys * in_members[sets][:, :, None]).sum(axis=1)
        C = base[None, :] - drop
        if panel.aggregate == "mean":
            C = C / (n_base - in_members[sets].sum(axis=1))[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        if design.scale == "log":
            G = np.log(Ys) - np.log(C)[:, None, :]
        else:
            G = Ys - C[:, None, :] * _factors(Ys, C[:, None, :], panel, design)
    return G.mean(axis=1)


def _factors(Ys: np.ndarray, C: np.ndarray, panel: Panel, design: Design) -> np.ndarray | float:
    """Each unit's comparison group scaled to its size on the level scale (see design.size_factors)."""
    if not scaled_to_size(panel, design):
        return 1.0
    return size_factors(Ys, C, design.is_post)[..., None]


def group_test(panel: Panel, design: Design, seed: int = SEED) -> GroupTest:
    """Pooled DiD for ``design.treated`` (two or more units) with permutation over sets."""
    codes = list(panel.values.index)
    Y = panel.values.reindex(columns=design.window).to_numpy(dtype=float)
    complete = ~np.isnan(Y).any(axis=1)
    members = _members(panel, design, complete)
    usable = complete & ((np.where(np.isnan(Y), 1, Y) > 0).all(axis=1) if design.scale == "log" else True)
    if design.comparison not in ("rest", "national") and not complete[members].all():
        raise DesignError("a comparison unit has no data for part of the window", "comparison")
    national = None
    if design.comparison == "national":
        national = panel.national.reindex(design.window).to_numpy(dtype=float)
    base = np.where(members[:, None], Y, 0.0).sum(axis=0)
    n_base = int(members.sum())
    idx_t = np.array([codes.index(c) for c in design.treated])
    is_post = np.asarray(design.is_post)

    real = _pooled(Y, idx_t[None, :], base, n_base, panel, design, national, members.astype(float))
    s = did_statistics(real, is_post)
    # each treated unit's own gap against the common comparison group
    own = _unit_gaps(Y, idx_t, base, n_base, panel, design, national)
    own_est = did_statistics(own, is_post)["estimate"]

    pool = np.flatnonzero(usable & ~np.isin(codes, design.treated))
    m = len(idx_t)
    n_possible = math.comb(len(pool), m)
    enumerated = n_possible <= MAX_ENUMERATED
    if enumerated:
        sets_iter = _chunks(itertools.combinations(pool, m))
        used_seed = None
    else:
        rng = np.random.default_rng(seed)
        draws = np.array([rng.choice(pool, size=m, replace=False) for _ in range(N_RANDOM)])
        sets_iter = (draws[i:i + CHUNK] for i in range(0, N_RANDOM, CHUNK))
        used_seed = seed
    est, tt = [], []
    for sets in sets_iter:
        if len(sets) == 0:
            continue
        G = _pooled(Y, sets, base, n_base, panel, design, national, members.astype(float))
        st = did_statistics(G, is_post)
        est.append(st["estimate"])
        tt.append(st["t"])
    placebo_est, placebo_t = np.concatenate(est), np.concatenate(tt)
    t_real = float(s["t"][0])
    ok = np.isfinite(placebo_t)
    n_extreme = int(np.sum(np.abs(placebo_t[ok]) >= abs(t_real) - 1e-12))
    return GroupTest(
        treated=tuple(design.treated), estimate=float(s["estimate"][0]), std_error=float(s["se"][0]), t_stat=t_real,
        unit_estimates={c: float(e) for c, e in zip(design.treated, own_est)}, gaps=own,
        placebo_estimates=placebo_est[ok], placebo_t=placebo_t[ok], n_sets=int(ok.sum()), n_possible=n_possible,
        enumerated=enumerated, seed=used_seed, n_as_extreme=n_extreme,
        p_value=(n_extreme + 1) / (int(ok.sum()) + 1), pool_size=len(pool),
    )


def _chunks(it):
    while len(chunk := np.array(list(itertools.islice(it, CHUNK)))):
        yield chunk


def _unit_gaps(Y, idx_t, base, n_base, panel, design, national) -> np.ndarray:
    C = national if national is not None else (base / n_base if panel.aggregate == "mean" else base)
    with np.errstate(divide="ignore", invalid="ignore"):
        if design.scale == "log":
            return np.log(Y[idx_t]) - np.log(C)[None, :]
        return Y[idx_t] - C[None, :] * _factors(Y[idx_t], C[None, :], panel, design)
