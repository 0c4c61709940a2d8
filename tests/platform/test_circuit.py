"""The circuit breaker in front of Redis (models/circuit.py), shared by votes and the principal
cache: open for its seconds after a failure, then closed by itself."""

from __future__ import annotations

from models import circuit
from models.circuit import CIRCUIT_SECONDS, CircuitBreaker


def test_open_for_its_seconds_after_a_failure(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(circuit.time, "monotonic", lambda: now[0])
    breaker = CircuitBreaker()
    assert breaker.seconds == CIRCUIT_SECONDS == 5.0
    assert not breaker.is_open()
    breaker.trip()
    assert breaker.is_open()
    now[0] += CIRCUIT_SECONDS - 0.01
    assert breaker.is_open()
    now[0] += 0.02
    assert not breaker.is_open()
    breaker.trip()
    breaker.reset()
    assert not breaker.is_open()


def test_votes_and_the_principal_cache_use_it(app):
    from accounts.principal_cache import cache_of
    from votes import live

    assert isinstance(live.scripts.breaker, CircuitBreaker)
    assert isinstance(cache_of(app).circuit, CircuitBreaker)
    live.scripts.breaker.trip()
    try:
        assert live.scripts.breaker.is_open() and not cache_of(app).circuit.is_open()
        try:
            live.run("board", [live.meta_key(1)], ["-"])
        except live.RedisDown:
            pass
        else:
            raise AssertionError("an open circuit must not reach Redis")
    finally:
        live.reset_circuit()
