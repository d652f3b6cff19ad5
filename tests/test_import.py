"""Importing a user's CSV/Excel export: row-numbered errors, nothing silently dropped or written."""

import random

import pandas as pd
import pytest

from evaltools import evaluate
from evaltools.cli import main
from evaltools.data import load_panel
from evaltools.data.importer import ImportValidationError, import_table
from evaltools.kommuner import all_kommuner


def test_malformed_csv_lists_every_problem_with_row_numbers_and_writes_nothing(tmp_path, cache, capsys):
    path = tmp_path / "jobindsats.csv"
    path.write_text(
        "Område;Periode;Antal\n"       # row 1: header
        "Lejre;2014K1;120\n"           # 2
        "Lejre;2014K2;1.234,5\n"       # 3: Danish thousands separator, fine
        "Lejer;2014K1;80\n"            # 4: unknown kommune
        "Horsens;2014K1;abc\n"         # 5: not a number
        "Horsens;2014K1;300\n"         # 6: duplicate period
        "Horsens;2014K3;310\n"         # 7: gap (2014K2 missing)
        "Aarhus;2014X9;5\n",           # 8: not a period
        encoding="utf-8")
    with pytest.raises(ImportValidationError) as info:
        import_table(path, name="x", label="x", unit="personer")
    messages = [str(e) for e in info.value.errors]
    assert any(m.startswith("row 4: Unknown kommune 'Lejer'. Did you mean: Lejre") for m in messages)
    assert "row 5: value 'abc' is not a number" in messages
    assert any(m.startswith("row 6: kommune 615 has period 2014Q1 more than once (rows 5, 6)") for m in messages)
    assert any(m.startswith("row 7: kommune 615 has gaps: no value for 2014Q2") for m in messages)
    assert any(m.startswith("row 8: '2014X9' is not a period") for m in messages)
    assert not cache.exists()  # nothing written
    assert main(["data", "import", str(path), "--name", "x", "--label", "x"]) == 2
    err = capsys.readouterr().err
    assert "problem(s); nothing was imported" in err and "row 5:" in err


def _good(n_quarters=20, seed=3):
    rng = random.Random(seed)
    quarters = [f"{y}K{q}" for y in range(2010, 2015) for q in range(1, 5)][:n_quarters]
    rows = []
    for k in all_kommuner():
        base = rng.uniform(20, 400)
        rows += [(k.name, q, round(base * rng.uniform(0.9, 1.1))) for q in quarters]
    return pd.DataFrame(rows, columns=["Kommune", "Kvartal", "Antal"])


def test_good_csv_imports_and_evaluates(tmp_path, cache):
    path = tmp_path / "unge.csv"
    _good().to_csv(path, sep=";", index=False)
    outcome = import_table(path, name="unge", label="Unge langtidsledige", unit="personer")
    assert outcome == "import:unge"
    ev = evaluate("Lejre", outcome, "2013K1")
    assert ev.placebo.n_placebos == 97
    assert ev.outcome.label_da == "Unge langtidsledige"
    assert "importeret fra unge.csv" in ev.panel.source["origin"]


def test_excel_import(tmp_path, cache):
    path = tmp_path / "unge.xlsx"
    _good(n_quarters=12).to_excel(path, index=False)
    assert import_table(path, name="xl", label="Fra Excel", unit="personer") == "import:xl"
    assert str(load_panel("import:xl").last) == "2012Q4"


def test_missing_kommune_leaves_rest_intact_but_a_named_comparison_fails(tmp_path, cache):
    from evaltools.design import DesignError

    path = tmp_path / "uden_laesoe.csv"
    df = _good()
    df[df["Kommune"] != "Læsø"].to_csv(path, sep=";", index=False)
    outcome = import_table(path, name="u", label="Uden Læsø", unit="personer")
    ev = evaluate("Lejre", outcome, "2013K1")
    assert ev.gaps.missing == ["825"] and ev.gaps.n_comparison == 96
    assert ev.placebo.n_placebos == 96
    with pytest.raises(DesignError, match="comparison kommune Læsø has no data for part of 2011K1-2013K4"):
        evaluate("Lejre", outcome, "2013K1", comparison=["Læsø", "Roskilde"])
