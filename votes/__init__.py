"""六大员 public voting: campaigns, the Redis vote path, tallies, 公示 and objections, results,
anti-brushing, reminders.

The consistency design (issue 8). Tests: tests/votes/test_votes_faults.py, one per failure point.

Which store decides what
------------------------
* The database decides whether a ballot exists. Its unique constraints hold every per-day rule
  (seq per candidate, slot per category, once_key for the no-revote rule), and a gate at commit
  time holds the campaign's state: the ballot's own transaction reads the campaign row (and the
  candidate's) under a key-share lock - PostgreSQL `FOR KEY SHARE`, MariaDB `LOCK IN SHARE
  MODE`; SQLite's `BEGIN IMMEDIATE` serialises writers already - and refuses unless the
  campaign is open, inside its window and the candidate not withdrawn. Every status change
  (open, close, 公示, publish, withdraw, edits) first takes the row `FOR UPDATE`, which waits for
  the ballot transactions holding the share lock and holds new ones off until it commits. So no
  ballot is stored for a campaign that is not open when it commits, and close and publish see
  every ballot committed before them and none after (`cast_at` < `closed_at`). Why this gate:
  every ballot INSERT already takes this very lock for its foreign key to the campaign, so the
  gate adds one primary-key read and no new lock to contend on; a conditional INSERT ... SELECT
  without the lock is not enough under READ COMMITTED (it does not wait for a close in flight),
  and a campaign epoch would need the same lock to be read safely. On PostgreSQL the gate and
  the INSERT of an accepted vote are one statement (issue 28): a CTE reads the two rows
  `FOR KEY SHARE` with the conditions in its WHERE (a close in flight is waited for and its
  committed row re-checked) and feeds `INSERT ... SELECT ... RETURNING`; when the request's
  session holds no connection it runs alone on an autocommit connection of the pool, one round
  trip that is the INSERT and its COMMIT.
  When it inserts nothing, the two-statement gate runs to name the refusal. Voids take the same
  gate (409 campaign_locked from 公示 on), and objections take it against publish.
* Redis holds caches only: today's uses per voter, the live tallies, the campaign config. Each
  is equal to the database or known to every reader to be stale:
  - "built" means meta.built = 1 *and* meta.run = the run_id of the Redis process answering
    (checked inside every script), so a flush, a restart without data, a restart from an older
    RDB and a promoted replica all read as "not built" and the campaign is rebuilt first;
  - the database carries the stale mark (set when Redis could not be told of a ballot; in the
    campaign's own `vote_live_marks` row, read with the campaign as `Campaign.tallies_stale`)
    and `config_version` (bumped by every committee change; Redis keeps the version it holds);
    every read path (campaign page, leaderboard, verify-tallies) and every vote's gate reads
    them, and Redis is rebuilt - or the database counted - when Redis is stale or behind. The
    leaderboard reads them at most every LEADERBOARD_STATE_MAX_AGE seconds per process, and at
    once when Redis holds a newer config version (docs/votes.md);
* Committee changes reach Redis only after their commit (a session hook, `live.push_after_commit`,
  so any caller - API, console, CLI, the roster stream's `withdraw_person` - gets it); pushes
  carry the config version, so an older push never overwrites a newer one.
* A rebuild is fenced: it holds a lock (renewed while it runs), begin.lua marks the campaign not
  built and bumps a fence counter, and install.lua installs only if the lock is still its own and
  the fence unchanged (a committee push, an invalidation or another rebuild bumps it); otherwise
  it counts again. Votes wait for a live rebuild up to 10 s, and take the database path at once
  when the lock stopped being renewed (its holder died or lost Redis).

Every failure point of a vote, and what happens there
-----------------------------------------------------
1. vote.lua fails (Redis unreachable, or an error reply: OOM, READONLY, LOADING, MASTERDOWN,
   CLUSTERDOWN, TRYAGAIN): the database decides alone (gate + constraints), marks the campaign
   stale in the same transaction; the per-account limit is counted in process memory.
2. vote.lua says "not built": rebuild (or wait for the rebuilder); a stuck one: database path.
3. The gate refuses (Redis had not heard of a close or a withdrawal yet): undo.lua gives the
   use and the tally point back, the campaign is marked for rebuild in Redis, 409/404.
4. The INSERT hits a unique constraint (Redis had lost the voter's uses): undo, re-seed the
   voter's uses from the database, decide once more: the right 201 or 409.
5. A deadlock or serialization failure (`models.unit_of_work.is_transient`): nothing landed;
   on the Redis path undo gives the use back (no rebuild), and the whole vote runs again by the
   one retry rule (the request's unit of work, or `retrying` for a direct caller).
6. The COMMIT fails (connection cut, database gone): the ballot is looked up on a new
   connection; found (the answer was lost, not the commit): 201 and the tally stands. Not found,
   or the database cannot say: undo, and the campaign is marked for rebuild *in Redis* (the
   store that answers; the database may be the one that is down), then 503. If Redis fails at
   that moment too, this process remembers the campaign and marks it at its next Redis call.
7. After the commit, settle.lua: if a rebuild started since vote.lua (generation changed) or
   the gate saw the database row stale or ahead of Redis, the campaign is marked for rebuild.
   If Redis cannot be reached there, `tallies_stale` is set in the database, which just
   answered.
8. A committee change whose commit fails: Redis was not told, nothing to undo. One whose push
   fails after the commit: Redis is behind `config_version`; the gate still holds the status,
   and the next read or vote sees the lag and rebuilds.

Round three (issue 18): why the count cannot drift, and what heals it if it does
--------------------------------------------------------------------------------
* The stale mark and the rebuild serialise on the campaign row. A database-path ballot sets
  the mark inside its own transaction, after its gate took the campaign row under a share lock;
  the rebuild takes the campaign row FOR UPDATE before it clears the mark (`clear_stale`), which
  waits for every ballot transaction past its gate. So either the ballot committed before the
  rebuild cleared the mark (the count, read after the clear, sees it), or its gate came after
  the clear (its mark is set again after the rebuild: the next read rebuilds). The mark used to
  be set by an UPDATE that matched no row when the flag was already true, took no lock, and let
  a PostgreSQL rebuild install a count missing an uncommitted ballot (#1).
* The mark lives in a row of its own (`vote_live_marks`), not in the campaign row: writing the
  campaign row would upgrade the gate's share lock, and on MariaDB two ballots doing so
  deadlocked (#4). Ballots take the campaign row (S), then the mark row (X); the rebuild takes
  the campaign row (X), then the mark row: one order, no cycle.
* A use is spent only by a committed ballot. vote.lua records a use before the COMMIT, and an
  undo may not run (the process died, or the live state was rebuilt meanwhile, so undo.lua's
  generation check refuses). So a refusal by vote.lua (`already_voted`, `quota_used`) is
  checked against the committed ballots before it is answered; a use the ballots do not back
  is given back (`reset_usage.lua` sets the voter's uses to exactly the database's) and the
  vote is decided again. A rebuild recomputes today's uses (and the no-revote hash) from the
  ballots instead of only raising them. Over-counting stays impossible either way: a use given
  back too early meets the ballots' unique slot constraints at INSERT (#2, #3).
* What Redis counted without a ballot (a worker killed between vote.lua and its COMMIT) is
  found by the reconciler (`votes.reconcile`, the `votes-reconcile` job every minute, and
  `flask votes verify-tallies` by hand): database first, then Redis; an excess in Redis counts
  only if it is still the same after the votes in flight had time to commit; a difference is
  repaired through the fenced rebuild and counted (the console's 自动校正 N 次).
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """Push committed committee changes to Redis (session listeners, once per process), tell
    media/ what candidate photos are used for, and check Redis's eviction policy (warn in
    development, refuse to start in production unless `noeviction`)."""
    from jobs.schedule import periodic
    from votes import share
    from votes.live import policy, push

    push.install_listeners()
    share.register_photo_owner()
    periodic("votes-remind-non-voters", "votes.jobs.remind_job", cron="0 12 * * *")
    periodic("votes-reconcile", "votes.jobs.reconcile_job", every=60)

    from notifications import todo
    from votes.queries import objections_to_answer_count

    todo.register(
        "objections_to_answer", "待答复的异议", "pages/vote/objections", objections_to_answer_count
    )

    if not app.extensions.get("votes_policy_checked"):
        app.extensions["votes_policy_checked"] = True
        policy.check_eviction_policy(app)
