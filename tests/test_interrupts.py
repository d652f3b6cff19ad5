"""Interrupts and changed data, as a user meets them (issue 10, findings 1, 2, 3, 5, 10)."""

import copy
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from pypdf import PdfReader

from evaltools.runner.engines import ENGINES
from evaltools.runner.run import run_report

pytestmark = pytest.mark.slow

EVALTOOLS = [sys.executable, "-m", "evaltools.cli"]


@pytest.fixture(scope="module")
def executed(root, tmp_path_factory):
    """Lejre's notebook, executed once (real data); PDFs are then rendered from it."""
    out = tmp_path_factory.mktemp("executed")
    run_report(root / "params" / "lejre.yaml", out_dir=out, formats=("ipynb",))
    return nbformat.read(out / "lejre" / "lejre.ipynb", as_version=4)


class CannedEngine:
    """An engine that returns an already executed notebook: the test is about what comes after."""

    name = "canned"

    def __init__(self, nb):
        self.nb = nb

    def execute(self, notebook, parameters, cwd):
        return copy.deepcopy(self.nb)

    def close(self, now=False):
        pass


def test_ctrl_c_while_a_figure_is_drawn_writes_no_pdf_and_the_rerun_builds_it(root, tmp_path, executed, monkeypatch):
    """WeasyPrint catches BaseException around drawing an SVG: the KeyboardInterrupt became a blank
    figure and the damaged PDF was written and reported as a success (finding 1)."""
    from weasyprint.svg import SVG

    monkeypatch.setenv("EVALTOOLS_PDF_ENGINE", "weasyprint")  # the engine that swallowed the interrupt
    monkeypatch.setitem(ENGINES, "canned", lambda: CannedEngine(executed))
    real_draw, drawn = SVG.draw, []

    def draw(self, *args, **kwargs):
        drawn.append(1)
        if len(drawn) == 1:  # Ctrl-C arrives while the first figure is being drawn
            os.kill(os.getpid(), signal.SIGINT)
        return real_draw(self, *args, **kwargs)

    monkeypatch.setattr(SVG, "draw", draw)
    with pytest.raises(KeyboardInterrupt):
        run_report(root / "params" / "lejre.yaml", out_dir=tmp_path, engine="canned")
    assert drawn  # the interrupt really came inside WeasyPrint's drawing
    assert not list(tmp_path.rglob("*.pdf")) and not list(tmp_path.rglob("*.ipynb"))
    assert not list(tmp_path.rglob(".*.part"))

    monkeypatch.setattr(SVG, "draw", real_draw)
    result = run_report(root / "params" / "lejre.yaml", out_dir=tmp_path, engine="canned")  # no --force needed
    page1 = PdfReader(str(result.pdf)).pages[0].extract_text()
    assert "Lejre Kommune" in page1
    assert f"data {result.metadata['hashes']['data']}" in page1  # the footer is there


@pytest.mark.parametrize("when", ["held", "after"])
def test_ctrl_c_after_the_report_is_written_says_it_is_complete(root, tmp_path, executed, monkeypatch, capsys, when):
    """An interrupted `run --force` said "no report was written" while the PDF had been replaced (a
    signal just after the files were renamed), or died with the signal after printing. The report is
    whole either way; the run says so and exits 0."""
    import evaltools.runner.run as run_module
    from evaltools.cli import main

    monkeypatch.setitem(ENGINES, "canned", lambda: CannedEngine(executed))
    monkeypatch.setattr(run_module, "get_engine", lambda name: CannedEngine(executed))
    real_write, real_others = run_module.atomic_write_files, run_module.other_outputs

    def write_then_signal(files):
        real_write(files)
        if when == "held":  # inside the last step: held, the kernel's shutdown is cut short
            os.kill(os.getpid(), signal.SIGINT)

    sent = []

    def signal_after_the_write(*args):  # as if it came just after that step: the run's handler raises
        if when == "after" and not sent:
            sent.append(1)
            os.kill(os.getpid(), signal.SIGINT)
        return real_others(*args)

    monkeypatch.setattr(run_module, "atomic_write_files", write_then_signal)
    monkeypatch.setattr(run_module, "other_outputs", signal_after_the_write)
    ctrl_c = signal.getsignal(signal.SIGINT)
    code = main(["run", str(root / "params" / "lejre.yaml"), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "note: interrupted after the report was written; it is complete" in err
    assert "no report was written" not in err
    assert "Lejre Kommune" in PdfReader(str(tmp_path / "lejre" / "lejre.pdf")).pages[0].extract_text()
    assert signal.getsignal(signal.SIGINT) == ctrl_c  # the CLI put Ctrl-C back as it was


def test_ctrl_c_while_a_cell_runs_is_one_line_and_leaves_nothing(root, tmp_path):
    # `evaltools run` interrupted while the kernel is busy with a cell: once, nbclient's abandoned
    # task added "Task exception was never retrieved" and a traceback after the one line
    marker = tmp_path / "cell-started"
    nb = nbformat.read(root / "notebooks" / "evaluering.ipynb", as_version=4)
    report_cell = next(i for i, c in enumerate(nb.cells) if "Report.build" in c.source)
    nb.cells.insert(report_cell + 1, nbformat.v4.new_code_cell(
        f"open({str(marker)!r}, 'w').close()\nimport time\ntime.sleep(120)"))
    nbformat.write(nb, str(tmp_path / "slow.ipynb"))
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc = subprocess.Popen([*EVALTOOLS, "run", str(root / "params" / "lejre.yaml"), "--notebook",
                             str(tmp_path / "slow.ipynb"), "--out", str(tmp_path / "out")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "TMPDIR": str(tmp)})
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.1)
    kernels = _descendants(proc.pid)
    assert any("ipykernel" in cmd for cmd in kernels.values()), kernels
    os.killpg(proc.pid, signal.SIGINT)  # the terminal's Ctrl-C
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err == "evaltools: error: interrupted; no report was written\n"
    time.sleep(0.5)
    assert _alive(kernels) == []
    assert os.listdir(tmp) == [] and not (tmp_path / "out").exists()


# -- batches: Ctrl-C from the terminal, SIGTERM from `kill` ----------------------------------------
def _descendants(pid: int) -> dict[int, str]:
    try:
        return {c.pid: " ".join(c.cmdline()) for c in psutil.Process(pid).children(recursive=True)}
    except psutil.Error:
        return {}


def _alive(pids) -> list[int]:
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.Error:
            pass
    return alive


def _finished(folder: Path) -> set[str]:
    return {p.parent.name for p in folder.glob("*/*.evaltools.json")}


def _tmpdir(out: Path) -> Path:
    """The batch's TMPDIR (its scratch folders and kernel sockets), to see that nothing is left there."""
    tmp = out.parent / "tmp"
    tmp.mkdir(exist_ok=True)
    return tmp


def _interrupted_batch(root, out: Path, folder: Path, send, extra=()) -> tuple[set[str], str]:
    """Start the batch, wait until one more report is finished, ``send`` the signal; check the aftermath."""
    before = _finished(folder) if folder.exists() else set()
    mtimes = {p: p.stat().st_mtime_ns for p in folder.glob("*/*.evaltools.json")}
    tmp = _tmpdir(out)
    proc = subprocess.Popen([*EVALTOOLS, "batch", str(root / "params" / "lejre.yaml"), "--kommuner",
                             "Lejre,Horsens,Egedal", "--out", str(out), "--workers", "1", "--no-progress", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "TMPDIR": str(tmp)})
    seen: dict[int, str] = {}
    deadline = time.monotonic() + 400
    rebuilt = lambda: {p for p in folder.glob("*/*.evaltools.json") if p.stat().st_mtime_ns != mtimes.get(p)}  # noqa: E731
    while not (folder.exists() and (_finished(folder) - before or rebuilt())):
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
        seen.update(_descendants(proc.pid))
        time.sleep(0.1)
    seen.update(_descendants(proc.pid))
    assert any("ipykernel" in cmd for cmd in seen.values()), seen  # a worker and its kernel were running
    send(proc)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.count("\n") == 1 and err.startswith("evaltools: error: interrupted"), err
    time.sleep(0.5)
    assert _alive(seen) == [], {pid: seen[pid] for pid in _alive(seen)}  # no worker, no kernel left
    assert os.listdir(tmp) == []  # no scratch folder, no kernel sockets
    # the ledger lists exactly the finished reports; nothing half-written, no lock left
    rows = json.loads((folder / "manifest.json").read_text())["reports"]
    finished = _finished(folder)
    assert {r["name"] for r in rows if r["status"] == "ok"} == finished
    assert all(r["status"] == "ok" for r in rows)
    assert {p.parent.name for p in folder.glob("*/*.pdf")} == finished
    n = len(finished)
    assert f"; the {n} finished report{'s are' if n != 1 else ' is'} kept and listed in the ledger" in err, err
    assert not list(folder.rglob(".*.part")) and not (folder / ".evaltools-batch.lock").exists()
    for r in rows:
        assert f"i {r['kommune']} Kommune" in " ".join(PdfReader(r["pdf"]).pages[0].extract_text().split())
    return finished, err


def test_interrupted_batches_keep_finished_reports_and_leave_no_process(root, tmp_path):
    """Ctrl-C in the terminal (SIGINT to the whole foreground group, workers included) and SIGTERM to
    the batch alone: workers and kernels are stopped, the ledger lists what finished, resume works
    (findings 1, 5, 10)."""
    out = tmp_path / "out"
    folder = out / "lejre-kommuner"
    first, _ = _interrupted_batch(root, out, folder, lambda p: os.killpg(p.pid, signal.SIGINT))
    second, _ = _interrupted_batch(root, out, folder, lambda p: p.send_signal(signal.SIGTERM))
    assert first < second
    proc = subprocess.run([*EVALTOOLS, "batch", str(root / "params" / "lejre.yaml"), "--kommuner",
                           "Lejre,Horsens,Egedal", "--out", str(out), "--workers", "1", "--no-progress"],
                          capture_output=True, text=True, timeout=400, env={**os.environ, "TMPDIR": str(_tmpdir(out))})
    assert proc.returncode == 0, proc.stderr
    assert os.listdir(_tmpdir(out)) == []
    assert f"{3 - len(second)} built, {len(second)} unchanged (skipped), 0 failed" in proc.stderr
    # a rebuild stopped after one report: overview.pdf and claims.pdf summed up the old reports, so
    # they go rather than stand beside a new one (the next run writes them again)
    assert (folder / "overview.pdf").exists() and (folder / "claims.pdf").exists()
    _, err = _interrupted_batch(root, out, folder, lambda p: os.killpg(p.pid, signal.SIGINT), extra=["--force"])
    assert "; overview.pdf and claims.pdf were removed (the next run writes them for the reports as they are then), run again" in err
    assert not (folder / "overview.pdf").exists() and not (folder / "claims.pdf").exists()


# -- finding 2 and 3 in one batch: changed data under the same name; two files named same.yaml ---------
def test_changed_data_rebuilds_and_same_named_files_give_two_reports(root, tmp_path, cache):
    from evaltools import evaluate
    from evaltools.data import load_panel
    from evaltools.data.importer import import_table
    from evaltools.hashing import panel_hash
    from evaltools.runner.batch import run_batch
    from test_runner_safety import PARAMS, _export

    def import_qa(scale):
        import_table(_export(tmp_path / "qa.csv", scale), name="qa", label="Kontanthjælp (egen)", unit="personer")
        return panel_hash(load_panel("import:qa"))

    for folder, kommune, outcome in (("a", "Lejre", "'import:qa'"), ("b", "Horsens", "kontanthjaelp_nettoledige")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same.yaml").write_text(PARAMS.format(kommune=kommune, outcome=outcome), encoding="utf-8")
    files = [tmp_path / "a" / "same.yaml", tmp_path / "b" / "same.yaml"]

    def batch():
        result = run_batch(files, out_dir=tmp_path / "out", notebook=root / "notebooks" / "evaluering.ipynb",
                           workers=1, progress=False)
        return result, {r["name"]: r for r in result.rows}

    old_hash = import_qa(1.0)
    first, rows = batch()
    assert {n: (r["kommune"], r["status"]) for n, r in rows.items()} == {"a-same": ("Lejre", "ok"),
                                                                        "b-same": ("Horsens", "ok")}
    for r in rows.values():
        assert f"i {r['kommune']} Kommune" in " ".join(PdfReader(r["pdf"]).pages[0].extract_text().split())
    overview = PdfReader(str(first.overview)).pages[0].extract_text()
    assert "Lejre" in overview and "Horsens" in overview
    assert rows["a-same"]["data_hash"] == old_hash

    new_hash = import_qa(1.3)  # re-imported under the same name: "replaces the earlier import:qa"
    assert new_hash != old_hash
    _, rows = batch()
    assert (rows["a-same"]["run"], rows["b-same"]["run"]) == ("built", "reused")
    assert rows["a-same"]["data_hash"] == new_hash
    page1 = PdfReader(rows["a-same"]["pdf"]).pages[0].extract_text()
    assert f"data {new_hash}" in page1 and old_hash not in page1
    fresh = evaluate("Lejre", "import:qa", "2012K3", pre_start="2010K3", post_end="2013K2")
    assert rows["a-same"]["estimate"] == pytest.approx(fresh.effect, rel=1e-12)


def test_an_existing_report_built_from_other_params_says_so(root, tmp_path, executed, monkeypatch):
    """After a re-import or a params change, `run` answered only 'already exists; use --force'."""
    from evaltools.runner.run import ReportExistsError

    monkeypatch.setitem(ENGINES, "canned", lambda: CannedEngine(executed))
    run_report(root / "params" / "lejre.yaml", out_dir=tmp_path, engine="canned", formats=("pdf", "ipynb"))
    with pytest.raises(ReportExistsError) as same:
        run_report(root / "params" / "lejre.yaml", out_dir=tmp_path, engine="canned")
    assert str(same.value) == f"{tmp_path / 'lejre' / 'lejre.pdf'} already exists; use --force to replace it"
    changed = tmp_path / "params" / "lejre.yaml"
    changed.parent.mkdir()
    changed.write_text((root / "params" / "lejre.yaml").read_text(encoding="utf-8").replace("2013K2", "2013K4"),
                       encoding="utf-8")
    with pytest.raises(ReportExistsError) as other:
        run_report(changed, out_dir=tmp_path, engine="canned")
    assert str(other.value).endswith("lejre.pdf already exists, built with other params; use --force to replace it")


@pytest.mark.parametrize("signum, after", [(signal.SIGTERM, 0.4), (signal.SIGTERM, 1.2), (signal.SIGINT, 0.4)])
def test_a_run_stopped_in_its_first_second_says_so_and_leaves_no_kernel_files(root, tmp_path, signum, after):
    """SIGTERM in the first second of `run` exited 143 with no word and left the kernel's folder
    with its connection file (and HMAC key) in TMPDIR."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    proc = subprocess.Popen([*EVALTOOLS, "run", str(root / "params" / "lejre.yaml"), "--out", str(tmp_path / "out")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(after)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.startswith("evaltools: error: interrupted") and "no report was written" in err
    assert os.listdir(tmp) == [] and not (tmp_path / "out" / "lejre").exists()
