"""``evaltools plan``: the smallest effect a design can show, before anything is run.

For a start inside the data the windows are the report's own. For a start after the data ends
the windows keep their lengths (the params file's, or DST's defaults) and are moved back so the
post-period ends with the data: the most recent windows that fit, as the best guess of the noise
the real evaluation will face.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evaltools.core.design import Design, compute_gaps
from evaltools.core.power import Mde, minimum_detectable_effect
from evaltools.data import load_panel
from evaltools.design import DEFAULT_POST, DEFAULT_PRE, DesignError, core_panel, make_design
from evaltools.periods import format_period, parse_period


@dataclass
class Plan:
    """The MDE of one design, with the windows it was computed on."""

    kommuner: list[str]
    outcome: str
    design: Design
    mde: Mde
    shifted: bool  # the windows were moved back because the start is after the data ends

    @property
    def reader_effect(self) -> tuple[float, float]:
        """The MDE on the reader's scale (decrease, increase): per cent (log scale) or the outcome's unit."""
        return reader_mde(self.mde, self.design.scale)


def reader_mde(mde: Mde, scale: str) -> tuple[float, float]:
    """(smallest detectable decrease, increase), both positive: on the log scale in per cent,
    100 (1 - e^-down) and 100 (e^up - 1); on the level scale as they are. The placebo t's are not
    symmetric, so the two directions differ on either scale."""
    if scale == "log":
        return float(100 * (1 - np.exp(-mde.down))), float(100 * (np.exp(mde.up) - 1))
    return float(mde.down), float(mde.up)


def _shifted_windows(panel, start: str, pre_start, post_end) -> tuple[str, str, str]:
    """Windows of the asked lengths, moved back so the post-period ends with the data."""
    cp = core_panel(panel)
    start_p = parse_period(start, cp.freq)
    n_pre = (start_p - parse_period(pre_start, cp.freq)).n if pre_start is not None else DEFAULT_PRE[cp.freq]
    n_post = (parse_period(post_end, cp.freq) - start_p).n + 1 if post_end is not None else DEFAULT_POST[cp.freq]
    if n_pre <= 0 or n_post <= 0:
        raise DesignError(f"post_end {post_end} is before start {start}", "post_end")
    last = cp.last
    new_start = last - (n_post - 1)
    return (format_period(new_start), format_period(new_start - n_pre), format_period(last))


def plan(kommune, outcome: str, start, *, pre_start=None, post_end=None, comparison="rest",
         scale: str | None = None) -> Plan:
    """The MDE (80 % power, 5 % level, placebo test) for ``kommune``, ``outcome`` and the windows."""
    panel = load_panel(outcome)
    cp = core_panel(panel)
    shifted = False
    if parse_period(start, cp.freq) > cp.last:
        start, pre_start, post_end = _shifted_windows(panel, start, pre_start, post_end)
        shifted = True
    design = make_design(panel, kommune, start, pre_start=pre_start, post_end=post_end,
                         comparison=comparison, scale=scale)
    if len(design.treated) > 1:  # several kommuner: the pooled estimate over sets of the same size
        from evaltools.core.group import group_test

        mde = group_test(cp, design).mde()
    else:
        mde = minimum_detectable_effect(compute_gaps(cp, design))
    return Plan([cp.name(u) for u in design.treated], outcome, design, mde, shifted)
