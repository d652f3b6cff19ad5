"""Turn a params file into notebook parameters, strictly: every key must be declared."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from evaltools.errors import InputError

if TYPE_CHECKING:  # imported where used: `evaltools run` launches its kernel first
    from evaltools.params import ReportParams


class UndeclaredParameterError(InputError, ValueError):
    pass


def declared_parameters(notebook: Path) -> set[str]:
    """Names assigned in the notebook's cell tagged ``parameters`` (papermill's own inspection)."""
    path = Path(notebook).resolve()
    return set(_declared(str(path), path.stat().st_mtime_ns))


@lru_cache(maxsize=16)
def _declared(path: str, mtime_ns: int) -> frozenset[str]:  # mtime in the key: an edited notebook is re-read
    import papermill

    return frozenset(papermill.inspect_notebook(path).keys())


def notebook_parameters(params: ReportParams, notebook: Path, params_file: Path | None = None) -> dict:
    """Parameters to inject; a key the notebook does not declare is an error (papermill#667)."""
    values = params.notebook_parameters()
    declared = declared_parameters(notebook)
    missing = sorted(k for k in values if k not in declared)
    if missing:
        raise UndeclaredParameterError(
            f"{notebook}: the parameters cell does not declare {', '.join(missing)}; "
            "add them to the cell tagged 'parameters'"
        )
    if params_file is not None and "params_file" in declared:
        values["params_file"] = str(params_file)
    return values
