"""The circuit breaker in front of Redis: after a failure, skip Redis for a moment.

A Redis that refuses or times out would otherwise cost every request one connect timeout; with
the breaker open the caller takes its fallback (the database, or 503) at once. The voting domain
keeps one breaker per process, the principal cache one per app (`CIRCUIT_SECONDS` both).
"""

from __future__ import annotations

import time

CIRCUIT_SECONDS = 5.0


class CircuitBreaker:
    """Open for `seconds` after `trip()`; `is_open()` tells callers to skip Redis meanwhile."""

    def __init__(self, seconds: float = CIRCUIT_SECONDS) -> None:
        self.seconds = seconds
        self._open_until = 0.0

    def trip(self) -> None:
        """Record a failure: Redis is skipped for the next `seconds`."""
        self._open_until = time.monotonic() + self.seconds

    def is_open(self) -> bool:
        """Whether a failure was recorded less than `seconds` ago."""
        return time.monotonic() < self._open_until

    def reset(self) -> None:
        """Forget a recorded failure (tests)."""
        self._open_until = 0.0
