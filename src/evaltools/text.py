"""Report sentences in plain Danish (default) or English, generated from an Evaluation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from evaltools.formatting import P_LEVELS, fmt_int, fmt_interval, fmt_number, fmt_p, sentence_case
from evaltools.kommuner import get_kommune
from evaltools.periods import format_period

if TYPE_CHECKING:
    from evaltools.evaluation import Evaluation

SURE, WEAK = P_LEVELS


def _join(names: list[str], language: str) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + (" og " if language == "da" else " and ") + names[-1]


def per_period(freq: str, language: str = "da") -> str:
    """'pr. kvartal' / 'per year': the period one value of the outcome covers."""
    return {"Q": ("pr. kvartal", "per quarter"), "Y": ("pr. år", "per year")}[freq][language != "da"]


def comparison_name(ev: Evaluation, language: str = "da") -> str:
    comp = ev.design.comparison
    da = language == "da"
    if comp == "rest" and not ev.is_kommune:
        if ev.core_panel.aggregate == "mean":
            return "gennemsnittet af de øvrige enheder" if da else "the average of the other units"
        return "summen af de øvrige enheder" if da else "the sum of the other units"
    if comp == "rest":
        if ev.outcome.kind == "rate":
            return "gennemsnittet af de øvrige kommuner" if da else "the average of the other kommuner"
        return "resten af landet" if da else "the rest of the country"
    if comp == "national":
        return "hele landet" if da else "the whole country"
    return _join([ev.unit_name(c) for c in comp], language)


def comparison_detail(ev: Evaluation, language: str = "da") -> str:
    """One sentence defining the comparison group precisely."""
    comp, da = ev.design.comparison, language == "da"
    n = ev.gaps.n_comparison
    if comp == "rest":
        if ev.outcome.kind == "rate":
            return (f"Sammenligningsgruppen er det uvægtede gennemsnit af de {n} øvrige kommuner." if da
                    else f"The comparison group is the unweighted average of the other {n} kommuner.")
        if ev.outcome.origin == "import":  # the user's own table: no DST national total behind it
            return (f"Resten af landet er summen af de {n} øvrige kommuner i datasættet." if da else
                    f"The rest of the country is the sum of the other {n} kommuner in the data set.")
        return (f"Resten af landet er summen af de {n} øvrige kommuner (Danmarks Statistiks landstal "
                "minus kommunen og personer uden bopælskommune)." if da else
                f"The rest of the country is the sum of the other {n} kommuner (DST's national total "
                "minus the kommune and persons with no kommune of residence).")
    if comp == "national":
        return ("Sammenligningen er Danmarks Statistiks landstal, som også omfatter kommunen selv." if da
                else "The comparison is DST's national total, which includes the kommune itself.")
    names = _join([ev.unit_name(c) for c in comp], language)
    if len(comp) == 1:
        return (f"Sammenligningsgruppen er {names}." if da else f"The comparison group is {names}.")
    kind = "summen" if ev.outcome.kind == "count" else "gennemsnittet"
    kind_en = "sum" if ev.outcome.kind == "count" else "average"
    return (f"Sammenligningsgruppen er {kind} af {names}." if da
            else f"The comparison group is the {kind_en} of {names}.")


def _pct(x: float, language: str) -> str:
    return fmt_number(abs(100 * x), 1, language)


def headline(ev: Evaluation, language: str = "da") -> str:
    """The headline number with its unit, e.g. '−12,3 procent'."""
    return f"{fmt_number(ev.effect, 1, language, signed=True)} {ev.unit_in(language)}"


def certainty_class(ev: Evaluation) -> str:
    p = ev.p_value
    return "sure" if p <= SURE else "weak" if p <= WEAK else "noise"


def _genitive(name: str) -> str:
    """Danish genitive: 'Lejres', but 'Frederiks'' for names ending in s, x or z."""
    return name + ("'" if name[-1:].lower() in "sxz" else "s")


def _slope_text(ev: Evaluation, language: str) -> str:
    """The pre-period trend of the gap per period, on the reader's scale."""
    lt = ev.linear_trend
    freq = ev.core_panel.freq
    per = per_period(freq, language) if freq in ("Q", "Y") else ("pr. periode" if language == "da" else "per period")
    if ev.design.scale == "log":
        unit = "procent" if language == "da" else "per cent"
        return f"{fmt_number(100 * (np.exp(lt.slope) - 1), 1, language, signed=True)} {unit} {per}"
    return f"{fmt_number(lt.slope, 2, language, signed=True)} {ev.unit_in(language)} {per}"


def trend_sentence(ev: Evaluation, language: str = "da") -> str:
    """The linear pre-trend test in one sentence (a warning when it flags)."""
    k, comp, lt = ev.kommune.name, comparison_name(ev, language), ev.linear_trend
    p = fmt_p(lt.p_value, language)
    if language == "da":
        return (f"Advarsel: Allerede før starten ændrede forskellen mellem {k} og {comp} sig støt "
                f"({_slope_text(ev, language)}; test for lineær trend før start: placebo-p = {p}).")
    return (f"Warning: already before the start the gap between {k} and {comp} moved steadily "
            f"({_slope_text(ev, language)}; test of a linear pre-trend: placebo p = {p}).")


def disagreement_sentence(ev: Evaluation, language: str = "da") -> str:
    """Page 1's plain statement when the pre-period checks do not agree."""
    d, da = ev.diagnostics, language == "da"
    names = {"joint": ("testen for ens udvikling før start", "the test of parallel pre-trends"),
             "linear": ("testen for lineær trend før start", "the test of a linear pre-trend"),
             "time_placebo": ("de falske startdatoer", "the fake start dates")}
    p = {"joint": ev.events.pretrend_p, "linear": ev.linear_trend.p_value,
         "time_placebo": min((t.p_value for t in ev.time_placebos), default=1.0)}
    quiet = [n for n, f in d.items() if not f]
    ps = _join([fmt_p(p[n], language) for n in quiet], language)
    if quiet == ["joint", "linear"]:  # the commonest case, said shortly
        who = "testene for ens udvikling og for lineær trend før start" if da else \
            "the tests of parallel pre-trends and of a linear pre-trend"
    else:
        who = _join([names[n][0 if da else 1] for n in quiet], language)
    if da:
        return f"{who[0].upper()}{who[1:]} slår ikke ud (p = {ps}), men det beroliger ikke, når andre tjek gør."
    verb = "finds" if len(quiet) == 1 and quiet[0] != "time_placebo" else "find"
    return f"{who[0].upper()}{who[1:]} {verb} nothing (p = {ps}), but that is no reassurance when other checks do."


METHOD_NAMES = {
    "did": ("Forskel-i-forskelle (hovedberegning)", "Difference-in-differences (main result)"),
    "sc": ("Syntetisk kontrolgruppe (niveau)", "Synthetic control (levels)"),
    "sc_demeaned": ("Syntetisk kontrolgruppe (afvigelser fra eget gennemsnit)", "Synthetic control (de-meaned)"),
    "sdid": ("Syntetisk forskel-i-forskelle", "Synthetic difference-in-differences"),
}


def estimator_rows(ev: Evaluation, language: str = "da") -> list[dict[str, str]]:
    """The estimators table, formatted: method, estimate, interval, placebo p, pre-period fit."""
    unit = ev.unit_in(language)
    rows = []
    for r in ev.estimators.itertuples():
        rows.append({
            "method": METHOD_NAMES[r.method][0 if language == "da" else 1],
            "estimate": f"{fmt_number(r.estimate, 1, language, signed=True)} {unit}",
            "interval": fmt_interval(r.conf_low, r.conf_high, language, sep=" – ", relative=ev.design.scale == "log"),
            "p": fmt_p(r.p_value, language),
            "fit": fmt_number(r.pre_rmspe, 1, language),
        })
    return rows


def estimators_sentence(ev: Evaluation, language: str = "da") -> str:
    """One plain sentence on whether the four methods agree (direction, size, certainty)."""
    t = ev.estimators
    da = language == "da"
    est, n = t["estimate"].to_numpy(), len(t)
    unit = ev.unit_in(language)
    lo_e, hi_e = fmt_number(est.min(), 1, language, signed=True), fmt_number(est.max(), 1, language, signed=True)
    span = f"{lo_e} {'til' if da else 'to'} {hi_e} {unit}"
    clear = int((t["p_value"] <= SURE).sum())
    lo, hi = ev.conf_int()
    shown = np.array([float(fmt_number(x, 1, "en").replace("\u2212", "-").replace(",", "")) for x in est])
    same_sign = bool((shown < 0).all() or (shown > 0).all())  # an estimate printed as 0,0 has no direction
    inside = bool(((est >= lo) & (est <= hi)).all())
    # "agree" also on size: +4 and +48 point the same way but do not agree
    similar = bool(np.abs(est).min() >= 0.5 * np.abs(est).max())
    if not same_sign and ((shown >= 0).all() or (shown <= 0).all()):
        return (f"Metoderne finder forskelle fra {span}; mindst én af dem finder ingen forskel, så retningen "
                "afhænger af metoden, og resultatet bør læses med forsigtighed." if da else
                f"The methods find differences from {span}; at least one of them finds none, so the direction "
                "depends on the method and the result should be read with caution.")
    if not same_sign:
        return (f"Metoderne er uenige om retningen (skøn fra {span}), så resultatet afhænger af, hvilken metode "
                "man vælger, og bør læses med forsigtighed." if da else
                f"The methods disagree on the direction (estimates from {span}), so the result depends on the "
                "choice of method and should be read with caution.")
    direction = ("lavere" if est[0] < 0 else "højere") if da else ("lower" if est[0] < 0 else "higher")
    if clear == 0:
        certainty = ("ingen af dem finder en forskel, der næppe er tilfældig (placebo-p ≤ 0,05)" if da else
                     "none of them finds a difference unlikely to be chance (placebo p ≤ 0.05)")
    else:
        certainty = (f"{clear} af {n} finder en forskel, der næppe er tilfældig (placebo-p ≤ 0,05)" if da else
                     f"{clear} of {n} find a difference unlikely to be chance (placebo p ≤ 0.05)")
    if inside and similar:
        return (f"De {n} metoder er enige: alle finder {ev.kommune.name} {direction} end sammenligningen, med skøn "
                f"fra {span}, alle inden for hovedberegningens interval; {certainty}." if da else
                f"The {n} methods agree: all find {ev.kommune.name} {direction} than the comparison, with estimates "
                f"from {span}, all within the main result's interval; {certainty}.")
    return (f"Metoderne peger i samme retning ({ev.kommune.name} {direction} end sammenligningen), men skønnene "
            f"spænder fra {span}, så størrelsen afhænger af metoden; {certainty}." if da else
            f"The methods point the same way ({ev.kommune.name} {direction} than the comparison), but the "
            f"estimates range from {span}, so the size depends on the method; {certainty}.")


def mde_text(value: tuple[float, float], scale: str, unit: str, names: str | list[str], language: str = "da") -> str:
    """'For en kommune af Lejres størrelse opdager testen først en effekt med 80 procents sandsynlighed,
    når den er mindst ...' (the minimum detectable effect, ``evaltools.core.power``).

    It says what the design can detect, not what this result is: "an effect smaller than X cannot be
    told from noise" contradicted a significant estimate smaller than X on the same page. On the log
    scale a decrease and an increase of the same log size are different percentages, and on either
    scale the placebo kommuner's t's need not be symmetric, so both directions are given unless they
    print alike. Several ``names``: 'for tre kommuner af Egedals, Ikast-Brandes og Odders størrelse'."""
    from evaltools.group_text import count_word

    names = [names] if isinstance(names, str) else list(names)
    down, up = value
    da = language == "da"
    if not (np.isfinite(down) and np.isfinite(up)):
        return ("Der er for få sammenligningskommuner til, at nogen effekt kan skelnes fra tilfældige udsving."
                if da else "There are too few comparison kommuner for any effect to be told apart "
                "from random fluctuation.")
    if scale == "log":
        unit = "procent" if da else "per cent"
        decimals = 1 if min(down, up) < 10 else 0  # "a fall of 2 or a rise of 3" was 2.5 both ways
    else:
        decimals = 1
    d, u = fmt_number(down, decimals, language), fmt_number(up, decimals, language)
    if d == u:
        amount = f"{u} {unit} (op eller ned)" if da else f"{u} {unit} (up or down)"
    else:
        amount = (f"et fald på {d} {unit} eller en stigning på {u} {unit}" if da
                  else f"a fall of {d} {unit} or a rise of {u} {unit}")
    if len(names) == 1:
        whose = (f"en kommune af {_genitive(names[0])} størrelse" if da else f"a kommune of {names[0]}'s size")
    else:
        n = count_word(len(names), language)
        whose = (f"{n} kommuner af {_join([_genitive(x) for x in names], language)} størrelse" if da else
                 f"{n} kommuner of {_join([x + chr(39) + 's' for x in names], language)} size")
    if da:
        return (f"For {whose} opdager testen først en effekt med 80 procents sandsynlighed, når den er mindst "
                f"{amount}; mindre effekter kan være der, uden at testen opdager dem.")
    return (f"For {whose} the test detects an effect with 80 per cent probability only when it is at least "
            f"{amount}; smaller effects can be there without the test detecting them.")


def mde_sentence(ev: Evaluation, language: str = "da") -> str:
    """The MDE sentence for page 1 (80 % power at the 5 % level, from the placebo kommuner)."""
    return mde_text(ev.mde_reader, ev.design.scale, ev.unit_in(language), ev.kommune.name, language)


def scaled_comparison(ev: Evaluation) -> bool:
    """True when the comparison group (a total of counts) was scaled to the kommune's size (level scale)."""
    return getattr(ev.gaps, "comparison_scale", None) is not None


def scaled_comparison_label(ev: Evaluation, language: str = "da") -> str:
    """The comparison group's name in the numbers table, saying it is scaled when it is."""
    name = sentence_case(comparison_name(ev, language))
    if not scaled_comparison(ev):
        return name
    return (f"{name}, skaleret til {_genitive(ev.kommune.name)} størrelse" if language == "da" else
            f"{name}, scaled to {ev.kommune.name}'s size")


def scaled_comparison_sentence(language: str = "da", each: bool = False) -> str:
    """The method's sentence on a count's comparison group scaled to the kommune (``each``: several kommuner)."""
    if language == "da":
        whose = "hver kommunes" if each else "kommunens"
        return (f"Sammenligningsgruppens antal er skaleret til {whose} eget niveau før start (gennemsnittet før "
                "start), så forskellen er målt mod en udvikling i samme takt (procentvis) som sammenligningsgruppens.")
    whose = "each kommune's" if each else "the kommune's"
    return (f"The comparison group's count is scaled to {whose} own level before the start (the pre-period mean), so "
            "the difference is measured against a development at the same pace (in per cent) as the comparison group's.")


def short_post_sentence(design, freq: str, language: str = "da") -> str:
    """'' unless the data ended before the default post-period did: then how short it is, and why."""
    if not design.post_cut_short:
        return ""
    n = int(design.is_post.sum())
    words = {"Q": (("kvartal", "kvartaler"), ("quarter", "quarters")),
             "Y": (("år", "år"), ("year", "years"))}.get(freq, (("periode", "perioder"), ("period", "periods")))
    word = words[language != "da"]
    last = format_period(design.post_end, language)
    if language == "da":
        return (f"Efterperioden er kun {n} {word[n != 1]}, ikke {design.post_cut_short}, fordi data slutter i {last}; "
                "et resultat over så kort tid er særligt usikkert.")
    return (f"The after-period is only {n} {word[n != 1]}, not {design.post_cut_short}, because the data end in {last}; "
            "a result over so short a time is especially uncertain.")


def verdict(ev: Evaluation, language: str = "da") -> dict[str, str]:
    """Sentences: 'happened', 'compared', 'sure', 'trend_warning' (may be ''), 'caveat', 'verdict'."""
    da = language == "da"
    k = ev.kommune.name
    comp = comparison_name(ev, language)
    pre, post = ev.design.describe_windows(language)
    t, c = ev.treated_means, ev.comparison_means
    log = ev.design.scale == "log"
    n_other = ev.placebo.n_placebos

    def move(change: float) -> str:
        if log:
            word = ("steg" if change > 0 else "faldt") if da else ("rose" if change > 0 else "fell")
            return f"{word} {_pct(change, language)} {'procent' if da else 'per cent'}"
        unit = "procentpoint" if (ev.outcome.kind == "rate" and da) else (
            "percentage points" if ev.outcome.kind == "rate" else ev.outcome.unit(language))
        word = ("steg" if change > 0 else "faldt") if da else ("rose" if change > 0 else "fell")
        return f"{word} {fmt_number(abs(change), 1 if ev.outcome.kind == 'rate' else 0, language)} {unit}"

    subject = ev.outcome.subject(language)
    if scaled_comparison(ev):  # a total of many kommuner: its change in per cent, and what that is at k's size
        rel = c.post / c.pre - 1 if c.pre else float("nan")
        word = ("steg" if rel > 0 else "faldt") if da else ("rose" if rel > 0 else "fell")
        would = ("være steget" if c.change > 0 else "være faldet") if da else ("have risen" if c.change > 0 else "have fallen")
        amount = f"{fmt_number(abs(c.change), 0, language)} {ev.outcome.unit(language)}"
        comp_moved = (f"I {comp} {word} tallet {_pct(rel, language)} procent; i samme takt ville {k} {would} med "
                      f"{amount}." if da else
                      f"In {comp} it {word} {_pct(rel, language)} per cent; at the same pace {k} would {would} by {amount}.")
    else:
        comp_moved = (f"I {comp} {move(c.change).replace(' ', ' tallet ', 1)}." if da else f"In {comp} it {move(c.change)}.")
    if da:
        happened = (f"{subject} i {k} {move(t.change)} fra {pre} til {post} "
                    f"(gennemsnit før og efter indsatsens start). {comp_moved}")
    else:
        happened = (f"{subject} in {k} {move(t.change)} from {pre} to {post} "
                    f"(averages before and after the start). {comp_moved}")

    e = ev.effect
    if log:
        direction = ("lavere" if e < 0 else "højere") if da else ("lower" if e < 0 else "higher")
        units = ev.effect_in_units
        extra = ""
        if units is not None and round(abs(units)) >= 1:  # "ca. 0 færre" says nothing
            fewer = ("færre" if units < 0 else "flere") if da else ("fewer" if units < 0 else "more")
            per = per_period(ev.outcome.freq, language)
            extra = (f", svarende til ca. {fmt_int(abs(units), language)} {fewer} {ev.outcome.unit(language)} {per}"
                     if da else f", about {fmt_int(abs(units), language)} {fewer} {ev.outcome.unit(language)} {per}")
        compared = (f"Efter starten lå {k} {fmt_number(abs(e), 1, language)} procent {direction}, end hvis "
                    f"kommunen havde fulgt udviklingen i {comp}{extra}." if da else
                    f"After the start, {k} was {fmt_number(abs(e), 1, language)} per cent {direction} than if it "
                    f"had followed the trend in {comp}{extra}.")
    else:
        direction = ("lavere" if e < 0 else "højere") if da else ("lower" if e < 0 else "higher")
        decimals = 1 if ev.outcome.kind == "rate" else 0
        amount = f"{fmt_number(abs(e), decimals, language)} {ev.unit_in(language)}"
        compared = (f"Efter starten lå {k} {amount} {direction}, end hvis kommunen havde fulgt udviklingen "
                    f"i {comp}." if da else
                    f"After the start, {k} was {amount} {direction} than if it had followed the trend in {comp}.")

    n_ext = ev.placebo.n_as_extreme
    cls = certainty_class(ev)
    lo, hi = ev.conf_int()
    interval = fmt_interval(lo, hi, language, ev.unit_in(language), relative=ev.design.scale == "log")
    zeros = zero_valued_placebos(ev)  # in the comparison group, not in the test: page 1 says so, briefly
    left_out = ""
    if zeros:
        who = (_join([get_kommune(c).name for c in zeros], language) if len(zeros) <= 3 else
               f"{len(zeros)} kommuner")
        left_out = (f" (uden {who}, der har værdien nul i en del af perioden)" if da else
                    f" (not counting {who}: a value of zero in part of the period)")
    if da:
        how_many = "Ingen" if n_ext == 0 else ("Kun " if cls != "noise" else "") + f"{n_ext}"
        conclusion = {
            "sure": "så forskellen er næppe tilfældig",
            "weak": "så der er en svag indikation, men forskellen kan være tilfældig",
            "noise": "så forskellen kan ikke skelnes fra tilfældige udsving",
        }[cls]
        sure = (f"{_genitive(k)} ændring er nr. {ev.placebo.rank} af {n_other + 1}: "
                f"{how_many.lower()} af {n_other} andre kommuner{left_out} havde en lige så "
                f"tydelig ændring i forhold til deres normale udsving, {conclusion} (placebo-p = "
                f"{fmt_p(ev.p_value, language)}). Usikkerhedsinterval (95 %): {interval}.")
    else:
        how_many = "None" if n_ext == 0 else ("Only " if cls != "noise" else "") + f"{n_ext}"
        conclusion = {
            "sure": "so the difference is unlikely to be chance",
            "weak": "a weak indication; the difference may be chance",
            "noise": "so the difference cannot be distinguished from random fluctuation",
        }[cls]
        sure = (f"{k} ranks {ev.placebo.rank} of {n_other + 1}: "
                f"{how_many.lower()} of {n_other} other kommuner{left_out} had an equally "
                f"clear change relative to their normal fluctuation, {conclusion} (placebo p = "
                f"{fmt_p(ev.p_value, language)}). Uncertainty interval (95%): {interval}.")
    if shifted := shifted_comparison_sentence(ev, language):
        sure += " " + shifted

    warning = ""
    if ev.diagnostics["joint"]:
        warning = (f"Advarsel: Allerede før starten udviklede {k} sig anderledes end {comp} "
                   f"(test for ens udvikling før start: p = {fmt_p(ev.events.pretrend_p, language)}). "
                   "Sammenligningen er derfor usikker." if da else
                   f"Warning: {k} already moved differently from {comp} before the start "
                   f"(test of parallel pre-trends: p = {fmt_p(ev.events.pretrend_p, language)}). "
                   "The comparison is therefore uncertain.")

    trend = trend_sentence(ev, language)
    if ev.diagnostics["linear"]:
        warning = (warning + " " if warning else "") + trend

    early = ev.early_divergence
    if early is not None:
        fake = format_period(early.fake_start, language)
        amount = f"{fmt_number(ev.on_reader_scale(early.estimate), 1, language, signed=True)} {ev.unit_in(language)}"
        if ev.diagnostics_disagree and not ev.diagnostics["joint"] and not ev.diagnostics["linear"]:
            # the usual disagreement, said in the same breath: fake starts find a difference, the tests do not
            ps = _join([fmt_p(ev.events.pretrend_p, language), fmt_p(ev.linear_trend.p_value, language)], language)
            ending = (f" Testene for ens udvikling før start slår ikke ud (p = {ps}), men det beroliger ikke."
                      if da else
                      f" The tests of parallel pre-trends and of a linear pre-trend find nothing (p = {ps}), but "
                      "the change may still have begun before the initiative.")
            said = True
        else:
            ending = (" Udviklingen kan altså være begyndt før indsatsen." if da else
                      " The change may have begun before the initiative.")
            said = False
        warning = (warning + " " if warning else "") + (
            f"Advarsel: Med en falsk start i {fake}, før indsatsen, finder samme beregning også en tydelig forskel "
            f"({amount}, placebo-p = {fmt_p(early.p_value, language)})." if da else
            f"Warning: with a fake start in {fake}, before the initiative, the same calculation also finds a clear "
            f"difference ({amount}, placebo p = {fmt_p(early.p_value, language)})."
        ) + ending
    else:
        said = False
    if ev.diagnostics_disagree and not said:
        warning = (warning + " " if warning else "") + disagreement_sentence(ev, language)
    caveat = ("Forskellen er ikke nødvendigvis en virkning af indsatsen."
              if da else
              "The difference is not necessarily an effect of the initiative.")
    if short := short_post_sentence(ev.design, ev.outcome.freq, language):
        caveat = f"{short} {caveat}"

    short = {
        ("sure", True): ("Bedre end sammenligningen", "Better than the comparison"),
        ("sure", False): ("Dårligere end sammenligningen", "Worse than the comparison"),
        ("weak", True): ("Muligvis bedre end sammenligningen", "Possibly better than the comparison"),
        ("weak", False): ("Muligvis dårligere end sammenligningen", "Possibly worse than the comparison"),
    }
    better = (e < 0) == ev.outcome.lower_is_better
    if cls == "noise":
        title = "Ingen sikker forskel fra sammenligningen" if da else "No clear difference from the comparison"
    else:
        title = short[(cls, better)][0 if da else 1]
    return {"verdict": title, "happened": happened, "compared": compared, "sure": sure,
            "trend_warning": warning, "caveat": caveat}


def method_paragraphs(ev: Evaluation, language: str = "da") -> list[str]:
    from evaltools.evaluation import PRETREND_LEVEL, TIME_PLACEBO_LEVEL

    da = language == "da"
    n = ev.placebo.n_placebos
    scale = ("Beregningen sker på logaritmisk skala, så resultatet er en procentvis forskel; ændringer "
             "er beregnet ud fra geometriske gennemsnit." if ev.design.scale == "log" else
             f"Beregningen sker på niveau, så resultatet er i {ev.unit_in(language)}.") if da else (
             "The calculation is on the log scale, so the result is a percentage difference; changes use "
             "geometric means." if ev.design.scale == "log" else
             f"The calculation is on levels, so the result is in {ev.unit_in(language)}.")
    if scaled_comparison(ev):
        scale += " " + scaled_comparison_sentence(language)
    stat = ("t-værdien (forskellen delt med kommunens eget normale udsving)" if ev.placebo.statistic == "t"
            else "forholdet mellem afvigelsen efter og før starten (RMSPE)") if da else (
            "the t-statistic (the difference divided by the kommune's own normal fluctuation)"
            if ev.placebo.statistic == "t" else "the post/pre RMSPE ratio")
    if da:
        return [
            "Metoden er forskel-i-forskelle: Vi sammenligner ændringen i kommunen fra før til efter "
            f"indsatsens start med ændringen i {comparison_name(ev, language)} i samme periode. "
            + comparison_detail(ev, language) + " " + scale,
            "Når kun én kommune har indsatsen, giver almindelige standardfejl et for sikkert billede "
            "(MacKinnon & Webb 2017). Derfor vurderer vi usikkerheden med placebo-test: Vi gentager "
            f"præcis samme beregning for hver af de {n} andre kommuner, som om de havde startet en "
            f"indsats på samme tidspunkt, og ser, hvor usædvanlig {ev.kommune.name} er. Kommunerne "
            f"sammenlignes på {stat}, fordi små kommuner svinger meget mere end store (Ferman & Pinto 2019). "
            f"Den mindst mulige p-værdi er 1/{n + 1}. Kommunerne er ikke udvalgt ved lodtrækning, så p-værdien "
            "er en rangering, der siger, hvor usædvanlig kommunen er, ikke en eksakt test. Usikkerhedsintervallet "
            "er de forskelle, placebo-testen ikke kan afvise, under antagelse af at forskellen er den samme i alle "
            "perioder efter start. Et konventionelt interval, der antager uafhængige perioder, er ikke gyldigt her "
            "og vises ikke.",
            "Vi tjekker også, om kommunen allerede før starten udviklede sig anderledes end "
            "sammenligningen (event study med en samlet test af perioderne før start og en test for lineær "
            "trend, begge mod placebo-kommunerne), og vi gentager beregningen med falske startdatoer før den "
            "rigtige (placebo i tid). Rapporten advarer, når en af de to tests har p under "
            f"{fmt_p(PRETREND_LEVEL, language)} (med få perioder før start opdager de sjældent et problem, så "
            "grænsen er lempeligere end ellers), eller når en falsk startdato giver et lige så tydeligt "
            f"udslag som et rigtigt resultat (p højst {fmt_p(TIME_PLACEBO_LEVEL, language)}). Som robusthedstjek "
            "beregnes forskellen også med syntetisk kontrolgruppe "
            "(Abadie, Diamond & Hainmueller 2010), med og uden tilpasning til kommunens eget niveau, og med "
            "syntetisk forskel-i-forskelle (Arkhangelsky m.fl. 2021), hver med samme placebo-test.",
        ]
    return [
        "The method is difference-in-differences: we compare the change in the kommune from before to "
        f"after the start with the change in {comparison_name(ev, language)} over the same periods. "
        + comparison_detail(ev, language) + " " + scale,
        "With a single treated kommune, conventional standard errors overstate certainty (MacKinnon & "
        "Webb 2017). We therefore use placebo tests: the same calculation is repeated for each of the "
        f"{n} other kommuner as if they had started an initiative at the same time, and we see how "
        f"unusual {ev.kommune.name} is. Kommuner are compared on {stat}, because small kommuner "
        f"fluctuate far more than large ones (Ferman & Pinto 2019). The smallest possible p-value is 1/{n + 1}. "
        "The kommuner were not chosen at random, so the p-value is a rank that says how unusual the kommune is, "
        "not an exact test. The uncertainty interval holds the differences the placebo test cannot reject, "
        "assuming the difference is the same in every period after the start. A conventional interval, which "
        "assumes independent periods, is not valid here and is not shown.",
        "We also check whether the kommune already moved differently before the start (event study with a "
        "joint test of the pre-periods and a test of a linear trend, both against the placebo kommuner), and "
        "repeat the calculation with fake start dates before the real one (placebo in time). The report "
        f"warns when either test has p below {fmt_p(PRETREND_LEVEL, language)} (with few periods before the start "
        "they seldom detect a problem, so the bar is lower than usual), or when a fake start date gives as clear "
        f"a result as a real finding (p at most {fmt_p(TIME_PLACEBO_LEVEL, language)}). As robustness "
        "checks the difference is also estimated with a synthetic control (Abadie, Diamond & Hainmueller 2010), "
        "in levels and de-meaned, and with synthetic difference-in-differences (Arkhangelsky et al. 2021), each "
        "with the same placebo test.",
    ]


def shifted_comparison_sentence(ev: Evaluation, language: str = "da") -> str:
    """With named comparison kommuner: when nearly all placebo kommuner moved the same way against
    them, say so. Gladsaxe was 0,6 points below Ballerup, but 96 % of kommuner were below Ballerup,
    typically by 1,0: the difference is about Ballerup as much as about Gladsaxe (and the detectable
    effect, measured from that shifted centre, is not a bar for the estimate itself)."""
    if not isinstance(ev.design.comparison, tuple):
        return ""
    est = np.asarray(ev.placebo.placebo_estimates, dtype=float)
    est = est[np.isfinite(est)]
    if len(est) < 10:
        return ""
    median = float(np.median(est))
    share = float(np.mean(np.sign(est) == np.sign(median)))
    if median == 0 or share < 0.8:
        return ""
    da, k, comp = language == "da", ev.kommune.name, comparison_name(ev, language)
    typical = f"{fmt_number(abs(float(ev.on_reader_scale(median))), 1, language)} {ev.unit_in(language)}"
    pct = fmt_number(100 * share, 0, language)
    same = np.sign(ev.effect) == np.sign(median)
    if da:
        where = "lavere" if median < 0 else "højere"
        return (f"{'Også ' if same else ''}{pct} procent af de andre kommuner lå {where}, end hvis de havde fulgt "
                f"udviklingen i {comp} (typisk {typical} {where}), så forskellen til {comp} siger lige så meget om "
                f"{comp} som om {k}.")
    where = "lower" if median < 0 else "higher"
    return (f"{pct} per cent of the other kommuner were{' also' if same else ''} {where} than if they had followed "
            f"the trend in {comp} (typically by {typical}), so the difference from {comp} says as much about {comp} "
            f"as about {k}.")


def zero_valued_placebos(ev: Evaluation) -> list[str]:
    """Codes of kommuner with complete data left out of the placebo test: a zero somewhere, where a
    relative (log) change is undefined."""
    named = set(ev.design.comparison) if isinstance(ev.design.comparison, tuple) else set()
    # the named comparison kommune cannot be its own placebo; that needs no sentence
    # nor can the other kommuner of a joint initiative (design.excluded): they are treated too
    return [c for c in ev.placebo.excluded
            if c not in ev.gaps.missing and c not in named and c not in ev.design.excluded]


def caveats(ev: Evaluation, language: str = "da") -> list[str]:
    da = language == "da"
    items = [
        ("En sammenhæng i tid er ikke i sig selv en virkning: Andre ændringer i kommunen (fx i "
         "befolkning, erhverv eller andre indsatser) kan forklare forskellen." if da else
         "Timing alone is not an effect: other changes in the kommune (population, industry, other "
         "initiatives) can explain the difference."),
        ("Metoden forudsætter, at kommunen uden indsatsen ville have fulgt sammenligningsgruppens "
         "udvikling." if da else "The method assumes that without the initiative the kommune would have "
         "followed the comparison group."),
        ((f"Målet er {ev.outcome.label(language).lower()} ({ev.outcome.table}), som ikke nødvendigvis er "
          "præcis den gruppe, indsatsen var rettet mod." if da else
          f"The measure is {ev.outcome.label(language).lower()} ({ev.outcome.table}), which need not be "
          "exactly the group the initiative targeted.")),
    ]
    if ev.gaps.missing:
        names = _join([get_kommune(c).name for c in ev.gaps.missing], language)
        items.append(f"{names} mangler data i perioden og indgår hverken i sammenligningen eller i placebo-testen."
                     if da else f"{names} lack data for the period and are in neither the comparison nor the placebo test.")
    unexplained = zero_valued_placebos(ev)
    if unexplained:
        # complete data but no usable gap: a zero somewhere, where a relative (log) change is undefined
        if len(unexplained) <= 5:
            who = _join([get_kommune(c).name for c in unexplained], language)
        else:
            who = f"{len(unexplained)} kommuner"
        items.append(f"{who} har værdien nul i en del af perioden, hvor en relativ ændring ikke kan beregnes, "
                     "og indgår derfor ikke i placebo-testen." if da else
                     f"{who} have a value of zero in part of the period, where a relative change is undefined, "
                     "so they are not in the placebo test.")
    warning = verdict(ev, language)["trend_warning"]
    if warning:
        items.append(warning)
    return items


def claim_box(ev: Evaluation, claim: dict, language: str = "da") -> dict:
    """'Påstanden: ...' (with its source) next to 'Vores beregning: ...', and which measure we could use."""
    da = language == "da"
    v = verdict(ev, language)
    ours = f"{headline(ev, language)} {'i forhold til' if da else 'relative to'} {comparison_name(ev, language)}. {v['verdict']}."
    note = ""
    if not claim.get("exact") and claim.get("measure"):
        note = (f"Påstanden handler om {claim['measure']}, som ikke findes i de data, rapporten bygger på; "
                f"vi bruger det nærmeste mål: {ev.outcome.label(language).lower()} ({ev.outcome.table})." if da else
                f"The claim is about {claim['measure']}, which is not in the data this report uses; we use the "
                f"closest measure: {ev.outcome.label(language).lower()} ({ev.outcome.table}).")
    return {
        "said_label": "Påstanden:" if da else "The claim:",  # its source follows; not always the kommune
        "ours_label": "Vores beregning:" if da else "Our calculation:",
        "text": claim["text"],
        "source": claim.get("source", ""),
        "ours": ours,
        "measure_note": note,
    }


def synthetic_paragraph(ev: Evaluation, language: str = "da") -> str:
    """The synthetic control, said plainly, next to the main estimate; '' when it cannot be fitted."""
    sc = ev.synthetic
    if sc is None:
        return ""
    da = language == "da"
    pct = " %" if da else "%"  # Danish puts a space before the per cent sign, English does not
    donors = _join([f"{get_kommune(c).name} ({fmt_number(100 * w, 0, language)}{pct})" for c, w in sc.top_donors(4)], language)
    ours, main = (fmt_number(sc.effect, 1, language, signed=True), headline(ev, language))
    unit = ev.unit_in(language)
    unique = sc.pre_rmspe > 1e-6
    if da:
        text = (f"Figur 4 viser den syntetiske kontrolgruppe på afvigelser fra eget gennemsnit: En vægtet blanding "
                f"af andre kommuner, især {donors}, fulgte {ev.kommune.name} før starten, når hver kommunes niveau "
                f"trækkes fra. Efter starten lå {ev.kommune.name} i gennemsnit {ours} {unit} fra blandingen "
                f"(hovedberegningen: {main}).")
        if not unique:
            text += " Før-perioden er så kort, at mange blandinger passer lige godt; vægtene er derfor ikke entydige."
        return text
    text = (f"Figure 4 shows the de-meaned synthetic control: a weighted mix of other kommuner, mainly {donors}, "
            f"tracked {ev.kommune.name} before the start once each kommune's own level is taken out. After the start "
            f"{ev.kommune.name} was on average {ours} {unit} from the mix (main result: {main}).")
    if not unique:
        text += " The pre-period is so short that many mixes fit equally well, so the weights are not unique."
    return text
