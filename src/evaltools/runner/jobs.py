"""Plan a batch: which reports to build, from params files and an optional list of kommuner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evaltools.errors import InputError
from evaltools.kommuner import UnknownKommuneError, all_kommuner, get_kommune
from evaltools.params import ParamsError, ReportParams, check_against_data, load_params


class BatchNameError(InputError, ValueError):
    """Two params files would get the same report name in one batch."""


@dataclass(frozen=True)
class Job:
    """One report to build. ``error`` is set when the job cannot run (it is reported, not run)."""

    name: str
    params_file: Path
    params: ReportParams | None
    seed: bool = True  # the kommune named in the params file itself
    error: str | None = None

    @property
    def kommune(self) -> str:
        if self.params is None:
            return ""
        try:
            if isinstance(self.params.kommune, list):  # several kommuner, one start
                return ", ".join(get_kommune(k).name for k in self.params.kommune)
            return get_kommune(self.params.kommune).name
        except UnknownKommuneError:
            return str(self.params.kommune)


def params_files(targets: Sequence[str | Path]) -> list[Path]:
    """The params files in ``targets`` (files, or folders of *.yaml), each file once."""
    files: dict[Path, Path] = {}
    for target in map(Path, targets):
        found = sorted(p for p in target.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()) \
            if target.is_dir() else [target]
        for path in found:
            files.setdefault(path.resolve(), path)  # the same file given twice is built once
    return list(files.values())


def report_names(files: Sequence[Path]) -> dict[Path, str]:
    """A report name per file, unique within the batch: the file's stem, or ``<folder>-<stem>``
    when two files in different folders share a stem (a/same.yaml, b/same.yaml -> a-same, b-same).

    Raises :class:`BatchNameError` naming both files when even that does not tell them apart.
    """
    stems: dict[str, list[Path]] = {}
    for path in files:
        stems.setdefault(path.stem, []).append(path)
    names = {path: (path.stem if len(stems[path.stem]) == 1 else f"{path.resolve().parent.name}-{path.stem}")
             for path in files}
    seen: dict[str, Path] = {}
    for path, name in names.items():
        if name in seen:
            raise BatchNameError(f"{seen[name]} and {path} would both become report '{name}'; "
                                 "rename one of them or run them as separate batches")
        seen[name] = path
    return names


def parse_kommuner(spec: str | None) -> list[str] | None:
    """'all' -> every code; 'Lejre,Horsens,350' -> those (unknown names raise with suggestions)."""
    if spec is None:
        return None
    if spec.strip().lower() == "all":
        return [k.code for k in all_kommuner()]
    try:
        codes = [get_kommune(s.strip()).code for s in spec.split(",") if s.strip()]
    except UnknownKommuneError as exc:
        raise InputError(f"--kommuner: {exc}") from None
    if not codes:
        raise InputError(f"--kommuner: no kommune in {spec!r}; give 'all' or names, codes or slugs separated by "
                         "commas (Lejre,Horsens,350)")
    return list(dict.fromkeys(codes))  # Lejre,350 is one report


def plan_jobs(targets: Sequence[str | Path], kommuner: str | None = None) -> list[Job]:
    """Jobs for every params file (and, with ``kommuner``, every kommune); invalid ones carry their error."""
    codes = parse_kommuner(kommuner)
    files = params_files(targets)
    names = report_names(files)
    jobs: list[Job] = []
    for path in files:
        base = names[path]
        try:
            params = load_params(path, check_data=codes is None)
        except ParamsError as exc:
            jobs.append(Job(base, path, None, error=str(exc)))
            continue
        if codes is None:
            jobs.append(Job(base, path, params))
            continue
        seed = get_kommune(params.kommune).code if _known(params.kommune) else None
        for code in codes:
            k = get_kommune(code)
            # a published claim and a named initiative belong to the params file's own kommune: the
            # others' reports are titled with the default ("Beskæftigelsesindsatsen"), not Lejre's goal
            update = {"kommune": k.name} if code == seed else {"kommune": k.name, "claim": None, "initiative": None}
            variant = params.model_copy(update=update)
            name = f"{base}-{k.slug}"
            try:
                check_against_data(variant, path)
                jobs.append(Job(name, path, variant, seed=(code == seed)))
            except ParamsError as exc:
                jobs.append(Job(name, path, variant, seed=(code == seed), error=str(exc)))
    first: dict[str, Job] = {}
    for job in jobs:  # e.g. a.yaml for kommune x-y and a-x.yaml for kommune y
        if job.name in first:
            raise BatchNameError(f"{first[job.name].params_file} and {job.params_file} would both become report "
                                 f"'{job.name}'; rename one of them or run them as separate batches")
        first[job.name] = job
    return jobs


def _known(kommune) -> bool:
    try:
        get_kommune(kommune)
        return True
    except UnknownKommuneError:
        return False
