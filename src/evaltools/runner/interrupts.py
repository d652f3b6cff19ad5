"""Interrupts (Ctrl-C = SIGINT, ``kill`` = SIGTERM) that cannot be lost.

WeasyPrint catches ``BaseException`` around drawing an SVG (weasyprint/images.py), so a
KeyboardInterrupt raised while a figure is drawn becomes a blank figure and the PDF looks
finished. Inside :func:`handle_interrupts` every signal is also *remembered*: :func:`check`
raises it again after any step that might have swallowed it, so a damaged output is discarded,
never written. Inside :func:`deferred` (the renames that publish a report) a signal is held
until the block ends, so a report is either wholly there or not at all.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived; ``signum`` says which."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


def _raise(signum: int) -> None:
    raise Interrupted(signum)


class _State:
    received: int | None = None  # the first signal seen since the handlers were installed
    held: int | None = None  # a signal that arrived inside deferred()
    depth = 0  # nesting of deferred()
    on_signal: Callable[[int], None] = staticmethod(_raise)
    dispositions: dict | None = None  # signal -> our handler (or SIG_IGN) while we handle them


_state = _State()


def _handler(signum: int, frame) -> None:
    if _state.received is None:
        _state.received = signum
    if _state.depth:
        _state.held = signum
        return
    _state.on_signal(signum)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def handle_interrupts(on_signal: Callable[[int], None] = _raise, ignore_sigint: bool = False) -> Iterator[None]:
    """SIGINT and SIGTERM call ``on_signal`` (default: raise :class:`Interrupted`) and are remembered.

    With ``ignore_sigint`` the terminal's Ctrl-C is ignored (batch workers: their parent stops them).
    Outside the main thread (where Python cannot install handlers) this does nothing.
    """
    if not _main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in SIGNALS}
    saved = (_state.received, _state.held, _state.on_signal, _state.dispositions)
    _state.received = _state.held = None
    _state.on_signal = on_signal
    _install({s: signal.SIG_IGN if (s == signal.SIGINT and ignore_sigint) else _handler for s in SIGNALS})
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
        _state.received, _state.held, _state.on_signal, _state.dispositions = saved


def _install(dispositions: dict) -> None:
    _state.dispositions = dispositions
    for s, h in dispositions.items():
        signal.signal(s, h)


def install_worker_handlers(on_signal: Callable[[int], None]) -> None:
    """For a worker process's whole life: ignore SIGINT, call ``on_signal`` on SIGTERM."""
    _state.on_signal = on_signal
    _install({signal.SIGINT: signal.SIG_IGN, signal.SIGTERM: _handler})


@contextmanager
def keep_handlers() -> Iterator[None]:
    """Run an event-loop library (nbclient, under papermill and our warm engine) without letting it
    take SIGINT/SIGTERM from us.

    nbclient adds asyncio signal handlers that shut the kernel down and let the run carry on
    (the report then fails as a dead kernel, not as an interrupt), and removing them leaves the
    default handlers behind, so a later Ctrl-C would bypass us. Inside this block asyncio refuses
    signal handlers for these two signals (nbclient accepts that), and ours are put back after.
    """
    if _state.dispositions is None or not _main_thread():
        yield
        return
    from asyncio import unix_events

    loop_class = unix_events._UnixSelectorEventLoop
    add, remove = loop_class.add_signal_handler, loop_class.remove_signal_handler

    def refuse_add(self, sig, callback, *args):
        if sig in SIGNALS:
            raise RuntimeError("evaltools handles SIGINT and SIGTERM itself")
        return add(self, sig, callback, *args)

    def refuse_remove(self, sig):
        if sig in SIGNALS:
            raise RuntimeError("evaltools handles SIGINT and SIGTERM itself")
        return remove(self, sig)

    loop_class.add_signal_handler, loop_class.remove_signal_handler = refuse_add, refuse_remove
    try:
        yield
    finally:
        loop_class.add_signal_handler, loop_class.remove_signal_handler = add, remove
        for s, h in (_state.dispositions or {}).items():
            if signal.getsignal(s) is not h:
                signal.signal(s, h)


def interrupted() -> int | None:
    """The signal received inside :func:`handle_interrupts`, if any (even if its exception was swallowed)."""
    return _state.received


def check() -> None:
    """Raise :class:`Interrupted` if a signal arrived, even if a library swallowed its exception."""
    if _state.received is not None:
        raise Interrupted(_state.received)


@contextmanager
def deferred(act: bool = True) -> Iterator[None]:
    """Hold SIGINT/SIGTERM until the block is done, then act on it: for steps that must not be cut.

    With ``act=False`` a signal held here is not acted on when the block ends (it stays known to
    :func:`interrupted`): for the last step of a run, after which there is nothing left to stop.
    """
    _state.depth += 1
    try:
        yield
    finally:
        _state.depth -= 1
        if _state.depth == 0 and _state.held is not None:
            signum, _state.held = _state.held, None
            if act:
                _state.on_signal(signum)
