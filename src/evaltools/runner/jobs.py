"""Plan a batch: which reports to build, from params files and an optional list of kommuner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evaltools.kommuner import UnknownKommuneError, all_kommuner, get_kommune
from evaltools.params import ParamsError, ReportParams, check_against_data, load_params


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
    files: list[Path] = []
    for target in map(Path, targets):
        if target.is_dir():
            files += sorted(p for p in target.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        else:
            files.append(target)
    return files


def parse_kommuner(spec: str | None) -> list[str] | None:
    """'all' -> every code; 'Lejre,Horsens,350' -> those (unknown names raise with suggestions)."""
    if spec is None:
        return None
    if spec.strip().lower() == "all":
        return [k.code for k in all_kommuner()]
    return [get_kommune(s.strip()).code for s in spec.split(",") if s.strip()]


def plan_jobs(targets: Sequence[str | Path], kommuner: str | None = None) -> list[Job]:
    """Jobs for every params file (and, with ``kommuner``, every kommune); invalid ones carry their error."""
    codes = parse_kommuner(kommuner)
    jobs: list[Job] = []
    for path in params_files(targets):
        try:
            params = load_params(path, check_data=codes is None)
        except ParamsError as exc:
            jobs.append(Job(path.stem, path, None, error=str(exc)))
            continue
        if codes is None:
            jobs.append(Job(path.stem, path, params))
            continue
        seed = get_kommune(params.kommune).code if _known(params.kommune) else None
        for code in codes:
            k = get_kommune(code)
            # a published claim belongs to the params file's own kommune, not to the others
            update = {"kommune": k.name} if code == seed else {"kommune": k.name, "claim": None}
            variant = params.model_copy(update=update)
            name = f"{path.stem}-{k.slug}"
            try:
                check_against_data(variant, path)
                jobs.append(Job(name, path, variant, seed=(code == seed)))
            except ParamsError as exc:
                jobs.append(Job(name, path, variant, seed=(code == seed), error=str(exc)))
    return jobs


def _known(kommune) -> bool:
    try:
        get_kommune(kommune)
        return True
    except UnknownKommuneError:
        return False
