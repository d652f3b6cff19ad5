"""Figures (matplotlib, in a seaborn theme) and their alt texts, written from the data they show.

Speed (issue 14): a report draws four figures, and most of their cost was matplotlib's per-tick
objects (two lines, two texts and a grid line per tick), tight_layout's extra draw, and the
legend's layout and "best" search, which measure every text again on each draw. A figure made
here (no ``ax`` given) therefore gets one artist per axis that draws its grid lines and tick
labels from the current limits, one artist for the legend, placed where matplotlib's "best"
would put it, and margins computed from the label sizes. Axes passed in by the caller keep
matplotlib's own ticks, legend and tight_layout, so the caller can go on changing them.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache
from html import escape
from typing import TYPE_CHECKING

# No matplotlib.use(): in a kernel the user's inline backend must keep working (their own figures
# show and reach the PDF); without a display matplotlib picks Agg by itself. Our own figures are
# closed as soon as they are rendered to SVG, so the inline backend never shows them twice.
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.artist import Artist, allow_rasterization
from matplotlib.collections import PolyCollection
from matplotlib.ticker import Formatter, MaxNLocator, NullLocator
from matplotlib.transforms import Bbox, IdentityTransform

from evaltools.formatting import fmt_number, fmt_p, sentence_case
from evaltools.periods import format_period

if TYPE_CHECKING:
    from evaltools.evaluation import Evaluation

KOMMUNE_COLOR = "#b2182b"
COMPARISON_COLOR = "#4d4d4d"
BAND_COLOR = "#d1e5f0"
HIST_COLOR = "#9e9e9e"
STYLE = {
    "font.family": "DejaVu Sans",
    "svg.fonttype": "none",  # text stays text in the SVG: searchable, and selectable in the PDF
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
}
WIDTH = 7.0  # inches: the report's text width
LABEL_SIZE = 9  # axis labels, legend and the start annotation
# what seaborn's lineplot gave the markers: a thin white edge
MARKER = {"marker": "o", "markeredgecolor": "w", "markeredgewidth": 0.75}
_OWN = "_evaltools_own"  # set on axes this module created: they get the fast ticks and layout


def _style():
    # Every figure sets the theme again (0.7 ms), as it always has: ours look the same whatever the
    # notebook changed in between, and the user's own figures after ours get the report's theme.
    sns.set_theme(style="whitegrid", rc=STYLE)


def _labels(ev: Evaluation, language: str):
    return [format_period(p, language) for p in ev.design.window]


def _decimals(values) -> int:
    """The fewest decimals (0-3) that show every tick value exactly: 2; 2,5; 3 -> 1 for all."""
    for d in range(4):
        if all(abs(v * 10**d - round(v * 10**d)) < 1e-6 for v in values):
            return d
    return 3


class NumberFormatter(Formatter):
    """Tick labels with a decimal comma (da), all with the same, fewest needed decimals."""

    def __init__(self, language: str):
        self.language = language

    def format_ticks(self, values):
        d = _decimals(values)
        return [fmt_number(v, d, self.language) for v in values]

    def __call__(self, x, pos=None):
        return fmt_number(x, _decimals(list(self.locs) or [x]), self.language)


def _number_locator(integer: bool = False) -> MaxNLocator:
    if integer:
        return MaxNLocator(nbins=8, integer=True)
    return MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10])


def _number_ticks(lo: float, hi: float, integer: bool = False) -> list[float]:
    ticks = _number_locator(integer).tick_values(lo, hi)
    eps = 1e-9 * max(1.0, abs(hi - lo))
    return [float(t) for t in ticks if lo - eps <= t <= hi + eps]


def _thinned(labels: list[str], most: int = 7) -> list[int]:
    step = -(-len(labels) // most)  # ceiling: at most `most` labels, so they never collide
    return list(range(0, len(labels), step))


# -- text sizes, for margins computed without drawing ---------------------------------------------

@lru_cache(maxsize=4096)
def _text_width(text: str, size: float) -> float:
    """Width in points of ``text`` in the figures' font (what the SVG's reader will lay out)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(family=STYLE["font.family"], size=size)
    return text_to_path.get_text_width_height_descent(text, prop, ismath=False)[0]


@lru_cache(maxsize=64)
def _row_metrics(size: float) -> tuple[float, float]:
    """Height and descent in points of a legend row: matplotlib sizes it by the text "lp"."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(family=STYLE["font.family"], size=size)
    _, height, descent = text_to_path.get_text_width_height_descent("lp", prop, ismath=False)
    return height, descent


def _line_height(size: float) -> float:
    """Height in points of one line of text: DejaVu Sans' ascent + descent (0.928 + 0.236 em)."""
    return 1.17 * size


# -- ticks and layout -----------------------------------------------------------------------------

def _axes(ax, height: float):
    """A new figure of the report's width (fast ticks and layout), or the caller's axes."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(WIDTH, height))
        setattr(ax, _OWN, True)
        return fig, ax
    return ax.figure, ax


def _rule(ax, which: str, at: float, **style):
    """ax.axhline / ax.axvline across the whole axes, without their forced autoscale."""
    from matplotlib.lines import Line2D

    if which == "h":
        line = Line2D([0, 1], [at, at], transform=ax.get_yaxis_transform(), **style)
    else:
        line = Line2D([at, at], [0, 1], transform=ax.get_xaxis_transform(), **style)
    ax.add_line(line)
    return line


def _start_line(ax, ev: Evaluation, language: str) -> tuple[float, str]:
    """The dashed start line, labelled above the plotting area so it never covers a data line."""
    x = list(ev.design.window).index(ev.design.start) - 0.5
    _rule(ax, "v", x, color="black", linestyle="--", linewidth=1)
    start = format_period(ev.design.start, language)
    text = f"Start {start}" if language == "en" else f"Indsatsen starter {start}"
    ax.annotate(text, xy=(x, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 3),
                textcoords="offset points", va="bottom", ha="center", fontsize=LABEL_SIZE)
    return x, text


def _danish_numbers(ax, language: str, axis: str = "y", integer: bool = False):
    """matplotlib's own ticks (caller's axes): Danish decimal comma, same decimals on every tick."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(MaxNLocator(integer=True) if integer else _number_locator())
    target.set_major_formatter(NumberFormatter(language))


class _PlainTicks(Artist):
    """One axis' grid lines and tick labels, drawn straight to the renderer: what the seaborn
    theme's ticks look like, without matplotlib's five objects (two lines, two texts, a grid line)
    per tick. ``ticker(lo, hi)`` gives the positions and labels for the axis' current limits at
    draw time, so a caller who changes the limits afterwards still gets true labels."""

    def __init__(self, ax, which: str, ticker):
        super().__init__()
        rc = mpl.rcParams
        self.axes_ = ax
        self.which = which
        self.ticker = ticker
        self.pad = _tick_pad(which)
        self.size = rc[f"{which}tick.labelsize"]
        self.color = rc[f"{which}tick.color"]
        self.grid = rc["axes.grid"] and rc["axes.grid.axis"] in ("both", which)
        self.grid_style = (rc["grid.color"], rc["grid.linewidth"], rc["grid.alpha"])
        self.set_zorder(0.5 if rc["axes.axisbelow"] else 2.5)  # grid under the data, as the theme has it

    def _placed(self, renderer=None):
        """(grid line path in display units, label, baseline-left x, y) for each tick."""
        ax = self.axes_
        lo, hi = sorted(ax.get_xlim() if self.which == "x" else ax.get_ylim())
        values, labels = self.ticker(lo, hi)
        px = ax.figure.dpi / 72
        box = ax.bbox
        ascent = 0.928 * self.size * px  # DejaVu Sans' ascent: labels sit as matplotlib's would
        placed = []
        for v, label in zip(values, labels):
            w = _text_width(label, self.size) * px
            if self.which == "x":
                x = ax.transData.transform((v, 0))[0]
                placed.append(([(x, box.y0), (x, box.y1)], label, x - w / 2, box.y0 - self.pad * px - ascent, w))
            else:
                y = ax.transData.transform((0, v))[1]
                placed.append(([(box.x0, y), (box.x1, y)], label, box.x0 - self.pad * px - w, y - ascent / 2, w))
        return placed

    @allow_rasterization
    def draw(self, renderer):
        if not self.get_visible():
            return
        from matplotlib.font_manager import FontProperties
        from matplotlib.path import Path

        placed = self._placed(renderer)
        renderer.open_group("grid-and-ticks", gid=self.get_gid())
        if self.grid:
            gc = renderer.new_gc()
            color, width, alpha = self.grid_style
            gc.set_foreground(color)
            gc.set_linewidth(width)
            gc.set_alpha(alpha)
            gc.set_clip_rectangle(self.axes_.bbox)
            if placed:  # all grid lines as one path: one SVG element
                vertices = [point for line, *_ in placed for point in line]
                codes = [Path.MOVETO, Path.LINETO] * len(placed)
                renderer.draw_path(gc, Path(vertices, codes), IdentityTransform())
            gc.restore()
        gc = renderer.new_gc()
        gc.set_foreground(self.color)
        prop = FontProperties(family=STYLE["font.family"], size=self.size)
        height = renderer.get_canvas_width_height()[1]
        for _, label, x, y, _ in placed:
            renderer.draw_text(gc, x, height - y if renderer.flipy() else y, label, prop, 0, ismath=False)
        gc.restore()
        renderer.close_group("grid-and-ticks")
        self.stale = False

    def get_window_extent(self, renderer=None):
        """The labels' box: tight_layout and bbox_inches="tight" (the notebook) make room for it."""
        placed = self._placed(renderer)
        if not placed:
            return Bbox.null()
        px = self.axes_.figure.dpi / 72
        up, down = 0.928 * self.size * px, 0.236 * self.size * px
        return Bbox([[min(p[2] for p in placed), min(p[3] for p in placed) - down],
                     [max(p[2] + p[4] for p in placed), max(p[3] for p in placed) + up]])


def _plain_ticks(ax, which: str, ticker) -> None:
    """Replace the axis' ticks by a _PlainTicks artist."""
    (ax.xaxis if which == "x" else ax.yaxis).set_major_locator(NullLocator())
    ax.add_artist(_PlainTicks(ax, which, ticker))


def _tick_pad(which: str) -> float:
    """Points between the axis and its tick labels, as matplotlib's ticks have it: the pad plus
    the tick's length (outward ticks), even where the theme hides the tick marks."""
    rc = mpl.rcParams
    share = {"in": 0.0, "inout": 0.5, "out": 1.0}[rc[f"{which}tick.direction"]]
    return rc[f"{which}tick.major.pad"] + share * rc[f"{which}tick.major.size"]


EDGE = 4.0  # points: the least room between a text and the figure's edge
LINE_SPACING = 1.2  # matplotlib's line spacing in multi-line texts


def _wrapped(label: str, size: float, room: float) -> str:
    """An axis label longer than ``room`` points broken into two lines after its last comma
    (a long unit such as "fuldtidspersoner" would otherwise run off the figure)."""
    if not label or "\n" in label or _text_width(label, size) <= room or ", " not in label:
        return label
    head, tail = label.rsplit(", ", 1)
    return f"{head},\n{tail}"


def _index_ticker(labels: list[str]):
    """Ticks on a time axis (x = 0, 1, ...): every k-th period, labelled by its name."""
    shown = _thinned(labels)
    return lambda lo, hi: ([i for i in shown if lo <= i <= hi], [labels[i] for i in shown if lo <= i <= hi])


def _number_ticker(language: str, integer: bool = False):
    def ticker(lo, hi):
        values = _number_ticks(lo, hi, integer)
        return values, NumberFormatter(language).format_ticks(values)
    return ticker


def _fast_layout(fig, ax, xticker, yticker, annotation: tuple[float, str] | None) -> None:
    """Plain ticks, and margins computed from the label sizes (what tight_layout finds by drawing
    the figure once more): room for the y label and tick labels on the left, the x tick labels
    (and x label) below, the start annotation above, and any label reaching past the right end."""
    rc = mpl.rcParams
    ax.autoscale_view()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    # tickers get (low, high) as _PlainTicks gives them, also on an axis that runs downwards
    xticks, xlabels = xticker(min(x0, x1), max(x0, x1))
    _, ylabels = yticker(min(y0, y1), max(y0, y1))
    _plain_ticks(ax, "x", xticker)
    _plain_ticks(ax, "y", yticker)
    ytick_w = max((_text_width(s, rc["ytick.labelsize"]) for s in ylabels), default=0.0)
    ax.yaxis.labelpad = rc["axes.labelpad"] + _tick_pad("y") + ytick_w
    xtick_h = _tick_pad("x") + _line_height(rc["xtick.labelsize"])
    ax.xaxis.labelpad = rc["axes.labelpad"] + xtick_h

    pad = 1.08 * rc["font.size"]  # tight_layout's default padding around the figure's edge
    width, height = (v * 72 for v in fig.get_size_inches())
    label_size = ax.yaxis.label.get_fontsize()
    ylabel = _wrapped(ax.get_ylabel(), label_size, height - 2 * pad)
    ax.set_ylabel(ylabel)
    lines = ylabel.split("\n") if ylabel else []
    label_w = max((_text_width(line, label_size) for line in lines), default=0.0)
    label_h = _line_height(label_size) * (1 + LINE_SPACING * (len(lines) - 1)) if lines else 0.0
    left = pad + label_h + ax.yaxis.labelpad
    bottom = pad + xtick_h
    if ax.get_xlabel():
        bottom += rc["axes.labelpad"] + _line_height(ax.xaxis.label.get_fontsize())
    if annotation:
        top = pad + 3 + _line_height(LABEL_SIZE)
    else:  # the highest tick label, centred on its tick, may reach above the axes
        yticks, _ = yticker(min(y0, y1), max(y0, y1))
        axes_h = height - bottom - pad
        below_top = (y1 - max(yticks, default=y1)) / (y1 - y0) * axes_h if y1 > y0 else 0.0
        top = pad + max(0.0, _line_height(rc["ytick.labelsize"]) / 2 - below_top)
    # labels centred on an x position may reach past either end of the axes
    axes_w = width - left - pad
    centred = [(x, _text_width(s, rc["xtick.labelsize"])) for x, s in zip(xticks, xlabels)]
    if annotation:
        centred.append((annotation[0], _text_width(annotation[1], LABEL_SIZE)))
    over_left = max((w / 2 - (x - x0) / (x1 - x0) * axes_w for x, w in centred), default=0.0)
    over_right = max((w / 2 - (x1 - x) / (x1 - x0) * axes_w for x, w in centred), default=0.0)
    left = max(left, pad + over_left)
    right = pad + max(0.0, over_right)
    # the y label is centred on the axes: move the axes' centre so that both of its ends are inside
    centre = (bottom + height - top) / 2
    low, high = EDGE + label_w / 2, height - EDGE - label_w / 2
    if low <= high:
        if centre < low:
            bottom += 2 * (low - centre)
        elif centre > high:
            top += 2 * (centre - high)
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height)


# matplotlib's legend locations 1-10, the order its "best" tries them in, as bbox anchors
_LEGEND_PLACES = [("upper right", "NE"), ("upper left", "NW"), ("lower left", "SW"), ("lower right", "SE"),
                  ("right", "E"), ("center left", "W"), ("center right", "E"), ("lower center", "S"),
                  ("upper center", "N"), ("center", "C")]


class _Legend(Artist):
    """The legend matplotlib's ``ax.legend`` draws (same box, handles, spacing and frame), drawn
    straight to the renderer: matplotlib's legend lays out a tree of boxes and measures its texts
    again on every draw. ``place`` is a matplotlib location name."""

    def __init__(self, ax, handles, labels: list[str], place: str, size: float, frame: bool,
                 framealpha: float = 0.9):
        super().__init__()
        self.axes_, self.handles, self.labels, self.place, self.size = ax, handles, labels, place, size
        self.frame, self.framealpha = frame, framealpha
        self.set_zorder(5)  # matplotlib's legend zorder: above the data

    def box(self):
        """The legend's box in display units (pixels), where ``place`` puts it in the axes."""
        rc = mpl.rcParams
        em = self.size * self.axes_.figure.dpi / 72
        width, height = _legend_size(self.labels, self.size, self.axes_.figure.dpi)
        anchor = dict(_LEGEND_PLACES)[self.place]
        container = self.axes_.bbox.padded(-rc["legend.borderaxespad"] * em)
        return Bbox.from_bounds(0, 0, width, height).anchored(anchor, container=container), em

    def get_window_extent(self, renderer=None):
        return self.box()[0]

    @allow_rasterization
    def draw(self, renderer):
        if not self.get_visible():
            return
        from matplotlib.font_manager import FontProperties
        from matplotlib.lines import Line2D
        from matplotlib.patches import FancyBboxPatch, Rectangle

        rc = mpl.rcParams
        fig = self.axes_.figure
        box, em = self.box()
        px = fig.dpi / 72
        renderer.open_group("legend", gid=self.get_gid())
        parts = []
        if self.frame:
            parts.append(FancyBboxPatch((box.x0, box.y0), box.width, box.height, boxstyle="round,pad=0,rounding_size=0.2",
                                        mutation_scale=em, facecolor=rc["axes.facecolor"], edgecolor="none",
                                        alpha=self.framealpha, transform=IdentityTransform()))
        row_h, row_d = (v * px for v in _row_metrics(self.size))
        ascent = row_h - row_d
        x_handle = box.x0 + rc["legend.borderpad"] * em
        x_text = x_handle + (rc["legend.handlelength"] + rc["legend.handletextpad"]) * em
        handle_w, handle_h = rc["legend.handlelength"] * em, rc["legend.handleheight"] * em
        baselines = []
        top = box.y1 - rc["legend.borderpad"] * em
        for handle in self.handles:
            base = top - ascent  # the text's baseline; the handle stands on it
            baselines.append(base)
            top -= row_h + rc["legend.labelspacing"] * em
            if isinstance(handle, Line2D):
                y = base + handle_h / 2
                style = {"color": handle.get_color(), "linewidth": handle.get_linewidth(),
                         "linestyle": handle.get_linestyle(), "transform": IdentityTransform()}
                parts.append(Line2D([x_handle, x_handle + handle_w], [y, y], **style))
                if handle.get_marker() not in (None, "None", "", " "):
                    parts.append(Line2D([x_handle + handle_w / 2], [y], linestyle="none", marker=handle.get_marker(),
                                        markersize=handle.get_markersize(), markerfacecolor=handle.get_markerfacecolor(),
                                        markeredgecolor=handle.get_markeredgecolor(),
                                        markeredgewidth=handle.get_markeredgewidth(), transform=IdentityTransform()))
            else:  # a filled area or bars: a rectangle with its colours
                parts.append(Rectangle((x_handle, base), handle_w, handle_h, facecolor=handle.get_facecolor()[0],
                                       edgecolor=handle.get_edgecolor()[0] if len(handle.get_edgecolor()) else "none",
                                       linewidth=handle.get_linewidth()[0] if len(handle.get_linewidth()) else 0,
                                       transform=IdentityTransform()))
        for part in parts:
            part.set_figure(fig)
            part.draw(renderer)
        gc = renderer.new_gc()
        gc.set_foreground(rc["text.color"])
        prop = FontProperties(family=STYLE["font.family"], size=self.size)
        height = renderer.get_canvas_width_height()[1]
        for label, base in zip(self.labels, baselines):
            renderer.draw_text(gc, x_text, height - base if renderer.flipy() else base, label, prop, 0, ismath=False)
        gc.restore()
        renderer.close_group("legend")
        self.stale = False


def _legend_size(labels: list[str], size: float, dpi: float) -> tuple[float, float]:
    """Width and height in pixels of a one-column legend, as matplotlib lays it out."""
    rc = mpl.rcParams
    px = dpi / 72
    em = size * px
    width = ((2 * rc["legend.borderpad"] + rc["legend.handlelength"] + rc["legend.handletextpad"]) * em
             + max(_text_width(label, size) for label in labels) * px)
    height = (2 * rc["legend.borderpad"] * em + len(labels) * _row_metrics(size)[0] * px
              + (len(labels) - 1) * rc["legend.labelspacing"] * em)
    return width, height


def _best_legend(ax, handles=None, *, fontsize: float = LABEL_SIZE, frameon: bool = True, framealpha: float = 0.9):
    """A legend where matplotlib's loc="best" would put it (fewest data vertices and line crossings
    under it; the first candidate on a tie), chosen from the final layout and the legend's size
    computed from its labels. matplotlib's own search measures every text on the axes while
    drawing, and its legend was the largest single cost of a figure."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    else:
        labels = [h.get_label() for h in handles]
    rc = mpl.rcParams
    width, height = _legend_size(labels, fontsize, ax.figure.dpi)
    paths = [line.get_transform().transform_path(line.get_path()) for line in ax.lines]
    for coll in ax.collections:
        if isinstance(coll, PolyCollection):
            paths += [coll.get_transform().transform_path(path) for path in coll.get_paths()]
    container = ax.bbox.padded(-rc["legend.borderaxespad"] * fontsize * ax.figure.dpi / 72)
    legend_box = Bbox.from_bounds(0, 0, width, height)
    vertices = np.concatenate([p.vertices for p in paths]) if paths else np.empty((0, 2))
    best = None
    for name, anchor in _LEGEND_PLACES:
        box = legend_box.anchored(anchor, container=container)
        inside = ((vertices[:, 0] > box.x0) & (vertices[:, 0] < box.x1)
                  & (vertices[:, 1] > box.y0) & (vertices[:, 1] < box.y1))
        badness = int(inside.sum()) + sum(p.intersects_bbox(box, filled=False) for p in paths)
        if best is None or badness < best[0]:
            best = (badness, name)
        if badness == 0:
            break
    legend = _Legend(ax, handles, labels, best[1], fontsize, frameon, framealpha)
    ax.add_artist(legend)
    return legend


def _finish(fig, ax, ev: Evaluation, labels: list[str], ylabel: str, language: str):
    """What every time-axis figure gets: the start line, thinned ticks, Danish numbers, a legend."""
    annotation = _start_line(ax, ev, language)
    ax.set_ylabel(ylabel, fontsize=LABEL_SIZE)
    ax.set_xlabel("")
    shown = _thinned(labels)
    if getattr(ax, _OWN, False):
        _fast_layout(fig, ax, _index_ticker(labels), _number_ticker(language), annotation)
        _best_legend(ax)
    else:
        ax.legend(loc="best", frameon=True, framealpha=0.9, edgecolor="none", fontsize=LABEL_SIZE)
        ax.set_xticks(shown, [labels[i] for i in shown])
        _danish_numbers(ax, language)
        fig.tight_layout()
    return fig


def _line(ax, x, y, color: str, label: str, **kws):
    """A line with markers, as seaborn's lineplot drew it (white-edged markers)."""
    ax.plot(x, y, color=color, label=label, **MARKER, **kws)


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
    _line(ax, x, df[comp_name].to_numpy(), COMPARISON_COLOR, sentence_case(comp_name), markersize=4)
    _line(ax, x, df[ev.kommune.name].to_numpy(), KOMMUNE_COLOR, ev.kommune.name, markersize=4, linewidth=2.2)
    _rule(ax, "h", 100, color="#999999", linewidth=0.8)
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
    _line(ax, x, to_reader(es.coefficients), KOMMUNE_COLOR, ev.kommune.name, linewidth=2)
    _rule(ax, "h", 0, color="#999999", linewidth=0.8)
    ref = format_period(es.reference, language)
    unit = ev.unit_in(language)
    ylabel = f"Forskel i forhold til {ref}, {unit}" if language == "da" else f"Difference vs {ref}, {unit}"
    return _finish(fig, ax, ev, _labels(ev, language), ylabel, language)


def plot_placebo(ev: Evaluation, ax=None, language: str | None = None):
    language = language or ev.language
    _style()
    pt = ev.placebo
    fig, ax = _axes(ax, 2.8)
    stats = np.asarray(pt.placebo_stats, dtype=float)
    counts, edges = np.histogram(stats[np.isfinite(stats)], bins=20)
    # the bars as one collection (seaborn's histplot look: 75 % opaque, white edges)
    bars = PolyCollection([[(a, 0), (a, c), (b, c), (b, 0)] for a, b, c in zip(edges[:-1], edges[1:], counts) if c],
                          facecolors=mpl.colors.to_rgba(HIST_COLOR, 0.75), edgecolors="white",
                          linewidths=mpl.rcParams["patch.linewidth"],
                          label="Andre kommuner" if language == "da" else "Other kommuner")
    bars.sticky_edges.y.append(0)  # bars stand on the x axis, no margin below
    ax.add_collection(bars)
    marker = _rule(ax, "v", pt.treated_stat, color=KOMMUNE_COLOR, linewidth=2.5, label=ev.kommune.name)
    label = "|t|" if pt.statistic == "t" else "RMSPE-ratio"
    ax.set_xlabel(f"Hvor tydelig ændringen er ({label})" if language == "da" else f"How clear the change is ({label})",
                  fontsize=mpl.rcParams["axes.labelsize"])
    ax.set_ylabel("Antal kommuner" if language == "da" else "Number of kommuner",
                  fontsize=mpl.rcParams["axes.labelsize"])
    if getattr(ax, _OWN, False):
        _fast_layout(fig, ax, _number_ticker(language), _number_ticker(language, integer=True), None)
        _best_legend(ax, [marker, bars], frameon=False)
    else:
        ax.legend([marker, bars], [marker.get_label(), bars.get_label()], frameon=False, fontsize=LABEL_SIZE)
        ax.autoscale_view()
        _danish_numbers(ax, language, "x")
        _danish_numbers(ax, language, "y", integer=True)
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
    _line(ax, x, show(sc.synthetic), COMPARISON_COLOR, synth_label, markersize=4)
    _line(ax, x, show(sc.treated), KOMMUNE_COLOR, ev.kommune.name, markersize=4, linewidth=2.2)
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
                f"(placebo-p = {fmt_p(pt.p_value, language)}).")
    return (f"Figure {number}: Histogram of how clear the change was in {pt.n_placebos} other kommuner. "
            f"{ev.kommune.name} is marked by a red line; {pt.n_as_extreme} kommuner lie to its right "
            f"(placebo p = {fmt_p(pt.p_value, language)}).")


def svg_data_uri(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})  # no date: same data, same bytes
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue().encode("utf-8")).decode("ascii")


def figure_html(fig, alt: str, caption: str | None = None) -> str:
    """An accessible <figure>: SVG image with alt text, and the caption as visible text."""
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="{svg_data_uri(fig)}" alt="{escape(alt)}">{cap}</figure>'
