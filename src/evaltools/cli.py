"""Command line: ``evaltools run params/lejre.yaml`` and friends."""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
from pathlib import Path

# JupyterLab installs rfc3987-syntax, and jsonschema (imported by nbformat) then builds its IRI
# grammar on import: 2-3 s before every command. Nothing here validates IRIs. Only this program's
# own processes (and batch workers, which import this module) skip it; a library import never does.
sys.modules.setdefault("rfc3987_syntax", None)

from evaltools import __version__  # noqa: E402
from evaltools.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EvaltoolsError, InputError, exit_code


def _err(message: str, code: int) -> int:
    print(f"evaltools: error: {message}", file=sys.stderr)
    return code


def _signal_name(exc: KeyboardInterrupt) -> str:
    """' (SIGTERM)' when a signal other than Ctrl-C stopped us."""
    signum = getattr(exc, "signum", None)
    return f" ({signal.Signals(signum).name})" if signum not in (None, signal.SIGINT) else ""


def _in_out_folder(command):
    """Check ``--out`` before anything else (a read-only or mistyped folder is one line, at once);
    a folder made for a command that then fails is removed again if it stayed empty."""

    def wrapped(args: argparse.Namespace) -> int:
        from evaltools.runner.io import check_output_folder, missing_folders, remove_empty

        made = missing_folders(args.out)
        check_output_folder(args.out)
        code = 1
        try:
            code = command(args)
            return code
        finally:
            if code != 0:
                remove_empty(made)

    return wrapped


@_in_out_folder
def cmd_run(args: argparse.Namespace) -> int:
    from evaltools.runner import interrupts
    from evaltools.runner.run import run_report

    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    try:  # evaltools errors are printed by main(); run_report starts the kernel first, then checks params
        # SIGTERM, too, from the first moment: the kernel started and its files go, and the line is said
        with interrupts.handle_interrupts():
            result = run_report(args.params, out_dir=args.out, notebook=args.notebook, force=args.force,
                                formats=formats)
    except KeyboardInterrupt as exc:
        return _err(f"interrupted{_signal_name(exc)}; no report was written", EXIT_INTERRUPTED)
    # the report is on disk: a Ctrl-C while these lines print must not read as a failed run
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return _say_run(args, result, formats)
    finally:
        signal.signal(signal.SIGINT, previous)


def _say_run(args: argparse.Namespace, result, formats: list[str]) -> int:
    if result.interrupted_after_write:
        print("note: interrupted after the report was written; it is complete", file=sys.stderr)
    _say_notebook(args.params, args.notebook)  # after the run: an error or interrupt stays the only line
    if result.replaced:
        print("replaced the existing report (--force)", file=sys.stderr)
    for fmt, path in result.outputs.items():
        if fmt != "pdf":
            print(f"{fmt}: {path}", file=sys.stderr)
    _say_stale(result.not_rebuilt, formats, "was not rebuilt by this run and may be from earlier params"
               if len(result.not_rebuilt) == 1 else "were not rebuilt by this run and may be from earlier params")
    print(result.pdf if result.pdf else next(iter(result.outputs.values())))
    return 0


def _say_notebook(params_file: Path | None, notebook: Path | None) -> None:
    """Which notebook a run uses: --notebook, the project's, or the packaged template."""
    from evaltools.project import resolve_notebook

    path, source = resolve_notebook(params_file, notebook)
    print(f"notebook: {path} ({source})", file=sys.stderr)


def cmd_new(args: argparse.Namespace) -> int:
    from evaltools.project import new_project

    made = new_project(args.folder)
    for path in made:
        print(path)
    print(f"next: cd {shlex.quote(str(args.folder))} && evaltools run params/eksempel.yaml", file=sys.stderr)
    return 0


def cmd_notebook(args: argparse.Namespace) -> int:
    from evaltools.project import report_notebook

    path = report_notebook(args.params, args.out, notebook=args.notebook, force=args.force)
    print(path)
    print(f"next: jupyter lab {path}", file=sys.stderr)
    return 0


@_in_out_folder
def cmd_batch(args: argparse.Namespace) -> int:
    from evaltools.runner.batch import run_batch

    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    try:
        result = run_batch(args.targets, kommuner=args.kommuner, out_dir=args.out, name=args.name,
                           notebook=args.notebook, force=args.force, workers=args.workers,
                           executor=args.executor, scheduler=args.scheduler, formats=formats,
                           progress=not args.no_progress)
    except KeyboardInterrupt as exc:
        removed = getattr(exc, "removed", None)
        gone = (f"; {' and '.join(removed)} {'was' if len(removed) == 1 else 'were'} removed (the next run writes "
                f"{'it' if len(removed) == 1 else 'them'} for the reports as they are then)" if removed else "")
        finished = getattr(exc, "finished", 0)
        kept = (f"the {finished} finished report{'s are' if finished != 1 else ' is'} kept and listed in the ledger"
                if finished else "no report was finished")
        return _err(f"interrupted{_signal_name(exc)}; {kept}{gone}, run again to resume", EXIT_INTERRUPTED)
    _say_notebook(next((t for t in args.targets if t.is_file()), None), args.notebook)
    built, reused, failed = len(result.built), len(result.reused), len(result.failed)
    print(f"{built} built, {reused} unchanged (skipped), {failed} failed in {result.seconds:.1f} s", file=sys.stderr)
    if failed:
        print("\nFailed reports:", file=sys.stderr)
        width = max(len(r["name"]) for r in result.failed)
        for r in result.failed:
            where = f"cell {r['cell']}: " if r.get("cell") else ""
            print(f"  {r['name']:<{width}}  {where}{r['error']}", file=sys.stderr)
    _say_stale(result.stale, formats, "was not rebuilt and is not current (built before a change of params, "
               "data or code, or changed since)" if len(result.stale) == 1 else "were not rebuilt and are not "
               "current (built before a change of params, data or code, or changed since)")
    print(f"ledger: {result.folder / 'manifest.csv'}", file=sys.stderr)
    if result.data_changed:
        n = len(result.data_changed)
        return _err(f"the data changed while the batch ran: {n} report{'s' if n != 1 else ''} "
                    f"({', '.join(result.data_changed[:3])}{', ...' if n > 3 else ''}) {'were' if n != 1 else 'was'} "
                    "built from data that is no longer there, so no overview.pdf or claims.pdf was written; run the "
                    "batch again to rebuild them", EXIT_FAILED)
    if result.claims:
        print(f"claims overview: {result.claims}", file=sys.stderr)
    if result.overview:
        print(result.overview)
    elif any(r.get("status") == "ok" for r in result.rows):
        print("note: no overview.pdf: every finished report is a plan with several goals, and each plan's report "
              "is its own overview", file=sys.stderr)
    return EXIT_FAILED if failed else 0


def _say_stale(stale: list[Path], formats: list[str], why: str) -> None:
    """One line on output files this command did not rebuild and that may no longer be current."""
    if not stale:
        return
    from evaltools.runner.outputs import BACKENDS

    kinds = [fmt for fmt, (ext, _) in BACKENDS.items() if any(p.suffix == ext for p in stale)]
    which = str(stale[0]) + (f" and {len(stale) - 1} more" if len(stale) > 1 else "")
    them = "them" if len(stale) > 1 else "it"
    print(f"note: {which} {why}; rebuild with --format {','.join(dict.fromkeys([*formats, *kinds]))} "
          f"or delete {them}", file=sys.stderr)


def _variables(extra: list[str], pairs: list[str]) -> dict[str, list[str]]:
    """--alder 16-24,25-29 and --var ALDER=16-24 both become {'alder': ['16-24', '25-29']}."""
    out: dict[str, list[str]] = {}
    for pair in pairs:
        name, _, values = pair.partition("=")
        out[name] = values.split(",")
    i = 0
    while i < len(extra):
        key = extra[i]
        if not key.startswith("--"):
            raise InputError(f"unexpected argument '{key}'")
        name, _, value = key[2:].partition("=")
        if not value:
            if i + 1 >= len(extra):
                raise InputError(f"--{name} needs values, e.g. --{name} '*'")
            value, i = extra[i + 1], i + 1
        out[name] = value.split(",")
        i += 1
    return out


def cmd_data_fetch(args: argparse.Namespace) -> int:
    from evaltools.data.dst import DstClient
    from evaltools.data.fetch import fetch_outcome, fetch_table

    client = DstClient(args.base_url, timeout=args.timeout)
    if args.outcome:
        path = fetch_outcome(args.outcome, client)
        print(f"{args.outcome}: cached {path}")
        return 0
    if not args.table:
        return _err("give a table (e.g. AUP02) or --outcome ID", EXIT_BAD_INPUT)
    variables = _variables(args.extra, args.var)
    path, fetched = fetch_table(args.table, variables, since=args.since, lang=args.lang, client=client)
    print(f"{args.table}: {len(fetched.frame)} rows, fetched {fetched.fetched_at}, cached {path}")
    return 0


def cmd_data_list(args: argparse.Namespace) -> int:
    from evaltools.data import OUTCOMES, cache, load_panel

    print("Embedded (Danmarks Statistik snapshot):")
    for o in OUTCOMES.values():
        if o.origin == "embedded":
            panel = load_panel(o.id)
            print(f"  {o.id:<28} {o.table:<8} {panel.coverage():<14} snapshot {panel.source['snapshot_date']}")
    print(f"Fetched or imported (cache: {cache.cache_dir()}):")
    metas = cache.entries()
    for m in metas:
        name = m.get("outcome") or "-"
        how = (f"imported from {m.get('file', '?')}" if m.get("table") == "import" else "fetched")
        print(f"  {name:<28} {m.get('table', ''):<8} {m.get('rows', 0):>8} rows  {how} {m.get('fetched_at', '')}")
    if not metas:
        print("  (none)")
    fetchable = [o.id for o in OUTCOMES.values() if o.origin == "dst" and o.id not in {m.get("outcome") for m in metas}]
    if fetchable:
        print("Fetchable (evaltools data fetch --outcome ID): " + ", ".join(fetchable))
    return 0


def cmd_data_import(args: argparse.Namespace) -> int:
    from evaltools.data.importer import import_table

    imported = import_table(args.file, name=args.name, label=args.label, unit=args.unit, kind=args.kind,
                            lower_is_better=not args.higher_is_better, allow_missing=args.allow_missing,
                            value_column=args.value_column, label_en=args.label_en, unit_en=args.unit_en)
    for note in imported.notes:
        print(f"note: {note}")
    print(f"imported {imported.rows} rows as outcome '{imported.outcome}' "
          f"(use it in a params file: outcome: {imported.outcome})")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from evaltools.params import load_params
    from evaltools.runner.jobs import params_files

    code = 0
    for path in params_files(args.params):  # every file (a folder: its .yaml files), each bad one in one line
        try:
            load_params(path)
            print(f"{path}: ok")
        except EvaltoolsError as exc:
            code = max(code, _err(str(exc), exit_code(exc)))
    return code


def cmd_plan(args: argparse.Namespace) -> int:
    """The smallest effect each params file's design can show, before anything is run."""
    from evaltools.params import ParamsError, load_params
    from evaltools.design import DesignError
    from evaltools.periods import PeriodError
    from evaltools.planning import plan

    from evaltools.data import DataNotCachedError

    code = 0
    for path in args.params:
        try:
            params = load_params(path, check_data=False)
        except EvaltoolsError as exc:
            code = max(code, _err(str(exc), exit_code(exc)))
            continue
        goals = params.goals if params.goals is not None else [None]
        for goal in goals:
            outcome = params.outcome if goal is None else goal.outcome
            where = f"{path}" if goal is None else f"{path}: {goal.label}"
            if outcome is None:
                print(f"{where}: no data (not measurable with the available data)")
                continue
            try:
                try:
                    p = plan(params.kommune, outcome, params.start, pre_start=params.pre_start,
                             post_end=params.post_end, comparison=params.comparison, scale=params.scale)
                except (DesignError, PeriodError) as exc:
                    raise ParamsError(path, str(exc), getattr(exc, "field", None) or "start") from None
            except DataNotCachedError:
                print(f"{where}: data not fetched (evaltools data fetch --outcome {outcome})")
                continue
            except EvaltoolsError as exc:
                code = max(code, _err(str(exc), exit_code(exc)))
                continue
            _print_plan(where, p, outcome, params.language)
    return code


def _print_plan(where: str, p, outcome: str, lang: str) -> None:
    from evaltools.text import mde_text

    pre, post = p.design.describe_windows(lang)
    unit = ("procent" if lang == "da" else "per cent") if p.design.scale == "log" else _unit(outcome, lang)
    print(f"{where}: {mde_text(p.reader_effect, p.design.scale, unit, p.kommuner, lang)}")
    shifted = (" (start after the data ends: the most recent windows that fit)" if p.shifted else "")
    what = "sets of kommuner" if len(p.kommuner) > 1 else "kommuner"
    print(f"  windows: before {pre}, after {post}{shifted}; 80 % power at the 5 % level, "
          f"placebo test on {p.mde.n_placebos:,} {what} (critical |t| {p.mde.critical_value:.2f}, "
          f"MDE = {p.mde.t_units:.2f} standard errors)")


def _unit(outcome_id: str, language: str) -> str:
    from evaltools.data import get_outcome

    o = get_outcome(outcome_id)
    if o.kind == "rate":
        return "procentpoint" if language == "da" else "percentage points"
    return o.unit(language)


def cmd_kommuner(args: argparse.Namespace) -> int:
    from evaltools.kommuner import all_kommuner

    for k in all_kommuner():
        print(f"{k.code}  {k.name:<20} {k.slug:<20} {k.region}")
    return 0


def cmd_outcomes(args: argparse.Namespace) -> int:
    from evaltools.data.catalogue import get_outcome
    from evaltools.listings import outcomes

    print(f"{'id':<28} {'table':<8} {'coverage':<14} {'unit':<17} {'better':<7} {'areas':<15} label")
    for r in outcomes().itertuples():  # the same table as evaltools.outcomes() in a notebook
        print(f"{r.id:<28} {r.table:<8} {r.coverage:<14} {r.unit:<17} {r.better:<7} {r.areas:<15} {r.label}")
        if args.details:
            o = get_outcome(r.id)
            print(f"    {o.source_note_da}")
            if o.origin == "dst":
                query = ", ".join(f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in o.query.items())
                print(f"    DST query: {query}; from {o.since}; other variables at their total "
                      f"(evaltools data fetch --outcome {o.id})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="evaltools", description="Did our employment initiative beat the national trend?")
    parser.add_argument("--version", action="version", version=f"evaltools {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="build one report (PDF) from a params file")
    run.add_argument("params", type=Path, help="params YAML file, e.g. params/lejre.yaml")
    run.add_argument("--out", type=Path, default=Path("reports"), help="output folder (default: reports)")
    run.add_argument("--notebook", type=Path, default=None, help="notebook template (default: notebooks/evaluering.ipynb if the project has one, else the packaged template)")
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

    new = sub.add_parser("new", help="make a working folder: notebooks/, params/eksempel.yaml, reports/, README.md")
    new.add_argument("folder", type=Path)
    new.set_defaults(func=cmd_new)

    notebook = sub.add_parser("notebook", help="write notebooks/<name>.ipynb with a params file's values, to edit in JupyterLab")
    notebook.add_argument("params", type=Path, help="params YAML file, e.g. params/lejre.yaml")
    notebook.add_argument("--out", type=Path, default=None, help="where to write it (default: notebooks/<name>.ipynb)")
    notebook.add_argument("--notebook", type=Path, default=None, help="template (default: as for run)")
    notebook.add_argument("--force", action="store_true", help="replace an existing notebook (and its edits)")
    notebook.set_defaults(func=cmd_notebook)

    check = sub.add_parser("check", help="validate params files (or the .yaml files in a folder) without running anything")
    check.add_argument("params", type=Path, nargs="+")
    check.set_defaults(func=cmd_check)

    data = sub.add_parser("data", help="fetch, import and list data").add_subparsers(dest="data_command", required=True)
    fetch = data.add_parser("fetch", help="fetch a DST StatBank table into the cache",
                            description="Any other --NAME VALUES option selects values of that table variable "
                                        "(e.g. --alder 16-24,25-29 --omraade '*'); variables not given get their total.")
    fetch.add_argument("table", nargs="?", help="DST table id, e.g. AUP02")
    fetch.add_argument("--outcome", help="fetch a catalogue outcome instead (see evaltools outcomes)")
    fetch.add_argument("--var", action="append", default=[], metavar="NAME=V1,V2", help="variable values (repeatable)")
    fetch.add_argument("--since", help="first period, e.g. 2007, 2007K1, 2007M01")
    fetch.add_argument("--lang", default="da", choices=["da", "en"])
    fetch.add_argument("--timeout", type=float, default=30.0)
    fetch.add_argument("--base-url", default="https://api.statbank.dk/v1")
    fetch.set_defaults(func=cmd_data_fetch)
    data.add_parser("list", help="what is embedded, cached and fetchable, with vintages").set_defaults(func=cmd_data_list)
    imp = data.add_parser("import", help="import a CSV/Excel table (e.g. a Jobindsats export) as an outcome")
    imp.add_argument("file", type=Path)
    imp.add_argument("--name", required=True, help="short name; the outcome becomes import:NAME")
    imp.add_argument("--label", required=True, help="Danish label, e.g. 'Unge langtidsledige'")
    imp.add_argument("--label-en", help="English label for reports with language: en (default: the --label)")
    imp.add_argument("--unit", default="personer", help="unit, in Danish (default: personer)")
    imp.add_argument("--unit-en", help="English unit (default: translated when known, e.g. personer -> persons)")
    imp.add_argument("--kind", choices=["count", "rate"], default="count")
    imp.add_argument("--higher-is-better", action="store_true")
    imp.add_argument("--value-column", help="the column with the values, when the file has several (e.g. 'Antal personer')")
    imp.add_argument("--allow-missing", action="store_true",
                     help="keep values hidden for discretion ('..', '*', '-', empty) as missing instead of refusing the file")
    imp.set_defaults(func=cmd_data_import)

    plan_ = sub.add_parser("plan", help="the smallest effect the data can show for a params file, before running")
    plan_.add_argument("params", type=Path, nargs="+")
    plan_.set_defaults(func=cmd_plan)

    sub.add_parser("kommuner", help="list the 98 kommuner with codes and slugs").set_defaults(func=cmd_kommuner)
    outcomes = sub.add_parser("outcomes", help="list the outcomes a params file can name")
    outcomes.add_argument("--details", action="store_true", help="also the source and, for DST outcomes, the query")
    outcomes.set_defaults(func=cmd_outcomes)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and getattr(args, "func", None) is not cmd_data_fetch:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    try:
        return args.func(args)
    except EvaltoolsError as exc:  # anything else is a bug and keeps its traceback
        return _err(str(exc), exit_code(exc))
    except KeyboardInterrupt as exc:
        return _err(f"interrupted{_signal_name(exc)}", EXIT_INTERRUPTED)
    except BrokenPipeError:  # output piped into `head` and friends
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        if argv is None and threading.current_thread() is threading.main_thread():
            # the command is done and has said so: a Ctrl-C while the interpreter shuts down (kernel
            # clients, threads) must not turn a finished run into one killed by the signal
            signal.signal(signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":
    sys.exit(main())
