"""The DST client and catalogue against real StatBank responses (fixtures/dst/recorded/README.md).

Each recording is served by the local test server with its recorded status, headers and body.
Response content: Kilde: Danmarks Statistik (CC BY 4.0).
"""

import base64
import json
import math
from pathlib import Path

import pytest
import yaml
from werkzeug import Response

from evaltools.data import OUTCOMES
from evaltools.data.dst import DstClient, TableInfo, parse_bulk

RECORDED = Path(__file__).parent / "fixtures" / "dst" / "recorded"
VCR = RECORDED / "vcr"
AUP02_EN = RECORDED / "aup02_tableinfo_en.json"
DST_OUTCOMES = [o.id for o in OUTCOMES.values() if o.origin == "dst"]
# the table list's English variable names -> the variable ids of the tables' tableinfo
VARIABLE_IDS = {"region": "OMRÅDE", "type of benefits": "YDELSESTYPE", "unit": "ENHED", "age": "ALDER",
                "sex": "KØN", "time": "Tid"}


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!binary", lambda loader, node: base64.b64decode(loader.construct_scalar(node)))


def cassette(name: str) -> dict:
    """The one interaction of a VCR cassette: request and response, body as bytes."""
    interaction = yaml.load((VCR / name).read_text(encoding="utf-8"), Loader=_Loader)["http_interactions"][0]
    body = interaction["response"]["body"]["string"]
    interaction["response"]["body"] = body if isinstance(body, bytes) else body.encode("utf-8")
    return interaction


def replay(response: dict) -> Response:
    """The recorded response as the server sends it (framing headers are the server's own)."""
    headers = [(k, v) for k, values in response["headers"].items() for v in values
               if k.lower() not in ("transfer-encoding", "content-length")]
    return Response(response["body"], status=response["status"]["code"], headers=headers)


def client(server) -> DstClient:
    return DstClient(server.url_for("/v1"), backoff=0, retries=0)


def real_tables() -> dict[str, dict]:
    data = json.loads((VCR / "labour_tables_from_tables_all.json").read_text(encoding="utf-8"))
    return {t["id"]: t for t in data["tables"]}


def real_tableinfo(table: str) -> Path | None:
    """A real tableinfo of ``table`` here, if any (Danish preferred)."""
    found = sorted(RECORDED.glob(f"{table.lower()}_tableinfo_*.json"))
    return next((p for p in found if p.stem.endswith("_da")), found[0] if found else None)


# -- tableinfo ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name, lang, title", [("table_info_straf42.yml", "en", "Decisions, total"),
                                               ("table_info_straf42_da.yml", "da", "Strafferetlige afgørelser")])
def test_real_tableinfo_is_parsed(httpserver, name, lang, title):
    rec = cassette(name)
    assert rec["response"]["headers"]["Content-Type"] == ["text/json; charset=utf-8"]
    httpserver.expect_request("/v1/tableinfo", method="POST",
                              json={"table": "STRAF42", "format": "JSON", "lang": lang}).respond_with_response(
        replay(rec["response"]))
    info = client(httpserver).tableinfo("STRAF42", lang=lang)
    assert info.text == title and info.updated == "2025-03-25T08:00:00"
    assert [v.id for v in info.variables] == ["HERKOMST1", "OVERTRÆD", "AFGØRELSE", "ALDER", "KØN", "Tid"]
    assert [len(v.codes) for v in info.variables] == [7, 97, 47, 19, 4, 30]
    assert info.time_variable.id == "Tid" and info.time_variable.codes[0] == "1995"
    assert info.variable("TID").id == "Tid"  # data responses and requests say TID
    # every non-time variable has a total, so a BULK query of nothing at all is complete;
    # in Danish AFGØRELSE's total is 000 "Afgørelsestype i alt" (and 1 "Straffelov i alt" is a subtotal)
    assert {v.id: v.total_code() for v in info.variables if not v.time} == {
        "HERKOMST1": "00", "OVERTRÆD": "TOT", "AFGØRELSE": "000", "ALDER": "TOT", "KØN": "TOT"}
    query = client(httpserver).build_query(info, {}, since="2023")
    assert query[2] == {"code": "AFGØRELSE", "values": ["000"]}
    assert query[-1] == {"code": "Tid", "values": ["2023", "2024"]}


def test_real_aup02_tableinfo_settles_its_structure(httpserver):
    httpserver.expect_request("/v1/tableinfo", method="POST",
                              json={"table": "AUP02", "format": "JSON", "lang": "en"}).respond_with_data(
        AUP02_EN.read_bytes(), content_type="text/json; charset=utf-8")
    info = client(httpserver).tableinfo("AUP02", lang="en")
    assert [(v.id, v.elimination, v.time) for v in info.variables] == [
        ("OMRÅDE", True, False), ("ALDER", True, False), ("KØN", True, False), ("Tid", False, True)]
    assert info.variable("ALDER").codes == ["TOT", "16-24", "25-29", "30-39", "40-49", "50-59", "6099"]
    assert info.variable("KØN").codes == ["TOT", "M", "K"]
    areas = info.variable("OMRÅDE").codes
    assert len(areas) == 117 and areas[0] == "000"
    assert {"081", "082", "083", "084", "085", "01", "11", "998", "997", "101", "350", "825"} <= set(areas)
    from evaltools.kommuner import all_kommuner

    assert {k.code for k in all_kommuner()} <= set(areas)  # all 98 kommuner, by the codes we use
    months = info.time_variable.codes
    assert months[0] == "2007M01" and months[-1] == "2025M09" and len(months) == 225  # monthly, no gaps
    assert {v.id: v.total_code() for v in info.variables if not v.time} == {"OMRÅDE": "000", "ALDER": "TOT", "KØN": "TOT"}


def test_aup02_youth_query_names_only_codes_of_the_real_tableinfo():
    """The catalogue's query for ledighedsprocent_unge, built against AUP02's real tableinfo."""
    info = TableInfo.from_json(json.loads(AUP02_EN.read_bytes()))
    outcome = OUTCOMES["ledighedsprocent_unge"]
    query = DstClient().build_query(info, outcome.query, outcome.since)
    assert [q["code"] for q in query] == ["OMRÅDE", "ALDER", "KØN", "Tid"]  # the tableinfo's ids, Tid as given there
    for q in query:
        assert q["values"] and set(q["values"]) <= set(info.variable(q["code"]).codes), q["code"]
    values = {q["code"]: q["values"] for q in query}
    assert len(values["OMRÅDE"]) == 117 and values["ALDER"] == ["16-24"] and values["KØN"] == ["TOT"]
    assert values["Tid"][0] == "2007M01" and len(values["Tid"]) == 225


# -- data ---------------------------------------------------------------------------------------
def test_real_csv_response_with_bom_and_crlf(httpserver):
    rec = cassette("data_straf42_csv.yml")
    raw = rec["response"]["body"]
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # what the recording is about
    assert rec["response"]["headers"]["Content-Type"] == ["text/csv; charset=utf-8"]
    request = json.loads(rec["request"]["body"]["string"])
    httpserver.expect_request("/v1/data", method="POST", json=request).respond_with_response(replay(rec["response"]))
    with client(httpserver) as c:
        response = c._post("data", request, "STRAF42")
    frame = parse_bulk(response.content.decode("utf-8-sig"))
    assert list(frame.columns) == ["HERKOMST1", "TID", "INDHOLD"]  # no BOM left on the first name
    assert frame.to_dict("records") == [{"HERKOMST1": "Total", "TID": "2023", "INDHOLD": 233454.0}]


@pytest.mark.parametrize("name, expected", [
    ("data_straf42_json.yml", [{"HERKOMST1": "00", "TID": "2023", "INDHOLD": 233454.0}]),
    ("data_straf42_all.yml", [{"TID": "2024", "INDHOLD": 227774.0}]),
])
def test_real_jsonstat_response_through_the_client(httpserver, name, expected):
    rec = cassette(name)
    assert rec["response"]["headers"]["Content-Type"] == ["text/json; charset=utf-8"]
    info = cassette("table_info_straf42.yml")
    httpserver.expect_request("/v1/tableinfo", method="POST").respond_with_response(replay(info["response"]))
    httpserver.expect_request("/v1/data", method="POST").respond_with_response(replay(rec["response"]))
    fetched = client(httpserver).data("STRAF42", {"HERKOMST1": ["00"]}, since="2023", lang="en", format="JSONSTAT")
    assert fetched.frame.to_dict("records") == expected
    sent = json.loads(httpserver.log[-1][0].get_data())
    assert sent["format"] == "JSONSTAT" and sent["variables"][0] == {"code": "HERKOMST1", "values": ["00"]}


def test_a_format_the_client_cannot_read_is_refused_before_asking():
    from evaltools.data.dst import DstQueryError

    with pytest.raises(DstQueryError, match="format 'XLSX' is not supported here; use BULK"):
        DstClient("http://127.0.0.1:9").data("AUP02", format="XLSX")


# -- the table list: first periods and variables of the catalogue's tables ------------------------
@pytest.mark.parametrize("outcome_id", DST_OUTCOMES)
def test_catalogue_outcome_starts_where_its_real_table_does(outcome_id):
    from evaltools.data.dst import _period_key

    outcome = OUTCOMES[outcome_id]
    table = real_tables()[outcome.table]
    assert _period_key(outcome.since) == _period_key(table["firstPeriod"])  # 2007K1 is 2007Q1 in English
    assert (table["unit"] == "Per cent") == (outcome.kind == "rate")  # AULK04's unit is "-": ENHED chooses it


@pytest.mark.parametrize("table", ["AUP02", "AULK04", "AUK01"])
def test_tableinfo_fixtures_have_the_real_tables_variables(table):
    """Reconstructed or real, each tableinfo fixture has the variables the real table list names, in order."""
    path = real_tableinfo(table) or RECORDED.parent / f"{table.lower()}_tableinfo.json"
    info = TableInfo.from_json(json.loads(path.read_bytes()))
    real = real_tables()[table]
    assert [v.id for v in info.variables] == [VARIABLE_IDS[name] for name in real["variables"]]
    assert info.time_variable.codes[0].replace("K", "Q") == real["firstPeriod"]


# -- real recordings of the catalogue's own tables: run for each one that exists ----------------
@pytest.mark.parametrize("outcome_id", DST_OUTCOMES)
def test_catalogue_codes_against_real_tableinfo(outcome_id):
    outcome = OUTCOMES[outcome_id]
    path = real_tableinfo(outcome.table)
    if path is None:
        pytest.skip(f"no real {outcome.table} tableinfo recorded (scripts/record_dst_fixtures.py)")
    info = TableInfo.from_json(json.loads(path.read_bytes()))
    query = DstClient().build_query(info, outcome.query, outcome.since)  # unknown codes raise DstQueryError
    assert [q["code"] for q in query] == [v.id for v in info.variables]
    for q in query:
        assert set(q["values"]) <= set(info.variable(q["code"]).codes)


@pytest.mark.parametrize("outcome_id", DST_OUTCOMES)
def test_catalogue_against_real_bulk_data(outcome_id):
    from evaltools.data.snapshot_io import to_long
    from evaltools.kommuner import all_kommuner

    outcome = OUTCOMES[outcome_id]
    path = RECORDED / f"{outcome.table.lower()}_{outcome_id}_bulk.csv"
    if not path.exists():
        pytest.skip(f"no real BULK answer for {outcome_id} recorded (scripts/record_dst_fixtures.py)")
    long = to_long(parse_bulk(path.read_bytes().decode("utf-8-sig")), "OMRÅDE", "TID", outcome.kind)
    assert {k.code for k in all_kommuner()} | {"000"} <= set(long["kode"])


def test_real_error_response_shows_dsts_message():
    import httpx

    from evaltools.data.dst import _api_error

    path = RECORDED / "error_bulk_missing_variable.json"
    if not path.exists():
        pytest.skip("no real DST error body recorded (scripts/record_dst_fixtures.py)")
    status = int((RECORDED / "error_bulk_missing_variable.status").read_text())
    err = _api_error(httpx.Response(status, content=path.read_bytes()), "AUP02")
    assert status >= 400 and err.message and err.message in str(err)


def test_missing_values_in_jsonstat_are_nan():
    from evaltools.data.dst import parse_jsonstat

    body = json.loads(cassette("data_straf42_json.yml")["response"]["body"])
    body["dataset"]["value"] = [None]
    assert math.isnan(parse_jsonstat(body)["INDHOLD"].iloc[0])


def test_since_in_danish_quarters_selects_english_quarter_codes():
    """The table list (lang=en) writes quarters 2007Q1; the catalogue writes them 2007K1."""
    from evaltools.data.dst import Variable

    quarters = tuple((f"{y}Q{q}", f"{y}Q{q}") for y in (2007, 2008) for q in range(1, 5))
    info = TableInfo("AUK01", "", "", "", (Variable("Tid", "time", False, True, quarters),))
    assert DstClient().build_query(info, {}, since="2007K3")[0]["values"][:2] == ["2007Q3", "2007Q4"]
