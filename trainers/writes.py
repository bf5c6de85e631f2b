"""File writes off the step loop: sample PNGs and checkpoints are written by one worker thread.

The loop hands over data that is already copied (a uint8 image, a CPU snapshot of the weights) and keeps
stepping; ``done`` returns finished writes, in submission order, at the loop's next yield. At most
``max_pending`` writes wait at a time: a loop that outpaces the disk waits for the oldest instead of piling
up snapshots in memory.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable


@dataclass
class WriteDone:
    tag: Any  # what the loop said about the write when it submitted it
    result: Any  # what the write returned
    error: BaseException | None


class BackgroundWrites:
    def __init__(self, max_pending: int = 2):
        self.max_pending = max_pending
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ganstudio-write")
        self._pending: deque[tuple[Future, Any]] = deque()

    @property
    def pending(self) -> int:
        return len(self._pending)

    def submit(self, write: Callable[[], Any], tag: Any = None) -> None:
        unfinished = [f for f, _ in self._pending if not f.done()]
        if len(unfinished) >= self.max_pending:
            unfinished[0].exception()  # wait for the oldest (one thread: writes finish in order)
        self._pending.append((self._pool.submit(write), tag))

    def done(self, wait: bool = False) -> list[WriteDone]:
        """Finished writes, oldest first; with ``wait``, all of them after waiting for the rest."""
        out = []
        while self._pending and (wait or self._pending[0][0].done()):
            fut, tag = self._pending.popleft()
            err = fut.exception()
            out.append(WriteDone(tag, None if err else fut.result(), err))
        return out

    def close(self) -> None:
        """Let queued writes finish (nothing is dropped), then stop the thread."""
        self._pool.shutdown(wait=True)
