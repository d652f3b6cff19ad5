"""Report sentences in plain Danish (default) or English, generated from an Evaluation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evaltools.formatting import fmt_int, fmt_interval, fmt_number, fmt_p
from evaltools.kommuner import get_kommune
from evaltools.periods import format_period

if TYPE_CHECKING:
    from evaltools.evaluation import Evaluation

SURE, WEAK = 0.05, 0.10


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
    if da:
        happened = (f"{subject} i {k} {move(t.change)} fra {pre} til {post} "
                    f"(gennemsnit før og efter indsatsens start). I {comp} {move(c.change).replace(' ', ' tallet ', 1)}.")
    else:
        happened = (f"{subject} in {k} {move(t.change)} from {pre} to {post} "
                    f"(averages before and after the start). In {comp} it {move(c.change)}.")

    e = ev.effect
    if log:
        direction = ("lavere" if e < 0 else "højere") if da else ("lower" if e < 0 else "higher")
        units = ev.effect_in_units
        extra = ""
        if units is not None:
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
    interval = fmt_interval(lo, hi, language, ev.unit_in(language))
    if da:
        how_many = "Ingen" if n_ext == 0 else ("Kun " if cls != "noise" else "") + f"{n_ext}"
        conclusion = {
            "sure": "så forskellen er næppe tilfældig",
            "weak": "så der er en svag indikation, men forskellen kan være tilfældig",
            "noise": "så forskellen kan ikke skelnes fra tilfældige udsving",
        }[cls]
        sure = (f"{how_many} af {n_other} andre kommuner havde en lige så tydelig ændring i forhold til "
                f"deres normale udsving, {conclusion} (placebo-p = {fmt_p(ev.p_value, language)}). "
                f"Usikkerhedsinterval (95 %): {interval}.")
    else:
        how_many = "None" if n_ext == 0 else ("Only " if cls != "noise" else "") + f"{n_ext}"
        conclusion = {
            "sure": "so the difference is unlikely to be chance",
            "weak": "a weak indication; the difference may be chance",
            "noise": "so the difference cannot be distinguished from random fluctuation",
        }[cls]
        sure = (f"{how_many} of {n_other} other kommuner had an equally clear change relative to their "
                f"normal fluctuation, {conclusion} (placebo p = {fmt_p(ev.p_value, language)}). "
                f"Uncertainty interval (95%): {interval}.")

    warning = ""
    if ev.pretrend_warning:
        warning = (f"Advarsel: Allerede før starten udviklede {k} sig anderledes end {comp} "
                   f"(test for ens udvikling før start: p = {fmt_p(ev.events.pretrend_p, language)}). "
                   "Sammenligningen er derfor usikker." if da else
                   f"Warning: {k} already moved differently from {comp} before the start "
                   f"(test of parallel pre-trends: p = {fmt_p(ev.events.pretrend_p, language)}). "
                   "The comparison is therefore uncertain.")

    early = ev.early_divergence
    if early is not None:
        fake = format_period(early.fake_start, language)
        amount = f"{fmt_number(ev.on_reader_scale(early.estimate), 1, language, signed=True)} {ev.unit_in(language)}"
        warning = (warning + " " if warning else "") + (
            f"Advarsel: Vi har prøvet {len(ev.time_placebos)} falske startdatoer før indsatsen. Med start i {fake} "
            f"finder samme beregning også en tydelig forskel ({amount}, placebo-p = {fmt_p(early.p_value, language)}). "
            "Udviklingen kan altså være begyndt før indsatsen." if da else
            f"Warning: we tried {len(ev.time_placebos)} fake start dates before the initiative. With a start in "
            f"{fake} the same calculation also finds a clear difference ({amount}, placebo p = "
            f"{fmt_p(early.p_value, language)}). The change may have begun before the initiative.")
    caveat = ("Tallene viser, hvordan kommunen klarede sig i forhold til sammenligningen – ikke "
              "nødvendigvis en virkning af indsatsen. Andre forhold i kommunen kan have ændret sig samtidig."
              if da else
              "The figures show how the kommune did relative to the comparison, not necessarily an effect "
              "of the initiative: other things in the kommune may have changed at the same time.")

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
    da = language == "da"
    n = ev.placebo.n_placebos
    scale = ("Beregningen sker på logaritmisk skala, så resultatet er en procentvis forskel; ændringer "
             "er beregnet ud fra geometriske gennemsnit." if ev.design.scale == "log" else
             f"Beregningen sker på niveau, så resultatet er i {ev.unit_in(language)}.") if da else (
             "The calculation is on the log scale, so the result is a percentage difference; changes use "
             "geometric means." if ev.design.scale == "log" else
             f"The calculation is on levels, so the result is in {ev.unit_in(language)}.")
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
            f"Den mindst mulige p-værdi er 1/{n + 1}.",
            "Vi tjekker også, om kommunen allerede før starten udviklede sig anderledes end "
            "sammenligningen (event study med test af perioderne før start), og vi gentager beregningen "
            "med falske startdatoer før den rigtige (placebo i tid).",
        ]
    return [
        "The method is difference-in-differences: we compare the change in the kommune from before to "
        f"after the start with the change in {comparison_name(ev, language)} over the same periods. "
        + comparison_detail(ev, language) + " " + scale,
        "With a single treated kommune, conventional standard errors overstate certainty (MacKinnon & "
        "Webb 2017). We therefore use placebo tests: the same calculation is repeated for each of the "
        f"{n} other kommuner as if they had started an initiative at the same time, and we see how "
        f"unusual {ev.kommune.name} is. Kommuner are compared on {stat}, because small kommuner "
        f"fluctuate far more than large ones (Ferman & Pinto 2019). The smallest possible p-value is 1/{n + 1}.",
        "We also check whether the kommune already moved differently before the start (event study with a "
        "test of the pre-periods), and repeat the calculation with fake start dates before the real one "
        "(placebo in time).",
    ]


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
    named = set(ev.design.comparison) if isinstance(ev.design.comparison, tuple) else set()
    # the named comparison kommune cannot be its own placebo; that needs no sentence
    unexplained = [c for c in ev.placebo.excluded if c not in ev.gaps.missing and c not in named]
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
    """'Kommunen oplyser: ...' next to 'Vores beregning: ...', and which measure we could use."""
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
        "said_label": "Kommunen oplyser:" if da else "The kommune reports:",
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
    donors = _join([f"{get_kommune(c).name} ({fmt_number(100 * w, 0, language)} %)" for c, w in sc.top_donors(4)], language)
    ours, main = (fmt_number(sc.effect, 1, language, signed=True), headline(ev, language))
    unit = ev.unit_in(language)
    unique = sc.pre_rmspe > 1e-6
    if da:
        text = (f"Robusthedstjek med syntetisk kontrolgruppe: En vægtet blanding af andre kommuner, især {donors}, "
                f"fulgte {ev.kommune.name} før starten. Efter starten lå {ev.kommune.name} i gennemsnit {ours} {unit} "
                f"fra blandingen (hovedberegningen: {main}). Tjekket har ingen egen usikkerhedsberegning.")
        if not unique:
            text += " Før-perioden er så kort, at mange blandinger passer lige godt; vægtene er derfor ikke entydige."
        return text
    text = (f"Robustness check with a synthetic control: a weighted mix of other kommuner, mainly {donors}, tracked "
            f"{ev.kommune.name} before the start. After the start {ev.kommune.name} was on average {ours} {unit} from "
            f"the mix (main result: {main}). The check has no uncertainty calculation of its own.")
    if not unique:
        text += " The pre-period is so short that many mixes fit equally well, so the weights are not unique."
    return text
