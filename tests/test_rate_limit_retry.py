"""The limiter and the retry policy, on a fake clock (no real waiting)."""

from __future__ import annotations

import asyncio
import random

import pytest

from kb.sources.rate_limit import AdaptiveRateLimiter
from kb.sources.retry import RetryPolicy


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def acquire_times(limiter: AdaptiveRateLimiter, clock: FakeClock, n: int) -> list[float]:
    async def go():
        times = []
        for _ in range(n):
            await limiter.acquire()
            times.append(clock.now)
        return times

    return asyncio.run(go())


def test_token_bucket_spaces_requests_at_the_configured_rate():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(2.0, clock=clock, sleep=clock.sleep)
    times = acquire_times(limiter, clock, 11)
    assert times[0] == 0.0
    assert times[-1] == pytest.approx(5.0)  # 10 gaps of 0.5 s
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(g == pytest.approx(0.5) for g in gaps)


def test_concurrent_callers_share_one_rate():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(4.0, clock=clock, sleep=clock.sleep)

    async def go():
        stamps = []

        async def one():
            await limiter.acquire()
            stamps.append(clock.now)

        await asyncio.gather(*(one() for _ in range(9)))
        return stamps

    stamps = sorted(asyncio.run(go()))
    assert stamps[-1] == pytest.approx(2.0)


def test_throttle_halves_the_rate_and_success_recovers_it():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(8.0, clock=clock, sleep=clock.sleep, recovery_successes=5)
    limiter.on_throttled()
    assert limiter.current_rate == 4.0
    limiter.on_throttled()
    assert limiter.current_rate == 2.0
    for _ in range(5):
        limiter.on_success()
    assert limiter.current_rate == 2.5
    for _ in range(200):
        limiter.on_success()
    assert limiter.current_rate == 8.0


def test_throttle_never_goes_below_the_floor():
    limiter = AdaptiveRateLimiter(1.0)
    for _ in range(50):
        limiter.on_throttled()
    assert limiter.current_rate == pytest.approx(1 / 16)


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    policy = RetryPolicy(base_delay=1.0, max_delay=10.0, rng=random.Random(1))
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 10.0), (9, 10.0)]:
        delays = [policy.delay(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1  # jittered


def test_retryable_statuses():
    policy = RetryPolicy()
    assert all(policy.should_retry_status(s) for s in (429, 500, 502, 503, 504))
    assert not any(policy.should_retry_status(s) for s in (400, 401, 403, 404))


def test_late_wake_ups_do_not_lower_the_long_run_rate():
    """A caller that wakes late (the event loop was busy) must not push every later slot back."""
    clock = FakeClock()

    async def oversleep(seconds: float) -> None:
        clock.sleeps.append(seconds)
        clock.now += seconds + 0.03  # 30 ms late every time, at 10 requests/s

    limiter = AdaptiveRateLimiter(10.0, clock=clock, sleep=oversleep)
    times = acquire_times(limiter, clock, 101)
    assert times[-1] - times[0] == pytest.approx(10.0, abs=0.05)
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.1 - 1e-9  # yet never two requests closer than the interval


def test_an_idle_pause_does_not_become_a_burst():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(5.0, clock=clock, sleep=clock.sleep)
    acquire_times(limiter, clock, 3)
    clock.now += 60.0
    times = acquire_times(limiter, clock, 3)
    assert [round(t - times[0], 6) for t in times] == [0.0, 0.2, 0.4]
