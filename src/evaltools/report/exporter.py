"""nbconvert exporters: ``jupyter nbconvert --to Evaltools_PDF`` (and ``Evaltools_HTML``).

Registered as nbconvert entry points, so JupyterLab's *File → Save and Export Notebook As* lists
them. JupyterLab labels an exporter by its entry-point name with the first letter upper-cased, and
jupyter_server only routes names matching ``\\w+``: the names are chosen to read as they are shown.

A notebook with an error output, or whose report cells have not run, is refused: a committee
must never get a normal-looking PDF of a failed notebook.
"""

from __future__ import annotations

import base64
import sys
from html import escape
from pathlib import Path

from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor
from nbconvert.utils.exceptions import ConversionException
from traitlets import Bool, Unicode, default

from evaltools.errors import RunError
from evaltools.formatting import first_line
from evaltools.report.metadata import METADATA_KEY, report_metadata

TEMPLATES = Path(__file__).parent / "templates" / "nbconvert"
PDF_EXPORTER, HTML_EXPORTER = "Evaltools_PDF", "Evaltools_HTML"  # entry-point names (pyproject.toml)
PDF_MENU_LABEL, HTML_MENU_LABEL = PDF_EXPORTER, HTML_EXPORTER  # what JupyterLab's menu shows

FIGURE_MIMES = ("image/svg+xml", "image/png", "image/jpeg")


class NotebookNotExportableError(RunError, ConversionException):
    """The notebook has an error output or cells that have not run; nothing is exported."""


def _first_line(cell) -> str:
    return first_line(cell.source)


class RefuseFailedPreprocessor(Preprocessor):
    """Refuse a notebook with an error output, unexecuted code cells or cells run out of order
    (outputs that may belong to other parameters), naming the cell; and one whose data have changed
    since it ran (a re-import or a fetch), whose numbers are then stale."""

    check_data = Bool(True, help="Compare the data the report was built with to the data there now. "
                      "evaltools run and batch turn it off: they compare the data hashes themselves.").tag(config=True)

    def preprocess(self, nb, resources):
        unrun = []
        last = None  # (number, run count) of the last code cell above that has run
        folder = (resources.get("metadata") or {}).get("path") or None
        for number, cell in enumerate(nb.cells, 1):
            if cell.cell_type == "markdown" and "remove-cell" not in cell.get("metadata", {}).get("tags", []):
                from evaltools.report.typst_pdf import missing_local_image

                if problem := missing_local_image(cell.source, Path(folder) if folder else None):
                    raise NotebookNotExportableError(f"cell {number} ({_first_line(cell)}): {problem}")
            if cell.cell_type != "code":
                continue
            count = cell.get("execution_count")
            if count is not None:
                if last is not None and count <= last[1]:
                    # run before a cell above it: its outputs may belong to other parameters (a
                    # parameters cell changed and re-run, the cells below it not)
                    raise NotebookNotExportableError(
                        f"cell {number} ({_first_line(cell)}) was run before cell {last[0]} above it (run numbers "
                        f"[{count}] and [{last[1]}]), so its output may be from other parameters; run all cells "
                        "(Run → Run All Cells) and save, then export")
                last = (number, count)
            for out in cell.get("outputs", []):
                if out.output_type == "error":
                    raise NotebookNotExportableError(f"cell {number} ({_first_line(cell)}) {_failure(out)}")
            if cell.source.strip() and cell.get("execution_count") is None and not cell.get("outputs"):
                unrun.append((number, _first_line(cell)))
        if unrun:
            numbers = ", ".join(str(n) for n, _ in unrun)
            which = f"cell {numbers} has" if len(unrun) == 1 else f"cells {numbers} have"
            raise NotebookNotExportableError(
                f"{which} not run (first: {unrun[0][1]}); run all cells (Run → Run All Cells) and save, then export")
        meta = report_metadata(nb)
        if not meta:
            raise NotebookNotExportableError(
                "the report has no front page (report.front_page() has not run); run all cells and save, then export")
        if (changed := _parameters_changed(nb, meta.get("params"))) is not None:
            number, name, written, built = changed
            cell = nb.cells[number - 1]
            which = ("the parameters" if {"parameters", "injected-parameters"} & set(cell.get("metadata", {}).get("tags", []))
                     else _first_line(cell))
            raise NotebookNotExportableError(
                f"cell {number} ({which}) says {name} = {written!r}, but the report was built with {built!r}: "
                "the cell was changed and not run; run all cells (Run → Run All Cells) and save, then export")
        if self.check_data and (changed := _data_changed(meta)) is not None:
            what, built, now = changed
            raise NotebookNotExportableError(
                f"the data for {what} have changed since the report was built (data {built}, now {now}), so its "
                "numbers are out of date; run all cells (Run → Run All Cells) and save, then export")
        return nb, resources


def _data_changed(meta: dict) -> tuple[str, str, str] | None:
    """(outcomes, hash the report was built with, hash now) when the data differ; None when they
    agree or cannot be compared (no hash recorded, nothing loadable)."""
    from evaltools.hashing import outcomes_hash

    built = (meta.get("hashes") or {}).get("data")
    params = meta.get("params") or {}
    goals = params.get("goals") or []
    outcomes = [params.get("outcome")] if params.get("outcome") else [g.get("outcome") for g in goals
                                                                       if isinstance(g, dict)]
    outcomes = [o for o in outcomes if o]
    if not built or not outcomes:
        return None
    now = outcomes_hash(outcomes)
    if now is None or now == built:
        return None
    return ", ".join(dict.fromkeys(outcomes)), built, now


def _parameters_changed(nb, built: dict | None) -> tuple[int, str, object, object] | None:
    """(cell number, name, value in the cell, value the report used) for the first parameter whose
    cell was edited after the report was built; None when they agree or cannot be compared.

    Only plain literal assignments are compared (``kommune = "Vejle"``), the injected cell after
    the parameters cell winning as it does when run; anything computed is left alone."""
    import ast
    import json

    if not built:
        return None
    written: dict[str, tuple[int, object]] = {}
    for number, cell in enumerate(nb.cells, 1):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type != "code" or not {"parameters", "injected-parameters"} & set(tags):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                try:
                    written[node.targets[0].id] = (number, ast.literal_eval(node.value))
                except ValueError:
                    written.pop(node.targets[0].id, None)  # computed: not comparable
    # the build call itself, edited and not run (kommune="Odense" where the template has kommune=kommune)
    for number, cell in enumerate(nb.cells, 1):
        if cell.cell_type != "code" or ".build(" not in cell.source:
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "build":
                for kw in node.keywords:
                    try:
                        written[kw.arg] = (number, ast.literal_eval(kw.value))
                    except ValueError:
                        pass  # a name (kommune=kommune) or anything computed: what the parameters cell says
    for name, (number, value) in written.items():
        if name in built and json.loads(json.dumps(value, default=str)) != built[name]:
            return number, name, value, built[name]
    return None


PARAMETER_NAMES = ("kommune", "outcome", "start", "initiative", "language", "pre_start", "post_end", "comparison")


def _failure(out) -> str:
    """What went wrong in a cell's error output, and what to do, for the refusal line."""
    ename, evalue = out.get("ename"), out.get("evalue") or ""
    if ename == "KeyboardInterrupt":
        return "was interrupted before it finished; run all cells and save, then export"
    if ename == "NameError" and any(f"'{name}'" in evalue for name in PARAMETER_NAMES):
        return (f"failed: NameError: {evalue}: the parameters cell is missing or has not run; restore it "
                "(evaltools notebook PARAMS.yaml writes a new copy), run all cells and save, then export")
    return f"failed: {ename}: {evalue}; fix it, run all cells and save, then export again"


class DropNoisePreprocessor(Preprocessor):
    """Remove stderr streams (warnings): a committee reads none of them."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.output_type == "stream" and o.get("name") == "stderr")]
        return cell, resources


class ReportMetadataPreprocessor(Preprocessor):
    """Copy the document metadata (title, author, lang, footer) from the report outputs to resources."""

    def preprocess(self, nb, resources):
        resources[METADATA_KEY] = {**report_metadata(nb), **nb.metadata.get(METADATA_KEY, {})}
        return nb, resources


class UserFiguresPreprocessor(Preprocessor):
    """The evaluator's own figures become accessible <figure>s: the image (SVG stays vector) with
    the alt text ``evaltools.figure(fig, alt=...)`` or the figure's title gave, and its caption."""

    def preprocess(self, nb, resources):
        lang = resources.get(METADATA_KEY, {}).get("lang", "da")
        for cell in nb.cells:
            for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
                if out.output_type not in ("display_data", "execute_result"):
                    continue
                mime = next((m for m in FIGURE_MIMES if m in out.get("data", {})), None)
                if mime is None or "text/html" in out.data:
                    continue
                meta = {**out.get("metadata", {}), **out.get("metadata", {}).get(mime, {})}
                alt = meta.get("alt") or cell.metadata.get("alt") or ("Figur" if lang == "da" else "Figure")
                payload = out.data[mime]
                if mime == "image/svg+xml":
                    payload = base64.b64encode(payload.encode("utf-8")).decode("ascii")
                caption = f"<figcaption>{escape(meta['caption'])}</figcaption>" if meta.get("caption") else ""
                out.data = {"text/html": f'<figure class="user-figure"><img src="data:{mime};base64,{payload}" '
                                         f'alt="{escape(alt)}">{caption}</figure>'}
                out.metadata = {}
        return nb, resources


class EvaltoolsHTMLExporter(HTMLExporter):
    """The report as one self-contained HTML page (what the PDF is rendered from)."""

    export_from_notebook = "evaltools HTML report"

    @default("template_name")
    def _template_name_default(self):
        return "evaltools"

    @default("extra_template_basedirs")
    def _extra_template_basedirs_default(self):
        return [str(TEMPLATES)]

    @default("exclude_input")
    def _exclude_input_default(self):
        return True

    @default("exclude_input_prompt")
    def _exclude_input_prompt_default(self):
        return True

    @default("exclude_output_prompt")
    def _exclude_output_prompt_default(self):
        return True

    @default("anchor_link_text")
    def _anchor_link_text_default(self):
        return ""  # no "¶" after headings (the template also hides the empty link)

    @default("embed_images")
    def _embed_images_default(self):
        return True  # a markdown cell's image files go into the page: it reads the same when moved or mailed

    @default("optimistic_validation")
    def _optimistic_validation_default(self):
        return True  # validate the notebook once, after all preprocessors, not after each of the nine

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register_preprocessor(RefuseFailedPreprocessor, enabled=True)
        # cells tagged remove-cell (the notebook's instructions) stay out of the report
        self.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={"remove-cell"}), enabled=True)
        self.register_preprocessor(DropNoisePreprocessor, enabled=True)
        self.register_preprocessor(ReportMetadataPreprocessor, enabled=True)
        self.register_preprocessor(UserFiguresPreprocessor, enabled=True)

    def from_notebook_node(self, nb, resources=None, **kw):
        try:
            return super().from_notebook_node(nb, resources=resources, **kw)
        except NotebookNotExportableError as exc:
            if _in_nbconvert_cli():  # one line and exit 1, instead of nbconvert's logged traceback
                _refuse_in_one_line(resources, exc, self.file_extension)
            raise


def _refuse_in_one_line(resources, exc: Exception, extension: str) -> None:
    """``jupyter nbconvert``: the refusal in one line, exit 1; it names an earlier export left where
    this one would have gone, which is not this notebook as it is now."""
    earlier = ""
    if (old := _destination(resources, extension)) is not None and old.exists():
        earlier = f" ({old} is from an earlier export, not this notebook as it is now)"
    print(f"evaltools: error: {resources_name(resources)}{exc}{earlier}", file=sys.stderr)
    sys.exit(1)


def _destination(resources, extension: str) -> Path | None:
    """Where ``jupyter nbconvert`` would have written this export, --output and --output-dir included
    (as nbconvert's FilesWriter computes it)."""
    from nbconvert.nbconvertapp import NbConvertApp

    resources = resources or {}
    meta = resources.get("metadata") or {}
    app = NbConvertApp.instance()
    name = resources.get("unique_key") or meta.get("name")
    if not name:
        return None
    if app.use_output_suffix and app.output_base == "{notebook_name}":
        name += resources.get("output_suffix", "")
    folder = getattr(app.writer, "build_directory", "") or meta.get("path") or "."
    return Path(folder) / f"{name}{extension}"


def resources_name(resources) -> str:
    name = ((resources or {}).get("metadata") or {}).get("name")
    return f"{name}.ipynb: " if name else ""


def _in_nbconvert_cli() -> bool:
    """True in ``jupyter nbconvert`` (its app is running); False in JupyterLab's server and our runner."""
    if "nbconvert.nbconvertapp" not in sys.modules:
        return False
    from nbconvert.nbconvertapp import NbConvertApp

    return NbConvertApp.initialized()


class EvaltoolsPDFExporter(EvaltoolsHTMLExporter):
    """The committee PDF, tagged PDF/UA-1: laid out by Typst, or our HTML template printed by WeasyPrint."""

    export_from_notebook = "evaltools PDF report"
    output_mimetype = "application/pdf"
    pdf_engine = Unicode(help="PDF engine: typst or weasyprint (see evaltools.report.engines); "
                              "default: $EVALTOOLS_PDF_ENGINE, else typst").tag(config=True)

    @default("pdf_engine")
    def _pdf_engine_default(self):
        from evaltools.report.engines import default_pdf_engine

        return default_pdf_engine()

    @default("file_extension")
    def _file_extension_default(self):
        return ".pdf"

    @default("template_file")
    def _template_file_default(self):
        return "index.html.j2"  # the PDF is rendered from the same HTML template

    def from_notebook_node(self, nb, resources=None, **kw):
        from evaltools.report.engines import get_pdf_engine

        try:
            pdf, resources = get_pdf_engine(self.pdf_engine)(self, nb, resources=resources, **kw)
        except NotebookNotExportableError as exc:
            if _in_nbconvert_cli():  # as for HTML: one line and exit 1 (the Typst engine skips our HTML step)
                _refuse_in_one_line(resources, exc, ".pdf")
            raise
        resources["output_extension"] = ".pdf"
        return pdf, resources
