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
    saved = (_state.received, _state.held, _state.on_signal)
    _state.received = _state.held = None
    _state.on_signal = on_signal
    for s in SIGNALS:
        signal.signal(s, signal.SIG_IGN if (s == signal.SIGINT and ignore_sigint) else _handler)
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
        _state.received, _state.held, _state.on_signal = saved


def install_worker_handlers(on_signal: Callable[[int], None]) -> None:
    """For a worker process's whole life: ignore SIGINT, call ``on_signal`` on SIGTERM."""
    _state.on_signal = on_signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _handler)


def interrupted() -> int | None:
    """The signal received inside :func:`handle_interrupts`, if any (even if its exception was swallowed)."""
    return _state.received


def check() -> None:
    """Raise :class:`Interrupted` if a signal arrived, even if a library swallowed its exception."""
    if _state.received is not None:
        raise Interrupted(_state.received)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM until the block is done (then act on it): for steps that must not be cut."""
    _state.depth += 1
    try:
        yield
    finally:
        _state.depth -= 1
        if _state.depth == 0 and _state.held is not None:
            signum, _state.held = _state.held, None
            _state.on_signal(signum)
