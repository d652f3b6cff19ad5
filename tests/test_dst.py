"""The DST StatBank client against DST-format responses served locally (see fixtures/dst/README.md).

AUP02's tableinfo is DST's real one (recorded/); the BULK bodies here are reconstructions with
synthetic numbers. Real data responses are replayed in test_dst_recorded.py.
"""

import json
import math
import time
from pathlib import Path

import pytest
from werkzeug import Response

from evaltools.cli import main
from evaltools.data import OUTCOMES, load_panel
from evaltools.data.dst import DstApiError, DstClient, DstConnectionError, DstQueryError, parse_bulk
from evaltools.data.fetch import fetch_outcome
from evaltools.report.source import credit, dataset, footer_line

FIX = Path(__file__).parent / "fixtures" / "dst"
# DST's real AUP02 tableinfo (English; served for the client's Danish request: the codes are the same)
INFO = (FIX / "recorded" / "aup02_tableinfo_en.json").read_bytes()
AREAS = [v["id"] for v in json.loads(INFO)["variables"][0]["values"]]  # 117: 000, regions, provinces, kommuner, 998, 997
MONTHS = [f"{y}M{m:02d}" for y in range(2007, 2026) for m in range(1, 13)][:225]  # 2007M01-2025M09
BULK = (FIX / "aup02_bulk_16-24.csv").read_bytes()
EXPECTED_BODY = {
    "table": "AUP02", "format": "BULK", "lang": "da", "valuePresentation": "Code",
    "variables": [{"code": "OMRÅDE", "values": AREAS}, {"code": "ALDER", "values": ["16-24"]},
                  {"code": "KØN", "values": ["TOT"]}, {"code": "Tid", "values": MONTHS}],
}


@pytest.fixture
def dst(httpserver):
    httpserver.expect_request("/v1/tableinfo", method="POST",
                              json={"table": "AUP02", "format": "JSON", "lang": "da"}).respond_with_data(
        INFO, content_type="text/json; charset=utf-8")
    return httpserver


def client(server, **kw) -> DstClient:
    return DstClient(server.url_for("/v1"), backoff=0, **kw)


def test_tableinfo_is_parsed(dst):
    info = client(dst).tableinfo("AUP02")
    assert [v.id for v in info.variables] == ["OMRÅDE", "ALDER", "KØN", "Tid"]
    assert info.time_variable.id == "Tid"
    assert info.variable("omraade").id == "OMRÅDE"  # accent-tolerant lookup
    assert info.variable("KØN").total_code() == "TOT"
    assert len(info.variable("OMRÅDE").codes) == 117  # 000, 5 regions, 11 provinces, 98 kommuner, 998, 997


def test_request_body_fills_every_variable_for_bulk(dst):
    dst.expect_request("/v1/data", method="POST", json=EXPECTED_BODY).respond_with_data(
        BULK, content_type="text/csv; charset=utf-8")
    fetched = client(dst).data("AUP02", {"OMRÅDE": "*", "ALDER": ["16-24"]}, since="2007M01")
    df = fetched.frame
    assert list(df.columns) == ["OMRÅDE", "ALDER", "KØN", "TID", "INDHOLD"]
    assert len(df) == 117 * 225
    assert fetched.query == EXPECTED_BODY
    first = df.iloc[0]
    raw_first = BULK.decode("utf-8-sig").split("\r\n")[1].split(";")
    assert first["OMRÅDE"] == raw_first[0] == "000"
    assert first["INDHOLD"] == float(raw_first[4].replace(",", "."))  # decimal comma
    missing = df[(df["OMRÅDE"] == "084") & (df["TID"] == "2010M05")]["INDHOLD"].iloc[0]
    assert math.isnan(missing)  # '..' is DST's missing value


def test_parse_bulk_handles_thousands_and_missing():
    df = parse_bulk("\ufeffOMRÅDE;TID;INDHOLD\r\n000;2014K1;1.234,5\r\n101;2014K1;..\r\n")
    assert df["INDHOLD"].iloc[0] == 1234.5
    assert math.isnan(df["INDHOLD"].iloc[1])


def test_unknown_code_is_refused_before_asking_for_data(dst):
    with pytest.raises(DstQueryError, match=r"AUP02.ALDER has no value 16-29; valid values include: TOT \(Age, total\), 16-24"):
        client(dst).data("AUP02", {"ALDER": ["16-29"]})
    assert all(req.path != "/v1/data" for req, _ in dst.log)


def test_dst_error_message_is_shown(dst):
    body = {"errorTypeCode": "EXTRACT-TOOLARGE", "message": "Forespørgslen overstiger grænsen på 1.000.000 celler."}
    dst.expect_request("/v1/data", method="POST").respond_with_json(body, status=400)
    with pytest.raises(DstApiError) as info:
        client(dst).data("AUP02", {"ALDER": ["16-24"]})
    err = info.value
    assert err.status == 400 and err.code == "EXTRACT-TOOLARGE"
    assert "Forespørgslen overstiger grænsen på 1.000.000 celler." in str(err)
    assert "Use format='BULK'" in str(err)
    assert len([r for r, _ in dst.log if r.path == "/v1/data"]) == 1  # a 400 is not retried


def test_server_errors_are_retried_with_backoff(dst):
    calls = {"n": 0}

    def flaky(request):
        calls["n"] += 1
        if calls["n"] <= 2:
            return Response("Service Unavailable", status=503)
        return Response(BULK, content_type="text/csv; charset=utf-8")

    dst.expect_request("/v1/data", method="POST").respond_with_handler(flaky)
    fetched = client(dst, retries=3).data("AUP02", {"ALDER": ["16-24"]})
    assert calls["n"] == 3 and len(fetched.frame) == 117 * 225


def test_timeout_gives_a_clear_error(dst):
    def slow(request):
        time.sleep(1.0)
        return Response(BULK)

    dst.expect_request("/v1/data", method="POST").respond_with_handler(slow)
    with pytest.raises(DstConnectionError, match="could not reach DST StatBank .* after 2 tries"):
        client(dst, timeout=0.2, retries=1).data("AUP02", {"ALDER": ["16-24"]})


def test_fetch_then_panel_from_cache_without_network(dst, cache):
    dst.expect_request("/v1/data", method="POST", json=EXPECTED_BODY).respond_with_data(BULK, content_type="text/csv")
    fetch_outcome("ledighedsprocent_unge", client(dst))
    dst.clear()  # no server from here on: the panel comes from the cache
    meta = json.loads(next(cache.glob("*.json")).read_text())
    assert meta["outcome"] == "ledighedsprocent_unge" and meta["fetched_at"]
    panel = load_panel("ledighedsprocent_unge")
    # 2012Q3 for Lejre = mean of its three months in the raw response
    rows = [line.split(";") for line in BULK.decode("utf-8-sig").split("\r\n")[1:] if line]
    months = [float(r[4].replace(",", ".")) for r in rows if r[0] == "350" and r[3] in ("2012M07", "2012M08", "2012M09")]
    assert panel.series(__import__("evaltools").get_kommune("Lejre"))["2012Q3"] == pytest.approx(sum(months) / 3)
    assert panel.national is not None and str(panel.first) == "2007Q1" and str(panel.last) == "2025Q3"
    assert len(panel.values) == 98 and "001" not in panel.values.index  # provinces (01-11), 998, 997 left out
    assert dataset(panel.source, "da").startswith("hentet fra Statistikbankens API")
    # the vintage: when we fetched it and when DST last updated the table (from its tableinfo)
    fetched = meta["fetched_at"]
    updated = json.loads(INFO)["updated"][:10]
    assert dataset(panel.source, "en") == (f"fetched from the StatBank API on {fetched[:10]} at {fetched[11:16]} UTC; "
                                           f"table updated by DST {updated}")
    assert credit(panel.source, "en") == "Source: Statistics Denmark"
    assert footer_line(panel.source, panel.outcome, "en") == f"Source: Statistics Denmark, AUP02 (fetched {fetched[:10]})"


def test_cli_fetch_with_variable_options_and_list(dst, cache, capsys):
    dst.expect_request("/v1/data", method="POST", json=EXPECTED_BODY).respond_with_data(BULK, content_type="text/csv")
    code = main(["data", "fetch", "AUP02", "--omraade", "*", "--alder", "16-24", "--since", "2007M01",
                 "--base-url", dst.url_for("/v1")])
    assert code == 0
    assert "AUP02: 26325 rows" in capsys.readouterr().out
    main(["data", "list"])
    assert "AUP02" in capsys.readouterr().out


def test_cli_reports_unknown_variable(dst, capsys):
    assert main(["data", "fetch", "AUP02", "--aldre", "16-24", "--base-url", dst.url_for("/v1")]) == 2
    assert "has no variable 'aldre'" in capsys.readouterr().err


@pytest.mark.slow
def test_report_from_fetched_data_with_no_network(dst, cache, tmp_path):
    from pypdf import PdfReader

    from evaltools.runner.run import run_report

    dst.expect_request("/v1/data", method="POST", json=EXPECTED_BODY).respond_with_data(BULK, content_type="text/csv")
    fetch_outcome("ledighedsprocent_unge", client(dst))
    dst.clear()  # no handlers, no log: any request from here on would fail and be logged
    params = tmp_path / "unge.yaml"
    params.write_text("kommune: Lejre\noutcome: ledighedsprocent_unge\ninitiative: Test\nstart: 2012K3\n", encoding="utf-8")
    nb = Path(__file__).parents[1] / "notebooks" / "evaluering.ipynb"
    result = run_report(params, out_dir=tmp_path / "out", notebook=nb, formats=("pdf",))
    # Typst's PDF: a typed "-" whose glyph also marks hyphenation reads U+2010 in pypdf ("-" in /ActualText)
    text = " ".join(p.extract_text() for p in PdfReader(str(result.pdf)).pages).replace("\u2010", "-")
    assert "Fuldtidsledige unge (16-24 år)" in text
    assert "hentet fra Statistikbankens API" in text
    assert dst.log == []  # the report never asked the server for anything


def test_fetched_params_library_validates_once_fetched(dst, cache, root):
    from evaltools.params import ParamsError, load_params

    with pytest.raises(ParamsError, match="has not been fetched: run `evaltools data fetch --outcome ledighedsprocent_unge`"):
        load_params(root / "params" / "fetched" / "lejre-unge.yaml")
    dst.expect_request("/v1/data", method="POST", json=EXPECTED_BODY).respond_with_data(BULK, content_type="text/csv")
    fetch_outcome("ledighedsprocent_unge", client(dst))
    load_panel.cache_clear()
    assert load_params(root / "params" / "fetched" / "lejre-unge.yaml").outcome == "ledighedsprocent_unge"


# -- AULK04: long-term unemployed; ENHED is a unit selector without a total ----------------------
AULK04_INFO = (FIX / "aulk04_tableinfo.json").read_bytes()
AULK04_BULK = (FIX / "aulk04_bulk_unge.csv").read_bytes()
AULK04_BODY = {
    "table": "AULK04", "format": "BULK", "lang": "da", "valuePresentation": "Code",
    "variables": [{"code": "OMRÅDE", "values": [v["id"] for v in json.loads(AULK04_INFO)["variables"][0]["values"]]},
                  {"code": "ENHED", "values": ["1"]},
                  {"code": "ALDER", "values": ["16-24", "25-29"]}, {"code": "KØN", "values": ["TOT"]},
                  {"code": "Tid", "values": [f"{y}M{m:02d}" for y in range(2009, 2015) for m in range(1, 13)]}],
}


@pytest.fixture
def aulk04(httpserver):
    httpserver.expect_request("/v1/tableinfo", method="POST",
                              json={"table": "AULK04", "format": "JSON", "lang": "da"}).respond_with_data(
        AULK04_INFO, content_type="text/json; charset=utf-8")
    httpserver.expect_request("/v1/data", method="POST", json=AULK04_BODY).respond_with_data(
        AULK04_BULK, content_type="text/csv; charset=utf-8")
    return httpserver


def _raw_rows(bulk: bytes) -> list[list[str]]:
    return [line.split(";") for line in bulk.decode("utf-8-sig").split("\r\n")[1:] if line]


@pytest.mark.parametrize("outcome_id", [o.id for o in OUTCOMES.values() if o.origin == "dst"])
def test_every_fetchable_outcome_is_a_complete_query_for_its_table(outcome_id):
    from evaltools.data.catalogue import get_outcome
    from evaltools.data.dst import TableInfo

    outcome = get_outcome(outcome_id)
    real = FIX / "recorded" / f"{outcome.table.lower()}_tableinfo_en.json"
    info = TableInfo.from_json(json.loads((real if real.exists() else FIX / f"{outcome.table.lower()}_tableinfo.json").read_bytes()))
    query = {q["code"]: q["values"] for q in DstClient().build_query(info, outcome.query, outcome.since)}
    assert set(query) == {v.id for v in info.variables}  # BULK: every variable has values
    assert query["KØN"] == ["TOT"]  # not given: its total
    if outcome.table == "AULK04":
        assert query["ENHED"] == ["1"]  # persons, not per cent of the labour force
        assert query["Tid"][0] == "2009M01"
    if outcome.table == "AUK01":
        assert query["YDELSESTYPE"] == ["TOTUSU"] and query["ALDER"] == ["16-24", "25-29"]
        assert query["Tid"][0] == "2007K1"


def test_a_variable_without_a_total_must_be_named():
    from evaltools.data.dst import TableInfo

    info = TableInfo.from_json(json.loads(AULK04_INFO))
    with pytest.raises(DstQueryError, match="choose values for: ENHED"):
        DstClient().build_query(info, {"OMRÅDE": "*"})


def test_youth_long_term_unemployed_add_two_age_bands(aulk04, cache):
    fetch_outcome("langtidsledige_unge", client(aulk04))
    aulk04.clear()
    panel = load_panel("langtidsledige_unge")
    rows = _raw_rows(AULK04_BULK)
    lejre = [int(r[5]) for r in rows if r[0] == "350" and r[4] in ("2012M07", "2012M08", "2012M09")]
    assert len(lejre) == 6  # three months x two age bands
    from evaltools import get_kommune

    assert panel.series(get_kommune("Lejre"))["2012Q3"] == pytest.approx(sum(lejre) / 3)
    assert panel.series(get_kommune("Læsø"))["2011Q2"] == 0
    national = [int(r[5]) for r in rows if r[0] == "000" and r[4] in ("2009M01", "2009M02", "2009M03")]
    assert panel.national["2009Q1"] == pytest.approx(sum(national) / 3)
    assert str(panel.first) == "2009Q1" and panel.outcome.label_da == "Langtidsledige unge (16-29 år)"


@pytest.mark.slow
def test_report_on_youth_long_term_unemployment_names_a_zero_kommune(aulk04, cache, root, tmp_path):
    from pypdf import PdfReader

    from evaltools.runner.run import run_report

    fetch_outcome("langtidsledige_unge", client(aulk04))
    aulk04.clear()
    load_panel.cache_clear()
    result = run_report(root / "params" / "fetched" / "lejre-langtidsledige-unge.yaml", out_dir=tmp_path / "out",
                        notebook=root / "notebooks" / "evaluering.ipynb", formats=("pdf",))
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(str(result.pdf)).pages)
    text = text.replace("\u2010", "-")  # as above: pypdf ignores the /ActualText "-" of a typed hyphen
    assert "Langtidsledige unge (16-29 år)" in text
    assert "Svarer til (personer pr. kvartal)" in text  # the outcome's unit, not full-time equivalents
    assert "Læsø har værdien nul i en del af perioden" in text  # 2011 is zero there: no log change
    assert "96 kommuner" in text or "96 andre kommuner" in text  # 97 others less Læsø
    assert aulk04.log == []


DST_OUTCOMES = [o.id for o in OUTCOMES.values() if o.origin == "dst"]


@pytest.mark.parametrize("name", sorted(p.name for p in (Path(__file__).parents[1] / "params" / "fetched").glob("*.yaml")))
def test_each_fetched_params_file_says_how_to_get_its_data(name, root, cache):
    import yaml

    from evaltools.params import ParamsError, load_params

    path = root / "params" / "fetched" / name
    outcome = yaml.safe_load(path.read_text(encoding="utf-8"))["outcome"]
    assert outcome in DST_OUTCOMES
    assert f"evaltools data fetch --outcome {outcome}" in path.read_text(encoding="utf-8")  # the comment says so too
    with pytest.raises(ParamsError, match=f"run `evaltools data fetch --outcome {outcome}` once"):
        load_params(path)


def test_a_cut_off_answer_is_not_cached_and_a_damaged_cache_is_one_line(dst, cache, root, capsys):
    """One row from /v1/data was cached as the outcome; check, run and every batch naming it then
    ended in pandas' 'freq not specified' traceback."""
    from evaltools.cli import main
    from evaltools.errors import DataError

    header = BULK.decode("utf-8-sig").split("\r\n")[0]
    cut = (header + "\r\n101;16-24;TOT;2007M01;5,1\r\n").encode("utf-8")
    dst.expect_request("/v1/data", method="POST", json=EXPECTED_BODY).respond_with_data(cut, content_type="text/csv")
    with pytest.raises(DataError, match=r"StatBank's answer for ledighedsprocent_unge \(AUP02\) is not a usable table: "
                                        r"it holds 1 row\(s\), 0 complete period\(s\); nothing was cached"):
        fetch_outcome("ledighedsprocent_unge", client(dst))
    assert not list(cache.glob("*.parquet")) if cache.exists() else True
    # a table damaged in the cache some other way (written by an older version, cut off on disk)
    dst.clear()
    dst.expect_request("/v1/tableinfo", method="POST").respond_with_data(INFO, content_type="text/json; charset=utf-8")
    dst.expect_request("/v1/data", method="POST", json=EXPECTED_BODY).respond_with_data(BULK, content_type="text/csv")
    fetch_outcome("ledighedsprocent_unge", client(dst))
    load_panel.cache_clear()
    next(cache.glob("*.parquet")).write_bytes(b"PAR1 cut off")
    with pytest.raises(DataError, match="ledighedsprocent_unge: the cached table .* cannot be used .*; fetch it again: "
                                        "evaltools data fetch --outcome ledighedsprocent_unge"):
        load_panel("ledighedsprocent_unge")
    assert main(["check", str(root / "params" / "fetched" / "lejre-unge.yaml")]) != 0
    err = capsys.readouterr().err
    assert "cannot be used" in err and "Traceback" not in err and err.count("\n") == 1, err
    # in a batch it is that report's failure alone, not the batch's
    from evaltools.runner.jobs import plan_jobs

    jobs = {j.name: j for j in plan_jobs([root / "params" / "lejre.yaml", root / "params" / "fetched" / "lejre-unge.yaml"])}
    assert jobs["lejre"].error is None and "cannot be used" in jobs["lejre-unge"].error
