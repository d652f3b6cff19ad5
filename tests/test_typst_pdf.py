"""The Typst PDF engine: the same report as the WeasyPrint PDF, checked as a reader and a checker would."""

import base64
import copy
import io
import re

import nbformat
import pikepdf
import pytest
from pypdf import PdfReader

from evaltools.errors import InputError
from evaltools.formatting import MINUS
from evaltools.report.doctree import html_blocks, markdown_blocks
from evaltools.report.engines import get_pdf_engine
from evaltools.report.exporter import EvaltoolsPDFExporter
from evaltools.report.typst_pdf import render_document
from pdf_reading import flat as _flat, pdfua_findings, struct_elements as _struct


def _doc(blocks, lang="da"):
    page, of = ("Side", "af") if lang == "da" else ("Page", "of")
    return {"meta": {"title": "Prøve", "author": "evaltools", "lang": lang, "subject": "", "keywords": [],
                     "date": "2026-01-02", "footer": "Kilde: test\nparametre abc", "page": page, "of": of},
            "blocks": blocks}


# -- the document tree ------------------------------------------------------------------------------

def test_report_html_becomes_blocks_with_row_headers_captions_and_alt_text():
    svg = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>').decode()
    html = f"""<section class="numbers" lang="da"><h2>Tallene</h2>
      <table class="groups"><caption>Ledige (personer)</caption>
        <thead><tr><th scope="col">Gruppe</th><th scope="col" class="num">Før</th></tr></thead>
        <tbody><tr><th scope="row">Lejre</th><td class="num">58</td></tr></tbody></table>
      <figure><img src="data:image/svg+xml;base64,{svg}" alt="Figur 1: en linje"><figcaption>Figur 1: X &amp; Y</figcaption></figure>
      <p class="headline"><span class="number">−27,9 procent</span>
         <span>Forskel</span></p></section>"""
    [section] = html_blocks(html)
    assert (section["t"], section["cls"], section["lang"]) == ("box", "numbers", "da")
    heading, table, figure, par = section["body"]
    assert heading == {"t": "heading", "level": 2, "body": ["Tallene"]}
    assert table["caption"] == ["Ledige (personer)"]
    assert [[c["header"] for c in r] for r in table["head"]] == [[True, True]]
    assert [[(c["header"], c["num"], c["body"]) for c in r] for r in table["body"]] == [[(True, False, ["Lejre"]), (False, True, ["58"])]]
    assert figure["alt"] == "Figur 1: en linje" and figure["caption"] == ["Figur 1: X & Y"]
    assert figure["image"]["mime"] == "image/svg+xml" and figure["image"]["data"].startswith(b"<svg")
    assert par["cls"] == "headline"
    assert par["body"] == [{"t": "span", "cls": "number", "body": ["−27,9 procent"]}, " Forskel"]


def test_markdown_becomes_blocks_and_heading_anchor_links_are_dropped():
    blocks = markdown_blocks("# Baggrund\n\nVi *prøvede* **noget** med `kode` og [DST](https://www.dst.dk).\n\n"
                             "- én\n- to\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert [b["t"] for b in blocks] == ["heading", "par", "list", "table"]
    assert blocks[0]["body"] == ["Baggrund"]  # no ¶
    assert blocks[1]["body"] == ["Vi ", {"t": "em", "body": ["prøvede"]}, " ", {"t": "strong", "body": ["noget"]},
                                 " med ", {"t": "code", "body": ["kode"]}, " og ",
                                 {"t": "link", "href": "https://www.dst.dk", "body": ["DST"]}, "."]
    assert [item[0]["body"] for item in blocks[2]["items"]] == [["én"], ["to"]]
    assert [[c["body"] for c in r] for r in blocks[3]["head"] + blocks[3]["body"]] == [[["a"], ["b"]], [["1"], ["2"]]]


def test_typst_markup_characters_in_text_are_printed_as_typed():
    """Text is data to the template: none of Typst's markup characters may act."""
    tricky = "Pris: $5 * 2_000 #let x = [a] <lbl> @ref // ikke en kommentar = 100 % ~ 'a' \"b\" -- \\ slut"
    as_markdown = re.sub(r"([\\*_<])", r"\\\1", tricky)  # markdown's own escapes; Typst's are not needed
    pdf = render_document(_doc(markdown_blocks(as_markdown) + [{"t": "par", "cls": "", "body": [tricky]}]))
    text = _flat(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    assert text.count(tricky) == 2, text


def test_english_document_says_page_of_and_is_tagged_en():
    pdf = render_document(_doc([{"t": "par", "cls": "", "body": ["Hello"]}], lang="en"))
    assert "Page 1 of 1" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert str(doc.Root.Lang) == "en"


def test_unknown_engine_is_an_input_error_naming_the_choices():
    with pytest.raises(InputError, match="unknown PDF engine 'latex'.*typst, weasyprint"):
        get_pdf_engine("latex")


# -- the example report ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def executed(root, tmp_path_factory):
    from evaltools.runner.run import run_report

    out = tmp_path_factory.mktemp("typst")
    result = run_report(root / "params" / "lejre.yaml", out_dir=out, formats=("ipynb",))
    return nbformat.read(result.outputs["ipynb"], as_version=4)


@pytest.fixture(scope="module")
def typst_pdf(executed, tmp_path_factory):
    body, resources = EvaltoolsPDFExporter(pdf_engine="typst").from_notebook_node(executed)
    assert resources["output_extension"] == ".pdf"
    path = tmp_path_factory.mktemp("typst-pdf") / "lejre.pdf"
    path.write_bytes(body)
    return path


@pytest.fixture(scope="module")
def pages(typst_pdf):
    return [_flat(p.extract_text()) for p in PdfReader(str(typst_pdf)).pages]


@pytest.mark.slow
def test_page_one_has_title_verdict_how_sure_comparison_and_footer(pages):
    page1 = pages[0]
    assert "Evaluering: Målet om færre ledige unge (september 2012) i Lejre Kommune" in page1
    assert "Beskæftigelsesudvalget" in page1
    assert f"{MINUS}27,9 procent" in page1
    assert "Hvor sikre er vi?" in page1 and "33 af 97 andre kommuner" in page1
    assert "kan ikke skelnes fra tilfældige udsving" in page1
    assert "Sammenlignet med" in page1 and "resten af landet" in page1
    assert f"Side 1 af {len(pages)}" in page1
    assert "Kilde: Danmarks Statistik" in page1 and "parametre " in page1
    assert "Figur 1: Udviklingen i Lejre og resten af landet" in page1  # the figure is on page 1


@pytest.mark.slow
def test_later_pages_have_numbers_method_caveats_source_versions_and_no_code(pages):
    text = " ".join(pages[1:])
    assert "18.639" in text and "Placebo-p-værdi" in text
    assert "Metode" in text and "MacKinnon & Webb" in text and "Forbehold" in text
    assert "AUK01" in text and "CC BY 4.0" in text and "statsmodels" in text
    for noise in ("import evaltools", "report.front_page", "Traceback", "In [", "Out["):
        assert noise not in " ".join(pages)


@pytest.mark.slow
def test_figure_text_is_text(pages):
    """svg.fonttype none: tick labels and annotations are searchable text in the PDF."""
    assert "Indsatsen starter 2012K3" in pages[0] and "Indeks, 2012K2 = 100" in pages[0]


@pytest.mark.slow
def test_words_are_hyphenated_danish_style(typst_pdf):
    text = "\n".join(p.extract_text() for p in PdfReader(str(typst_pdf)).pages)
    assert re.search("\\w\u2010\n\\w", text)  # at least one line ends in a hyphenation point
    assert "\u00ad" not in text  # no invisible soft hyphens in place of "-"


@pytest.mark.slow
def test_pdf_is_tagged_with_language_title_alt_texts_and_row_headers(typst_pdf):
    with pikepdf.open(typst_pdf) as pdf:
        assert pdf.Root.MarkInfo.Marked and "/StructTreeRoot" in pdf.Root
        assert str(pdf.Root.Lang) == "da"
        assert str(pdf.docinfo["/Title"]) == "Evaluering: Målet om færre ledige unge (september 2012) i Lejre Kommune"
        assert str(pdf.docinfo["/Author"]) == "evaltools"
        elements = _struct(pdf)
        alts = [str(e.Alt) for e in elements if e.S == "/Figure" and "/Alt" in e]
        assert len(alts) == 4
        assert alts[0].startswith("Figur 1: Nettoledige kontanthjælpsmodtagere i Lejre og resten af landet, indeks 2012K2 = 100")
        assert [a[:8] for a in alts] == ["Figur 1:", "Figur 2:", "Figur 3:", "Figur 4:"]
        row_headers = [e for e in elements if e.S == "/TH" and any(a.get("/Scope") == "/Row" for a in e.A)]
        assert len(row_headers) == 2 + 7 + 4 + 6 + 6  # groups, results, estimators, time placebos, data
        headings = [str(e.S) for e in elements if str(e.S) in ("/H1", "/H2", "/H3")]
        assert headings[:3] == ["/H1", "/H2", "/H3"]
        fonts = [f for page in pdf.pages for f in page.Resources.get("/Font", {}).values()]
        assert fonts and all("/FontFile2" in f.DescendantFonts[0].FontDescriptor
                             or "/FontFile3" in f.DescendantFonts[0].FontDescriptor
                             for f in fonts if "/DescendantFonts" in f)


@pytest.mark.slow
def test_pdfua_check_finds_nothing(typst_pdf):
    assert pdfua_findings(typst_pdf) == []


@pytest.mark.slow
def test_users_own_markdown_and_figures_are_in_the_pdf(executed, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 2))
    ax.plot([1, 2, 3], [3, 1, 2])
    ax.set_title("Egen figur med tekst")
    png, svg = io.BytesIO(), io.StringIO()
    fig.savefig(png, format="png", dpi=50)
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(svg, format="svg")
    plt.close(fig)

    nb = copy.deepcopy(executed)
    md = nbformat.v4.new_markdown_cell("## Vores egne noter\n\nUdvalget *bad* om **tallene** for "
                                       "[Jobcenter](https://jobcenter.dk).\n\n1. første punkt\n2. andet punkt\n\n"
                                       "| Måned | Ledige |\n|---|---:|\n| Januar | 12 |\n")
    code = nbformat.v4.new_code_cell("plt.show()")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(png.getvalue()).decode()},
                               metadata={"alt": "Egen figur: en PNG"}),
        nbformat.v4.new_output("display_data", data={"image/svg+xml": svg.getvalue()},
                               metadata={"alt": "Egen figur: en SVG"}),
        nbformat.v4.new_output("stream", name="stderr", text="UserWarning: støj"),
    ]
    nb.cells[4:4] = [md, code]
    body, _ = EvaltoolsPDFExporter(pdf_engine="typst").from_notebook_node(nb)
    path = tmp_path / "own.pdf"
    path.write_bytes(body)
    text = _flat(" ".join(p.extract_text() for p in PdfReader(str(path)).pages))
    assert "Vores egne noter" in text and "Udvalget bad om tallene for Jobcenter." in text
    assert "første punkt" in text and "Januar 12" in text
    assert "Egen figur med tekst" in text  # the SVG's title as text
    assert "støj" not in text
    with pikepdf.open(path) as pdf:
        alts = [str(e.Alt) for e in _struct(pdf) if e.S == "/Figure" and "/Alt" in e]
        assert "Egen figur: en PNG" in alts and "Egen figur: en SVG" in alts and len(alts) == 6
        assert any(e.S == "/Link" for e in _struct(pdf))
    assert pdfua_findings(path) == []


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["typst", "weasyprint"])
def test_an_image_file_next_to_the_notebook_is_in_the_pdf_and_a_missing_one_is_refused(executed, tmp_path, engine):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from evaltools.report.exporter import NotebookNotExportableError

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.bar([0, 1], [2, 3])
    fig.savefig(tmp_path / "kort over jobcentre.png", format="png", dpi=40)
    plt.close(fig)
    nb = copy.deepcopy(executed)
    nb.cells.insert(4, nbformat.v4.new_markdown_cell("Vores kort:\n\n![Kort over jobcentrene](kort%20over%20jobcentre.png)"))
    # a cell tagged remove-cell never reaches the PDF: an image it names need not exist
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("![vejledning](findes-ikke.png)", metadata={"tags": ["remove-cell"]}))
    body, _ = EvaltoolsPDFExporter(pdf_engine=engine).from_notebook_node(nb, resources={"metadata": {"path": str(tmp_path)}})
    path = tmp_path / "own.pdf"
    path.write_bytes(body)
    with pikepdf.open(path) as pdf:
        alts = [str(e.Alt) for e in _struct(pdf) if e.S == "/Figure" and "/Alt" in e]
    assert "Kort over jobcentrene" in alts  # the picture itself, not its alt text in place of it
    (tmp_path / "kort over jobcentre.png").unlink()
    with pytest.raises(NotebookNotExportableError, match=r"^cell 6 \(Vores kort:\): image 'kort%20over%20jobcentre.png' "
                                                         r"is not in .*; put the file next to the notebook"):
        EvaltoolsPDFExporter(pdf_engine=engine).from_notebook_node(nb, resources={"metadata": {"path": str(tmp_path)}})


@pytest.mark.slow
def test_a_local_image_keeps_its_natural_size_inline_or_on_its_own(executed, tmp_path):
    """A 300x200 PNG written inside a paragraph came out 6 mm wide (1200 ppi, a line's height), and
    on its own it was blown up to the column (44 ppi). Both are now as the notebook shows them:
    96 pixels to the inch (pdfimages -list, poppler-utils)."""
    import shutil
    import subprocess

    from PIL import Image

    if not shutil.which("pdfimages"):
        pytest.skip("pdfimages (poppler-utils) is not installed")
    Image.new("RGB", (300, 200), (200, 30, 30)).save(tmp_path / "kort.png")
    Image.new("RGB", (301, 200), (30, 30, 200)).save(tmp_path / "eget.png")
    nb = copy.deepcopy(executed)
    nb.cells.insert(4, nbformat.v4.new_markdown_cell("Billede her:\n![Kort over KORTBILLEDE](kort.png)"))
    nb.cells.insert(5, nbformat.v4.new_markdown_cell("![Eget billede](eget.png)"))
    body, _ = EvaltoolsPDFExporter(pdf_engine="typst").from_notebook_node(nb, resources={"metadata": {"path": str(tmp_path)}})
    (tmp_path / "own.pdf").write_bytes(body)
    listing = subprocess.run(["pdfimages", "-list", str(tmp_path / "own.pdf")], capture_output=True, text=True).stdout
    ppi = {int(cols[3]): (int(cols[12]), int(cols[13])) for cols in (line.split() for line in listing.splitlines()[2:])
           if len(cols) > 13 and cols[4] == "200" and cols[3] in ("300", "301")}
    assert set(ppi) == {300, 301}, listing
    assert all(abs(x - 96) <= 1 and abs(y - 96) <= 1 for x, y in ppi.values()), ppi


def test_engine_comes_from_config_then_environment_then_default(monkeypatch):
    monkeypatch.delenv("EVALTOOLS_PDF_ENGINE", raising=False)
    assert EvaltoolsPDFExporter().pdf_engine == "typst"
    monkeypatch.setenv("EVALTOOLS_PDF_ENGINE", "weasyprint")
    assert EvaltoolsPDFExporter().pdf_engine == "weasyprint"
    assert EvaltoolsPDFExporter(pdf_engine="typst").pdf_engine == "typst"


def test_standalone_pdfs_follow_the_same_engine_choice(monkeypatch):
    """The batch's overview and claims PDFs: Typst by default, WeasyPrint when chosen; both real text."""
    from evaltools.report.templating import render_pdf

    def producer(pdf: bytes) -> str:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            return str(doc.docinfo.get("/Producer", "")) + str(doc.docinfo.get("/Creator", ""))

    context = dict(title="Påstande", intro="Indledning", caveat="Forbehold", rows=[], lang="da", footer="Kilde: test",
                   L={"headers": ["Kommune"], "page": "Side", "of": "af"})
    monkeypatch.delenv("EVALTOOLS_PDF_ENGINE", raising=False)
    typst_pdf = render_pdf("claims.html.j2", **context)
    monkeypatch.setenv("EVALTOOLS_PDF_ENGINE", "weasyprint")
    weasy_pdf = render_pdf("claims.html.j2", **context)
    assert "Typst" in producer(typst_pdf) and "WeasyPrint" in producer(weasy_pdf)
    for pdf in (typst_pdf, weasy_pdf):
        assert "Indledning" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    monkeypatch.setenv("EVALTOOLS_PDF_ENGINE", "latex")
    with pytest.raises(InputError, match="unknown PDF engine 'latex'"):
        render_pdf("claims.html.j2", **context)


def test_markdown_attachments_and_output_priority_follow_the_html_export():
    from evaltools.report.typst_pdf import notebook_blocks

    png = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()
    md = nbformat.v4.new_markdown_cell("![Kort over kommunen](attachment:kort.png)",
                                       attachments={"kort.png": {"image/png": png}})
    code = nbformat.v4.new_code_cell("df")
    code.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "   a\n0  1",
                                                                   "text/html": "<table><tr><th>a</th></tr><tr><td>1</td></tr></table>"}),
                    nbformat.v4.new_output("stream", name="stdout", text="print-støj")]
    blocks = notebook_blocks(nbformat.v4.new_notebook(cells=[md, code]))
    figure = blocks[0]["body"][0]
    assert (figure["t"], figure["alt"], figure["image"]["mime"]) == ("figure", "Kort over kommunen", "image/png")
    assert figure["image"]["data"].startswith(b"\x89PNG")
    assert [b["t"] for b in blocks[1:]] == ["table"]  # the HTML repr, not the plain one; no stdout


def test_a_table_longer_than_a_page_breaks_with_its_header_repeated():
    """Tables stay on one page when they fit; a longer one (a batch overview of 98 kommuner) must not
    run off the page."""
    rows = "".join(f"<tr><th scope='row'>Kommune {i}</th><td class='num'>{i},0</td></tr>" for i in range(120))
    blocks = html_blocks(f"<table><caption>Lang</caption><thead><tr><th scope='col'>Kommune</th>"
                         f"<th scope='col'>Forskel</th></tr></thead><tbody>{rows}</tbody></table>")
    reader = PdfReader(io.BytesIO(render_document(_doc(blocks))))
    texts = [p.extract_text() for p in reader.pages]
    assert len(texts) == 3
    assert all("Forskel" in t for t in texts)  # the header row on every page
    assert "Kommune 119" in texts[-1] and "Kommune 0" in texts[0]


def test_a_markdown_cell_with_only_a_heading_stays_with_the_table_below_it():
    """'## Egne tal' in its own cell above a code cell's table: at the foot of a page the heading
    moves over with the table instead of being left alone there."""
    table = html_blocks("<table><thead><tr><th scope='col'></th><th scope='col'>andel</th></tr></thead>"
                        "<tbody><tr><th scope='row'>før</th><td>0,35</td></tr></tbody></table>")
    for lines in range(26, 34):  # fills that leave the heading at every height near the page's foot
        filler = {"t": "box", "cls": "markdown", "lang": "",
                  "body": [*markdown_blocks("# Prøve"),  # PDF/UA-1: the first heading is of level 1
                           *({"t": "par", "cls": "", "body": [f"Linje {i}."]} for i in range(lines))]}
        heading = {"t": "box", "cls": "markdown", "lang": "", "body": markdown_blocks("## Egne tal")}
        reader = PdfReader(io.BytesIO(render_document(_doc([filler, heading, *table]))))
        [page] = [p.extract_text() for p in reader.pages if "Egne tal" in p.extract_text()]
        assert "0,35" in page, lines
