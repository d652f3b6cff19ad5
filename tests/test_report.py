"""End to end: params file -> papermill -> nbconvert exporter -> tagged PDF, checked as a reader would."""

import re
import shutil
import subprocess
import sys

import pikepdf
import pytest
from pypdf import PdfReader

from evaltools.formatting import MINUS
from evaltools.runner.run import ReportExistsError, run_report

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(root, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    result = run_report(root / "params" / "lejre.yaml", out_dir=out)
    return result, out


@pytest.fixture(scope="module")
def pdf_text(built):
    reader = PdfReader(str(built[0].pdf))
    return [page.extract_text() for page in reader.pages]


def _flat(text: str) -> str:
    """Join words hyphenated at a line end (U+2010), read other U+2010 as "-", collapse whitespace.

    With the Typst engine a typed "-" shares its glyph with hyphenation points and keeps its "-" in
    /ActualText, which pypdf ignores (pdftotext and screen readers read "-").
    """
    return re.sub(r"\s+", " ", re.sub("\u2010\\s*\n", "", text).replace("\u2010", "-"))


def test_outputs_are_where_the_user_expects(built):
    result, out = built
    assert result.pdf == out / "lejre" / "lejre.pdf"
    assert (out / "lejre" / "lejre.ipynb").is_file()
    assert not list((out / "lejre").glob(".*.part"))  # no temp files left behind


def test_page_one_says_what_happened_how_sure_and_compared_to_what(pdf_text):
    page1 = _flat(pdf_text[0])
    assert "Evaluering: Målet om færre ledige unge (september 2012) i Lejre Kommune" in page1
    assert "Beskæftigelsesudvalget" in page1
    # the estimate with a decimal comma and a real minus sign (independently checked in test_evaluation)
    assert f"{MINUS}27,9 procent" in page1
    assert "Hvor sikre er vi?" in page1
    assert "33 af 97 andre kommuner" in page1
    assert "kan ikke skelnes fra tilfældige udsving" in page1
    assert "Sammenlignet med" in page1 and "resten af landet" in page1
    assert "Side 1 af" in page1
    assert "Kilde: Danmarks Statistik" in page1
    # the p-value as a rank, and the diagnostics' disagreement said plainly (issue 12)
    assert "Lejres ændring er nr. 34 af 98" in page1
    assert "Testene for ens udvikling før start slår ikke ud (p = 0,74 og 0,15), men det beroliger ikke" in page1
    assert "Figur 1" in page1  # the added sentences still leave room for the figure


def test_robustness_page_shows_the_estimators_and_whether_they_agree(pdf_text):
    page = next(_flat(p) for p in pdf_text if "Hvor robust er resultatet?" in p)
    assert "Samme spørgsmål, fire metoder" in page
    for method in ("Forskel-i-forskelle (hovedberegning)", "Syntetisk kontrolgruppe (niveau)",
                   "Syntetisk kontrolgruppe (afvigelser fra eget gennemsnit)", "Syntetisk forskel-i-forskelle"):
        assert method in page
    assert f"{MINUS}24,3 procent" in page  # synthetic DiD
    assert "De 4 metoder er enige: alle finder Lejre lavere end sammenligningen" in page


def test_no_conventional_interval_on_the_numbers_page(pdf_text):
    page2 = _flat(pdf_text[1])
    assert "Tallene" in page2 and "Konventionelt" not in page2
    assert "forudsætter samme forskel i alle perioder efter start" in page2
    assert "Test for lineær trend før start (placebo-p) 0,15" in page2


def test_no_code_or_warnings_in_the_pdf(pdf_text):
    text = "\n".join(pdf_text)
    for noise in ("import evaltools", "report.front_page", "Warning", "Traceback", "In [", "Out["):
        assert noise not in text


def test_later_pages_have_numbers_method_caveats_source_and_versions(pdf_text):
    text = _flat(" ".join(pdf_text[1:]))
    assert "18.639" in text  # rest of country, pre-period geometric mean, Danish thousands separator
    assert "Placebo-p-værdi" in text
    assert "Metode" in text and "MacKinnon & Webb" in text
    assert "Forbehold" in text
    assert "AUK01" in text and "CC BY 4.0" in text
    assert "statsmodels" in text and "papermill" in text
    # the parameters as a params file has them (YAML), not as Python prints them
    assert "Parametre (som i params-filen)" in text
    assert "value: -77.3, exact: false}" in text and "False" not in text


def test_pdf_is_tagged_with_language_title_and_alt_text(built):
    with pikepdf.open(built[0].pdf) as pdf:
        assert "/StructTreeRoot" in pdf.Root
        assert str(pdf.Root.Lang).startswith("da")
        assert pdf.Root.MarkInfo.Marked
        assert str(pdf.docinfo["/Title"]) == "Evaluering: Målet om færre ledige unge (september 2012) i Lejre Kommune"
        assert str(pdf.docinfo["/Author"]) == "evaltools"
        alts = []
        stack = [pdf.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Dictionary):
                if "/Alt" in node:
                    alts.append(str(node.Alt))
                kids = node.get("/K")
                if isinstance(kids, pikepdf.Array):
                    stack.extend(kids)
                elif isinstance(kids, pikepdf.Dictionary):
                    stack.append(kids)
            elif isinstance(node, pikepdf.Array):
                stack.extend(node)
        assert any(a.startswith("Figur 1: Nettoledige kontanthjælpsmodtagere i Lejre og resten af landet, indeks 2012K2 = 100") for a in alts)
        assert any(a.startswith("Figur 2:") for a in alts) and any(a.startswith("Figur 3:") for a in alts)
        # fonts are embedded
        fonts = [f for page in pdf.pages for f in page.Resources.get("/Font", {}).values()]
        assert fonts and all("/FontFile2" in f.DescendantFonts[0].FontDescriptor or "/FontFile3" in f.DescendantFonts[0].FontDescriptor
                             for f in fonts if "/DescendantFonts" in f)


def test_existing_report_is_not_overwritten_without_force(root, built):
    result, out = built
    before = result.pdf.read_bytes()
    with pytest.raises(ReportExistsError, match="already exists; use --force"):
        run_report(root / "params" / "lejre.yaml", out_dir=out)
    assert result.pdf.read_bytes() == before


def test_nbconvert_finds_our_exporter(built, tmp_path):
    nb = tmp_path / "executed.ipynb"
    shutil.copy(built[1] / "lejre" / "lejre.ipynb", nb)
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "Evaltools_PDF", str(nb)],
                   check=True, capture_output=True)
    out = tmp_path / "executed.pdf"
    assert out.read_bytes()[:5] == b"%PDF-"
    assert "Lejre Kommune" in PdfReader(str(out)).pages[0].extract_text()


def test_force_replaces_atomically(root, built):
    result, out = built
    again = run_report(root / "params" / "lejre.yaml", out_dir=out, force=True, formats=("pdf",))
    assert again.replaced
    assert again.pdf.read_bytes()[:5] == b"%PDF-"
    assert sorted(p.name for p in (out / "lejre").iterdir()) == ["lejre.ipynb", "lejre.pdf"]


def test_run_of_another_format_names_the_files_it_left_as_they_were(root, built, tmp_path, capsys):
    from evaltools.cli import main

    out = tmp_path / "reports"
    shutil.copytree(built[1], out)
    pdf = out / "lejre" / "lejre.pdf"
    before = pdf.read_bytes()
    assert main(["run", str(root / "params" / "lejre.yaml"), "--out", str(out), "--format", "html"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert f"note: {pdf} and 1 more were not rebuilt by this run and may be from earlier params; rebuild with " \
           "--format html,pdf,ipynb or delete them" in err
    assert pdf.read_bytes() == before and (out / "lejre" / "lejre.html").exists()


def test_notebook_runs_as_is_like_in_jupyterlab(root):
    """No papermill: the parameters cell's own defaults, executed top to bottom."""
    import nbformat
    from nbclient import NotebookClient

    from evaltools.runner.kernel import ensure_kernel

    nb = nbformat.read(root / "notebooks" / "evaluering.ipynb", as_version=4)
    NotebookClient(nb, kernel_name=ensure_kernel(), timeout=300).execute()
    front = nb.cells[2].outputs[0]
    assert "Lejre Kommune" in front["data"]["text/html"]
    assert front["metadata"]["evaltools"]["lang"] == "da"


def test_english_report(root, tmp_path):
    params = tmp_path / "en.yaml"
    params.write_text((root / "params" / "lejre.yaml").read_text(encoding="utf-8") + "language: en\n", encoding="utf-8")
    result = run_report(params, out_dir=tmp_path / "out", notebook=root / "notebooks" / "evaluering.ipynb", formats=("pdf",))
    page1 = _flat(PdfReader(str(result.pdf)).pages[0].extract_text())
    assert "Evaluation: Målet om færre ledige unge (september 2012) in Lejre Kommune" in page1
    assert "How sure are we?" in page1 and "33 of 97 other kommuner" in page1
    assert f"{MINUS}27.9 per cent" in page1  # decimal point in English
    assert "Page 1 of" in page1 and "Source: Statistics Denmark" in page1
    with pikepdf.open(result.pdf) as pdf:
        assert str(pdf.Root.Lang).startswith("en")


# Danish words that must not appear in an English report (our text, not the user's own names)
DANISH = ["personer", "egne data", "Brugerens", "evaluering", "Kilde", "kommunen", "og", "ikke", "procent",
          "importeret", "hentet", "indlejret", "kvartal", "Sammenligningsgruppen", "Gennemsnit", "Forskel",
          "Figur", "Side", "Tabel", "Datasæt", "Licens", "Metode", "Forbehold", "resten af landet",
          "Usikkerhedsinterval", "svarende", "færre", "flere", "lavere", "højere", "steg", "faldt", "forskel-i-forskelle"]


def test_english_report_on_imported_data_is_english_and_says_own_data(root, tmp_path, cache):
    """The embedded AUK01 series (real numbers) written out as a user's CSV and imported."""
    from evaltools.cli import main
    from evaltools.data.snapshot_io import load_snapshot

    snap = load_snapshot()
    rows = snap[(snap["measure"] == "kontanthjaelp_nettoledige") & (snap["kode"] != "000")]
    csv = tmp_path / "nettoledige.csv"
    csv.write_text("Kommune;Kvartal;Antal\n" + "".join(
        f"{n};{p.replace('Q', 'K')};{v:g}\n" for n, p, v in zip(rows["navn"], rows["period"], rows["value"])),
        encoding="utf-8")
    assert main(["data", "import", str(csv), "--name", "netto", "--label", "Nettoledige kontanthjælpsmodtagere",
                 "--label-en", "Net-unemployed social assistance recipients"]) == 0  # unit: the default 'personer'
    params = tmp_path / "en.yaml"
    params.write_text("kommune: Lejre\noutcome: import:netto\ninitiative: Youth initiative\nstart: 2012K3\n"
                      "language: en\nreport_date: 2026-11-22\n", encoding="utf-8")
    result = run_report(params, out_dir=tmp_path / "out", notebook=root / "notebooks" / "evaluering.ipynb",
                        formats=("pdf",))
    reader = PdfReader(str(result.pdf))
    text = _flat(" ".join(page.extract_text() for page in reader.pages))
    found = [w for w in DANISH if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text, re.IGNORECASE)]
    assert found == []
    assert "Source: own data" in text
    assert "imported from nettoledige.csv on" in text
    assert "persons per quarter" in text
    assert "Statistics Denmark" not in text  # the numbers are the user's file, whatever their origin
    keywords = str(reader.metadata.get("/Keywords", ""))
    assert "evaluation" in keywords and "evaluering" not in keywords
