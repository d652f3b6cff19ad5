"""What a params file can name, as DataFrames: ``evaltools.outcomes()`` and ``evaltools.kommuner()``.

The CLI's ``evaltools outcomes`` and ``evaltools kommuner`` print the same tables.
"""

from __future__ import annotations


def outcomes():
    """One row per outcome (embedded, fetchable, imported): id, table, coverage, unit, better, areas, label."""
    import pandas as pd

    from evaltools.data import OUTCOMES, load_panel
    from evaltools.data.cache import entries
    from evaltools.data.catalogue import get_outcome
    from evaltools.data.snapshot_io import DataNotCachedError

    imported = sorted({m["outcome"] for m in entries() if str(m.get("outcome") or "").startswith("import:")})
    rows = []
    for outcome_id in [*OUTCOMES, *imported]:
        o = get_outcome(outcome_id)
        try:
            coverage = load_panel(o.id).coverage()
        except DataNotCachedError:
            coverage = "fetch first"
        rows.append({"id": o.id, "table": o.table, "coverage": coverage, "unit": o.unit_da,
                     "better": "lower" if o.lower_is_better else "higher",
                     "areas": "national total" if o.has_national else "kommuner only", "label": o.label_da,
                     "origin": o.origin})
    return pd.DataFrame(rows)


def kommuner():
    """The 98 kommuner: code, name, slug, region."""
    import pandas as pd

    from evaltools.kommuner import all_kommuner

    return pd.DataFrame([{"code": k.code, "name": k.name, "slug": k.slug, "region": k.region} for k in all_kommuner()])
