"""The notebook kernel: this interpreter, where evaltools is installed, started safely.

Two hazards of jupyter_client's defaults:

- **Port races.** A TCP kernel's ports are picked by binding port 0 and letting go; the kernel
  binds them a second later. Two kernels starting at once (a batch's workers), or any outgoing
  connection in between, can take the same port, and the kernel dies with "Address already in
  use" (seen in a test run: a batch lost a report). On POSIX our kernels talk over Unix sockets in
  a private folder instead: nothing to race for.
- **Our own process group.** jupyter_client records the kernel's process group after launching it
  and later kills that whole group. A launch cut short by our own clean-up (SIGKILL to a freshly
  forked child before it starts its own session) leaves the *parent's* group recorded, and the
  kernel's shutdown would then kill the user's shell job, or a CI run, with it (the likeliest cause
  of a CI run that died of SIGKILL during the bad-input tests, which stop kernels mid-launch). That
  group is never recorded: the kernel alone is signalled.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
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


class _SafeKernel:
    """Mixin for jupyter_client's kernel managers (sync and async); see the module docstring."""

    # The folder for the kernel's sockets and connection file. Set it before starting the kernel to
    # use a folder the caller owns and removes; otherwise the manager makes one and removes it.
    private_dir: str | None = None
    _owns_private_dir = False

    async def _async_pre_start_kernel(self, **kw):
        if os.name == "posix" and self.transport != "ipc":
            if self.private_dir is None:
                self.private_dir = private_dir()
                self._owns_private_dir = True
            self.transport = "ipc"
            self.ip = os.path.join(self.private_dir, "k")
            self.connection_file = os.path.join(self.private_dir, "kernel.json")
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw) -> None:
        await super()._async_launch_kernel(kernel_cmd, **kw)
        if os.name == "posix" and getattr(self.provisioner, "pgid", None) == os.getpgrp():
            self.provisioner.pgid = None

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)  # the connection file and sockets
        if not restart and self._owns_private_dir:
            shutil.rmtree(self.private_dir, ignore_errors=True)


def private_dir() -> str:
    """A new folder for a kernel's sockets: short, since a Unix socket's path must stay under ~100 bytes."""
    return tempfile.mkdtemp(prefix="evaltools-kernel-")


@functools.cache
def kernel_manager(asynchronous: bool = False) -> type:
    """jupyter_client's ``KernelManager`` (or ``AsyncKernelManager``, nbclient's) with :class:`_SafeKernel`."""
    from jupyter_client.manager import AsyncKernelManager, KernelManager

    if asynchronous:
        class SafeAsyncKernelManager(_SafeKernel, AsyncKernelManager):
            pass

        return SafeAsyncKernelManager

    class SafeKernelManager(_SafeKernel, KernelManager):
        pass

    return SafeKernelManager
