"""The claims library (issue 6): every params file builds, quotes its claim and names the measure used."""

import re

import pytest
from pypdf import PdfReader

from evaltools.params import ParamsError, load_params
from evaltools.runner.batch import run_batch

pytestmark = pytest.mark.slow

CLAIMS = {  # params file -> a phrase of the quoted claim, as in the issue
    "lejre": "faldt 77,3 procent på et år",
    "horsens": "halveret fra 500 til 250",
    "lyngby-taarbaek": "faldt 27,2 procent, mens den i hele landet faldt 17,5 procent",
    "egedal": "Route 25",
    "egedal-route25": "fælles projekt for unge ledige i Egedal, Ikast-Brande og Odder",
    "hoersholm": "2,7 millioner kroner",
    "gladsaxe": "end i Ballerup",
}


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub("\u2010\\s*\n", "", text))


@pytest.fixture(scope="module")
def claims_batch(root, tmp_path_factory):
    return run_batch([root / "params"], out_dir=tmp_path_factory.mktemp("reports"), progress=False)


def test_every_claim_report_builds(claims_batch):
    # the plan with several goals builds too; it has no single result row, so no claims-page line
    assert {r["name"]: r["status"] for r in claims_batch.rows} == {
        **{name: "ok" for name in CLAIMS}, "lyngby-taarbaek-plan-2016": "ok"}


@pytest.mark.parametrize("name", list(CLAIMS))
def test_each_pdf_quotes_its_claim_and_states_the_outcome_used(root, claims_batch, name):
    row = next(r for r in claims_batch.rows if r["name"] == name)
    page1 = _flat(PdfReader(row["pdf"]).pages[0].extract_text())
    source = load_params(root / "params" / f"{name}.yaml").claim.source
    assert "Påstanden:" in page1 and CLAIMS[name] in page1 and f"({source})" in page1.replace("\u2010", "-")  # pypdf reads a typed "-" as U+2010
    assert "Kommunen oplyser" not in page1  # a press quote is not the kommune's word
    assert "Vores beregning:" in page1
    assert "vi bruger det nærmeste mål" in page1
    assert ("(AUK01)" in page1) or ("(AUP02)" in page1)
    assert "Figur 1" in page1  # the figure still fits on page 1 under the claim


def test_claims_overview_has_every_claim_with_estimate_and_p(claims_batch):
    text = _flat(PdfReader(str(claims_batch.claims)).pages[0].extract_text())
    assert len(PdfReader(str(claims_batch.claims)).pages) == 1
    assert "Påstande og vores beregninger" in text
    for phrase in CLAIMS.values():
        assert phrase in text
    for row in claims_batch.rows:
        assert row["kommune"] in text
    assert "Placebo-p" in text
    # the reports' pre-period warnings, as the overview flags them, next to the verdict
    claim_rows = [r for r in claims_batch.rows if r.get("claim") and r.get("estimate") is not None]
    flagged = [r for r in claim_rows if r.get("pretrend_warning")]
    assert len(flagged) >= 3
    assert text.count("advarsel: forskellig udvikling før start") == len(flagged)
    early = [r for r in claim_rows if r.get("early_divergence")]
    assert text.count("forskel allerede før start") == len(early)
    # the plan has no single number: its claim is quoted, with where it is assessed
    assert ("deres påstande vurderes mål for mål i planens egen rapport: Lyngby-Taarbæk (lyngby-taarbaek-plan-2016): "
            "»Fem ud af seks mål i Beskæftigelsesplan 2016 er nået") in text


def test_overview_names_what_it_leaves_out_and_tells_reports_apart(claims_batch):
    text = _flat(" ".join(p.extract_text() for p in PdfReader(str(claims_batch.overview)).pages))
    assert ("Ikke med her: lyngby-taarbaek-plan-2016. En plan med flere mål har ikke ét samlet tal; dens egen rapport "
            "vurderer målene hver for sig.") in text
    # Egedal alone and Egedal in Route 25 are two reports of one batch of several params files
    assert "Egedal (egedal)" in text and "Egedal, Ikast-Brande, Odder (egedal-route25)" in text
    assert "Fremhævet" not in text  # every row is its params file's own kommune: nothing to single out


def test_gladsaxe_is_compared_with_ballerup(claims_batch):
    row = next(r for r in claims_batch.rows if r["name"] == "gladsaxe")
    assert "Sammenligningsgruppen er Ballerup." in _flat(PdfReader(row["pdf"]).pages[0].extract_text())


def test_claim_block_is_validated(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("kommune: Lejre\noutcome: kontanthjaelp_nettoledige\ninitiative: x\nstart: 2012K3\n"
                    "claim:\n  text: t\n  vaerdi: 3\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="claim.vaerdi: unknown key"):
        load_params(path)


def test_exact_measure_gets_no_closest_measure_note():
    from evaltools import evaluate
    from evaltools.text import claim_box

    ev = evaluate("Horsens", "kontanthjaelp_nettoledige", "2013K1")
    claim = {"text": "t", "measure": "nettoledige kontanthjælpsmodtagere"}
    assert "det nærmeste mål" in claim_box(ev, claim)["measure_note"]
    assert claim_box(ev, {**claim, "exact": True})["measure_note"] == ""


@pytest.mark.parametrize("engine", ["typst", "weasyprint"])
def test_claims_page_and_batch_overview_under_both_engines(claims_batch, engine, monkeypatch, tmp_path):
    """The batch's own PDFs follow EVALTOOLS_PDF_ENGINE like the reports: one tagged page of claims,
    the overview with its forest plots' alt texts; real text, pdfua clean."""
    import pikepdf
    from pdf_reading import pdfua_findings

    from evaltools.report.claims import render_claims_overview
    from evaltools.report.overview import render_overview

    monkeypatch.setenv("EVALTOOLS_PDF_ENGINE", engine)
    ok = [r for r in claims_batch.rows if r["status"] == "ok" and r.get("outcome")]
    claims, overview = tmp_path / "claims.pdf", tmp_path / "overview.pdf"
    claims.write_bytes(render_claims_overview([r for r in ok if r.get("claim")], "da"))
    overview.write_bytes(render_overview(ok, "params", "da"))
    reader = PdfReader(str(claims))
    assert len(reader.pages) == 1
    text = _flat(reader.pages[0].extract_text())
    assert all(phrase in text for phrase in CLAIMS.values()) and "Side 1 af 1" in text
    ov = _flat(" ".join(p.extract_text() for p in PdfReader(str(overview)).pages))
    assert "Oversigt: params" in ov and "fremhævet: kommunen fra params-filen" in ov and "Lejre" in ov
    for path, title in ((claims, "Påstande og vores beregninger"), (overview, "params")):
        with pikepdf.open(path) as pdf:
            assert str(pdf.Root.Lang) == "da" and str(pdf.docinfo["/Title"]) == title
            creator = str(pdf.docinfo.get("/Creator", "")) + str(pdf.docinfo.get("/Producer", ""))
            assert ("Typst" if engine == "typst" else "WeasyPrint") in creator
        findings = pdfua_findings(path)
        if engine == "weasyprint" and path == overview:
            # known, and as before Typst became the default: WeasyPrint tags the overview's first table
            # without /TR rows (UA-15-003); the Typst overview is clean
            findings = [f for f in findings if f[0] != "UA-15-003"]
        assert findings == []
    with pikepdf.open(overview) as pdf:
        alts = [str(o.Alt) for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and o.get("/S") == "/Figure"]
    assert len(alts) == 3 and all(a.startswith("Figur: ") for a in alts)
