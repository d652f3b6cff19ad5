"""The report's figures: text stays text in the SVG, labels and annotation are there and inside the
figure, Danish numbers, the legend where matplotlib's "best" puts it, the caller's own axes."""

import base64
import io
import re

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib.backends.backend_svg import RendererSVG

from evaltools.evaluation import evaluate
from evaltools.figures import (
    NumberFormatter,
    _decimals,
    alt_trends,
    plot_event_study,
    plot_placebo,
    plot_synthetic,
    plot_trends,
    svg_data_uri,
)

PLOTS = [plot_trends, plot_event_study, plot_placebo, plot_synthetic]


@pytest.fixture(scope="module")
def lejre():
    return evaluate("Lejre", "kontanthjaelp_nettoledige", "2012K3", pre_start="2010K3", post_end="2013K2")


@pytest.fixture(scope="module")
def egedal_level_en():
    """English, level scale: the longest axis labels ("full-time equivalents")."""
    return evaluate("Egedal", "kontanthjaelp_nettoledige", "2012K1", scale="level", language="en")


@pytest.fixture(scope="module")
def hoersholm():
    """Index values like 99,5 and 101,5 on the synthetic control's axis."""
    return evaluate("Hørsholm", "fuldtidsbeskaeftigede", "2016K1")


@pytest.fixture(scope="module")
def start_at_the_end():
    """One post period: the start annotation is centred near the right end and must push it in."""
    return evaluate("Lejre", "kontanthjaelp_nettoledige", "2012K3", pre_start="2009K1", post_end="2012K3")


def svg_of(fig) -> str:
    return base64.b64decode(svg_data_uri(fig).split(",", 1)[1]).decode("utf-8")


def texts(svg: str) -> list[str]:
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_svg_keeps_text_as_text_with_the_start_annotation_and_axis_label(lejre):
    svg = svg_of(plot_trends(lejre))
    found = texts(svg)
    assert "Indsatsen starter 2012K3" in found
    assert "Indeks, 2012K2 = 100" in found
    assert {"2010K3", "2011K1", "2013K1"} <= set(found)  # every other quarter on the time axis
    assert {"80", "100", "140"} <= set(found)
    assert {"Resten af landet", "Lejre"} <= set(found)  # the legend
    assert "DejaVuSans-" not in svg  # no glyph outlines: the text is not drawn as paths


def test_alt_text_is_unchanged(lejre):
    assert alt_trends(lejre, 1, "da").startswith(
        "Figur 1: Nettoledige kontanthjælpsmodtagere i Lejre og resten af landet, indeks 2012K2 = 100. "
        "Lejre går fra ")


@pytest.mark.parametrize("plot", PLOTS, ids=lambda p: p.__name__)
@pytest.mark.parametrize("case", ["lejre", "egedal_level_en", "hoersholm", "start_at_the_end"])
def test_everything_drawn_lies_inside_the_figure(plot, case, request):
    ev = request.getfixturevalue(case)
    fig = plot(ev)
    renderer = fig.canvas.get_renderer()
    drawn = fig.get_tightbbox(renderer)  # inches: every artist's extent, labels and legend included
    width, height = fig.get_size_inches()
    assert drawn.x0 >= 0 and drawn.y0 >= 0 and drawn.x1 <= width and drawn.y1 <= height, (drawn, width, height)
    for artist in fig.axes[0].artists:  # the plain ticks' labels, which get_tightbbox leaves out
        box = artist.get_window_extent(renderer)
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= fig.bbox.x1 and box.y1 <= fig.bbox.y1, (artist, box)
    plt.close(fig)


def test_a_long_axis_label_wraps_after_its_comma(egedal_level_en):
    fig = plot_synthetic(egedal_level_en)
    assert fig.axes[0].get_ylabel() == "Deviation from pre-period mean,\nfull-time equivalents"
    assert {"Deviation from pre-period mean,", "full-time equivalents"} <= set(texts(svg_of(fig)))


def test_tick_labels_have_a_decimal_comma_and_the_same_decimals(hoersholm):
    found = set(texts(svg_of(plot_synthetic(hoersholm))))
    assert {"99,0", "99,5", "100,0", "101,5"} <= found
    assert NumberFormatter("da").format_ticks([4.5, 4.75, 5.0]) == ["4,50", "4,75", "5,00"]
    assert NumberFormatter("en").format_ticks([-1000.0, 0.0, 1000.0]) == ["−1,000", "0", "1,000"]  # a true minus
    assert _decimals([0, 2.5, 5]) == 1 and _decimals([0, 50, 100]) == 0


def test_ticks_follow_limits_changed_after_the_figure_is_made(lejre):
    fig = plot_trends(lejre)
    fig.axes[0].set_ylim(0, 1000)
    assert {"0", "200", "1.000"} <= set(texts(svg_of(fig)))


@pytest.mark.parametrize("plot", [plot_trends, plot_event_study, plot_placebo], ids=lambda p: p.__name__)
def test_legend_sits_where_matplotlibs_best_puts_it(plot, lejre):
    fig = plot(lejre)
    ax = fig.axes[0]
    ours = next(a for a in ax.artists if type(a).__name__ == "_Legend")
    framed = ours.frame
    reference = ax.legend(ours.handles, ours.labels, loc="best", fontsize=ours.size, frameon=framed)
    fig.dpi = 72  # points, as in the SVG the report embeds, measured with the SVG backend's metrics
    width, height = fig.get_size_inches() * 72
    renderer = RendererSVG(width, height, io.StringIO())
    fig.draw(renderer)
    theirs = reference.get_window_extent(renderer)
    box, _ = ours.box()
    assert abs(box.x0 - theirs.x0) < 1 and abs(box.y0 - theirs.y0) < 1, (box, theirs)
    assert abs(box.width - theirs.width) < 1 and abs(box.height - theirs.height) < 1, (box, theirs)
    plt.close(fig)


def test_callers_axes_keep_matplotlibs_ticks(lejre):
    fig, (ax1, ax2) = plt.subplots(1, 2)
    assert plot_trends(lejre, ax=ax1) is fig
    fig.canvas.draw()
    assert [t.get_text() for t in ax1.get_xticklabels()] == ["2010K3", "2011K1", "2011K3", "2012K1", "2012K3", "2013K1"]
    assert all("." not in t.get_text() for t in ax1.get_yticklabels())
    assert ax2.get_ylabel() == ""  # the other axes untouched
    plt.close(fig)


def test_the_theme_stays_set_for_the_users_next_figure(lejre):
    """As before: our figures set the seaborn theme globally, so a user's own figure after ours
    looks like the report's (and its SVG text stays text)."""
    matplotlib.rcParams["svg.fonttype"] = "path"
    plt.close(plot_trends(lejre))
    assert matplotlib.rcParams["svg.fonttype"] == "none"
    assert matplotlib.rcParams["axes.spines.top"] is False


def test_forest_plot_names_every_kommune_inside_the_figure():
    """The batch overview's forest plot on the fast path: each kommune's name is text in the SVG
    (the axis runs downwards: the layout must still ask its ticker for low, high) and nothing is cut off."""
    from evaltools.report.overview import _forest

    names = ["Ringkøbing-Skjern", "Lejre", "Lyngby-Taarbæk", "Ærø"]
    rows = [{"kommune": k, "seed": k == "Lejre", "estimate": e, "conf_low": e - 20, "conf_high": e + 30}
            for k, e in zip(names, [-30.0, -27.9, 5.0, 40.0])]
    fig = _forest(rows, "procent", "da", xlim=(-60.0, 80.0))
    renderer = fig.canvas.get_renderer()
    # the tick labels' own boxes (display units): get_tightbbox leaves these artists out
    for box in [fig.get_tightbbox(renderer).transformed(fig.dpi_scale_trans)] + \
            [a.get_window_extent(renderer) for a in fig.axes[0].artists]:
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= fig.bbox.x1 and box.y1 <= fig.bbox.y1, (box, fig.bbox)
    found = texts(svg_of(fig))
    assert set(names) <= set(found)
    assert {"−50", "0", "50"} <= set(found) and "Forskel, procent" in found


def test_the_placebo_figures_alt_text_gives_the_p_value_as_the_text_does():
    """Horsens from 2012K3: placebo-p 5/98 = 0,051, which the text writes with three decimals so it
    does not read as the 5 % level; the alt text said 0,05."""
    from evaltools import evaluate
    from evaltools.figures import alt_placebo

    ev = evaluate("Horsens", "kontanthjaelp_nettoledige", "2012K3")
    assert ev.p_value == pytest.approx(5 / 98)
    assert alt_placebo(ev, 3, "da").endswith("(placebo-p = 0,051).")
    assert alt_placebo(ev, 3, "en").endswith("(placebo p = 0.051).")
