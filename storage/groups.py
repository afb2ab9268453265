"""Groups and the workspaces that see them: every query and write of `group` and `grouplink`.

A workspace sees its groups through links; within a workspace each group has a short name (unique
whatever its case) and one group is the default, the one a command without a group name goes to.
The command line works in the workspace `local`; the first Slack workspace the bot hears from takes
over the groups prepared there."""

import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, update
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from storage import queries
from storage.models import Delivery, Group, GroupLink, Subscription

# The command line's workspace: groups prepared there belong to no Slack workspace yet.
LOCAL = "local"
# The audit log's name for what the bot does on its own.
BOT = "gmg-bot"
SHORT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,29}")
SHORT_NAME_FORM = "a letter, then letters, digits or hyphens, 30 at most, e.g. `GFMD` or `EU-Council`"
# The words of the /gmg language, which a short name may not be; set by the command registry.
_reserved: set[str] = set()


class ShortNameError(ValueError):
    """A short name commands could not take; the message says why and the accepted form."""


def reserve_words(words: Iterable[str]) -> None:
    _reserved.update(w.lower() for w in words)


def is_reserved(value: str) -> bool:
    return value.lower() in _reserved


def check_short_name(value: str) -> str:
    if not SHORT_NAME.fullmatch(value):
        raise ShortNameError(f"`{value[:40]}` is not a short name: use {SHORT_NAME_FORM}")
    if value.lower() in _reserved:
        raise ShortNameError(f"`{value}` is a /gmg command word; choose another short name")
    return value


def short_key(short_name: str) -> str:
    return short_name.lower()


# Reading


def workspace_groups(*, session: Session, team_id: str) -> list[Group]:
    """The workspace's groups, the default first, then by short name."""
    rows = session.exec(
        select(Group, GroupLink.is_default)
        .join(GroupLink, col(GroupLink.group_id) == col(Group.id))
        .where(col(GroupLink.team_id) == team_id)
        .order_by(col(GroupLink.is_default).desc(), col(GroupLink.short_key))
    ).all()
    return [group for group, _ in rows]


def default_group(*, session: Session, team_id: str) -> Group | None:
    return session.exec(
        select(Group)
        .join(GroupLink, col(GroupLink.group_id) == col(Group.id))
        .where(col(GroupLink.team_id) == team_id, col(GroupLink.is_default))
    ).first()


def find_group(*, session: Session, team_id: str, short_name: str) -> Group | None:
    """The workspace's group of this short name, whatever its case."""
    return session.exec(
        select(Group)
        .join(GroupLink, col(GroupLink.group_id) == col(Group.id))
        .where(col(GroupLink.team_id) == team_id, col(GroupLink.short_key) == short_key(short_name))
    ).first()


# Built once: read on every slash command, before anything else.
_CLOCKS = (
    sql_select(
        col(GroupLink.short_key),
        col(GroupLink.is_default),
        col(Group.id),
        col(Group.version),
        col(Group.timezone),
        col(Group.handover_time),
    )
    .join(Group, col(Group.id) == col(GroupLink.group_id))
    .where(col(GroupLink.team_id) == bindparam("team_id"))
    .order_by(col(GroupLink.short_key))
)
Clock = tuple[str, bool, int, int, str, str]


def workspace_clocks(*, connection: Connection, team_id: str) -> list[Clock]:
    """Each group of the workspace as (short key, is default, id, data version, timezone, handover
    time), in one indexed read."""
    return [
        (r[0], r[1], r[2] or 0, r[3], r[4], r[5]) for r in connection.execute(_CLOCKS, {"team_id": team_id})
    ]


def all_group_ids(*, session: Session) -> list[int]:
    return [i for i in session.exec(select(col(Group.id)).order_by(col(Group.id))) if i is not None]


def teams_of(*, session: Session, group_id: int) -> list[str]:
    """The workspaces that see the group, its home first."""
    return list(
        session.exec(
            select(GroupLink.team_id)
            .where(col(GroupLink.group_id) == group_id)
            .order_by(col(GroupLink.is_home).desc(), col(GroupLink.team_id))
        )
    )


def links_of(*, session: Session, group_id: int) -> list[GroupLink]:
    """The group's links, its home first."""
    return list(
        session.exec(
            select(GroupLink)
            .where(col(GroupLink.group_id) == group_id)
            .order_by(col(GroupLink.is_home).desc(), col(GroupLink.team_id))
        )
    )


def name_taken_elsewhere(*, session: Session, group_id: int, short_name: str) -> str | None:
    """A workspace that sees the group and calls another of its groups `short_name`, if any."""
    other = GroupLink.__table__.alias("other")  # type: ignore[attr-defined]
    return session.exec(
        select(GroupLink.team_id)
        .join(other, other.c.team_id == col(GroupLink.team_id))
        .where(
            col(GroupLink.group_id) == group_id,
            other.c.group_id != group_id,
            other.c.short_key == short_key(short_name),
        )
    ).first()


def link_of(*, session: Session, team_id: str, group_id: int) -> GroupLink | None:
    return session.get(GroupLink, (team_id, group_id))


def list_team_ids(*, session: Session) -> list[str]:
    return list(session.exec(select(GroupLink.team_id).distinct().order_by(col(GroupLink.team_id))))


class SeveralWorkspaces(ValueError):
    """No workspace was named and the database serves more than one; the message lists them."""


def chosen_team_id(*, session: Session, team_id: str) -> str | None:
    """The workspace meant: `team_id` when given, else the only one in the database, else None;
    SeveralWorkspaces when there are several and none was named."""
    if team_id:
        return team_id
    teams = list_team_ids(session=session)
    if len(teams) > 1:
        raise SeveralWorkspaces(", ".join(teams))
    return teams[0] if teams else None


# Writing; each change is audited on the group it concerns.


def audit(
    session: Session,
    group: Group,
    team_id: str,
    user_id: str,
    now: datetime,
    action: str,
    before: object,
    after: object,
) -> None:
    """A change of the group, in its audit log (which also re-plans its deliveries)."""
    assert group.id is not None
    queries.add_audit_entry(
        session=session,
        group_id=group.id,
        team_id=team_id,
        at=now,
        user_id=user_id,
        action=action,
        before=before,
        after=after,
    )


def lock_workspace(*, session: Session, team_id: str) -> list[Group]:
    """Takes the workspace's groups for this transaction, and returns them as they now are: a change
    of which groups it has, or of which is the default, waits here for another in progress (PostgreSQL
    locks the rows; SQLite's one writer is taken), so that two such changes at once cannot together
    leave it without a group or without a default."""
    session.execute(
        update(GroupLink)
        .where(col(GroupLink.team_id) == team_id)
        .values(is_default=col(GroupLink.is_default))
    )
    session.expire_all()
    return workspace_groups(session=session, team_id=team_id)


def add_group(
    *,
    session: Session,
    team_id: str,
    group: Group,
    user_id: str,
    now: datetime,
    action: str,
    default: bool | None = None,
) -> Group:
    """Adds a group seen by the workspace; it becomes the default when the workspace has none (or when
    `default` says so). The database refuses a short name the workspace already uses, and a second
    default (IntegrityError)."""
    session.add(group)
    session.flush()
    assert group.id is not None
    if default is None:
        default = default_group(session=session, team_id=team_id) is None
    session.add(
        GroupLink(
            team_id=team_id,
            group_id=group.id,
            short_key=short_key(group.short_name),
            is_default=default,
            is_home=True,
        )
    )
    session.flush()
    audit(
        session,
        group,
        team_id,
        user_id,
        now,
        action,
        None,
        {"short_name": group.short_name, "name": group.name},
    )
    return group


def rename_group(
    *, session: Session, team_id: str, group: Group, short_name: str, user_id: str, now: datetime, action: str
) -> None:
    before = group.short_name
    group.short_name = short_name
    session.add(group)
    session.execute(
        update(GroupLink).where(col(GroupLink.group_id) == group.id).values(short_key=short_key(short_name))
    )
    session.flush()
    audit(session, group, team_id, user_id, now, action, {"short_name": before}, {"short_name": short_name})


def set_default_group(
    *, session: Session, team_id: str, group: Group, user_id: str, now: datetime, action: str
) -> None:
    before = default_group(session=session, team_id=team_id)
    # Two statements, the old default unset first: the database allows one default per workspace.
    session.execute(
        update(GroupLink)
        .where(col(GroupLink.team_id) == team_id, col(GroupLink.is_default))
        .values(is_default=False)
    )
    session.execute(
        update(GroupLink)
        .where(col(GroupLink.team_id) == team_id, col(GroupLink.group_id) == group.id)
        .values(is_default=True)
    )
    session.flush()
    audit(
        session,
        group,
        team_id,
        user_id,
        now,
        action,
        {"default": before.short_name if before else None},
        {"default": group.short_name},
    )


def remove_group(
    *, session: Session, team_id: str, group: Group, user_id: str, now: datetime, action: str
) -> None:
    """Takes the group out of the workspace, with the workspace's subscriptions to it; a group no
    workspace sees any more is deleted with all its data (its audit entries stay, unowned). If it was
    the default, the next group by short name is."""
    was_default = default_group(session=session, team_id=team_id)
    audit(
        session,
        group,
        team_id,
        user_id,
        now,
        action,
        {"short_name": group.short_name, "name": group.name},
        None,
    )
    # The workspace's channels stop getting the group's posts (the other workspaces' keep them).
    session.execute(
        delete(Subscription).where(
            col(Subscription.group_id) == group.id, col(Subscription.team_id) == team_id
        )
    )
    session.execute(
        delete(GroupLink).where(col(GroupLink.team_id) == team_id, col(GroupLink.group_id) == group.id)
    )
    # A group the home workspace leaves while others see it keeps no home: no workspace's Slack admins
    # become its admins without the group's admins deciding it (`admin add`).
    if not teams_of(session=session, group_id=group.id or 0):
        session.delete(group)
    session.flush()
    rest = workspace_groups(session=session, team_id=team_id)
    if was_default is not None and was_default.id == group.id and rest:
        session.execute(
            update(GroupLink)
            .where(col(GroupLink.team_id) == team_id, col(GroupLink.group_id) == rest[0].id)
            .values(is_default=True)
        )
        session.flush()


def take_over_unclaimed(*, session: Session, team_id: str, now: datetime) -> list[Group]:
    """The first Slack workspace takes over the groups prepared with the command line (in `local`),
    once: their links move to it, audited. Returns them; none when there are none or another
    workspace took them first."""
    # Looked for first: the update would take the write lock even when there is nothing to move.
    if session.exec(select(GroupLink.group_id).where(col(GroupLink.team_id) == LOCAL)).first() is None:
        return []
    moved = session.execute(
        update(GroupLink)
        .where(col(GroupLink.team_id) == LOCAL)
        .values(team_id=team_id)
        .returning(col(GroupLink.group_id))
    ).all()
    ids = [row[0] for row in moved]
    # Their channels and the posts planned for them are the new workspace's now: its token posts them.
    for table in (Subscription, Delivery):
        session.execute(
            update(table)
            .where(col(table.group_id).in_(ids), col(table.team_id) == LOCAL)
            .values(team_id=team_id)
        )
    taken = [g for g in (session.get(Group, group_id) for group_id in ids) if g is not None]
    for group in taken:
        audit(
            session,
            group,
            team_id,
            BOT,
            now,
            f"take over from {LOCAL}",
            {"workspace": LOCAL},
            {"workspace": team_id},
        )
    return taken
