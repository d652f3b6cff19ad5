import textwrap

import yaml

import pytest

from evaltools.params import ParamsError, load_params

GOOD = """\
kommune: Lejre
outcome: kontanthjaelp_nettoledige
initiative: Test
start: 2012K3
"""


def write(tmp_path, text, name="p.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_example_params_file_is_valid(root):
    p = load_params(root / "params" / "lejre.yaml")
    assert (p.kommune, p.start, p.pre_start, p.post_end) == ("Lejre", "2012K3", "2010K3", "2013K2")
    assert p.committee == "Beskæftigelsesudvalget"


@pytest.mark.parametrize(
    "extra, key, fragment",
    [
        ("kommitee: X\n", "kommitee", "did you mean 'committee'"),
        ("scale: logg\n", "scale", "'log' or 'level'"),
        ("language: de\n", "language", "'da' or 'en'"),
        ("pre_start: 2012K1\n", "pre_start", "at least 4"),
        ("post_end: 2030K1\n", "post_end", "after the data ends"),
        ("comparison: [Ballerup, Lejer]\n", "comparison", "Did you mean: Lejre"),
        ("comparison: reest\n", "comparison", "(comparison is rest, national, or one or more kommuner)"),
        ("claim:\n  text: x\n  value: ti\n", "claim.value", "valid number"),
        ("pre_start: 2010K5\n", "pre_start", "pre_start: '2010K5' is not a period"),
        ("claim:\n  text: x\n  value: \"-77,3\"\n", "claim.value", "write it with a decimal point: -77.3"),
        ("report_date: 03-12-2026\n", "report_date", "write the date as YYYY-MM-DD, e.g. 2026-12-03"),
        ("claim: Ledigheden faldt\n", "claim", "claim: should be a mapping of keys (text, source, measure, value, exact)"),
    ],
)
def test_errors_name_the_key_and_the_file(tmp_path, extra, key, fragment):
    path = write(tmp_path, GOOD + extra)
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert info.value.key == key
    assert str(path) in str(info.value)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)
    assert f"{key}: {key}" not in str(info.value)  # the key is said once


def test_one_comparison_kommune_needs_no_list(tmp_path):
    assert load_params(write(tmp_path, GOOD + "comparison: Ballerup\n")).comparison == ["Ballerup"]
    assert load_params(write(tmp_path, GOOD + "comparison: rest\n")).comparison == "rest"


def test_a_folder_is_not_a_params_file(tmp_path):
    (tmp_path / "params").mkdir()
    with pytest.raises(ParamsError, match=r"params: is a folder, not a params file; name one .yaml file in it, "
                                          r"or build them all with: evaltools batch .*params$"):
        load_params(tmp_path / "params")


def test_misspelt_kommune_suggests(tmp_path):
    path = write(tmp_path, GOOD.replace("Lejre", "Lejer"))
    with pytest.raises(ParamsError, match=r"kommune: Unknown kommune 'Lejer'. Did you mean: Lejre"):
        load_params(path)


def test_start_outside_data(tmp_path):
    path = write(tmp_path, GOOD.replace("2012K3", "2031K1"))
    with pytest.raises(ParamsError, match=r"start: 2031K1 is outside the data .*2007K1-2025K4"):
        load_params(path)


def test_missing_key_and_malformed_yaml(tmp_path):
    with pytest.raises(ParamsError, match="start: is required"):
        load_params(write(tmp_path, GOOD.replace("start: 2012K3\n", "")))
    with pytest.raises(ParamsError, match="not valid YAML at line 2"):
        load_params(write(tmp_path, "kommune: Lejre\noutcome: [a\n"))
    with pytest.raises(ParamsError, match="must be a mapping"):
        load_params(write(tmp_path, "- a\n- b\n"))
    with pytest.raises(ParamsError, match="no such params file"):
        load_params(tmp_path / "missing.yaml")


def test_unknown_outcome_suggests(tmp_path):
    with pytest.raises(ParamsError, match="Did you mean: kontanthjaelp_nettoledige"):
        load_params(write(tmp_path, GOOD.replace("kontanthjaelp_nettoledige", "kontanthjalp_nettoledige")))


# -- issue 10, finding 8: params files as users really write them -----------------------------------


def test_latin1_file_is_one_line_naming_the_file_and_saying_utf8(tmp_path):
    path = tmp_path / "koege.yaml"
    path.write_bytes((GOOD + "committee: Beskæftigelsesudvalget\n").encode("latin-1"))
    with pytest.raises(ParamsError) as info:
        load_params(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: ") and "\n" not in msg
    assert "UTF-8" in msg and "line 5" in msg  # the line with 'æ'


def test_duplicated_key_names_the_key_and_both_lines(tmp_path):
    path = write(tmp_path, GOOD + "kommune: Horsens\n")
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert info.value.key == "kommune"
    assert "given twice (lines 1 and 5)" in str(info.value)


def test_duplicated_key_inside_the_claim_block(tmp_path):
    path = write(tmp_path, GOOD + "claim:\n  text: a\n  text: b\n")
    with pytest.raises(ParamsError, match=r"claim.text: given twice \(lines 6 and 7\)"):
        load_params(path)


def test_key_in_the_wrong_case_gets_did_you_mean(tmp_path):
    path = write(tmp_path, GOOD.replace("kommune:", "Kommune:"))
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert info.value.key == "Kommune"
    assert "did you mean 'kommune'" in str(info.value)
    assert "required" not in str(info.value)


def test_unknown_key_far_from_any_gets_the_list(tmp_path):
    with pytest.raises(ParamsError, match=r"zzz: unknown key; allowed keys: kommune, outcome"):
        load_params(write(tmp_path, GOOD + "zzz: 1\n"))


@pytest.mark.parametrize("code", ["0350", "350", "'0350'"])
def test_leading_zero_kommune_codes_are_codes_not_octal(tmp_path, code):
    from evaltools.kommuner import get_kommune

    p = load_params(write(tmp_path, GOOD.replace("Lejre", code)))
    assert get_kommune(p.kommune).name == "Lejre"


def test_leading_zero_codes_in_a_comparison_list(tmp_path):
    from evaltools.kommuner import get_kommune

    p = load_params(write(tmp_path, GOOD + "comparison: [0265, 0259]\n"))  # octal would be 181 and an error
    assert [get_kommune(c).name for c in p.comparison] == ["Roskilde", "Køge"]


def test_unquoted_date_gets_a_quarter_hint(tmp_path):
    with pytest.raises(ParamsError) as info:
        load_params(write(tmp_path, GOOD.replace("2012K3", "2012-07-01")))
    msg = str(info.value)
    assert info.value.key == "start"
    assert "write 2012K3" in msg and "datetime" not in msg


def test_start_on_the_first_period_says_there_is_no_pre_period(tmp_path):
    with pytest.raises(ParamsError) as info:
        load_params(write(tmp_path, GOOD.replace("2012K3", "2007K1")))
    msg = str(info.value)
    assert info.value.key == "start"
    assert "outside" not in msg
    assert "2007K1 is the first period in the data" in msg and "no pre-period" in msg


def test_start_too_early_for_the_default_pre_period_names_start(tmp_path):
    # data begin 2007K1: start 2007K3 leaves two pre-periods, the earliest start is 2008K1
    with pytest.raises(ParamsError) as info:
        load_params(write(tmp_path, GOOD.replace("2012K3", "2007K3")))
    assert info.value.key == "start"
    assert "earliest start is 2008K1" in str(info.value)


def test_pre_start_after_start_says_so(tmp_path):
    with pytest.raises(ParamsError) as info:
        load_params(write(tmp_path, GOOD + "pre_start: 2013K1\n"))
    msg = str(info.value)
    assert info.value.key == "pre_start"
    assert "pre_start: 2013K1 is after start 2012K3" in msg
    reason = msg.split("pre_start: ", 1)[1]  # not the file's path: pytest's tmp folders are pytest-0, -1, -2, ...
    assert "-2" not in reason  # no negative window length ("-2 periods")


def test_duplicates_in_a_comparison_list_are_removed():
    from evaltools import evaluate

    ev = evaluate("Lejre", "kontanthjaelp_nettoledige", "2012K3",
                  comparison=["Roskilde", "roskilde", 265, "Roskilde Kommune", "Køge"])
    assert ev.design.comparison == ("265", "259")  # unit ids in the core: Roskilde, Køge
    assert ev.comparison_name() == "Roskilde og Køge"


def test_initiative_may_be_left_out_and_the_title_then_says_the_default(tmp_path, root):
    """The notebook's parameters cell says initiative defaults to "Beskæftigelsesindsatsen"; a
    params file may leave it out too, and a plan or a group built without one (as a --kommuner
    batch builds the other kommuner's reports) is not titled "None"."""
    from evaltools.report.sections import Report

    params = load_params(write(tmp_path, "kommune: Lejre\noutcome: kontanthjaelp_nettoledige\nstart: 2012K3\n"))
    assert params.initiative is None
    plan = yaml.safe_load((root / "params" / "lyngby-taarbaek-plan-2016.yaml").read_text(encoding="utf-8"))
    plan.update(kommune="Gentofte", initiative=None, claim=None, outcome=None)
    assert Report.build(**plan).title == "Evaluering: Beskæftigelsesindsatsen i Gentofte Kommune"
    group = yaml.safe_load((root / "params" / "egedal-route25.yaml").read_text(encoding="utf-8"))
    group.update(initiative=None, language="en")
    assert Report.build(**group).title == "Evaluation: The employment initiative in Egedal, Ikast-Brande and Odder"
