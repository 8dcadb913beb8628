"""The one retry policy for Semantic Scholar requests.

Which failures are worth another try (rate limiting, gateway and server errors, timeouts,
dropped connections, a body cut off mid-JSON) and how long to wait: exponential backoff with
jitter, capped, over a bounded number of attempts, so that no request loops forever and a
fleet of retries does not arrive in lock-step.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass
class RetryPolicy:
    max_attempts: int = 8
    base_delay: float = 1.0
    max_delay: float = 60.0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def should_retry_status(self, status: int) -> bool:
        return status in RETRYABLE_STATUS

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based): "equal jitter",
        half fixed and half random, so waits grow but never collapse to zero."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)
