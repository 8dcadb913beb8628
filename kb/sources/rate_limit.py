"""The one rate limiter every Semantic Scholar request passes through.

A schedule of send slots (a token bucket holding ``burst`` tokens, written as the generic cell
rate algorithm) whose rate adapts: Semantic Scholar answers 429 without a Retry-After header,
so the only signal that we are too fast is the 429 itself. On each 429 the rate is halved
(down to a floor); after a run of successes it climbs back towards the configured rate.

Slots are computed from the schedule, not from when a request actually left: a caller that
wakes a few milliseconds late (the event loop was busy storing a page) does not push every
later slot back, so the crawl keeps the configured rate over time, while an idle pause still
never turns into a burst beyond ``burst``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class AdaptiveRateLimiter:
    def __init__(
        self,
        rate: float,
        *,
        burst: float = 1.0,
        floor_fraction: float = 1 / 16,
        recovery_successes: int = 20,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.configured_rate = float(rate)
        self.current_rate = float(rate)
        self.burst = max(1.0, float(burst))
        self.floor = self.configured_rate * floor_fraction
        self.recovery_successes = recovery_successes
        self._clock = clock
        self._sleep = sleep
        self._next_slot = clock()
        self._successes_since_throttle = 0
        self._lock: asyncio.Lock | None = None
        self.throttle_events = 0
        self.waited_seconds = 0.0

    async def acquire(self) -> None:
        """Wait until one request may be sent."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            interval = 1.0 / self.current_rate
            now = self._clock()
            slot = max(now, self._next_slot - (self.burst - 1.0) * interval)
            if slot > now:
                self.waited_seconds += slot - now
                await self._sleep(slot - now)
            self._next_slot = max(self._next_slot, slot) + interval

    def on_throttled(self) -> None:
        """A 429 arrived: halve the rate and empty the bucket."""
        self.throttle_events += 1
        self.current_rate = max(self.floor, self.current_rate / 2)
        self._next_slot = max(self._next_slot, self._clock() + 1.0 / self.current_rate)
        self._successes_since_throttle = 0

    def on_success(self) -> None:
        if self.current_rate >= self.configured_rate:
            return
        self._successes_since_throttle += 1
        if self._successes_since_throttle >= self.recovery_successes:
            self._successes_since_throttle = 0
            self.current_rate = min(self.configured_rate, self.current_rate * 1.25)
