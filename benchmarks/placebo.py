"""Time the inference for one report: 97 placebo refits, event study, fake starts.

Goal (issue 3): the full placebo set under 1 s on one core. Prints figures; asserts nothing.
Run: .venv/bin/python benchmarks/placebo.py
"""

from __future__ import annotations

import time

from evaltools.data import load_panel
from evaltools.design import compute_gaps, make_design
from evaltools.evaluation import evaluate
from evaltools.inference import event_study, placebo_in_space, placebo_in_time


def best_of(fn, repeat: int = 20) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    panel = load_panel("kontanthjaelp_nettoledige")
    design = make_design(panel, "Lejre", "2012K3", pre_start="2010K3", post_end="2013K2")
    gaps = compute_gaps(panel, design)
    n = int(gaps.valid.sum()) - 1
    rows = [
        ("comparison groups for all 98 kommuner", lambda: compute_gaps(panel, design)),
        (f"placebo in space ({n} refits)", lambda: placebo_in_space(gaps)),
        ("event study + pre-trend test", lambda: event_study(gaps)),
        ("placebo in time (all fake starts)", lambda: placebo_in_time(gaps)),
        ("whole evaluate() incl. statsmodels fit", lambda: evaluate("Lejre", "kontanthjaelp_nettoledige", "2012K3")),
    ]
    print(f"{'step':<42} {'seconds':>10}")
    for name, fn in rows:
        print(f"{name:<42} {best_of(fn):>10.5f}")
    full = best_of(lambda: placebo_in_space(compute_gaps(panel, design)))
    print(f"\nfull placebo set ({n} refits) from data: {full:.5f} s  (goal < 1 s: {'met' if full < 1 else 'NOT met'})")


if __name__ == "__main__":
    main()
