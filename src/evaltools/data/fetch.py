"""Fetch DST tables into the cache (the only place that talks to the network)."""

from __future__ import annotations

from pathlib import Path

from evaltools.data import cache
from evaltools.errors import InputError
from evaltools.data.catalogue import get_outcome
from evaltools.data.dst import DstClient, DstQueryError, Fetched


def _area_variable(fetched: Fetched) -> str:
    for var in fetched.info.variables:
        if var.id.upper() in ("OMRÅDE", "OMRADE", "BOPKOM", "KOMK", "KOM"):
            return var.id
    raise DstQueryError(f"{fetched.table} has no area variable (OMRÅDE/BOPKOM); it cannot be a kommune outcome")


def _store(fetched: Fetched, outcome_id: str | None) -> Path:
    info = fetched.info
    time_var = info.time_variable.id
    # DST names the time column TID in data even when the variable is 'Tid'
    time_col = next((c for c in fetched.frame.columns if c.upper() == time_var.upper()), time_var)
    meta = {
        "outcome": outcome_id, "table": fetched.table, "title": info.text, "unit": info.unit,
        "updated": info.updated, "query": fetched.query, "fetched_at": fetched.fetched_at, "url": fetched.url,
        "time": time_col,
    }
    try:
        meta["area"] = _area_variable(fetched)
    except DstQueryError:
        if outcome_id is not None:
            raise
    return cache.store(fetched.frame, meta, cache.query_key(fetched.table, fetched.query))


def fetch_outcome(outcome_id: str, client: DstClient | None = None) -> Path:
    """Fetch a catalogue outcome (origin 'dst') and cache it, so reports can use it offline."""
    outcome = get_outcome(outcome_id)
    if outcome.origin != "dst":
        raise InputError(f"{outcome_id} is {outcome.origin}, not fetched from DST")
    with client or DstClient() as c:
        fetched = c.data(outcome.table, outcome.query, since=outcome.since)
    _check_complete(fetched, outcome)
    return _store(fetched, outcome_id)


def _check_complete(fetched: Fetched, outcome) -> None:
    """Refuse an answer no report could use (a cut-off or partial answer), before it replaces the
    cache: it would otherwise stop every later check, run and batch that names the outcome."""
    from evaltools.data.snapshot_io import build_panel, to_long
    from evaltools.errors import DataError

    time_var = fetched.info.time_variable.id
    time_col = next((c for c in fetched.frame.columns if c.upper() == time_var.upper()), time_var)
    why = None
    try:
        long = to_long(fetched.frame, _area_variable(fetched), time_col, outcome.kind)
        panel = build_panel(outcome, long, {}) if not long.empty else None
    except (ValueError, KeyError, DataError) as exc:
        why = f"it cannot be read as a kommune table ({exc})"
    else:
        if panel is None or len(panel.periods) < 2 or panel.values.notna().any(axis=1).sum() < 2:
            n_periods = 0 if panel is None else len(panel.periods)
            why = f"it holds {len(fetched.frame)} row(s), {n_periods} complete period(s)"
    if why:
        raise DataError(f"StatBank's answer for {outcome.id} ({outcome.table}) is not a usable table: {why}; "
                        "nothing was cached (an earlier fetch, if any, is kept); try again later")


def fetch_table(table: str, variables: dict, *, since: str | None = None, lang: str = "da",
                client: DstClient | None = None) -> tuple[Path, Fetched]:
    """Fetch any table into the cache."""
    with client or DstClient() as c:
        fetched = c.data(table, variables, since=since, lang=lang)
    return _store(fetched, None), fetched
