"""Per-user question limits, shared by /ask, DMs, mentions and "did you mean" presses.

One limiter for every way of asking, so switching from /ask to a mention does not reset the count.
Time comes from an injected clock, so tests move it instead of waiting.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]
"""Seconds from any fixed start (time.monotonic in production)."""

_PRUNE_AT = 4096  # users tracked before stale entries are dropped


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a question may go ahead; if not, how long to wait and whether to say so this time."""

    retry_after: float = 0.0
    notify: bool = False

    @property
    def allowed(self) -> bool:
        return self.retry_after <= 0


class Cooldown:
    """At most ``rate`` questions per user in any ``per``-second window (a sliding log; rate 0 = no limit)."""

    def __init__(self, rate: int, per: float, clock: Clock) -> None:
        self.rate = rate
        self.per = per
        self.clock = clock
        self._asked: dict[int, deque[float]] = {}
        self._told: set[int] = set()

    def check(self, user_id: int, *, once: bool = False) -> Verdict:
        """Count a question from ``user_id`` unless they are over the limit.

        A refusal always has ``notify`` set, except with ``once`` after an earlier ``once`` refusal in the
        same run of refusals: public replies say "try again" once instead of answering every extra
        message with a notice, while ephemeral notices are cheap and always given.
        """
        if self.rate <= 0:
            return Verdict()
        now = self.clock()
        if len(self._asked) > _PRUNE_AT:
            self._prune(now)
        times = self._asked.setdefault(user_id, deque())
        while times and now - times[0] >= self.per:
            times.popleft()
        if len(times) >= self.rate:
            notify = not once or user_id not in self._told
            if once:
                self._told.add(user_id)
            return Verdict(retry_after=self.per - (now - times[0]), notify=notify)
        self._told.discard(user_id)
        times.append(now)
        return Verdict()

    def _prune(self, now: float) -> None:
        stale = [u for u, times in self._asked.items() if not times or now - times[-1] >= self.per]
        for user_id in stale:
            del self._asked[user_id]
            self._told.discard(user_id)
