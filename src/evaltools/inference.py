"""Placebo tests, event study and pre-trend tests: see ``evaltools.core.inference``."""

from evaltools.core.inference import (
    STATISTICS,
    EventStudy,
    LinearPretrend,
    PlaceboTest,
    TimePlacebo,
    event_study,
    linear_pretrend,
    placebo_in_space,
    placebo_in_time,
)

__all__ = ["STATISTICS", "EventStudy", "LinearPretrend", "PlaceboTest", "TimePlacebo", "event_study",
           "linear_pretrend", "placebo_in_space", "placebo_in_time"]
