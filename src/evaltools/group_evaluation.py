"""Several kommuner, one start (Route 25 in Egedal, Ikast-Brande and Odder): the pooled DiD with
permutation over sets of kommuner (``evaltools.core.group``), plus each kommune's own evaluation
against the same comparison group (the rest of the country without any of the treated kommuner)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evaltools.core.group import GroupTest, group_test
from evaltools.data import Panel, load_panel
from evaltools.design import core_panel, make_design
from evaltools.evaluation import Evaluation, evaluate_design
from evaltools.kommuner import Kommune, get_kommune
from evaltools.periods import format_period
from evaltools.results import RESULT_COLUMNS


@dataclass
class GroupEvaluation:
    """The pooled result (``test``) and one ``Evaluation`` per treated kommune (``units``)."""

    panel: Panel = field(repr=False)
    design: object
    test: GroupTest = field(repr=False)
    units: list[Evaluation] = field(repr=False)
    language: str = "da"

    @property
    def kommuner(self) -> list[Kommune]:
        return [get_kommune(c) for c in self.design.treated]

    @property
    def outcome(self):
        return self.panel.outcome

    def on_reader_scale(self, x):
        return 100 * (np.exp(x) - 1) if self.design.scale == "log" else x

    @property
    def effect(self) -> float:
        """Pooled effect: per cent (log scale: the mean of the kommuner's log gaps) or the outcome's unit."""
        return float(self.on_reader_scale(self.test.estimate))

    def conf_int(self) -> tuple[float, float]:
        lo, hi = self.test.conf_int()
        return float(self.on_reader_scale(lo)), float(self.on_reader_scale(hi))

    @property
    def p_value(self) -> float:
        return self.test.p_value

    @property
    def mde(self):
        if not hasattr(self, "_mde"):
            self._mde = self.test.mde()
        return self._mde

    @property
    def mde_reader(self) -> tuple[float, float]:
        from evaltools.planning import reader_mde

        return reader_mde(self.mde, self.design.scale)

    def unit_in(self, language: str) -> str:
        return self.units[0].unit_in(language)

    def tidy(self) -> pd.DataFrame:
        """The one result row, with the kommuner joined and the pooled numbers."""
        lo, hi = self.conf_int()
        names = [k.name for k in self.kommuner]
        row = {
            "kommune": ", ".join(names),
            "kode": ",".join(k.code for k in self.kommuner),
            "outcome": self.outcome.id,
            "start": format_period(self.design.start, "en"),
            "scale": self.design.scale,
            "estimate": self.effect,
            "unit": self.unit_in(self.language),
            "conf_low": lo,
            "conf_high": hi,
            "p_value_placebo": self.p_value,
            "placebo_rank": self.test.n_as_extreme + 1,
            "n_placebos": self.test.n_sets,
            "pretrend_p": min(u.events.pretrend_p for u in self.units),
            "pretrend_linear_p": min(u.linear_trend.p_value for u in self.units),
            "pretrend_warning": any(u.pretrend_warning for u in self.units),
            "early_divergence": any(u.early_divergence is not None for u in self.units),
            "diagnostics_disagree": any(u.diagnostics_disagree for u in self.units),
        }
        return pd.DataFrame([row], columns=RESULT_COLUMNS)

    def summary(self) -> str:
        lo, hi = self.conf_int()
        t = self.test
        how = (f"all {t.n_sets:,} sets" if t.enumerated else f"{t.n_sets:,} random sets (seed {t.seed})")
        lines = [
            f"{', '.join(k.name for k in self.kommuner)} | {self.outcome.id} | start {format_period(self.design.start, 'en')}",
            f"  pooled estimate {self.effect:.2f} {self.unit_in('en')}  95% interval [{lo:.2f}, {hi:.2f}]",
            f"  permutation p = {self.p_value:.4f} over {how} of {len(self.kommuner)} of {t.pool_size} kommuner",
        ]
        for u in self.units:
            lines.append(f"  {u.kommune.name}: {u.effect:.2f} {u.effect_unit}, placebo p = {u.p_value:.3f}")
        return "\n".join(lines)


def evaluate_group(
    kommuner: Sequence[str | int | Kommune],
    outcome: str,
    start: str,
    *,
    pre_start: str | None = None,
    post_end: str | None = None,
    comparison="rest",
    scale: str | None = None,
    language: str = "da",
    panel: Panel | None = None,
) -> GroupEvaluation:
    """Evaluate an initiative that started in several kommuner at once."""
    panel = panel if panel is not None else load_panel(outcome)
    design = make_design(panel, list(kommuner), start, pre_start=pre_start, post_end=post_end,
                         comparison=comparison, scale=scale)
    test = group_test(core_panel(panel), design)
    units = [evaluate_design(panel, design.single(c), language=language) for c in design.treated]
    return GroupEvaluation(panel, design, test, units, language)
