"""The evaluator's notebook: packaged template, `evaltools new` / `evaltools notebook`, own figures
and text in the PDF, failed notebooks refused by the exporters, short input errors in a cell."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pikepdf
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell
from pypdf import PdfReader

from evaltools.project import (
    TEMPLATE,
    ProjectExistsError,
    fill_parameters,
    new_project,
    report_notebook,
    resolve_notebook,
)

JUPYTER = [sys.executable, "-m", "jupyter"]


def figure_alts(pdf_path) -> list[str]:
    """Alt texts of the PDF's /Figure structure elements, in document order."""
    alts = []
    with pikepdf.open(pdf_path) as pdf:
        def walk(node):
            if isinstance(node, pikepdf.Dictionary):
                if node.get("/S") == "/Figure":
                    alts.append(str(node.get("/Alt", "")))
                kids = node.get("/K")
                if kids is not None:
                    walk(kids)
            elif isinstance(node, pikepdf.Array):
                for kid in node:
                    walk(kid)
        walk(pdf.Root.StructTreeRoot)
    return alts


def execute(nb_path: Path, cwd: Path, allow_errors: bool = False) -> nbformat.NotebookNode:
    """Run a notebook top to bottom, as Run All in JupyterLab does (cwd: the notebook's folder)."""
    from nbclient import NotebookClient

    from evaltools.runner.kernel import ensure_kernel

    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(nb_path, as_version=4)
    try:
        NotebookClient(nb, kernel_name=ensure_kernel(), timeout=300,
                       resources={"metadata": {"path": str(cwd)}}).execute()
    except CellExecutionError:
        if not allow_errors:
            raise
    nbformat.write(nb, nb_path)  # like saving after Run All stopped at the failing cell
    return nb


# -- the template -----------------------------------------------------------------------------

def test_template_is_clean_and_the_repository_copy_is_the_packaged_one(root):
    for path in (TEMPLATE, root / "notebooks" / "evaluering.ipynb"):
        nb = nbformat.read(path, as_version=4)
        dirty = [i for i, c in enumerate(nb.cells, 1)
                 if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
        assert not dirty, f"{path}: cells {dirty} carry outputs; regenerate with notebooks/build_notebook.py"
    assert TEMPLATE.read_bytes() == (root / "notebooks" / "evaluering.ipynb").read_bytes()


def test_template_is_what_build_notebook_writes(root):
    sys.path.insert(0, str(root / "notebooks"))
    try:
        import build_notebook
    finally:
        sys.path.pop(0)
    assert nbformat.writes(build_notebook.build()) == TEMPLATE.read_text(encoding="utf-8").rstrip("\n")


def test_intro_names_the_menu_entry_jupyterlab_shows(root):
    """JupyterLab labels an exporter by its entry-point name, first letter upper-cased."""
    from importlib.metadata import entry_points

    names = {e.name for e in entry_points(group="nbconvert.exporters") if e.value.startswith("evaltools.")}
    assert names == {"Evaltools_PDF", "Evaltools_HTML"}
    label = "Evaltools_PDF"[0].upper() + "Evaltools_PDF"[1:]
    intro = nbformat.read(TEMPLATE, as_version=4).cells[0].source
    assert f"*File → Save and Export Notebook As → {label}*" in intro
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert f"*File → Save and Export Notebook As → {label}*" in readme
    assert "--to Evaltools_PDF" in readme


# -- evaltools new / notebook ---------------------------------------------------------------

def test_new_makes_a_working_folder_and_never_overwrites(tmp_path, root):
    made = new_project(tmp_path / "eval")
    assert (tmp_path / "eval" / "notebooks" / "evaluering.ipynb").read_bytes() == TEMPLATE.read_bytes()
    assert (tmp_path / "eval" / "params" / "eksempel.yaml").read_text(encoding="utf-8") == \
        (root / "params" / "lejre.yaml").read_text(encoding="utf-8")
    assert (tmp_path / "eval" / "reports").is_dir()
    assert "evaltools notebook params/eksempel.yaml" in (tmp_path / "eval" / "README.md").read_text(encoding="utf-8")
    assert len(made) == 4
    (tmp_path / "eval" / "README.md").write_text("mine", encoding="utf-8")
    with pytest.raises(ProjectExistsError, match="never overwrites"):
        new_project(tmp_path / "eval")
    assert (tmp_path / "eval" / "README.md").read_text(encoding="utf-8") == "mine"


def test_run_uses_the_project_notebook_else_the_packaged_template(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params").mkdir()
    params = tmp_path / "params" / "x.yaml"
    params.write_text("kommune: Lejre\n", encoding="utf-8")
    assert resolve_notebook(params) == (TEMPLATE, "packaged template")
    new_project(tmp_path / "proj")
    inside = tmp_path / "proj" / "params" / "eksempel.yaml"
    assert resolve_notebook(inside) == ((tmp_path / "proj" / "notebooks" / "evaluering.ipynb").resolve(), "project notebook")
    assert resolve_notebook(params, TEMPLATE) == (TEMPLATE, "--notebook")


def test_fill_parameters_keeps_comments_and_layout():
    source = ('kommune = "Lejre"  # navn; se evaltools.kommuner()\n'
              'claim = {"text": "a",\n         "value": 1}  # påstand\n'
              'author = ""\n')
    out = fill_parameters(source, {"kommune": "Horsens", "claim": None, "author": "Jobcentret Æ"})
    assert out == ('kommune = "Horsens"  # navn; se evaltools.kommuner()\n'
                   'claim = None  # påstand\n'
                   'author = "Jobcentret Æ"')


def test_notebook_command_writes_one_notebook_per_report(tmp_path, root, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(root / "params", tmp_path / "params")
    path = report_notebook("params/horsens.yaml")
    assert path == Path("notebooks") / "horsens.ipynb"
    nb = nbformat.read(path, as_version=4)
    params = nb.cells[1].source
    assert 'kommune = "Horsens"' in params
    assert 'params_file = "../params/horsens.yaml"' in params
    assert "Lejre" not in params  # nothing of the template's example leaks into Horsens's notebook
    with pytest.raises(ProjectExistsError, match="may hold your edits"):
        report_notebook("params/horsens.yaml")


def test_cli_new_and_notebook(tmp_path, capsys):
    from evaltools.cli import main

    assert main(["new", str(tmp_path / "p")]) == 0
    assert main(["new", str(tmp_path / "p")]) == 2
    assert "never overwrites" in capsys.readouterr().err
    # a folder name with spaces and Danish letters: the next command can be pasted as printed
    assert main(["new", str(tmp_path / "Beskæftigelse på Ærø")]) == 0
    assert f"next: cd '{tmp_path / 'Beskæftigelse på Ærø'}' && evaltools run" in capsys.readouterr().err


def test_outcomes_and_kommuner_are_dataframes():
    import evaltools

    k = evaltools.kommuner()
    assert len(k) == 98
    assert k.set_index("name").loc["Lejre", "code"] == "350"
    assert evaltools.kommuner.get_kommune("350").name == "Lejre"  # the module still works as a module
    o = evaltools.outcomes().set_index("id")
    assert o.loc["kontanthjaelp_nettoledige", "table"] == "AUK01"
    assert o.loc["kontanthjaelp_nettoledige", "coverage"] == "2007K1-2025K4"


def test_hints_inside_a_notebook_give_the_python_call(cache, monkeypatch):
    from evaltools.data import load_panel
    from evaltools.data.snapshot_io import DataNotCachedError

    monkeypatch.setattr("evaltools.jupyter.in_notebook", lambda: True)
    with pytest.raises(DataNotCachedError, match=r"fetch_outcome\('langtidsledige'\)"):
        load_panel("langtidsledige")
    monkeypatch.setattr("evaltools.jupyter.in_notebook", lambda: False)
    load_panel.cache_clear()
    with pytest.raises(DataNotCachedError, match="evaltools data fetch --outcome langtidsledige"):
        load_panel("langtidsledige")


# -- in a kernel: own figures and text in the PDF; errors refused ------------------------------

OWN_TEXT = "Jobcentret i Lejre vurderer, at indsatsen virkede."
PYPLOT = ("import matplotlib.pyplot as plt\nimport seaborn as sns\n"
          "fig, ax = plt.subplots()\nsns.barplot(x=['2012', '2013'], y=[40, 25], ax=ax)\n"
          "ax.set_title('Unge i job efter forløbet')\nplt.show()")
HELPER = ("fig, ax = plt.subplots()\nax.plot([1, 2, 3])\n"
          "evaltools.figure(fig, alt='En linje, der stiger fra 1 til 3.')")
TABLE = "import pandas as pd\npd.DataFrame({'andel i job': [0.35, 1.234]}, index=['før', 'efter'])"
RETURNED = "fig2, ax2 = plt.subplots()\nax2.plot([3, 2, 1])\nax2.set_title('Returneret figur')\nfig2"


@pytest.fixture(scope="module")
def evaluator(tmp_path_factory, root):
    """A notebook from `evaltools notebook`, run as is and with the evaluator's text and figures."""
    folder = tmp_path_factory.mktemp("evaluator")
    new_project(folder)
    plain = report_notebook(folder / "params" / "eksempel.yaml", folder / "notebooks" / "plain.ipynb")
    own = folder / "notebooks" / "own.ipynb"
    nb = nbformat.read(plain, as_version=4)
    nb.cells += [new_markdown_cell(f"## Jobcentrets vurdering\n\n{OWN_TEXT}"), new_code_cell(PYPLOT), new_code_cell(HELPER),
                 new_code_cell(TABLE), new_code_cell(RETURNED)]
    nbformat.write(nb, own)
    executed = {name: execute(path, folder / "notebooks") for name, path in (("plain", plain), ("own", own))}
    pdfs = {}
    for name in ("plain", "own"):
        subprocess.run([*JUPYTER, "nbconvert", "--to", "Evaltools_PDF", f"notebooks/{name}.ipynb"], cwd=folder,
                       check=True, capture_output=True)
        pdfs[name] = folder / "notebooks" / f"{name}.pdf"
    return folder, executed, pdfs


@pytest.mark.slow
def test_own_figures_show_once_inline_as_svg_with_alt_text(evaluator):
    _, executed, _ = evaluator
    nb = executed["own"]
    pyplot_out, helper_out, returned_out = nb.cells[-4].outputs, nb.cells[-3].outputs, nb.cells[-1].outputs
    # a figure left at the end of its cell: shown once, not again by the inline backend
    assert [o.output_type for o in returned_out] == ["execute_result"]
    assert [o.output_type for o in pyplot_out] == ["display_data"]  # shown once, not twice
    assert "image/svg+xml" in pyplot_out[0].data and "image/png" not in pyplot_out[0].data
    assert pyplot_out[0].metadata["image/svg+xml"]["alt"] == "Unge i job efter forløbet"  # the title
    assert [o.output_type for o in helper_out] == ["display_data"]
    assert helper_out[0].metadata["image/svg+xml"]["alt"] == "En linje, der stiger fra 1 til 3."
    # the report's own figures are inside its HTML sections, not shown a second time
    report_cells = executed["plain"].cells[2:7]
    assert all(o.output_type == "execute_result" for c in report_cells for o in c.outputs)
    # the headline is styled in JupyterLab too, where the report's CSS is not loaded
    front = report_cells[0].outputs[0].data["text/html"]
    assert '<span class="number" style="font-size: 20pt; font-weight: bold;' in front


@pytest.mark.slow
def test_own_figures_and_text_reach_the_pdf_as_vector_graphics(evaluator):
    _, _, pdfs = evaluator
    plain, own = figure_alts(pdfs["plain"]), figure_alts(pdfs["own"])
    assert len(plain) == 4 and all(a.startswith("Figur ") for a in plain)
    assert len(own) == len(plain) + 3
    assert "Unge i job efter forløbet" in own and "En linje, der stiger fra 1 til 3." in own
    assert own.count("Returneret figur") == 1  # once, though it was both the cell's value and open in pyplot
    text = " ".join(p.extract_text() for p in PdfReader(str(pdfs["own"])).pages)
    assert OWN_TEXT in " ".join(text.split())
    assert "Unge i job efter forløbet" in text  # SVG text stays text: vector, searchable
    with pikepdf.open(pdfs["own"]) as pdf:  # no raster images: every figure is vector graphics
        images = [x for page in pdf.pages for x in page.get_images()]
    assert images == []
    assert "¶" not in text
    # the evaluator's own table: decimal commas as in the report's numbers ('1.234' would read as 1234)
    assert "andel i job" in text and "0,35" in text and "1,234" in text and "1.234" not in text


@pytest.mark.slow
def test_example_report_passes_pdfua_check(evaluator):
    pytest.importorskip("pdfua")
    _, _, pdfs = evaluator
    done = subprocess.run([sys.executable, "-m", "pdfua", "check", str(pdfs["own"])], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    assert "no findings" in done.stdout
    from pdf_reading import PDFUA_SKIPS_KNOWN  # a rule it could not run is not a rule it passed

    skipped = re.findall(r"\[skip \]\s+(\S+)", done.stdout)
    assert set(skipped) <= set(PDFUA_SKIPS_KNOWN), done.stdout


@pytest.mark.slow
def test_html_export_reads_like_a_page(evaluator):
    folder, _, _ = evaluator
    subprocess.run([*JUPYTER, "nbconvert", "--to", "Evaltools_HTML", "notebooks/own.ipynb"], cwd=folder,
                   check=True, capture_output=True)
    html = (folder / "notebooks" / "own.html").read_text(encoding="utf-8")
    assert "@media screen" in html and "max-width: 180mm" in html
    assert 'class="anchor-link" href="#Jobcentrets-vurdering"></a>' in html  # no ¶ text
    assert 'alt="Unge i job efter forløbet"' in html


@pytest.fixture(scope="module")
def failed(tmp_path_factory):
    """Run All with a typo in the kommune (cell 3 raises), saved: what the exporter gets."""
    folder = tmp_path_factory.mktemp("failed")
    new_project(folder)
    path = report_notebook(folder / "params" / "eksempel.yaml", folder / "notebooks" / "horsns.ipynb")
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source = nb.cells[1].source.replace('kommune = "Lejre"', 'kommune = "Horsns"')
    nbformat.write(nb, path)
    return folder, execute(path, path.parent, allow_errors=True)


@pytest.mark.slow
def test_input_error_in_a_cell_is_one_short_danish_line(failed):
    _, nb = failed
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert len(errors) == 1
    assert errors[0].ename == "UnknownKommuneError"
    assert len(errors[0].traceback) == 1
    assert "Fejl i input: Ukendt kommune 'Horsns'. Mente du: Horsens" in errors[0].traceback[0]


@pytest.mark.slow
@pytest.mark.parametrize("exporter", ["Evaltools_PDF", "Evaltools_HTML"])
def test_exporters_refuse_a_notebook_with_an_error(failed, exporter):
    folder, _ = failed
    done = subprocess.run([*JUPYTER, "nbconvert", "--to", exporter, "notebooks/horsns.ipynb"], cwd=folder,
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "cell 3 (import evaltools) failed: UnknownKommuneError: Unknown kommune 'Horsns'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list((folder / "notebooks").glob("horsns.*[lf]"))  # no .pdf, no .html


@pytest.mark.slow
def test_exporter_refuses_outputs_left_from_other_parameters(evaluator, tmp_path):
    """Run all, change kommune, re-run only the parameters and build cells, save: page 1 would be
    about the new kommune and pages 2-5 about the old. The run numbers show it; export is refused."""
    folder, _, _ = evaluator
    nb = nbformat.read(folder / "notebooks" / "plain.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == sorted(c.execution_count for c in code)  # Run All: in order
    params_cell, build_cell = code[0], code[1]
    params_cell.source = params_cell.source.replace('kommune = "Lejre"', 'kommune = "Horsens"')
    params_cell.execution_count, build_cell.execution_count = 10, 11  # the two re-run cells
    nbformat.write(nb, tmp_path / "stale.ipynb")
    done = subprocess.run([*JUPYTER, "nbconvert", "--to", "Evaltools_PDF", "stale.ipynb"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 1
    third = nb.cells.index(code[2]) + 1
    assert (f"stale.ipynb: cell {third} (report.numbers()) was run before cell {nb.cells.index(build_cell) + 1} "
            f"above it (run numbers [{code[2].execution_count}] and [11])") in done.stderr
    assert "run all cells (Run → Run All Cells) and save, then export" in done.stderr
    assert not (tmp_path / "stale.pdf").exists()


def _export_edited(nb, folder: Path, name: str) -> subprocess.CompletedProcess:
    """Save ``nb`` as NAME.ipynb without running it, and export it as JupyterLab's menu would."""
    nbformat.write(nb, folder / f"{name}.ipynb")
    return subprocess.run([*JUPYTER, "nbconvert", "--to", "Evaltools_PDF", f"{name}.ipynb"], cwd=folder,
                          capture_output=True, text=True)


@pytest.mark.slow
def test_exporter_refuses_a_parameters_cell_edited_and_not_run(evaluator, tmp_path):
    """Run all for Lejre, change kommune to Vejle, save without running: the run numbers are in
    order, yet the PDF would be Lejre's report under a cell that says Vejle."""
    folder, _, _ = evaluator
    nb = nbformat.read(folder / "notebooks" / "plain.ipynb", as_version=4)
    params_cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params_cell.source = params_cell.source.replace('kommune = "Lejre"', 'kommune = "Vejle"')
    assert 'kommune = "Vejle"' in params_cell.source
    done = _export_edited(nb, tmp_path, "edited")
    assert done.returncode == 1
    assert (f"edited.ipynb: cell {nb.cells.index(params_cell) + 1} (the parameters) says kommune = 'Vejle', but the "
            "report was built with 'Lejre': the cell was changed and not run") in done.stderr
    assert not (tmp_path / "edited.pdf").exists()
    # a comment or a value written another way is not a change
    params_cell.source = params_cell.source.replace('kommune = "Vejle"', "kommune = 'Lejre'  # ændret kommentar")
    done = _export_edited(nb, tmp_path, "same")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "same.pdf").exists()
    # the build call edited and not run: a Lejre PDF under a cell that says Odense
    build_cell = next(c for c in nb.cells if c.cell_type == "code" and "Report.build(" in c.source)
    build_cell.source = build_cell.source.replace("kommune=kommune", 'kommune="Odense"')
    assert 'kommune="Odense"' in build_cell.source
    done = _export_edited(nb, tmp_path, "build")
    assert done.returncode == 1
    assert (f"build.ipynb: cell {nb.cells.index(build_cell) + 1} (import evaltools) says kommune = 'Odense', but the "
            "report was built with 'Lejre': the cell was changed and not run") in done.stderr
    assert not (tmp_path / "build.pdf").exists()


def test_exporter_refuses_a_notebook_whose_cells_did_not_run(tmp_path):
    shutil.copy(TEMPLATE, tmp_path / "unrun.ipynb")
    done = subprocess.run([*JUPYTER, "nbconvert", "--to", "Evaltools_PDF", "unrun.ipynb"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "cells 2, 3, 4, 5, 6, 7 have not run (first: kommune = " in done.stderr
    assert not (tmp_path / "unrun.pdf").exists()
    # an earlier export where this one would go is left as it was, and named: it is not this notebook
    (tmp_path / "unrun.pdf").write_bytes(b"%PDF- an earlier export")
    done = subprocess.run([*JUPYTER, "nbconvert", "--to", "Evaltools_PDF", "unrun.ipynb"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 1 and done.stderr.strip().endswith(
        "(unrun.pdf is from an earlier export, not this notebook as it is now)")
    assert (tmp_path / "unrun.pdf").read_bytes() == b"%PDF- an earlier export"
    # with --output and --output-dir the earlier export named is the one at that destination
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "udvalg.pdf").write_bytes(b"%PDF- an earlier export")
    done = subprocess.run([*JUPYTER, "nbconvert", "--to", "Evaltools_PDF", "unrun.ipynb", "--output", "udvalg",
                           "--output-dir", "out"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 1 and done.stderr.strip().endswith(
        "(out/udvalg.pdf is from an earlier export, not this notebook as it is now)"), done.stderr


@pytest.mark.parametrize("ename, evalue, says", [
    ("KeyboardInterrupt", "", "cell 1 (report = evaltools.Report.build(kommune=kommune)) was interrupted before it "
                              "finished; run all cells and save, then export"),
    ("NameError", "name 'kommune' is not defined", "failed: NameError: name 'kommune' is not defined: the parameters "
                                                   "cell is missing or has not run"),
    ("ValueError", "boom", "failed: ValueError: boom; fix it, run all cells and save, then export again"),
])
def test_a_failed_cell_is_refused_with_what_to_do(ename, evalue, says):
    from evaltools.report.exporter import NotebookNotExportableError, RefuseFailedPreprocessor

    cell = nbformat.v4.new_code_cell("report = evaltools.Report.build(kommune=kommune)", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[])]
    with pytest.raises(NotebookNotExportableError) as info:
        RefuseFailedPreprocessor().preprocess(nbformat.v4.new_notebook(cells=[cell]), {})
    assert says in str(info.value)


def test_an_unknown_language_in_the_parameters_cell_is_one_input_error():
    """language = "de" built a report and then failed on page 1 with KeyError: 'de'."""
    from evaltools.errors import InputError
    from evaltools.report.sections import Report

    with pytest.raises(InputError, match=r"^language: should be 'da' or 'en' \(got 'de'\)$"):
        Report.build(kommune="Lejre", outcome="kontanthjaelp_nettoledige", start="2012K3", language="de")


@pytest.mark.parametrize("start, danish", [
    ("2016-01-01", "Fejl i input: start: '2016-01-01' er en dato, ikke en periode: skriv 2016K1 for dens kvartal "
                   "(eller 2016 for året)"),
    ("2030K1", "Fejl i input: start 2030K1 ligger uden for data for fuldtidsbeskaeftigede (2008K1-2025K3)"),
])
def test_a_danish_notebooks_period_errors_are_danish(start, danish):
    """'Fejl i input: start: ... is not a period' mixed the two languages in a Danish notebook."""
    from evaltools.errors import InputError
    from evaltools.evaluation import evaluate
    from evaltools.jupyter import short_error_line

    with pytest.raises(InputError) as info:
        evaluate("Horsens", "fuldtidsbeskaeftigede", start)
    assert short_error_line(info.value, "da") == danish
    assert short_error_line(info.value, "en").startswith("Input error: start")


@pytest.mark.slow
def test_exporter_refuses_a_notebook_whose_data_changed_since_it_ran(tmp_path, cache):
    """Run all on imported data, re-import a corrected file, export without running again: the PDF
    came out with the old numbers and no word. It is refused; after Run All it exports."""
    import pandas as pd

    from evaltools.data.importer import import_table
    from evaltools.kommuner import all_kommuner

    quarters = [f"{y}K{q}" for y in range(2010, 2015) for q in range(1, 5)]
    frame = pd.DataFrame([(k.name, q, 100 + i % 7 + (5 * j) % 11) for j, k in enumerate(all_kommuner())
                          for i, q in enumerate(quarters)], columns=["Kommune", "Kvartal", "Antal"])
    csv = tmp_path / "unge.csv"
    frame.to_csv(csv, sep=";", index=False)
    import_table(csv, name="unge", label="Unge ledige", unit="personer")
    new_project(tmp_path / "p")
    params = tmp_path / "p" / "params" / "unge.yaml"
    params.write_text("kommune: Lejre\noutcome: import:unge\nstart: 2013K1\n", encoding="utf-8")
    path = report_notebook(params, tmp_path / "p" / "notebooks" / "unge.ipynb")
    nbformat.write(execute(path, path.parent), path)
    export = [*JUPYTER, "nbconvert", "--to", "Evaltools_PDF", "unge.ipynb"]
    assert subprocess.run(export, cwd=path.parent, capture_output=True).returncode == 0
    (path.parent / "unge.pdf").unlink()

    frame.loc[(frame["Kommune"] == "Lejre") & (frame["Kvartal"] == "2014K2"), "Antal"] = 999
    frame.to_csv(csv, sep=";", index=False)
    import_table(csv, name="unge", label="Unge ledige", unit="personer")
    done = subprocess.run(export, cwd=path.parent, capture_output=True, text=True)
    assert done.returncode == 1
    assert "unge.ipynb: the data for import:unge have changed since the report was built (data " in done.stderr
    assert "run all cells (Run → Run All Cells) and save, then export" in done.stderr
    assert not (path.parent / "unge.pdf").exists()
    nbformat.write(execute(path, path.parent), path)  # Run All with the new data: fine again
    assert subprocess.run(export, cwd=path.parent, capture_output=True).returncode == 0
