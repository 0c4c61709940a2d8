"""The principal cache's shared level in Redis: a principal as JSON (columns written from the
mapper, so a new column cannot be forgotten) and detached rows rebuilt from it without SQL.
The design is in accounts/principal_cache.py."""

from __future__ import annotations

import json
import time
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.types import TypeDecorator

from accounts.principal import Principal
from models import Account, AuthSession, Branch, Person, Unit

SNAPSHOT_VERSION = 1


def _columns_of(model: type) -> tuple[tuple[str, type], ...]:
    """(attribute, python type) of every mapped column: a new column is in the snapshot too."""
    out = []
    for key, column in inspect(model).columns.items():
        sql_type = column.type
        while isinstance(sql_type, TypeDecorator):  # UTCDateTime: a datetime, read back aware
            sql_type = sql_type.impl_instance
        python_type = sql_type.python_type
        if python_type not in (int, str, bool, datetime, date):
            raise TypeError(f"{model.__name__}.{key}: {python_type} is not in the snapshot codec")
        out.append((key, python_type))
    return tuple(out)


COLUMNS = {model: _columns_of(model) for model in (Account, Person, Unit, Branch)}


def _encode(value: Any) -> Any:
    if isinstance(value, date):  # datetime too: isoformat keeps the offset (or its absence)
        return value.isoformat()
    return value


def _decode(value: Any, python_type: type) -> Any:
    if value is None:
        return None
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    if type(value) is not python_type:
        raise TypeError(f"{value!r} is not a {python_type.__name__}")
    return value


def row_json(obj: Any) -> dict[str, Any]:
    """A loaded row's columns, as the snapshot stores them."""
    return {key: _encode(getattr(obj, key)) for key, _ in COLUMNS[type(obj)]}


def row_of(model: type, values: dict[str, Any], **relations: Any) -> Any:
    """A detached row rebuilt from row_json's output (no SQL), with the given relationships."""
    columns = COLUMNS[model]
    if set(values) != {key for key, _ in columns}:
        raise ValueError(f"{model.__name__}: the snapshot has other columns")
    obj = model(**{key: _decode(values[key], python_type) for key, python_type in columns})
    for key, value in relations.items():
        setattr(obj, key, value)
    make_transient_to_detached(obj)
    return obj


def snapshot_json(
    keys: list[str], session: AuthSession, p: Principal, is_console: bool | None
) -> str:
    """The shared level's JSON for a principal just read from the database (fill.lua adds the
    epochs and the run_id of the server it writes to)."""
    person = session.account.person
    return json.dumps(
        {
            "v": SNAPSHOT_VERSION,
            "keys": keys,
            "filled_at": time.time(),
            "expires_at": session.expires_at.isoformat(),
            "console": is_console,
            "left": p.left,
            "roles": list(p.roles),
            "secretary_of": list(p.secretary_of),
            "committee_of": list(p.committee_of),
            "account": row_json(session.account),
            "person": row_json(person) if person is not None else None,
            "unit": row_json(person.unit) if person is not None else None,
            "branch": row_json(person.branch)
            if person is not None and person.branch is not None
            else None,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _copy(obj: Any, **relations: Any) -> Any:
    """A detached copy of a loaded row (its columns, and the given relationships)."""
    mapper = inspect(obj).mapper
    copy = mapper.class_(**{a.key: getattr(obj, a.key) for a in mapper.column_attrs})
    for key, value in relations.items():
        setattr(copy, key, value)
    make_transient_to_detached(copy)
    return copy


def detached_account(account: Account) -> Account:
    person = account.person
    person_copy = None
    if person is not None:
        unit = _copy(person.unit)
        branch = _copy(person.branch) if person.branch is not None else None
        person_copy = _copy(person, unit=unit, branch=branch)
    return _copy(account, person=person_copy)
