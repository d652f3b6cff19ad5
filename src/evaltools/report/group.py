"""The report for several kommuner with one start: page 1 names them all with the pooled result,
then one section per kommune (its own estimate and figures), method and appendix."""

from __future__ import annotations

from dataclasses import dataclass

from evaltools.figures import alt_event_study, alt_trends, figure_html, plot_event_study, plot_trends
from evaltools.formatting import fmt_number, sentence_case
from evaltools.group_evaluation import GroupEvaluation, evaluate_group
from evaltools.group_text import (count_word, each_sentence, group_caveats, group_comparison, group_method, group_verdict,
                                  names, unit_rows)
from evaltools.hashing import code_hash, panel_hash, params_hash
from evaltools.periods import format_period
from evaltools.report.labels import long_date
from evaltools.report.sections import Report, ReportBase, Section, package_versions
from evaltools.report.source import footer_line
from evaltools.text import claim_box, verdict

GROUP_COLORS = ["#b2182b", "#2166ac", "#1b7837", "#762a83", "#e08214", "#35978f"]


def plot_group_trends(g: GroupEvaluation, language: str = "da"):
    """Each treated kommune and the common comparison group, indexed to the last pre-period = 100."""
    import numpy as np

    from evaltools.figures import COMPARISON_COLOR, _axes, _finish, _rule, _style, indexed_series

    _style()
    fig, ax = _axes(None, 2.8)  # the report figures' fast ticks, legend and margins
    comp = g.units[0].comparison_name(language)
    x = None
    for i, ev in enumerate(g.units):
        df = indexed_series(ev, language)
        x = np.arange(len(df))
        if i == 0:
            ax.plot(x, df[comp], color=COMPARISON_COLOR, marker="o", markersize=3, label=sentence_case(comp))
        ax.plot(x, df[ev.kommune.name], color=GROUP_COLORS[i % len(GROUP_COLORS)], marker="o", markersize=3,
                linewidth=1.8, label=ev.kommune.name)
    _rule(ax, "h", 100, color="#999999", linewidth=0.8)
    ref = format_period(g.design.reference, language)
    ylabel = f"Indeks, {ref} = 100" if language == "da" else f"Index, {ref} = 100"
    return _finish(fig, ax, g.units[0], list(df["period"]), ylabel, language)


def alt_group_trends(g: GroupEvaluation, number: int, language: str = "da") -> str:
    from evaltools.figures import indexed_series

    parts = []
    for ev in g.units:
        df = indexed_series(ev, language)
        k = ev.kommune.name
        parts.append(f"{k} {fmt_number(df[k].iloc[0], 0, language)} → {fmt_number(df[k].iloc[-1], 0, language)}")
    comp = g.units[0].comparison_name(language)
    df = indexed_series(g.units[0], language)
    parts.append(f"{comp} {fmt_number(df[comp].iloc[0], 0, language)} → {fmt_number(df[comp].iloc[-1], 0, language)}")
    ref = format_period(g.design.reference, language)
    word = "Figur" if language == "da" else "Figure"
    return f"{word} {number}: {g.outcome.label(language)}, {'indeks' if language == 'da' else 'index'} {ref} = 100. " + "; ".join(parts) + "."


@dataclass
class GroupReport(ReportBase):
    """Everything a several-kommuner report shows; the same section calls as ``Report``."""

    evaluation: GroupEvaluation

    @classmethod
    def build(cls, *, kommune, outcome, start, initiative, pre_start=None, post_end=None, comparison="rest",
              scale=None, committee="", report_date=None, author="", language="da", claim=None,
              params: dict | None = None) -> GroupReport:
        g = evaluate_group(kommune, outcome, start, pre_start=pre_start, post_end=post_end, comparison=comparison,
                           scale=scale, language=language)
        return cls._wrap(g, initiative=initiative, committee=committee, report_date=report_date, author=author,
                         params=params, claim=claim)

    @property
    def title(self) -> str:
        kommuner = names(self.evaluation, self.language)
        return self.L["title"].format(initiative=self.initiative, kommune=kommuner)

    def document_metadata(self) -> dict:
        g, lang = self.evaluation, self.language
        source = footer_line(g.panel.source, g.outcome, lang)
        words = ("parametre", "data", "kode") if lang == "da" else ("params", "data", "code")
        data = panel_hash(g.panel)  # the data this report used, whatever its origin
        footer = (f"{source} · evaltools {dict(package_versions()).get('evaltools', '')}\n"
                  f"{words[0]} {params_hash(self.params)} · {words[1]} {data} · {words[2]} {code_hash()}")
        kommuner = [k.name for k in g.kommuner]
        return {
            "title": self.title,
            "author": self.author or "evaltools",
            "lang": lang,
            "subject": f"{g.outcome.label(lang)}, {', '.join(kommuner)}",
            "keywords": (["evaluering", *kommuner, g.outcome.table, "forskel-i-forskelle"] if lang == "da"
                         else ["evaluation", *kommuner, g.outcome.table, "difference-in-differences"]),
            "footer": footer,
            "date": self.date.isoformat(),
            "hashes": {"params": params_hash(self.params), "data": data, "code": code_hash()},
            "params": self.params_as_json(),  # the exporter compares the parameters cell
            "results": self._results(g.tidy()),
        }

    def front_page(self) -> Section:
        g, lang = self.evaluation, self.language
        v = group_verdict(g, lang)
        da = lang == "da"
        claim = None
        if self.claim:
            claim = claim_box(g.units[0], self.claim, lang)
            claim["ours"] = (f"{fmt_number(g.effect, 1, lang, signed=True)} {g.unit_in(lang)} "
                             f"{'i gennemsnit i forhold til' if da else 'on average relative to'} "
                             f"{group_comparison(g, lang)}. {v['verdict']}.")
        comp = g.units[0].comparison_name(lang)
        caption = (f"Figur 1: Udviklingen i {names(g, lang)} og {comp} (indeks, {format_period(g.design.reference, lang)} = 100)"
                   if da else f"Figure 1: {names(g, lang)} and {comp} (index, {format_period(g.design.reference, lang)} = 100)")
        figure = figure_html(plot_group_trends(g, lang), alt_group_trends(g, 1, lang), caption)
        html = self._render(
            "group_front_page", title=self.title, committee=self.committee, date=long_date(self.date, lang), v=v,
            headline=f"{fmt_number(g.effect, 1, lang, signed=True)} {g.unit_in(lang)}",
            headline_label=(f"Gennemsnitlig forskel for de {count_word(len(g.kommuner), lang)} kommuner" if da else
                            f"Average difference for the {count_word(len(g.kommuner), lang)} kommuner"),
            claim=claim, figure=figure, each=each_sentence(g, lang),
        )
        text = "\n".join([self.title, v["verdict"], v["compared"], v["sets"], v["sure"], v["mde"], v["trend_warning"],
                          v["caveat"]])
        return Section("front_page", html, text, self.document_metadata())

    def numbers(self) -> Section:
        """One section per kommune: its own sentences, the trends figure and the event study."""
        g, L, lang = self.evaluation, self.L, self.language
        da = lang == "da"
        parts = [self._render(
            "group_units_table", heading="Hver kommune for sig" if da else "Each kommune on its own",
            rows=unit_rows(g, lang), kommune_label="Kommune",
            units_caption=("Samme sammenligningsgruppe; placebo-test mod de øvrige kommuner enkeltvis" if da else
                           "Same comparison group; placebo test against the other kommuner one at a time"))]
        texts = []
        for i, ev in enumerate(g.units):
            comp = ev.comparison_name(lang)
            v = verdict(ev, lang)
            n = 2 * i + 2
            fig = figure_html(plot_trends(ev, language=lang), alt_trends(ev, n, lang),
                              L["fig_trends"].format(kommune=ev.kommune.name, comparison=comp,
                                                     ref=format_period(ev.design.reference, lang)).replace("Figur 1:", f"Figur {n}:").replace("Figure 1:", f"Figure {n}:"))
            es = figure_html(plot_event_study(ev, language=lang), alt_event_study(ev, n + 1, lang),
                             L["fig_events"].format(comparison=comp).replace("Figur 2:", f"Figur {n + 1}:").replace("Figure 2:", f"Figure {n + 1}:"))
            parts.append(self._render("group_unit", heading=ev.kommune.name, v=v, figure=fig, event_figure=es))
            texts.append(v["compared"])
        return Section("numbers", "\n".join(parts), "\n".join(texts))

    def robustness(self) -> Section:
        return Section("robustness", "", "")

    def method(self) -> Section:
        g, lang = self.evaluation, self.language
        m = group_method(g, lang)
        c = group_caveats(g, lang)
        return Section("method", self._render("method", method=m, caveats=c), "\n".join(m + c))

    def appendix(self) -> Section:
        return Report(self.evaluation.units[0], self.initiative, self.committee, self.date, self.author,
                      self.params, None).appendix()

    def sections(self) -> list[Section]:
        return [self.front_page(), self.numbers(), self.method(), self.appendix()]
