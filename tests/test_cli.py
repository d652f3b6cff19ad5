"""The command line as a user runs it: bad input fails fast, in one line, and writes nothing."""

import subprocess
import sys

import pytest

from evaltools.cli import main

BAD = {
    "misspelt": ("kommune: Lejer\n", "Unknown kommune 'Lejer'. Did you mean: Lejre"),
    "unknown_key": ("kommune: Lejre\nkommitee: X\n", "kommitee: unknown key"),
    "outside": ("kommune: Lejre\nstart: 2031K1\n", "start: 2031K1 is outside the data"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_run_with_bad_params_exits_nonzero_in_one_line_and_writes_nothing(tmp_path, capsys, case):
    text, message = BAD[case]
    body = "outcome: kontanthjaelp_nettoledige\ninitiative: X\n" + text
    if "start:" not in text:
        body += "start: 2012K3\n"
    params = tmp_path / f"{case}.yaml"
    params.write_text(body, encoding="utf-8")
    out = tmp_path / "reports"
    code = main(["run", str(params), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert message in err
    assert len(err.splitlines()) == 1
    assert not out.exists()


def test_console_script_runs(tmp_path):
    res = subprocess.run([sys.executable, "-m", "evaltools.cli", "kommuner"], capture_output=True, text=True, check=True)
    lines = res.stdout.splitlines()
    assert len(lines) == 98
    assert lines[0].startswith("101  København")


def test_outcomes_lists_coverage(capsys, cache):
    assert main(["outcomes"]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[1:]}
    assert rows["kontanthjaelp_nettoledige"][1:5] == ["AUK01", "2007K1-2025K4", "fuldtidspersoner", "lower"]
    assert rows["ledighedsprocent"][4:7] == ["lower", "kommuner", "only"]
    assert rows["fuldtidsbeskaeftigede"][4] == "higher"
    assert rows["langtidsledige_unge"][1:4] == ["AULK04", "fetch", "first"]
    main(["outcomes", "--details"])
    assert "DST query: OMRÅDE=*, ENHED=1, ALDER=16-24,25-29; from 2009M01" in capsys.readouterr().out


def test_check(root, capsys):
    assert main(["check", str(root / "params" / "lejre.yaml")]) == 0
    assert "ok" in capsys.readouterr().out
