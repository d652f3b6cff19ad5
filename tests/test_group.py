"""Several treated kommuner, one start: pooled DiD, permutation over sets, bad input."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from evaltools.core import group as group_mod
from evaltools.core.design import make_design
from evaltools.core.group import group_test
from evaltools.core.panel import Panel
from cli_checks import run_refuses_in_one_line


def _panel() -> Panel:
    # 6 units, 6 periods (4 pre, 2 post), counts; A and B treated
    values = {
        "A": [11, 9, 10, 12, 15, 17],
        "B": [19, 21, 20, 22, 21, 26],
        "C": [29, 30, 30, 31, 33, 32],
        "D": [41, 39, 40, 38, 41, 42],
        "E": [51, 54, 50, 55, 52, 58],
        "F": [58, 62, 60, 61, 59, 60],
    }
    rows = [{"u": u, "t": 2000 + i, "y": v} for u, vs in values.items() for i, v in enumerate(vs)]
    return Panel.from_frame(pd.DataFrame(rows), unit="u", time="t", value="y", aggregate="sum")


def _scaled(unit: pd.Series, comp: pd.Series) -> pd.Series:
    """A count's comparison total on the level scale: scaled to the unit's pre-period mean (4 periods)."""
    return comp * unit.iloc[:4].mean() / comp.iloc[:4].mean()


def _pooled_by_hand(values: pd.DataFrame, the_set: list[str], members: list[str]) -> tuple[float, float]:
    """Pooled DiD and t on the level scale, written out: mean gap vs the members outside the set,
    their total scaled to each unit's size before the start."""
    comp = values.loc[[m for m in members if m not in the_set]].sum()
    gap = np.mean([values.loc[u] - _scaled(values.loc[u], comp) for u in the_set], axis=0)
    pre, post = gap[:4], gap[4:]
    est = post.mean() - pre.mean()
    resid = np.concatenate([pre - pre.mean(), post - post.mean()])
    sd = np.sqrt((resid**2).sum() / (6 - 2))
    return est, est / (sd * np.sqrt(1 / 4 + 1 / 2))


def test_pooled_estimate_and_permutation_p_by_hand():
    p = _panel()
    d = make_design(p, ["A", "B"], 2004, scale="level")
    res = group_test(p, d)
    members = ["C", "D", "E", "F"]
    est, t = _pooled_by_hand(p.values, ["A", "B"], members)
    assert res.estimate == pytest.approx(est)
    assert res.t_stat == pytest.approx(t)
    # every pair of the 4 other units: C(4, 2) = 6 sets
    placebo_t = [_pooled_by_hand(p.values, list(s), members)[1] for s in itertools.combinations(members, 2)]
    assert res.n_sets == 6 and res.enumerated
    assert sorted(res.placebo_t) == pytest.approx(sorted(placebo_t))
    n_extreme = sum(abs(x) >= abs(t) - 1e-12 for x in placebo_t)
    assert res.p_value == pytest.approx((n_extreme + 1) / 7)
    # each unit's own estimate against the same comparison group (C..F)
    comp = p.values.loc[members].sum()
    own_a = (p.values.loc["A"] - _scaled(p.values.loc["A"], comp)).to_numpy()
    assert res.unit_estimates["A"] == pytest.approx(own_a[4:].mean() - own_a[:4].mean())


def test_too_many_sets_are_sampled_with_a_fixed_seed(monkeypatch):
    monkeypatch.setattr(group_mod, "MAX_ENUMERATED", 3)
    monkeypatch.setattr(group_mod, "N_RANDOM", 50)
    p = _panel()
    d = make_design(p, ["A", "B"], 2004, scale="level")
    a, b = group_test(p, d), group_test(p, d)
    assert not a.enumerated and a.n_sets == 50 and a.seed == group_mod.SEED and a.n_possible == 6
    assert np.array_equal(a.placebo_t, b.placebo_t)  # reproducible


@pytest.fixture(scope="module")
def route25():
    from evaltools.group_evaluation import evaluate_group

    return evaluate_group(["Egedal", "Ikast-Brande", "Odder"], "kontanthjaelp_nettoledige", "2012K1",
                          pre_start="2010K1", post_end="2014K2")


def test_route25_caveats_do_not_call_the_other_two_kommuner_zero_valued(route25):
    """Egedal's own placebo test leaves out Ikast-Brande and Odder because they are treated too,
    not because of zeros: the report's caveats (read from Egedal's evaluation) must not say so."""
    from evaltools.text import caveats

    egedal = route25.units[0]
    assert set(egedal.placebo.excluded) >= {"756", "727"}  # Ikast-Brande, Odder
    for language in ("da", "en"):
        text = " ".join(caveats(egedal, language))
        assert "nul" not in text and "zero" not in text


def test_route25_pools_the_three_kommuner_over_every_set_of_three(route25):
    from evaltools import evaluate
    from evaltools.kommuner import all_kommuner

    t = route25.test
    assert t.enumerated and t.n_sets == math.comb(95, 3) == 138_415
    # each kommune's own estimate, recomputed through the one-kommune path with an explicit
    # comparison list: every kommune with complete data except the three
    treated = {"Egedal", "Ikast-Brande", "Odder"}
    others = [k.name for k in all_kommuner() if k.name not in treated]
    own = {}
    for name in sorted(treated):
        ev = evaluate(name, "kontanthjaelp_nettoledige", "2012K1", pre_start="2010K1", post_end="2014K2",
                      comparison=others)
        own[name] = ev.did.estimate
    assert {u.kommune.name: u.did.estimate for u in route25.units} == pytest.approx(own)
    assert t.estimate == pytest.approx(np.mean(list(own.values())))
    assert route25.p_value == pytest.approx((t.n_as_extreme + 1) / (t.n_sets + 1))
    assert 0 < route25.p_value <= 1


def test_route25_report_page_one_names_all_three(route25):
    from evaltools.report.group import GroupReport

    r = GroupReport(route25, "Route 25")
    text = r.front_page().text
    assert "Egedal, Ikast-Brande og Odder" in text
    assert "Alle 138.415 mulige sæt af tre kommuner blandt de 95 øvrige" in text
    assert "For tre kommuner af Egedals, Ikast-Brandes og Odders størrelse opdager testen" in text


BAD = {
    "duplicate": ("kommune: [Egedal, Odder, egedal]\n", "kommune: Egedal is listed more than once"),
    "duplicate_code": ("kommune: [Egedal, 240]\n", "kommune: Egedal is listed more than once"),
    "in_comparison": ("kommune: [Egedal, Odder]\ncomparison: [Odder, Lejre, Roskilde]\n",
                      "comparison: Odder is both in kommune and in comparison"),
    "empty": ("kommune: []\n", "kommune: is an empty list"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_treated_lists_fail_in_one_line_naming_the_key(tmp_path, capsys, case):
    text, message = BAD[case]
    run_refuses_in_one_line(tmp_path, capsys, case,
                            "outcome: kontanthjaelp_nettoledige\ninitiative: X\nstart: 2012K1\n" + text, message)


def test_route25_page_one_and_caveats_warn_for_each_kommune_whose_pre_period_checks_flag_it(route25):
    """Egedal's linear pre-trend (placebo-p 0,052 < 0,10) and Odder's joint test (p 0,07) are warnings
    in their own sections: page 1 must say so too, and the caveats must hold both, not only the first
    kommune's."""
    from evaltools.report.group import GroupReport
    from evaltools.text import verdict

    flagged = [u.kommune.name for u in route25.units if verdict(u, "da")["trend_warning"]]
    assert flagged == ["Egedal", "Odder"]
    r = GroupReport(route25, "Route 25")
    front = r.front_page().text
    assert ("Advarsel: Allerede før starten udviklede Egedal og Odder sig anderledes end resten af landet uden "
            "Egedal, Ikast-Brande og Odder (se hver kommune for sig).") in front
    method = r.method().text
    assert "mellem Egedal og resten af landet" in method and "udviklede Odder sig anderledes" in method
    assert method.count("Advarsel") == 2
    from evaltools.group_text import group_trend_warning

    assert group_trend_warning(route25, "en").startswith("Warning: Egedal and Odder already moved differently")
