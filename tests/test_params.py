import textwrap

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


def test_misspelt_kommune_suggests(tmp_path):
    path = write(tmp_path, GOOD.replace("Lejre", "Lejer"))
    with pytest.raises(ParamsError, match=r"kommune: Unknown kommune 'Lejer'. Did you mean: Lejre"):
        load_params(path)


def test_start_outside_data(tmp_path):
    path = write(tmp_path, GOOD.replace("2012K3", "2031K1"))
    with pytest.raises(ParamsError, match=r"start: 2031K1 is outside the data .*2007K1-2025K4"):
        load_params(path)


def test_missing_key_and_malformed_yaml(tmp_path):
    with pytest.raises(ParamsError, match="initiative: is required"):
        load_params(write(tmp_path, GOOD.replace("initiative: Test\n", "")))
    with pytest.raises(ParamsError, match="not valid YAML at line 2"):
        load_params(write(tmp_path, "kommune: Lejre\noutcome: [a\n"))
    with pytest.raises(ParamsError, match="must be a mapping"):
        load_params(write(tmp_path, "- a\n- b\n"))
    with pytest.raises(ParamsError, match="no such params file"):
        load_params(tmp_path / "missing.yaml")


def test_unknown_outcome_suggests(tmp_path):
    with pytest.raises(ParamsError, match="Did you mean: kontanthjaelp_nettoledige"):
        load_params(write(tmp_path, GOOD.replace("kontanthjaelp_nettoledige", "kontanthjalp_nettoledige")))
