"""Every report names its real source, in the report's language (issue 10, finding 9)."""

import pandas as pd
import pytest

from evaltools.data import load_panel
from evaltools.data.importer import import_table
from evaltools.report.source import credit, dataset, publisher, source_row, table_line


def _reimport_embedded(tmp_path, **kw) -> str:
    """The embedded AUK01 series, written as a user's CSV (real numbers) and imported."""
    from evaltools.data.snapshot_io import load_snapshot

    snap = load_snapshot()
    rows = snap[(snap["measure"] == "kontanthjaelp_nettoledige") & (snap["kode"] != "000")]
    csv = tmp_path / "nettoledige.csv"
    pd.DataFrame({"Kommune": rows["navn"], "Kvartal": rows["period"].str.replace("Q", "K"),
                  "Antal": rows["value"]}).to_csv(csv, sep=";", index=False)
    return import_table(csv, name="netto", **kw).outcome


def test_embedded_snapshot(cache):
    src = load_panel("kontanthjaelp_nettoledige").source
    assert credit(src, "da") == "Kilde: Danmarks Statistik"
    assert credit(src, "en") == "Source: Statistics Denmark"
    assert dataset(src, "da") == "indlejret øjebliksbillede i evaltools, kopieret 2026-11-22"
    assert dataset(src, "en") == "embedded snapshot in evaltools, copied 2026-11-22"
    # DST's own English title of AUK01 (StatBank API, lang=en)
    assert table_line(src, load_panel("kontanthjaelp_nettoledige").outcome, "en") == "AUK01: Persons receiving public benefits"


def test_imported_data_is_own_data_in_both_languages(tmp_path, cache):
    outcome = _reimport_embedded(tmp_path, label="Nettoledige kontanthjælpsmodtagere", unit="personer")
    panel = load_panel(outcome)
    src = panel.source
    assert credit(src, "da") == "Kilde: egne data"
    assert credit(src, "en") == "Source: own data"
    assert publisher(src, "en") == "Own data, imported by the user"
    assert source_row(src, "en") == "Own data, imported by the user."  # not 'own data' twice
    day = src["fetched_at"][:10]
    assert dataset(src, "da") == f"importeret fra nettoledige.csv {day}"
    assert dataset(src, "en") == f"imported from nettoledige.csv on {day}"
    assert panel.outcome.unit("en") == "persons"  # 'personer' is the Danish default unit
    assert panel.outcome.source_note_en == "Imported from nettoledige.csv"


def test_import_takes_english_label_and_unit(tmp_path, cache):
    outcome = _reimport_embedded(tmp_path, label="Nettoledige", unit="fuldtidspersoner",
                                 label_en="Net unemployed", unit_en="FTEs")
    o = load_panel(outcome).outcome
    assert (o.label("en"), o.subject("en"), o.unit("en")) == ("Net unemployed", "Net unemployed", "FTEs")
    assert (o.label("da"), o.unit("da")) == ("Nettoledige", "fuldtidspersoner")


@pytest.mark.parametrize("unit, english", [("fuldtidspersoner", "full-time equivalents"), ("procent", "per cent"),
                                           ("sager", "sager")])
def test_known_danish_units_are_translated_unknown_ones_kept(tmp_path, cache, unit, english):
    outcome = _reimport_embedded(tmp_path, label="x", unit=unit)
    assert load_panel(outcome).outcome.unit("en") == english
