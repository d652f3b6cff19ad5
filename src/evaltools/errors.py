"""Every error evaltools raises on purpose, in one hierarchy.

::

    EvaltoolsError                 anything the CLI prints as one line
    ├── InputError                 the user's input is wrong (CLI exit 2)
    │   ├── ParamsError            a params file: names the file and the key
    │   ├── UnknownKommuneError    no kommune by that name/code ("Did you mean ...?")
    │   ├── UnknownOutcomeError    no outcome by that id
    │   ├── PeriodError            not a period (2012K3, 2012Q3, 2012)
    │   ├── DesignError            a design the data cannot support
    │   ├── UndeclaredParameterError  a parameter the notebook does not declare
    │   ├── ImportValidationError  an import file with problems (row numbers)
    │   ├── UnknownPdfEngineError  no PDF engine by that name (report.engines)
    │   └── OutputFolderError      the output folder cannot be used
    ├── DataError                  the data are missing or cannot be had (CLI exit 1)
    │   ├── DataNotCachedError     a fetchable outcome that was never fetched
    │   └── DstError               talking to DST went wrong (API, query, connection);
    │                              DstQueryError is also an InputError (the user's query: exit 2)
    └── RunError                   building a report went wrong (CLI exit 1)
        ├── NotebookFailedError    a notebook cell raised (names the cell)
        ├── ReportExistsError      a report is there already (use --force)
        └── BatchLockedError       another batch holds the output folder

Each subclass keeps the built-in type it used to be (``ValueError``, ``LookupError``, ...) as a
second base so existing ``except`` clauses keep working. Anything that is not an
``EvaltoolsError`` is a bug and keeps its traceback.
"""

from __future__ import annotations

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class EvaltoolsError(Exception):
    """Base class: an error whose message is meant for the user, as one line."""

    exit_code = EXIT_FAILED

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class InputError(EvaltoolsError):
    """Something the user gave (a file, a key, an argument) is wrong; fixing it fixes the run."""

    exit_code = EXIT_BAD_INPUT


class DataError(EvaltoolsError):
    """The data a report needs are missing, stale or cannot be fetched."""


class RunError(EvaltoolsError):
    """Building a report failed after the input was accepted."""


class OutputFolderError(InputError, OSError):
    """The output folder does not exist and cannot be made, is a file, or is not writable."""


class BatchLockedError(RunError):
    """Another batch (pid, start time) is writing into the same output folder."""


def exit_code(exc: BaseException) -> int:
    """The CLI exit code for ``exc``: 2 for input, 1 for data/run errors, 130 for interrupts."""
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    return getattr(exc, "exit_code", EXIT_FAILED)
