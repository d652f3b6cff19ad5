"""A committee PDF is either right or not written (issue 10): file modes, all-or-none outputs,
output folders checked first, unique report names, one batch per folder, the data hash."""

import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evaltools.errors import BatchLockedError, OutputFolderError
from evaltools.runner.io import atomic_write_bytes, atomic_write_files, check_output_folder
from evaltools.runner.jobs import BatchNameError, plan_jobs
from evaltools.runner.lock import LOCK_NAME, batch_lock

EVALTOOLS = [sys.executable, "-m", "evaltools.cli"]
PARAMS = """\
kommune: {kommune}
outcome: {outcome}
initiative: Test
start: 2012K3
pre_start: 2010K3
post_end: 2013K2
report_date: 2026-11-22
"""


@pytest.fixture
def umask():
    """Set the umask for one test and put the old one back."""
    old = os.umask(0o022)
    os.umask(old)
    yield lambda mask: os.umask(mask)
    os.umask(old)


# -- finding 7: every output was 0600 whatever the umask ------------------------------------------
def test_outputs_follow_the_umask_also_when_replacing(tmp_path, umask):
    umask(0o022)
    path = atomic_write_bytes(tmp_path / "r" / "report.pdf", b"%PDF-1")
    assert path.stat().st_mode & 0o777 == 0o644
    path.chmod(0o600)  # a report written by an earlier version: --force replaces it with the umask's mode
    atomic_write_bytes(path, b"%PDF-2")
    assert path.stat().st_mode & 0o777 == 0o644 and path.read_bytes() == b"%PDF-2"
    umask(0o077)
    atomic_write_bytes(path, b"%PDF-3")
    assert path.stat().st_mode & 0o777 == 0o600


def test_ledger_and_cache_files_follow_the_umask(tmp_path, umask, cache):
    import pandas as pd

    from evaltools.data.cache import store
    from evaltools.runner.ledger import Ledger

    umask(0o022)
    ledger = Ledger(tmp_path)
    ledger.record({"name": "lejre", "status": "ok"})
    stored = store(pd.DataFrame({"kode": ["350"], "period": ["2012Q3"], "value": [1.0]}), {"outcome": "x"}, "k1")
    for path in (tmp_path / "manifest.csv", tmp_path / "manifest.json", stored, stored.with_suffix(".json")):
        assert path.stat().st_mode & 0o777 == 0o644, path


# -- finding 6: a full disk left the PDF without its .ipynb -----------------------------------------
def test_a_reports_outputs_are_all_written_or_none(tmp_path, monkeypatch):
    old_pdf = tmp_path / "lejre.pdf"
    old_pdf.write_bytes(b"old")
    real_fsync, calls = os.fsync, []

    def fsync(fd):
        calls.append(fd)
        if len(calls) == 2:  # the second file hits a full disk
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError, match="No space left"):
        atomic_write_files({old_pdf: b"new pdf", tmp_path / "lejre.ipynb": b"{}"})
    assert old_pdf.read_bytes() == b"old"  # not replaced, since its partner could not be written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lejre.pdf"]  # no .ipynb, no temp files


def _read_only_folder(tmp_path: Path) -> Path:
    """A folder nobody can write to: chmod for ordinary users; root ignores modes, so chattr +i."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
    elif subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("running as root without chattr +i: no way to make a read-only folder")
    return folder


@pytest.fixture
def read_only(tmp_path):
    folder = _read_only_folder(tmp_path)
    yield folder
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o755)


@pytest.mark.parametrize("command", ["run", "batch"])
@pytest.mark.parametrize("where", ["read-only", "file", "under a file"])
def test_output_folder_problems_are_one_line_before_any_computing(root, tmp_path, read_only, command, where):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    out = {"read-only": read_only, "file": a_file, "under a file": a_file / "reports"}[where]
    started = time.perf_counter()
    proc = subprocess.run([*EVALTOOLS, command, str(root / "params" / "lejre.yaml"), "--out", str(out)],
                          capture_output=True, text=True, timeout=60)
    seconds = time.perf_counter() - started
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(f"evaltools: error: output folder {out}")
    assert seconds < 3, f"took {seconds:.1f} s"


def test_check_output_folder_makes_a_missing_folder(tmp_path):
    assert check_output_folder(tmp_path / "a" / "b").is_dir()
    with pytest.raises(OutputFolderError, match="is a file"):
        (tmp_path / "f").write_text("")
        check_output_folder(tmp_path / "f" / "b")


# -- finding 3: same-stem params files overwrote each other ----------------------------------------
def test_same_stem_files_get_distinct_names_and_a_file_given_twice_runs_once(root, tmp_path):
    for folder, kommune in (("a", "Lejre"), ("b", "Horsens")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same.yaml").write_text(
            PARAMS.format(kommune=kommune, outcome="kontanthjaelp_nettoledige"), encoding="utf-8")
    a, b = tmp_path / "a" / "same.yaml", tmp_path / "b" / "same.yaml"
    jobs = plan_jobs([a, b, a, tmp_path / "a"])
    assert [(j.name, j.kommune) for j in jobs] == [("a-same", "Lejre"), ("b-same", "Horsens")]
    lejre = root / "params" / "lejre.yaml"
    assert [j.name for j in plan_jobs([lejre, lejre], "Lejre,Horsens,350")] == ["lejre-lejre", "lejre-horsens"]


def test_names_that_cannot_be_told_apart_are_refused_naming_both_files(tmp_path):
    for folder in ("x/a", "y/a"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "same.yaml").write_text(
            PARAMS.format(kommune="Lejre", outcome="kontanthjaelp_nettoledige"), encoding="utf-8")
    with pytest.raises(BatchNameError) as err:
        plan_jobs([tmp_path / "x" / "a" / "same.yaml", tmp_path / "y" / "a" / "same.yaml"])
    assert "x/a/same.yaml and" in str(err.value) and "y/a/same.yaml would both become report 'a-same'" in str(err.value)


# -- finding 4: two batches into one folder at once ------------------------------------------------
def test_a_second_batch_into_a_locked_folder_is_refused_in_one_line(root, tmp_path):
    folder = tmp_path / "out" / "lejre-kommuner"
    folder.mkdir(parents=True)
    with batch_lock(folder):
        proc = subprocess.run([*EVALTOOLS, "batch", str(root / "params" / "lejre.yaml"), "--kommuner", "Lejre",
                               "--out", str(tmp_path / "out"), "--no-progress"],
                              capture_output=True, text=True, timeout=120)
        assert json.loads((folder / LOCK_NAME).read_text())["pid"] == os.getpid()
        with pytest.raises(BatchLockedError):  # also within one process
            with batch_lock(folder):
                pass
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith(f"evaltools: error: {folder} is in use by another batch (pid {os.getpid()} on ")
    assert not (folder / "manifest.csv").exists() and not (folder / "lejre-lejre").exists()
    assert not (folder / LOCK_NAME).exists()  # released


def test_a_run_into_a_folder_a_batch_is_writing_is_refused(root, tmp_path):
    """`run --out reports/params --force` while `batch params/` ran there: the PDF had the new claim
    value, the batch's ledger and claims page the old one."""
    from evaltools.runner.lock import batch_running

    folder = tmp_path / "params"
    folder.mkdir()
    assert batch_running(folder) is None
    with batch_lock(folder):
        assert batch_running(folder)["pid"] == os.getpid()
        proc = subprocess.run([*EVALTOOLS, "run", str(root / "params" / "horsens.yaml"), "--out", str(folder), "--force"],
                              capture_output=True, text=True, timeout=120)
    assert batch_running(folder) is None
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith(f"evaltools: error: {folder} is in use by a batch (pid {os.getpid()} on ")
    assert not (folder / "horsens").exists()


def test_a_lock_left_by_a_dead_batch_is_taken_over(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / LOCK_NAME).write_text(json.dumps({"pid": int(dead.stdout), "host": "x", "started": "earlier"}))
    with batch_lock(tmp_path) as me:
        assert json.loads((tmp_path / LOCK_NAME).read_text()) == me and me["pid"] == os.getpid()


# -- finding 2: the data hash was the embedded snapshot's, whatever the data ------------------------
def _export(path: Path, scale_lejre: float = 1.0) -> Path:
    """The embedded AUK01 extract (real DST numbers) as a user's export; Lejre's numbers scaled."""
    from evaltools.data.snapshot_io import load_snapshot

    df = load_snapshot()
    df = df[(df["measure"] == "kontanthjaelp_nettoledige") & (df["kode"] != "000")].copy()
    df.loc[df["navn"] == "Lejre", "value"] *= scale_lejre
    df["Kvartal"] = df["period"].str.replace("Q", "K")
    df[["navn", "Kvartal", "value"]].rename(columns={"navn": "Kommune", "value": "Antal"}).to_csv(
        path, sep=";", index=False)
    return path


def test_the_data_hash_is_the_hash_of_the_data_used(tmp_path, cache):
    from evaltools.data import load_panel
    from evaltools.data.importer import import_table
    from evaltools.hashing import panel_hash

    def imported(scale):
        import_table(_export(tmp_path / "qa.csv", scale), name="qa", label="Test", unit="personer")
        return panel_hash(load_panel("import:qa"))

    first, same, changed = imported(1.0), imported(1.0), imported(1.3)
    assert first == same != changed
    assert panel_hash(load_panel("kontanthjaelp_nettoledige")) not in (first, changed)  # no national series


def test_a_plan_hashes_every_goal_and_counts_an_unfetched_one_as_missing(tmp_path, cache):
    """The goals report and the batch ledger share outcomes_hash: a goal whose data arrive later
    (fetched or imported) changes the hash, so resume rebuilds the plan's report."""
    from evaltools.data import load_panel
    from evaltools.data.importer import import_table
    from evaltools.hashing import outcomes_hash, panel_hash

    embedded = "kontanthjaelp_nettoledige"
    assert outcomes_hash([embedded]) == panel_hash(load_panel(embedded))  # one outcome: its panel's hash
    assert outcomes_hash([None]) is None  # a goal with no data at all hashes nothing
    before = outcomes_hash([embedded, "import:qa", None])  # import:qa does not exist yet
    import_table(_export(tmp_path / "qa.csv", 1.0), name="qa", label="Test", unit="personer")
    after = outcomes_hash([embedded, "import:qa", None])
    assert before != after
    assert after == outcomes_hash([embedded, "import:qa"])  # the unmeasurable goal adds nothing


def test_bad_input_stops_the_kernel_started_in_the_background(root, tmp_path, monkeypatch):
    # `run` starts its kernel before it checks the params file; a mistake must not leave it running
    import tempfile

    import psutil

    from evaltools.params import ParamsError
    from evaltools.runner import processes
    from evaltools.runner.run import run_report

    bad = tmp_path / "bad.yaml"
    bad.write_text("kommune: Lejre\noutcome: kontanthjaelp_nettoledige\n", encoding="utf-8")  # no start
    tmp = tmp_path / "tmp"  # where the kernel's sockets go
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    before = processes.children()
    started = time.perf_counter()
    with pytest.raises(ParamsError, match="start"):
        run_report(bad, out_dir=tmp_path / "out")
    assert time.perf_counter() - started < 2  # the error does not wait for the kernel (~4 s to start and warm)
    # a kernel caught mid-launch is shut down by its start thread as soon as the launch returns
    # (seconds on a loaded machine); the error itself never waits for that
    deadline = time.monotonic() + 15
    while (processes.alive(list(processes.children() - before)) or os.listdir(tmp)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert os.listdir(tmp) == []  # nor its sockets
    left = processes.alive(list(processes.children() - before))
    assert left == [], [" ".join(psutil.Process(p).cmdline()[:4]) for p in left]
    assert not (tmp_path / "out").exists()


def test_a_stopped_worker_removes_the_scratch_folders_in_use(tmp_path, monkeypatch):
    # a stopped worker exits with os._exit, which skips every `finally`: the report's working
    # folder and Typst's input files are removed by name, as its half-written files are
    import tempfile

    from evaltools.runner.io import discard_pending
    from evaltools.scratch import scratch_folder

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with scratch_folder("evaltools-run-") as run, scratch_folder("evaltools-typst-") as typst:
        (typst / "doc.json").write_text("{}", encoding="utf-8")
        assert sorted(p.name[:14] for p in tmp_path.iterdir()) == ["evaltools-run-", "evaltools-typs"]
        discard_pending()  # what the worker's SIGTERM handler calls before os._exit
        assert not run.exists() and not typst.exists()
    assert os.listdir(tmp_path) == []


STOP_WORKER = """
import signal, sys
from evaltools.runner import executors

def broken(*args, **kwargs):  # what a second SIGTERM inside the first handler's 'import psutil' raised
    raise AttributeError("partially initialized module 'psutil' has no attribute 'Process'")

executors.kill_tree = broken
try:
    executors._stop_worker(signal.SIGTERM)
except BaseException:
    pass
print("the job carried on")  # execute_job caught it, and the worker outlived its batch
"""


def test_a_stopped_worker_exits_even_when_its_clean_up_fails():
    done = subprocess.run([sys.executable, "-c", STOP_WORKER], capture_output=True, text=True, timeout=60)
    assert done.returncode == 128 + 15 and "carried on" not in done.stdout


def test_a_worker_outlives_no_batch_killed_with_sigkill(root, tmp_path):
    """SIGKILL the batch mid-report: its workers get SIGTERM from the kernel (parent death) and
    take their kernels with them."""
    import signal

    import psutil

    batch = subprocess.Popen([sys.executable, "-m", "evaltools.cli", "batch", str(root / "params" / "lejre.yaml"),
                              "--kommuner", "Lejre,Horsens,Egedal,Odder", "--out", str(tmp_path), "--workers", "2",
                              "--no-progress"], start_new_session=True, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    from evaltools.runner.processes import alive as running

    def is_kernel(pid: int) -> bool:
        try:
            return "ipykernel" in " ".join(psutil.Process(pid).cmdline())
        except psutil.Error:
            return False

    started = time.monotonic()
    tree: set[int] = set()
    while time.monotonic() - started < 120:  # until both workers have a kernel and a report is done
        tree |= {p.pid for p in psutil.Process(batch.pid).children(recursive=True)}
        if sum(map(is_kernel, tree)) == 2 and list(tmp_path.glob("*/*/*.evaltools.json")):
            break
        time.sleep(0.2)
    os.kill(batch.pid, signal.SIGKILL)
    batch.wait()
    deadline = time.monotonic() + 30
    while running(tree) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert tree and running(tree) == []


def test_ctrl_c_as_a_temporary_file_is_made_leaves_no_part_file(tmp_path, monkeypatch):
    # seen once in CI: an interrupted batch left .manifest.csv.<random>.part. The signal came after
    # mkstemp made the file and before anything recorded its name, so nothing removed it.
    import signal
    import tempfile

    from evaltools.runner import interrupts
    from evaltools.runner import io as runner_io

    real_mkstemp = tempfile.mkstemp

    def mkstemp_then_ctrl_c(*args, **kwargs):
        made = real_mkstemp(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGINT)  # the file exists; its name is not returned yet
        return made

    monkeypatch.setattr(runner_io.tempfile, "mkstemp", mkstemp_then_ctrl_c)
    with interrupts.handle_interrupts(), pytest.raises(interrupts.Interrupted):
        atomic_write_files({tmp_path / "manifest.csv": b"a,b\n", tmp_path / "manifest.json": b"{}"})
    assert os.listdir(tmp_path) == []
    assert not runner_io.pending
    with interrupts.handle_interrupts(), pytest.raises(interrupts.Interrupted):
        check_output_folder(tmp_path)  # its probe file: the same moment
    assert os.listdir(tmp_path) == []
