"""What media/ knows of the domains that own uploads, registered by them at init: per upload
purpose ("wish", "candidate", ...), what the photo is used for (the words people are told, the
page to open, the branch that manages it) and what else to take down when it is withdrawn.
Also the notifier media/ tells people through (the outbox's `notify`, given at init).

So media/ never imports a domain, and a new domain with photos registers an owner of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from models import Upload
from people import branch_of


@dataclass(frozen=True)
class Use:
    what: str  # 心愿「…」的圆梦照片, in the messages people get
    page: str | None  # the mini-program page to open from a message
    branch_id: int | None  # whose secretaries judge it
    anonymous: bool = False  # its uploader is named to the committee only (an anonymous report)


@dataclass(frozen=True)
class Owner:
    describe: Callable[[Upload], Use | None]  # None: not attached to anything (yet)
    withdrawn: Callable[[Upload], None] | None = None  # take the photo down where it is shown


Notify = Callable[[int, str, dict[str, Any], str | None], Any]

_owners: dict[str, Owner] = {}
_notifier: list[Notify] = []


def register(purpose: str, owner: Owner) -> None:
    """Say what uploads of this purpose are for (idempotent: tests build several apps)."""
    _owners[purpose] = owner


def set_notifier(notify: Notify) -> None:
    """The function media/ tells people through (once per process)."""
    _notifier[:] = [notify]


def use_of(upload: Upload) -> Use:
    """What an upload is used for; a photo attached to nothing yet is just an uploaded photo."""
    owner = _owners.get(upload.purpose)
    use = owner.describe(upload) if owner is not None else None
    return use or Use("上传的照片", None, branch_of(upload.owner))


def withdrawn(upload: Upload) -> None:
    """Let the upload's owner take the photo down wherever it shows it."""
    owner = _owners.get(upload.purpose)
    if owner is not None and owner.withdrawn is not None:
        owner.withdrawn(upload)


def notify(person_id: int, kind: str, data: dict[str, Any], page: str | None = None) -> None:
    """Queue a message to a person in the current unit of work."""
    if not _notifier:
        raise RuntimeError("media.init_app was not given a notifier")
    _notifier[0](person_id, kind, data, page)
