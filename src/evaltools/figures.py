"""Figures (seaborn/matplotlib) and their alt texts, written from the data they show."""

from __future__ import annotations

import base64
import io
from html import escape
from typing import TYPE_CHECKING

# No matplotlib.use(): in a kernel the user's inline backend must keep working (their own figures
# show and reach the PDF); without a display matplotlib picks Agg by itself. Our own figures are
# closed as soon as they are rendered to SVG, so the inline backend never shows them twice.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from evaltools.formatting import fmt_number
from evaltools.periods import format_period

if TYPE_CHECKING:
    from evaltools.evaluation import Evaluation

KOMMUNE_COLOR = "#b2182b"
COMPARISON_COLOR = "#4d4d4d"
BAND_COLOR = "#d1e5f0"
STYLE = {
    "font.family": "DejaVu Sans",
    "svg.fonttype": "none",  # text stays text in the SVG: searchable, and selectable in the PDF
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
}


def _style():
    sns.set_theme(style="whitegrid", rc=STYLE)


def _labels(ev: Evaluation, language: str):
    return [format_period(p, language) for p in ev.design.window]


def _xticks(ax, labels: list[str], most: int = 7):
    step = -(-len(labels) // most)  # ceiling: at most `most` labels, so they never collide
    ax.set_xticks(range(0, len(labels), step), [labels[i] for i in range(0, len(labels), step)])


def _danish_numbers(ax, language: str, axis: str = "y"):
    """Tick labels with a decimal comma (da) and as few decimals as the ticks need."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))

    def fmt(value, _pos):
        decimals = 0 if abs(value - round(value)) < 1e-9 else 1
        return fmt_number(value, decimals, language)

    target.set_major_formatter(FuncFormatter(fmt))


def _start_line(ax, ev: Evaluation, language: str):
    x = list(ev.design.window).index(ev.design.start) - 0.5
    ax.axvline(x, color="black", linestyle="--", linewidth=1)
    start = format_period(ev.design.start, language)
    text = f"Start {start}" if language == "en" else f"Indsatsen starter {start}"
    # above the plotting area, so it never covers a data line (tight_layout makes room for it)
    ax.annotate(text, xy=(x, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 3),
                textcoords="offset points", va="bottom", ha="center", fontsize=9)


def _axes(ax, height: float):
    """A new figure of the report's width, or the caller's axes."""
    if ax is None:
        return plt.subplots(figsize=(7.0, height))
    return ax.figure, ax


def _finish(fig, ax, ev: Evaluation, labels: list[str], ylabel: str, language: str):
    """What every time-axis figure gets: the start line, thinned ticks, Danish numbers, a legend."""
    _start_line(ax, ev, language)
    _xticks(ax, labels)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.set_xlabel("")
    _danish_numbers(ax, language)
    ax.legend(loc="best", frameon=True, framealpha=0.9, edgecolor="none", fontsize=9)
    fig.tight_layout()
    return fig


def indexed_series(ev: Evaluation, language: str = "da") -> pd.DataFrame:
    """Kommune and comparison, indexed to the last pre-period = 100."""
    j = ev.gaps.treated_index
    ref = list(ev.design.window).index(ev.design.reference)
    kom = ev.gaps.levels[j] / ev.gaps.levels[j][ref] * 100
    comp = ev.gaps.comparison_levels[j] / ev.gaps.comparison_levels[j][ref] * 100
    labels = _labels(ev, language)
    return pd.DataFrame({"period": labels, ev.kommune.name: kom, ev.comparison_name(language): comp})


def plot_trends(ev: Evaluation, ax=None, language: str | None = None):
    language = language or ev.language
    _style()
    df = indexed_series(ev, language)
    fig, ax = _axes(ax, 2.8)  # low enough to leave room on page 1 for a claim box
    x = np.arange(len(df))
    comp_name = ev.comparison_name(language)
    sns.lineplot(x=x, y=df[comp_name], ax=ax, color=COMPARISON_COLOR, marker="o", markersize=4, label=comp_name.capitalize())
    sns.lineplot(x=x, y=df[ev.kommune.name], ax=ax, color=KOMMUNE_COLOR, marker="o", markersize=4, linewidth=2.2, label=ev.kommune.name)
    ax.axhline(100, color="#999999", linewidth=0.8)
    ref = format_period(ev.design.reference, language)
    ylabel = f"Indeks, {ref} = 100" if language == "da" else f"Index, {ref} = 100"
    return _finish(fig, ax, ev, list(df["period"]), ylabel, language)


def plot_event_study(ev: Evaluation, ax=None, language: str | None = None):
    language = language or ev.language
    _style()
    es = ev.events
    to_reader = ev.on_reader_scale
    fig, ax = _axes(ax, 3.2)
    x = np.arange(len(es.periods))
    ax.fill_between(x, to_reader(es.band_low), to_reader(es.band_high), color=BAND_COLOR,
                    label="95 % af placebo-kommunerne" if language == "da" else "95% of placebo kommuner")
    sns.lineplot(x=x, y=to_reader(es.coefficients), ax=ax, color=KOMMUNE_COLOR, marker="o", linewidth=2,
                 label=ev.kommune.name)
    ax.axhline(0, color="#999999", linewidth=0.8)
    ref = format_period(es.reference, language)
    unit = ev.unit_in(language)
    ylabel = f"Forskel i forhold til {ref}, {unit}" if language == "da" else f"Difference vs {ref}, {unit}"
    return _finish(fig, ax, ev, _labels(ev, language), ylabel, language)


def plot_placebo(ev: Evaluation, ax=None, language: str | None = None):
    language = language or ev.language
    _style()
    pt = ev.placebo
    fig, ax = _axes(ax, 2.8)
    label = "|t|" if pt.statistic == "t" else "RMSPE-ratio"
    sns.histplot(pt.placebo_stats, bins=20, ax=ax, color="#9e9e9e", edgecolor="white",
                 label="Andre kommuner" if language == "da" else "Other kommuner")
    ax.axvline(pt.treated_stat, color=KOMMUNE_COLOR, linewidth=2.5, label=ev.kommune.name)
    ax.set_xlabel(f"Hvor tydelig ændringen er ({label})" if language == "da" else f"How clear the change is ({label})")
    ax.set_ylabel("Antal kommuner" if language == "da" else "Number of kommuner")
    _danish_numbers(ax, language, "x")
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(frameon=False, fontsize=9)
    fig.tight_layout()
    return fig


def plot_synthetic(ev: Evaluation, ax=None, language: str | None = None):
    language = language or ev.language
    _style()
    sc = ev.synthetic
    fig, ax = _axes(ax, 2.8)
    x = np.arange(len(ev.design.window))
    show = (lambda v: 100 * np.exp(v)) if ev.design.scale == "log" else (lambda v: v)
    synth_label = "Syntetisk kontrolgruppe" if language == "da" else "Synthetic control"
    sns.lineplot(x=x, y=show(sc.synthetic), ax=ax, color=COMPARISON_COLOR, marker="o", markersize=4, label=synth_label)
    sns.lineplot(x=x, y=show(sc.treated), ax=ax, color=KOMMUNE_COLOR, marker="o", markersize=4, linewidth=2.2,
                 label=ev.kommune.name)
    if ev.design.scale == "log":
        ylabel = "Indeks, gennemsnit før start = 100" if language == "da" else "Index, pre-period mean = 100"
    else:
        ylabel = (f"Afvigelse fra gennemsnit før start, {ev.outcome.unit(language)}" if language == "da"
                  else f"Deviation from pre-period mean, {ev.outcome.unit(language)}")
    return _finish(fig, ax, ev, _labels(ev, language), ylabel, language)


def alt_synthetic(ev: Evaluation, number: int = 4, language: str = "da") -> str:
    from evaltools.kommuner import get_kommune

    sc = ev.synthetic
    donors = ", ".join(f"{get_kommune(c).name} {fmt_number(100 * w, 0, language)} %" for c, w in sc.top_donors(4))
    gap = fmt_number(sc.effect, 1, language, signed=True)
    if language == "da":
        return (f"Figur {number}: {ev.kommune.name} og en syntetisk kontrolgruppe, en vægtet blanding af andre kommuner "
                f"({donors}), der fulgte kommunen før starten. Efter starten er forskellen i gennemsnit {gap} {ev.unit_in(language)}.")
    return (f"Figure {number}: {ev.kommune.name} and a synthetic control, a weighted mix of other kommuner ({donors}) "
            f"that tracked it before the start. After the start the average gap is {gap} {ev.unit_in(language)}.")


def alt_trends(ev: Evaluation, number: int = 1, language: str = "da") -> str:
    df = indexed_series(ev, language)
    k, c = ev.kommune.name, ev.comparison_name(language)
    first, last = df.iloc[0], df.iloc[-1]
    ref = format_period(ev.design.reference, language)
    start = format_period(ev.design.start, language)
    f = lambda v: fmt_number(v, 0, language)  # noqa: E731
    if language == "da":
        return (f"Figur {number}: {ev.outcome.label(language)} i {k} og {c}, indeks {ref} = 100. "
                f"{k} går fra {f(first[k])} i {first['period']} til {f(last[k])} i {last['period']}; "
                f"{c} fra {f(first[c])} til {f(last[c])}. Indsatsen starter {start}, markeret med en stiplet linje.")
    return (f"Figure {number}: {ev.outcome.label(language)} in {k} and {c}, index {ref} = 100. "
            f"{k} goes from {f(first[k])} in {first['period']} to {f(last[k])} in {last['period']}; "
            f"{c} from {f(first[c])} to {f(last[c])}. The initiative starts {start}, marked by a dashed line.")


def alt_event_study(ev: Evaluation, number: int = 2, language: str = "da") -> str:
    es = ev.events
    to_reader = ev.on_reader_scale
    post = ev.gaps.is_post
    inside = (es.coefficients >= es.band_low) & (es.coefficients <= es.band_high)
    n_in_pre, n_pre = int(inside[~post].sum()), int((~post).sum())
    n_in_post, n_post = int(inside[post].sum()), int(post.sum())
    last = fmt_number(to_reader(es.coefficients[-1]), 1, language, signed=True)
    unit = ev.unit_in(language)
    if language == "da":
        return (f"Figur {number}: Forskellen mellem {ev.kommune.name} og {ev.comparison_name(language)} i hver periode i "
                f"forhold til {format_period(es.reference, language)}, med det bånd, 95 % af placebo-kommunerne ligger i. "
                f"Før starten ligger {n_in_pre} af {n_pre} perioder inden for båndet, efter starten {n_in_post} af {n_post}. "
                f"Sidste periode: {last} {unit}.")
    return (f"Figure {number}: The gap between {ev.kommune.name} and {ev.comparison_name(language)} in each period relative "
            f"to {format_period(es.reference, language)}, with the band holding 95% of placebo kommuner. "
            f"Before the start {n_in_pre} of {n_pre} periods lie inside the band, after it {n_in_post} of {n_post}. "
            f"Last period: {last} {unit}.")


def alt_placebo(ev: Evaluation, number: int = 3, language: str = "da") -> str:
    pt = ev.placebo
    if language == "da":
        return (f"Figur {number}: Histogram over, hvor tydelig ændringen var i {pt.n_placebos} andre kommuner. "
                f"{ev.kommune.name} er markeret med en rød linje; {pt.n_as_extreme} kommuner ligger til højre for den "
                f"(placebo-p = {fmt_number(pt.p_value, 2, language)}).")
    return (f"Figure {number}: Histogram of how clear the change was in {pt.n_placebos} other kommuner. "
            f"{ev.kommune.name} is marked by a red line; {pt.n_as_extreme} kommuner lie to its right "
            f"(placebo p = {fmt_number(pt.p_value, 2, language)}).")


def svg_data_uri(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})  # no date: same data, same bytes
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue().encode("utf-8")).decode("ascii")


def figure_html(fig, alt: str, caption: str | None = None) -> str:
    """An accessible <figure>: SVG image with alt text, and the caption as visible text."""
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="{svg_data_uri(fig)}" alt="{escape(alt)}">{cap}</figure>'
