"""``evaluate``: one kommune, one outcome, one start date -> an ``Evaluation`` with everything the
report shows (DiD, placebo tests, event study, means, verdict text)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evaltools.data import Panel, load_panel
from evaltools.design import Design, Gaps, compute_gaps, make_design, stacked_panel
from evaltools.did import DidResult, fit_did
from evaltools.inference import (
    EventStudy,
    PlaceboTest,
    TimePlacebo,
    event_study,
    placebo_in_space,
    placebo_in_time,
)
from evaltools.kommuner import Kommune
from evaltools.periods import format_period

PRETREND_LEVEL = 0.10
TIME_PLACEBO_LEVEL = 0.05


@dataclass
class GroupMeans:
    pre: float
    post: float
    change: float  # log scale: relative change (geometric means); level scale: post - pre


@dataclass
class Evaluation:
    """Result of one evaluation. ``effect`` is in per cent (log scale) or the outcome's unit."""

    panel: Panel = field(repr=False)
    design: Design
    gaps: Gaps = field(repr=False)
    did: DidResult = field(repr=False)
    placebo: PlaceboTest = field(repr=False)
    events: EventStudy = field(repr=False)
    time_placebos: list[TimePlacebo] = field(repr=False)
    treated_means: GroupMeans
    comparison_means: GroupMeans
    language: str = "da"

    # --- the numbers, on the reader's scale ---------------------------------------------------
    def on_reader_scale(self, x):
        """A log-scale difference as per cent; level differences unchanged (scalars or arrays)."""
        return 100 * (np.exp(x) - 1) if self.design.scale == "log" else x

    @property
    def kommune(self) -> Kommune:
        return self.design.kommune

    @property
    def outcome(self):
        return self.panel.outcome

    @property
    def effect(self) -> float:
        """Headline: per cent (log scale) or units / procentpoint (level scale)."""
        return float(self.on_reader_scale(self.did.estimate))

    @property
    def effect_unit(self) -> str:
        return self.unit_in(self.language)

    def unit_in(self, language: str) -> str:
        """Unit of the headline number: procent, procentpoint or the outcome's own unit."""
        if self.design.scale == "log":
            return "procent" if language == "da" else "per cent"
        if self.outcome.kind == "rate":
            return "procentpoint" if language == "da" else "percentage points"
        return self.outcome.unit(language)

    def conf_int(self) -> tuple[float, float]:
        """95% permutation interval (placebo kommuner), on the reader's scale."""
        lo, hi = self.placebo.conf_int()
        return float(self.on_reader_scale(lo)), float(self.on_reader_scale(hi))

    def conf_int_classical(self) -> tuple[float, float]:
        """95% interval from classical OLS errors (assumes independent periods; for reference)."""
        lo, hi = self.did.conf_int()
        return float(self.on_reader_scale(lo)), float(self.on_reader_scale(hi))

    @property
    def p_value(self) -> float:
        """Permutation p-value from the placebo kommuner."""
        return self.placebo.p_value

    @property
    def pretrend_warning(self) -> bool:
        return self.events.pretrend_p < PRETREND_LEVEL

    @property
    def early_divergence(self) -> TimePlacebo | None:
        """The clearest fake start before the real one, if it is as clear as a real finding (p <= 0.05)."""
        hits = [t for t in self.time_placebos if t.p_value <= TIME_PLACEBO_LEVEL]
        return min(hits, key=lambda t: t.p_value) if hits else None

    @property
    def effect_in_units(self) -> float | None:
        """Log scale, count outcomes: the effect as persons per period (actual minus counterfactual)."""
        if self.design.scale != "log" or self.outcome.kind != "count":
            return None
        post = self.treated_means.post
        return float(post - post / np.exp(self.did.estimate))

    @property
    def synthetic(self):
        """Synthetic control (robustness check), fitted on first use."""
        if not hasattr(self, "_synthetic"):
            from evaltools.synth import fit_synthetic_control

            self._synthetic = fit_synthetic_control(self.gaps)
        return self._synthetic

    def comparison_name(self, language: str | None = None) -> str:
        from evaltools.text import comparison_name

        return comparison_name(self, language or self.language)

    # --- text, tables, figures ------------------------------------------------------------------
    def verdict(self, language: str | None = None) -> dict[str, str]:
        """Plain-language sentences for page 1: what happened, compared to what, how sure, caveat."""
        from evaltools.text import verdict

        return verdict(self, language or self.language)

    def tidy(self) -> pd.DataFrame:
        lo, hi = self.conf_int()
        clo, chi = self.conf_int_classical()
        return pd.DataFrame(
            [
                {
                    "kommune": self.kommune.name,
                    "kode": self.kommune.code,
                    "outcome": self.outcome.id,
                    "start": format_period(self.design.start, "en"),
                    "scale": self.design.scale,
                    "estimate": self.effect,
                    "unit": self.effect_unit,
                    "conf_low": lo,
                    "conf_high": hi,
                    "p_value_placebo": self.p_value,
                    "placebo_rank": self.placebo.rank,
                    "n_placebos": self.placebo.n_placebos,
                    "conf_low_classical": clo,
                    "conf_high_classical": chi,
                    "p_value_classical": self.did.p_value,
                    "pretrend_p": self.events.pretrend_p,
                    "pretrend_warning": self.pretrend_warning,
                    "early_divergence": self.early_divergence is not None,
                }
            ]
        )

    def summary(self) -> str:
        pre, post = self.design.describe_windows("en")
        lo, hi = self.conf_int()
        return "\n".join(
            [
                f"{self.kommune} | {self.outcome.id} | start {format_period(self.design.start, 'en')}",
                f"  pre {pre}, post {post}, comparison: {self.comparison_name('en')}, scale: {self.design.scale}",
                f"  estimate {self.effect:.2f} {self.effect_unit}  95% placebo interval [{lo:.2f}, {hi:.2f}]",
                f"  placebo p = {self.p_value:.3f} (rank {self.placebo.rank} of {self.placebo.n_placebos + 1})",
                f"  pre-trend test p = {self.events.pretrend_p:.3f}" + ("  WARNING" if self.pretrend_warning else ""),
            ]
        )

    def plot_trends(self, ax=None):
        from evaltools.figures import plot_trends

        return plot_trends(self, ax=ax)

    def plot_event_study(self, ax=None):
        from evaltools.figures import plot_event_study

        return plot_event_study(self, ax=ax)

    def plot_placebo(self, ax=None):
        from evaltools.figures import plot_placebo

        return plot_placebo(self, ax=ax)


def _means(levels: np.ndarray, is_post: np.ndarray, scale: str) -> GroupMeans:
    pre, post = levels[~is_post], levels[is_post]
    if scale == "log":
        change = float(np.exp(np.log(post).mean() - np.log(pre).mean()) - 1)
    else:
        change = float(post.mean() - pre.mean())
    return GroupMeans(float(pre.mean()), float(post.mean()), change)


def evaluate(
    kommune: str | int | Kommune,
    outcome: str,
    start: str,
    *,
    pre_start: str | None = None,
    post_end: str | None = None,
    comparison: str | Sequence[str] = "rest",
    scale: str | None = None,
    statistic: str = "t",
    language: str = "da",
    panel: Panel | None = None,
) -> Evaluation:
    """Evaluate an initiative in ``kommune`` starting ``start`` on ``outcome``.

    The DiD is fitted with statsmodels (two-way fixed effects on the kommune and its comparison
    group); uncertainty comes from placebo runs on every other kommune.
    """
    panel = panel if panel is not None else load_panel(outcome)
    design = make_design(
        panel, kommune, start, pre_start=pre_start, post_end=post_end, comparison=comparison, scale=scale
    )
    g = compute_gaps(panel, design)
    did = fit_did(stacked_panel(g), outcome="y", treated="treated", post="post", unit="unit", time="time")
    j = g.treated_index
    return Evaluation(
        panel=panel,
        design=design,
        gaps=g,
        did=did,
        placebo=placebo_in_space(g, statistic=statistic),
        events=event_study(g),
        time_placebos=placebo_in_time(g),
        treated_means=_means(g.levels[j], g.is_post, design.scale),
        comparison_means=_means(g.comparison_levels[j], g.is_post, design.scale),
        language=language,
    )
