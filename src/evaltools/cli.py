"""Command line: ``evaltools run params/lejre.yaml`` and friends."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evaltools import __version__

EXIT_FAILED, EXIT_BAD_INPUT = 1, 2


def _err(message: str, code: int) -> int:
    print(f"evaltools: error: {message}", file=sys.stderr)
    return code


def cmd_run(args: argparse.Namespace) -> int:
    from evaltools.params import ParamsError
    from evaltools.runner.parameterize import UndeclaredParameterError
    from evaltools.runner.run import NotebookFailedError, ReportExistsError, run_report

    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    try:
        result = run_report(args.params, out_dir=args.out, notebook=args.notebook, force=args.force, formats=formats)
    except (ParamsError, UndeclaredParameterError, ReportExistsError, FileNotFoundError, ValueError) as exc:
        return _err(str(exc), EXIT_BAD_INPUT)
    except NotebookFailedError as exc:
        return _err(str(exc), EXIT_FAILED)
    except KeyboardInterrupt:
        return _err("interrupted; no report was written", 130)
    if result.replaced:
        print("replaced the existing report (--force)", file=sys.stderr)
    for fmt, path in result.outputs.items():
        if fmt != "pdf":
            print(f"{fmt}: {path}", file=sys.stderr)
    print(result.pdf if result.pdf else next(iter(result.outputs.values())))
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from evaltools.kommuner import UnknownKommuneError
    from evaltools.runner.batch import run_batch
    from evaltools.runner.parameterize import UndeclaredParameterError

    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    try:
        result = run_batch(args.targets, kommuner=args.kommuner, out_dir=args.out, name=args.name,
                           notebook=args.notebook, force=args.force, workers=args.workers,
                           executor=args.executor, scheduler=args.scheduler, formats=formats,
                           progress=not args.no_progress)
    except (UnknownKommuneError, UndeclaredParameterError, FileNotFoundError, ValueError) as exc:
        return _err(str(exc), EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        return _err("interrupted; finished reports and the ledger are kept, run again to resume", 130)
    built, reused, failed = len(result.built), len(result.reused), len(result.failed)
    print(f"{built} built, {reused} unchanged (skipped), {failed} failed in {result.seconds:.1f} s", file=sys.stderr)
    if failed:
        print("\nFailed reports:", file=sys.stderr)
        width = max(len(r["name"]) for r in result.failed)
        for r in result.failed:
            where = f"cell {r['cell']}: " if r.get("cell") else ""
            print(f"  {r['name']:<{width}}  {where}{r['error']}", file=sys.stderr)
    print(f"ledger: {result.folder / 'manifest.csv'}", file=sys.stderr)
    if result.claims:
        print(f"claims overview: {result.claims}", file=sys.stderr)
    if result.overview:
        print(result.overview)
    return EXIT_FAILED if failed else 0


def cmd_check(args: argparse.Namespace) -> int:
    from evaltools.params import ParamsError, load_params

    bad = 0
    for path in args.params:
        try:
            load_params(path)
            print(f"{path}: ok")
        except ParamsError as exc:
            print(f"evaltools: error: {exc}", file=sys.stderr)
            bad += 1
    return EXIT_BAD_INPUT if bad else 0


def cmd_kommuner(args: argparse.Namespace) -> int:
    from evaltools.kommuner import all_kommuner

    for k in all_kommuner():
        print(f"{k.code}  {k.name:<20} {k.slug:<20} {k.region}")
    return 0


def cmd_outcomes(args: argparse.Namespace) -> int:
    from evaltools.data import OUTCOMES, load_panel

    for o in OUTCOMES.values():
        panel = load_panel(o.id)
        national = "national total" if o.has_national else "kommuner only"
        print(f"{o.id:<28} {o.table:<8} {panel.coverage():<14} {national:<15} {o.label_da}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="evaltools", description="Did our employment initiative beat the national trend?")
    parser.add_argument("--version", action="version", version=f"evaltools {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="build one report (PDF) from a params file")
    run.add_argument("params", type=Path, help="params YAML file, e.g. params/lejre.yaml")
    run.add_argument("--out", type=Path, default=Path("reports"), help="output folder (default: reports)")
    run.add_argument("--notebook", type=Path, default=None, help="notebook template (default: notebooks/evaluering.ipynb)")
    run.add_argument("--force", action="store_true", help="replace an existing report")
    run.add_argument("--format", default="pdf,ipynb", help="outputs: pdf, html, ipynb (default: pdf,ipynb)")
    run.set_defaults(func=cmd_run)

    batch = sub.add_parser("batch", help="build many reports in parallel, with a ledger and an overview")
    batch.add_argument("targets", nargs="+", type=Path, help="params files or folders of them")
    batch.add_argument("--kommuner", default=None, help="'all' or a comma list: run each params file for these kommuner")
    batch.add_argument("--out", type=Path, default=Path("reports"), help="output folder (default: reports)")
    batch.add_argument("--name", default=None, help="batch folder name under --out (default: from the target)")
    batch.add_argument("--notebook", type=Path, default=None)
    batch.add_argument("--force", action="store_true", help="rebuild reports even when nothing changed")
    batch.add_argument("--workers", type=int, default=None, help="worker processes (default: number of cores)")
    batch.add_argument("--executor", choices=["local", "dask"], default="local")
    batch.add_argument("--scheduler", default=None, help="Dask scheduler address, with --executor dask")
    batch.add_argument("--format", default="pdf,ipynb")
    batch.add_argument("--no-progress", action="store_true", help="no progress bar")
    batch.set_defaults(func=cmd_batch)

    check = sub.add_parser("check", help="validate params files without running anything")
    check.add_argument("params", type=Path, nargs="+")
    check.set_defaults(func=cmd_check)

    sub.add_parser("kommuner", help="list the 98 kommuner with codes and slugs").set_defaults(func=cmd_kommuner)
    sub.add_parser("outcomes", help="list the outcomes a params file can name").set_defaults(func=cmd_outcomes)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # output piped into `head` and friends
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
