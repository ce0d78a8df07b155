"""Standard error as a terminal, for the progress tests: tqdm draws its bar on it, and each
write records a probe's value at that moment (how much work was done, on disk or in memory)."""
from __future__ import annotations

import io
import re
from typing import Callable, Optional


class FakeTTY(io.StringIO):
    def __init__(self, probe: Optional[Callable[[], int]] = None) -> None:
        super().__init__()
        self.probe = probe
        self.writes: list[tuple[str, int]] = []

    def isatty(self) -> bool:
        return True

    def write(self, s: str) -> int:
        self.writes.append((s, self.probe() if self.probe else 0))
        return super().write(s)

    def counts(self, total: int, label: str = "") -> list[tuple[int, int]]:
        """(count shown, probe when it was shown) for every redraw of a bar of ``total``
        (whose description starts with ``label``)."""
        out = []
        for s, done in self.writes:
            for m in re.finditer(rf"{re.escape(label)}[^\r\n]*?(\d+)/{total} ", s):
                out.append((int(m.group(1)), done))
        return out
