"""nbconvert exporters: ``jupyter nbconvert --to evaltools_pdf`` (and ``evaltools_html``).

Registered as nbconvert entry points, so JupyterLab's "Save and Export Notebook As" lists them.
A conversion is preprocessors + our Jinja template; the look lives in the template.
"""

from __future__ import annotations

import os
from pathlib import Path

from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor
from traitlets import Unicode, default

from evaltools.report.metadata import METADATA_KEY, report_metadata

TEMPLATES = Path(__file__).parent / "templates" / "nbconvert"


class DropNoisePreprocessor(Preprocessor):
    """Remove stderr streams (warnings) and error outputs: a committee reads none of them."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.get("outputs", [])
                if not (o.output_type == "stream" and o.get("name") == "stderr") and o.output_type != "error"
            ]
        return cell, resources


class ReportMetadataPreprocessor(Preprocessor):
    """Copy the document metadata (title, author, lang, footer) from the report outputs to resources."""

    def preprocess(self, nb, resources):
        resources[METADATA_KEY] = {**report_metadata(nb), **nb.metadata.get(METADATA_KEY, {})}
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # cells tagged remove-cell (the notebook's instructions) stay out of the report
        self.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={"remove-cell"}), enabled=True)
        self.register_preprocessor(DropNoisePreprocessor, enabled=True)
        self.register_preprocessor(ReportMetadataPreprocessor, enabled=True)


class EvaltoolsPDFExporter(EvaltoolsHTMLExporter):
    """The committee PDF, tagged PDF/UA-1: our HTML template printed by WeasyPrint, or laid out by Typst."""

    export_from_notebook = "evaltools PDF report"
    output_mimetype = "application/pdf"
    pdf_engine = Unicode(help="PDF engine: weasyprint or typst (see evaltools.report.engines); "
                              "default: $EVALTOOLS_PDF_ENGINE, else weasyprint").tag(config=True)

    @default("pdf_engine")
    def _pdf_engine_default(self):
        return os.environ.get("EVALTOOLS_PDF_ENGINE") or "weasyprint"

    @default("file_extension")
    def _file_extension_default(self):
        return ".pdf"

    @default("template_file")
    def _template_file_default(self):
        return "index.html.j2"  # the PDF is rendered from the same HTML template

    def from_notebook_node(self, nb, resources=None, **kw):
        from evaltools.report.engines import get_pdf_engine

        pdf, resources = get_pdf_engine(self.pdf_engine)(self, nb, resources=resources, **kw)
        resources["output_extension"] = ".pdf"
        return pdf, resources
