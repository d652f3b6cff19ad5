"""Outcome catalogue: every outcome a params file can name, with its label, unit and source."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from evaltools.errors import InputError


@dataclass(frozen=True)
class Outcome:
    """One outcome series by kommune.

    ``kind`` is "count" (persons; kommuner add up to a national total) or "rate" (per cent;
    they do not add up, so the comparison is an average of kommuner).
    """

    id: str
    table: str
    label_da: str
    label_en: str
    subject_da: str  # sentence subject: "Antallet af ...", "Bruttoledigheden"
    subject_en: str
    unit_da: str
    unit_en: str
    kind: str
    freq: str
    lower_is_better: bool
    has_national: bool
    default_scale: str
    source_note_da: str
    source_note_en: str
    origin: str = "embedded"  # embedded | dst (fetch with `evaltools data fetch --outcome ID`) | import
    query: dict = field(default_factory=dict)  # dst: variable -> values; the rest get their totals
    since: str | None = None  # dst: first period to fetch

    def label(self, language: str = "da") -> str:
        return self.label_da if language == "da" else self.label_en

    def subject(self, language: str = "da") -> str:
        return self.subject_da if language == "da" else self.subject_en

    def unit(self, language: str = "da") -> str:
        return self.unit_da if language == "da" else self.unit_en


OUTCOMES: dict[str, Outcome] = {
    o.id: o
    for o in [
        Outcome(
            id="kontanthjaelp_nettoledige",
            table="AUK01",
            label_da="Nettoledige kontanthjælpsmodtagere",
            label_en="Net-unemployed recipients of social assistance",
            subject_da="Antallet af nettoledige kontanthjælpsmodtagere",
            subject_en="The number of net-unemployed social assistance recipients",
            unit_da="fuldtidspersoner",
            unit_en="full-time equivalents",
            kind="count",
            freq="Q",
            lower_is_better=True,
            has_national=True,
            default_scale="log",
            source_note_da="Nettoledige kontanthjælpsmodtagere, fuldtidspersoner, alle aldre, begge køn",
            source_note_en="Net-unemployed recipients of social assistance, full-time equivalents, all ages",
        ),
        Outcome(
            id="fuldtidsbeskaeftigede",
            table="LBESK69",
            label_da="Fuldtidsbeskæftigede lønmodtagere (bopælskommune)",
            label_en="Full-time employees (kommune of residence)",
            subject_da="Antallet af fuldtidsbeskæftigede lønmodtagere",
            subject_en="The number of full-time employees",
            unit_da="fuldtidspersoner",
            unit_en="full-time equivalents",
            kind="count",
            freq="Q",
            lower_is_better=False,
            has_national=True,
            default_scale="log",
            source_note_da="Fuldtidsbeskæftigede lønmodtagere efter bopælskommune, begge køn",
            source_note_en="Full-time employees by kommune of residence, both sexes",
        ),
        Outcome(
            id="ledighedsprocent",
            table="AUP02",
            label_da="Bruttoledighed i procent af arbejdsstyrken",
            label_en="Gross unemployment, per cent of the labour force",
            subject_da="Bruttoledigheden",
            subject_en="Gross unemployment",
            unit_da="procent",
            unit_en="per cent",
            kind="rate",
            freq="Y",
            lower_is_better=True,
            has_national=False,
            default_scale="level",
            source_note_da="Bruttoledige i procent af arbejdsstyrken, alle aldre, årsgennemsnit; kun kommuner (ingen landstal i datasættet)",
            source_note_en="Gross unemployed, per cent of the labour force, all ages, annual; kommuner only (no national figure in the extract)",
        ),
        # Fetchable through the DST client: not embedded, cached by `evaltools data fetch --outcome ID`.
        Outcome(
            id="ledighedsprocent_unge",
            table="AUP02",
            label_da="Fuldtidsledige unge (16-24 år) i procent af arbejdsstyrken",
            label_en="Unemployed aged 16-24, per cent of the labour force",
            subject_da="Ledigheden blandt unge",
            subject_en="Youth unemployment",
            unit_da="procent",
            unit_en="per cent",
            kind="rate",
            freq="Q",
            lower_is_better=True,
            has_national=True,
            default_scale="level",
            source_note_da="AUP02, alder 16-24 år, begge køn; månedstal, gennemsnit pr. kvartal",
            source_note_en="AUP02, age 16-24, both sexes; monthly, averaged by quarter",
            origin="dst",
            query={"OMRÅDE": "*", "ALDER": ["16-24"]},
            since="2007M01",
        ),
        Outcome(
            id="langtidsledige",
            table="AULK04",
            label_da="Langtidsledige",
            label_en="Long-term unemployed",
            subject_da="Antallet af langtidsledige",
            subject_en="The number of long-term unemployed",
            unit_da="personer",
            unit_en="persons",
            kind="count",
            freq="Q",
            lower_is_better=True,
            has_national=True,
            default_scale="log",
            source_note_da="AULK04, antal, alle aldre, begge køn; månedstal, gennemsnit pr. kvartal",
            source_note_en="AULK04, number, all ages, both sexes; monthly, averaged by quarter",
            origin="dst",
            # ENHED is a unit selector with no total (1 = antal, 2 = pct.), so it must be named
            query={"OMRÅDE": "*", "ENHED": ["1"]},
            since="2009M01",
        ),
        Outcome(
            id="langtidsledige_unge",
            table="AULK04",
            label_da="Langtidsledige unge (16-29 år)",
            label_en="Long-term unemployed aged 16-29",
            subject_da="Antallet af langtidsledige unge",
            subject_en="The number of long-term unemployed aged 16-29",
            unit_da="personer",
            unit_en="persons",
            kind="count",
            freq="Q",
            lower_is_better=True,
            has_national=True,
            default_scale="log",
            source_note_da="AULK04, antal, 16-24 år plus 25-29 år, begge køn; månedstal, gennemsnit pr. kvartal",
            source_note_en="AULK04, number, aged 16-24 plus 25-29, both sexes; monthly, averaged by quarter",
            origin="dst",
            query={"OMRÅDE": "*", "ENHED": ["1"], "ALDER": ["16-24", "25-29"]},
            since="2009M01",
        ),
        Outcome(
            id="forsoergede_unge",
            table="AUK01",
            label_da="Unge (16-29 år) på offentlig forsørgelse, uden SU",
            label_en="People aged 16-29 on public benefits, excluding student grants",
            subject_da="Antallet af unge på offentlig forsørgelse",
            subject_en="The number of people aged 16-29 on public benefits",
            unit_da="fuldtidspersoner",
            unit_en="full-time equivalents",
            kind="count",
            freq="Q",
            lower_is_better=True,
            has_national=True,
            default_scale="log",
            source_note_da="AUK01, i alt uden SU-modtagere, 16-24 år plus 25-29 år, begge køn; kvartalstal",
            source_note_en="AUK01, all benefits except student grants (SU), aged 16-24 plus 25-29, both sexes; quarterly",
            origin="dst",
            query={"OMRÅDE": "*", "YDELSESTYPE": ["TOTUSU"], "ALDER": ["16-24", "25-29"]},
            since="2007K1",
        ),
    ]
}


# DST's own English table titles (StatBank API, /tables?lang=en, recorded 2025-09-06 in
# /work/shared/dst-recordings); the Danish titles come with the data.
TABLE_TITLES_EN = {
    "AUK01": "Persons receiving public benefits",
    "LBESK69": "Employees",
    "AUP02": "Unemployed in per cent of the labour force",
    "AULK04": "Long-term unemployed persons",
}

# the English for units a user is likely to give an import in Danish ('personer' is the default)
UNITS_EN = {"personer": "persons", "fuldtidspersoner": "full-time equivalents", "procent": "per cent",
            "procentpoint": "percentage points", "husstande": "households", "borgere": "citizens"}


def table_title(table: str, language: str = "da") -> str:
    """DST's English title of a table we know, '' otherwise (the caller has the Danish one)."""
    return TABLE_TITLES_EN.get(table, "") if language != "da" else ""


class UnknownOutcomeError(InputError, LookupError):
    def __str__(self) -> str:
        return self.args[0]


def get_outcome(outcome_id: str) -> Outcome:
    """The catalogue entry for ``outcome_id`` (or an imported table ``import:NAME``); unknown ids
    get the closest ones suggested."""
    if outcome_id.startswith("import:"):
        return imported_outcome(outcome_id)
    try:
        return OUTCOMES[outcome_id]
    except KeyError:
        close = difflib.get_close_matches(outcome_id, list(OUTCOMES), n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise UnknownOutcomeError(
            f"Unknown outcome '{outcome_id}'.{hint} Available: {', '.join(OUTCOMES)}."
        ) from None


def imported_outcome(outcome_id: str) -> Outcome:
    """An outcome the user imported (``evaltools data import``), described by its cache metadata."""
    from evaltools.data.cache import entries

    meta = next((m for m in entries() if m.get("outcome") == outcome_id), None)
    if meta is None:
        from evaltools.jupyter import hint

        see = hint("see `evaltools data list`; import with `evaltools data import`", "see evaltools.outcomes()")
        raise UnknownOutcomeError(f"Unknown outcome '{outcome_id}': nothing imported under that name ({see}).")
    d = meta["describe"]
    label_en = d.get("label_en") or d["label"]  # the user's own words when no English label was given
    unit_en = d.get("unit_en") or UNITS_EN.get(d["unit"].strip().lower(), d["unit"])
    file = meta.get("file", "")
    return Outcome(id=outcome_id, table=d.get("table", "import"), label_da=d["label"], label_en=label_en,
                   subject_da=d["label"], subject_en=label_en, unit_da=d["unit"], unit_en=unit_en,
                   kind=d["kind"], freq=d["freq"], lower_is_better=d["lower_is_better"],
                   has_national=d.get("has_national", False), default_scale="log" if d["kind"] == "count" else "level",
                   source_note_da=f"Importeret fra {file}", source_note_en=f"Imported from {file}", origin="import")
