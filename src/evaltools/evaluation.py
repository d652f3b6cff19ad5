"""``evaluate_panel``: any panel, one treated unit, one start -> an ``Evaluation`` with everything
the report shows (DiD, placebo tests, event study, pre-trend tests, estimators side by side, means,
verdict text). ``evaluate`` is the kommune layer over it: a kommune and a catalogue outcome."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evaltools.core.design import Design, Gaps, compute_gaps, stacked_panel
from evaltools.core.did import DidResult, fit_did
from evaltools.core.inference import (
    EventStudy,
    LinearPretrend,
    PlaceboTest,
    TimePlacebo,
    event_study,
    linear_pretrend,
    placebo_in_space,
    placebo_in_time,
)
from evaltools.core.panel import Panel as CorePanel
from evaltools.data import Panel, load_panel
from evaltools.design import DesignError, core_panel, make_design
from evaltools.errors import InputError
from evaltools.kommuner import Kommune, get_kommune
from evaltools.periods import format_period
from evaltools.results import RESULT_COLUMNS

PRETREND_LEVEL = 0.10
TIME_PLACEBO_LEVEL = 0.05

@dataclass(frozen=True)
class Unit:
    """A treated unit of a generic panel (what ``Evaluation.kommune`` is outside Denmark)."""

    code: str
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass
class GroupMeans:
    pre: float  # arithmetic means of the periods
    post: float
    change: float  # log scale: relative change (geometric means); level scale: post - pre
    geometric_pre: float | None = None  # log scale: the means the change is computed from
    geometric_post: float | None = None

    @property
    def shown(self) -> tuple[float, float]:
        """The (before, after) a reader can compute the change from: geometric on the log scale."""
        if self.geometric_pre is not None and self.geometric_post is not None:
            return self.geometric_pre, self.geometric_post
        return self.pre, self.post


@dataclass
class Evaluation:
    """Result of one evaluation. ``effect`` is in per cent (log scale) or the outcome's unit."""

    panel: Panel | CorePanel = field(repr=False)
    design: Design
    gaps: Gaps = field(repr=False)
    did: DidResult = field(repr=False)
    placebo: PlaceboTest = field(repr=False)
    events: EventStudy = field(repr=False)
    time_placebos: list[TimePlacebo] = field(repr=False)
    treated_means: GroupMeans
    comparison_means: GroupMeans
    language: str = "da"
    linear_trend: LinearPretrend | None = field(default=None, repr=False)

    # --- the numbers, on the reader's scale ---------------------------------------------------
    def on_reader_scale(self, x):
        """A log-scale difference as per cent; level differences unchanged (scalars or arrays)."""
        return 100 * (np.exp(x) - 1) if self.design.scale == "log" else x

    @property
    def core_panel(self) -> CorePanel:
        return core_panel(self.panel)

    @property
    def is_kommune(self) -> bool:
        return not isinstance(self.panel, CorePanel)

    @property
    def kommune(self) -> Kommune | Unit:
        """The treated kommune (or, for a generic panel, the treated unit with its name)."""
        code = self.design.treated[0]
        return get_kommune(code) if self.is_kommune else Unit(code, self.panel.name(code))

    def unit_name(self, code: str) -> str:
        return self.core_panel.name(code)

    @property
    def outcome(self):
        """The catalogue outcome (None for a generic panel)."""
        return self.panel.outcome if self.is_kommune else None

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
        if self.outcome is None:
            return self.panel.label
        if self.outcome.kind == "rate":
            return "procentpoint" if language == "da" else "percentage points"
        return self.outcome.unit(language)

    def conf_int(self) -> tuple[float, float]:
        """95% permutation interval (placebo kommuner), on the reader's scale."""
        lo, hi = self.placebo.conf_int()
        return float(self.on_reader_scale(lo)), float(self.on_reader_scale(hi))

    def conf_int_classical(self) -> tuple[float, float]:
        """95% interval from classical OLS errors. Not valid for this design: it assumes independent
        periods, and placebo t-statistics are far wider than t(n-2) says. Kept for comparison only."""
        lo, hi = self.did.conf_int()
        return float(self.on_reader_scale(lo)), float(self.on_reader_scale(hi))

    @property
    def p_value(self) -> float:
        """Permutation p-value from the placebo kommuner."""
        return self.placebo.p_value

    @property
    def pretrend_warning(self) -> bool:
        """Either pre-trend test (joint event-study test or linear trend) flags a difference."""
        linear = self.linear_trend is not None and self.linear_trend.p_value < PRETREND_LEVEL
        return self.events.pretrend_p < PRETREND_LEVEL or linear

    @property
    def diagnostics(self) -> dict[str, bool]:
        """Which pre-period diagnostics flag a problem: joint test, linear trend, fake start dates."""
        return {
            "joint": self.events.pretrend_p < PRETREND_LEVEL,
            "linear": self.linear_trend is not None and self.linear_trend.p_value < PRETREND_LEVEL,
            "time_placebo": self.early_divergence is not None,
        }

    @property
    def diagnostics_disagree(self) -> bool:
        flags = list(self.diagnostics.values())
        return any(flags) and not all(flags)

    @property
    def early_divergence(self) -> TimePlacebo | None:
        """The clearest fake start before the real one, if it is as clear as a real finding (p <= 0.05)."""
        hits = [t for t in self.time_placebos if t.p_value <= TIME_PLACEBO_LEVEL]
        return min(hits, key=lambda t: t.p_value) if hits else None

    @property
    def mde(self):
        """The smallest effect the design can show (80 % power, 5 % level; ``evaltools.core.power``)."""
        if not hasattr(self, "_mde"):
            from evaltools.core.power import minimum_detectable_effect

            self._mde = minimum_detectable_effect(self.gaps)
        return self._mde

    @property
    def mde_reader(self) -> tuple[float, float]:
        """The MDE on the reader's scale, (decrease, increase): per cent on the log scale, else the
        outcome's unit (then both are the same)."""
        from evaltools.planning import reader_mde

        return reader_mde(self.mde, self.design.scale)

    @property
    def effect_in_units(self) -> float | None:
        """Log scale, count outcomes: the effect as persons per period (actual minus counterfactual)."""
        if self.design.scale != "log" or self.outcome is None or self.outcome.kind != "count":
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

    @property
    def estimators(self) -> pd.DataFrame:
        """DiD, synthetic control (levels), de-meaned synthetic control and synthetic DiD side by
        side, each with its placebo p-value and interval (same studentisation), on the reader's
        scale. ``pre_rmspe`` is on the design's scale (x100 on the log scale: about per cent)."""
        if not hasattr(self, "_estimators"):
            from evaltools.core.estimators import estimator_table

            table, self._estimator_weights = estimator_table(self.gaps, self.placebo)
            for c in ("estimate", "conf_low", "conf_high"):
                table[c] = [float(self.on_reader_scale(v)) for v in table[c]]
            if self.design.scale == "log":
                table["pre_rmspe"] = 100 * table["pre_rmspe"]
            self._estimators = table
        return self._estimators

    @property
    def estimator_weights(self) -> dict[str, dict[str, float]]:
        """Donor weights (unit id -> weight) of each synthetic method."""
        self.estimators
        return self._estimator_weights

    def comparison_name(self, language: str | None = None) -> str:
        from evaltools.text import comparison_name

        return comparison_name(self, language or self.language)

    # --- text, tables, figures ------------------------------------------------------------------
    def verdict(self, language: str | None = None) -> dict[str, str]:
        """Plain-language sentences for page 1: what happened, compared to what, how sure, caveat."""
        from evaltools.text import verdict

        if not self.is_kommune:
            raise InputError("the plain-language verdict needs a kommune and a catalogue outcome (its unit and "
                             "whether lower is better); for a generic panel use summary(), tidy() or estimators")

        return verdict(self, language or self.language)

    def tidy(self) -> pd.DataFrame:
        """The one result row (``RESULT_COLUMNS``) the ledger, overview and claims pages read."""
        lo, hi = self.conf_int()
        row = {
            "kommune": self.kommune.name,
            "kode": self.kommune.code,
            "outcome": self.outcome.id if self.outcome is not None else self.panel.label,
            "start": format_period(self.design.start, "en"),
            "scale": self.design.scale,
            "estimate": self.effect,
            "unit": self.effect_unit,
            "conf_low": lo,
            "conf_high": hi,
            "p_value_placebo": self.p_value,
            "placebo_rank": self.placebo.rank,
            "n_placebos": self.placebo.n_placebos,
            "pretrend_p": self.events.pretrend_p,
            "pretrend_linear_p": self.linear_trend.p_value if self.linear_trend else np.nan,
            "pretrend_warning": self.pretrend_warning,
            "early_divergence": self.early_divergence is not None,
            "diagnostics_disagree": self.diagnostics_disagree,
        }
        return pd.DataFrame([row], columns=RESULT_COLUMNS)

    def summary(self) -> str:
        """A plain-text summary for a console or a notebook, in English (the report is in its own language)."""
        pre, post = self.design.describe_windows("en")
        lo, hi = self.conf_int()
        return "\n".join(
            [
                f"{self.kommune} | {self.outcome.id if self.outcome is not None else self.panel.label} | "
                f"start {format_period(self.design.start, 'en')}",
                f"  pre {pre}, post {post}, comparison: {self.comparison_name('en')}, scale: {self.design.scale}",
                f"  estimate {self.effect:.2f} {self.unit_in('en')}  95% placebo interval [{lo:.2f}, {hi:.2f}]",
                f"  placebo p = {self.p_value:.3f} (rank {self.placebo.rank} of {self.placebo.n_placebos + 1})",
                f"  pre-trend tests: joint p = {self.events.pretrend_p:.3f}, linear trend p = "
                f"{self.linear_trend.p_value:.3f}" + ("  WARNING" if self.pretrend_warning else ""),
                *([f"  WARNING: with a fake start in {format_period(e.fake_start, 'en')}, before the initiative, the "
                   f"same calculation finds a clear difference ({self.on_reader_scale(e.estimate):.2f} "
                   f"{self.unit_in('en')}, placebo p = {e.p_value:.3f}); the change may have begun before the initiative"]
                  if (e := self.early_divergence) is not None else []),
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
        geo_pre, geo_post = float(np.exp(np.log(pre).mean())), float(np.exp(np.log(post).mean()))
        return GroupMeans(float(pre.mean()), float(post.mean()), geo_post / geo_pre - 1, geo_pre, geo_post)
    return GroupMeans(float(pre.mean()), float(post.mean()), float(post.mean() - pre.mean()))


def evaluate_panel(
    panel: Panel | CorePanel,
    treated,
    start,
    *,
    pre_start=None,
    post_end=None,
    scale: str | None = None,
    comparison="rest",
    statistic: str = "t",
    language: str = "da",
) -> Evaluation:
    """Evaluate ``treated`` (a unit id of ``panel``) from ``start``: the DiD against the comparison
    group, placebo runs on every other unit, event study and pre-trend tests.

    For a generic panel (``evaltools.Panel.from_frame``) the windows default to the whole panel and
    the scale to ``"level"``; for a kommune panel they default to DST's windows and the outcome's scale.
    """
    if isinstance(panel, CorePanel):
        from evaltools.core.design import make_design as make_core_design

        design = make_core_design(panel, treated, start, pre_start=pre_start, post_end=post_end,
                                  comparison=comparison, scale=scale or "level")
    else:
        design = make_design(panel, treated, start, pre_start=pre_start, post_end=post_end,
                             comparison=comparison, scale=scale)
    if len(design.treated) > 1:
        raise InputError("evaluate_panel takes one treated unit; for several use "
                         "evaltools.group_evaluation.evaluate_group")
    return evaluate_design(panel, design, statistic=statistic, language=language)


def _check_inference_is_possible(g, cp) -> None:
    """Placebo inference needs placebo units, and gaps that vary around their before and after means
    (the noise a difference is judged against); say so instead of failing deep inside."""
    from evaltools.core.did import did_statistics

    others = g.placebo_mask
    if others.sum() < 2:
        raise DesignError(f"only {int(others.sum())} other {cp.noun}(s) can serve as placebos (each needs complete data "
                          f"and a comparison group of its own); the placebo test needs at least 2, so at least 3 "
                          f"{cp.noun}s in all (many more for a useful p-value)", "treated")
    sd = did_statistics(np.where(np.isfinite(g.gaps), g.gaps, 0.0), g.is_post)["sd"]
    if (sd[others] > 0).sum() < 2:
        raise DesignError(f"the other {cp.noun}s move in exact step with their comparison groups around their before "
                          "and after means (no noise at all), so there is nothing to judge a difference against; real "
                          "data always varies: check the data (made-up test data needs some noise)", "treated")


def evaluate_design(panel: Panel | CorePanel, design: Design, *, statistic: str = "t",
                    language: str = "da") -> Evaluation:
    """Everything ``evaluate_panel`` computes, for a design already checked (one treated unit)."""
    cp = core_panel(panel)
    g = compute_gaps(cp, design)
    j = g.treated_index
    _check_inference_is_possible(g, cp)
    did = fit_did(stacked_panel(g, cp.name(design.treated[0])), outcome="y", treated="treated", post="post",
                  unit="unit", time="time")
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
        linear_trend=linear_pretrend(g),
    )


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
    """Evaluate an initiative in ``kommune`` starting ``start`` on a catalogue ``outcome``."""
    panel = panel if panel is not None else load_panel(outcome)
    return evaluate_panel(panel, kommune, start, pre_start=pre_start, post_end=post_end, scale=scale,
                          comparison=comparison, statistic=statistic, language=language)
