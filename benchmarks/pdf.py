"""Time the PDF step for one report: WeasyPrint against Typst, on the example report's executed notebook.

Goal (issue 14): the PDF step <= 0.1 s per report. Prints a table; asserts nothing.
"warm" is a report rendered in a process that has rendered one before (a batch worker); "cold" is
a fresh Python process: importing the engine plus the first report (what `evaltools run` pays once).
The machine may be shared: the table gives medians over repeats and the load average before and after.

Run: .venv/bin/python benchmarks/pdf.py [--notebook executed.ipynb] [--repeat 15] [--cold 3]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENGINES = ("weasyprint", "typst")
GOAL = 0.1

COLD = """
import json, sys, time
t = time.perf_counter()
import nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
t1 = time.perf_counter()
from evaltools.report.exporter import EvaltoolsPDFExporter
EvaltoolsPDFExporter(pdf_engine=sys.argv[2]).from_notebook_node(nb)
print(json.dumps([t1 - t, time.perf_counter() - t1]))
"""


def executed_notebook(folder: Path) -> Path:
    """The example report's notebook, executed once by the CLI (the PDF is made separately here)."""
    subprocess.run([str(BIN / "evaltools"), "run", str(ROOT / "params" / "lejre.yaml"), "--out", str(folder),
                    "--force", "--format", "ipynb"], check=True, capture_output=True)
    return folder / "lejre" / "lejre.ipynb"


def warm(nb, engine: str, repeat: int) -> tuple[list[float], list[float], bytes]:
    """Wall and CPU seconds per report (CPU time counts all threads and is less sensitive to load)."""
    from evaltools.report.exporter import EvaltoolsPDFExporter

    exporter = EvaltoolsPDFExporter(pdf_engine=engine)
    pdf, _ = exporter.from_notebook_node(nb)  # the first one loads fonts and caches; not counted
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        pdf, _ = exporter.from_notebook_node(nb)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return times, cpu, pdf


def cold(path: Path, engine: str, runs: int) -> list[tuple[float, float]]:
    """(import nbformat + read, import exporter + engine + first PDF) in fresh processes."""
    return [tuple(json.loads(subprocess.run([sys.executable, "-c", COLD, str(path), engine], check=True,
                                            capture_output=True, text=True).stdout)) for _ in range(runs)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notebook", type=Path, help="an executed report notebook (default: run params/lejre.yaml)")
    parser.add_argument("--repeat", type=int, default=15, help="warm renders per engine (default 15)")
    parser.add_argument("--cold", type=int, default=3, help="fresh processes per engine (default 3)")
    args = parser.parse_args()

    import nbformat
    from pypdf import PdfReader

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.notebook or executed_notebook(Path(tmp))
        nb = nbformat.read(path, as_version=4)
        rows = []
        for engine in ENGINES:
            times, cpu, pdf = warm(nb, engine, args.repeat)
            starts = cold(path, engine, args.cold)
            rows.append((engine, times, starts, len(PdfReader(io.BytesIO(pdf)).pages), len(pdf), cpu))
    load_after = os.getloadavg()

    print(f"cores: {os.cpu_count()}   load average (1/5/15 min) before: {' '.join(f'{x:.1f}' for x in load_before)}"
          f"   after: {' '.join(f'{x:.1f}' for x in load_after)}")
    print(f"notebook: {path if args.notebook else 'params/lejre.yaml, executed by evaltools run'}")
    print(f"{'engine':<11} {'warm median':>11} {'min':>7} {'max':>7} {'CPU median':>10} {'cold first PDF':>15}"
          f" {'pages':>6} {'KiB':>6}")
    for engine, times, starts, pages, size, cpu in rows:
        print(f"{engine:<11} {statistics.median(times):10.3f}s {min(times):6.3f}s {max(times):6.3f}s "
              f"{statistics.median(cpu):9.3f}s {statistics.median(s[1] for s in starts):14.2f}s {pages:6d} {size / 1024:6.0f}")
    nbformat_import = statistics.median(s[0] for r in rows for s in r[2])
    print(f"cold first PDF: import the exporter and engine, render one report, in a fresh process; before it, "
          f"`import nbformat` took {nbformat_import:.2f} s (median), the same for both engines")
    base, new = (statistics.median(r[1]) for r in rows)
    print(f"typst / weasyprint, warm: {new / base:.3f} ({base / new:.0f}x faster); "
          f"goal <= {GOAL} s per report: {'met' if new <= GOAL else 'NOT met'} (warm, {args.repeat} repeats)")


if __name__ == "__main__":
    main()
