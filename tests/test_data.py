import csv
import gzip

import pytest

from evaltools.data import load_panel, load_snapshot, provenance
from evaltools.data.build import write_snapshot
from evaltools.data.snapshot_io import NATIONAL_CODE
from evaltools.kommuner import get_kommune


def test_committed_snapshot_equals_a_fresh_build_from_the_raw_files(raw_dir, tmp_path):
    fresh = write_snapshot(raw_dir, tmp_path)
    from evaltools.data.build import SNAPSHOT_DIR

    assert gzip.decompress(fresh.read_bytes()) == gzip.decompress((SNAPSHOT_DIR / "dst_snapshot.csv.gz").read_bytes())
    assert (tmp_path / "provenance.json").read_text() == (SNAPSHOT_DIR / "provenance.json").read_text()


def test_tidy_table_shape():
    df = load_snapshot()
    assert list(df.columns) == ["measure", "kode", "navn", "regionskode", "region", "period", "value"]
    # AUK01: 98 kommuner + Hele landet x 76 quarters; LBESK69: 99 x 71; AUP02: 98 x 18 (no national)
    counts = df.groupby("measure").size().to_dict()
    assert counts == {"kontanthjaelp_nettoledige": 99 * 76, "fuldtidsbeskaeftigede": 99 * 71, "ledighedsprocent": 98 * 18}


def test_values_match_the_raw_dst_file(raw_dir):
    # read straight from DST's file: Lejre 2012Q3 and All Denmark 2007Q1
    path = raw_dir / "dst_auk01_net_unemployed_social_assistance_kommune_quarterly_2007Q1_2025Q4.csv"
    with open(path, encoding="utf-8-sig") as fh:
        rows = {(r["OMRÅDE"], r["TID"]): float(r["INDHOLD"]) for r in csv.DictReader(fh, delimiter=";")}
    panel = load_panel("kontanthjaelp_nettoledige")
    lejre = panel.series(get_kommune("Lejre"))
    assert lejre["2012Q3"] == rows[("Lejre", "2012Q3")] == 46
    assert panel.national["2007Q1"] == rows[("All Denmark", "2007Q1")] == 19206
    assert panel.series(get_kommune("København"))["2015Q1"] == rows[("Copenhagen", "2015Q1")]


def test_national_label_and_no_invented_national_rate():
    df = load_snapshot()
    nat = df[df["kode"] == NATIONAL_CODE]
    assert set(nat["navn"]) == {"Hele landet"}
    assert "ledighedsprocent" not in set(nat["measure"])
    assert load_panel("ledighedsprocent").national is None


def test_provenance_carries_the_credit_and_tables():
    p = provenance()
    assert p["credit"] == "Kilde: Danmarks Statistik"
    assert p["licence"] == "CC BY 4.0"
    assert {m["table"] for m in p["measures"].values()} == {"AUK01", "LBESK69", "AUP02"}


@pytest.mark.parametrize("outcome, first, last", [("kontanthjaelp_nettoledige", "2007Q1", "2025Q4"),
                                                   ("fuldtidsbeskaeftigede", "2008Q1", "2025Q3"),
                                                   ("ledighedsprocent", "2007", "2024")])
def test_coverage(outcome, first, last):
    panel = load_panel(outcome)
    assert (str(panel.first), str(panel.last)) == (first, last)
    assert panel.values.notna().all().all()
