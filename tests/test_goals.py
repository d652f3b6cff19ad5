"""A plan with several goals: Holm by hand, page 1 lists every goal, bad goals fail in one line."""

import html

import pytest

from evaltools.evaluation import evaluate
from evaltools.goals import evaluate_goals, holm
from evaltools.report.goals import GoalsReport, multiple_sentence
from cli_checks import run_refuses_in_one_line


def test_holm_by_hand():
    # sorted 0.01, 0.03, 0.04, 0.5 -> 4*0.01, max(0.04, 3*0.03), max(0.09, 2*0.04), max(0.09, 0.5)
    assert holm([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert holm([0.6, 0.9]) == pytest.approx([1.0, 1.0])


def test_multiple_comparisons_sentence_matches_the_issue():
    assert multiple_sentence(6, 6).startswith("Med 6 mål forventes omkring 0,3 at se tydelige ud alene ved tilfældighed")
    # one goal that could be calculated: nothing to adjust for, and the sentence says so
    assert multiple_sentence(1, 6) == ("Kun 1 af planens 6 mål kunne beregnes, så der er ingen flere sammenligninger "
                                       "at justere for; de 5 andre står i tabellen.")
    assert "5 af planens 7 mål kunne ikke beregnes" in multiple_sentence(2, 7)


GOALS = [
    {"label": "Færre kontanthjælpsmodtagere", "direction": "fald", "outcome": "kontanthjaelp_nettoledige"},
    {"label": "Flere i beskæftigelse", "direction": "stigning", "outcome": "fuldtidsbeskaeftigede", "target": "+2 %"},
    {"label": "Færre sygedagpengeforløb over 26 uger", "direction": "fald"},
]


def test_goals_share_the_design_and_are_holm_adjusted():
    ge = evaluate_goals("Lyngby-Taarbæk", GOALS, "2016K1", pre_start="2014K1", post_end="2016K4")
    raw = [evaluate("Lyngby-Taarbæk", g["outcome"], "2016K1", pre_start="2014K1", post_end="2016K4").p_value
           for g in GOALS[:2]]
    assert [g.evaluation.p_value for g in ge.tested] == pytest.approx(raw)
    assert [g.p_adjusted for g in ge.tested] == pytest.approx(holm(raw))
    assert ge.goals[2].status == "no_data" and ge.goals[2].evaluation is None
    r = GoalsReport(ge, "Plan 2016")
    page = html.unescape(r.front_page().html)
    for header in ["Mål", "Retning", "Vores beregning", "Placebo-p", "Justeret p (Holm)", "Vurdering"]:
        assert header in page
    for g in GOALS:
        assert g["label"] in page
    assert "ikke målbar med de tilgængelige data" in page
    assert "mål: +2 %" in page
    assert "Med 2 mål forventes omkring 0,1 at se tydelige ud alene ved tilfældighed" in page
    assert "Mål 3: Færre sygedagpengeforløb over 26 uger" in r.numbers().html
    # compared to what, and where the detectable effect is, as every page 1 says
    assert ("Sammenlignet med: Resten af landet er summen af de 97 øvrige kommuner (Danmarks Statistiks landstal "
            "minus kommunen og personer uden bopælskommune). Hvor store effekter testen kan opdage, står under "
            "hvert mål.") in page


def test_a_goals_pre_period_warnings_are_on_page_one():
    """The plan's goal 3 (kontanthjælp, Lyngby-Taarbæk from 2016K1): its section warns of a linear
    pre-trend and a fake start with p 0,01; page 1's row must not read as a clean 'noise'."""
    goal = [{"label": "Færre på offentlig forsørgelse", "direction": "fald", "outcome": "kontanthjaelp_nettoledige"}]
    ge = evaluate_goals("Lyngby-Taarbæk", goal, "2016K1", pre_start="2014K1", post_end="2016K4")
    ev = ge.goals[0].evaluation
    assert ev.pretrend_warning and ev.early_divergence is not None
    [row] = GoalsReport(ge, "Plan 2016").rows()
    assert row["assessment"] == ("kan ikke skelnes fra tilfældige udsving; advarsel: forskellig udvikling før start, "
                                 "forskel allerede før start")
    # Aarhus over the same years: no check flags it, so the assessment stands alone
    plain = evaluate_goals("Aarhus", goal, "2016K1", pre_start="2014K1", post_end="2016K4")
    assert GoalsReport(plain, "x").rows()[0]["assessment"] == "kan ikke skelnes fra tilfældige udsving"


def test_goals_not_fetched_get_commands_that_run_and_english_stays_english(cache):
    goals = [
        {"label": "Færre kontanthjælpsmodtagere", "direction": "fald", "outcome": "kontanthjaelp_nettoledige"},
        {"label": "Færre unge på offentlig forsørgelse", "direction": "fald", "outcome": "forsoergede_unge"},
        {"label": "Færre langtidsledige", "direction": "fald", "outcome": "langtidsledige"},
    ]
    ge = evaluate_goals("Lyngby-Taarbæk", goals, "2016K1", pre_start="2014K1", post_end="2016K4")
    assert [g.status for g in ge.goals[1:]] == ["not_fetched", "not_fetched"]  # empty cache: nothing fetched
    page = html.unescape(GoalsReport(ge, "Plan 2016").front_page().html)
    # --outcome takes one id: one command each
    assert ("(evaltools data fetch --outcome forsoergede_unge; evaltools data fetch --outcome langtidsledige)"
            in page)
    english = GoalsReport(evaluate_goals("Lyngby-Taarbæk", goals, "2016K1", pre_start="2014K1", post_end="2016K4",
                                         language="en"), "Plan 2016")
    text = html.unescape(english.front_page().html + english.numbers().html)
    assert "Only 1 of the plan's 3 goals could be calculated, so there are no multiple comparisons" in text
    assert "Adjusted for" not in text and "Assessment: " in text  # one goal: its own p, no adjustment to state


BAD = {
    "empty": ("goals: []\n", "goals: is an empty list"),
    "unknown": ("goals:\n  - {label: a, direction: fald, outcome: kontanthjaelp_nettoledige}\n"
                "  - {label: b, direction: fald, outcome: sygedagpenge}\n", "goals.2.outcome: Unknown outcome 'sygedagpenge'"),
    "frequency": ("goals:\n  - {label: a, direction: fald, outcome: kontanthjaelp_nettoledige}\n"
                  "  - {label: b, direction: fald, outcome: ledighedsprocent}\n",
                  "goals.2.outcome: ledighedsprocent is annual but goal 1 is quarterly"),
    "direction": ("goals:\n  - {label: a, direction: ned, outcome: kontanthjaelp_nettoledige}\n",
                  "goals.1.direction: input should be 'fald' or 'stigning'"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_goals_fail_in_one_line_naming_the_key(tmp_path, capsys, case):
    text, message = BAD[case]
    run_refuses_in_one_line(tmp_path, capsys, case, "kommune: Lyngby-Taarbæk\ninitiative: X\nstart: 2016K1\n" + text,
                            message)
