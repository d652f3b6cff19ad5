"""Record real DST StatBank responses as test fixtures (needs internet; run from the repo root).

Writes tests/fixtures/dst/recorded/: tableinfo JSON (<table>_tableinfo_da.json) and BULK data
(<table>_<outcome>_bulk.csv) for the outcomes in the catalogue, plus one real error response (a
BULK request that leaves a variable out). tests/test_dst_recorded.py uses each file that exists;
add the files to recorded/README.md (the content is DST's: credit "Kilde: Danmarks Statistik", CC BY 4.0).
"""

import json
from datetime import datetime, timezone
from pathlib import Path

import httpx

from evaltools.data.catalogue import OUTCOMES
from evaltools.data.dst import DEFAULT_BASE_URL, DstClient

OUT = Path("tests/fixtures/dst/recorded")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with DstClient() as client, httpx.Client(timeout=60) as http:
        for o in OUTCOMES.values():
            if o.origin != "dst":
                continue
            info = http.post(f"{DEFAULT_BASE_URL}/tableinfo", json={"table": o.table, "format": "JSON", "lang": "da"})
            (OUT / f"{o.table.lower()}_tableinfo_da.json").write_bytes(info.content)
            body = {"table": o.table, "format": "BULK", "lang": "da", "valuePresentation": "Code",
                    "variables": client.build_query(client.tableinfo(o.table), o.query, o.since)}
            data = http.post(f"{DEFAULT_BASE_URL}/data", json=body)
            (OUT / f"{o.table.lower()}_{o.id}_bulk.csv").write_bytes(data.content)
            (OUT / f"{o.table.lower()}_{o.id}_request.json").write_text(json.dumps(body, ensure_ascii=False, indent=1))
        bad = http.post(f"{DEFAULT_BASE_URL}/data", json={"table": "AUP02", "format": "BULK", "lang": "da",
                                                          "variables": [{"code": "OMRÅDE", "values": ["*"]}]})
        (OUT / "error_bulk_missing_variable.json").write_bytes(bad.content)
        (OUT / "error_bulk_missing_variable.status").write_text(str(bad.status_code))
    provenance = {"source": "Danmarks Statistik, StatBank API", "licence": "CC BY 4.0", "base_url": DEFAULT_BASE_URL,
                  "recorded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                  "files": sorted(p.name for p in OUT.iterdir() if p.is_file() and p.name not in ("PROVENANCE.json", "README.md")
                                  and not p.name.endswith("_en.json"))}
    (OUT / "PROVENANCE.json").write_text(json.dumps(provenance, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print("recorded into", OUT, "- now run tests/test_dst_recorded.py: its skipped tests use these files")


if __name__ == "__main__":
    main()
