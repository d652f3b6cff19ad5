"""Report sentences for several kommuner with one start (Danish default, English available)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evaltools.core.design import scaled_to_size
from evaltools.design import core_panel
from evaltools.formatting import fmt_int, fmt_interval, fmt_number, fmt_p
from evaltools.text import SURE, WEAK, _genitive, _join, comparison_name, scaled_comparison_sentence, short_post_sentence

if TYPE_CHECKING:
    from evaltools.group_evaluation import GroupEvaluation

NUMBERS_DA = {2: "to", 3: "tre", 4: "fire", 5: "fem", 6: "seks", 7: "syv", 8: "otte", 9: "ni", 10: "ti"}
NUMBERS_EN = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten"}


def count_word(n: int, language: str) -> str:
    return (NUMBERS_DA if language == "da" else NUMBERS_EN).get(n, str(n))


def names(g: GroupEvaluation, language: str) -> str:
    return _join([k.name for k in g.kommuner], language)


def group_comparison(g: GroupEvaluation, language: str) -> str:
    """'resten af landet uden Egedal, Ikast-Brande og Odder'."""
    base = comparison_name(g.units[0], language)
    if g.design.comparison != "rest":
        return base
    return f"{base} {'uden' if language == 'da' else 'without'} {names(g, language)}"


def permutation_sentence(g: GroupEvaluation, language: str) -> str:
    """How the sets were drawn: all, or a seeded random sample (said in the report)."""
    t, m = g.test, len(g.kommuner)
    da = language == "da"
    if t.enumerated:
        return (f"Alle {fmt_int(t.n_sets, language)} mulige sæt af {count_word(m, language)} kommuner blandt de "
                f"{t.pool_size} øvrige er regnet igennem, som om de havde startet indsatsen." if da else
                f"All {fmt_int(t.n_sets, language)} possible sets of {count_word(m, language)} kommuner among the "
                f"other {t.pool_size} were run as if they had started the initiative.")
    return (f"Der er {fmt_int(t.n_possible, language)} mulige sæt af {count_word(m, language)} kommuner blandt de "
            f"{t.pool_size} øvrige; en tilfældig stikprøve på {fmt_int(t.n_sets, language)} af dem (fast frø "
            f"{t.seed}, så tallene kan genskabes) er regnet igennem, som om de havde startet indsatsen." if da else
            f"There are {fmt_int(t.n_possible, language)} possible sets of {count_word(m, language)} kommuner among "
            f"the other {t.pool_size}; a random sample of {fmt_int(t.n_sets, language)} of them (fixed seed "
            f"{t.seed}, so the numbers can be reproduced) was run as if they had started the initiative.")


def group_verdict(g: GroupEvaluation, language: str = "da") -> dict[str, str]:
    da = language == "da"
    e, p = g.effect, g.p_value
    cls = "sure" if p <= SURE else "weak" if p <= WEAK else "noise"
    unit = g.unit_in(language)
    comp = group_comparison(g, language)
    direction = ("lavere" if e < 0 else "højere") if da else ("lower" if e < 0 else "higher")
    amount = f"{fmt_number(abs(e), 1, language)} {unit}"
    n = count_word(len(g.kommuner), language)
    compared = (f"Efter starten lå de {n} kommuner ({names(g, language)}) i gennemsnit {amount} {direction}, end hvis "
                f"de havde fulgt udviklingen i {comp}." if da else
                f"After the start the {n} kommuner ({names(g, language)}) were on average {amount} {direction} than if "
                f"they had followed the trend in {comp}.")
    lo, hi = g.conf_int()
    conclusion = {
        "sure": ("så forskellen er næppe tilfældig", "so the difference is unlikely to be chance"),
        "weak": ("så der er en svag indikation, men forskellen kan være tilfældig",
                 "a weak indication; the difference may be chance"),
        "noise": ("så forskellen kan ikke skelnes fra tilfældige udsving",
                  "so the difference cannot be distinguished from random fluctuation"),
    }[cls][0 if da else 1]
    t = g.test
    share = fmt_number(100 * t.n_as_extreme / t.n_sets, 1, language)
    interval = fmt_interval(lo, hi, language, unit, relative=g.design.scale == "log")
    sure = (f"{share} procent af sættene havde en lige så tydelig fælles ændring i forhold til deres normale "
            f"udsving, {conclusion} (placebo-p = {fmt_p(p, language)}). "
            f"Usikkerhedsinterval (95 %): {interval}." if da else
            f"{share} per cent of the sets had an equally clear joint change relative to their normal fluctuation, "
            f"{conclusion} (placebo p = {fmt_p(p, language)}). Uncertainty interval (95%): "
            f"{interval}.")
    better = (e < 0) == g.outcome.lower_is_better
    titles = {
        ("sure", True): ("Bedre end sammenligningen", "Better than the comparison"),
        ("sure", False): ("Dårligere end sammenligningen", "Worse than the comparison"),
        ("weak", True): ("Muligvis bedre end sammenligningen", "Possibly better than the comparison"),
        ("weak", False): ("Muligvis dårligere end sammenligningen", "Possibly worse than the comparison"),
    }
    title = (("Ingen sikker forskel fra sammenligningen", "No clear difference from the comparison")
             if cls == "noise" else titles[(cls, better)])[0 if da else 1]
    caveat = ("Forskellen er ikke nødvendigvis en virkning af indsatsen." if da else
              "The difference is not necessarily an effect of the initiative.")
    if short := short_post_sentence(g.design, g.outcome.freq, language):
        caveat = f"{short} {caveat}"
    return {"verdict": title, "compared": compared, "sets": permutation_sentence(g, language), "sure": sure,
            "caveat": caveat, "mde": group_mde_sentence(g, language), "trend_warning": group_trend_warning(g, language)}


def group_trend_warning(g: GroupEvaluation, language: str = "da") -> str:
    """Page 1's warning when any kommune's own pre-period checks flag it (each is said in its section)."""
    from evaltools.text import verdict

    flagged = [u.kommune.name for u in g.units if verdict(u, language)["trend_warning"]]
    if not flagged:
        return ""
    who = _join(flagged, language)
    if language == "da":
        return (f"Advarsel: Allerede før starten udviklede {who} sig anderledes end {group_comparison(g, language)} "
                "(se hver kommune for sig). Sammenligningen er derfor usikker.")
    return (f"Warning: {who} already moved differently from {group_comparison(g, language)} before the start "
            "(see each kommune on its own). The comparison is therefore uncertain.")


def group_caveats(g: GroupEvaluation, language: str = "da") -> list[str]:
    """The caveats of the first kommune's report (its own warning last), then the other kommuner's."""
    from evaltools.text import caveats, verdict

    return caveats(g.units[0], language) + [w for u in g.units[1:] if (w := verdict(u, language)["trend_warning"])]


def group_mde_sentence(g: GroupEvaluation, language: str = "da") -> str:
    """The MDE of the pooled estimate: 'for tre kommuner af Egedals, Ikast-Brandes og Odders størrelse'."""
    from evaltools.text import mde_text

    return mde_text(g.mde_reader, g.design.scale, g.unit_in(language), [k.name for k in g.kommuner], language)


def each_sentence(g: GroupEvaluation, language: str = "da") -> str:
    """'Hver for sig: Egedal +22,3 procent (placebo-p = 0,57), ...' for page 1."""
    label = "placebo-p" if language == "da" else "placebo p"
    parts = [f"{u.kommune.name} {fmt_number(u.effect, 1, language, signed=True)} {u.unit_in(language)} "
             f"({label} = {fmt_p(u.p_value, language)})" for u in g.units]
    return ("Hver for sig: " if language == "da" else "Each on its own: ") + _join(parts, language) + "."


def unit_rows(g: GroupEvaluation, language: str = "da") -> list[dict[str, str]]:
    """Each kommune's own estimate against the common comparison group, with its own placebo test."""
    rows = []
    for u in g.units:
        lo, hi = u.conf_int()
        rows.append({"name": u.kommune.name,
                     "estimate": f"{fmt_number(u.effect, 1, language, signed=True)} {u.unit_in(language)}",
                     "interval": fmt_interval(lo, hi, language, sep=" – ", relative=u.design.scale == "log"),
                     "p": fmt_p(u.p_value, language)})
    return rows


def group_method(g: GroupEvaluation, language: str = "da") -> list[str]:
    da = language == "da"
    comp = group_comparison(g, language)
    n = count_word(len(g.kommuner), language)
    log = g.design.scale == "log"
    scaled = scaled_to_size(core_panel(g.panel), g.design)
    return [
        (f"Hver af de {n} kommuner sammenlignes med {comp}, så ingen af dem indgår i en andens "
         "sammenligningsgruppe. Den samlede forskel er gennemsnittet af kommunernes egne forskel-i-forskelle"
         + (" på logaritmisk skala (et gennemsnit af procentvise forskelle)." if log else ".")
         + (" " + scaled_comparison_sentence("da", each=True) if scaled else "") if da else
         f"Each of the {n} kommuner is compared with {comp}, so none of them is in another's comparison group. "
         "The pooled difference is the mean of the kommuner's own difference-in-differences"
         + (" on the log scale (an average of relative differences)." if log else ".")
         + (" " + scaled_comparison_sentence("en", each=True) if scaled else "")),
        permutation_sentence(g, language) + (
            " For hvert sæt sammenlignes med de øvrige kommuner uden sættet, og sættene rangeres efter forskellen "
            "i forhold til deres normale udsving (t-værdien), ligesom i placebo-testen for én kommune. "
            "Placebo-p er andelen af sæt, der er mindst lige så tydelige (sættet selv medregnet)." if da else
            " Each set is compared with the other kommuner without the set, and sets are ranked by the difference "
            "relative to their normal fluctuation (the t-statistic), as in the one-kommune placebo test. The "
            "placebo p is the share of sets at least as clear (the real set included)."),
        ("Hver kommunes egen forskel er testet mod de øvrige kommuner enkeltvis (uden de andre kommuner i "
         "indsatsen) med samme metode som i en rapport for én kommune." if da else
         "Each kommune's own difference is tested against the other kommuner one at a time (without the other "
         "kommuner in the initiative), with the same method as a one-kommune report."),
    ]
