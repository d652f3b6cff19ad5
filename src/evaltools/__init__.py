"""evaltools: did our employment initiative beat the national trend?

The heavy parts (pandas, statsmodels, seaborn) load on first use, so the command line starts fast.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

from evaltools import kommuner  # a module you can call: evaltools.kommuner() is a DataFrame
from evaltools.kommuner import Kommune, UnknownKommuneError, all_kommuner, get_kommune

try:
    __version__ = version("evaltools")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0+unknown"

_LAZY = {
    "fit_did": "evaltools.did",
    "DidResult": "evaltools.did",
    "evaluate": "evaltools.evaluation",
    "evaluate_panel": "evaltools.evaluation",
    "Panel": "evaltools.core.panel",
    "Evaluation": "evaltools.evaluation",
    "PlaceboTest": "evaltools.inference",
    "EventStudy": "evaltools.inference",
    "Report": "evaltools.report.sections",
    "load_params": "evaltools.params",
    "ParamsError": "evaltools.params",
    "run_report": "evaltools.runner.run",
    "outcomes": "evaltools.listings",
    "figure": "evaltools.jupyter",
}

__all__ = ["Kommune", "UnknownKommuneError", "all_kommuner", "get_kommune", "kommuner", "__version__", *_LAZY]

# inside a Jupyter kernel: short input errors and SVG figures with alt text (see evaltools.jupyter)
if "IPython" in __import__("sys").modules:
    from evaltools.jupyter import setup as _setup

    _setup()


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'evaltools' has no attribute '{name}'")
