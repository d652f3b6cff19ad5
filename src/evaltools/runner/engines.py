"""Execution engines: how a parameterised notebook gets executed. A registry, like papermill's.

- ``papermill``: a fresh kernel per notebook, exactly what a user's own run does.
- ``warm``: one kernel per worker process, reused: its namespace is reset before each report
  and it starts in the report's own scratch folder, but imported modules (pandas, statsmodels,
  seaborn, evaltools and its loaded data) stay warm. Papermill's own parameterisation is used.
  The kernel starts in the background as soon as the engine is made and imports the report's
  libraries there (``WARM_UP``), while the caller checks its input: ``evaltools run`` makes the
  engine first, so the kernel's start-up overlaps the command's own.
"""

from __future__ import annotations

import atexit
import copy
import os
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # imported where used: `evaltools run` launches its kernel first
    import nbformat

# The kernel's own log is not the user's business: its start-up notes, and the tracebacks it logs
# when an interrupted run closes its sockets mid-reply. A cell's error reaches us as the cell's error.
# Nor is its input history: IPython writes every cell to ~/.ipython's SQLite file (3 % of a batch
# kernel's time, and every worker's kernel writing the same file); the executed notebook is the record.
KERNEL_ARGS = ["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.enabled=False"]


class Engine(Protocol):
    name: str

    def execute(self, notebook: Path, parameters: dict, cwd: Path) -> nbformat.NotebookNode: ...

    def close(self, now: bool = False) -> None: ...

    def remove_files(self) -> None: ...


class PapermillEngine:
    """papermill in a fresh kernel."""

    name = "papermill"

    def __init__(self, kernel_name: str | None = None, timeout: int = 600):
        self.kernel_name = kernel_name
        self.timeout = timeout

    def execute(self, notebook: Path, parameters: dict, cwd: Path) -> nbformat.NotebookNode:
        import papermill

        from evaltools.runner.kernel import ensure_kernel, kernel_manager

        return papermill.execute_notebook(
            str(notebook),
            None,  # keep the executed notebook in memory; we write it atomically ourselves
            parameters=parameters,
            kernel_name=self.kernel_name or ensure_kernel(),
            cwd=str(cwd),
            progress_bar=False,
            execution_timeout=self.timeout,
            report_mode=False,
            extra_arguments=KERNEL_ARGS,
            kernel_manager_class=kernel_manager(asynchronous=True),
        )

    def close(self, now: bool = False) -> None:
        pass

    def remove_files(self) -> None:
        pass  # nbclient's kernel manager removes its own (evaltools.runner.kernel)


# chdir first (the previous report's scratch folder, the kernel's cwd, is gone by now), then %reset
RESET_CODE = "from evaltools.jupyter import reset_for_next_report\nreset_for_next_report({cwd!r})"


# What every report imports, loaded while the caller is still busy (statsmodels' OLS is otherwise
# imported on first use); the Frank-Wolfe solver's compiled code is loaded from numba's cache by
# one tiny solve. Silent: it leaves no trace.
WARM_UP = ("import evaltools.report.sections, statsmodels.regression.linear_model, evaltools.core.weights as _w\n"
           "_w.warm_up()\ndel _w")


class WarmKernelEngine:
    """Reuse one kernel for many notebooks (per worker process); it starts in the background."""

    name = "warm"

    def __init__(self, kernel_name: str | None = None, timeout: int = 600):
        self.kernel_name = kernel_name
        self.timeout = timeout
        self._km = None
        self._kc = None  # blocking: start-up and warm-up, in the start thread
        self._akc = None  # asynchronous: nbclient's (see _notebook_client)
        self._templates: dict[Path, nbformat.NotebookNode] = {}
        self._starting: threading.Thread | None = None
        self._start_error: BaseException | None = None
        self._closed = False
        # the kernel's sockets (see evaltools.runner.kernel); ours, so that a close that cannot wait
        # for a kernel still starting removes them all the same, at the latest when we exit
        self.private_dir: str | None = None
        if os.name == "posix":
            from evaltools.runner.kernel import private_dir

            self.private_dir = private_dir()
            atexit.register(shutil.rmtree, self.private_dir, True)
        self._start_in_background()

    def _start(self) -> None:
        from evaltools.runner.kernel import ensure_kernel, kernel_manager

        self._km = kernel_manager()(kernel_name=self.kernel_name or ensure_kernel())
        self._km.private_dir = self.private_dir
        self._km.start_kernel(extra_arguments=KERNEL_ARGS)
        if self._closed:  # closed while the kernel was launched: the start thread shuts it down now
            return
        self._kc = self._km.client()
        self._kc.start_channels()
        self._kc.wait_for_ready(timeout=60)
        if self._closed:
            return
        self._kc.execute_interactive(WARM_UP, silent=True, store_history=False, timeout=120,
                                     output_hook=lambda msg: None)

    def _start_in_background(self) -> None:
        def start() -> None:
            try:
                self._start()
            except BaseException as exc:  # handed to the thread that uses the kernel
                self._start_error = exc
            if self._closed:  # closed while we were starting: nobody else will shut this kernel down
                self._shutdown()
                self.remove_files()

        # a daemon: an interrupted run never waits for it (run_report kills the kernel it started)
        self._starting = threading.Thread(target=start, name="evaltools-kernel-start", daemon=True)
        self._starting.start()

    def _ready(self) -> None:
        if self._starting is not None:
            self._starting.join()  # also hands the kernel's sockets to this thread
            self._starting = None
            if self._start_error is not None:
                error, self._start_error = self._start_error, None
                self.close()
                raise error

    def _alive(self) -> bool:
        return self._km is not None and self._km.is_alive()

    def execute(self, notebook: Path, parameters: dict, cwd: Path) -> nbformat.NotebookNode:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        self._ready()
        if not self._alive():  # it died (a cell ended its process): a fresh kernel
            self._shutdown()
            self._start()
        if notebook not in self._templates:
            self._templates[notebook] = load_notebook_node(str(notebook))  # adds papermill's metadata
        nb = parameterize_notebook(copy.deepcopy(self._templates[notebook]), parameters, report_mode=False)
        reset = nbformat.v4.new_code_cell(RESET_CODE.format(cwd=str(cwd)))
        nb.cells.insert(0, reset)
        client = NotebookClient(nb, km=self._km, timeout=self.timeout, allow_errors=False)
        client.kc = self._notebook_client()
        try:
            _run_to_the_end(client.async_execute, cleanup_kc=False)
        except (CellExecutionError, DeadKernelError, CellTimeoutError) as exc:
            nb.cells.remove(reset)
            if isinstance(exc, CellExecutionError):
                _name_the_cell(exc, nb, _raised)
            else:  # dead, or still busy with the cell: the next report gets a fresh kernel
                self._shutdown()
                _name_the_cell(exc, nb, _unanswered)
            raise
        nb.cells.remove(reset)
        return nb

    def close(self, now: bool = False) -> None:
        """Shut the kernel down; ``now``: do not wait for a kernel still starting (the caller kills it)."""
        self._closed = True
        if self._starting is not None:
            self._starting.join(timeout=0 if now else 60)
            if self._starting.is_alive():
                return  # the start thread shuts its kernel down itself when it sees _closed
            self._starting = None
        self._shutdown()
        self.remove_files()

    def remove_files(self) -> None:
        """The kernel's sockets and connection file (also after the kernel was killed)."""
        if self._km is not None:
            self._km.cleanup_connection_file()
        if self.private_dir is not None:
            shutil.rmtree(self.private_dir, ignore_errors=True)

    def after_kill(self, timeout: float = 5.0) -> None:
        """The caller killed a kernel that was still starting: its start thread sees it die and
        cleans up; wait a little for that (an exiting process would cut it short, and leave the
        connection file with its key behind), then remove what is left."""
        starting = self._starting
        if starting is not None and starting is not threading.current_thread():
            starting.join(timeout)
        self.remove_files()

    def _notebook_client(self):
        """nbclient's client for our kernel: an asynchronous one. With a blocking client nbclient
        waits for the kernel's next message with the event loop blocked, so neither its cell timeout
        nor its check that the kernel is still alive ever runs: a cell that crashes the kernel or
        never ends would hang the report for good."""
        if self._akc is None:
            from jupyter_client.asynchronous import AsyncKernelClient

            self._akc = AsyncKernelClient(parent=self._km, connection_file=self._km.connection_file,
                                          **self._km.get_connection_info(session=True))
            self._akc.start_channels()
        return self._akc

    def _shutdown(self) -> None:
        for kc in (self._kc, self._akc):
            if kc is not None:
                kc.stop_channels()
        if self._km is not None and self._km.has_kernel:
            self._km.shutdown_kernel(now=True)
        self._km = self._kc = self._akc = None


def _raised(cell) -> bool:
    return any(o.get("output_type") == "error" for o in cell.get("outputs", []))


def _unanswered(cell) -> bool:
    """The cell the kernel was busy with: nbclient opens each cell's timing record (empty) when it
    starts it and closes it with the kernel's reply."""
    stamps = cell.get("metadata", {}).get("execution")
    return stamps is not None and "shell.execute_reply" not in stamps


def _name_the_cell(exc: Exception, nb, failed) -> None:
    """Like papermill's error: the first cell that ``failed`` (its index in the executed notebook
    and its source), for the one-line message."""
    for index, cell in enumerate(nb.cells):
        if failed(cell):
            exc.cell_index, exc.source = index, cell.source
            return


def _run_to_the_end(coroutine_function, **kwargs):
    """Run nbclient's coroutine function as its own ``execute`` does, on this thread's event loop,
    but if we are interrupted, give its task up quietly: it is cancelled, and whatever it ends with
    when the loop next runs (a dead kernel, once we killed it) is not logged to the user's terminal
    as "Task exception was never retrieved"."""
    import asyncio

    from jupyter_core.utils import ensure_event_loop, run_sync

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:  # called from a running loop (run_report in a notebook cell): jupyter_core's runner thread
        return run_sync(coroutine_function)(**kwargs)
    loop = ensure_event_loop()
    task = loop.create_task(coroutine_function(**kwargs))
    try:
        return loop.run_until_complete(task)
    except BaseException:
        if not task.done():
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
            task.cancel()
        raise


ENGINES: dict[str, type] = {"papermill": PapermillEngine, "warm": WarmKernelEngine}


def get_engine(name: str = "papermill", **kwargs) -> Engine:
    try:
        return ENGINES[name](**kwargs)
    except KeyError:
        raise ValueError(f"unknown engine '{name}'; available: {', '.join(ENGINES)}") from None
