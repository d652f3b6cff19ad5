"""Regenerate notebooks/evaluering.ipynb (kept as code so its cells are reviewed like code)."""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

INTRO = """# Evaluering af en beskæftigelsesindsats

Sæt parametrene i cellen nedenfor og kør hele notebooken (*Run → Run All Cells*).
Gem som PDF til udvalget: *File → Save and Export Notebook As → evaltools PDF report*.

Tekst, du skriver i nye markdown-celler, kommer med i rapporten. Denne celle gør ikke
(den har tagget `remove-cell`). Alle beregninger sker i pakken `evaltools`."""

PARAMETERS = '''kommune = "Lejre"  # navn, kode (350) eller slug (lyngby-taarbaek)
outcome = "kontanthjaelp_nettoledige"  # se: evaltools outcomes
start = "2012K3"  # første periode med indsatsen
initiative = "Indsatsen for færre ledige unge"
pre_start = None  # første periode før start (standard: 8 kvartaler / 4 år før)
post_end = None  # sidste periode efter start (standard: 4 kvartaler / 2 år)
comparison = "rest"  # "rest" (resten af landet), "national" eller en liste af kommuner
scale = None  # "log" (procent) eller "level" (niveau); standard afhænger af målet
committee = "Beskæftigelsesudvalget"
report_date = None  # fx "2026-11-22"; standard: i dag
author = ""
language = "da"  # "da" eller "en"
claim = None  # en offentliggjort påstand: {"text": ..., "source": ..., "measure": ..., "value": ...}
goals = None  # en plan med flere mål: [{"label": ..., "direction": "fald", "outcome": ...}, ...]
params_file = None'''

BUILD = """import evaltools

report = evaltools.Report.build(
    kommune=kommune, outcome=outcome, start=start, initiative=initiative,
    pre_start=pre_start, post_end=post_end, comparison=comparison, scale=scale,
    committee=committee, report_date=report_date, author=author, language=language, claim=claim,
    goals=goals,
)
report.front_page()"""


def build() -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    cells = [
        new_markdown_cell(INTRO, metadata={"tags": ["remove-cell"]}),
        new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
        new_code_cell(BUILD),
        new_code_cell("report.numbers()"),
        new_code_cell("report.robustness()"),
        new_code_cell("report.method()"),
        new_code_cell("report.appendix()"),
    ]
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i}"
    nb.cells = cells
    return nb


if __name__ == "__main__":
    out = Path(__file__).with_name("evaluering.ipynb")
    nbformat.write(build(), out)
    print(out)
