"""Running one call in many threads at the same instant (the "only once" rules)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def fire_at_once(n: int, fn: Callable[[int], Any], timeout: float = 60) -> list[Any]:
    """Run fn(i) in n threads released by one barrier, so the calls arrive at the same instant."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[i] = fn(i)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    if errors:
        raise errors[0]
    return results
