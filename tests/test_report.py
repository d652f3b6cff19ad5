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


def test_no_code_or_warnings_in_the_pdf(pdf_text):
    text = "\n".join(pdf_text)
    for noise in ("import evaltools", "report.front_page", "Warning", "Traceback", "In [", "Out["):
        assert noise not in text


def test_later_pages_have_numbers_method_caveats_source_and_versions(pdf_text):
    text = _flat(" ".join(pdf_text[1:]))
    assert "18.690" in text  # rest of country, pre-period mean, Danish thousands separator
    assert "Placebo-p-værdi" in text
    assert "Metode" in text and "MacKinnon & Webb" in text
    assert "Forbehold" in text
    assert "AUK01" in text and "CC BY 4.0" in text
    assert "statsmodels" in text and "papermill" in text


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
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "evaltools_pdf", str(nb)],
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
