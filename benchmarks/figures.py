"""Time the report's four figures: building each (plot_*) and rendering it to SVG (svg_data_uri).

Goal (issue 14): the four figures together <= 0.15 s per report, build + SVG, in a warm process
(imports and the statistics excluded: each evaluation and its synthetic control are computed first,
and every figure is drawn once before timing). Prints a table of medians; asserts nothing.

Run: .venv/bin/python benchmarks/figures.py [--repeat 7] [--wall] [--save DIR]
  --save DIR  also writes each case's four figures as SVG and PNG (to look at them)
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import matplotlib

from evaltools.evaluation import evaluate
from evaltools.figures import plot_event_study, plot_placebo, plot_synthetic, plot_trends, svg_data_uri

GOAL = 0.15
CLOCK = time.process_time
FIGURES = {"trends": plot_trends, "event_study": plot_event_study, "placebo": plot_placebo,
           "synthetic": plot_synthetic}
# (kommune, outcome, start, language, scale): the example report, an annual AUP02 rate (level
# scale), a large-number quarterly outcome, and English on the level scale (the longest axis labels)
CASES = [
    ("Lejre", "kontanthjaelp_nettoledige", "2012K3", "da", None),
    ("Gladsaxe", "ledighedsprocent", "2012", "da", None),
    ("Hørsholm", "fuldtidsbeskaeftigede", "2016K1", "da", None),
    ("Egedal", "kontanthjaelp_nettoledige", "2012K1", "en", "level"),
]


def time_case(ev, repeat: int) -> dict[str, tuple[float, float]]:
    """Median build and SVG seconds per figure: CPU seconds of this process (matplotlib draws in
    one thread, so this is the work done, and it is far less noisy than wall time on a shared
    machine; --wall for wall time)."""
    out = {}
    for name, plot in FIGURES.items():
        svg_data_uri(plot(ev))  # warm: fonts, text metrics, locators
        builds, svgs = [], []
        for _ in range(repeat):
            t0 = CLOCK()
            fig = plot(ev)
            t1 = CLOCK()
            svg_data_uri(fig)
            builds.append(t1 - t0)
            svgs.append(CLOCK() - t1)
        out[name] = (statistics.median(builds), statistics.median(svgs))
    return out


def save(ev, folder: Path, stem: str) -> None:
    import base64

    folder.mkdir(parents=True, exist_ok=True)
    for name, plot in FIGURES.items():
        fig = plot(ev)
        fig.savefig(folder / f"{stem}-{name}.png", dpi=110)
        uri = svg_data_uri(fig)
        (folder / f"{stem}-{name}.svg").write_bytes(base64.b64decode(uri.split(",", 1)[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--wall", action="store_true", help="wall-clock instead of CPU seconds")
    args = parser.parse_args()
    global CLOCK
    if args.wall:
        CLOCK = time.perf_counter
    print(f"{'wall' if args.wall else 'CPU'} seconds, median of {args.repeat} runs per figure")
    print(f"matplotlib {matplotlib.__version__}, backend {matplotlib.get_backend()}, load {os.getloadavg()[0]:.2f}")
    print(f"{'case':<52} {'figure':<12} {'build s':>8} {'svg s':>8}")
    totals = []
    for kommune, outcome, start, lang, scale in CASES:
        ev = evaluate(kommune, outcome, start, language=lang, scale=scale)
        ev.synthetic  # fitted on first use: statistics, not figure time
        case = f"{kommune} {outcome} {start} {lang}" + (f" {scale}" if scale else "")
        times = time_case(ev, args.repeat)
        for name, (b, s) in times.items():
            print(f"{case:<52} {name:<12} {b:>8.4f} {s:>8.4f}")
        total = sum(b + s for b, s in times.values())
        totals.append(total)
        print(f"{case:<52} {'ALL FOUR':<12} {sum(b for b, _ in times.values()):>8.4f} "
              f"{sum(s for _, s in times.values()):>8.4f}  = {total:.4f} s")
        if args.save:
            save(ev, args.save, f"{kommune}-{outcome}-{lang}".lower())
    worst = max(totals)
    print(f"\nfour figures per report, worst case: {worst:.4f} s (goal <= {GOAL} s: "
          f"{'met' if worst <= GOAL else 'NOT met'}); load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
