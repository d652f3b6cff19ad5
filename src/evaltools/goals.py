"""A plan with several goals, one start: each goal's outcome evaluated with the same windows,
placebo p-values adjusted for multiple comparisons (Holm), and goals without data kept in the list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from evaltools.data import DataNotCachedError, load_panel
from evaltools.evaluation import Evaluation, evaluate

ALPHA = 0.05


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment: sort ascending, p_(i) * (m - i + 1), running maximum, capped at 1."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return adjusted.tolist()


@dataclass
class GoalResult:
    """One goal: its evaluation (when there are data) or why there is none."""

    label: str
    direction: str  # "fald" | "stigning"
    outcome: str | None
    target: object = None
    proxy: bool = False
    note: str = ""
    evaluation: Evaluation | None = None
    status: str = "ok"  # ok | no_data | not_fetched
    p_adjusted: float | None = None

    @property
    def wants_lower(self) -> bool:
        return self.direction == "fald"

    def assessment(self) -> str:
        """'in' (clear, in the goal's direction), 'against' (clear, the other way) or 'noise'."""
        if self.evaluation is None or self.p_adjusted is None:
            return self.status
        if self.p_adjusted > ALPHA:
            return "noise"
        return "in" if (self.evaluation.effect < 0) == self.wants_lower else "against"


@dataclass
class GoalsEvaluation:
    kommune: object
    goals: list[GoalResult]
    language: str = "da"

    @property
    def tested(self) -> list[GoalResult]:
        return [g for g in self.goals if g.evaluation is not None]

    @property
    def expected_by_chance(self) -> float:
        """Tested goals x 5 %: how many would look clear by chance alone if none had an effect."""
        return len(self.tested) * ALPHA


def evaluate_goals(kommune, goals: Sequence[dict], start, *, pre_start=None, post_end=None, comparison="rest",
                   scale=None, language: str = "da") -> GoalsEvaluation:
    results = []
    for g in goals:
        g = dict(g)
        r = GoalResult(g["label"], g["direction"], g.get("outcome"), g.get("target"), bool(g.get("proxy")),
                       g.get("note") or "")
        if r.outcome is None:
            r.status = "no_data"
        else:
            try:
                panel = load_panel(r.outcome)
            except DataNotCachedError:
                r.status = "not_fetched"
            else:
                r.evaluation = evaluate(kommune, r.outcome, start, pre_start=pre_start, post_end=post_end,
                                        comparison=comparison, scale=scale, language=language, panel=panel)
        results.append(r)
    tested = [r for r in results if r.evaluation is not None]
    for r, p in zip(tested, holm([r.evaluation.p_value for r in tested])):
        r.p_adjusted = p
    from evaltools.kommuner import get_kommune

    return GoalsEvaluation(get_kommune(kommune), results, language)
