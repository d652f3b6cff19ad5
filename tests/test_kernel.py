"""The notebook kernel as jupyter_client starts it, made safe (evaltools.runner.kernel): Unix
sockets in a private folder instead of TCP ports that parallel kernels can race for, and never a
kill of our own process group."""

import os
import subprocess
import sys
import textwrap
import time

import pytest

from evaltools.runner.engines import get_engine
from evaltools.runner.run import _failure

pytestmark = pytest.mark.skipif(os.name != "posix", reason="Unix sockets and process groups are POSIX")


def test_a_warm_kernel_talks_over_unix_sockets_in_its_own_folder_and_leaves_nothing(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    engine = get_engine("warm")
    try:
        engine._ready()
        km = engine._km
        folder = engine.private_dir
        assert km.transport == "ipc" and os.path.dirname(folder) == str(tmp_path)
        assert os.path.dirname(km.connection_file) == folder and km.ip.startswith(folder + os.sep)
        assert len(os.listdir(folder)) == 6  # the connection file and five sockets
        reply = engine._kc.execute_interactive("x = 6 * 7", store_history=False, timeout=60)
        assert reply["content"]["status"] == "ok"
    finally:
        engine.close()
    assert os.listdir(tmp_path) == []


PGID_SCRIPT = """
import asyncio, os
import jupyter_client.provisioning.local_provisioner as lp
from evaltools.runner.kernel import ensure_kernel, kernel_manager

# What jupyter_client records for a kernel killed by our clean-up between fork and setsid:
# the launching process's own group.
lp.os = type("os_with_our_group", (), {**{k: getattr(os, k) for k in dir(os) if not k.startswith("__")},
                                       "getpgid": staticmethod(lambda pid: os.getpgrp())})
km = kernel_manager()(kernel_name=ensure_kernel())
km.start_kernel()
km.shutdown_kernel(now=True)
print("sync survived", flush=True)

async def main():
    km = kernel_manager(asynchronous=True)(kernel_name=ensure_kernel())  # nbclient's, under papermill
    await km.start_kernel()
    await km.shutdown_kernel(now=True)
asyncio.run(main())
print("async survived", flush=True)
"""


def test_a_kernel_shutdown_never_kills_our_own_process_group(tmp_path):
    # In its own session, so that a kill of its process group takes only this child, not pytest.
    # Unguarded, jupyter_client's shutdown sends SIGKILL to the recorded group: this very process.
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(PGID_SCRIPT)], capture_output=True, text=True,
                          timeout=120, start_new_session=True, cwd=tmp_path)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    assert proc.stdout.split("\n")[:2] == ["sync survived", "async survived"]


def _notebook(folder, name: str, code: str):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("n = 0", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(code)]
    nbformat.write(nb, str(folder / name))
    return folder / name


@pytest.mark.parametrize("case", ["dies", "never_ends"])
def test_a_cell_that_kills_or_hangs_the_kernel_fails_in_time_and_the_next_report_gets_a_fresh_one(tmp_path, case):
    # With a blocking client nbclient never noticed either: the report hung for good.
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    code, error, said = {
        "dies": ("import os\nos._exit(1)", DeadKernelError, "cell 2 (import os) failed: DeadKernelError: Kernel died"),
        "never_ends": ("while True:\n    pass", CellTimeoutError, "cell 2 (while True:) failed: CellTimeoutError: "
                       "A cell timed out while it was being executed, after 3 seconds."),
    }[case]
    bad, works = _notebook(tmp_path, "bad.ipynb", code), _notebook(tmp_path, "works.ipynb", "print(n * 7)")
    engine = get_engine("warm", timeout=3)
    try:
        engine._ready()
        started = time.monotonic()
        with pytest.raises(error) as caught:
            engine.execute(bad, {"n": 1}, cwd=tmp_path)
        # the cell that was running, for the one-line error (parameters, papermill's injected cell, it)
        assert (caught.value.cell_index, caught.value.source) == (2, code)
        assert str(_failure(bad, caught.value)) == f"{bad}: {said}"  # the one line the user reads
        assert time.monotonic() - started < 30
        nb = engine.execute(works, {"n": 6}, cwd=tmp_path)
        assert nb.cells[-1].outputs[0]["text"] == "42\n"
        assert os.path.isdir(engine.private_dir)
    finally:
        engine.close()
    assert not os.path.exists(engine.private_dir)


def test_a_warm_kernel_also_runs_from_a_running_event_loop(tmp_path):
    # as when run_report is called in a notebook cell, where ipykernel's loop is running
    import asyncio

    works = _notebook(tmp_path, "works.ipynb", "print(n * 7)")
    engine = get_engine("warm")

    async def in_a_cell():
        return engine.execute(works, {"n": 6}, cwd=tmp_path)

    try:
        nb = asyncio.run(in_a_cell())
    finally:
        engine.close()
    assert nb.cells[-1].outputs[0]["text"] == "42\n"
