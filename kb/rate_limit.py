"""The one rate limiter every Semantic Scholar request passes through.

A token bucket whose rate adapts: Semantic Scholar answers 429 without a Retry-After header,
so the only signal that we are too fast is the 429 itself. On each 429 the rate is halved
(down to a floor); after a run of successes it climbs back towards the configured rate. The
bucket holds at most ``burst`` tokens, so a pause never turns into a burst that trips the
limit again.
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
        self._tokens = self.burst
        self._last = clock()
        self._successes_since_throttle = 0
        self._lock: asyncio.Lock | None = None
        self.throttle_events = 0
        self.waited_seconds = 0.0

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.current_rate)
        self._last = now

    async def acquire(self) -> None:
        """Wait until one request may be sent."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            self._refill()
            if self._tokens < 1.0:
                wait = (1.0 - self._tokens) / self.current_rate
                self.waited_seconds += wait
                await self._sleep(wait)
                self._refill()
            self._tokens -= 1.0

    def on_throttled(self) -> None:
        """A 429 arrived: halve the rate and empty the bucket."""
        self.throttle_events += 1
        self.current_rate = max(self.floor, self.current_rate / 2)
        self._tokens = min(self._tokens, 0.0)
        self._successes_since_throttle = 0

    def on_success(self) -> None:
        if self.current_rate >= self.configured_rate:
            return
        self._successes_since_throttle += 1
        if self._successes_since_throttle >= self.recovery_successes:
            self._successes_since_throttle = 0
            self.current_rate = min(self.configured_rate, self.current_rate * 1.25)
