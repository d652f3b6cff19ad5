"""Unit and time weights for synthetic control and synthetic difference-in-differences.

Follows Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021, AER), Algorithm 1, as implemented
in their R package synthdid (solver.R, synthdid.R): a Frank-Wolfe solver with exact line search
for ``min ||A x - b||^2 / rows + zeta^2 ||x||^2`` over the unit simplex, on the "collapsed"
panel (control rows as they are, treated rows averaged; pre columns as they are, post columns
averaged), two passes with a sparsifying step in between. The de-meaned synthetic control keeps
evaltools' earlier exact solver.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy.optimize import nnls

MAX_ITER = 10_000
MAX_ITER_PRE_SPARSIFY = 100


@njit(cache=True)
def _first_argmin(a, V, cmask):  # pragma: no cover - compiled
    """argmin over m of ``a * V[m] - cmask[m]`` and its value; ties go to the first index.

    Four independent running minima (each keeps its first occurrence) merged by (value, index):
    the same answer as one pass, without one long chain of dependent comparisons.
    """
    k = V.shape[0]
    b0 = b1 = b2 = b3 = np.inf
    i0 = i1 = i2 = i3 = -1
    k4 = k - k % 4
    for m in range(0, k4, 4):
        h0 = a * V[m] - cmask[m]
        h1 = a * V[m + 1] - cmask[m + 1]
        h2 = a * V[m + 2] - cmask[m + 2]
        h3 = a * V[m + 3] - cmask[m + 3]
        if h0 < b0:
            b0 = h0
            i0 = m
        if h1 < b1:
            b1 = h1
            i1 = m + 1
        if h2 < b2:
            b2 = h2
            i2 = m + 2
        if h3 < b3:
            b3 = h3
            i3 = m + 3
    for m in range(k4, k):
        h0 = a * V[m] - cmask[m]
        if h0 < b0:
            b0 = h0
            i0 = m
    best, i = b0, i0
    if b1 < best or (b1 == best and i1 < i):
        best, i = b1, i1
    if b2 < best or (b2 == best and i2 < i):
        best, i = b2, i2
    if b3 < best or (b3 == best and i3 < i):
        best, i = b3, i3
    return i, best


@njit(cache=True)
def _fw_one(G, c, bb, n_rows, zeta, x, allowed, min_decrease, max_iter):  # pragma: no cover - compiled
    """Frank-Wolfe with exact line search for one problem, from its Gram quantities (see fw_batch).

    The iterates are synthdid's; only their bookkeeping is cheaper. A step ``x <- (1-s) x + s e_i``
    rescales every weight, so x and Gx are kept as ``a * X`` and ``a * H``: a step changes the
    scalar a, one entry of X and adds a multiple of G's row i to V = H + eta X (the gradient is
    ``a V - c``). x'x, x'Gx and c'x are updated from the step alone and recomputed exactly every
    64 iterations, and X is rescaled to a = 1 before a underflows.
    """
    k = x.shape[0]
    eta = n_rows * zeta * zeta
    cmask = np.where(allowed, c, -np.inf)  # a candidate not allowed has gradient +inf
    a = 1.0
    X = x.copy()
    V = G @ X + eta * X
    XX = XH = CX = 0.0
    for m in range(k):
        XX += X[m] * X[m]
        XH += X[m] * (V[m] - eta * X[m])
        CX += c[m] * X[m]
    prev = np.inf
    last = np.inf
    for t in range(max_iter):
        i, best = _first_argmin(a, V, cmask)
        xx, xGx, cx = a * a * XX, a * a * XH, a * CX
        dx2 = 1.0 - 2.0 * a * X[i] + xx
        if dx2 > 0.0:
            Hi = V[i] - eta * X[i]
            hg_dx = best - (xGx - cx + eta * xx)
            denom = G[i, i] - 2.0 * a * Hi + xGx + eta * dx2
            step = -hg_dx / denom if denom > 0.0 else 0.0
            step = min(1.0, max(0.0, step))
            keep = 1.0 - step
            if keep < 1e-12:  # x becomes the vertex e_i
                for m in range(k):
                    X[m] = 0.0
                    V[m] = G[i, m]
                X[i] = 1.0
                V[i] += eta
                a, XX, XH, CX = 1.0, 1.0, G[i, i], c[i]
            else:
                a *= keep
                d = step / a
                XX += 2.0 * d * X[i] + d * d
                XH += 2.0 * d * Hi + d * d * G[i, i]
                CX += d * c[i]
                X[i] += d
                for m in range(k):
                    V[m] += d * G[i, m]
                V[i] += eta * d
                if a < 1e-6 or (t & 63) == 63:
                    if a < 1e-6:
                        for m in range(k):
                            X[m] *= a
                            V[m] *= a
                        a = 1.0
                    XX = XH = CX = 0.0
                    for m in range(k):
                        XX += X[m] * X[m]
                        XH += X[m] * (V[m] - eta * X[m])
                        CX += c[m] * X[m]
        val = zeta * zeta * a * a * XX + (a * a * XH - 2.0 * a * CX + bb) / n_rows
        prev = last
        last = val
        if t >= 1 and prev - last <= min_decrease * min_decrease:
            break
    for m in range(k):
        x[m] = a * X[m]
    return x


def fw_batch(
    G: np.ndarray,
    c: np.ndarray,
    bb: np.ndarray,
    n_rows: int,
    zeta: np.ndarray,
    x0: np.ndarray,
    allowed: np.ndarray,
    min_decrease: np.ndarray,
    max_iter: int,
) -> np.ndarray:
    """Frank-Wolfe with exact line search for P problems (synthdid's sc.weight.fw).

    Problem p: minimise ``zeta_p^2 |x|^2 + |A x - b_p|^2 / n_rows`` over the simplex restricted to
    ``allowed[p]``, given only the Gram quantities ``G = A'A`` (k x k), ``c = A'b`` (P x k) and
    ``bb = b'b`` (P). Each problem stops as synthdid's does: after ``max_iter`` iterations or an
    iteration that lowers the objective by less than ``min_decrease^2``.
    """
    x = np.where(allowed, x0, 0.0)
    for p in range(c.shape[0]):
        x[p] = _fw_one(G, c[p], float(bb[p]), float(n_rows), float(zeta[p]), x[p].copy(), allowed[p],
                       float(min_decrease[p]), int(max_iter))
    return x


def _sparsify(v: np.ndarray) -> np.ndarray:
    v = np.where(v <= v.max(axis=-1, keepdims=True) / 4, 0.0, v)
    return v / v.sum(axis=-1, keepdims=True)


def simplex_weights(
    A: np.ndarray,
    b: np.ndarray,
    zeta: np.ndarray,
    intercept: bool,
    allowed: np.ndarray | None = None,
    min_decrease: np.ndarray | float = 1e-3,
) -> np.ndarray:
    """synthdid's two passes: 100 Frank-Wolfe iterations from uniform weights, sparsify (weights
    below a quarter of the largest set to 0), then up to 10,000 more.

    ``A`` is rows x candidates (shared by all problems), ``b`` is problems x rows (the targets);
    ``allowed`` (problems x candidates) says which candidates each problem may use. With
    ``intercept`` every column is de-meaned over the rows first.
    """
    b = np.atleast_2d(b)
    P, k = b.shape[0], A.shape[1]
    allowed = np.ones((P, k), dtype=bool) if allowed is None else allowed
    if intercept:
        A = A - A.mean(axis=0, keepdims=True)
        b = b - b.mean(axis=1, keepdims=True)
    G, c, bb = A.T @ A, b @ A, np.einsum("pr,pr->p", b, b)
    zeta = np.broadcast_to(np.asarray(zeta, dtype=float), (P,))
    md = np.broadcast_to(np.asarray(min_decrease, dtype=float), (P,))
    x0 = allowed / allowed.sum(axis=1, keepdims=True)
    x = fw_batch(G, c, bb, A.shape[0], zeta, x0, allowed, md, MAX_ITER_PRE_SPARSIFY)
    return fw_batch(G, c, bb, A.shape[0], zeta, _sparsify(x), allowed, md, MAX_ITER)


def collapsed(Y: np.ndarray, treated: np.ndarray, is_post: np.ndarray) -> np.ndarray:
    """(controls + 1) x (pre periods + 1): treated rows averaged, post columns averaged."""
    rows = np.vstack([Y[~treated], Y[treated].mean(axis=0, keepdims=True)])
    return np.hstack([rows[:, ~is_post], rows[:, is_post].mean(axis=1, keepdims=True)])


def noise_level(Y: np.ndarray, treated: np.ndarray, is_post: np.ndarray) -> float:
    """SD of the first differences of the control units' pre-period outcomes (synthdid's noise.level)."""
    d = np.diff(Y[np.ix_(~treated, ~is_post)], axis=1)
    return float(np.std(d, ddof=1))


@dataclass
class Weights:
    """omega: weights on the control units; lambda_: weights on the pre-periods."""

    omega: np.ndarray
    lambda_: np.ndarray
    omega_intercept: bool


def _omega(Y, treated, is_post, zeta, intercept, min_dec):
    Yc = collapsed(Y, treated, is_post)
    return simplex_weights(Yc[:-1, :-1].T, Yc[-1, :-1], zeta, intercept, min_decrease=min_dec)[0]


def sdid_weights(Y: np.ndarray, treated: np.ndarray, is_post: np.ndarray) -> Weights:
    """Arkhangelsky et al.'s regularisation: zeta_omega = (N_tr T_post)^(1/4) * noise, zeta_lambda = 1e-6 * noise."""
    noise = noise_level(Y, treated, is_post)
    n1, t1 = int(treated.sum()), int(is_post.sum())
    Yc = collapsed(Y, treated, is_post)
    lam = simplex_weights(Yc[:-1, :-1], Yc[:-1, -1], 1e-6 * noise, True, min_decrease=1e-5 * noise)[0]
    omega = _omega(Y, treated, is_post, (n1 * t1) ** 0.25 * noise, True, 1e-5 * noise)
    return Weights(omega, lam, True)


def sc_weights(Y: np.ndarray, treated: np.ndarray, is_post: np.ndarray) -> Weights:
    """Synthetic control in levels (Abadie, Diamond & Hainmueller): no intercept, no time weights,
    a vanishing ridge (synthdid's sc_estimate, the paper's Table 1 SC column)."""
    noise = noise_level(Y, treated, is_post)
    omega = _omega(Y, treated, is_post, 1e-6 * noise, False, 1e-5 * noise)
    return Weights(omega, np.zeros(int((~is_post).sum())), False)


def sc_demeaned_weights(Y: np.ndarray, treated: np.ndarray, is_post: np.ndarray) -> Weights:
    """De-meaned synthetic control (Doudchenko & Imbens' DIFP): units matched on deviations from
    their own pre-period mean, uniform time weights (a DiD with synthetic-control unit weights).

    Solved exactly: ``min |t - w D|`` over the simplex by non-negative least squares with the
    sum constraint as a heavily weighted extra row (Lawson-Hanson; milliseconds for 97 donors).
    """
    pre = ~is_post
    dev = Y - Y[:, pre].mean(axis=1, keepdims=True)
    D = dev[~treated][:, pre]
    tp = dev[treated][:, pre].mean(axis=0)
    penalty = 1e3 * max(1.0, float(np.abs(tp).max()))
    A = np.vstack([D.T, penalty * np.ones(D.shape[0])])
    w, _ = nnls(A, np.append(tp, penalty), maxiter=50 * D.shape[0])
    w = np.clip(w, 0, None)
    n_pre = int(pre.sum())
    return Weights(w / w.sum(), np.full(n_pre, 1 / n_pre), True)


def did_weights(Y: np.ndarray, treated: np.ndarray, is_post: np.ndarray) -> Weights:
    n0, n_pre = int((~treated).sum()), int((~is_post).sum())
    return Weights(np.full(n0, 1 / n0), np.full(n_pre, 1 / n_pre), True)


def weighted_estimate(Y: np.ndarray, treated: np.ndarray, is_post: np.ndarray, w: Weights) -> float:
    """tau = (treated mean - omega' controls) over time, post mean minus lambda-weighted pre."""
    gap = Y[treated].mean(axis=0) - w.omega @ Y[~treated]
    return float(gap[is_post].mean() - w.lambda_ @ gap[~is_post])


# --- one unit at a time against the others: the placebo runs, solved together -----------------

def _each_setup(Y: np.ndarray, targets: np.ndarray, candidates: np.ndarray, is_post: np.ndarray):
    """Which candidates each target may use (all but itself) and the noise level of its controls."""
    allowed = candidates[None, :] != targets[:, None]
    D = np.diff(Y[np.ix_(candidates, ~is_post)], axis=1)
    noise = np.array([np.std(D[row], ddof=1) for row in allowed])
    return allowed, noise


def _omega_each(Y, targets, candidates, is_post, allowed, zeta, intercept, min_dec) -> np.ndarray:
    """All targets' unit weights in one solve: the candidates' pre-period Gram matrix is shared."""
    pre = ~is_post
    A = Y[np.ix_(candidates, pre)].T
    return simplex_weights(A, Y[np.ix_(targets, pre)], zeta, intercept, allowed, min_decrease=min_dec)


def sc_weights_each(Y: np.ndarray, targets: np.ndarray, candidates: np.ndarray, is_post: np.ndarray) -> Weights:
    """:func:`sc_weights` for each target against the candidates other than itself.

    Row p of ``omega`` weights ``candidates`` (0 on the target itself) for ``targets[p]``: the same
    weights as ``sc_weights`` on that target and its donors, from one Frank-Wolfe batch.
    """
    allowed, noise = _each_setup(Y, targets, candidates, is_post)
    omega = _omega_each(Y, targets, candidates, is_post, allowed, 1e-6 * noise, False, 1e-5 * noise)
    return Weights(omega, np.zeros((len(targets), int((~is_post).sum()))), False)


def sdid_weights_each(Y: np.ndarray, targets: np.ndarray, candidates: np.ndarray, is_post: np.ndarray) -> Weights:
    """:func:`sdid_weights` for each target against the candidates other than itself (see sc_weights_each)."""
    allowed, noise = _each_setup(Y, targets, candidates, is_post)
    t1 = int(is_post.sum())
    omega = _omega_each(Y, targets, candidates, is_post, allowed, t1 ** 0.25 * noise, True, 1e-5 * noise)
    pre = ~is_post
    lam = np.empty((len(targets), int(pre.sum())))
    for p, row in enumerate(allowed):  # the time weights' rows are the controls: a small problem each
        controls = Y[candidates[row]]
        lam[p] = simplex_weights(controls[:, pre], controls[:, is_post].mean(axis=1), 1e-6 * noise[p], True,
                                 min_decrease=1e-5 * noise[p])[0]
    return Weights(omega, lam, True)


def sc_demeaned_weights_each(Y: np.ndarray, targets: np.ndarray, candidates: np.ndarray, is_post: np.ndarray) -> Weights:
    """:func:`sc_demeaned_weights` for each target against the candidates other than itself."""
    omega = np.zeros((len(targets), len(candidates)))
    n_pre = int((~is_post).sum())
    for p, target in enumerate(targets):
        row = candidates != target
        treated = np.zeros(int(row.sum()) + 1, dtype=bool)
        treated[-1] = True
        omega[p, row] = sc_demeaned_weights(np.vstack([Y[candidates[row]], Y[target]]), treated, is_post).omega
    return Weights(omega, np.full((len(targets), n_pre), 1 / n_pre), True)


def warm_up() -> None:
    """Load the compiled solver (from numba's cache, or compile it) with one tiny problem."""
    simplex_weights(np.eye(2), np.ones((1, 2)), 0.1, False)
