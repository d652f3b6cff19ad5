"""Build the embedded snapshot (one tidy long table) from the raw DST extracts in ``data/dst``.

Run ``python -m evaltools.data.build data/dst`` after replacing the raw files; a test checks that
the committed snapshot equals a fresh build.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import sys
from pathlib import Path

SNAPSHOT_DIR = Path(__file__).parent / "snapshot"
NATIONAL = ("000", "Hele landet", "", "")

# raw file -> how to read it
RAW_FILES = {
    "kontanthjaelp_nettoledige": {
        "file": "dst_auk01_net_unemployed_social_assistance_kommune_quarterly_2007Q1_2025Q4.csv",
        "table": "AUK01",
        "title": "Offentligt forsørgede (fuldtidspersoner) efter område, ydelsestype, køn og alder",
        "area": "OMRÅDE",
        "time": "TID",
        "value": "INDHOLD",
        "sep": ";",
        "selection": "YDELSESTYPE = Nettoledige kontanthjælpsmodtagere, KØN = I alt, ALDER = Alder i alt",
        "source": "DennisHedegreen/danish-politics-data@3156d9b12f9957cd0f627bd99f634dbd3fcfccc8:denmark/socioeconomic/auk01_social_assistance.csv",
        "national_note": "DST's 'Hele landet' includes persons abroad (about 30-260 full-time persons) who belong to no kommune.",
    },
    "fuldtidsbeskaeftigede": {
        "file": "dst_lbesk69_fulltime_employees_by_residence_kommune_quarterly_2008Q1_2025Q3.csv",
        "table": "LBESK69",
        "title": "Fuldtidsbeskæftigede lønmodtagere efter bopælskommune og køn",
        "area": "BOPKOM",
        "time": "TID",
        "value": "INDHOLD",
        "sep": ";",
        "selection": "KØN = I alt",
        "source": "DennisHedegreen/danish-politics-data@3156d9b12f9957cd0f627bd99f634dbd3fcfccc8:denmark/socioeconomic/lbesk69_employees_by_municipality.csv",
        "national_note": "DST's 'Hele landet' includes about 37,000-64,000 employees living outside Denmark and Christiansø, which belong to no kommune.",
    },
    "ledighedsprocent": {
        "file": "dst_aup02_unemployment_pct_kommune_annual_2007_2024.csv",
        "table": "AUP02",
        "title": "Fuldtidsledige i procent af arbejdsstyrken efter område, alder og køn (årsgennemsnit)",
        "area": "municipality",
        "time": "year",
        "value": "value",
        "sep": ",",
        "selection": "ALDER = I alt, KØN = I alt, annual",
        "source": "DennisHedegreen/danish-politics-data@74988ef86003ed6dc185f7d3064270903cc786be:denmark/factors/unemployment_pct.csv",
        "national_note": "The extract has kommuner only: there is no national series for this measure.",
    },
}

ENGLISH_LABELS = {"Copenhagen": "København"}


def _kommuner(raw_dir: Path) -> dict[str, tuple[str, str, str, str]]:
    with open(raw_dir / "kommuner.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {r["navn"]: (r["kode"].zfill(3), r["navn"], r["regionskode"], r["region"]) for r in rows}


def _period(text: str) -> str:
    # DST's English files write quarters as 2012Q3; we store the same.
    return text.strip()


def build_rows(raw_dir: Path) -> list[tuple]:
    """All (measure, kode, navn, regionskode, region, period, value) rows, sorted."""
    by_name = _kommuner(raw_dir)
    rows: list[tuple] = []
    for measure, spec in RAW_FILES.items():
        with open(raw_dir / spec["file"], encoding="utf-8-sig") as fh:
            for rec in csv.DictReader(fh, delimiter=spec["sep"]):
                label = rec[spec["area"]].strip()
                label = ENGLISH_LABELS.get(label, label)
                if label == "All Denmark":
                    area = NATIONAL
                elif label in by_name:
                    area = by_name[label]
                else:  # regions, provinces, abroad, Christiansø: not kommuner
                    continue
                value = float(rec[spec["value"]])
                rows.append((measure, *area, _period(rec[spec["time"]]), value))
    rows.sort(key=lambda r: (r[0], r[1], r[5]))
    return rows


def provenance(raw_dir: Path) -> dict:
    measures = {}
    for measure, spec in RAW_FILES.items():
        measures[measure] = {
            "table": spec["table"],
            "title": spec["title"],
            "selection": spec["selection"],
            "raw_file": spec["file"],
            "published_copy": spec["source"],
            "note": spec["national_note"],
        }
    return {
        "publisher": "Danmarks Statistik (Statistics Denmark), StatBank",
        "licence": "CC BY 4.0",
        "credit": "Kilde: Danmarks Statistik",
        "snapshot_date": "2026-11-22",
        "snapshot_note": (
            "Extracts published in the public repository DennisHedegreen/danish-politics-data "
            "(MIT licence), copied into evaltools on the snapshot date. The DST extraction date "
            "is not recorded there; the newest period in each table bounds it."
        ),
        "measures": measures,
    }


def write_snapshot(raw_dir: Path, out_dir: Path = SNAPSHOT_DIR) -> Path:
    """Write ``dst_snapshot.csv.gz`` and ``provenance.json``; returns the CSV path."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["measure", "kode", "navn", "regionskode", "region", "period", "value"])
    for r in build_rows(raw_dir):
        writer.writerow([*r[:6], f"{r[6]:g}"])
    out = out_dir / "dst_snapshot.csv.gz"
    # mtime=0 keeps the file byte-identical between builds
    with gzip.GzipFile(out, "wb", mtime=0) as gz:
        gz.write(buf.getvalue().encode("utf-8"))
    (out_dir / "provenance.json").write_text(
        json.dumps(provenance(raw_dir), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("raw_dir", type=Path, help="folder with the raw DST extracts and kommuner.csv")
    args = parser.parse_args(argv)
    print(write_snapshot(args.raw_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
