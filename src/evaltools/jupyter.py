"""What ``import evaltools`` sets up inside a Jupyter kernel.

- An input error (``evaltools.errors.InputError``) raised in a cell shows one short line in the
  report's language instead of a traceback through library internals.
- Matplotlib/seaborn figures are shown inline as SVG, carrying their alt text in the output's
  metadata, so the PDF exporter puts them in the report as vector graphics with that alt text.
  ``evaltools.figure(fig, alt=...)`` sets the alt text; the default is the figure's title.

Nothing here runs outside a kernel (the command line never imports IPython).
"""

from __future__ import annotations

import re
import sys

from evaltools.errors import InputError

ALT_KEY = "alt"
CAPTION_KEY = "caption"


def shell():
    """The running IPython kernel shell, or None (a plain Python process, the CLI)."""
    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython

    ip = get_ipython()
    return ip if ip is not None and hasattr(ip, "kernel") else None


def in_notebook() -> bool:
    return shell() is not None


def hint(cli: str, python: str) -> str:
    """A command to suggest: the Python call inside a notebook, the shell command elsewhere."""
    return python if in_notebook() else cli


def _language(ip) -> str:
    lang = ip.user_ns.get("language", "da") if ip is not None else "da"
    return lang if lang in ("da", "en") else "da"


def _danish(exc: InputError) -> str:
    """The error in Danish where we know its parts; otherwise its English message."""
    name = type(exc).__name__
    if name == "UnknownKommuneError":
        query, suggestions = getattr(exc, "query", ""), getattr(exc, "suggestions", [])
        text = f"Ukendt kommune '{query}'."
        return text + (f" Mente du: {', '.join(suggestions)}?" if suggestions else " Se evaltools.kommuner().")
    if name == "UnknownOutcomeError":
        m = re.match(r"Unknown outcome '([^']*)'\.(?: Did you mean: ([^?]*)\?)?", str(exc))
        if m:
            text = f"Ukendt mål '{m.group(1)}'."
            return text + (f" Mente du: {m.group(2)}?" if m.group(2) else "") + " Se evaltools.outcomes()."
    message = str(exc)
    for pattern, danish in _DANISH:
        if m := re.fullmatch(pattern, message):
            return danish.format(*(g or "" for g in m.groups()))
    return message


# the period and window errors an evaluator meets most in the parameters cell, in Danish
_DANISH = [
    (r"(\w+: )?'([^']*)' is a date, not a period: write (\S+) for its quarter \(or (\d+) for its year\)",
     "{0}'{1}' er en dato, ikke en periode: skriv {2} for dens kvartal (eller {3} for året)"),
    (r"(\w+: )?'([^']*)' is not a period: write a quarter as 2012K3 \(or 2012Q3\) or a year as 2012(.*)",
     "{0}'{1}' er ikke en periode: skriv et kvartal som 2012K3 eller et år som 2012"),
    (r"start (\S+) is outside the data for (.+) \((\S+)\)",
     "start {0} ligger uden for data for {1} ({2})"),
]


def short_error_line(exc: InputError, language: str = "da") -> str:
    if language == "da":
        return f"Fejl i input: {_danish(exc)}"
    return f"Input error: {exc}"


def _input_error_handler(ip, etype, value, tb, tb_offset=None):
    line = short_error_line(value, _language(ip))
    stb = [f"\x1b[0;31m{line}\x1b[0m"]
    ip._showtraceback(etype, value, stb)  # an error output: the cell failed, papermill and export see it
    return stb


# -- figures -------------------------------------------------------------------------------------

def default_alt(fig, language: str = "da") -> str:
    """The figure's title (suptitle, else its axes' titles), else its axis labels."""
    titles = []
    if getattr(fig, "_suptitle", None) is not None and fig._suptitle.get_text():
        titles.append(fig._suptitle.get_text())
    else:
        titles += [ax.get_title() for ax in fig.axes if ax.get_title()]
    if titles:
        return "; ".join(titles)
    labels = [t for ax in fig.axes for t in (ax.get_ylabel(), ax.get_xlabel()) if t]
    word = "Figur" if language == "da" else "Figure"
    return f"{word}: {', '.join(labels)}" if labels else word


def _svg_with_alt(fig):
    from IPython.core.pylabtools import print_figure

    ip = shell()
    lang = _language(ip)
    alt = getattr(fig, "_evaltools_alt", None)
    if not alt:
        alt = default_alt(fig, lang)
        if alt in ("Figur", "Figure"):
            print("evaltools: figuren har hverken titel eller aksetekster; giv den en alt-tekst med "
                  "evaltools.figure(fig, alt=\"...\")" if lang == "da" else
                  "evaltools: the figure has no title or axis labels; give it alt text with "
                  "evaltools.figure(fig, alt=\"...\")", file=sys.stderr)
    meta = {ALT_KEY: alt}
    caption = getattr(fig, "_evaltools_caption", None)
    if caption:
        meta[CAPTION_KEY] = caption
    svg = print_figure(fig, "svg", bbox_inches="tight", metadata={"Date": None})
    # shown now (a figure left at the end of a cell, or display(fig)): the inline backend would
    # show it again when the cell ends, and the PDF would have it twice
    import matplotlib.pyplot as plt

    plt.close(fig)
    return svg, meta


def _install_figure_formatter(*_args) -> None:
    """SVG (with alt text) is the one format a matplotlib figure is shown in."""
    ip = shell()
    if ip is None or "matplotlib.figure" not in sys.modules:
        return
    from matplotlib.figure import Figure

    formatters = ip.display_formatter.formatters
    formatters["image/svg+xml"].for_type(Figure, _svg_with_alt)
    for mime in ("image/png", "image/jpeg", "application/pdf"):
        if mime in formatters:
            formatters[mime].pop(Figure, None)


def figure(fig=None, alt: str | None = None, caption: str | None = None) -> None:
    """Show ``fig`` (default: the current pyplot figure) once, as it will appear in the report:
    vector graphics with ``alt`` as its alt text (default: the figure's title) and an optional
    visible ``caption``."""
    import matplotlib.pyplot as plt

    fig = fig if fig is not None else plt.gcf()
    fig._evaltools_alt = alt
    fig._evaltools_caption = caption
    if in_notebook():
        from IPython.display import display

        _install_figure_formatter()
        display(fig)
        plt.close(fig)  # shown once: the inline backend must not show it again


def setup() -> None:
    """Register the kernel hooks (idempotent); called when evaltools is imported in a kernel."""
    ip = shell()
    if ip is None or getattr(ip, "_evaltools_ready", False):
        return
    ip.set_custom_exc((InputError,), _input_error_handler)
    ip.events.register("pre_run_cell", _install_figure_formatter)
    _install_figure_formatter()
    ip._evaltools_ready = True


def reset_for_next_report(cwd: str) -> None:
    """What a batch worker's reused kernel does between reports: work in ``cwd`` and forget every
    name and output of the previous report (IPython's ``%reset -f``), without the two full garbage
    collections ``%reset`` runs (0.35 s per report in a kernel holding pandas and matplotlib; the
    interpreter's own collector frees the old report's cycles)."""
    import gc
    import os

    os.chdir(cwd)
    collect, gc.collect = gc.collect, (lambda generation=2: 0)
    try:
        from IPython import get_ipython

        get_ipython().run_line_magic("reset", "-f")
    finally:
        gc.collect = collect
