"""The one-page claims overview: each published claim next to our estimate and placebo p-value."""

from __future__ import annotations

from evaltools.data import get_outcome
from evaltools.formatting import fmt_interval, fmt_number, fmt_p
from evaltools.report.source import outcomes_credit

LABELS = {
    "da": {"headers": ["Kommune", "Påstanden", "Mål i vores beregning", "Vores beregning", "95\u00a0%-interval",
                       "Placebo-p", "Vurdering"], "page": "Side", "of": "af",
           "title": "Påstande og vores beregninger", "sure": "næppe tilfældig", "weak": "svag indikation",
           "noise": "kan ikke skelnes fra tilfældige udsving"},
    "en": {"headers": ["Kommune", "The claim", "Measure we use", "Our calculation", "95% interval",
                       "Placebo p", "Assessment"], "page": "Page", "of": "of",
           "title": "Claims and our calculations", "sure": "unlikely to be chance", "weak": "weak indication",
           "noise": "cannot be told from random fluctuation"},
}


def plan_claims_note(plans: list[dict], language: str = "da") -> list[str]:
    """Claims made for plans with several goals: quoted, with where they are assessed."""
    if not plans:
        return []
    from evaltools.report.templating import quoted as quote

    quoted = "; ".join(f"{r['kommune']} ({r['name']}): {quote(r['claim'], language)}" for r in plans)
    return [f"Planer med flere mål har ikke ét samlet tal; deres påstande vurderes mål for mål i planens egen "
            f"rapport: {quoted}" if language == "da" else
            f"Plans with several goals have no single number; their claims are assessed goal by goal in the plan's "
            f"own report: {quoted}"]


def pre_period_warnings(row: dict, language: str = "da") -> list[str]:
    """The report's pre-period warnings, as the batch overview flags them: a verdict without them
    would read as cleaner than the report it comes from."""
    from evaltools.report.overview import warning_flags

    flags = warning_flags(row, language)
    return [f"{'advarsel' if language == 'da' else 'warning'}: {', '.join(flags)}"] if flags else []


def render_claims_overview(rows: list[dict], language: str = "da", plans: list[dict] | None = None) -> bytes:
    """PDF bytes; ``rows`` are ledger rows with a claim and status ok; ``plans``: finished plans
    (several goals, no single number) with a claim, quoted in a note."""
    from evaltools.report.templating import render_pdf

    L = LABELS[language]
    table = []
    for r in sorted(rows, key=lambda r: r["kommune"]):
        p = r["p_value_placebo"]
        outcome = get_outcome(r["outcome"])
        table.append({
            "kommune": r["kommune"],
            "claim": r["claim"],
            "measure": f"{outcome.label(language)} ({outcome.table})",
            "estimate": f"{fmt_number(r['estimate'], 1, language, signed=True)} {r['unit']}",
            "interval": fmt_interval(r["conf_low"], r["conf_high"], language, sep=" – ", relative=r.get("scale") == "log"),
            "p": fmt_p(p, language),
            "verdict": "; ".join([L["sure"] if p <= 0.05 else L["weak"] if p <= 0.10 else L["noise"],
                                  *pre_period_warnings(r, language)]),
        })
    source = outcomes_credit([r.get("outcome") for r in rows], language)
    footer = f"{source} · evaltools · data " + ", ".join(dict.fromkeys(str(r["data_hash"]) for r in [*rows, *(plans or [])]
                                                                     if r.get("data_hash")))
    if language == "da":
        intro = ("Hver påstand er holdt op mod udviklingen i sammenligningsgruppen med samme metode "
                 "(forskel-i-forskelle med placebo-test på de øvrige kommuner). Hvor påstandens eget mål ikke "
                 "findes i data, bruges det nærmeste mål, som står i kolonnen 'Mål i vores beregning'.")
        caveat = ("En forskel viser, hvordan kommunen klarede sig i forhold til sammenligningen – ikke "
                  f"nødvendigvis en virkning af indsatsen. {source}.")
    else:
        intro = ("Each claim is held against the comparison group's development with the same method "
                 "(difference-in-differences with placebo tests on the other kommuner). Where the claim's own "
                 "measure is not in the data, the closest measure is used, as the 'Measure we use' column says.")
        caveat = ("A difference shows how the kommune did relative to the comparison, not necessarily an effect "
                  f"of the initiative. {source}.")
    return render_pdf("claims.html.j2", landscape=True, title=L["title"], intro=intro, caveat=caveat, rows=table, L=L,
                      lang=language, footer=footer, notes=plan_claims_note(plans or [], language))
