"""Outcome catalogue: every outcome a params file can name, with its label, unit and source."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


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
    ]
}


class UnknownOutcomeError(LookupError):
    def __str__(self) -> str:
        return self.args[0]


def get_outcome(outcome_id: str) -> Outcome:
    """The catalogue entry for ``outcome_id``; an unknown id suggests the closest ones."""
    try:
        return OUTCOMES[outcome_id]
    except KeyError:
        close = difflib.get_close_matches(outcome_id, list(OUTCOMES), n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise UnknownOutcomeError(
            f"Unknown outcome '{outcome_id}'.{hint} Available: {', '.join(OUTCOMES)}."
        ) from None
