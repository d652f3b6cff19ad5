"""Importing a user's CSV/Excel export: row-numbered errors, nothing silently dropped or written."""

import random

import pandas as pd
import pytest

from evaltools import evaluate
from evaltools.cli import main
from evaltools.data import load_panel
from evaltools.data.importer import ImportValidationError, import_table
from evaltools.kommuner import all_kommuner
from evaltools.report.source import dataset


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
    assert "row 6: Horsens (615) has no value for 2014Q2 (the first missing period would follow this row)" in messages
    assert any(m.startswith("row 8: '2014X9' is not a period") for m in messages)
    assert not cache.exists()  # nothing written
    assert main(["data", "import", str(path), "--name", "x", "--label", "x"]) == 2
    err = capsys.readouterr().err
    assert "problem(s); nothing was imported" in err and "row 5:" in err


def test_a_misspelt_kommune_is_one_error_not_also_a_gap(tmp_path, cache):
    path = tmp_path / "stavefejl.csv"
    path.write_text("Område;Periode;Antal\n" "Lejre;2014K1;120\n" "Lejer;2014K2;121\n" "Lejre;2014K3;119\n"
                    "Horsens;2014K1;300\n" "Horsens;2014K3;310\n", encoding="utf-8")  # Horsens lacks 2014K2 itself
    with pytest.raises(ImportValidationError) as info:
        import_table(path, name="x", label="x", unit="personer")
    messages = [str(e) for e in info.value.errors]
    assert len(messages) == 2, messages
    assert messages[0].startswith("row 3: Unknown kommune 'Lejer'. Did you mean: Lejre")
    # Lejre's hole at 2014K2 is row 3's error already; Horsens' is not covered by any row, so it is said
    assert messages[1] == "row 5: Horsens (615) has no value for 2014Q2 (the first missing period would follow this row)"


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
    outcome = import_table(path, name="unge", label="Unge langtidsledige", unit="personer").outcome
    assert outcome == "import:unge"
    ev = evaluate("Lejre", outcome, "2013K1")
    assert ev.placebo.n_placebos == 97
    assert ev.outcome.label_da == "Unge langtidsledige"
    assert dataset(ev.panel.source, "da").startswith("importeret fra unge.csv")


def test_excel_import(tmp_path, cache):
    path = tmp_path / "unge.xlsx"
    _good(n_quarters=12).to_excel(path, index=False)
    assert import_table(path, name="xl", label="Fra Excel", unit="personer").outcome == "import:xl"
    assert str(load_panel("import:xl").last) == "2012Q4"


def test_missing_kommune_leaves_rest_intact_but_a_named_comparison_fails(tmp_path, cache):
    from evaltools.design import DesignError

    path = tmp_path / "uden_laesoe.csv"
    df = _good()
    df[df["Kommune"] != "Læsø"].to_csv(path, sep=";", index=False)
    imported = import_table(path, name="u", label="Uden Læsø", unit="personer")
    assert imported.notes == ["1 kommune(r) not in the file: Læsø; reports leave them out of every comparison"]
    outcome = imported.outcome
    ev = evaluate("Lejre", outcome, "2013K1")
    assert ev.gaps.missing == ["825"] and ev.gaps.n_comparison == 96
    assert ev.placebo.n_placebos == 96
    with pytest.raises(DesignError, match="comparison kommune Læsø has no data for part of 2011K1-2013K4"):
        evaluate("Lejre", outcome, "2013K1", comparison=["Læsø", "Roskilde"])


def _jobindsats_export(path, hidden=True):
    """A file shaped like a Jobindsats export: title lines, two value columns, regions and the
    national total among the kommuner, official names ('Københavns Kommune'), Windows-1252."""
    rng = random.Random(7)
    lines = ["Jobindsats.dk", "Y36A02: Kontanthjælp - personer og fuldtidspersoner", "", "Udtrukket 23-11-2026",
             "Område;Periode;Antal personer;Antal fuldtidspersoner"]
    quarters = [f"{y}K{q}" for y in range(2011, 2014) for q in range(1, 5)]
    for q in quarters:
        lines.append(f"Hele landet;{q};45.000;38.123,5")
        lines.append(f"Region Hovedstaden;{q};12.000;10.000,0")
    for k in all_kommuner():
        name = "Københavns Kommune" if k.code == "101" else k.full_name
        base = rng.uniform(20, 400)
        for q in quarters:
            value = ".." if hidden and k.code == "825" and q == "2012K2" else f"{round(base * rng.uniform(0.9, 1.1))}"
            lines.append(f"{name};{q};{value};{value}")
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    return lines


def test_jobindsats_export_is_read_as_it_comes(tmp_path, cache, capsys):
    path = tmp_path / "jobindsats.csv"
    lines = _jobindsats_export(path)
    hidden_row = next(i for i, ln in enumerate(lines, start=1) if ln.startswith("Læsø Kommune;2012K2"))

    with pytest.raises(ImportValidationError) as info:  # two value columns: the user must say which
        import_table(path, name="job", label="Kontanthjælp", unit="personer")
    assert str(info.value.errors[0]) == ("row 5: several value columns ('Antal personer', 'Antal fuldtidspersoner'); "
                                         "choose one with --value-column")
    with pytest.raises(ImportValidationError) as info:  # a hidden value is not a silent gap
        import_table(path, name="job", label="Kontanthjælp", unit="personer", value_column="Antal personer")
    assert [str(e) for e in info.value.errors] == [
        f"row {hidden_row}: value '..' is missing or hidden (discretion); import with --allow-missing to keep it as missing"]
    assert not cache.exists()

    code = main(["data", "import", str(path), "--name", "job", "--label", "Kontanthjælp",
                 "--value-column", "Antal personer", "--allow-missing"])
    out = capsys.readouterr().out
    assert code == 0
    assert "note: read as Windows-1252" in out
    assert "note: 12 row(s) for regions, provinces and other areas that are not kommuner left out" in out
    assert f"note: 1 hidden/missing value(s) kept as missing (row {hidden_row}: Læsø)" in out
    assert "imported 1188 rows as outcome 'import:job'" in out  # (98 kommuner + Hele landet) x 12 quarters
    panel = load_panel("import:job")
    from evaltools import get_kommune

    assert panel.national["2012Q1"] == 45000
    copenhagen = next(ln for ln in lines if ln.startswith("Københavns Kommune;2012K1"))
    assert panel.series(get_kommune("København"))["2012Q1"] == float(copenhagen.split(";")[2])
    ev = evaluate("Lejre", "import:job", "2013K1")
    assert ev.gaps.missing == ["825"]  # Læsø's hidden quarter keeps it out of the comparison, named

    main(["data", "import", str(path), "--name", "job", "--label", "Kontanthjælp",
          "--value-column", "Antal fuldtidspersoner", "--allow-missing"])
    assert "note: replaces the earlier import:job (from jobindsats.csv" in capsys.readouterr().out


def test_excel_with_title_rows_and_a_file_without_a_header(tmp_path, cache):
    path = tmp_path / "med_titel.xlsx"
    body = _good(n_quarters=12)
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame([["Jobindsats.dk"], ["Udtræk 2026"]]).to_excel(xl, index=False, header=False)
        body.to_excel(xl, index=False, startrow=3)  # header on row 4
    assert import_table(path, name="titel", label="Med titel", unit="personer").rows == 98 * 12

    bad = tmp_path / "uden_header.csv"
    bad.write_text("Lejre;2014K1;120\nLejre;2014K2;130\n", encoding="utf-8")
    with pytest.raises(ImportValidationError, match="row 1: no header row with an area, a period and a value column"):
        import_table(bad, name="bad", label="x", unit="personer")


def test_a_reimport_by_another_process_is_seen_by_a_process_that_read_the_table_before(tmp_path, cache):
    """A Dask worker's kernel (or a notebook's) lives on after a batch; a re-import in the terminal
    must reach it. It used to keep the old table and report it, with the old data hash, as fresh."""
    import subprocess
    import sys

    from evaltools.hashing import panel_hash

    frame = _good()
    path = tmp_path / "unge.csv"
    frame.to_csv(path, sep=";", index=False)
    import_table(path, name="unge", label="Unge", unit="personer")
    before = load_panel("import:unge")
    lejre_q1 = before.values.loc["350", pd.Period("2013Q1")]
    frame.loc[(frame["Kommune"] == "Lejre") & (frame["Kvartal"] == "2013K1"), "Antal"] = 500
    frame.to_csv(path, sep=";", index=False)
    subprocess.run([sys.executable, "-m", "evaltools.cli", "data", "import", str(path), "--name", "unge",
                    "--label", "Unge", "--unit", "personer"], check=True, capture_output=True)
    after = load_panel("import:unge")  # no cache_clear here: this process did not import
    assert (lejre_q1, after.values.loc["350", pd.Period("2013Q1")]) == (lejre_q1, 500)
    assert lejre_q1 != 500 and panel_hash(after) != panel_hash(before)
    assert load_panel("import:unge") is after  # read once while it stays the same


def _rates(fmt, tweak=None):
    """A rate table for every kommune, 8 quarters, values written with ``fmt`` (e.g. '{:.1f}')."""
    frame = _good(n_quarters=8)
    frame["Antal"] = [fmt.format(1 + v / 50) for v in frame["Antal"]]  # 1.4 to 9.8: per cent
    if tweak:
        frame.loc[0, "Antal"] = tweak
    return frame.rename(columns={"Antal": "Værdi"})


def test_a_point_with_three_digits_is_a_decimal_point_in_a_file_that_writes_decimals_with_points(tmp_path, cache):
    """'2.125' next to '3.8' is two and an eighth, not 2125 (which page 1 once printed as
    '+1.060,8 procentpoint'); next to '954' and '19.206' it stays 2125."""
    path = tmp_path / "rate.csv"
    _rates("{:.1f}", tweak="2.125").to_csv(path, sep=";", index=False)
    import_table(path, name="r", label="r", unit="procent", kind="rate")
    assert load_panel("import:r").values.loc["101", pd.Period("2010Q1")] == 2.125  # row 2 is København's
    counts = tmp_path / "counts.csv"
    frame = _good(n_quarters=8)
    frame["Antal"] = frame["Antal"].astype(str)
    frame.loc[0, "Antal"], frame.loc[1, "Antal"] = "19.206", "954"
    frame.to_csv(counts, sep=";", index=False)
    import_table(counts, name="c", label="c", unit="personer")
    assert load_panel("import:c").values.loc["101", [pd.Period("2010Q1"), pd.Period("2010Q2")]].tolist() == [19206, 954]


@pytest.mark.parametrize("fmt, tweak, row, says", [
    ("{:.3f}", None, 2, "every value is written like '"),  # 3.840: a decimal point or thousands? refused
    ("{:.1f}", "3,8", 3, "the file writes decimals both with a point (row 3: "),
    ("{:.1f}", "240", 2, "value 240 is above 100, but the unit is procent"),
    ("{:.1f}", "-1.5", 2, "value -1.5 is negative; a rate cannot be"),
])
def test_values_that_cannot_be_what_the_file_says_are_refused_naming_the_row(tmp_path, cache, fmt, tweak, row, says):
    path = tmp_path / "rate.csv"
    _rates(fmt, tweak).to_csv(path, sep=";", index=False)
    with pytest.raises(ImportValidationError) as info:
        import_table(path, name="r", label="r", unit="procent", kind="rate")
    first = info.value.errors[0]
    assert (first.row, says in first.message) == (row, True), str(first)
    assert not cache.exists() or not list(cache.glob("*.parquet"))  # nothing written


def test_a_negative_count_is_refused(tmp_path, cache):
    path = tmp_path / "neg.csv"
    frame = _good(n_quarters=8)
    frame.loc[5, "Antal"] = -61
    frame.to_csv(path, sep=";", index=False)
    with pytest.raises(ImportValidationError) as info:
        import_table(path, name="n", label="n", unit="personer")
    assert [str(e) for e in info.value.errors] == ["row 7: value -61 is negative; a count cannot be"]


def test_the_real_dst_export_imports_as_it_comes_and_equals_the_embedded_snapshot(root, cache, capsys):
    """DST's own AUK01 export (data/dst, as downloaded) has province rows ("Province Byen København"),
    "Not stated municipality" and "Abroad" besides kommuner and regions; they used to stop the import
    with 988 errors."""
    path = root / "data" / "dst" / "dst_auk01_net_unemployed_social_assistance_kommune_quarterly_2007Q1_2025Q4.csv"
    areas = [line.split(";")[0] for line in path.read_text(encoding="utf-8-sig").splitlines()[1:]]
    others = [a for a in areas if a.startswith(("Province ", "Region ")) or a in ("Not stated municipality", "Abroad")]
    assert len(others) == 18 * 76  # 11 provinces, 5 regions, not stated, abroad; 76 quarters
    assert main(["data", "import", str(path), "--name", "auk", "--label", "Nettoledige"]) == 0
    assert f"note: {len(others)} row(s) for regions, provinces and other areas that are not kommuner left out" \
        in capsys.readouterr().out
    imported, embedded = load_panel("import:auk"), load_panel("kontanthjaelp_nettoledige")
    pd.testing.assert_frame_equal(imported.values, embedded.values, check_names=False)


@pytest.mark.parametrize("sep", [";", ","])
def test_value_column_names_a_column_the_importer_does_not_know(tmp_path, cache, capsys, sep):
    path = tmp_path / "ledighed.csv"
    frame = _rates("{:.1f}").rename(columns={"Værdi": "Ledighed", "Kvartal": "År"})
    frame["År"] = 2010 + frame.groupby("Kommune").cumcount()  # 8 years per kommune
    if sep == ";":  # Danish Excel: decimal commas
        frame["Ledighed"] = frame["Ledighed"].str.replace(".", ",")
    frame.to_csv(path, sep=sep, index=False)
    assert main(["data", "import", str(path), "--name", "l", "--label", "l", "--kind", "rate", "--unit", "procent"]) == 2
    assert "name another value column with --value-column" in capsys.readouterr().err
    assert main(["data", "import", str(path), "--name", "l", "--label", "l", "--kind", "rate", "--unit", "procent",
                 "--value-column", "Ledighed"]) == 0
    assert load_panel("import:l").values.loc["101"].tolist() == pytest.approx(
        [float(str(v).replace(",", ".")) for v in frame.loc[frame["Kommune"] == "København", "Ledighed"]])


def test_a_quarter_added_for_one_kommune_or_missing_at_one_kommunes_end_is_refused(tmp_path, cache):
    """It passed the import and `check`, then failed the run: 'only 0 other kommune(s) can serve as placebos'."""
    frame = _good(n_quarters=8)
    extra = pd.DataFrame([("Lejre", "2012K1", 61)], columns=frame.columns)
    path = tmp_path / "added.csv"
    pd.concat([frame, extra]).to_csv(path, sep=";", index=False)
    with pytest.raises(ImportValidationError) as info:
        import_table(path, name="a", label="a", unit="personer")
    assert [str(e) for e in info.value.errors] == [
        f"row {len(frame) + 2}: 2012Q1 is given only for Lejre (1 of 98 areas); give it for every kommune, or leave it out"]
    short = frame.drop(frame.index[(frame["Kommune"] == "Horsens") & (frame["Kvartal"] == "2011K4")])
    short.to_csv(path, sep=";", index=False)
    with pytest.raises(ImportValidationError) as info:
        import_table(path, name="a", label="a", unit="personer")
    row = 2 + short.index.get_loc(short.index[(short["Kommune"] == "Horsens") & (short["Kvartal"] == "2011K3")][0])
    assert [str(e) for e in info.value.errors] == [
        f"row {row}: Horsens (615) has no value for 2011Q4, which the other areas have"]


def test_overview_claims_and_plan_pages_credit_own_data_and_name_its_hash(tmp_path, cache):
    """An own-data batch's overview.pdf and claims.pdf said 'Kilde: Danmarks Statistik' and carried no
    data hash; a plan's footer did too."""
    import io

    from pypdf import PdfReader

    from evaltools.report.claims import render_claims_overview
    from evaltools.report.overview import render_overview
    from evaltools.report.source import outcomes_credit

    path = tmp_path / "unge.csv"
    _good().to_csv(path, sep=";", index=False)
    import_table(path, name="unge", label="Unge", unit="personer")
    row = {"kommune": "Lejre", "seed": True, "outcome": "import:unge", "unit": "procent", "estimate": -5.0,
           "conf_low": -20.0, "conf_high": 10.0, "p_value_placebo": 0.4, "pretrend_warning": False,
           "early_divergence": False, "claim": "Et fald", "data_hash": "0123456789ab"}
    for pdf in (render_overview([row], "egne", "da"), render_claims_overview([row], "da")):
        text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
        assert "Kilde: egne data" in text and "data 0123456789ab" in text and "Danmarks Statistik" not in text
    assert outcomes_credit(["import:unge", "kontanthjaelp_nettoledige"], "en") == "Source: own data; Statistics Denmark"
    plan = {"kommune": "Lejre", "name": "plan", "claim": "Fem af seks mål", "data_hash": "fedcba987654"}
    text = " ".join(PdfReader(io.BytesIO(render_claims_overview([], "da", [plan]))).pages[0].extract_text().split())
    assert "data fedcba987654" in text  # a batch of plans only: the plans' data, not a blank


def test_compressed_binary_and_utf16_files_are_one_line_or_read(tmp_path, cache, capsys):
    """A gzipped CSV ended in two chained UnicodeDecodeError tracebacks; a UTF-16 file (Excel's
    'Unicode text') was refused as having no header row."""
    import gzip

    frame = _good(n_quarters=8)
    text = frame.to_csv(sep=";", index=False)
    (tmp_path / "t.csv.gz").write_bytes(gzip.compress(text.encode("utf-8")))
    (tmp_path / "bin.csv").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "u16.csv").write_bytes(text.replace("\n", "\r\n").encode("utf-16"))
    for name, says in (("t.csv.gz", "is a compressed (gzip) file, not a CSV text file; unpack it"),
                       ("bin.csv", "is not a text file (it holds binary data)")):
        assert main(["data", "import", str(tmp_path / name), "--name", "x", "--label", "x"]) == 2
        err = capsys.readouterr().err
        assert says in err and "Traceback" not in err and err.count("\n") == 1, err
    assert main(["data", "import", str(tmp_path / "u16.csv"), "--name", "u", "--label", "u"]) == 0
    assert "note: read as UTF-16" in capsys.readouterr().out
    assert load_panel("import:u").values.loc["350"].tolist() == frame.loc[frame["Kommune"] == "Lejre", "Antal"].tolist()


def test_value_column_ignores_case_and_a_wrong_one_is_named(tmp_path, cache):
    path = tmp_path / "l.csv"
    frame = _rates("{:.1f}").rename(columns={"Værdi": "Ledighed"})
    frame.to_csv(path, sep=";", index=False)
    assert import_table(path, name="l", label="l", kind="rate", unit="procent", value_column="ledighed").rows > 0
    with pytest.raises(ImportValidationError) as info:
        import_table(path, name="l", label="l", kind="rate", unit="procent", value_column="Ledighd")
    assert str(info.value.errors[0]) == ("row 1: no column 'Ledighd' (did you mean 'Ledighed'?); the columns are: "
                                         "Kommune, Kvartal, Ledighed")


def test_a_reimport_with_another_description_is_other_data(tmp_path, cache):
    """The same numbers re-imported as a rate in per cent (or with another label) make another
    report: the batch said '2 unchanged' and kept the count's −8,4 % and its label."""
    from evaltools.hashing import panel_hash

    path = tmp_path / "rt.csv"
    _good().to_csv(path, sep=";", index=False)
    import_table(path, name="rt", label="Unge", unit="personer")
    first = panel_hash(load_panel("import:rt"))
    import_table(path, name="rt", label="Unge", unit="personer")
    assert panel_hash(load_panel("import:rt")) == first  # the same import again: the same data
    hashes = {first}
    for change in ({"label": "Unge ledige"}, {"unit": "fuldtidspersoner"}, {"kind": "rate", "unit": "promille"}):
        import_table(path, name="rt", **{"label": "Unge", "unit": "personer", **change})
        panel = load_panel("import:rt")
        assert panel.outcome.label("da") == change.get("label", "Unge")
        hashes.add(panel_hash(panel))
    assert len(hashes) == 4
