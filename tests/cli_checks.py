"""The command line as a user meets a mistake: one line, exit code 2, nothing written."""

from evaltools.cli import main


def run_refuses_in_one_line(tmp_path, capsys, name: str, body: str, message: str) -> None:
    """``evaltools run`` on a params file with ``body`` exits 2 with one line containing ``message``
    and leaves no output folder."""
    params = tmp_path / f"{name}.yaml"
    params.write_text(body, encoding="utf-8")
    out = tmp_path / "reports"
    code = main(["run", str(params), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert message in err, err
    assert len(err.splitlines()) == 1
    assert not out.exists()
