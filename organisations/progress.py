"""How far a long command has got, shown on the terminal that runs it.

A long command (loading, restoring, rebuilding the search index, generating or removing
synthetic data) runs its work inside `shown(self.stdout, verbosity)`, and the loops that take
the time go through `bar()`: a tqdm progress bar, drawn on the command's output if that is a
terminal and its verbosity is 1 or more. Otherwise, with `--verbosity 0`, in a pipe, a log or
the tests, and outside any command (an admin save), nothing at all is written. A command run
by another (restore's loaddata) draws on the outer command's terminal, if that one shows
progress.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.core.management.base import OutputWrapper
from tqdm import tqdm

_terminal = ContextVar("progress_terminal", default=None)


@contextmanager
def shown(stdout, verbosity):
    """Within the block, draw progress bars on `stdout` (a command's OutputWrapper) if it is a
    terminal and `verbosity` is 1 or more."""
    token = _terminal.set(stream(stdout)) if verbosity and stdout.isatty() else None
    try:
        yield
    finally:
        if token is not None:
            _terminal.reset(token)


def bar(iterable=None, *, total=None, desc=None, unit="it"):
    """tqdm's bar over `iterable` (or, without one, to `.update()` by hand), drawn only within
    `shown()` on a terminal. `total`: how many there are, or a function counting them, called
    only if the bar is drawn."""
    terminal = _terminal.get()
    if terminal is not None and callable(total):
        total = total()
    return tqdm(
        iterable,
        total=None if callable(total) else total,
        desc=desc,
        unit=unit,
        unit_scale=True,
        file=terminal,
        disable=terminal is None,
    )


def stream(stdout):
    """The file under a command's `stdout`, for what must reach it exactly as written (a
    progress bar, a backup): Django's OutputWrapper ends each write with a new line."""
    while isinstance(stdout, OutputWrapper):
        stdout = stdout._out
    return stdout
