"""The report for a plan with several goals: page 1 is a table of every goal (Holm-adjusted
placebo p-values, a sentence on multiple comparisons), then one section per goal."""

from __future__ import annotations

from dataclasses import dataclass

from evaltools.figures import alt_trends, figure_html, plot_trends
from evaltools.formatting import fmt_number, fmt_p, sentence_case
from evaltools.goals import GoalResult, GoalsEvaluation, evaluate_goals
from evaltools.hashing import code_hash, outcomes_hash, params_hash
from evaltools.periods import format_period
from evaltools.report.labels import LABELS, long_date
from evaltools.report.source import outcomes_credit
from evaltools.report.sections import Report, ReportBase, Section, package_versions
from evaltools.report.claims import pre_period_warnings
from evaltools.text import comparison_detail, headline, mde_sentence, verdict

WORDS = {
    "da": {"headers": ["Mål", "Retning", "Vores beregning", "Placebo-p", "Justeret p (Holm)", "Vurdering"],
           "fald": "fald", "stigning": "stigning", "in": "tydeligt i målets retning",
           "against": "tydeligt mod målets retning", "noise": "kan ikke skelnes fra tilfældige udsving",
           "no_data": "ikke målbar med de tilgængelige data", "not_fetched": "data ikke hentet",
           "proxy": "nærmeste mål", "target": "mål", "goal": "Mål"},
    "en": {"headers": ["Goal", "Direction", "Our calculation", "Placebo p", "Adjusted p (Holm)", "Assessment"],
           "fald": "fall", "stigning": "rise", "in": "clear, in the goal's direction",
           "against": "clear, against the goal's direction", "noise": "cannot be told from random fluctuation",
           "no_data": "not measurable with the available data", "not_fetched": "data not fetched",
           "proxy": "closest measure", "target": "target", "goal": "Goal"},
}


def multiple_sentence(n_tested: int, n_goals: int, language: str = "da") -> str:
    """'Med 6 mål forventes omkring 0,3 at se tydelige ud alene ved tilfældighed' (+ what Holm does)."""
    if n_tested == 1:  # nothing to adjust for: say so rather than explain Holm's method
        if language == "da":
            return ("Planen har ét mål, så der er ingen flere sammenligninger at justere for." if n_goals == 1 else
                    f"Kun 1 af planens {n_goals} mål kunne beregnes, så der er ingen flere sammenligninger at justere "
                    f"for; de {n_goals - 1} andre står i tabellen.")
        return ("The plan has one goal, so there are no multiple comparisons to adjust for." if n_goals == 1 else
                f"Only 1 of the plan's {n_goals} goals could be calculated, so there are no multiple comparisons to "
                f"adjust for; the other {n_goals - 1} are listed in the table.")
    expected = fmt_number(0.05 * n_tested, 2 if (5 * n_tested) % 10 else 1, language)
    if language == "da":
        s = (f"Med {n_tested} mål forventes omkring {expected} at se tydelige ud alene ved tilfældighed "
             "(5 % af dem), selv hvis ingen indsats virkede. Derfor er placebo-p-værdierne også justeret for "
             "flere sammenligninger (Holms metode); vurderingen bygger på den justerede p-værdi.")
        if n_goals > n_tested:
            s += f" {n_goals - n_tested} af planens {n_goals} mål kunne ikke beregnes, men står i tabellen."
        return s
    s = (f"With {n_tested} goal{'s' if n_tested != 1 else ''}, about {expected} would look clear by chance alone (5% of them), even if "
         "nothing worked. The placebo p-values are therefore also adjusted for multiple comparisons (Holm's "
         "method); the assessment uses the adjusted p-value.")
    if n_goals > n_tested:
        missing = n_goals - n_tested
        s += (f" {missing} of the plan's {n_goals} goals could not be calculated but "
              f"{'is' if missing == 1 else 'are'} listed.")
    return s


@dataclass
class GoalsReport(ReportBase):
    evaluation: GoalsEvaluation

    @classmethod
    def build(cls, *, kommune, goals, start, initiative, pre_start=None, post_end=None, comparison="rest",
              scale=None, committee="", report_date=None, author="", language="da", claim=None,
              params: dict | None = None) -> GoalsReport:
        ge = evaluate_goals(kommune, goals, start, pre_start=pre_start, post_end=post_end, comparison=comparison,
                            scale=scale, language=language)
        return cls._wrap(ge, initiative=initiative, committee=committee, report_date=report_date, author=author,
                         params=params, claim=claim)

    @property
    def W(self) -> dict:
        return WORDS[self.language]

    @property
    def title(self) -> str:
        return LABELS[self.language]["title"].format(initiative=self.initiative,
                                                      kommune=self.evaluation.kommune.full_name)

    def _label(self, g: GoalResult) -> str:
        W = self.W
        extra = []
        if g.target not in (None, ""):
            extra.append(f"{W['target']}: {g.target}")
        if g.proxy and g.evaluation is not None:
            extra.append(f"{W['proxy']}: {g.evaluation.outcome.label(self.language).lower()}")
        return g.label + (f" ({'; '.join(extra)})" if extra else "")

    def rows(self) -> list[dict]:
        W, lang = self.W, self.language
        out = []
        for g in self.evaluation.goals:
            ev = g.evaluation
            out.append({
                "label": self._label(g),
                "direction": W[g.direction],
                "estimate": headline(ev, lang) if ev else "–",
                "p": fmt_p(ev.p_value, lang) if ev else "–",
                "p_adj": fmt_p(g.p_adjusted, lang) if ev else "–",
                # the goal's own pre-period warnings, as its section, the claims page and the overview give them
                "assessment": "; ".join([W[g.assessment()], *(pre_period_warnings(
                    {"pretrend_warning": ev.pretrend_warning, "early_divergence": ev.early_divergence is not None},
                    lang) if ev else [])]),
            })
        return out

    def document_metadata(self) -> dict:
        lang = self.language
        words = ("parametre", "data", "kode") if lang == "da" else ("params", "data", "code")
        # every goal's data, as the batch ledger hashes them (a goal not fetched yet counts as missing)
        data = outcomes_hash([g.outcome for g in self.evaluation.goals])
        credit = outcomes_credit([g.outcome for g in self.evaluation.goals], lang)
        footer = (f"{credit} · evaltools {dict(package_versions()).get('evaltools', '')}\n"
                  f"{words[0]} {params_hash(self.params)} · {words[1]} {data} · {words[2]} {code_hash()}")
        return {"title": self.title, "author": self.author or "evaltools", "lang": lang,
                "subject": self.initiative, "keywords": ["evaluering" if lang == "da" else "evaluation",
                                                         self.evaluation.kommune.name],
                "footer": footer, "date": self.date.isoformat(),
                "hashes": {"params": params_hash(self.params), "data": data, "code": code_hash()},
                "params": self.params_as_json()}  # the exporter compares the parameters cell

    def front_page(self) -> Section:
        ge, lang, W = self.evaluation, self.language, self.W
        da = lang == "da"
        claim = ({"said_label": "Påstanden:" if da else "The claim:", **self.claim}
                 if self.claim else None)
        n_tested = len(ge.tested)
        notes = []
        if any(g.status == "not_fetched" for g in ge.goals):
            # one command per outcome: --outcome takes one id
            ids = dict.fromkeys(g.outcome for g in ge.goals if g.status == "not_fetched")
            commands = "; ".join(f"evaltools data fetch --outcome {i}" for i in ids)
            notes.append(f"Mål markeret 'data ikke hentet' kan beregnes, når data er hentet fra Danmarks Statistik "
                         f"({commands})." if da else
                         f"Goals marked 'data not fetched' can be calculated once the data are fetched from "
                         f"Statistics Denmark ({commands}).")
        if ge.tested:  # what every number in the table is compared with (one sentence per kind of group)
            details = dict.fromkeys(comparison_detail(g.evaluation, lang) for g in ge.tested)
            notes.append(f"{LABELS[lang]['compared_to']}: {' '.join(details)} "
                         + ("Hvor store effekter testen kan opdage, står under hvert mål." if da else
                            "How large an effect the test can detect is given under each goal."))
        if any(g.proxy for g in ge.goals):
            notes.append("Hvor målets eget tal ikke findes i data, bruges det nærmeste mål; det står i parentes."
                         if da else "Where the goal's own measure is not in the data, the closest measure is used, "
                         "as given in brackets.")
        caption = ((f"Planens mål, alle med start {format_period(self._start(), lang)}" if da else
                    f"The plan's goals, all from {format_period(self._start(), lang)}") if self._start() else "")
        html = self._render("goals_front_page", title=self.title, committee=self.committee,
                            date=long_date(self.date, lang), claim=claim, headers=W["headers"], rows=self.rows(),
                            caption=caption, multiple=multiple_sentence(n_tested, len(ge.goals), lang), notes=notes,
                            caveat=("En forskel er ikke nødvendigvis en virkning af indsatsen." if da else
                                    "A difference is not necessarily an effect of the initiative."))
        text = "\n".join([self.title] + [" | ".join(r.values()) for r in self.rows()]
                         + [multiple_sentence(n_tested, len(ge.goals), lang)])
        return Section("front_page", html, text, self.document_metadata())

    def _start(self):
        t = self.evaluation.tested
        return t[0].evaluation.design.start if t else None

    def numbers(self) -> Section:
        """One section per goal, in the plan's order."""
        ge, lang, W = self.evaluation, self.language, self.W
        L = LABELS[lang]
        parts, texts, n_fig = [], [], 0
        for i, g in enumerate(ge.goals, 1):
            heading = f"{W['goal']} {i}: {self._label(g)}"
            ev = g.evaluation
            if ev is None:
                why = sentence_case(W[g.status]) + "."
                if g.status == "not_fetched":
                    why += (f" Hent dem med: evaltools data fetch --outcome {g.outcome}" if lang == "da" else
                            f" Fetch them with: evaltools data fetch --outcome {g.outcome}")
                paragraphs = [why] + ([g.note] if g.note else [])
                parts.append(self._render("goal_section", heading=heading, paragraphs=paragraphs, warning="", figure=""))
                texts.append(heading + ": " + why)
                continue
            n_fig += 1
            v = verdict(ev, lang)
            if len(ge.tested) == 1:  # one goal: its own p is the one that counts
                adj = f"Vurdering: {W[g.assessment()]}." if lang == "da" else f"Assessment: {W[g.assessment()]}."
            else:
                adj = (f"Justeret for {len(ge.tested)} mål (Holm) er p = {fmt_p(g.p_adjusted, lang)}: "
                       f"{W[g.assessment()]}." if lang == "da" else
                       f"Adjusted for {len(ge.tested)} goals (Holm), p = {fmt_p(g.p_adjusted, lang)}: {W[g.assessment()]}.")
            paragraphs = [v["happened"], v["compared"], v["sure"] + " " + adj, mde_sentence(ev, lang)]
            if g.note:
                paragraphs.append(g.note)
            comp = ev.comparison_name(lang)
            caption = L["fig_trends"].format(kommune=ev.kommune.name, comparison=comp,
                                             ref=format_period(ev.design.reference, lang))
            caption = caption.replace("Figur 1:", f"Figur {n_fig}:").replace("Figure 1:", f"Figure {n_fig}:")
            fig = figure_html(plot_trends(ev, language=lang), alt_trends(ev, n_fig, lang), caption)
            parts.append(self._render("goal_section", heading=heading, paragraphs=paragraphs,
                                      warning=v["trend_warning"], figure=fig))
            texts.append(heading + ": " + v["compared"])
        return Section("numbers", "\n".join(parts), "\n".join(texts))

    def robustness(self) -> Section:
        return Section("robustness", "", "")

    def method(self) -> Section:
        t = self.evaluation.tested
        if not t:
            return Section("method", "", "")
        r = Report(t[0].evaluation, self.initiative, self.committee, self.date, self.author, self.params)
        return r.method()

    def appendix(self) -> Section:
        t = self.evaluation.tested
        if not t:
            return Section("appendix", "", "")
        return Report(t[0].evaluation, self.initiative, self.committee, self.date, self.author, self.params).appendix()
