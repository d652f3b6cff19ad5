"""Issue 14's open decision, measured: what would an exact solver for the placebo problems save,
and what would a reader see change?

Each report solves about 200 unit-weight problems of 97 donors with synthdid's Frank-Wolfe
(``evaltools.core.weights``): the treated kommune and every placebo kommune, for the synthetic
control in levels and for synthetic DiD. Most stop at synthdid's cap of 10,000 iterations rather
than at their optimum. This script solves the placebo problems exactly instead (non-negative least
squares, the sum-to-one constraint as a heavily weighted row), keeps Frank-Wolfe for the treated
kommune, and prints, over the 98 kommuner of ``params/lejre.yaml``:

- CPU seconds per report for the unit weights, each way, and how many problems hit the cap;
- how many cells of the reports' estimator tables (as printed in the PDF) would change;
- how far the treated kommune's own synthetic control is from its optimum (pre-period fit, estimate).

Asserts nothing; changes nothing in the package. Run: .venv/bin/python benchmarks/placebo_solvers.py
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
from scipy.optimize import nnls

import evaltools.core.weights as weights
from evaltools.core.estimators import transformed_levels
from evaltools.evaluation import evaluate
from evaltools.kommuner import all_kommuner
from evaltools.params import load_params
from evaltools.text import estimator_rows

ROOT = Path(__file__).resolve().parents[1]


def exact_simplex_weights(A, b, zeta, intercept, allowed) -> np.ndarray:
    """``min zeta^2 |x|^2 + |A x - b|^2 / rows`` over the simplex on ``allowed``, for each row of b."""
    if intercept:
        A = A - A.mean(axis=0, keepdims=True)
        b = b - b.mean(axis=1, keepdims=True)
    rows = A.shape[0]
    out = np.zeros((b.shape[0], A.shape[1]))
    for p in range(b.shape[0]):
        cols = np.where(allowed[p])[0]
        Ap = A[:, cols] / np.sqrt(rows)
        big = 1e4 * max(1.0, float(np.abs(Ap).max()))
        lhs = np.vstack([Ap, zeta[p] * np.eye(len(cols)), big * np.ones(len(cols))])
        rhs = np.concatenate([b[p] / np.sqrt(rows), np.zeros(len(cols)), [big]])
        x, _ = nnls(lhs, rhs, maxiter=50 * len(cols))
        x = np.clip(x, 0, None)
        out[p, cols] = x / x.sum()
    return out


class UnitWeights:
    """``weights._omega_each`` timed, Frank-Wolfe or exact for the placebo rows (row 0 is the treated unit)."""

    def __init__(self, exact_placebos: bool):
        self.exact_placebos = exact_placebos
        self.cpu = 0.0
        self.capped = self.problems = 0

    def __call__(self, Y, targets, candidates, is_post, allowed, zeta, intercept, min_dec):
        pre = ~is_post
        A, B = Y[np.ix_(candidates, pre)].T, Y[np.ix_(targets, pre)]
        zeta = np.broadcast_to(np.asarray(zeta, dtype=float), (len(targets),))
        md = np.broadcast_to(np.asarray(min_dec, dtype=float), (len(targets),))
        started = time.process_time()
        if self.exact_placebos:
            x = np.vstack([weights.simplex_weights(A, B[:1], zeta[:1], intercept, allowed[:1], md[:1]),
                           exact_simplex_weights(A, B[1:], zeta[1:], intercept, allowed[1:])])
        else:
            x = weights.simplex_weights(A, B, zeta, intercept, allowed, md)
        self.cpu += time.process_time() - started
        if not self.exact_placebos:
            self.problems += len(targets)
            self.capped += capped(A, B, zeta, intercept, allowed, md)
        return x


def capped(A, B, zeta, intercept, allowed, md) -> int:
    """How many problems' second Frank-Wolfe pass ran all 10,000 iterations (one more changes x)."""
    more = weights.MAX_ITER
    weights.MAX_ITER += 1
    try:
        longer = weights.simplex_weights(A, B, zeta, intercept, allowed, md)
    finally:
        weights.MAX_ITER = more
    return int((np.abs(longer - weights.simplex_weights(A, B, zeta, intercept, allowed, md)) > 0).any(axis=1).sum())


def treated_sc_gap(ev) -> tuple[float, float]:
    """The treated kommune's synthetic control in levels: (pre-period RMSPE from Frank-Wolfe over the
    optimum's, |estimate difference| on the reader's scale)."""
    g = ev.gaps
    Y, j = transformed_levels(g), g.treated_index
    valid = g.valid & np.isfinite(Y).all(axis=1)
    donors = np.where(valid & (np.arange(len(valid)) != j))[0]
    pre = ~g.is_post
    A, b = Y[np.ix_(donors, pre)].T, Y[j, pre][None]
    noise = float(np.std(np.diff(Y[np.ix_(donors, pre)], axis=1), ddof=1))
    allowed = np.ones((1, len(donors)), dtype=bool)
    fits = [weights.simplex_weights(A, b, 1e-6 * noise, False, allowed, 1e-5 * noise)[0],
            exact_simplex_weights(A, b, np.array([1e-6 * noise]), False, allowed)[0]]
    gaps = [Y[j] - x @ Y[donors] for x in fits]
    rmspe = [float(np.sqrt(np.mean(gap[pre] ** 2))) for gap in gaps]
    est = [float(ev.on_reader_scale(gap[g.is_post].mean())) for gap in gaps]
    return rmspe[0] / rmspe[1], abs(est[0] - est[1])


def tables(exact_placebos: bool, params: dict) -> tuple[dict, UnitWeights, list]:
    solver, saved = UnitWeights(exact_placebos), weights._omega_each
    weights._omega_each = solver  # the module's own lookup: sc_weights_each and sdid_weights_each call it
    try:
        out, sc = {}, []
        for k in all_kommuner():
            ev = evaluate(k.name, params["outcome"], params["start"], pre_start=params.get("pre_start"),
                          post_end=params.get("post_end"), comparison=params.get("comparison") or "rest",
                          scale=params.get("scale"))
            out[k.name] = estimator_rows(ev, "da")
            if not exact_placebos:
                sc.append(treated_sc_gap(ev))
        return out, solver, sc
    finally:
        weights._omega_each = saved


def main() -> None:
    params = load_params(ROOT / "params" / "lejre.yaml").notebook_parameters()
    fw, fw_solver, sc = tables(False, params)
    exact, exact_solver, _ = tables(True, params)
    n = len(fw)
    cells = [(k, a["method"], field) for k in fw for a, b in zip(fw[k], exact[k]) for field in a if a[field] != b[field]]
    total = sum(len(row) for k in fw for row in fw[k])
    print(f"{n} reports (params/lejre.yaml, every kommune)")
    print(f"unit weights, Frank-Wolfe:                    {fw_solver.cpu / n:.3f} s CPU per report; "
          f"{fw_solver.capped} of {fw_solver.problems} problems stop at the 10,000-iteration cap")
    print(f"unit weights, exact placebos (treated: FW):   {exact_solver.cpu / n:.3f} s CPU per report")
    print(f"estimator-table cells that change in the PDF: {len(cells)} of {total}")
    for method in sorted({m for _, m, _ in cells}):
        fields = sorted({f for _, m, f in cells if m == method})
        print(f"  {method}: {sum(1 for _, m, _ in cells if m == method)} cells ({', '.join(fields)})")
    ratio, diff = zip(*sc)
    print(f"treated kommune's synthetic control (levels), Frank-Wolfe against its optimum: pre-period RMSPE "
          f"{statistics.median(ratio):.2f}x the optimum's (median), estimate off by {statistics.median(diff):.2f} "
          f"(median) and {max(diff):.2f} (largest) on the reader's scale")


if __name__ == "__main__":
    main()
