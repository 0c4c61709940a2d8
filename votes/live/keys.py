"""The Redis keys of a campaign's live state, and how long the per-voter ones live.

Keys of one campaign share the hash tag `{vc:<id>}` so that every script runs on Redis Cluster:

    {vc:42}:meta          hash   built, run, gen, cfgv, status, starts, ends, mine, rules, hide
    {vc:42}:cand          hash   active candidate id -> category
    {vc:42}:info          hash   candidate id -> JSON {name, unit}
    {vc:42}:tally         zset   candidate id -> non-voided ballots
    {vc:42}:u:<day>:<v>   hash   one voter's uses of one day: c:<candidate> -> seq, k:<cat> -> slot
    {vc:42}:o:<v>         hash   one voter's candidates for the campaign (no-revote rule)
    {vc:42}:lock          string the rebuild lock (token), renewed while the rebuild runs
    {vc:42}:fence         int    bumped by every rebuild start, committee push and invalidation
"""

from __future__ import annotations

from datetime import date, datetime

USAGE_TTL = 2 * 24 * 3600


def tag(campaign_id: int) -> str:
    return f"{{vc:{campaign_id}}}"


def meta_key(campaign_id: int) -> str:
    return f"{tag(campaign_id)}:meta"


def cand_key(campaign_id: int) -> str:
    return f"{tag(campaign_id)}:cand"


def info_key(campaign_id: int) -> str:
    return f"{tag(campaign_id)}:info"


def tally_key(campaign_id: int) -> str:
    return f"{tag(campaign_id)}:tally"


def fence_key(campaign_id: int) -> str:
    return f"{tag(campaign_id)}:fence"


def usage_key(campaign_id: int, day: date, voter_id: int) -> str:
    return f"{tag(campaign_id)}:u:{day:%Y%m%d}:{voter_id}"


def usage_pattern(campaign_id: int, day: date) -> str:
    """SCAN pattern of every voter's uses of one day (the hash tag's braces escaped)."""
    return f"\\{{vc:{campaign_id}\\}}:u:{day:%Y%m%d}:*"


def once_pattern(campaign_id: int) -> str:
    return f"\\{{vc:{campaign_id}\\}}:o:*"


def once_key(campaign_id: int, voter_id: int) -> str:
    return f"{tag(campaign_id)}:o:{voter_id}"


def lock_key(campaign_id: int) -> str:
    return f"{tag(campaign_id)}:lock"


def rate_key(campaign_id: int, kind: str, who: str | int, now: datetime) -> str:
    """A per-minute counter (fixed window) of one account's or IP's attempts."""
    return f"{tag(campaign_id)}:r:{kind}:{who}:{int(now.timestamp()) // 60}"


def vote_keys(campaign_id: int, day: date, voter_id: int) -> list[str]:
    """The five keys vote.lua and undo.lua take."""
    return [
        meta_key(campaign_id),
        cand_key(campaign_id),
        tally_key(campaign_id),
        usage_key(campaign_id, day, voter_id),
        once_key(campaign_id, voter_id),
    ]


def state_keys(campaign_id: int) -> list[str]:
    """The campaign's meta, candidates and info: what a rebuild or a committee push writes."""
    return [meta_key(campaign_id), cand_key(campaign_id), info_key(campaign_id)]


def once_ttl(campaign_ends_at: datetime, now: datetime) -> int:
    return max(int((campaign_ends_at - now).total_seconds()), 0) + USAGE_TTL
