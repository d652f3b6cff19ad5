"""Issue 14's goals, measured in one run: the 98-kommune batch, the naive loop, `evaltools run`.

- ``evaltools batch params/lejre.yaml --kommuner all``: goal <= 30 s on 2 cores.
- The naive loop (papermill CLI, then ``jupyter nbconvert --to Evaltools_PDF``) for N kommuner,
  timed in the same run: the batch must be >= 40x faster per report.
- ``evaltools run params/lejre.yaml`` (set-up excluded: the venv exists, numba's cache is warm):
  goal <= 5 s wall, median of three.

Prints a table; asserts nothing. Run: .venv/bin/python benchmarks/batch.py [--naive N] [--runs N]

A shared virtual machine's speed drifts by 20-30 % within an hour, so a change is judged against
the version before it timed alternately: ``--against REV [--pairs N]`` runs the batch N times with
this tree and N times with git revision REV (a temporary worktree, on PYTHONPATH), in turns, and
prints wall and CPU seconds (the batch, its workers and kernels) for each.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _timed(args: list[str], **kw) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, **kw)
    return time.perf_counter() - started


def batch(out: Path, env: dict | None = None) -> float:
    return _timed([str(BIN / "evaltools"), "batch", str(ROOT / "params" / "lejre.yaml"), "--kommuner", "all",
                   "--out", str(out), "--force", "--no-progress"], stdout=subprocess.DEVNULL,
                  stderr=subprocess.DEVNULL, env=env)


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # waited-for descendants: workers, kernels
    return usage.ru_utime + usage.ru_stime


def against(rev: str, pairs: int) -> None:
    """This tree and ``rev`` in turns: wall and CPU seconds of the 98-kommune batch."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        other = tmp / "other"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(other), rev], check=True,
                       capture_output=True)
        try:
            trees = {"this tree": ROOT / "src", rev: other / "src"}
            envs = {name: {**os.environ, "PYTHONPATH": str(src)} for name, src in trees.items()}
            for name in trees:  # numba compiles each version's solver once; not timed
                run_once(tmp / "warm-up", envs[name])
            times: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
            for i in range(pairs):
                for name in (list(trees) if i % 2 == 0 else list(trees)[::-1]):  # neither always goes first
                    cpu = _cpu_of_children()
                    wall = batch(tmp / "batch", envs[name])
                    times[name].append((wall, _cpu_of_children() - cpu))
                    print(f"pair {i + 1}: {name:>12}  {wall:5.1f} s wall  {times[name][-1][1]:5.1f} s CPU", flush=True)
            for name, ts in times.items():
                print(f"{name:>12}: median {statistics.median(w for w, _ in ts):5.1f} s wall, "
                      f"{statistics.median(c for _, c in ts):5.1f} s CPU over {pairs} runs")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)], capture_output=True)
            shutil.rmtree(other, ignore_errors=True)


def run_once(out: Path, env: dict | None = None) -> float:
    return _timed([str(BIN / "evaltools"), "run", str(ROOT / "params" / "lejre.yaml"), "--out", str(out), "--force"],
                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


def naive(out: Path, n: int) -> float:
    from evaltools.kommuner import all_kommuner
    from evaltools.params import load_params

    params = load_params(ROOT / "params" / "lejre.yaml").notebook_parameters()
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    started = time.perf_counter()
    for k in all_kommuner()[:n]:
        nb = out / f"{k.slug}.ipynb"
        values = {key: v for key, v in {**params, "kommune": k.name}.items() if v is not None}
        args = [str(BIN / "papermill"), str(ROOT / "notebooks" / "evaluering.ipynb"), str(nb), "--no-progress-bar",
                "-y", yaml.safe_dump(values, allow_unicode=True)]  # -y: structured values (the claim) stay dicts
        subprocess.run(args, check=True, capture_output=True, env=env)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "Evaltools_PDF", str(nb)], check=True,
                       capture_output=True, env=env)
    return time.perf_counter() - started


def _goal(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--naive", type=int, default=5, help="kommuner for the naive loop (default 5)")
    parser.add_argument("--runs", type=int, default=3, help="timed `evaltools run`s (default 3)")
    parser.add_argument("--against", metavar="REV", help="time the batch alternately with git revision REV")
    parser.add_argument("--pairs", type=int, default=3, help="with --against: batches of each (default 3)")
    args = parser.parse_args()
    if args.against:
        against(args.against, args.pairs)
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        run_once(tmp / "warm-up")  # numba's cache and the OS file cache, as on a machine in use
        runs = [run_once(tmp / "run") for _ in range(args.runs)]
        total = batch(tmp / "batch")
        (tmp / "naive").mkdir()
        slow = naive(tmp / "naive", args.naive)
    per_batch, per_naive = total / 98, slow / args.naive
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load average after the run {load:.1f}")
    print(f"batch, 98 kommuner:      {total:6.1f} s  ({per_batch:.2f} s per report)   goal <= 30 s: {_goal(total <= 30)}")
    print(f"naive loop, {args.naive} kommuner:  {slow:6.1f} s  ({per_naive:.2f} s per report)")
    print(f"speed-up per report:     {per_naive / per_batch:6.1f}x                     goal >= 40x: "
          f"{_goal(per_naive / per_batch >= 40)}")
    print(f"evaltools run (median of {args.runs}): {statistics.median(runs):4.1f} s  "
          f"({', '.join(f'{r:.1f}' for r in runs)})      goal <= 5 s: {_goal(statistics.median(runs) <= 5)}")


if __name__ == "__main__":
    main()
