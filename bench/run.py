"""The voting benchmark, in one command (from the repository root):

    python -m bench.run [--duration 10] [--runs 5] [--connections 64] [--preload 1000000]

It creates a fresh PostgreSQL database (`fl_bench`), uses Redis db 5, loads a roster of 20,000
bound voters and an open campaign (6 categories × 10 candidates), and starts two gunicorns on
127.0.0.1 with the same settings (`gunicorn.conf.py`, gthread, workers, threads, keep-alive):
the app (`bench.wsgi:app`) and a bare Flask app (`bench.bare:app`, one route answering
`{"ok": true}`). It drives them with wrk (apt-get install wrk). Each run measures back to back:
the bare app, the app's unauthenticated `/bench/ping`, `GET /api/v1/me`, accepted votes, a
brushing storm of repeated votes and leaderboard reads; each phase is divided by the bare app's
req/s of the same run. Votes come as miners cast them: a visit is one voter casting six votes
back to back, one per category (bench/wrk/votes.lua); reads are drawn from the 5,000 voters on
the app at once (`ACTIVE`). Then votes paced at each of `--paced-rates` per second (latency at a
realistic load), each worker's resident memory, and the invariants (nobody has more ballots
than the rules allow; Redis tallies equal the database's non-voided ballots). Then it copies the
database to `fl_bench_full`, loads `--preload` past ballots into the copy (Redis db 6), serves
both at once and alternates accepted-vote runs between them. With --cluster, it starts a six-node
Redis Cluster (3 masters + 3 replicas, free ports of 127.0.0.1) and alternates accepted-vote runs
between the app on the single Redis and the same app on a copy of the database (`fl_bench_cluster`)
on the cluster, with the bare app measured in each run; the cluster is stopped at the end of that
phase (and on any error). Then (unless --no-chaos) it votes
under load while Redis is flushed, the tallies rebuilt and the campaign closed, and checks that
the tallies still equal the database and that no ballot is later than the close. Last, the
commit-time gate's cost as a SQL micro-benchmark (`bench/gate.py`). The results table is printed
and written with the raw figures to `bench/results/bench-<time>.json`; `python -m bench.report
<that file>` prints it as Markdown. All traffic goes to 127.0.0.1, each phase stops after its
duration, and every gunicorn is stopped at the end, also on Ctrl-C, SIGTERM or an error.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRK_DIR = ROOT / "bench" / "wrk"
OUT_DIR = ROOT / "bench" / "results"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "fl_bench"
DATABASE_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"
REDIS_URL = "redis://127.0.0.1:6379/5"
SECRET = "bench-secret-" + secrets.token_hex(8)
VOTERS = 20_000
CATEGORIES = ("safety", "reform", "publicity", "mediation", "discipline", "emergency")
WRK_THREADS = 2
VISIT = 6  # votes a voter casts back to back (bench/wrk/votes.lua)
# The people on the app at once that the reads (/me, leaderboard) are drawn from: a peak of
# 1,000 votes/s is ~170 visits a second, each a minute or so long.
ACTIVE = 5000


FULL_DB = "fl_bench_full"  # a copy of fl_bench with the preloaded ballots, served side by side
FULL_REDIS_URL = "redis://127.0.0.1:6379/6"
# --cluster: a copy of fl_bench served by an app on a six-node Redis Cluster the run starts on
# free ports of 127.0.0.1 (with a plain Redis beside it for the job queue), beside fl_bench on
# the single Redis.
CLUSTER_DB = "fl_bench_cluster"
CLUSTER_NODE_TIMEOUT_MS = 5000  # the README's recommended cluster-node-timeout
CLUSTERS: list = []  # every cluster started: stopped at the end whatever happens


def env(db: str = PG_DB, redis_url: str = REDIS_URL) -> dict[str, str]:
    e = dict(os.environ)
    e.pop("RQ_REDIS_URL", None)
    e.update(
        DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:5432/{db}",
        REDIS_URL=redis_url,
        SECRET_KEY=SECRET,
        FLASK_APP="bench.wsgi:app",
        # Every request comes from 127.0.0.1: the per-IP limit would be one mine's whole network.
        VOTE_IP_PER_MINUTE="100000000",
        PYTHONPATH=str(ROOT),
    )
    if redis_url in RQ_URLS:  # RQ cannot run on a cluster: the queue's own Redis
        e["RQ_REDIS_URL"] = RQ_URLS[redis_url]
    return e


RQ_URLS: dict[str, str] = {}  # cluster REDIS_URL -> the plain Redis its job queue uses


def redis_client(url: str):
    """A redis-py client for a REDIS_URL of this run (`redis+cluster://host:port/0` too)."""
    import redis

    if url.startswith("redis+cluster://"):
        from redis.cluster import RedisCluster

        host, port = url[len("redis+cluster://") :].split("/", 1)[0].split(":")
        return RedisCluster(host=host, port=int(port), decode_responses=True)
    return redis.Redis.from_url(url, decode_responses=True)


def log(msg: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {msg}", flush=True)


def create_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (PG_DB,)
        )
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        conn.execute(f"CREATE DATABASE {PG_DB}")
    subprocess.run(
        [sys.executable, "-m", "flask", "db", "upgrade"],
        cwd=ROOT,
        env=env(),
        check=True,
        capture_output=True,
    )


def seed() -> dict:
    """Roster, bound accounts, sessions (tokens written to a file), an open campaign."""
    os.environ.update(env())
    import redis
    from itsdangerous import URLSafeTimedSerializer

    from accounts.principal import principal_for_person
    from accounts.tokens import SALT
    from app import create_app
    from models import Account, AuthSession, Branch, Mine, Person, Unit, db
    from votes import campaigns

    redis.Redis.from_url(REDIS_URL).flushdb()
    app = create_app()
    with app.app_context():
        mine = Mine(name="基准测试矿")
        db.session.add(mine)
        db.session.flush()
        units = []
        for i in range(20):
            b = Branch(mine_id=mine.id, name=f"第{i + 1}党支部")
            db.session.add(b)
            db.session.flush()
            u = Unit(mine_id=mine.id, name=f"综采{i + 1}队", branch_id=b.id)
            db.session.add(u)
            db.session.flush()
            units.append(u)
        now = datetime.now(UTC)
        people = [
            {
                "mine_id": mine.id,
                "employee_no": f"B{i:06d}",
                "name": f"职工{i}",
                "phone": f"139{i:08d}",
                "unit_id": units[i % 20].id,
                "branch_id": units[i % 20].branch_id,
                "political_status": "member" if i < 100 else "masses",
                "is_cadre": False,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(VOTERS + 1)
        ]
        db.session.execute(db.insert(Person), people)
        ids = list(db.session.scalars(db.select(Person.id).order_by(Person.id)))
        voter_ids, committee_id = ids[:VOTERS], ids[VOTERS]
        db.session.execute(
            db.update(Person).where(Person.id == committee_id).values(political_status="member")
        )
        db.session.execute(
            db.insert(Account),
            [
                {
                    "openid": f"bench-{pid}",
                    "person_id": pid,
                    "created_at": now,
                    "bound_at": now - timedelta(days=30),
                }
                for pid in ids
            ],
        )
        accounts = dict(db.session.execute(db.select(Account.person_id, Account.id)).all())
        sessions = [
            {
                "id": str(uuid.uuid4()),
                "account_id": accounts[pid],
                "created_at": now,
                "expires_at": now + timedelta(days=7),
            }
            for pid in voter_ids
        ]
        db.session.execute(db.insert(AuthSession), sessions)
        from models import RoleGrant

        db.session.add(RoleGrant(person_id=committee_id, role="committee"))
        db.session.commit()
        serializer = URLSafeTimedSerializer(SECRET, salt=SALT)
        OUT_DIR.mkdir(exist_ok=True)
        tokens = OUT_DIR / "tokens.txt"
        tokens.write_text("\n".join(serializer.dumps({"sid": s["id"]}) for s in sessions) + "\n")
        committee_sid = str(uuid.uuid4())
        db.session.add(
            AuthSession(
                id=committee_sid,
                account_id=accounts[committee_id],
                created_at=now,
                expires_at=now + timedelta(days=7),
            )
        )
        db.session.commit()
        committee_token = serializer.dumps({"sid": committee_sid})

        committee = principal_for_person(db.session.get(Person, committee_id))
        campaign = campaigns.create_campaign(
            committee,
            {
                "title": "基准测试评选",
                "starts_at": now - timedelta(days=60),
                "ends_at": now + timedelta(days=7),
            },
        )
        candidates = []
        for c, category in enumerate(CATEGORIES):
            for k in range(10):
                cand = campaigns.add_candidate(
                    campaign, committee, f"B{c * 10 + k:06d}", category, "事迹"
                )
                candidates.append(cand.id)
        campaigns.open_campaign(campaign, committee)
        db.session.commit()
        return {
            "campaign": campaign.id,
            "candidates": candidates,
            "tokens": str(tokens),
            "voter_ids": (voter_ids[0], voter_ids[-1]),
            "committee_token": committee_token,
        }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


STARTED: list[subprocess.Popen] = []  # every gunicorn master: stopped at the end whatever happens


def start_gunicorn(
    port: int,
    workers: int,
    threads: int,
    keep_alive: int = 30,
    db: str = PG_DB,
    redis_url: str = REDIS_URL,
    app: str = "bench.wsgi:app",
    ready_path: str = "/bench/ping",
) -> subprocess.Popen:
    """gunicorn as production runs it (README: gunicorn.conf.py, gthread), on 127.0.0.1."""
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--keep-alive",
        str(keep_alive),
        app,
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env(db, redis_url), start_new_session=True)
    STARTED.append(proc)
    deadline = time.monotonic() + 60
    ready = 0
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{ready_path}", timeout=2) as r:
                ready += r.status == 200
        except OSError:
            time.sleep(0.2)
        if ready >= 4 * workers:  # answered many times: every worker has booted
            return proc
    stop(proc)
    raise SystemExit("gunicorn did not start")


def start_bare(port: int, args) -> subprocess.Popen:
    """The baseline: the bare Flask app under the same gunicorn settings as the app."""
    return start_gunicorn(
        port,
        args.workers,
        args.threads,
        args.keep_alive,
        app="bench.bare:app",
        ready_path="/",
    )


def stop(proc: subprocess.Popen) -> None:
    """Graceful stop: the gunicorn master lets workers finish the requests in flight."""
    if proc.poll() is not None:
        return
    try:
        proc.terminate()
        proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def stop_all() -> None:
    for proc in STARTED:
        stop(proc)
    for cluster in CLUSTERS:
        cluster.stop()  # SIGTERM each node, SIGKILL after 10 s
    CLUSTERS.clear()


def worker_rss(master: subprocess.Popen) -> list[dict]:
    """Resident memory of each worker (the children of the gunicorn master), from /proc."""
    workers = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:  # the process ended meanwhile
            continue
        if int(fields["PPid"]) == master.pid and "VmRSS" in fields:
            kib = int(fields["VmRSS"].split()[0])
            workers.append({"pid": int(status.parent.name), "rss_mib": round(kib / 1024, 1)})
    return sorted(workers, key=lambda w: w["pid"])


# The gunicorn masters whose workers' CPU counts as "app" or "bare" (set when they start).
MASTERS: dict[str, int] = {}
_TICK = os.sysconf("SC_CLK_TCK")


def cpu_snapshot() -> dict:
    """CPU seconds used so far by each kind of process (app workers, bare workers, PostgreSQL,
    Redis, wrk) and the machine's busy and total jiffies, from /proc (issue 28 item 1)."""
    by_kind: dict[str, float] = {}
    masters = {pid: kind for kind, pid in MASTERS.items()}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        pid, ppid = int(stat.parent.name), int(fields[1])
        seconds = (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime
        if pid in masters or ppid in masters:
            kind = masters.get(pid) or masters[ppid]
        elif comm.startswith("postgres"):
            kind = "postgres"
        elif comm.startswith("redis-server"):
            kind = "redis"
        elif comm == "wrk":
            kind = "wrk"
        else:
            continue
        by_kind[kind] = by_kind.get(kind, 0.0) + seconds
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(x) for x in cpu]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return {"kinds": by_kind, "busy": sum(ticks) - idle, "total": sum(ticks)}


def cpu_used(before: dict, after: dict) -> dict:
    """CPU seconds per kind between two snapshots, and the share of the machine that was busy."""
    kinds = {
        k: round(after["kinds"].get(k, 0.0) - before["kinds"].get(k, 0.0), 3)
        for k in set(before["kinds"]) | set(after["kinds"])
    }
    total = after["total"] - before["total"]
    busy = (after["busy"] - before["busy"]) / total if total else 0.0
    return {"seconds": kinds, "busy": round(busy, 3)}


def wrk(script: str, port: int, duration: int, connections: int, extra: dict) -> dict:
    before = cpu_snapshot()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = _wrk(script, port, duration, connections, extra)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["cpu"] = cpu_used(before, cpu_snapshot())
    # wrk has exited by now (gone from /proc): its CPU is what this process's reaped child used.
    result["cpu"]["seconds"]["wrk"] = round(
        after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime, 3
    )
    return result


def _wrk(script: str, port: int, duration: int, connections: int, extra: dict) -> dict:
    e = dict(os.environ)
    e.update({k: str(v) for k, v in extra.items()})
    e["BENCH_WRK_DIR"] = str(WRK_DIR)
    e["BENCH_THREADS"] = str(WRK_THREADS)
    out = subprocess.run(
        [
            "wrk",
            f"-t{WRK_THREADS}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "5s",
            "-s",
            str(WRK_DIR / f"{script}.lua"),
            f"http://127.0.0.1:{port}",
        ],
        env=e,
        capture_output=True,
        text=True,
        timeout=duration + 60,
    )
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk failed: {out.stdout}\n{out.stderr}")
    result = json.loads(line[len("BENCH_JSON ") :])
    if not result["requests"]:
        raise SystemExit(f"wrk got no answers: {out.stdout}\n{out.stderr}")
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["p50_ms"] = result.pop("p50_us") / 1000
    result["p90_ms"] = result.pop("p90_us") / 1000
    result["p99_ms"] = result.pop("p99_us") / 1000
    return result


def check_invariants(campaign_id: int, db: str = PG_DB, redis_url: str = REDIS_URL) -> dict:
    """Nobody above the rules; Redis tallies equal the database's non-voided ballots."""
    import psycopg

    r = redis_client(redis_url)
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{db}") as conn:
        per_cand, per_cat = conn.execute(
            "SELECT per_candidate_per_day, per_category_per_day FROM vote_campaigns WHERE id = %s",
            (campaign_id,),
        ).fetchone()
        over_candidate = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM vote_ballots WHERE campaign_id = %s "
            "GROUP BY voter_id, candidate_id, vote_day HAVING count(*) > %s) x",
            (campaign_id, per_cand),
        ).fetchone()[0]
        over_category = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM vote_ballots WHERE campaign_id = %s "
            "GROUP BY voter_id, category, vote_day HAVING count(*) > %s) x",
            (campaign_id, per_cat),
        ).fetchone()[0]
        db_counts = dict(
            conn.execute(
                "SELECT candidate_id, count(*) FROM vote_ballots WHERE campaign_id = %s "
                "AND voided_at IS NULL GROUP BY candidate_id",
                (campaign_id,),
            ).fetchall()
        )
        total = conn.execute(
            "SELECT count(*) FROM vote_ballots WHERE campaign_id = %s", (campaign_id,)
        ).fetchone()[0]
    tallies = {
        int(k): int(v) for k, v in r.zrange(f"{{vc:{campaign_id}}}:tally", 0, -1, withscores=True)
    }
    r.close()
    mismatched = sorted(
        cid for cid in set(db_counts) | set(tallies) if db_counts.get(cid, 0) != tallies.get(cid, 0)
    )
    return {
        "ballots": total,
        "voters_over_candidate_limit": over_candidate,
        "voters_over_category_limit": over_category,
        "tally_mismatches": len(mismatched),
        "violations": over_candidate + over_category + len(mismatched),
    }


def settle(db: str = PG_DB) -> None:
    """Bring the database to a steady state before measuring, as in production: otherwise
    autovacuum's insert-triggered VACUUM and the checkpoint of freshly loaded rows compete with
    the measured runs for the two cores."""
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{db}", autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        conn.execute("CHECKPOINT")


def clone_database(src: str, dst: str) -> None:
    """dst becomes a copy of src (nothing may be connected to src meanwhile)."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for name in (src, dst):
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
        conn.execute(f"DROP DATABASE IF EXISTS {dst}")
        conn.execute(f"CREATE DATABASE {dst} TEMPLATE {src}")


def preload(
    campaign_id: int, candidates: list[int], first_voter: int, n: int, db: str, redis_url: str
) -> None:
    """n ballots of past days (one per voter per day), straight into PostgreSQL."""
    import psycopg
    import redis

    cand_array = "{" + ",".join(map(str, candidates)) + "}"
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{db}") as conn:
        conn.execute(
            """
            INSERT INTO vote_ballots (campaign_id, candidate_id, category, voter_id, account_id,
                voter_unit_id, vote_day, seq, slot, cast_at, ip, user_agent, path)
            SELECT %(campaign)s, c.id, c.category, %(first)s + (g %% %(voters)s), a.id, p.unit_id,
                   d.day, 1, 1, d.day + time '04:00', '127.0.0.1', 'preload', 'redis'
            FROM generate_series(0, %(n)s - 1) AS g
            CROSS JOIN LATERAL (SELECT (current_date - 1 - (g / %(voters)s))::date AS day) d
            JOIN vote_candidates c
              ON c.id = (%(cands)s::int[])[1 + ((g %% %(voters)s) + g / %(voters)s) %% 60]
            JOIN people p ON p.id = %(first)s + (g %% %(voters)s)
            JOIN accounts a ON a.person_id = p.id
            """,
            {
                "campaign": campaign_id,
                "first": first_voter,
                "voters": VOTERS,
                "n": n,
                "cands": cand_array,
            },
        )
    settle(db)
    redis.Redis.from_url(redis_url).flushdb()
    subprocess.run(
        [sys.executable, "-m", "flask", "votes", "rebuild-tallies", "--campaign", str(campaign_id)],
        cwd=ROOT,
        env=env(db, redis_url),
        check=True,
        capture_output=True,
    )


def chaos_check(args, info: dict, common: dict, next_visit: int) -> dict:
    """Votes under load while Redis is flushed, the tallies rebuilt, a worker killed mid-vote
    and the campaign closed; then, after one reconciler pass, the tallies must equal the
    database and no ballot may be later than the close. Runs last: it closes the campaign of
    fl_bench."""
    import threading

    import psycopg
    import redis

    port = free_port()
    proc = start_gunicorn(port, args.workers, args.threads, args.keep_alive)
    # Long enough that the close lands well inside the load (the rebuild's CLI takes seconds).
    duration = max(args.duration, 8) * 2
    events: list[str] = []

    def committee_post(path: str) -> int:
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}",
            data=b"{}",
            method="POST",
            headers={
                "Authorization": f"Bearer {info['committee_token']}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status

    def disturb() -> None:
        time.sleep(duration / 5)
        redis.Redis.from_url(REDIS_URL).flushdb()
        events.append("flush")
        time.sleep(duration / 4)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "flask",
                "votes",
                "rebuild-tallies",
                "--campaign",
                str(info["campaign"]),
            ],
            cwd=ROOT,
            env=env(),
            check=True,
            capture_output=True,
            timeout=120,
        )
        events.append("rebuild")
        # A worker killed mid-vote (issue 18 #3): its votes between vote.lua and the COMMIT
        # leave uses and tally points with no ballot; the reconciler's pass below heals them.
        time.sleep(duration / 10)
        victim = worker_rss(proc)[0]["pid"]
        os.kill(victim, signal.SIGKILL)
        events.append(f"kill worker {victim}")
        time.sleep(duration / 10)
        close_path = f"/api/v1/admin/campaigns/{info['campaign']}/close"
        events.append(f"close {committee_post(close_path)}")

    try:
        t = threading.Thread(target=disturb)
        t.start()
        load = wrk(
            "votes", port, duration, args.connections, {**common, "BENCH_VISIT_START": next_visit}
        )
        t.join(120)
        # One read after the load: a Redis that is stale or was flushed is rebuilt by it.
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/campaigns/{info['campaign']}"
            "/leaderboard?category=safety",
            headers={"Authorization": f"Bearer {info['committee_token']}"},
        )
        urllib.request.urlopen(req, timeout=30).read()
    finally:
        stop(proc)
    # What the votes-reconcile job does every minute: compare, and rebuild what differs.
    reconcile = subprocess.run(
        [
            sys.executable,
            "-m",
            "flask",
            "votes",
            "verify-tallies",
            "--campaign",
            str(info["campaign"]),
            "--repair",
        ],
        cwd=ROOT,
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    events.append("reconcile " + (reconcile.stdout.strip().splitlines() or ["-"])[-1][:120])
    invariants = check_invariants(info["campaign"])
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{PG_DB}") as conn:
        later = conn.execute(
            "SELECT count(*) FROM vote_ballots b JOIN vote_campaigns c ON c.id = b.campaign_id "
            "WHERE c.id = %s AND (c.closed_at IS NULL OR b.cast_at > c.closed_at)",
            (info["campaign"],),
        ).fetchone()[0]
    return {
        "events": events,
        "statuses": load["statuses"],
        "tally_mismatches": invariants["tally_mismatches"],
        "over_limits": invariants["voters_over_candidate_limit"]
        + invariants["voters_over_category_limit"],
        "ballots_after_close": later,
        # Votes refused after the close (409 campaign_closed) show it landed during the load.
        "refused_after_close": load["statuses"].get("s409", 0),
        "ok": invariants["violations"] == 0
        and later == 0
        and len(events) == 5
        and load["statuses"].get("s409", 0) > 0,
    }


# Each divided by "bare" of the same run.
CLOSED_LOOP = ("ping", "me", "unread", "todo", "votes", "storm", "leaderboard")


def cluster_side_by_side(args, info: dict, common: dict, next_visit: int, report: dict) -> int:
    """Accepted votes on a six-node Redis Cluster beside the single Redis, in the same run:
    fl_bench on a single redis-server and its copy fl_bench_cluster on a six-node cluster (3
    masters + 3 replicas, node timeout 5 s), both started here on free ports of 127.0.0.1 with
    the same binary and flags, each served by a gunicorn with the same settings; each run
    measures the bare app, then both sides with the same voters and candidates (the order
    alternates). Returns the next free visit."""
    from tests.support.redis_cluster import RedisClusterServer

    log("starting a six-node Redis Cluster and a single Redis on 127.0.0.1, copying the database")
    cluster = RedisClusterServer(node_timeout_ms=CLUSTER_NODE_TIMEOUT_MS)
    CLUSTERS.append(cluster)
    cluster.start(timeout=60)
    RQ_URLS[cluster.url] = cluster.start_queue_server()
    # The single side's Redis: started here with the cluster nodes' binary and flags (no
    # persistence, noeviction), a Redis of its own that nothing else on the machine touches.
    single_url = cluster.start_queue_server()
    clone_database(PG_DB, CLUSTER_DB)
    settle(PG_DB)
    settle(CLUSTER_DB)
    # Each side's tallies built from its database, on its Redis.
    for db_name, url in ((PG_DB, single_url), (CLUSTER_DB, cluster.url)):
        subprocess.run(
            [sys.executable, "-m", "flask", "votes", "rebuild-tallies", "--campaign"]
            + [str(info["campaign"])],
            cwd=ROOT,
            env=env(db_name, url),
            check=True,
            capture_output=True,
            timeout=120,
        )
    single_port, cluster_port, bare_port = free_port(), free_port(), free_port()
    single = start_gunicorn(
        single_port, args.workers, args.threads, args.keep_alive, PG_DB, single_url
    )
    clustered = start_gunicorn(
        cluster_port, args.workers, args.threads, args.keep_alive, CLUSTER_DB, cluster.url
    )
    bare = start_bare(bare_port, args)
    MASTERS.update(app=single.pid, bare=bare.pid)
    wrk("get", bare_port, 3, args.connections, get("/"))
    for p in (single_port, cluster_port):
        wrk("get", p, 3, args.connections, get("/api/v1/me", auth=True, **common))
    for run in range(args.runs):
        extra = {**common, "BENCH_VISIT_START": next_visit}
        row = {"bare": wrk("get", bare_port, args.duration, args.connections, get("/"))}
        order = [("single", single_port), ("cluster", cluster_port)]
        if run % 2:
            order.reverse()
        for side, p in order:
            MASTERS["app"] = single.pid if side == "single" else clustered.pid
            row[side] = wrk("votes", p, args.duration, args.connections, extra)
        next_visit += max(visits_used(row[side]) for side in ("single", "cluster"))
        base = row["bare"]["rps"]
        row["ratios"] = {side: row[side]["rps"] / base for side in ("single", "cluster")}
        row["ratio"] = row["cluster"]["rps"] / row["single"]["rps"]
        report["cluster_runs"].append(row)
        log(
            f"cluster side by side {run + 1}: bare {base:.0f}/s, single Redis "
            f"{row['single']['rps']:.0f}/s ({row['ratios']['single']:.3f}×), cluster "
            f"{row['cluster']['rps']:.0f}/s ({row['ratios']['cluster']:.3f}×), "
            f"cluster ÷ single {row['ratio']:.3f}"
        )
    MASTERS["app"] = single.pid
    for proc in (bare, clustered, single):
        stop(proc)
    report["invariants_single_side"] = check_invariants(info["campaign"], PG_DB, single_url)
    report["invariants_cluster"] = check_invariants(info["campaign"], CLUSTER_DB, cluster.url)
    log(
        f"invariants: single Redis {report['invariants_single_side']}; "
        f"cluster {report['invariants_cluster']}"
    )
    cluster.stop()
    CLUSTERS.remove(cluster)
    return next_visit


def visits_used(result: dict) -> int:
    """Visits a votes phase may have started in any one wrk thread (as if one did them all)."""
    return result["requests"] // VISIT + 1


def get(path: str, auth: bool = False, **extra) -> dict:
    """wrk environment for bench/wrk/get.lua."""
    return {"BENCH_PATH": path, "BENCH_AUTH": "1" if auth else "0", **extra}


def _terminate(signum, frame) -> None:
    raise SystemExit(f"stopped by signal {signum}")  # unwinds through the finally: gunicorns stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per phase")
    parser.add_argument("--runs", type=int, default=5, help="runs of the closed-loop phases")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--keep-alive",
        type=int,
        default=30,
        help="gunicorn's keep-alive seconds (0: close after each answer, as behind a proxy)",
    )
    parser.add_argument("--preload", type=int, default=1_000_000)
    parser.add_argument(
        "--paced-rates",
        default="100,500",
        help="votes/s offered in the paced phases, comma-separated (the morning rush: 5,000 "
        "miners × 6 votes in 5 minutes is 100/s; a group of 100,000 after a shift meeting "
        "peaks far higher); empty or 0 skips them",
    )
    parser.add_argument(
        "--no-chaos",
        dest="chaos",
        action="store_false",
        help="skip the check of a flush, a rebuild and a close during a vote load",
    )
    parser.add_argument(
        "--cluster",
        action="store_true",
        help="also measure accepted votes on a six-node Redis Cluster (started and stopped by "
        "the run, redis-server and redis-cli needed) beside the single Redis, alternating",
    )
    parser.add_argument(
        "--gate-seconds",
        type=float,
        default=None,
        help="seconds per variant of the gate micro-benchmark (default: half of --duration); "
        "0 skips it",
    )
    args = parser.parse_args()
    paced_rates = [int(x) for x in args.paced_rates.split(",") if x.strip() and int(x)]
    gate_seconds = args.duration / 2 if args.gate_seconds is None else args.gate_seconds
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    signal.signal(signal.SIGTERM, _terminate)
    # Ctrl-C stops the run even when started in the background (where SIGINT is ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import gunicorn

    report: dict = {
        "argv": sys.argv[1:],
        "args": vars(args),
        "started": f"{datetime.now():%Y-%m-%d %H:%M}",
        "gunicorn": gunicorn.__version__,
        "cpus": os.cpu_count(),
        "runs": [],
        "paced": [],
        "preloaded_runs": [],
        "cluster_runs": [],
    }
    failure: BaseException | None = None
    try:
        measure(args, paced_rates, gate_seconds, report)
    except BaseException as exc:  # Ctrl-C included: what was measured so far is still written
        failure = exc
        report["stopped_early"] = repr(exc)
    finally:
        stop_all()
    from bench.report import markdown, table

    report["table"] = table(report)
    OUT_DIR.mkdir(exist_ok=True)
    path = OUT_DIR / f"bench-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print()
    print(markdown(report))
    print()
    log(f"full report: {path} (Markdown again: python -m bench.report {path})")
    if failure is not None:
        raise failure


def measure(args, paced_rates: list[int], gate_seconds: float, report: dict) -> None:
    """Every phase, in order, into `report`."""
    log("creating database fl_bench and loading 20,000 voters")
    create_database()
    info = seed()
    settle()
    common = {
        "BENCH_TOKENS": info["tokens"],
        "BENCH_CAMPAIGN": info["campaign"],
        "BENCH_CANDIDATES": ",".join(map(str, info["candidates"])),
        "BENCH_ACTIVE": ACTIVE,
    }
    port = free_port()
    proc = start_gunicorn(port, args.workers, args.threads, args.keep_alive)
    bare_port = free_port()
    bare = start_bare(bare_port, args)
    MASTERS.update(app=proc.pid, bare=bare.pid)
    per_thread = VOTERS // WRK_THREADS
    next_visit = 0  # per wrk thread; see bench/wrk/votes.lua
    # Warm up every worker (imports, connection pools, script loading).
    wrk("get", bare_port, 3, args.connections, get("/"))
    wrk("get", port, 3, args.connections, get("/api/v1/me", auth=True, **common))
    for run in range(args.runs):
        row = {}
        row["bare"] = wrk("get", bare_port, args.duration, args.connections, get("/"))
        row["ping"] = wrk("get", port, args.duration, args.connections, get("/bench/ping"))
        row["me"] = wrk(
            "get", port, args.duration, args.connections, get("/api/v1/me", auth=True, **common)
        )
        # The inbox badge every page of the mini-program polls (Redis-cached count).
        row["unread"] = wrk(
            "get",
            port,
            args.duration,
            args.connections,
            get("/api/v1/inbox/unread-count", auth=True, **common),
        )
        # The 待办 list (the mine's party work): counted from the domains on every call.
        row["todo"] = wrk(
            "get", port, args.duration, args.connections, get("/api/v1/todo", auth=True, **common)
        )
        row["votes"] = wrk(
            "votes",
            port,
            args.duration,
            args.connections,
            {**common, "BENCH_VISIT_START": next_visit},
        )
        storm_start = next_visit
        next_visit += visits_used(row["votes"])
        accepted_per_thread = row["votes"]["statuses"].get("s201", 0) // WRK_THREADS
        row["storm"] = wrk(
            "storm",
            port,
            args.duration,
            args.connections,
            {
                **common,
                "BENCH_VISIT_START": storm_start,
                "BENCH_STORM_VOTERS": max(1, min(2000, accepted_per_thread // VISIT)),
            },
        )
        row["leaderboard"] = wrk("leaderboard", port, args.duration, args.connections, common)
        base = row["bare"]["rps"]
        row["ratios"] = {k: row[k]["rps"] / base for k in CLOSED_LOOP}
        report["runs"].append(row)
        log(
            f"run {run + 1}: bare {base:.0f}/s; "
            + ", ".join(f"{k} {row[k]['rps']:.0f}/s ({row['ratios'][k]:.3f}×)" for k in CLOSED_LOOP)
        )
    for rate in paced_rates:
        # Latency at a realistic offered rate, not at saturation: with 64 closed-loop
        # connections, saturation latency is just 64 / throughput (Little's law).
        delay_ms = max(1, int(args.connections * 1000 / rate))
        paced = wrk(
            "votes",
            port,
            args.duration * 2,
            args.connections,
            {**common, "BENCH_VISIT_START": next_visit, "BENCH_DELAY_MS": delay_ms},
        )
        next_visit += visits_used(paced)
        report["paced"].append({**paced, "offered_rate": rate})
        log(
            f"paced votes: offered {rate}/s, answered {paced['rps']:.0f}/s, "
            f"p50 {paced['p50_ms']:.1f} ms, p90 {paced['p90_ms']:.1f} ms, "
            f"p99 {paced['p99_ms']:.1f} ms"
        )
    if next_visit > 3 * per_thread:
        # Three blocks of 6 rounds are the 18 (category, candidate) picks allowed a day.
        log(f"warning: {next_visit} visits per thread used: later votes may be refused")
    report["rss"] = {"app": worker_rss(proc), "bare": worker_rss(bare)}
    log(f"worker RSS: {report['rss']}")
    # Checked with the server stopped: gunicorn finishes the requests wrk left in flight.
    stop(bare)
    stop(proc)
    report["invariants"] = check_invariants(info["campaign"])
    log(f"invariants: {report['invariants']}")
    if args.preload:
        # Side by side: a copy of this database gets the past ballots and its own gunicorn
        # and Redis; the runs alternate empty / full so both see the same machine weather.
        log(f"copying the database and loading {args.preload:,} past ballots into the copy")
        clone_database(PG_DB, FULL_DB)
        preload(
            info["campaign"],
            info["candidates"],
            info["voter_ids"][0],
            args.preload,
            FULL_DB,
            FULL_REDIS_URL,
        )
        settle(PG_DB)
        full_port = free_port()
        proc = start_gunicorn(port, args.workers, args.threads, args.keep_alive)
        full_proc = start_gunicorn(
            full_port, args.workers, args.threads, args.keep_alive, FULL_DB, FULL_REDIS_URL
        )
        for p in (port, full_port):
            wrk("get", p, 3, args.connections, get("/api/v1/me", auth=True, **common))
        for run in range(args.runs):
            # The same voters and candidates on both sides: each is its own database.
            extra = {**common, "BENCH_VISIT_START": next_visit}
            order = [("empty", port), ("full", full_port)]
            if run % 2:
                order.reverse()
            row = {}
            for side, p in order:
                row[side] = wrk("votes", p, args.duration, args.connections, extra)
            next_visit += max(visits_used(r) for r in row.values())
            row["ratio"] = row["full"]["rps"] / row["empty"]["rps"]
            report["preloaded_runs"].append(row)
            log(
                f"side by side {run + 1}: empty {row['empty']['rps']:.0f}/s, "
                f"with {args.preload:,} ballots {row['full']['rps']:.0f}/s "
                f"(ratio {row['ratio']:.3f})"
            )
        report["rss"]["app_full"] = worker_rss(full_proc)
        stop(full_proc)
        stop(proc)
        report["invariants_before_preload"] = report["invariants"]
        report["invariants"] = check_invariants(info["campaign"])
        report["invariants_after_preload"] = check_invariants(
            info["campaign"], FULL_DB, FULL_REDIS_URL
        )
        log(f"invariants: {report['invariants']}; full copy: {report['invariants_after_preload']}")
    if args.cluster:
        next_visit = cluster_side_by_side(args, info, common, next_visit, report)
    if args.chaos:
        report["chaos"] = chaos_check(args, info, common, next_visit)
        log(f"close + rebuild + flush during load: {report['chaos']}")
    if gate_seconds > 0:
        from bench import gate

        log("the gate's cost: ballot INSERT with and without the campaign row's FOR KEY SHARE")
        report["gate"] = gate.measure(
            f"postgresql://postgres@127.0.0.1:5432/{PG_DB}",
            info["campaign"],
            args.workers * args.threads,
            args.runs,
            gate_seconds,
        )
        for n in (k for k in report["gate"] if k.isdigit()):
            g = report["gate"][n]
            log(
                f"gate, {n} client(s): INSERT alone {g['insert']['rate']:.0f}/s, with the read "
                f"{g['read']['rate']:.0f}/s, with FOR KEY SHARE {g['key_share']['rate']:.0f}/s "
                f"(lock {g['lock_ratio']:.3f}×, whole gate {g['gate_ratio']:.3f}×)"
            )


if __name__ == "__main__":
    main()
