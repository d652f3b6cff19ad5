"""Report sections: HTML fragments rendered from package templates, displayed in the notebook.

Each section is an object with ``_repr_mimebundle_``, so a notebook cell that ends with
``report.front_page()`` shows it in JupyterLab and stores it in the executed notebook, where our
nbconvert exporter picks it up. The front page also carries the document metadata (title,
author, language) that the PDF needs.
"""

from __future__ import annotations

import datetime as dt
import platform
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version

from evaltools.errors import InputError
from evaltools.evaluation import Evaluation, evaluate
from evaltools.figures import (
    alt_event_study,
    alt_placebo,
    alt_synthetic,
    alt_trends,
    figure_html,
    plot_event_study,
    plot_placebo,
    plot_synthetic,
    plot_trends,
)
from evaltools.formatting import fmt_interval, fmt_number, fmt_p, use_number_format
from evaltools.hashing import code_hash, panel_hash, params_hash
from evaltools.periods import format_period
from evaltools.report.labels import LABELS, long_date
from evaltools.report.metadata import METADATA_KEY
from evaltools.report.source import dataset, footer_line, source_row, table_line
from evaltools.report.templating import render
from evaltools.text import (
    caveats,
    claim_box,
    comparison_detail,
    estimator_rows,
    estimators_sentence,
    headline,
    mde_sentence,
    method_paragraphs,
    per_period,
    scaled_comparison_label,
    synthetic_paragraph,
    verdict,
)



@dataclass
class Section:
    """An HTML fragment of the report (and, for the front page, the document metadata)."""

    name: str
    html: str
    text: str
    metadata: dict = field(default_factory=dict)

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = {"text/html": self.html, "text/plain": self.text}
        return data, ({METADATA_KEY: self.metadata} if self.metadata else {})


VERSIONED = ["evaltools", "pandas", "numpy", "statsmodels", "seaborn", "matplotlib", "papermill",
             "nbconvert", "typst", "weasyprint"]


@lru_cache(maxsize=1)  # reading package metadata costs ~60 ms; a batch worker asks once per report
def package_versions() -> list[tuple[str, str]]:
    out = [("Python", platform.python_version())]
    for name in VERSIONED:
        try:
            out.append((name, version(name)))
        except PackageNotFoundError:
            pass
    return out


def _param_text(value) -> str:
    """A parameter as it is written in a params file (YAML), so it can be copied back: the claim
    block and the goals in YAML's one-line form, true/false, a decimal point."""
    if isinstance(value, str):
        return value
    import yaml

    def plain(v):
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items() if x not in (None, "")}
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        return v

    return yaml.safe_dump(plain(value), allow_unicode=True, default_flow_style=True, sort_keys=False,
                          width=10**6).strip().removesuffix("...").strip()


def parse_report_date(value) -> dt.date:
    """The report's date: ``report_date`` from the params (ISO), else today."""
    return dt.date.fromisoformat(str(value)) if value else dt.date.today()


@dataclass
class ReportBase:
    """What every kind of report holds (one kommune, several, a plan with goals): its evaluation
    plus the committee context, and the report's language, labels and fragment templates."""

    evaluation: object
    initiative: str
    committee: str = ""
    date: dt.date = field(default_factory=dt.date.today)
    author: str = ""
    params: dict = field(default_factory=dict)
    claim: dict | None = None

    @property
    def language(self) -> str:
        return self.evaluation.language

    @property
    def L(self) -> dict:
        return LABELS[self.language]

    def _render(self, name: str, **ctx) -> str:
        return render(f"{name}.html.j2", L=self.L, lang=self.language, **ctx)

    @classmethod
    def _wrap(cls, evaluation, *, initiative, committee="", report_date=None, author="", params=None, claim=None):
        """The committee context around an evaluation, read the same way by every kind of report.
        No initiative named: the language's default title, never one kommune's own text."""
        initiative = initiative or LABELS[evaluation.language]["default_initiative"]
        return cls(evaluation, initiative, committee, parse_report_date(report_date), author or "evaltools",
                   params or {}, dict(claim) if claim else None)

    def params_as_json(self) -> dict:
        """The parameters this report was built with, as JSON values (dates as text)."""
        import json

        return json.loads(json.dumps(self.params, default=str))

    def _results(self, tidy) -> dict:
        """The ledger's numbers: the evaluation's one tidy row (plain Python values) and the claim."""
        claim = self.claim or {}
        return {**{k: (v.item() if hasattr(v, "item") else v) for k, v in tidy.iloc[0].items()},
                "claim": claim.get("text"), "claim_value": claim.get("value"), "claim_measure": claim.get("measure")}


@dataclass
class Report(ReportBase):
    """Everything one report shows, built from an Evaluation plus the committee context."""

    evaluation: Evaluation

    @classmethod
    def build(
        cls,
        *,
        kommune: str,
        outcome: str | None,
        start: str,
        initiative: str | None = None,
        pre_start: str | None = None,
        post_end: str | None = None,
        comparison="rest",
        scale: str | None = None,
        committee: str = "",
        report_date: str | None = None,
        author: str = "",
        language: str = "da",
        claim: dict | None = None,
        **extra,
    ) -> Report:
        """Evaluate and wrap in a Report; the notebook's one call. A list of kommuner gives a
        ``GroupReport`` (several kommuner, one start) with the same section calls."""
        if language not in LABELS:  # the notebook passes what its parameters cell says
            raise InputError(f"language: should be 'da' or 'en' (got {language!r})")
        use_number_format(language)  # the evaluator's own tables after this cell, as the report writes numbers
        # the same keys and values papermill injected, so the hash equals the runner's
        params = dict(kommune=kommune, outcome=outcome, start=start, initiative=initiative, pre_start=pre_start,
                      post_end=post_end, comparison=comparison, scale=scale, committee=committee,
                      report_date=report_date, author=author, language=language, claim=claim, **extra)
        goals = params.pop("goals", None)
        if goals is not None:  # a plan with several goals
            from evaltools.report.goals import GoalsReport

            params["goals"] = goals
            return GoalsReport.build(kommune=kommune, goals=goals, start=start, initiative=initiative,
                                     pre_start=pre_start, post_end=post_end, comparison=comparison, scale=scale,
                                     committee=committee, report_date=report_date, author=author,
                                     language=language, claim=claim, params=params)
        if outcome is None:
            raise InputError("give an outcome, or goals: a list of goals each with its outcome")
        if isinstance(kommune, (list, tuple)):
            from evaltools.report.group import GroupReport

            return GroupReport.build(kommune=kommune, outcome=outcome, start=start, initiative=initiative,
                                     pre_start=pre_start, post_end=post_end, comparison=comparison, scale=scale,
                                     committee=committee, report_date=report_date, author=author,
                                     language=language, claim=claim, params=params)
        ev = evaluate(kommune, outcome, start, pre_start=pre_start, post_end=post_end,
                      comparison=comparison, scale=scale, language=language)
        return cls._wrap(ev, initiative=initiative, committee=committee, report_date=report_date, author=author,
                         params=params, claim=claim)

    # -- helpers ------------------------------------------------------------------------------
    @property
    def title(self) -> str:
        return self.L["title"].format(initiative=self.initiative, kommune=self.evaluation.kommune.full_name)

    def document_metadata(self) -> dict:
        ev = self.evaluation
        source = footer_line(ev.panel.source, ev.outcome, self.language)
        words = ("parametre", "data", "kode") if self.language == "da" else ("params", "data", "code")
        data = panel_hash(ev.panel)  # the data this report used, whatever its origin
        footer = (f"{source} · evaltools {dict(package_versions()).get('evaltools', '')}\n"
                  f"{words[0]} {params_hash(self.params)} · {words[1]} {data} · {words[2]} {code_hash()}")
        return {
            "title": self.title,
            "author": self.author or "evaltools",
            "lang": self.language,
            "subject": f"{ev.outcome.label(self.language)}, {ev.kommune.full_name}",
            "keywords": (["evaluering", ev.kommune.name, ev.outcome.table, "forskel-i-forskelle"] if self.language == "da"
                         else ["evaluation", ev.kommune.name, ev.outcome.table, "difference-in-differences"]),
            "footer": footer,
            "date": self.date.isoformat(),
            "hashes": {"params": params_hash(self.params), "data": data, "code": code_hash()},
            "params": self.params_as_json(),  # the exporter compares the parameters cell
            # the numbers, so a batch ledger records exactly what this report shows
            "results": self._results(ev.tidy()),
        }

    # -- sections -----------------------------------------------------------------------------
    def front_page(self) -> Section:
        ev, L, lang = self.evaluation, self.L, self.language
        v = verdict(ev, lang)
        comp = ev.comparison_name(lang)
        fig = plot_trends(ev, language=lang)
        caption = L["fig_trends"].format(kommune=ev.kommune.name, comparison=comp,
                                         ref=format_period(ev.design.reference, lang))
        html = self._render(
            "front_page",
            title=self.title,
            committee=self.committee,
            date=long_date(self.date, lang),
            v=v,
            headline=headline(ev, lang),
            headline_label=L["headline_label"].format(comparison=comp),
            comparison_detail=comparison_detail(ev, lang),
            figure=figure_html(fig, alt_trends(ev, 1, lang), caption),
            claim=claim_box(ev, self.claim, lang) if self.claim else None,
            mde=mde_sentence(ev, lang),
        )
        text = "\n".join([self.title, v["verdict"], v["happened"], v["compared"], v["sure"], mde_sentence(ev, lang),
                          v["caveat"]])
        return Section("front_page", html, text, self.document_metadata())

    def numbers(self) -> Section:
        ev, L, lang = self.evaluation, self.L, self.language
        pre, post = ev.design.describe_windows(lang)
        log = ev.design.scale == "log"
        # a rate's means and change to two decimals: at one, 5,1 -> 4,0 stood beside a change of -1,2
        # (5,134 -> 3,970), and a reader subtracting gets -1,1
        dec = (1 if log else 2) if ev.outcome.kind == "rate" else 0

        def change(m):
            if log:
                return fmt_number(100 * m.change, 1, lang, signed=True) + (" %" if lang == "da" else "%")
            return fmt_number(m.change, dec, lang, signed=True)

        # on the log scale the change is between geometric means: the table shows those, so that
        # after / before - 1 is the change printed beside them (arithmetic ones did not divide out)
        means = ((ev.kommune.name, ev.treated_means), (scaled_comparison_label(ev, lang), ev.comparison_means))
        def shown(m):  # a small count gets a decimal: 57 -> 53 does not give the -7.0 % beside it
            d = max(dec, 1) if min(abs(x) for x in m.shown) < 100 else dec
            return fmt_number(m.shown[0], d, lang), fmt_number(m.shown[1], d, lang)

        groups = [{"name": name, "pre": shown(m)[0], "post": shown(m)[1], "change": change(m)} for name, m in means]
        lo, hi = ev.conf_int()
        unit = ev.unit_in(lang)
        results = [
            (L["estimate"], headline(ev, lang)),
            (L["interval"], fmt_interval(lo, hi, lang, unit, relative=ev.design.scale == "log")),
            (L["p_placebo"], fmt_p(ev.p_value, lang)),
            (L["rank"].format(n=ev.placebo.n_placebos + 1), str(ev.placebo.rank)),
            (L["pretrend"], fmt_p(ev.events.pretrend_p, lang)),
            (L["pretrend_linear"], fmt_p(ev.linear_trend.p_value, lang)),
        ]
        if ev.effect_in_units is not None:
            equivalent = "Svarer til" if lang == "da" else "Equivalent"
            label = f"{equivalent} ({ev.outcome.unit(lang)} {per_period(ev.outcome.freq, lang)})"
            results.insert(1, (label, fmt_number(ev.effect_in_units, 0, lang, signed=True)))
        to_reader = ev.on_reader_scale
        tps = [{"start": format_period(t.fake_start, lang),
                "estimate": f"{fmt_number(to_reader(t.estimate), 1, lang, signed=True)} {unit}",
                "p": fmt_p(t.p_value, lang)} for t in ev.time_placebos]
        mean_pre = L["mean_pre"].format(pre=pre)
        mean_post = L["mean_post"].format(post=post)
        html = self._render("numbers", groups=groups, results=results, time_placebos=tps,
                            mean_pre=mean_pre, mean_post=mean_post,
                            outcome_label=ev.outcome.label(lang),
                            unit=ev.outcome.unit(lang) + (L["geometric_means"] if log else ""))
        text = "\n".join(f"{k}: {v}" for k, v in results)
        return Section("numbers", html, text)

    def robustness(self) -> Section:
        ev, L, lang = self.evaluation, self.L, self.language
        comp = ev.comparison_name(lang)
        es_fig = figure_html(plot_event_study(ev, language=lang), alt_event_study(ev, 2, lang),
                             L["fig_events"].format(comparison=comp))
        pl_fig = figure_html(plot_placebo(ev, language=lang), alt_placebo(ev, 3, lang),
                             L["fig_placebo"].format(kommune=ev.kommune.name))
        v = verdict(ev, lang)
        paragraphs = [v["sure"]] + ([v["trend_warning"]] if v["trend_warning"] else [])
        synth_text, synth_fig = synthetic_paragraph(ev, lang), ""
        if synth_text:
            synth_fig = figure_html(plot_synthetic(ev, language=lang), alt_synthetic(ev, 4, lang),
                                    L["fig_synthetic"].format(kommune=ev.kommune.name))
        estimators = estimator_rows(ev, lang)
        agreement = estimators_sentence(ev, lang)
        html = self._render("robustness", paragraphs=paragraphs, event_figure=es_fig, placebo_figure=pl_fig,
                            synthetic_text=synth_text, synthetic_figure=synth_fig, estimators=estimators,
                            agreement=agreement, fit_unit=("procent" if lang == "da" else "per cent")
                            if ev.design.scale == "log" else ev.unit_in(lang))
        return Section("robustness", html, "\n".join(paragraphs + [agreement]))

    def method(self) -> Section:
        ev, lang = self.evaluation, self.language
        m, c = method_paragraphs(ev, lang), caveats(ev, lang)
        return Section("method", self._render("method", method=m, caveats=c), "\n".join(m + c))

    def appendix(self) -> Section:
        ev, L, lang = self.evaluation, self.L, self.language
        src = ev.panel.source
        data_rows = [
            (L["source"], source_row(src, lang)),
            (L["table"], table_line(src, ev.outcome, lang)),
            (L["measure"], ev.outcome.source_note_da if lang == "da" else ev.outcome.source_note_en),
            (L["period_covered"], ev.panel.coverage(lang)),
            (L["snapshot"], dataset(src, lang)),
            (L["licence"], src.get("licence", "-")),
        ]
        params = [(k, _param_text(v)) for k, v in self.params.items() if v not in (None, "")]
        html = self._render("appendix", data_rows=data_rows, params=params, versions=package_versions())
        return Section("appendix", html, "\n".join(f"{k}: {v}" for k, v in data_rows))

    def sections(self) -> list[Section]:
        return [self.front_page(), self.numbers(), self.robustness(), self.method(), self.appendix()]
