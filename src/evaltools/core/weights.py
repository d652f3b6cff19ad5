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
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic
from scipy.optimize import nnls

MAX_ITER = 10_000
MAX_ITER_PRE_SPARSIFY = 100


LANES = 4  # the passes' vector width; arrays they read are padded to a multiple of it


def _contiguous(*arrays) -> bool:
    return all(isinstance(x, types.Array) and x.ndim == 1 and x.layout == "C" and x.dtype == types.float64
               for x in arrays)


def _argmin_pass(builder, arrays, d, a):
    """LLVM IR for one pass over ``arrays`` = (V, cmask) or (V, Gi, cmask) as vectors of LANES
    doubles: ``V += d * Gi`` when Gi is given, then the argmin of ``a * V - cmask`` and its value.

    The float operations are the scalar loops' own, in the same order and without fused
    multiply-adds, so the results are the same to the bit. Each lane keeps its first minimum (a
    strict <) and the lanes merge by (value, index), so ties go to the first index, and an index
    whose value is never below +inf (not allowed, padding) is never chosen: -1 if none is.
    """
    f64, i64, i32 = ir.DoubleType(), ir.IntType(64), ir.IntType(32)
    vf, vi = ir.VectorType(f64, LANES), ir.VectorType(i64, LANES)
    ptrs = [builder.bitcast(arr.data, vf.as_pointer()) for arr in arrays]
    pV, pC, pG = ptrs[0], ptrs[-1], (ptrs[1] if len(ptrs) == 3 else None)
    n = builder.udiv(builder.extract_value(arrays[0].shape, 0), ir.Constant(i64, LANES))

    def splat(x):
        v = ir.Constant(vf, ir.Undefined)
        for lane in range(LANES):
            v = builder.insert_element(v, x, ir.Constant(i32, lane))
        return v

    av = splat(a)
    dv = splat(d) if pG is not None else None
    inf, none = ir.Constant(vf, [float("inf")] * LANES), ir.Constant(vi, [-1] * LANES)
    entry = builder.block
    loop, done = builder.append_basic_block("pass.loop"), builder.append_basic_block("pass.done")
    builder.cbranch(builder.icmp_signed(">", n, ir.Constant(i64, 0)), loop, done)

    builder.position_at_end(loop)
    j, best, best_at, at = builder.phi(i64), builder.phi(vf), builder.phi(vi), builder.phi(vi)
    pv = builder.gep(pV, [j])
    v = builder.load(pv, align=8)
    if pG is not None:
        v = builder.fadd(v, builder.fmul(dv, builder.load(builder.gep(pG, [j]), align=8)))
        builder.store(v, pv, align=8)
    h = builder.fsub(builder.fmul(av, v), builder.load(builder.gep(pC, [j]), align=8))
    lower = builder.fcmp_ordered("<", h, best)  # strict: a lane keeps its first minimum
    best1, best_at1 = builder.select(lower, h, best), builder.select(lower, at, best_at)
    at1, j1 = builder.add(at, ir.Constant(vi, [LANES] * LANES)), builder.add(j, ir.Constant(i64, 1))
    for phi, start, step in ((j, ir.Constant(i64, 0), j1), (best, inf, best1), (best_at, none, best_at1),
                             (at, ir.Constant(vi, list(range(LANES))), at1)):
        phi.add_incoming(start, entry)
        phi.add_incoming(step, loop)
    builder.cbranch(builder.icmp_signed("<", j1, n), loop, done)

    builder.position_at_end(done)
    lanes, lanes_at = builder.phi(vf), builder.phi(vi)
    for phi, start, last in ((lanes, inf, best1), (lanes_at, none, best_at1)):
        phi.add_incoming(start, entry)
        phi.add_incoming(last, loop)
    b = builder.extract_element(lanes, ir.Constant(i32, 0))
    i = builder.extract_element(lanes_at, ir.Constant(i32, 0))
    for lane in range(1, LANES):
        bl = builder.extract_element(lanes, ir.Constant(i32, lane))
        il = builder.extract_element(lanes_at, ir.Constant(i32, lane))
        take = builder.or_(builder.fcmp_ordered("<", bl, b),
                           builder.and_(builder.fcmp_ordered("==", bl, b), builder.icmp_signed("<", il, i)))
        b, i = builder.select(take, bl, b), builder.select(take, il, i)
    return i, b


def _pass_codegen(n_arrays: int):
    """numba's codegen for :func:`_argmin_pass` over the first ``n_arrays`` arguments (then d, a)."""
    def codegen(context, builder, signature, args):
        arrays = [context.make_array(t)(context, builder, v) for t, v in zip(signature.args, args[:n_arrays])]
        d = args[n_arrays] if n_arrays == 3 else None
        return context.make_tuple(builder, signature.return_type, list(_argmin_pass(builder, arrays, d, args[-1])))

    return codegen


@intrinsic
def _argmin(typingctx, V, cmask, a):  # pragma: no cover - compiled
    """The argmin of ``a * V - cmask`` and its value (see :func:`_argmin_pass`)."""
    if not _contiguous(V, cmask):
        return None  # the pass walks the arrays' memory in steps of LANES doubles
    return types.Tuple((types.int64, types.float64))(V, cmask, a), _pass_codegen(2)


@intrinsic
def _step_argmin(typingctx, V, Gi, cmask, d, a):  # pragma: no cover - compiled
    """``V += d * Gi``, then the argmin of ``a * V - cmask`` and its value, in one pass.

    A Frank-Wolfe step's two loops (the update and the next argmin) as one loop over vectors,
    written as LLVM IR because numba's loops leave the argmin scalar (it was two thirds of a step).
    """
    if not _contiguous(V, Gi, cmask):
        return None
    return types.Tuple((types.int64, types.float64))(V, Gi, cmask, d, a), _pass_codegen(3)


@njit(cache=True)
def _fw_one(G, Gp, c, bb, n_rows, zeta, x, allowed, min_decrease, max_iter):  # pragma: no cover - compiled
    """Frank-Wolfe with exact line search for one problem, from its Gram quantities (see fw_batch).

    The iterates are synthdid's; only their bookkeeping is cheaper. A step ``x <- (1-s) x + s e_i``
    rescales every weight, so x and Gx are kept as ``a * X`` and ``a * H``: a step changes the
    scalar a, one entry of X and adds a multiple of G's row i to V = H + eta X (the gradient is
    ``a V - c``). x'x, x'Gx and c'x are updated from the step alone and recomputed exactly every
    64 iterations, and X is rescaled to a = 1 before a underflows. ``Gp`` is G with its columns
    padded to a multiple of LANES (zeros), for the vectorised passes; V and the gradient are padded
    alike (0 and +inf), so the padding is never chosen.
    """
    k, K = x.shape[0], Gp.shape[1]
    eta = n_rows * zeta * zeta
    cmask = np.full(K, -np.inf)  # a candidate not allowed has gradient +inf
    for m in range(k):
        if allowed[m]:
            cmask[m] = c[m]
    a = 1.0
    X = x.copy()
    V = np.zeros(K)
    V[:k] = G @ X + eta * X
    XX = XH = CX = 0.0
    for m in range(k):
        XX += X[m] * X[m]
        XH += X[m] * (V[m] - eta * X[m])
        CX += c[m] * X[m]
    i, best = _argmin(V, cmask, a)
    prev = np.inf
    last = np.inf
    for t in range(max_iter):
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
                i, best = _argmin(V, cmask, a)
            else:
                a *= keep
                d = step / a
                XX += 2.0 * d * X[i] + d * d
                XH += 2.0 * d * Hi + d * d * G[i, i]
                CX += d * c[i]
                X[i] += d
                if a < 1e-6 or (t & 63) == 63:
                    for m in range(k):
                        V[m] += d * G[i, m]
                    V[i] += eta * d
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
                    i, best = _argmin(V, cmask, a)
                else:
                    Vi = V[i]
                    j, best_j = _step_argmin(V, Gp[i], cmask, d, a)
                    V[i] = (Vi + d * G[i, i]) + eta * d  # the ridge's share, after the pass
                    if j == i:  # the pass saw i's gradient before that share: look again
                        i, best = _argmin(V, cmask, a)
                    else:  # the share only raises i's gradient: j stays the first minimum
                        i, best = j, best_j
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
    k = G.shape[0]
    G = np.ascontiguousarray(G, dtype=float)
    Gp = np.zeros((k, -(-k // LANES) * LANES))
    Gp[:, :k] = G
    x = np.where(allowed, x0, 0.0)
    for p in range(c.shape[0]):
        x[p] = _fw_one(G, Gp, c[p], float(bb[p]), float(n_rows), float(zeta[p]), x[p].copy(), allowed[p],
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
