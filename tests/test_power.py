"""The minimum detectable effect: a hand calculation, and a simulation on the real DST snapshot."""

import numpy as np
import pytest

from evaltools.core.design import compute_gaps, make_design
from evaltools.core.inference import placebo_in_space
from evaltools.core.power import critical_value, minimum_detectable_effect, power_curve_t
from evaltools.data import load_panel
from evaltools.design import DEFAULT_POST, DEFAULT_PRE, core_panel


def test_critical_value_is_the_kth_largest_placebo_t():
    # 39 placebos: k = floor(0.05 * 40) = 2, so the second largest |t|
    t = np.arange(1, 40, dtype=float)
    t[::2] *= -1
    assert critical_value(t) == 38.0
    assert critical_value(t[:10]) == np.inf  # 10 placebos can never give p <= 0.05


def test_power_is_the_share_of_shifted_placebos_beyond_the_critical_value():
    # 19 placebo t's 0, 0.1, ..., 1.8 and one of 5: k = floor(0.05 * 21) = 1, so c = 5. A shift of
    # 3.3 takes only t = 1.8 (5.1) and t = 5 (8.3) beyond 5: 2 of 20; a shift of 5.5 takes all 20.
    t = np.concatenate([np.arange(19) / 10, [5.0]])
    assert critical_value(t) == 5.0
    assert power_curve_t(t, 3.3) == pytest.approx(2 / 20)  # 1.8 and 5.0
    assert power_curve_t(t, 5.5) == pytest.approx(1.0)


def _simulate(outcome: str, starts: list[str], sign: float) -> tuple[int, int]:
    """Each kommune in turn is 'treated': add exactly its MDE to its post-period (multiply its
    counts by e^MDE on the log scale), rerun the placebo test and count p <= 0.05."""
    panel = load_panel(outcome)
    cp = core_panel(panel)
    scale = panel.outcome.default_scale
    detected = draws = 0
    for start in starts:
        for code in cp.values.index:
            try:
                d = make_design(cp, code, start, scale=scale, default_pre=DEFAULT_PRE[cp.freq],
                                default_post=DEFAULT_POST[cp.freq])
            except Exception:  # a kommune without data in this window is no draw
                continue
            g = compute_gaps(cp, d)
            mde = minimum_detectable_effect(g)
            effect = mde.up if sign > 0 else mde.down  # the MDE of that direction
            assert max(mde.up, mde.down) == mde.effect
            shifted = cp.values.copy()
            cols = list(d.post)
            if scale == "log":
                shifted.loc[code, cols] = shifted.loc[code, cols] * np.exp(sign * effect)
            else:
                shifted.loc[code, cols] = shifted.loc[code, cols] + sign * effect
            cp2 = type(cp)(shifted, cp.aggregate, cp.national, cp.names, cp.label, cp.noun)
            p = placebo_in_space(compute_gaps(cp2, d)).p_value
            detected += p <= 0.05
            draws += 1
    return detected, draws


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_an_effect_of_exactly_the_mde_is_detected_about_80_percent_of_the_time(sign):
    # 97-98 kommuner x 4 start dates = about 390 draws per direction; binomial SE at 80 % is
    # about 0.02, so a tolerance of 0.06 (3 SE). Each direction gets its own MDE (up or down);
    # the report's "plus or minus" figure is the larger, so it has at least this power.
    detected, draws = _simulate("kontanthjaelp_nettoledige", ["2009K1", "2011K3", "2014K1", "2017K2"], sign)
    assert draws >= 380
    assert abs(detected / draws - 0.80) <= 0.06, (detected, draws)


def test_plan_prints_the_mde_fast_also_for_a_start_after_the_data(tmp_path):
    import resource
    import subprocess
    import sys

    from evaltools.evaluation import evaluate

    future = tmp_path / "future.yaml"
    future.write_text("kommune: Lejre\noutcome: kontanthjaelp_nettoledige\ninitiative: X\nstart: 2030K1\n",
                      encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    res = subprocess.run([sys.executable, "-m", "evaltools.cli", "plan", "params/lejre.yaml", str(future)],
                         capture_output=True, text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    out = res.stdout.splitlines()
    # the report's own number: same design, same MDE
    ev = evaluate("Lejre", "kontanthjaelp_nettoledige", "2012K3", pre_start="2010K3", post_end="2013K2")
    down, up = ev.mde_reader
    assert out[0] == ("params/lejre.yaml: For en kommune af Lejres størrelse opdager testen først en effekt med 80 "
                      f"procents sandsynlighed, når den er mindst et fald på {down:.0f} procent eller en stigning på "
                      f"{up:.0f} procent; mindre effekter kan være der, uden at testen opdager dem.")
    assert "start after the data ends: the most recent windows that fit" in out[3]
    assert "before 2023K1-2024K4, after 2025K1-2025K4" in out[3]  # the snapshot ends 2025K4
    # CPU time, not wall time: the test machine's 2 cores are shared; about 1.2 s when measured
    assert cpu_seconds < 3


def test_page_one_states_the_mde_in_both_languages():
    import html

    from evaltools.report.sections import Report

    for lang, words in (("da", "For en kommune af Lejres størrelse opdager testen først en effekt med 80 procents"),
                        ("en", "For a kommune of Lejre's size the test detects an effect with 80 per cent probability")):
        r = Report.build(kommune="Lejre", outcome="kontanthjaelp_nettoledige", start="2012K3", initiative="X",
                         pre_start="2010K3", post_end="2013K2", language=lang)
        assert words in html.unescape(r.front_page().html)


def test_level_scale_mde_gives_each_direction_its_own_size():
    """The placebo kommuner's t's are not symmetric, so a fall and a rise need different sizes to be
    detected (the simulation above checks each one's 80 %). Horsens' unemployment rate: 1.86 and
    1.61 procentpoint; the page once said "±1,9" for both, overstating the rise's."""
    from evaltools.evaluation import evaluate
    from evaltools.text import mde_sentence

    ev = evaluate("Horsens", "ledighedsprocent", "2013")
    assert ev.design.scale == "level"
    assert ev.mde_reader == (ev.mde.down, ev.mde.up)
    assert f"{ev.mde.down:.1f}" != f"{ev.mde.up:.1f}"
    down, up = (f"{x:.1f}".replace(".", ",") for x in ev.mde_reader)
    assert mde_sentence(ev) == ("For en kommune af Horsens' størrelse opdager testen først en effekt med 80 procents "
                                f"sandsynlighed, når den er mindst et fald på {down} procentpoint eller en stigning på {up} "
                                "procentpoint; mindre effekter kan være der, uden at testen opdager dem.")
    assert "a fall of " in mde_sentence(ev, "en") and "up or down" not in mde_sentence(ev, "en")


def test_the_mde_sentence_does_not_contradict_a_significant_smaller_estimate():
    """Vejle's full-time employees from 2016K1: +1.1 %, placebo p 0.01, while the design needs about
    1.4-2 % to detect an effect 80 % of the time. Page 1 said "an effect smaller than ... cannot be
    told apart from random fluctuation" next to "næppe tilfældig"; it now says what the test detects."""
    from evaltools.evaluation import evaluate
    from evaltools.text import mde_sentence, verdict

    ev = evaluate("Vejle", "fuldtidsbeskaeftigede", "2016K1")
    assert ev.p_value <= 0.05 and 0 < ev.effect < ev.mde_reader[1]
    sentence = mde_sentence(ev)
    assert "kan ikke skelnes" not in sentence and "opdager testen først en effekt med 80 procents" in sentence
    down, up = (fmt.replace(".", ",") for fmt in (f"{ev.mde_reader[0]:.1f}", f"{ev.mde_reader[1]:.1f}"))
    assert f"mindst et fald på {down} procent eller en stigning på {up} procent" in sentence  # one decimal below 10
    assert "næppe tilfældig" in verdict(ev)["sure"]
