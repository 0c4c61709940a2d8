"""The cost of the vote's commit-time gate (issue 8), as a SQL micro-benchmark on `fl_bench`.

The gate is the ballot transaction's read of the campaign row (joined with the candidate's)
under `FOR KEY SHARE` (`votes.ballots._gate`). This times three transactions that insert one
ballot and commit, as the app does, at 1 and at N concurrent clients (N = gunicorn's workers ×
threads, every ballot for the same campaign, so the row lock is shared by all of them):

* `insert`    - the INSERT alone (no gate at all);
* `read`      - the gate's SELECT without a lock, then the INSERT;
* `key_share` - the gate's SELECT ... FOR KEY SHARE, then the INSERT (what the app runs).

`key_share` ÷ `read` is the cost of the lock itself, `key_share` ÷ `insert` that of the whole
gate. The variants alternate within each round and the median of the per-round ratios is
reported. The ballots are written on days long past (1990 on) and deleted afterwards, so the
campaign's tallies and rules are untouched; run it with no app serving the database.
"""

from __future__ import annotations

import itertools
import statistics
import threading
import time
from datetime import UTC, date, datetime, timedelta

import psycopg

GATE = (
    "SELECT c.status, c.mine_id, c.starts_at, c.ends_at, "
    "(SELECT m.stale FROM vote_live_marks m WHERE m.campaign_id = c.id), c.config_version, "
    "k.category, k.withdrawn_at FROM vote_campaigns c JOIN vote_candidates k "
    "ON k.campaign_id = c.id WHERE c.id = %s AND k.id = %s"
)
INSERT = (
    "INSERT INTO vote_ballots (campaign_id, candidate_id, category, voter_id, account_id, "
    "voter_unit_id, vote_day, seq, slot, cast_at, ip, user_agent, path) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, 1, 1, %s, '127.0.0.1', 'gate-bench', 'redis') "
    "RETURNING id"
)
VARIANTS = {"insert": None, "read": GATE, "key_share": GATE + " FOR KEY SHARE"}
FIRST_DAY = date(1990, 1, 1)


def _client(
    dsn: str,
    campaign: int,
    candidates: list[tuple[int, str]],
    voters: list[tuple[int, int, int]],
    keys: itertools.count,
    gate: str | None,
    until: float,
    latencies: list[float],
) -> None:
    """One connection inserting ballots, one transaction each, until `until`."""
    with psycopg.connect(dsn) as conn:
        while time.perf_counter() < until:
            # A fresh (voter, day) per ballot: no unique constraint is ever hit.
            key = next(keys)
            voter, account, unit = voters[key % len(voters)]
            day = FIRST_DAY + timedelta(days=key // len(voters))
            candidate, category = candidates[key % len(candidates)]
            started = time.perf_counter()
            if gate is not None:
                conn.execute(gate, (campaign, candidate)).fetchone()
            conn.execute(
                INSERT,
                (campaign, candidate, category, voter, account, unit, day, datetime.now(UTC)),
            ).fetchone()
            conn.commit()
            latencies.append(time.perf_counter() - started)


def _timed(dsn: str, clients: int, seconds: float, gate: str | None, shared: dict) -> dict:
    """`clients` connections for `seconds`: transactions per second, p50 and p99."""
    until = time.perf_counter() + seconds
    per_client: list[list[float]] = [[] for _ in range(clients)]
    threads = [
        threading.Thread(target=_client, args=(dsn, *shared.values(), gate, until, lat))
        for lat in per_client
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(x for lat in per_client for x in lat)
    if not latencies:
        raise SystemExit("gate benchmark: no transaction completed")
    return {
        "transactions": len(latencies),
        "rate": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p90_ms": latencies[int(len(latencies) * 0.9)] * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }


def measure(dsn: str, campaign: int, clients: int, rounds: int, seconds: float) -> dict:
    """Time the three variants at 1 and at `clients` clients; delete the ballots written."""
    with psycopg.connect(dsn) as conn:
        candidates = conn.execute(
            "SELECT id, category FROM vote_candidates WHERE campaign_id = %s ORDER BY id",
            (campaign,),
        ).fetchall()
        voters = conn.execute(
            "SELECT p.id, a.id, p.unit_id FROM people p JOIN accounts a ON a.person_id = p.id "
            "ORDER BY p.id"
        ).fetchall()
    shared = {
        "campaign": campaign,
        "candidates": candidates,
        "voters": voters,
        "keys": itertools.count(),
    }
    out: dict = {"rounds": rounds, "seconds": seconds}
    try:
        for n in sorted({1, clients}):
            # Untimed first: connections, prepared statements, the indexes' pages in memory.
            _timed(dsn, n, min(seconds, 2.0), VARIANTS["key_share"], shared)
            rows = []
            for r in range(rounds):
                order = list(VARIANTS) if r % 2 == 0 else list(reversed(VARIANTS))
                rows.append(
                    {name: _timed(dsn, n, seconds, VARIANTS[name], shared) for name in order}
                )
            out[str(n)] = {
                "runs": rows,
                **{
                    name: {
                        k: statistics.median(row[name][k] for row in rows)
                        for k in ("rate", "p50_ms", "p90_ms", "p99_ms")
                    }
                    for name in VARIANTS
                },
                "lock_ratio": statistics.median(
                    row["key_share"]["rate"] / row["read"]["rate"] for row in rows
                ),
                "gate_ratio": statistics.median(
                    row["key_share"]["rate"] / row["insert"]["rate"] for row in rows
                ),
            }
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("DELETE FROM vote_ballots WHERE user_agent = 'gate-bench'")
            conn.execute("VACUUM (ANALYZE) vote_ballots")
    return out
