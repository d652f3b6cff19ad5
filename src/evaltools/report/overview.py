"""The batch overview PDF: every kommune ranked by its estimate, with intervals; seeds highlighted."""

from __future__ import annotations

from collections import defaultdict

from evaltools.data import get_outcome
from evaltools.figures import figure_html
from evaltools.formatting import fmt_interval, fmt_number, fmt_p
from evaltools.report.source import outcomes_credit

LABELS = {
    "da": {"kommune": "Kommune", "estimate": "Forskel", "interval": "95\u00a0%-interval (placebo)", "p": "Placebo-p",
           "flags": "Advarsler", "page": "Side", "of": "af", "pretrend": "forskellig udvikling før start",
           "early": "forskel allerede før start", "seed": "fremhævet: kommunen fra params-filen"},
    "en": {"kommune": "Kommune", "estimate": "Difference", "interval": "95% interval (placebo)", "p": "Placebo p",
           "flags": "Warnings", "page": "Page", "of": "of", "pretrend": "different pre-trend",
           "early": "difference before the start", "seed": "highlighted: the params file's own kommune"},
}


PER_FIGURE = 40  # kommuner per forest plot: 40 rows fit under the heading on page 1 at full size


def warning_flags(row: dict, language: str = "da") -> list[str]:
    """A result row's pre-period warnings in words ('forskellig udvikling før start', ...)."""
    L = LABELS[language]
    flags = [L["pretrend"]] if row.get("pretrend_warning") else []
    return flags + ([L["early"]] if row.get("early_divergence") else [])


def _forest(rows: list[dict], unit: str, language: str, xlim: tuple[float, float] | None = None):
    """One forest plot: a row per kommune (interval and estimate), the seed in the kommune colour.

    Drawn like the report's figures: the intervals as one collection per colour, plain ticks and
    computed margins (no tight_layout, which drew the figure twice; 0.4 s a figure)."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from evaltools.figures import KOMMUNE_COLOR, _fast_layout, _number_ticker, _rule, _style

    _style()
    n = len(rows)
    fig, ax = plt.subplots(figsize=(7.0, max(2.0, 0.16 * n + 0.8)))
    for seed, color, width, size in ((False, "#555555", 0.8, 3), (True, KOMMUNE_COLOR, 1.2, 5)):
        at = [i for i, r in enumerate(rows) if bool(r["seed"]) == seed]
        if not at:
            continue
        ax.hlines(at, [rows[i]["conf_low"] for i in at], [rows[i]["conf_high"] for i in at], colors=color,
                  linewidth=width)
        ax.plot([rows[i]["estimate"] for i in at], at, "o", linestyle="none", color=color, markersize=size)
    _rule(ax, "v", 0, color="black", linewidth=0.8)
    ax.set_ylim(n - 0.5, -0.5)  # first row on top
    if xlim is not None:
        ax.set_xlim(*xlim)
    ax.set_xlabel(f"{'Forskel' if language == 'da' else 'Difference'}, {unit}")
    names = [r["kommune"] for r in rows]

    def every_row(lo: float, hi: float):
        shown = [i for i in range(n) if lo <= i <= hi]
        return shown, [names[i] for i in shown]

    with mpl.rc_context({"ytick.labelsize": 8}):  # every kommune named: smaller than the report's ticks
        _fast_layout(fig, ax, _number_ticker(language), every_row, None)
    return fig


def _forest_figures(items: list[dict], unit: str, language: str, alt: str) -> str:
    """The kommuner's estimates and intervals, sorted, as forest plots of at most PER_FIGURE rows on one
    x axis: 98 rows in one figure were scaled to half size to fit a page (names at ~3 pt)."""
    import numpy as np

    values = np.array([[r["conf_low"], r["conf_high"], r["estimate"]] for r in items], dtype=float)
    lo, hi = np.nanmin(values), np.nanmax(values)
    pad = 0.04 * (hi - lo) if hi > lo else 1.0
    xlim = (min(lo, 0.0) - pad, max(hi, 0.0) + pad)
    chunks = [items[i:i + PER_FIGURE] for i in range(0, len(items), PER_FIGURE)]
    html = []
    for k, chunk in enumerate(chunks):
        text = alt
        if len(chunks) > 1:
            first = k * PER_FIGURE + 1
            part = (f"del {k + 1} af {len(chunks)}, nr. {first}-{first + len(chunk) - 1}" if language == "da"
                    else f"part {k + 1} of {len(chunks)}, nos. {first}-{first + len(chunk) - 1}")
            text = alt.replace(":", f" ({part}):", 1)
        html.append(figure_html(_forest(chunk, unit, language, xlim), text))
    return "".join(html)


def left_out_notes(left_out: list[dict], language: str = "da") -> list[str]:
    """What the overview does not show, and why: plans (no single number) and failed reports."""
    da = language == "da"
    plans = [r["name"] for r in left_out if r.get("status") == "ok"]
    failed = [r["name"] for r in left_out if r.get("status") != "ok"]
    notes = []
    if plans:
        notes.append((f"Ikke med her: {', '.join(plans)}. En plan med flere mål har ikke ét samlet tal; "
                      "dens egen rapport vurderer målene hver for sig." if da else
                      f"Not shown here: {', '.join(plans)}. A plan with several goals has no single number; "
                      "its own report assesses the goals one by one."))
    if failed:
        notes.append((f"{len(failed)} rapport{'er' if len(failed) != 1 else ''} fejlede og er ikke med: "
                      f"{', '.join(failed)} (årsagen står i manifest.csv)." if da else
                      f"{len(failed)} report{'s' if len(failed) != 1 else ''} failed and {'are' if len(failed) != 1 else 'is'} "
                      f"not shown: {', '.join(failed)} (manifest.csv says why)."))
    return notes


def row_label(r: dict, rows: list[dict]) -> str:
    """The kommune, and the report's name when the batch holds several params files (Egedal alone
    and Egedal in Route 25 are two reports)."""
    if len({x.get("params_file") for x in rows}) > 1:
        return f"{r['kommune']} ({r['name']})"
    return r["kommune"]


def render_overview(rows: list[dict], title: str, language: str = "da", left_out: list[dict] | None = None) -> bytes:
    """PDF bytes of the overview of finished reports (manifest rows with status ok); ``left_out``:
    the batch's other rows (plans, failed reports), named in a note."""
    from evaltools.report.templating import render_pdf

    L = LABELS[language]
    rows = [{**r, "kommune": row_label(r, rows)} for r in rows]
    by_group: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        by_group[(r["outcome"], r["unit"])].append(r)
    groups = []
    for (outcome_id, unit), items in by_group.items():
        items = sorted(items, key=lambda r: r["estimate"])
        outcome = get_outcome(outcome_id)
        table = []
        for r in items:
            flags = warning_flags(r, language)
            table.append({
                "kommune": r["kommune"], "seed": r["seed"],
                "estimate": f"{fmt_number(r['estimate'], 1, language, signed=True)}",
                "interval": fmt_interval(r["conf_low"], r["conf_high"], language, sep=" – ", relative=r.get("scale") == "log"),
                "p": fmt_p(r["p_value_placebo"], language), "flags": ", ".join(flags),
            })
        clear = sum(1 for r in items if r["p_value_placebo"] <= 0.05)
        # highlighting says something only when some rows are not the params files' own kommuner
        seeds = [r["kommune"] for r in items if r["seed"]] if not all(r["seed"] for r in items) else []
        if language == "da":
            n = len(items)
            summary = (f"{n} rapport{'er' if n != 1 else ''}. {clear} har en forskel, der næppe er tilfældig "
                       f"(placebo-p ≤ 0,05); med {n} sammenligning{'er' if n != 1 else ''} forventes omkring "
                       f"{fmt_number(0.05 * n, 2 if n < 2 else 1)} alene ved tilfældighed."
                       + (f" Fremhævet: {'; '.join(seeds)}." if seeds else ""))
            heading = f"{outcome.label_da} ({unit})"
            alt = (f"Figur: {len(items)} kommuner sorteret efter forskel i {unit} med 95 %-intervaller; "
                   f"lavest {items[0]['kommune']} ({fmt_number(items[0]['estimate'], 1)}), "
                   f"højest {items[-1]['kommune']} ({fmt_number(items[-1]['estimate'], 1)}).")
        else:
            n = len(items)
            summary = (f"{n} report{'s' if n != 1 else ''}. {clear} show a difference unlikely to be chance "
                       f"(placebo p ≤ 0.05); with {n} comparison{'s' if n != 1 else ''} about "
                       f"{0.05 * n:.{2 if n < 2 else 1}f} are expected by chance alone."
                       + (f" Highlighted: {'; '.join(seeds)}." if seeds else ""))
            heading = f"{outcome.label_en} ({unit})"
            alt = (f"Figure: {len(items)} kommuner sorted by difference in {unit} with 95% intervals; "
                   f"lowest {items[0]['kommune']} ({items[0]['estimate']:.1f}), highest {items[-1]['kommune']} ({items[-1]['estimate']:.1f}).")
        groups.append({"heading": heading, "summary": summary, "rows": table, "caption": L["seed"],
                       "figure": _forest_figures(items, unit, language, alt)})
    subtitle = "Oversigt over batchens rapporter" if language == "da" else "Overview of the batch's reports"
    footer = f"{outcomes_credit([r.get('outcome') for r in rows], language)} · evaltools · data " + ", ".join(
        dict.fromkeys(str(r.get("data_hash")) for r in rows if r.get("data_hash")))
    heading = f"Oversigt: {title}" if language == "da" else f"Overview: {title}"
    return render_pdf("overview.html.j2", title=title, heading=heading, subtitle=subtitle, groups=groups, L=L,
                      lang=language, footer=footer, notes=left_out_notes(left_out or [], language))
