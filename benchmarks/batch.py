"""Time the full 98-kommune batch against the naive loop (papermill CLI, then nbconvert) for 10.

Goal (issue 4): 98 reports in under 90 s on a 2-core machine, at least 6x the naive loop.
Prints figures; asserts nothing. Run: .venv/bin/python benchmarks/batch.py [--naive N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def batch(out: Path) -> float:
    started = time.perf_counter()
    subprocess.run([str(BIN / "evaltools"), "batch", str(ROOT / "params" / "lejre.yaml"), "--kommuner", "all",
                    "--out", str(out), "--force", "--no-progress"], check=True)
    return time.perf_counter() - started


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--naive", type=int, default=10, help="kommuner for the naive loop (default 10)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        total = batch(tmp / "batch")
        (tmp / "naive").mkdir()
        slow = naive(tmp / "naive", args.naive)
    per_batch, per_naive = total / 98, slow / args.naive
    print(f"cores: {os.cpu_count()}")
    print(f"batch, 98 kommuner:            {total:7.1f} s  ({per_batch:.2f} s per report; goal < 90 s: {'met' if total < 90 else 'NOT met'})")
    print(f"naive loop, {args.naive} kommuner:         {slow:7.1f} s  ({per_naive:.2f} s per report)")
    print(f"speed-up per report:           {per_naive / per_batch:7.1f}x  (goal >= 6x)")
    print(f"naive loop projected to 98:    {per_naive * 98:7.1f} s")


if __name__ == "__main__":
    main()
