"""The document metadata a report's front page carries in its output (title, lang, hashes, results)."""

from __future__ import annotations

METADATA_KEY = "evaltools"


def report_metadata(nb) -> dict:
    """The first report metadata found in the notebook's outputs, or {}."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            found = out.get("metadata", {}).get(METADATA_KEY)
            if found:
                return dict(found)
    return {}
