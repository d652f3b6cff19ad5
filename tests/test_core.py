"""The statistical core on data no one here wrote: California's Proposition 99 (Abadie, Diamond &
Hainmueller 2010), as shipped by synthdid-py 0.1.0 (the R package synthdid's data), and generic panels."""

import numpy as np
import pandas as pd
import pytest

import evaltools
from evaltools.core.panel import PanelError
from evaltools.core.design import DesignError


@pytest.fixture(scope="module")
def prop99_frame():
    from synthdid.datasets import load_california_prop99

    return load_california_prop99()


@pytest.fixture(scope="module")
def prop99(prop99_frame):
    panel = evaltools.Panel.from_frame(prop99_frame, unit="State", time="Year", value="PacksPerCapita", aggregate="mean")
    return evaltools.evaluate_panel(panel, "California", 1989)


def test_prop99_panel_shape(prop99):
    assert prop99.core_panel.values.shape == (39, 31)
    assert prop99.design.describe_windows("en") == ("1970-1988", "1989-2000")
    assert prop99.placebo.n_placebos == 38


def test_prop99_reproduces_table_1_of_arkhangelsky_et_al_2021(prop99):
    # AER 111(12), Table 1, California: SDID -15.6, SC -19.6, DID -27.3, DIFP -11.1
    est = prop99.estimators.set_index("method")["estimate"]
    assert list(est.index) == ["did", "sc", "sc_demeaned", "sdid"]
    assert round(est["did"], 1) == -27.3
    assert round(est["sc"], 1) == -19.6
    assert round(est["sdid"], 1) == -15.6
    assert round(est["sc_demeaned"], 1) == -11.1
    assert round(est["sc_demeaned"], 2) == -11.11  # the de-meaned fit evaltools had before (DIFP)


def test_prop99_estimates_equal_synthdid_py(prop99):
    # synthdid-py 0.1.0 (a port of the R package): did_estimate, sc_estimate, synthdid_estimate
    est = prop99.estimators.set_index("method")["estimate"]
    assert est["did"] == pytest.approx(-27.34911108361496, abs=1e-10)
    assert est["sc"] == pytest.approx(-19.61966347094402, abs=1e-8)
    assert est["sdid"] == pytest.approx(-15.603827872733845, abs=1e-8)
    assert prop99.effect == pytest.approx(-27.34911108361496, abs=1e-10)


def test_estimators_placebo_p_values_use_the_same_studentisation(prop99):
    t = prop99.estimators.set_index("method")
    assert t.loc["did", "p_value"] == prop99.p_value == pytest.approx(2 / 39)
    for m in ("sc", "sc_demeaned", "sdid"):
        assert t.loc[m, "p_value"] == pytest.approx(t.loc[m, "rank"] / 39)
        assert t.loc[m, "conf_low"] < t.loc[m, "estimate"] < t.loc[m, "conf_high"]
    # by hand for sc: gap = California - weighted donors; t = estimate / (sd * sqrt(1/19 + 1/12))
    w = prop99.estimator_weights["sc"]
    Y = prop99.core_panel.values
    gap = Y.loc["California"] - sum(v * Y.loc[k] for k, v in w.items())
    pre, post = gap.iloc[:19], gap.iloc[19:]
    sd = np.sqrt((((pre - pre.mean()) ** 2).sum() + ((post - post.mean()) ** 2).sum()) / 29)
    assert post.mean() == pytest.approx(t.loc["sc", "estimate"], abs=1e-9)
    from evaltools.core.estimators import synthetic_placebo, transformed_levels

    test, _, _ = synthetic_placebo(prop99.gaps, transformed_levels(prop99.gaps), "sc")
    assert test.treated_stat == pytest.approx(abs(post.mean()) / (sd * np.sqrt(1 / 19 + 1 / 12)))
    assert t.loc["sc", "pre_rmspe"] == pytest.approx(np.sqrt((pre**2).mean()))


@pytest.mark.parametrize("method", ["sc", "sc_demeaned", "sdid"])
def test_placebo_weights_solved_together_equal_one_solve_per_unit(prop99, method):
    # the placebo runs share one Frank-Wolfe batch; each must equal the unit solved on its own
    from evaltools.core import weights as W
    from evaltools.core.estimators import transformed_levels

    Y, is_post = transformed_levels(prop99.gaps), prop99.gaps.is_post
    california = list(prop99.gaps.codes).index("California")
    candidates = np.array([i for i in range(Y.shape[0]) if i != california])
    targets = np.array([california, *candidates[[0, 7, 20, 37]]])
    each = getattr(W, f"{method}_weights_each")(Y, targets, candidates, is_post)
    for p, target in enumerate(targets):
        donors = candidates[candidates != target]
        treated = np.r_[np.zeros(len(donors), dtype=bool), True]
        one = getattr(W, f"{method}_weights")(np.vstack([Y[donors], Y[target]]), treated, is_post)
        assert each.omega[p][candidates == target].sum() == 0.0
        np.testing.assert_allclose(each.omega[p][candidates != target], one.omega, rtol=0, atol=1e-9)
        np.testing.assert_allclose(each.lambda_[p], one.lambda_, rtol=0, atol=1e-9)
        assert each.omega_intercept == one.omega_intercept


def test_prop99_linear_pretrend_sees_the_trend_the_joint_test_misses(prop99):
    lt = prop99.linear_trend
    gap = prop99.gaps.gaps[prop99.gaps.treated_index, :19]
    slope = np.polyfit(np.arange(19), gap, 1)[0]
    assert lt.slope == pytest.approx(slope) and round(lt.slope, 2) == -1.23
    assert round(lt.t_stat, 1) == -11.6
    assert prop99.events.pretrend_p > 0.9
    assert lt.p_value < prop99.events.pretrend_p


def test_from_frame_needs_aggregate_and_names_bad_input(prop99_frame):
    with pytest.raises(PanelError, match="aggregate='sum'"):
        evaltools.Panel.from_frame(prop99_frame, unit="State", time="Year", value="PacksPerCapita")
    with pytest.raises(PanelError, match="columns not in the frame: Packs"):
        evaltools.Panel.from_frame(prop99_frame, unit="State", time="Year", value="Packs", aggregate="mean")
    bad = prop99_frame.assign(Year=prop99_frame["Year"].astype(str).replace({"1975": "75x"}))
    with pytest.raises(PanelError, match="column 'Year' has values that are not periods: 75x"):
        evaltools.Panel.from_frame(bad, unit="State", time="Year", value="PacksPerCapita", aggregate="mean")
    dup = pd.concat([prop99_frame, prop99_frame.iloc[:1]])
    with pytest.raises(PanelError, match=r"1 rows repeat|2 rows repeat"):
        evaltools.Panel.from_frame(dup, unit="State", time="Year", value="PacksPerCapita", aggregate="mean")


def test_unmatched_ids_are_an_error_naming_them(prop99_frame):
    panel = evaltools.Panel.from_frame(prop99_frame, unit="State", time="Year", value="PacksPerCapita", aggregate="mean")
    with pytest.raises(PanelError, match="treated State Californa not in the panel"):
        evaltools.evaluate_panel(panel, "Californa", 1989)
    with pytest.raises(PanelError, match="comparison State Texsa, Ohioo not in the panel"):
        evaltools.evaluate_panel(panel, "California", 1989, comparison=["Texsa", "Ohioo", "Utah"])
    with pytest.raises(DesignError, match="start 2005 is outside the data"):
        evaltools.evaluate_panel(panel, "California", 2005)


def test_kommune_build_panel_refuses_other_units(prop99_frame):
    # a frame of US states used to become a 98-kommune panel with no values
    from evaltools.data import get_outcome
    from evaltools.data.snapshot_io import build_panel

    long = prop99_frame.rename(columns={"State": "kode", "Year": "period", "PacksPerCapita": "value"})
    long["period"] = long["period"].astype(str)
    with pytest.raises(PanelError, match="not kommune codes: Alabama, Arkansas"):
        build_panel(get_outcome("ledighedsprocent"), long[["kode", "period", "value"]], {})


def _b(t: int) -> float:
    return 10 + t


def _c(t: int) -> float:
    return 20 + 2 * t + (t % 3 == 0)  # not proportional to B: each is a real placebo for the other


def _toy(aggregate):
    # unit A treated from period 5; B and C controls; A = B + C before, +6 after (hand-made)
    rows = []
    for t in range(1, 9):
        b, c = _b(t), _c(t)
        a = (b + c) + (6 if t >= 5 else 0)
        rows += [("A", t, a), ("B", t, b), ("C", t, c), ("D", t, 5.0 + t % 2)]
    return evaltools.Panel.from_frame(pd.DataFrame(rows, columns=["u", "t", "y"]), unit="u", time="t", value="y",
                                      aggregate=aggregate)


def test_integer_periods_and_the_aggregate_rule_by_hand():
    panel = _toy("sum")
    assert list(panel.periods) == list(range(1, 9)) and panel.freq == "N"
    ev = evaltools.evaluate_panel(panel, "A", 5, comparison=["B", "C"])
    assert ev.effect == pytest.approx(6.0)  # A - (B + C) jumps by 6
    ev_mean = evaltools.evaluate_panel(_toy("mean"), "A", 5, comparison=["B", "C"])
    # A - (B + C)/2 = (B + C)/2 + 6 after: the mean of (B+C)/2 rises by 1.5 * 4 = 6 between halves, plus 6
    pre = np.mean([(_b(t) + _c(t)) / 2 for t in range(1, 5)])
    post = np.mean([(_b(t) + _c(t)) / 2 for t in range(5, 9)])
    assert ev_mean.effect == pytest.approx(post - pre + 6)


def test_a_count_total_compared_on_levels_is_scaled_to_the_unit_by_hand():
    # A is a tenth of B + C before period 5 and 3 persons below that after; D is noise
    rows = []
    for t in range(1, 9):
        b, c = _b(t), _c(t)
        rows += [("A", t, (b + c) / 10 - (3 if t >= 5 else 0)), ("B", t, b), ("C", t, c), ("D", t, 5.0 + t % 2)]
    panel = evaltools.Panel.from_frame(pd.DataFrame(rows, columns=["u", "t", "y"]), unit="u", time="t", value="y",
                                       aggregate="sum")
    ev = evaltools.evaluate_panel(panel, "A", 5, comparison=["B", "C"])
    # B + C scaled by A's pre mean over theirs: 3.775 / 37.75 = 0.1, so the gap is 0 before and -3 after
    # (unscaled it would be A's change minus B + C's: 1.2 - 12 - 3 = -13.8)
    assert ev.gaps.comparison_scale[ev.gaps.treated_index] == pytest.approx(0.1)
    assert ev.effect == pytest.approx(-3.0)
    assert ev.comparison_means.pre == pytest.approx(3.775)  # the scaled group, as the numbers table shows it
    # rates are averaged, not summed: nothing is scaled
    assert evaltools.evaluate_panel(_toy("mean"), "A", 5, comparison=["B", "C"]).gaps.comparison_scale is None


def _frame(units: int = 6, noise: float = 0.0) -> pd.DataFrame:
    # y = 10 + unit + t, and +5 for U0 from period 7: a DiD of exactly 5 when there is no noise
    rng = np.random.default_rng(1)
    rows = [(f"U{u}", t, 10 + u + t + (5 if u == 0 and t >= 7 else 0) + noise * rng.normal())
            for u in range(units) for t in range(1, 13)]
    return pd.DataFrame(rows, columns=["unit", "time", "y"])


def _panel_of(df):
    return evaltools.Panel.from_frame(df, unit="unit", time="time", value="y", aggregate="mean")


def test_frames_that_cannot_be_evaluated_say_why_in_one_error():
    with pytest.raises(DesignError, match=r"the other units move in exact step .*\(no noise at all\)"):
        evaltools.evaluate_panel(_panel_of(_frame()), "U0", 7)  # noise-free: no placebo t can be formed
    with pytest.raises(DesignError, match=r"only 0 other unit\(s\) can serve as placebos .* at least 3 units in all"):
        evaltools.evaluate_panel(_panel_of(_frame(units=2, noise=0.3)), "U0", 7)
    bad = _frame(noise=0.3)
    bad.loc[3, "y"] = np.inf
    with pytest.raises(PanelError, match="column 'y' has infinite values"):
        _panel_of(bad)
    with pytest.raises(PanelError, match="give a pandas DataFrame .*, not a list"):
        _panel_of([])
    with pytest.raises(PanelError, match="the frame has no rows"):
        _panel_of(_frame().iloc[:0])
    # three units with some noise: the smallest panel that works
    assert evaltools.evaluate_panel(_panel_of(_frame(units=3, noise=0.3)), "U0", 7).effect == pytest.approx(5, abs=0.6)


def test_month_periods_parse():
    df = pd.DataFrame({"u": ["A", "A", "B", "B"], "t": ["2020M01", "2020M03", "2020-01", "2020-02"], "y": [1, 2, 3, 4]})
    panel = evaltools.Panel.from_frame(df, unit="u", time="t", value="y", aggregate="sum")
    assert panel.freq == "M" and len(panel.periods) == 3 and np.isnan(panel.values.loc["A"].iloc[1])


@pytest.mark.parametrize("seed", [0, 1])
def test_weights_with_several_treated_units_equal_synthdid_py(seed):
    # synthdid-py 0.1.0's random_low_rank panel: 100 controls, 10 treated, 120 pre and 20 post periods
    from synthdid import random_low_rank, sc_estimate, synthdid_estimate

    from evaltools.core import weights as W

    np.random.seed(seed)
    s = random_low_rank()
    Y, N0, T0 = s["Y"], s["N0"], s["T0"]
    treated, is_post = np.arange(Y.shape[0]) >= N0, np.arange(Y.shape[1]) >= T0
    sdid = W.weighted_estimate(Y, treated, is_post, W.sdid_weights(Y, treated, is_post))
    sc = W.weighted_estimate(Y, treated, is_post, W.sc_weights(Y, treated, is_post))
    assert sdid == pytest.approx(float(synthdid_estimate(Y, N0, T0)), abs=1e-9)
    assert sc == pytest.approx(float(sc_estimate(Y, N0, T0)), abs=1e-9)
    did = W.weighted_estimate(Y, treated, is_post, W.did_weights(Y, treated, is_post))
    assert did == pytest.approx(Y[treated][:, is_post].mean() - Y[treated][:, ~is_post].mean()
                                - Y[~treated][:, is_post].mean() + Y[~treated][:, ~is_post].mean())


def _step_then_argmin(V, Gi, cmask, d, a):
    """The Frank-Wolfe step's two scalar loops, as the solver had them before they were fused."""
    V = V.copy()
    best, at = np.inf, -1
    for m in range(len(V)):
        V[m] = V[m] + d * Gi[m]
    for m in range(len(V)):
        h = a * V[m] - cmask[m]
        if h < best:
            best, at = h, m
    return V, at, best


def _fused_step():
    """The solver's fused step (an LLVM intrinsic: callable from compiled code only)."""
    from numba import njit

    from evaltools.core.weights import _step_argmin

    return njit(lambda V, Gi, cmask, d, a: _step_argmin(V, Gi, cmask, d, a))


def _argmin_only():
    from numba import njit

    from evaltools.core.weights import _argmin

    return njit(lambda V, cmask, a: _argmin(V, cmask, a))


@pytest.mark.parametrize("seed", range(20))
def test_fused_step_equals_the_scalar_loops_to_the_bit(seed):
    from evaltools.core.weights import LANES

    _step_argmin = _fused_step()

    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 40))
    K = -(-k // LANES) * LANES
    V, Gi, cmask = np.zeros(K), np.zeros(K), np.full(K, -np.inf)
    V[:k], Gi[:k], cmask[:k] = rng.normal(size=k), rng.normal(size=k), rng.normal(size=k)
    cmask[:k][rng.random(k) < 0.2] = -np.inf  # candidates not allowed
    if seed % 3 == 0 and k > 2:  # ties: the first index must win, whichever lane it is in
        V[:k], Gi[:k], cmask[:k] = 1.0, 0.5, 2.0
    d, a = float(rng.random()), float(rng.random() + 0.5)
    want_V, want_at, want_best = _step_then_argmin(V, Gi, cmask, d, a)
    got_V = V.copy()
    got_at, got_best = _step_argmin(got_V, Gi, cmask, d, a)
    assert got_V.tobytes() == want_V.tobytes()
    assert (got_at, got_best) == (want_at, want_best) or (want_at == -1 and got_at == -1)
    assert got_at < k  # the padding (gradient +inf) is never chosen
    # the argmin alone (no update), as the solver asks for it after a vertex step or a recount
    _, want_at, want_best = _step_then_argmin(V, np.zeros(K), cmask, 0.0, a)
    got = _argmin_only()(V, cmask, a)
    assert got == (want_at, want_best) or (want_at == -1 and got[0] == -1)


def test_fused_step_ties_go_to_the_first_index_across_lanes():
    _step_argmin = _fused_step()

    V = np.array([3.0, 2.0, 5.0, 1.0, 4.0, 1.0, 1.0, 9.0])  # minimum 1.0 at 3 (lane 3), 5 and 6 (lanes 1, 2)
    at, best = _step_argmin(V.copy(), np.zeros(8), np.zeros(8), 0.0, 1.0)
    assert (at, best) == (3, 1.0)
    cmask = np.array([0.0, 0.0, 0.0, -np.inf, 0.0, 0.0, 0.0, 0.0])  # 3 not allowed: 5 is next
    assert _step_argmin(V.copy(), np.zeros(8), cmask, 0.0, 1.0) == (5, 1.0)
    assert _step_argmin(V.copy(), np.zeros(8), np.full(8, -np.inf), 0.0, 1.0)[0] == -1  # nothing allowed
    assert _argmin_only()(V, np.zeros(8), 1.0) == (3, 1.0)
    assert _argmin_only()(V, cmask, 1.0) == (5, 1.0)
