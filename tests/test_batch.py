"""Batches as a user runs them: parallel, failures isolated and explained, resumable, ledger, overview."""

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from pypdf import PdfReader

from evaltools import evaluate
from evaltools.runner.batch import run_batch
from evaltools.errors import InputError
from evaltools.runner.parameterize import UndeclaredParameterError

pytestmark = pytest.mark.slow

GOOD = """\
kommune: {kommune}
outcome: kontanthjaelp_nettoledige
initiative: Test
start: 2012K3
pre_start: 2010K3
post_end: 2013K2
report_date: 2026-11-22
"""


@pytest.fixture(scope="module")
def failing_notebook(root, tmp_path_factory):
    """The real notebook plus one cell that fails for Horsens, as a broken report would."""
    nb = nbformat.read(root / "notebooks" / "evaluering.ipynb", as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell(
        'if kommune == "Horsens":\n    raise RuntimeError("no data for Horsens in this extract")'))
    path = tmp_path_factory.mktemp("nb") / "evaluering.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory, failing_notebook):
    params = tmp_path_factory.mktemp("params")
    for k in ("Lejre", "Horsens", "Gladsaxe"):
        (params / f"{k.lower()}.yaml").write_text(GOOD.format(kommune=k), encoding="utf-8")
    (params / "broken.yaml").write_text(GOOD.format(kommune="Lejre") + "kommitee: X\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("reports")
    result = run_batch([params], out_dir=out, notebook=failing_notebook, workers=2, progress=False)
    return result, params, out


def test_failures_are_isolated_and_explained(batch):
    result, _, _ = batch
    status = {r["name"]: r["status"] for r in result.rows}
    assert status == {"broken": "failed", "gladsaxe": "ok", "horsens": "failed", "lejre": "ok"}
    failed = {r["name"]: r for r in result.failed}
    assert "kommitee: unknown key" in failed["broken"]["error"]
    assert failed["horsens"]["error"] == "RuntimeError: no data for Horsens in this extract"
    # the 4th cell of the user's notebook (papermill's injected cell not counted), with its first line
    assert failed["horsens"]["cell"] == '4 (if kommune == "Horsens":)'


def test_pdfs_ledger_and_overview(batch):
    result, _, out = batch
    folder = out / "params" if (out / "params").exists() else result.folder
    assert (folder / "lejre" / "lejre.pdf").is_file() and (folder / "gladsaxe" / "gladsaxe.pdf").is_file()
    assert not (folder / "horsens").exists()  # a failed report leaves no files
    rows = json.loads((folder / "manifest.json").read_text())["reports"]
    assert {r["name"] for r in rows} == {"lejre", "horsens", "gladsaxe", "broken"}
    header = (folder / "manifest.csv").read_text().splitlines()[0]
    for col in ("kommune", "params_file", "status", "estimate", "conf_low", "conf_high", "p_value_placebo",
                "pretrend_warning", "pdf", "seconds", "params_hash", "data_hash", "code_hash"):
        assert col in header
    overview = PdfReader(str(result.overview)).pages[0].extract_text()
    assert "Lejre" in overview and "Gladsaxe" in overview and "Horsens" not in overview
    # a reader of the overview learns that two reports are missing, and where to read why
    assert "2 rapporter fejlede og er ikke med: broken, horsens (årsagen står i manifest.csv)." in " ".join(overview.split())


def test_manifest_estimates_equal_single_runs(batch):
    result, _, _ = batch
    row = next(r for r in result.rows if r["name"] == "lejre")
    ev = evaluate("Lejre", "kontanthjaelp_nettoledige", "2012K3", pre_start="2010K3", post_end="2013K2")
    assert row["estimate"] == pytest.approx(ev.effect, rel=1e-12)
    assert (row["conf_low"], row["conf_high"]) == pytest.approx(ev.conf_int())
    assert row["p_value_placebo"] == pytest.approx(ev.p_value)


def test_hashes_in_ledger_are_printed_in_the_pdf(batch):
    result, _, _ = batch
    row = next(r for r in result.rows if r["name"] == "lejre")
    text = PdfReader(row["pdf"]).pages[0].extract_text()
    assert f"parametre {row['params_hash']}" in text
    assert f"data {row['data_hash']}" in text and f"kode {row['code_hash']}" in text


def test_resume_skips_unchanged_and_rebuilds_changed(batch, failing_notebook):
    result, params, out = batch
    pdf = Path(next(r for r in result.rows if r["name"] == "lejre")["pdf"])
    before = pdf.stat().st_mtime_ns
    (params / "gladsaxe.yaml").write_text(GOOD.format(kommune="Gladsaxe").replace("2010K3", "2010K4"), encoding="utf-8")
    again = run_batch([params], out_dir=out, notebook=failing_notebook, workers=1, progress=False)
    runs = {r["name"]: (r["status"], r["run"]) for r in again.rows}
    assert runs["lejre"] == ("ok", "reused")
    assert runs["gladsaxe"] == ("ok", "built")
    assert runs["horsens"][0] == "failed"  # failures are retried, and fail again for the same cause
    assert pdf.stat().st_mtime_ns == before


def test_a_file_of_another_format_left_from_older_params_is_never_reused(root, tmp_path):
    """PDF with old params, then HTML only with new params: the PDF is not current. The batch says
    so, keeps it (nothing is deleted), the ledger has no PDF for it, and a PDF batch rebuilds it."""
    params = tmp_path / "lejre.yaml"
    params.write_text(GOOD.format(kommune="Lejre"), encoding="utf-8")
    out = tmp_path / "out"
    first = run_batch([params], out_dir=out, workers=1, progress=False)
    pdf = Path(first.rows[0]["pdf"])
    old_pdf = pdf.read_bytes()
    params.write_text(GOOD.format(kommune="Lejre").replace("post_end: 2013K2", "post_end: 2013K4"), encoding="utf-8")
    html = subprocess.run([sys.executable, "-m", "evaltools.cli", "batch", str(params), "--out", str(out), "--workers",
                           "1", "--no-progress", "--format", "html"], capture_output=True, text=True, timeout=300)
    assert html.returncode == 0, html.stderr
    assert html.stderr.splitlines()[1].startswith("1 built, 0 unchanged")
    ipynb = pdf.with_suffix(".ipynb")
    assert f"note: {pdf} and 1 more were not rebuilt and are not current (built before a change of params, data or " \
           "code, or changed since); rebuild with --format html,pdf,ipynb or delete them" in html.stderr.splitlines()
    assert pdf.read_bytes() == old_pdf and ipynb.exists()  # kept as they were
    rows = json.loads((out / "lejre" / "manifest.json").read_text())["reports"]
    assert rows[0]["pdf"] in ("", None)
    again = run_batch([params], out_dir=out, workers=1, progress=False)  # pdf and ipynb: the PDF is rebuilt
    assert (again.rows[0]["status"], again.rows[0]["run"]) == ("ok", "built") and again.stale == []
    assert "2013K4" in PdfReader(pdf).pages[0].extract_text()
    # the HTML was built with these same params: still current, so an HTML batch now rebuilds nothing
    html_again = run_batch([params], out_dir=out, workers=1, progress=False, formats=["html"])
    assert (html_again.rows[0]["status"], html_again.rows[0]["run"]) == ("ok", "reused")


def test_a_damaged_or_edited_report_file_is_rebuilt_not_reused(tmp_path, monkeypatch):
    params = tmp_path / "lejre.yaml"
    params.write_text(GOOD.format(kommune="Lejre"), encoding="utf-8")
    out = tmp_path / "out"
    pdf = Path(run_batch([params], out_dir=out, workers=1, progress=False).rows[0]["pdf"])
    whole = pdf.read_bytes()
    pdf.write_bytes(whole[:2000])  # cut off, as a full disk or an interrupted copy leaves it
    again = run_batch([params], out_dir=out, workers=1, progress=False)
    assert again.rows[0]["run"] == "built"
    assert len(pdf.read_bytes()) > 2000 and pdf.read_bytes()[-6:].strip().endswith(b"%%EOF")
    assert run_batch([params], out_dir=out, workers=1, progress=False).rows[0]["run"] == "reused"  # intact: kept
    # another PDF engine makes another PDF from the same inputs: not 'unchanged'
    monkeypatch.setenv("EVALTOOLS_PDF_ENGINE", "weasyprint")
    assert run_batch([params], out_dir=out, workers=1, progress=False).rows[0]["run"] == "built"
    assert "WeasyPrint" in str(PdfReader(str(pdf)).metadata.get("/Producer", ""))
    monkeypatch.delenv("EVALTOOLS_PDF_ENGINE")
    assert run_batch([params], out_dir=out, workers=1, progress=False).rows[0]["run"] == "built"
    sidecar = pdf.parent / "lejre.evaltools.json"
    sidecar.write_bytes(sidecar.read_bytes() + b"junk")  # its record damaged: it was not "not made by this batch"
    row = run_batch([params], out_dir=out, workers=1, progress=False).rows[0]
    assert (row["status"], row["error"]) == ("failed", f"{pdf} already exists, but its record lejre.evaltools.json is "
                                                       "damaged, so what it holds is not known; rebuild it with --force")


def test_a_report_that_cannot_be_written_names_the_file_not_its_temporary_twin():
    from evaltools.runner.executors import _write_error

    exc = PermissionError(13, "Permission denied", "/r/b/eksempel-lejre/.eksempel-lejre.pdf.nhe86dnb.part")
    assert _write_error(exc) == ("cannot write /r/b/eksempel-lejre/eksempel-lejre.pdf: Permission denied; check that "
                                 "the folder /r/b/eksempel-lejre can be written to")


def test_the_users_own_manifest_or_overview_in_the_folder_is_never_overwritten(tmp_path):
    """A user's manifest.csv and overview.pdf in the batch folder were silently overwritten, while a
    foreign report PDF was protected. The batch's own files are recorded by hash in manifest.json."""
    params = tmp_path / "lejre.yaml"
    params.write_text(GOOD.format(kommune="Lejre"), encoding="utf-8")
    out, folder = tmp_path / "out", tmp_path / "out" / "lejre"
    folder.mkdir(parents=True)
    (folder / "manifest.csv").write_text("a,b\n", encoding="utf-8")
    (folder / "overview.pdf").write_bytes(b"budget")
    with pytest.raises(InputError) as info:
        run_batch([params], out_dir=out, workers=1, progress=False)
    assert str(info.value).startswith(f"{folder} holds manifest.csv, overview.pdf, not written by an evaltools batch")
    assert (folder / "manifest.csv").read_text() == "a,b\n" and (folder / "overview.pdf").read_bytes() == b"budget"
    assert not (folder / "lejre").exists()

    (folder / "manifest.csv").unlink()
    (folder / "overview.pdf").unlink()
    run_batch([params], out_dir=out, workers=1, progress=False)
    assert run_batch([params], out_dir=out, workers=1, progress=False).rows[0]["run"] == "reused"  # its own: fine
    ours = (folder / "overview.pdf").read_bytes()
    (folder / "overview.pdf").write_bytes(ours + b"% the user's note\n")  # changed since the batch wrote it
    with pytest.raises(InputError, match="holds overview.pdf, not written by an evaltools batch .or changed since."):
        run_batch([params], out_dir=out, workers=1, progress=False)
    run_batch([params], out_dir=out, workers=1, progress=False, force=True)  # --force: replaced
    assert (folder / "overview.pdf").read_bytes().rstrip().endswith(b"%%EOF")


def test_a_batch_killed_between_its_ledger_files_leaves_files_it_still_knows_as_its_own(tmp_path, monkeypatch):
    """SIGKILL between writing manifest.json and manifest.csv (or overview.pdf and the ledger) left a
    file whose hash the ledger did not hold: the next batch refused it as the user's own."""
    from evaltools.runner import ledger as ledger_module
    from evaltools.runner.ledger import Ledger, foreign_files

    ledger = Ledger(tmp_path)
    ledger.record({"name": "lejre", "kommune": "Lejre", "status": "ok"})
    ledger.wrote("overview.pdf", b"%PDF-old")
    (tmp_path / "overview.pdf").write_bytes(b"%PDF-old")
    assert foreign_files(tmp_path) == []

    real, written = ledger_module.atomic_write_text, []

    def killed_after_the_first_file(path, text):
        if written:
            raise KeyboardInterrupt  # stands for SIGKILL: nothing after this line runs
        written.append(path.name)
        return real(path, text)

    monkeypatch.setattr(ledger_module, "atomic_write_text", killed_after_the_first_file)
    with pytest.raises(KeyboardInterrupt):
        Ledger(tmp_path).record({"name": "horsens", "kommune": "Horsens", "status": "ok"})
    monkeypatch.undo()
    assert foreign_files(tmp_path) == []
    assert written == ["manifest.json"]  # the record of what the csv may hold comes first
    ledger = Ledger(tmp_path)
    ledger.writing("overview.pdf", b"%PDF-new")
    (tmp_path / "overview.pdf").write_bytes(b"%PDF-new")  # killed here, before ledger.wrote
    assert foreign_files(tmp_path) == []
    (tmp_path / "overview.pdf").write_bytes(b"%PDF-the user's")
    (tmp_path / "manifest.csv").write_text("a,b\n", encoding="utf-8")
    assert [p.name for p in foreign_files(tmp_path)] == ["manifest.csv", "overview.pdf"]


def test_a_batch_that_would_drop_reports_from_the_ledger_is_refused(batch):
    result, params, out = batch
    manifest = (result.folder / "manifest.csv").read_bytes()
    with pytest.raises(InputError) as info:  # one of the folder's four reports, into the same folder
        run_batch([params / "lejre.yaml"], out_dir=out, name=result.folder.name, workers=1, progress=False)
    assert str(info.value) == (
        f"{result.folder} holds 3 report(s) this batch does not name (broken, gladsaxe, horsens); its ledger and "
        "overview would drop them. Name them too (--kommuner all skips unchanged reports), or build into another "
        "folder with --name. A report you no longer want goes from the ledger when its params file and its folder "
        "are deleted")
    assert (result.folder / "manifest.csv").read_bytes() == manifest


def test_a_report_whose_params_file_and_folder_were_deleted_leaves_the_ledger(tmp_path):
    """Hørsholm's params file deleted: every later batch was refused, even with --force and after
    deleting its folder; only --name or editing manifest.json got past."""
    import shutil

    params = tmp_path / "params"
    params.mkdir()
    for k in ("Lejre", "Gladsaxe"):
        (params / f"{k.lower()}.yaml").write_text(GOOD.format(kommune=k), encoding="utf-8")
    out = tmp_path / "out"
    first = run_batch([params], out_dir=out, workers=1, progress=False)
    (params / "gladsaxe.yaml").unlink()
    with pytest.raises(InputError, match=r"holds 1 report\(s\) this batch does not name \(gladsaxe\)"):
        run_batch([params], out_dir=out, workers=1, progress=False)  # its folder is still there
    shutil.rmtree(first.folder / "gladsaxe")
    again = run_batch([params], out_dir=out, workers=1, progress=False)
    assert [(r["name"], r["run"]) for r in again.rows] == [("lejre", "reused")]
    assert [r["name"] for r in json.loads((first.folder / "manifest.json").read_text())["reports"]] == ["lejre"]


def test_an_english_batch_has_english_pages_and_lejres_goal_stays_lejres(root, tmp_path):
    params = tmp_path / "lejre-en.yaml"
    params.write_text((root / "params" / "lejre.yaml").read_text(encoding="utf-8") + "language: en\n", encoding="utf-8")
    result = run_batch([params], kommuner="Lejre,Horsens", out_dir=tmp_path / "out", workers=1, progress=False)
    assert [r["status"] for r in result.rows] == ["ok", "ok"]
    overview = " ".join(" ".join(p.extract_text() for p in PdfReader(str(result.overview)).pages).split())
    assert overview.startswith("Overview: lejre-en-kommuner Overview of the batch's reports")
    assert "2 reports." in overview and "Oversigt" not in overview and "−27,9" not in overview
    claims = " ".join(PdfReader(str(result.claims)).pages[0].extract_text().split())
    assert "Claims and our calculations" in claims and "\u201cLangtidsledigheden blandt unge faldt 77,3" in claims
    assert "»" not in claims
    titles = {r["kommune"]: PdfReader(r["pdf"]).pages[0].extract_text().split("\n")[0] for r in result.rows}
    assert "Målet om færre ledige unge" in titles["Lejre"]
    assert titles["Horsens"].startswith("Evaluation: The employment initiative")  # not Lejre's goal


def test_undeclared_parameter_fails_before_any_kernel(root, tmp_path):
    nb = nbformat.read(root / "notebooks" / "evaluering.ipynb", as_version=4)
    nb.cells[1].source = nb.cells[1].source.replace('author = ""\n', "")
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    params = tmp_path / "p.yaml"
    params.write_text(GOOD.format(kommune="Lejre"), encoding="utf-8")
    with pytest.raises(UndeclaredParameterError, match="does not declare author"):
        run_batch([params], out_dir=tmp_path / "out", notebook=path, progress=False)
    assert not (tmp_path / "out").exists()


def test_two_batches_at_once_do_not_mix(root, tmp_path):
    procs = []
    for name, kommuner in (("a", "Lejre,Horsens"), ("b", "Aarhus,Odense")):
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "evaltools.cli", "batch", str(root / "params" / "lejre.yaml"), "--kommuner", kommuner,
             "--out", str(tmp_path / name), "--workers", "1", "--no-progress"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    for name, expected in (("a", {"Lejre", "Horsens"}), ("b", {"Aarhus", "Odense"})):
        folder = tmp_path / name / "lejre-kommuner"
        rows = json.loads((folder / "manifest.json").read_text())["reports"]
        assert {r["kommune"] for r in rows} == expected
        for r in rows:
            first_page = PdfReader(r["pdf"]).pages[0].extract_text()
            assert f"i {r['kommune']} Kommune" in " ".join(first_page.split())  # the title may wrap


def test_claim_stays_with_the_seed_kommune():
    from evaltools.runner.jobs import plan_jobs

    jobs = {j.kommune: j for j in plan_jobs([Path(__file__).parents[1] / "params" / "lejre.yaml"], "Lejre,Horsens")}
    assert jobs["Lejre"].seed and jobs["Lejre"].params.claim is not None
    assert not jobs["Horsens"].seed and jobs["Horsens"].params.claim is None
    # Lejre's goal is not Horsens' initiative: Horsens' report gets the default title
    assert jobs["Lejre"].params.initiative == "Målet om færre ledige unge (september 2012)"
    assert jobs["Horsens"].params.initiative is None


def test_dask_executor_on_a_local_cluster(root, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = run_batch([root / "params" / "lejre.yaml"], kommuner="Lejre,Horsens", out_dir=tmp_path,
                           executor="dask", scheduler=cluster.scheduler_address, progress=False)
    assert [r["status"] for r in result.rows] == ["ok", "ok"]
    local = evaluate("Horsens", "kontanthjaelp_nettoledige", "2012K3", pre_start="2010K3", post_end="2013K2")
    assert next(r for r in result.rows if r["kommune"] == "Horsens")["estimate"] == pytest.approx(local.effect)


def test_dask_with_a_relative_out_writes_where_the_ledger_says(root, tmp_path, monkeypatch):
    """The cluster's workers started in another folder: a relative --out means this machine's."""
    distributed = pytest.importorskip("distributed")
    elsewhere, here = tmp_path / "workers-start-here", tmp_path / "user"
    elsewhere.mkdir(), here.mkdir()
    monkeypatch.chdir(elsewhere)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        monkeypatch.chdir(here)
        result = run_batch([root / "params" / "lejre.yaml"], kommuner="Lejre", out_dir="d", executor="dask",
                           scheduler=cluster.scheduler_address, progress=False)
    assert result.rows[0]["status"] == "ok"
    assert Path(result.rows[0]["pdf"]).is_file() and Path(result.rows[0]["pdf"]).is_relative_to(here / "d")
    assert not (elsewhere / "d").exists()


def test_kommune_with_missing_data_fails_alone_with_its_cause(root, tmp_path, cache):
    """An imported table without Læsø: Læsø's report fails with the reason, Lejre's is built."""
    import random

    import pandas as pd

    from evaltools.data.importer import import_table
    from evaltools.kommuner import all_kommuner

    rng = random.Random(5)
    quarters = [f"{y}K{q}" for y in range(2010, 2015) for q in range(1, 5)]
    rows = [(k.name, q, round(rng.uniform(20, 400))) for k in all_kommuner() if k.name != "Læsø" for q in quarters]
    csv_path = tmp_path / "export.csv"
    pd.DataFrame(rows, columns=["Kommune", "Kvartal", "Antal"]).to_csv(csv_path, sep=";", index=False)
    outcome = import_table(csv_path, name="export", label="Unge langtidsledige", unit="personer").outcome
    params = tmp_path / "unge.yaml"
    params.write_text(f"kommune: Lejre\noutcome: '{outcome}'\ninitiative: Test\nstart: 2013K1\n", encoding="utf-8")
    result = run_batch([params], kommuner="Lejre,Læsø", out_dir=tmp_path / "out",
                       notebook=root / "notebooks" / "evaluering.ipynb", workers=1, progress=False)
    status = {r["kommune"]: r for r in result.rows}
    assert status["Lejre"]["status"] == "ok", status["Lejre"]["error"]
    assert status["Læsø"]["status"] == "failed"
    assert "Læsø has no data for 2011K1" in status["Læsø"]["error"]
    text = " ".join(p.extract_text() for p in PdfReader(status["Lejre"]["pdf"]).pages)
    flat = re.sub(r"\s+", " ", re.sub("\u2010\\s*\n", "", text))
    assert "Læsø mangler data i perioden og indgår hverken i sammenligningen eller i placebo-testen." in flat
    assert "summen af de 96 øvrige kommuner i datasættet" in flat
    assert "kunne ikke indgå i placebo-testen" not in flat  # Læsø is explained once, not twice


@pytest.mark.parametrize("sidecar_data, recorded", [("new", True), ("old", False)])
def test_after_an_interrupt_only_reports_built_with_this_batchs_data_count_as_finished(tmp_path, sidecar_data, recorded):
    """A re-import, then a batch interrupted after 9 s: 76 of 98 reports still had their sidecars
    from the old data (same params and code) and were recorded 'ok, built' with the old numbers."""
    from types import SimpleNamespace

    from evaltools.hashing import content_hash
    from evaltools.runner.batch import _record_finished
    from evaltools.runner.ledger import Ledger

    pdf = tmp_path / "imp-lejre" / "imp-lejre.pdf"
    pdf.parent.mkdir()
    pdf.write_bytes(b"%PDF-1.7 old numbers")
    common = {"code_hash": "c", "notebook_hash": "n", "params_hash": "p"}
    sidecar = pdf.with_name("imp-lejre.evaltools.json")
    sidecar.write_text(json.dumps({
        "status": "ok", "metadata": {"results": {"estimate": -8.05}}, "seconds": 1.0,
        "hashes": {"data_hash": sidecar_data, **common}, "outputs": {"pdf": str(pdf)},
        "contents": {"pdf": content_hash(pdf.read_bytes())}}), encoding="utf-8")
    spec = SimpleNamespace(job=SimpleNamespace(name="imp-lejre"), sidecar=sidecar, hashes={"data_hash": "new", **common})
    rows = {"imp-lejre": {"name": "imp-lejre", "data_hash": "new"}}
    _record_finished([spec], rows, Ledger(tmp_path))
    assert (rows["imp-lejre"].get("status") == "ok") is recorded
    if recorded:
        assert rows["imp-lejre"]["estimate"] == -8.05 and rows["imp-lejre"]["run"] == "built"
        pdf.write_bytes(b"%PDF-1.7 cut off")  # a file that no longer holds what its sidecar says: not finished
        rows = {"imp-lejre": {"name": "imp-lejre", "data_hash": "new"}}
        _record_finished([spec], rows, Ledger(tmp_path))
        assert not rows["imp-lejre"].get("status")


def test_the_code_hash_covers_the_typst_template():
    """An upgrade that changed only report.typ (the PDF's look) left a batch '3 unchanged'."""
    from evaltools.hashing import code_files

    names = {p.name for p in code_files()}
    assert {"report.typ", "report.css", "sections.py", "evaluering.ipynb"} - names == {"evaluering.ipynb"}  # the notebook has its own hash


def test_data_reimported_while_a_batch_runs_writes_no_overview_and_says_so(tmp_path, monkeypatch):
    """A re-import 10 s into a batch: 24 reports on the old data, 74 on the new, and an overview
    ranking them together with exit 0. The batch now compares the data at its end."""
    import evaltools.runner.batch as batch_module

    params = tmp_path / "lejre.yaml"
    params.write_text(GOOD.format(kommune="Lejre"), encoding="utf-8")
    out = tmp_path / "out"
    first = run_batch([params], out_dir=out, workers=1, progress=False)
    assert first.overview is not None and not first.data_changed
    real, calls = batch_module._data_hashes, []

    def data_hashes(jobs):  # the second look, after the reports, sees a re-import
        calls.append(1)
        hashes = real(jobs)
        return hashes if len(calls) == 1 else {k: "0123456789ab" for k in hashes}

    monkeypatch.setattr(batch_module, "_data_hashes", data_hashes)
    again = run_batch([params], out_dir=out, workers=1, progress=False, force=True)
    assert again.data_changed == ["lejre"] and len(calls) == 2
    assert again.overview is None and not (out / "lejre" / "overview.pdf").exists()
    assert again.rows[0]["status"] == "ok" and again.rows[0]["data_hash"] == first.rows[0]["data_hash"]


def test_a_batch_killed_while_it_rebuilds_leaves_no_overview_of_the_old_reports(tmp_path, monkeypatch):
    """SIGKILL mid-rebuild left overview.pdf and claims.pdf of the old data next to 21 new reports,
    still recorded as the batch's own. They now go before the first report is rebuilt."""
    import evaltools.runner.batch as batch_module
    from evaltools.runner.ledger import foreign_files

    params = tmp_path / "lejre.yaml"
    params.write_text(GOOD.format(kommune="Lejre"), encoding="utf-8")
    out = tmp_path / "out"
    assert run_batch([params], out_dir=out, workers=1, progress=False).overview.exists()
    folder = out / "lejre"

    def killed(row, outcome):  # the process dies as the first rebuilt report comes back: no clean-up runs
        assert not (folder / "overview.pdf").exists()
        raise SystemExit(137)

    monkeypatch.setattr(batch_module, "_built_row", killed)
    with pytest.raises(SystemExit):
        run_batch([params], out_dir=out, workers=1, progress=False, force=True)
    assert not (folder / "overview.pdf").exists() and foreign_files(folder) == []
    monkeypatch.undo()
    assert run_batch([params], out_dir=out, workers=1, progress=False).overview.exists()  # the next run writes it
