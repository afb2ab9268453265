"""A group shared by several workspaces: one-time link codes, joining with one, leaving, and each
workspace's own topic channel. Every change is audited on the group."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from storage import groups
from storage.db import waiting_for_the_group
from storage.groups import BOT, short_key
from storage.models import AuditEntry, Group, GroupLink, LinkCode

CODE_LIFETIME = timedelta(hours=24)
# Letters and digits that cannot be mistaken for one another when read aloud or retyped.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_GROUPS, CODE_GROUP_LENGTH = 3, 4


class JoinRefused(ValueError):
    """Why a workspace cannot join the group: `reason` is one of the names below."""

    ALREADY = "already linked"
    NAME_TAKEN = "short name taken"

    def __init__(self, reason: str, group: Group) -> None:
        super().__init__(reason)
        self.reason = reason
        self.group = group


def _hash(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def normalize_code(code: str) -> str:
    """As the code is compared: case, spaces and hyphens do not matter."""
    return "".join(c for c in code.upper() if c.isalnum())


def looks_like_code(code: str) -> bool:
    normalized = normalize_code(code)
    return len(normalized) == CODE_GROUPS * CODE_GROUP_LENGTH and all(c in _ALPHABET for c in normalized)


def new_code(
    *, session: Session, group: Group, team_id: str, user_id: str, now: datetime, action: str
) -> str:
    """A fresh code for the group, valid CODE_LIFETIME; the one given before no longer works. Only its
    hash is stored, and the log says that a code was made, never the code."""
    assert group.id is not None
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP_LENGTH))
    code = "-".join(raw[i : i + CODE_GROUP_LENGTH] for i in range(0, len(raw), CODE_GROUP_LENGTH))
    session.execute(delete(LinkCode).where(col(LinkCode.group_id) == group.id))
    session.add(
        LinkCode(
            group_id=group.id,
            code_hash=_hash(code),
            team_id=team_id,
            user_id=user_id,
            expires_at=now + CODE_LIFETIME,
        )
    )
    groups.audit(
        session,
        group,
        team_id,
        user_id,
        now,
        action,
        None,
        {"link code": "made", "expires": str(now + CODE_LIFETIME)},
    )
    return code


def use_code(*, session: Session, code: str, now: datetime) -> Group | None:
    """The group a code (still valid) was made for; the code is used up with this transaction. Of two
    workspaces joining with one code at once, the second finds it gone (PostgreSQL makes it wait for
    the first's delete; SQLite has one writer)."""
    with waiting_for_the_group(session.connection()):
        used = session.execute(
            delete(LinkCode)
            .where(col(LinkCode.code_hash) == _hash(code), col(LinkCode.expires_at) > now)
            .returning(col(LinkCode.group_id))
        ).first()
    return session.get(Group, used[0]) if used is not None else None


def _untouched(session: Session, group: Group) -> bool:
    """Whether only the bot ever wrote to the group (the built-in record a new workspace starts with)
    and no other workspace sees it."""
    assert group.id is not None
    if len(groups.teams_of(session=session, group_id=group.id)) > 1:
        return False
    by_people = session.exec(
        select(AuditEntry.id).where(col(AuditEntry.group_id) == group.id, col(AuditEntry.user_id) != BOT)
    ).first()
    return by_people is None


def join(
    *, session: Session, team_id: str, group: Group, user_id: str, now: datetime, action: str
) -> Group | None:
    """Links the workspace to the group (whose code it used). A group of the same short name that the
    workspace started with and nobody changed gives way (it is removed, and the group joined takes its
    place); returns it, or None. JoinRefused otherwise."""
    assert group.id is not None
    workspace = groups.lock_workspace(session=session, team_id=team_id)
    if any(g.id == group.id for g in workspace):
        raise JoinRefused(JoinRefused.ALREADY, group)
    key = short_key(group.short_name)
    clash = next((g for g in workspace if short_key(g.short_name) == key), None)
    replaced = None
    was_default = bool(workspace) and workspace[0].id == (clash.id if clash else None)
    if clash is not None:
        if not _untouched(session, clash):
            raise JoinRefused(JoinRefused.NAME_TAKEN, clash)
        groups.remove_group(
            session=session, team_id=team_id, group=clash, user_id=user_id, now=now, action=action
        )
        replaced = clash
        if was_default:
            session.execute(
                update(GroupLink).where(col(GroupLink.team_id) == team_id).values(is_default=False)
            )
    has_default = groups.default_group(session=session, team_id=team_id) is not None
    session.add(GroupLink(team_id=team_id, group_id=group.id, short_key=key, is_default=not has_default))
    session.flush()
    groups.audit(
        session, group, team_id, user_id, now, action, None, {"workspace": team_id, "link": "joined"}
    )
    return replaced


def set_topic_channel(
    *,
    session: Session,
    team_id: str,
    group: Group,
    channel_id: str | None,
    user_id: str,
    now: datetime,
    action: str,
) -> None:
    """The workspace's channel whose topic follows the group's handovers (None: none)."""
    assert group.id is not None
    link = groups.link_of(session=session, team_id=team_id, group_id=group.id)
    if link is None:
        raise LookupError(f"workspace {team_id} does not see group {group.id}")
    before = link.topic_channel
    link.topic_channel = channel_id
    session.add(link)
    session.flush()
    groups.audit(
        session,
        group,
        team_id,
        user_id,
        now,
        action,
        {"topic_channel": before},
        {"topic_channel": channel_id},
    )
