"""Progress bars for long work (ensembles, sweeps, calibration waves): tqdm.auto, which is a
widget in Jupyter and a text bar on a terminal.

``progress`` arguments across the package take: ``None`` (the default: a bar where standard
error is a terminal or in a notebook, nothing otherwise), ``True`` (always a bar), ``False``
(nothing) or a callable ``progress(done, total)`` called at each update instead of a bar.
tqdm's own environment variables apply (``TQDM_MININTERVAL``, ``TQDM_DISABLE``, ...).
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Union

from tqdm.auto import tqdm

__all__ = ["Progress", "ProgressArg"]

#: Seconds between redraws of a bar (tqdm's ``mininterval``; the tests set 0 to see every update).
MININTERVAL = 0.1

#: What a ``progress=`` argument accepts.
ProgressArg = Union[bool, None, Callable[[int, int], Any]]


class Progress:
    """A counter of done work shown as a bar or passed to a callback; a context manager."""

    def __init__(self, progress: ProgressArg, total: int, desc: str, unit: str, initial: int = 0) -> None:
        self.total = int(total)
        self.done = int(initial)
        self._callback: Optional[Callable[[int, int], Any]] = None
        self._bar: Optional[Any] = None
        if callable(progress) and not isinstance(progress, bool):
            self._callback = progress
        elif progress is not False:
            self._bar = tqdm(total=self.total, initial=self.done, desc=desc, unit=unit,
                             disable=None if progress is None else False, dynamic_ncols=True,
                             mininterval=MININTERVAL)

    def update(self, n: int = 1) -> None:
        if n <= 0:
            return
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        if self._callback is not None:
            self._callback(self.done, self.total)

    def set(self, done: int) -> None:
        """Move to ``done`` (never backwards)."""
        self.update(int(done) - self.done)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
