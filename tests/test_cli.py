"""The command line as a user runs it: bad input fails fast, in one line, and writes nothing."""

import subprocess
import sys

import pytest

from evaltools.cli import main
from cli_checks import run_refuses_in_one_line

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
    run_refuses_in_one_line(tmp_path, capsys, case, body, message)


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


def test_check_a_folder_checks_its_params_files(root, capsys):
    assert main(["check", str(root / "params")]) == 0
    out = capsys.readouterr().out.splitlines()
    expected = sorted(p for p in (root / "params").iterdir() if p.suffix == ".yaml")  # not params/fetched/
    assert out == [f"{p}: ok" for p in expected] and len(out) == 8


GOOD = "kommune: Lejre\noutcome: kontanthjaelp_nettoledige\ninitiative: X\nstart: 2012K3\n"


def test_latin1_params_file_in_a_batch_fails_alone_in_one_line(tmp_path, capsys):
    folder = tmp_path / "params"
    folder.mkdir()
    (folder / "koege.yaml").write_bytes((GOOD + "committee: Beskæftigelsesudvalget\n").encode("latin-1"))
    (folder / "typo.yaml").write_text(GOOD + "Kommune: Køge\n", encoding="utf-8")
    code = main(["batch", str(folder), "--out", str(tmp_path / "reports"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1  # reports failed; the batch itself ran to the end
    assert "Traceback" not in err
    failed = [line.strip() for line in err.splitlines() if line.startswith("  ")]
    assert len(failed) == 2
    assert failed[0].startswith("koege") and "koege.yaml: is not UTF-8 text" in failed[0] and "save it as UTF-8" in failed[0]
    assert "Kommune: unknown key (did you mean 'kommune'?" in failed[1]


def test_check_reports_every_bad_file_in_one_line_each(tmp_path, capsys):
    latin = tmp_path / "latin.yaml"
    latin.write_bytes((GOOD + "committee: Beskæftigelsesudvalget\n").encode("latin-1"))
    twice = tmp_path / "twice.yaml"
    twice.write_text(GOOD + "start: 2013K1\n", encoding="utf-8")
    octal = tmp_path / "octal.yaml"
    octal.write_text(GOOD.replace("Lejre", "0350"), encoding="utf-8")
    assert main(["check", str(latin), str(twice), str(octal)]) == 2
    out, err = capsys.readouterr()
    assert out.strip() == f"{octal}: ok"
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert lines[0] == (f"evaltools: error: {latin}: is not UTF-8 text (byte 0xe6 on line 5); "
                        "save it as UTF-8 in your editor and try again")
    assert lines[1] == f"evaltools: error: {twice}: start: given twice (lines 4 and 5); keep one"


@pytest.mark.parametrize("argv, code, message", [
    (["data", "import", "{tmp}/missing.csv", "--name", "x", "--label", "x"], 2, "missing.csv: cannot be read"),
    (["data", "import", "{tmp}/good.yaml", "--name", "a b", "--label", "x"], 2, "name 'a b' may only use"),
    (["data", "fetch", "--outcome", "kontanthjaelp_nettoledige"], 2, "is embedded, not fetched from DST"),
    (["data", "fetch", "AUP02", "--alder"], 2, "--alder needs values"),
    (["run", "{tmp}/good.yaml", "--notebook", "{tmp}/nope.ipynb", "--out", "{tmp}/r"], 2, "notebook not found"),
    (["run", "{tmp}/good.yaml", "--format", "docx", "--out", "{tmp}/r"], 2, "unknown output format 'docx'"),
    (["batch", "{tmp}/empty", "--out", "{tmp}/r"], 2, "no params files (*.yaml) in"),
    (["batch", "{tmp}/good.yaml", "--executor", "dask", "--out", "{tmp}/r"], 2, "needs --scheduler"),
    (["batch", "{tmp}/good.yaml", "--kommuner", "Lejer", "--out", "{tmp}/r"], 2, "Did you mean: Lejre"),
    (["batch", "{tmp}/good.yaml", "--kommuner", " , ", "--out", "{tmp}/r"], 2, "--kommuner: no kommune in ' , '"),
])
def test_user_errors_are_one_line_with_their_exit_code(tmp_path, capsys, argv, code, message):
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "empty").mkdir()
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == code
    err = capsys.readouterr().err.strip()
    assert err.startswith("evaltools: error: ") and len(err.splitlines()) == 1
    assert message in err
    assert not (tmp_path / "r").exists()


def test_every_error_class_a_user_can_meet_is_in_the_one_hierarchy():
    import importlib
    import inspect
    import pkgutil

    import evaltools
    from evaltools.errors import EvaltoolsError

    stray = []
    for info in pkgutil.walk_packages(evaltools.__path__, "evaltools."):
        module = importlib.import_module(info.name)
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if obj.__module__ == info.name and issubclass(obj, Exception) and not issubclass(obj, EvaltoolsError):
                stray.append(f"{info.name}.{name}")
    # the params YAML loader's own error is turned into a ParamsError before anyone sees it
    assert stray == ["evaltools.params_yaml.DuplicateKeyError"]


def test_the_command_line_does_not_build_the_iri_grammar_it_never_uses():
    # jsonschema (under nbformat) builds rfc3987-syntax's Lark grammar on import, 2-3 s, when
    # JupyterLab has installed it; evaltools never validates IRIs
    code = ("import importlib.util, sys; installed = importlib.util.find_spec('rfc3987_syntax') is not None; "
            "import evaltools.cli, nbformat; print(installed, repr(sys.modules.get('rfc3987_syntax')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    installed, module = out.split()
    if installed != "True":
        pytest.skip("rfc3987-syntax is not installed here")
    assert module == "None"


def test_a_finished_command_ignores_ctrl_c_while_python_shuts_down():
    """A Ctrl-C 0.15-0.4 s after `run --force` had written and printed its report killed the process
    by the signal while the interpreter shut down (a script saw a failure). Run as a program (no
    argv given), the CLI ignores Ctrl-C once its command is done; called as a function it does not."""
    code = ("import signal, sys\n"
            "from evaltools.cli import main\n"
            "sys.argv = ['evaltools', 'kommuner']\n"
            "before = signal.getsignal(signal.SIGINT)\n"
            "main(['kommuner'])\n"
            "as_function = signal.getsignal(signal.SIGINT) == before\n"
            "main()\n"
            "print(as_function, signal.getsignal(signal.SIGINT) == signal.SIG_IGN)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "True True"
