"""Where a report's numbers come from, said in the report's language.

A panel's ``source`` holds facts, not sentences: ``origin`` is "embedded" (the DST snapshot
shipped with evaltools), "dst" (a table fetched from the StatBank API, with its fetch time) or
"import" (the user's own file). The words for each are chosen here, per language.
"""

from __future__ import annotations

from evaltools.data.catalogue import Outcome, table_title

_DST = {"da": "Danmarks Statistik", "en": "Statistics Denmark"}


def _lang(language: str) -> str:
    return "da" if language == "da" else "en"


def _day(stamp: str | None) -> str:
    return (stamp or "")[:10]


def credit(src: dict, language: str = "da") -> str:
    """'Kilde: Danmarks Statistik' / 'Source: own data' (or the importer's own credit line)."""
    da = _lang(language) == "da"
    if src.get("origin") == "import":
        return src.get("credit") or ("Kilde: egne data" if da else "Source: own data")
    return f"Kilde: {_DST['da']}" if da else f"Source: {_DST['en']}"


def publisher(src: dict, language: str = "da") -> str:
    """Who published the numbers."""
    da = _lang(language) == "da"
    if src.get("origin") == "import":
        return src.get("publisher") or ("Egne data, importeret af brugeren" if da else "Own data, imported by the user")
    return "Danmarks Statistik (Statistics Denmark), Statistikbanken" if da else "Statistics Denmark (Danmarks Statistik), StatBank"


def source_row(src: dict, language: str = "da") -> str:
    """The appendix's source line: the publisher, once (the footer carries the credit line); an
    importer's own credit line is added when it says more than 'own data'."""
    own = src.get("credit") if src.get("origin") == "import" else None
    return f"{publisher(src, language)}." + (f" {own}." if own else "")


def dataset(src: dict, language: str = "da") -> str:
    """Which copy of the numbers the report used: snapshot date, fetch time (vintage) or import."""
    da = _lang(language) == "da"
    origin = src.get("origin")
    if origin == "embedded":
        date = src.get("snapshot_date", "")
        return f"indlejret øjebliksbillede i evaltools, kopieret {date}" if da else f"embedded snapshot in evaltools, copied {date}"
    if origin == "import":
        file, day = src.get("file", ""), _day(src.get("fetched_at"))
        return f"importeret fra {file} {day}" if da else f"imported from {file} on {day}"
    fetched = src.get("fetched_at") or ""
    when = f"{fetched[:10]} {'kl.' if da else 'at'} {fetched[11:16]} UTC" if len(fetched) >= 16 else fetched
    text = f"hentet fra Statistikbankens API {when}" if da else f"fetched from the StatBank API on {when}"
    if src.get("updated"):
        text += f"; tabellen opdateret af DST {_day(src['updated'])}" if da else f"; table updated by DST {_day(src['updated'])}"
    return text


def table_line(src: dict, outcome: Outcome, language: str = "da") -> str:
    """'AUK01: <DST's title>' or, for an import, '<file>: <label>'."""
    if src.get("origin") == "import":
        return f"{src.get('file', '')}: {outcome.label(language)}"
    title = table_title(outcome.table, language) if _lang(language) == "en" else ""
    return f"{outcome.table}: {title or src.get('title', '')}"


def footer_line(src: dict, outcome: Outcome, language: str = "da") -> str:
    """The source as every page's footer names it, with the vintage of the data."""
    da = _lang(language) == "da"
    origin = src.get("origin")
    if origin == "import":
        return f"{credit(src, language)} ({src.get('file', '')}, {'importeret' if da else 'imported'} {_day(src.get('fetched_at'))})"
    if origin == "embedded":
        vintage = f"evaltools-øjebliksbillede {src.get('snapshot_date', '')}" if da else f"evaltools snapshot {src.get('snapshot_date', '')}"
    else:
        vintage = f"{'hentet' if da else 'fetched'} {_day(src.get('fetched_at'))}"
    return f"{credit(src, language)}, {outcome.table} ({vintage})"


def outcomes_credit(outcomes, language: str = "da") -> str:
    """One credit line for pages built from several outcomes (a plan, a batch's overview): each
    source once, in order, e.g. 'Kilde: Danmarks Statistik; Kilde: egne data'. An outcome whose data
    cannot be loaded is left out; with none at all, DST's line."""
    from evaltools.data import load_panel
    from evaltools.errors import EvaltoolsError

    lines = []
    for outcome in dict.fromkeys(o for o in outcomes if o):
        try:
            lines.append(credit(load_panel(outcome).source, language))
        except (EvaltoolsError, LookupError, ValueError):
            continue
    lines = list(dict.fromkeys(lines))
    if not lines:
        return credit({}, language)
    word = "Kilde: " if _lang(language) == "da" else "Source: "  # "Kilde: egne data; Danmarks Statistik"
    return "; ".join([lines[0]] + [x[len(word):] if x.startswith(word) else x for x in lines[1:]])
