"""Data: the embedded DST snapshot and the outcome catalogue."""

from evaltools.data.catalogue import OUTCOMES, Outcome, UnknownOutcomeError, get_outcome
from evaltools.data.snapshot_io import DataNotCachedError, Panel, load_panel, load_snapshot, provenance

__all__ = [
    "OUTCOMES",
    "DataNotCachedError",
    "Outcome",
    "Panel",
    "UnknownOutcomeError",
    "get_outcome",
    "load_panel",
    "load_snapshot",
    "provenance",
]
