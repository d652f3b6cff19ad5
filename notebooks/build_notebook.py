"""Regenerate the template notebook (kept as code so its cells are reviewed like code).

It is written twice, byte for byte the same: into the package (src/evaltools/template/, what an
installed evaltools and `evaltools new` use) and as this repository's notebooks/evaluering.ipynb.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

INTRO = """# Evaluering af en beskæftigelsesindsats

Lav din egen kopi til hver rapport: `evaltools notebook params/<navn>.yaml` skriver
`notebooks/<navn>.ipynb` med parametrene udfyldt. Ret kun skabelonen `evaluering.ipynb`,
hvis alle rapporter skal ændres.

Kør hele notebooken (*Run → Run All Cells*), gem, og gem PDF'en til udvalget med
*File → Save and Export Notebook As → Evaltools_PDF* (ikke *PDF*: den kræver LaTeX og Pandoc).
En notebook med en fejl eller celler, der ikke er kørt, bliver ikke til en PDF.

Tekst, du skriver i nye markdown-celler, kommer med i rapporten. Det gør dine egne figurer
også (matplotlib/seaborn, som vektorgrafik): giv dem en titel eller en alt-tekst med
`evaltools.figure(fig, alt="...")`. Denne celle kommer ikke med (den har tagget `remove-cell`)."""

PARAMETERS = '''kommune = "Lejre"  # navn, kode (350) eller slug (lyngby-taarbaek); se evaltools.kommuner()
outcome = "kontanthjaelp_nettoledige"  # se evaltools.outcomes()
start = "2012K3"  # første periode med indsatsen
initiative = None  # fx "Målet om færre ledige unge"; standard: "Beskæftigelsesindsatsen"
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
params_file = None  # params-filen, sat af evaltools run / evaltools notebook (kun til orientering)'''

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


OUTPUTS = [
    Path(__file__).resolve().parents[1] / "src" / "evaltools" / "template" / "evaluering.ipynb",
    Path(__file__).with_name("evaluering.ipynb"),
]

if __name__ == "__main__":
    for out in OUTPUTS:
        nbformat.write(build(), out)
        print(out)
