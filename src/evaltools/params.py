"""Params files (one YAML per report): read, validate against the schema and the data."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from evaltools.errors import InputError
from evaltools.kommuner import UnknownKommuneError, get_kommune
from evaltools.params_yaml import DuplicateKeyError, load_yaml


class ParamsError(InputError, ValueError):
    """A params file that cannot run; the message names the file and the key."""

    def __init__(self, path: str | Path, message: str, key: str | None = None):
        for said in (f"{key}: ", f"{key} "):  # "start: start 2031K1 ..." reads twice
            if key and message.startswith(said):
                message = message[len(said):]
                break
        self.path, self.key, self.message = str(path), key, message
        where = f"{self.path}: {key}: " if key else f"{self.path}: "
        super().__init__(where + message)


class Claim(BaseModel):
    """A published claim the report checks, quoted next to our own estimate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    source: str = ""
    measure: str = ""  # what the claim is about, e.g. "unge langtidsledige"
    value: Union[float, None] = None  # the claimed change in per cent, if it states one
    exact: bool = False  # true when the report's outcome is exactly the claim's measure


class Goal(BaseModel):
    """One goal of a plan with several goals: the outcome that measures it (None: no data at all)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    direction: Literal["fald", "stigning"]
    outcome: Union[str, None] = None  # None: "ikke målbar med de tilgængelige data"
    target: Union[float, str, None] = None  # the plan's own target, as written (e.g. -10 or "under 400")
    proxy: bool = False  # the outcome is the closest available measure, not the goal's own
    note: str = ""  # what the outcome measures instead, or why there is no data


class ReportParams(BaseModel):
    """What one report needs. Unknown keys are errors (no silently ignored typos)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kommune: Union[str, int, list[Union[str, int]]]  # a list: several kommuner, one start
    outcome: Union[str, None] = None  # required unless goals are given
    start: Union[str, int]
    initiative: Union[str, None] = None  # the title's name for it; none: "Beskæftigelsesindsatsen"
    pre_start: Union[str, int, None] = None
    post_end: Union[str, int, None] = None
    comparison: Union[Literal["rest", "national"], list[Union[str, int]]] = "rest"
    scale: Union[Literal["log", "level"], None] = None
    committee: str = ""
    report_date: Union[dt.date, None] = None
    author: str = ""
    language: Literal["da", "en"] = "da"
    claim: Union[Claim, None] = None
    goals: Union[list[Goal], None] = None  # a plan with several goals, same start and windows

    @field_validator("start", "pre_start", "post_end", mode="before")
    @classmethod
    def _no_dates(cls, v):
        # unquoted 2012-07-01 is a YAML date; say which period the user means
        if isinstance(v, (dt.date, dt.datetime)):
            quarter = f"{v.year}K{(v.month - 1) // 3 + 1}"
            raise ValueError(f"{v.isoformat()} is a date, not a period: write {quarter} for its quarter "
                             f"(or {v.year} for a year)")
        return v

    @field_validator("comparison", mode="before")
    @classmethod
    def _one_kommune(cls, v):
        # "comparison: Ballerup" means the list of one, as "kommune: Lejre" means one kommune
        if isinstance(v, int) or (isinstance(v, str) and v not in ("rest", "national")):
            return [v]
        return v

    @field_validator("kommune", "start", "pre_start", "post_end", mode="after")
    @classmethod
    def _as_text(cls, v):
        if isinstance(v, list):
            return [str(x) for x in v]
        return None if v is None else str(v)

    @property
    def kommuner(self) -> list[str]:
        """The treated kommuner as a list (one or several)."""
        return list(self.kommune) if isinstance(self.kommune, list) else [self.kommune]

    def notebook_parameters(self) -> dict:
        """The values papermill injects (JSON-friendly); ``goals`` only when given."""
        out = self.model_dump()
        if out["goals"] is None:
            del out["goals"]
        if out["report_date"] is not None:
            out["report_date"] = out["report_date"].isoformat()
        return out


FIELDS = list(ReportParams.model_fields)


def _did_you_mean(key: str, allowed: list[str]) -> str:
    """" (did you mean 'kommune'?)" for 'Kommune' or 'kommnue'; "" when nothing is close."""
    by_lower = {a.lower(): a for a in allowed}
    if key.lower() in by_lower:
        return f" (did you mean '{by_lower[key.lower()]}'? keys are lower case)"
    close = difflib.get_close_matches(key.lower(), allowed, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _first_error(path: Path, exc: ValidationError) -> ParamsError:
    # an unknown key first: 'Kommune:' is both unknown and leaves 'kommune' missing
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    err = errors[0]
    loc = err["loc"]
    key = ".".join(str(x) if not isinstance(x, int) else str(x + 1) for x in loc
                   if not isinstance(x, int) or (loc and loc[0] == "goals")) or None
    if err["type"] == "extra_forbidden":
        parent, _, name = str(key).rpartition(".")
        allowed = (list(Claim.model_fields) if parent == "claim" else list(Goal.model_fields)
                   if parent.startswith("goals") else FIELDS)
        return ParamsError(path, f"unknown key{_did_you_mean(name, allowed)}; allowed keys: {', '.join(allowed)}", key)
    if err["type"] == "missing":
        return ParamsError(path, "is required but missing", key)
    if key and not key.startswith(("goals.", "claim.")):  # a union's member types are not keys
        key = key.split(".")[0]
    if err["type"] == "value_error":  # our own validators: the message is the whole story
        return ParamsError(path, str(err["ctx"]["error"]), key)
    given = err.get("input")
    hint = ""
    if err["type"] == "float_parsing" and isinstance(given, str) and re.fullmatch(r"\s*[-+−]?\d+,\d+\s*", given):
        hint = f"; write it with a decimal point: {given.strip().replace(',', '.').replace('−', '-')}"
    elif err["type"].startswith(("date_", "datetime_")):
        hint = "; write the date as YYYY-MM-DD, e.g. 2026-12-03"
    elif err["type"] in ("model_type", "dict_type"):
        fields = list(Claim.model_fields) if key == "claim" else list(Goal.model_fields) if str(key).startswith("goals") else []
        return ParamsError(path, f"should be a mapping of keys ({', '.join(fields)}) on indented lines below it, "
                                 f"not {given!r}", key)
    return ParamsError(path, f"{err['msg'].lower()} (got {given!r}){hint}", key)


def _read_text(path: Path) -> str:
    """The file as text; anything but UTF-8 is refused with the line of the first bad byte."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParamsError(path, f"cannot be read ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParamsError(path, f"is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); "
                                "save it as UTF-8 in your editor and try again") from None


def load_params(path: str | Path, *, check_data: bool = True) -> ReportParams:
    """Read and validate a params file; raises ParamsError naming the file and key."""
    path = Path(path)
    if path.is_dir():
        raise ParamsError(path, "is a folder, not a params file; name one .yaml file in it, or build them all "
                                f"with: evaltools batch {path}")
    if not path.is_file():
        raise ParamsError(path, "no such params file")
    text = _read_text(path)
    try:
        raw = load_yaml(text)
    except DuplicateKeyError as exc:
        raise ParamsError(path, f"given twice (lines {exc.lines[0]} and {exc.lines[1]}); keep one", exc.path) from None
    except yaml.YAMLError as exc:
        # the context mark is where the broken construct began (what a user must fix)
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        context = f" ({exc.context})" if getattr(exc, "context", None) else ""
        raise ParamsError(path, f"not valid YAML{where}{context}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict):
        raise ParamsError(path, "must be a mapping of keys to values (key: value)")
    try:
        params = ReportParams(**{str(k): v for k, v in raw.items()})
    except ValidationError as exc:
        raise _first_error(path, exc) from None
    if check_data:
        check_against_data(params, path)
    return params


def check_against_data(params: ReportParams, path: str | Path = "<params>") -> None:
    """Check kommune, outcome and dates against the data before anything runs."""
    # here, not at the top: a batch worker unpickles params without pandas and the data
    from evaltools.data import DataNotCachedError, UnknownOutcomeError, get_outcome, load_panel
    from evaltools.design import DesignError, make_design
    from evaltools.errors import DataError
    from evaltools.periods import PeriodError

    if isinstance(params.kommune, list) and not params.kommune:
        raise ParamsError(path, "is an empty list; name at least one kommune", "kommune")
    try:
        for k in params.kommuner:
            get_kommune(k)
    except UnknownKommuneError as exc:
        raise ParamsError(path, str(exc), "kommune") from None
    if params.goals is not None:
        check_goals(params, path)
        return
    if params.outcome is None:
        raise ParamsError(path, "is required (or give goals: a list of goals, each with its outcome)", "outcome")
    try:
        get_outcome(params.outcome)
    except UnknownOutcomeError as exc:
        raise ParamsError(path, str(exc), "outcome") from None
    try:
        panel = load_panel(params.outcome)
    except DataError as exc:  # not fetched, or a damaged table in the cache: this report's problem alone
        raise ParamsError(path, str(exc), "outcome") from None
    comparison = params.comparison
    try:
        make_design(panel, params.kommune, params.start, pre_start=params.pre_start,
                    post_end=params.post_end, comparison=comparison, scale=params.scale)
    except UnknownKommuneError as exc:
        raise ParamsError(path, f"{exc} (comparison is rest, national, or one or more kommuner)", "comparison") from None
    except (DesignError, PeriodError) as exc:
        raise ParamsError(path, str(exc), getattr(exc, "field", None) or "start") from None


FREQ_WORDS = {"Q": "quarterly", "Y": "annual", "M": "monthly", "N": "numbered"}


def check_goals(params: ReportParams, path: str | Path = "<params>") -> None:
    """A plan with several goals: at least one goal, known outcomes, one frequency, one design."""
    from evaltools.data import DataNotCachedError, UnknownOutcomeError, get_outcome, load_panel
    from evaltools.design import DesignError, make_design
    from evaltools.errors import DataError
    from evaltools.periods import PeriodError

    goals = params.goals
    if not goals:
        raise ParamsError(path, "is an empty list; give at least one goal ({outcome, direction, label})", "goals")
    if params.outcome is not None:
        raise ParamsError(path, "give either outcome (one measure) or goals (several), not both", "outcome")
    first: tuple[int, str] | None = None
    for i, goal in enumerate(goals, 1):
        if goal.outcome is None:
            continue
        key = f"goals.{i}.outcome"
        try:
            o = get_outcome(goal.outcome)
        except UnknownOutcomeError as exc:
            raise ParamsError(path, str(exc), key) from None
        if first is None:
            first = (i, o.freq)
        elif o.freq != first[1]:
            raise ParamsError(path, f"{goal.outcome} is {FREQ_WORDS.get(o.freq, o.freq)} but goal {first[0]} is "
                                    f"{FREQ_WORDS.get(first[1], first[1])}; the goals share one start and windows, "
                                    "so give them outcomes of the same frequency", key)
        try:
            panel = load_panel(goal.outcome)
        except DataNotCachedError:
            continue  # listed in the report as 'data not fetched', with the command that fetches it
        except DataError as exc:
            raise ParamsError(path, f"{exc} (goal {i})", "goals") from None
        try:
            make_design(panel, params.kommune, params.start, pre_start=params.pre_start, post_end=params.post_end,
                        comparison=params.comparison, scale=params.scale)
        except UnknownKommuneError as exc:
            raise ParamsError(path, str(exc), "comparison") from None
        except (DesignError, PeriodError) as exc:
            raise ParamsError(path, f"{exc} (goal {i}, {goal.outcome})", getattr(exc, "field", None) or "start") from None
