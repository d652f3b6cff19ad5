"""Make sure the notebook kernel is this interpreter, where evaltools is installed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

KERNEL_NAME = "python3"


def ensure_kernel() -> str:
    """Return the kernel name to use; put this interpreter's bin first on PATH.

    ipykernel's packaged kernel.json starts plain ``python``; when evaltools runs from a
    virtual environment that is not activated, that would find another Python without
    evaltools. Prepending our own bin directory makes ``python`` this interpreter.
    """
    bindir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if path.split(os.pathsep)[0] != bindir:
        os.environ["PATH"] = bindir + os.pathsep + path
    return KERNEL_NAME
