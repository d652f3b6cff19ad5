"""The kommune evaluation against an independent calculation from the raw DST file."""

import csv
import math

import numpy as np
import pytest

from evaltools import evaluate
from evaltools.design import DesignError

QUARTERS_PRE = [f"{y}Q{q}" for y in (2010, 2011, 2012) for q in (1, 2, 3, 4)][2:10]  # 2010Q3-2012Q2
QUARTERS_POST = ["2012Q3", "2012Q4", "2013Q1", "2013Q2"]


@pytest.fixture(scope="module")
def raw(raw_dir):
    """{kommune name: {quarter: value}} straight from DST's AUK01 file (98 kommuner)."""
    with open(raw_dir / "kommuner.csv", encoding="utf-8") as fh:
        names = {r["navn"] for r in csv.DictReader(fh)}
    out: dict[str, dict[str, float]] = {}
    path = raw_dir / "dst_auk01_net_unemployed_social_assistance_kommune_quarterly_2007Q1_2025Q4.csv"
    with open(path, encoding="utf-8-sig") as fh:
        for r in csv.DictReader(fh, delimiter=";"):
            name = "København" if r["OMRÅDE"] == "Copenhagen" else r["OMRÅDE"]
            if name in names:
                out.setdefault(name, {})[r["TID"]] = float(r["INDHOLD"])
    assert len(out) == 98
    return out


def _did_t(own, comp):
    """Log-scale DiD and classical t for one kommune vs its comparison sums (plain formulae)."""
    gap = [math.log(own[q]) - math.log(comp[q]) for q in QUARTERS_PRE + QUARTERS_POST]
    pre, post = gap[:8], gap[8:]
    est = sum(post) / 4 - sum(pre) / 8
    resid = [g - sum(pre) / 8 for g in pre] + [g - sum(post) / 4 for g in post]
    sd = math.sqrt(sum(r * r for r in resid) / (12 - 2))
    return est, est / (sd * math.sqrt(1 / 8 + 1 / 4))


@pytest.fixture(scope="module")
def lejre():
    return evaluate("Lejre", "kontanthjaelp_nettoledige", "2012K3", pre_start="2010K3", post_end="2013K2")


def test_lejre_did_equals_independent_calculation(raw, lejre):
    rest = {q: sum(v[q] for k, v in raw.items() if k != "Lejre") for q in QUARTERS_PRE + QUARTERS_POST}
    est, t = _did_t(raw["Lejre"], rest)
    assert lejre.did.estimate == pytest.approx(est, rel=1e-12)
    assert lejre.did.t_stat == pytest.approx(t, rel=1e-9)
    assert lejre.effect == pytest.approx(100 * (math.exp(est) - 1))
    # the published report number: -27.9 per cent
    assert round(lejre.effect, 1) == -27.9


def test_lejre_placebo_rank_equals_independent_calculation(raw, lejre):
    quarters = QUARTERS_PRE + QUARTERS_POST
    total = {q: sum(v[q] for v in raw.values()) for q in quarters}
    _, t_lejre = _did_t(raw["Lejre"], {q: total[q] - raw["Lejre"][q] for q in quarters})
    placebo_t = []
    for name, own in raw.items():
        if name == "Lejre":
            continue
        comp = {q: total[q] - own[q] - raw["Lejre"][q] for q in quarters}  # real treated excluded
        placebo_t.append(_did_t(own, comp)[1])
    as_extreme = sum(abs(t) >= abs(t_lejre) for t in placebo_t)
    assert len(placebo_t) == 97
    assert lejre.placebo.n_as_extreme == as_extreme == 33
    assert lejre.placebo.p_value == pytest.approx((1 + as_extreme) / 98)
    assert lejre.placebo.rank == 34


def test_level_scale_compares_with_the_rest_scaled_to_lejres_size(raw):
    """On the level scale the rest of the country (97 kommuner) is scaled to Lejre's pre-period mean,
    so the difference is in Lejre's own persons: what the raw file gives, worked out plainly."""
    ev = evaluate("Lejre", "kontanthjaelp_nettoledige", "2012K3", pre_start="2010K3", post_end="2013K2", scale="level")
    own = raw["Lejre"]
    rest = {q: sum(v[q] for k, v in raw.items() if k != "Lejre") for q in QUARTERS_PRE + QUARTERS_POST}
    mean = lambda d, qs: sum(d[q] for q in qs) / len(qs)  # noqa: E731
    factor = mean(own, QUARTERS_PRE) / mean(rest, QUARTERS_PRE)  # 58.5 over the rest's pre-period mean
    expected = (mean(own, QUARTERS_POST) - mean(own, QUARTERS_PRE)) - factor * (
        mean(rest, QUARTERS_POST) - mean(rest, QUARTERS_PRE))
    assert ev.effect == pytest.approx(expected, rel=1e-9)
    assert round(ev.effect, 1) == -22.2  # persons in Lejre (58.5 before); unscaled it was -5,674: minus the rest's change
    # page 1 says how the rest moved in per cent, and what that pace means at Lejre's size
    from evaltools.text import verdict

    pct = 100 * (mean(rest, QUARTERS_POST) / mean(rest, QUARTERS_PRE) - 1)
    happened = verdict(ev, "da")["happened"]
    word = "steg" if pct > 0 else "faldt"
    assert f"I resten af landet {word} tallet {abs(pct):.1f} procent".replace(".", ",") in happened
    at_size = factor * (mean(rest, QUARTERS_POST) - mean(rest, QUARTERS_PRE))
    assert f"i samme takt ville Lejre være {word.replace('steg', 'steget').replace('faldt', 'faldet')} med {abs(at_size):.0f}" in happened


def test_an_after_period_cut_short_by_the_data_is_said_on_page_one():
    from evaltools.data import load_panel
    from evaltools.periods import format_period
    from evaltools.text import verdict

    last = load_panel("kontanthjaelp_nettoledige").periods[-1]
    start = format_period(last - 1)  # two quarters of data from the start, where the default is four
    ev = evaluate("Lejre", "kontanthjaelp_nettoledige", start)
    assert ev.design.post_cut_short == 4 and int(ev.gaps.is_post.sum()) == 2
    assert verdict(ev, "da")["caveat"].startswith(
        f"Efterperioden er kun 2 kvartaler, ikke 4, fordi data slutter i {format_period(last)}; ")
    assert verdict(ev, "en")["caveat"].startswith(
        f"The after-period is only 2 quarters, not 4, because the data end in {format_period(last, 'en')}; ")
    # chosen by the user (post_end), or a full default window: nothing to say
    chosen = evaluate("Lejre", "kontanthjaelp_nettoledige", start, post_end=format_period(last))
    full = evaluate("Lejre", "kontanthjaelp_nettoledige", format_period(last - 3))
    for e in (chosen, full):
        assert e.design.post_cut_short is None
        assert verdict(e, "da")["caveat"] == "Forskellen er ikke nødvendigvis en virkning af indsatsen."


def test_summary_is_english_and_carries_the_reports_warnings(lejre):
    text = lejre.summary()
    assert "estimate -27.86 per cent  95% placebo interval [-67.18, 58.59]" in text and "procent" not in text
    # the fake start the report warns about (2011Q1: -40.6 %, placebo p = 3/98) is in the summary too
    assert ("WARNING: with a fake start in 2011Q1, before the initiative, the same calculation finds a clear "
            "difference (-40.56 per cent, placebo p = 0.031); the change may have begun before the initiative") in text


def test_closed_form_placebo_matches_statsmodels_for_the_treated(lejre):
    assert lejre.placebo.estimate == pytest.approx(lejre.did.estimate, rel=1e-12)
    assert lejre.placebo.std_error == pytest.approx(lejre.did.std_error, rel=1e-9)


def test_group_means_are_the_raw_averages(raw, lejre):
    assert lejre.treated_means.pre == pytest.approx(np.mean([raw["Lejre"][q] for q in QUARTERS_PRE]))
    assert lejre.treated_means.post == pytest.approx(np.mean([raw["Lejre"][q] for q in QUARTERS_POST]))
    assert lejre.treated_means.pre == 58.5 and lejre.treated_means.post == 54.0


def test_numbers_table_shows_the_means_its_change_is_computed_from(raw):
    """A reader divides after by before and must get the change beside them. On the log scale the
    change is between geometric means; the table used to show arithmetic ones (18.690 -> 24.360
    beside +28,9 %, where 24.360 / 18.690 is +30,3 %), and 58,5 printed as 58 (half to even)."""
    import html
    import re

    from evaltools.report.sections import Report

    rest = {q: sum(v[q] for k, v in raw.items() if k != "Lejre") for q in QUARTERS_PRE + QUARTERS_POST}
    geo = lambda xs: float(np.exp(np.mean(np.log(xs))))  # noqa: E731
    lejre_pre, lejre_post = geo([raw["Lejre"][q] for q in QUARTERS_PRE]), geo([raw["Lejre"][q] for q in QUARTERS_POST])
    rest_pre, rest_post = geo([rest[q] for q in QUARTERS_PRE]), geo([rest[q] for q in QUARTERS_POST])
    r = Report.build(kommune="Lejre", outcome="kontanthjaelp_nettoledige", start="2012K3", initiative="X",
                     pre_start="2010K3", post_end="2013K2")
    text = re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", html.unescape(r.numbers().html)))
    da = lambda x, d: f"{x:,.{d}f}".replace(",", "_").replace(".", ",").replace("_", ".")  # noqa: E731
    change = lambda a, b: da(100 * (b / a - 1), 1)  # noqa: E731
    assert (f"Lejre {da(lejre_pre, 1)} {da(lejre_post, 1)} \u2212{change(lejre_pre, lejre_post)[1:]} %") in text
    assert f"Resten af landet {da(rest_pre, 0)} {da(rest_post, 0)} +{change(rest_pre, rest_post)} %" in text
    assert "geometriske gennemsnit, som ændringen er regnet af" in text
    assert (round(rest_pre), round(rest_post), change(rest_pre, rest_post)) == (18639, 24032, "28,9")


def test_numbers_round_half_away_from_zero_as_a_reader_does():
    from evaltools.formatting import fmt_number

    assert [fmt_number(58.5, 0), fmt_number(-58.5, 0), fmt_number(2.675, 2), fmt_number(0.25, 1, "en")] == [
        "59", "\u221259", "2,68", "0.3"]


def test_event_study_reference_is_zero_and_band_holds_placebos(lejre):
    es = lejre.events
    ref = list(es.periods).index(es.reference)
    assert str(es.reference) == "2012Q2"
    assert es.coefficients[ref] == 0.0
    assert (es.band_low <= es.band_high).all()
    assert 1 / 98 <= es.pretrend_p <= 1


def test_placebo_interval_contains_estimate_and_is_wider_than_classical(lejre):
    lo, hi = lejre.conf_int()
    clo, chi = lejre.conf_int_classical()
    assert lo < lejre.effect < hi
    assert hi - lo > chi - clo  # one treated unit: the classical interval is too narrow here


def test_time_placebos_use_only_pre_period(lejre):
    starts = [str(t.fake_start) for t in lejre.time_placebos]
    assert starts == ["2011Q1", "2011Q2", "2011Q3", "2011Q4", "2012Q1", "2012Q2"]


def test_verdict_is_honest_about_noise(lejre):
    v = lejre.verdict()
    assert "kan ikke skelnes fra tilfældige udsving" in v["sure"]
    assert "33 af 97 andre kommuner" in v["sure"]
    assert "ikke nødvendigvis en virkning" in v["caveat"]
    assert lejre.verdict("en")["verdict"] == "No clear difference from the comparison"


def test_rates_use_procentpoint_and_average_of_other_kommuner():
    ev = evaluate("Horsens", "ledighedsprocent", "2013")
    assert ev.effect_unit == "procentpoint"
    assert ev.comparison_name() == "gennemsnittet af de øvrige kommuner"
    assert ev.placebo.n_placebos == 97


def test_list_comparison_gladsaxe_vs_ballerup():
    ev = evaluate("Gladsaxe", "kontanthjaelp_nettoledige", "2012K1", comparison=["Ballerup"])
    assert ev.comparison_name() == "Ballerup"
    # placebo kommuner are compared with Ballerup too; Ballerup itself has no comparison left
    assert ev.placebo.n_placebos == 96
    # that needs no caveat: nothing is missing and nothing is zero
    from evaltools.text import caveats

    assert not any("placebo-testen" in c and "nul" in c for c in caveats(ev))


def test_one_period_window_is_named_once():
    ev = evaluate("Lyngby-Taarbæk", "ledighedsprocent", "2015", pre_start="2011", post_end="2015")
    assert ev.design.describe_windows() == ("2011-2014", "2015")


@pytest.mark.parametrize(
    "kwargs, field",
    [({"start": "2031K1"}, "start"), ({"start": "2007K3"}, "start"),  # no pre_start given: start is the cause
     ({"start": "2012K3", "post_end": "2026K1"}, "post_end"), ({"start": "2012"}, None)],
)
def test_design_errors(kwargs, field):
    with pytest.raises((DesignError, ValueError)) as info:
        evaluate("Lejre", "kontanthjaelp_nettoledige", **kwargs)
    if field:
        assert info.value.field == field


def test_national_comparison_refused_without_national_series():
    with pytest.raises(DesignError, match="no national series"):
        evaluate("Lejre", "ledighedsprocent", "2012", comparison="national")


@pytest.mark.parametrize("kommune", ["Lejre", "Horsens", "Gladsaxe", "Aarhus", "Læsø", "København"])
def test_placebo_interval_excludes_zero_exactly_when_p_at_most_5_percent(kommune):
    # Horsens 2012K3 has 4 placebos as extreme: p = 5/98 = 0.051, so its interval must include 0
    ev = evaluate(kommune, "kontanthjaelp_nettoledige", "2012K3")
    lo, hi = ev.placebo.conf_int()
    assert (lo > 0 or hi < 0) == (ev.p_value <= 0.05)


def test_horsens_borderline_case():
    ev = evaluate("Horsens", "kontanthjaelp_nettoledige", "2012K3")
    assert ev.placebo.n_as_extreme == 4 and ev.p_value == pytest.approx(5 / 98)
    lo, hi = ev.conf_int()
    assert lo < 0 < hi


def test_synthetic_control_recovers_known_weights():
    """Hand-made case: the treated series is exactly 0.3 A + 0.7 B before the start."""
    import types

    from evaltools.synth import fit_synthetic_control

    rng = np.random.default_rng(0)
    T, pre = 12, 8
    donors = np.exp(rng.normal(0, 0.2, size=(6, T)).cumsum(axis=1)) * 100
    dev = np.log(donors) - np.log(donors[:, :pre]).mean(axis=1, keepdims=True)
    treated_dev = 0.3 * dev[0] + 0.7 * dev[1]
    treated_dev[pre:] -= 0.1  # a 10 % log drop after the start
    levels = np.vstack([np.exp(treated_dev) * 50, donors])
    is_post = np.arange(T) >= pre
    g = types.SimpleNamespace(levels=levels, is_post=is_post, treated_index=0, codes=["T", "A", "B", "C", "D", "E", "F"],
                              design=types.SimpleNamespace(scale="log"))
    sc = fit_synthetic_control(g)
    assert sc.weights["A"] == pytest.approx(0.3, abs=1e-3) and sc.weights["B"] == pytest.approx(0.7, abs=1e-3)
    assert sum(sc.weights.values()) == pytest.approx(1.0)
    assert sc.effect == pytest.approx(100 * (np.exp(-0.1) - 1), abs=0.05)


def test_lejre_synthetic_control_agrees_with_the_main_estimate(lejre):
    sc = lejre.synthetic
    assert sc.pre_rmspe < 0.06
    assert sc.effect == pytest.approx(lejre.effect, abs=2.0)  # -27.6 vs -27.9 per cent
    assert "syntetiske kontrolgruppe på afvigelser fra eget gennemsnit" in \
        __import__("evaltools.text", fromlist=["x"]).synthetic_paragraph(lejre)


def test_lejre_estimators_side_by_side(lejre):
    t = lejre.estimators.set_index("method")
    assert list(t.index) == ["did", "sc", "sc_demeaned", "sdid"]
    assert t.loc["did", "estimate"] == pytest.approx(lejre.effect)
    assert t.loc["did", "p_value"] == pytest.approx(lejre.p_value)
    assert (t["n_placebos"] == 97).all()
    assert (t["estimate"] < 0).all() and (t["pre_rmspe"] > 0).all()


def test_lejre_diagnostics_disagree_and_page_one_says_so(lejre):
    from evaltools.text import verdict

    # the joint pre-trend test (p = 0.74) and the linear trend test do not flag; a fake start at 2011K1 does
    assert lejre.events.pretrend_p == pytest.approx(73 / 98)
    assert lejre.diagnostics == {"joint": False, "linear": False, "time_placebo": True}
    assert lejre.diagnostics_disagree
    v = verdict(lejre)
    assert "Lejres ændring er nr. 34 af 98" in v["sure"]
    assert "Testene for ens udvikling før start slår ikke ud (p = 0,74 og 0,15), men det beroliger ikke" in v["trend_warning"]
    assert lejre.tidy().iloc[0]["diagnostics_disagree"]


def test_methods_agree_only_when_they_share_a_direction_and_a_size():
    """Page 3 said "De 4 metoder er enige: alle finder Horsens højere" beside a table row of 0,0 %, and
    called +4,0 and +47,7 fuldtidspersoner agreement."""
    from evaltools.text import estimators_sentence

    lejre = evaluate("Lejre", "kontanthjaelp_nettoledige", "2012K3", pre_start="2010K3", post_end="2013K2")
    assert estimators_sentence(lejre).startswith("De 4 metoder er enige: alle finder Lejre lavere")  # -27.9 to -24.3
    zero = evaluate("Horsens", "fuldtidsbeskaeftigede", "2016K1")
    shown = [f"{x:.1f}" for x in zero.estimators["estimate"]]
    assert "0.0" in shown and all(float(x) >= 0 for x in shown)
    assert estimators_sentence(zero).startswith("Metoderne finder forskelle fra 0,0 til +0,4 procent; mindst én af dem "
                                                "finder ingen forskel")
    apart = evaluate("Horsens", "kontanthjaelp_nettoledige", "2019K1", comparison=["Vejle", "Aarhus", "Silkeborg"],
                     scale="level")
    est = apart.estimators["estimate"]
    assert (est > 0).all() and est.min() < 0.5 * est.max()
    assert estimators_sentence(apart).startswith("Metoderne peger i samme retning (Horsens højere end sammenligningen), "
                                                 "men skønnene spænder fra +4,0 til +47,7 fuldtidspersoner")


def test_a_named_comparison_group_keeps_its_capitals_in_the_table_and_legend():
    import matplotlib

    matplotlib.use("Agg")
    from evaltools.figures import plot_trends
    from evaltools.text import scaled_comparison_label

    ev = evaluate("Horsens", "kontanthjaelp_nettoledige", "2019K1", comparison=["Vejle", "Aarhus", "Silkeborg"],
                  scale="level")
    assert scaled_comparison_label(ev) == "Vejle, Aarhus og Silkeborg, skaleret til Horsens' størrelse"
    labels = [line.get_label() for line in plot_trends(ev).axes[0].lines]  # the lines are labelled directly
    assert "Vejle, Aarhus og Silkeborg" in labels, labels


def test_a_level_scale_rates_table_subtracts_to_its_change():
    """Horsens' unemployment rate against the other kommuner' average, from 2016: at one decimal the
    table read '5,1 4,0 −1,2' (5,134 -> 3,970); a reader subtracting got −1,1."""
    import html
    import re

    from evaltools.report.sections import Report

    r = Report.build(kommune="Horsens", outcome="ledighedsprocent", start="2016", initiative="X")
    text = re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", html.unescape(r.numbers().html)))
    rows = re.findall(r"(Horsens|Gennemsnittet af de øvrige kommuner) (\d+,\d\d) (\d+,\d\d) \u2212(\d+,\d\d)", text)
    assert len(rows) == 2, text[:400]
    for _, before, after, change in rows:
        to = lambda x: float(x.replace(",", "."))  # noqa: E731
        assert round(to(before) - to(after), 2) == to(change)


def test_an_unbounded_synthetic_interval_is_not_printed_as_millions_of_per_cent():
    """Lejre from 2025K3: two quarters after the start, and placebo fits so close that the de-meaned
    synthetic control's interval reaches +691 million per cent. The table says 'over +1.000'."""
    from evaltools.formatting import MINUS
    from evaltools.text import estimator_rows

    ev = evaluate("Lejre", "kontanthjaelp_nettoledige", "2025K3")
    t = ev.estimators.set_index("method")
    assert t.loc["sc_demeaned", "conf_high"] > 1e8 and t.loc["did", "conf_high"] == pytest.approx(139.5, abs=0.05)
    rows = {r["method"]: r["interval"] for r in estimator_rows(ev)}
    assert rows["Syntetisk kontrolgruppe (afvigelser fra eget gennemsnit)"] == f"{MINUS}100,0 – over +1.000"
    assert rows["Forskel-i-forskelle (hovedberegning)"] == f"{MINUS}58,7 – +139,5"


def test_page_one_names_a_comparison_kommune_left_out_of_the_placebo_test():
    """Læsø has 0 in 2024K3: it is in 'summen af de 97 øvrige kommuner' but cannot be a log-scale
    placebo, so page 1's '96 af 96 andre kommuner' says why it is one short."""
    from evaltools.text import verdict

    ev = evaluate("Lejre", "kontanthjaelp_nettoledige", "2025K3")
    assert ev.placebo.n_placebos == 96 and ev.placebo.excluded == ["825"]  # Læsø
    assert "96 af 96 andre kommuner (uden Læsø, der har værdien nul i en del af perioden) havde" in verdict(ev)["sure"]
    assert "(not counting Læsø: a value of zero in part of the period)" in verdict(ev, "en")["sure"]
    assert "(uden" not in verdict(evaluate("Lejre", "kontanthjaelp_nettoledige", "2012K3"))["sure"]


def test_the_method_section_states_the_warning_thresholds(lejre):
    """Horsens: a linear-trend placebo-p of 0,09 warns while fake starts at 0,051 do not: the reader
    is told why (the two checks have different bars)."""
    from evaltools.text import method_paragraphs

    da, en = " ".join(method_paragraphs(lejre, "da")), " ".join(method_paragraphs(lejre, "en"))
    assert "advarer, når en af de to tests har p under 0,10" in da and "(p højst 0,05)" in da
    assert "warns when either test has p below 0.10" in en and "(p at most 0.05)" in en


def test_a_named_comparison_that_nearly_every_kommune_beat_is_said_on_page_one():
    """Gladsaxe vs Ballerup (AUP02, 2008-2013): Gladsaxe 0,6 points below Ballerup, but 92 of the 96
    other kommuner were below Ballerup too, with a median of 0,98 points (hand count from the placebo
    estimates): the difference is about Ballerup as much as Gladsaxe."""
    import numpy as np

    from evaltools.text import verdict

    ev = evaluate("Gladsaxe", "ledighedsprocent", "2012", pre_start="2008", post_end="2013", comparison=["Ballerup"])
    est = np.asarray(ev.placebo.placebo_estimates)
    assert (est < 0).sum() == 92 and len(est) == 96 and np.median(est) == pytest.approx(-0.98375)
    assert ("Også 96 procent af de andre kommuner lå lavere, end hvis de havde fulgt udviklingen i Ballerup (typisk "
            "1,0 procentpoint lavere), så forskellen til Ballerup siger lige så meget om Ballerup som om Gladsaxe."
            ) in verdict(ev)["sure"]
    assert "96 per cent of the other kommuner were also lower than if they had followed the trend in Ballerup" in \
        verdict(ev, "en")["sure"]
    # against the rest of the country the placebos centre on zero: no such sentence
    assert "procent af de andre kommuner lå" not in verdict(evaluate("Gladsaxe", "ledighedsprocent", "2012",
                                                                      pre_start="2008", post_end="2013"))["sure"]
