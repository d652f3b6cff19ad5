"""An evaluator's working folder: the packaged template, ``evaltools new`` and one notebook per report.

The template notebook ships inside the package, so an installed copy can build reports anywhere.
A project may carry its own ``notebooks/evaluering.ipynb``; ``run`` and ``batch`` prefer it.
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import nbformat

from evaltools.errors import InputError

TEMPLATE = Path(__file__).parent / "template" / "evaluering.ipynb"
PROJECT_NOTEBOOK = Path("notebooks") / "evaluering.ipynb"
EXAMPLE_PARAMS = Path(__file__).parent / "template" / "eksempel.yaml"

README_DA = """# Evalueringer med evaltools

Denne mappe er lavet med `evaltools new`.

- `params/` en YAML-fil pr. rapport. `params/eksempel.yaml` er Lejre-eksemplet: kopiér og ret den.
- `notebooks/evaluering.ipynb` skabelonen, som `evaltools run` og `evaltools batch` bruger.
  Ret den kun, hvis alle rapporter skal ændres.
- `reports/` de færdige rapporter.

Byg en rapport:

    evaltools check params/eksempel.yaml
    evaltools run params/eksempel.yaml          # -> reports/eksempel/eksempel.pdf

Skriv din egen tekst og dine egne figurer i JupyterLab:

    evaltools notebook params/eksempel.yaml     # -> notebooks/eksempel.ipynb
    jupyter lab notebooks/eksempel.ipynb

Kør alle celler (*Run → Run All Cells*) og gem PDF'en med
*File → Save and Export Notebook As → {pdf_label}*.
"""


class ProjectExistsError(InputError, FileExistsError):
    """A file ``evaltools new`` or ``evaltools notebook`` would write is already there."""


def packaged_template() -> Path:
    """The template notebook shipped with evaltools (clean: no outputs)."""
    return TEMPLATE


def resolve_notebook(params_file: Path | None = None, notebook: Path | None = None) -> tuple[Path, str]:
    """The notebook to run and where it came from: ``--notebook``, else the project's
    ``notebooks/evaluering.ipynb`` (above the params file or here), else the packaged template."""
    if notebook is not None:
        if not Path(notebook).is_file():
            raise InputError(f"notebook not found: {notebook}")
        return Path(notebook), "--notebook"
    bases = [*([params_file.resolve().parent, *params_file.resolve().parents] if params_file else []), Path.cwd()]
    for base in bases:
        candidate = base / PROJECT_NOTEBOOK
        if candidate.is_file():
            return candidate, "project notebook"
    return TEMPLATE, "packaged template"


def new_project(folder: str | Path) -> list[Path]:
    """Make a working folder; refuse (writing nothing) if any of its files exists already."""
    from evaltools.report.exporter import PDF_MENU_LABEL

    folder = Path(folder)
    files = {
        folder / PROJECT_NOTEBOOK: TEMPLATE.read_bytes(),
        folder / "params" / "eksempel.yaml": EXAMPLE_PARAMS.read_bytes(),
        folder / "README.md": README_DA.format(pdf_label=PDF_MENU_LABEL).encode("utf-8"),
    }
    existing = [str(p) for p in files if p.exists()]
    if existing:
        raise ProjectExistsError(f"{', '.join(existing)} already exist(s); evaltools new never overwrites: "
                                 "choose an empty or new folder")
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (folder / "reports").mkdir(exist_ok=True)
    return [*files, folder / "reports"]


def _literal(value) -> str:
    """Python source for a parameter value (strings in double quotes, like the template)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return repr(value)


def fill_parameters(source: str, values: dict) -> str:
    """The parameters cell with each assignment's value replaced; comments and order are kept."""
    lines = source.splitlines()
    edits = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in values:
                v = node.value
                edits.append((v.lineno - 1, v.col_offset, v.end_lineno - 1, v.end_col_offset, _literal(values[name])))
    for start_line, start_col, end_line, end_col, text in sorted(edits, reverse=True):
        # ast offsets are in UTF-8 bytes
        head = lines[start_line].encode("utf-8")[:start_col].decode("utf-8")
        tail = lines[end_line].encode("utf-8")[end_col:].decode("utf-8")
        lines[start_line:end_line + 1] = [head + text + tail]
    return "\n".join(lines)


def report_notebook(params_file: str | Path, out: str | Path | None = None, *, notebook: str | Path | None = None,
                    force: bool = False) -> Path:
    """Write ``notebooks/<stem>.ipynb``: the template with the params file's values in its
    parameters cell, for the evaluator to open, add text and figures, run and export."""
    from evaltools.params import load_params
    from evaltools.runner.parameterize import declared_parameters, notebook_parameters

    params_file = Path(params_file)
    params = load_params(params_file)
    template, _ = resolve_notebook(params_file, Path(notebook) if notebook else None)
    out = Path(out) if out else Path("notebooks") / f"{params_file.stem}.ipynb"
    if out.resolve() == template.resolve():
        raise ProjectExistsError(f"{out} is the template itself; give the params file another name or use --out")
    if out.exists() and not force:
        raise ProjectExistsError(f"{out} already exists (it may hold your edits); use --force to replace it")
    values = notebook_parameters(params, template, None)  # strict: every key must be declared
    if "params_file" in declared_parameters(template):  # relative to the notebook, as JupyterLab runs it
        values["params_file"] = os.path.relpath(params_file.resolve(), out.parent.resolve())
    nb = nbformat.read(str(template), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if "parameters" in cell.metadata.get("tags", []):
                cell.source = fill_parameters(cell.source, values)
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(out))
    return out
