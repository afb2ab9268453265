"""Every query of gmg-bot. Keyword-only functions, each scoped by workspace (`team_id`)."""

import secrets
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, CursorResult, bindparam, delete, update
from sqlmodel import Session, SQLModel, col, func, select

from storage import replanning
from storage.models import (
    Admin,
    AuditEntry,
    Group,
    Member,
    ReminderLead,
    RotationEntry,
    Subscription,
    Term,
)

TEAM_TABLES: tuple[type[Any], ...] = (
    Member,
    Term,
    RotationEntry,
    ReminderLead,
    Subscription,
    Admin,
)


def get_group(*, session: Session, team_id: str) -> Group | None:
    return session.get(Group, team_id)


# Built once: read on every slash command, before anything else.
_GROUP_CLOCK = select(Group.version, Group.timezone, Group.handover_time).where(
    col(Group.team_id) == bindparam("team_id")
)


def group_clock(*, connection: Connection, team_id: str) -> tuple[int, str, str] | None:
    """The group's data version, timezone and handover time, in one indexed read; None if no group."""
    row = connection.execute(_GROUP_CLOCK, {"team_id": team_id}).first()
    return None if row is None else (row[0], row[1], row[2])


def list_team_ids(*, session: Session) -> list[str]:
    return list(session.exec(select(Group.team_id).order_by(Group.team_id)))


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


def delete_group_data(*, session: Session, team_id: str) -> None:
    """Removes everything of a workspace but its audit log and its group row."""
    for table in TEAM_TABLES:
        session.execute(delete(table).where(table.team_id == team_id))


# The calendar feed's key


def calendar_key(*, session: Session, team_id: str, renew: bool = False) -> str:
    """The workspace's calendar key, made on first use (or anew with `renew`); the caller commits.

    Made by a conditional update, so that two requests that both find no key agree on one; a key
    that exists is only read (the App Home asks on every view)."""
    read = select(Group.calendar_key).where(Group.team_id == team_id)
    if not renew:
        key = session.exec(read).first()
        if key is not None:
            return key
    condition = [col(Group.team_id) == team_id]
    if not renew:
        condition.append(col(Group.calendar_key).is_(None))
    session.execute(update(Group).where(*condition).values(calendar_key=secrets.token_urlsafe(24)))
    key = session.exec(read).first()
    if key is None:
        raise LookupError(f"workspace {team_id} has no group")
    return key


def team_for_calendar_key(*, session: Session, key: str) -> str | None:
    if not key:
        return None
    return session.exec(select(Group.team_id).where(Group.calendar_key == key)).first()


# Members


def list_members(*, session: Session, team_id: str) -> Sequence[Member]:
    return session.exec(select(Member).where(Member.team_id == team_id).order_by(Member.code)).all()


def get_member(*, session: Session, team_id: str, code: str) -> Member | None:
    return session.exec(select(Member).where(Member.team_id == team_id, Member.code == code)).first()


# Terms


def term_on_or_before(*, session: Session, team_id: str, day: date) -> Term | None:
    """The term that starts on `day` or most recently before it (it may have ended)."""
    return session.exec(
        select(Term)
        .where(Term.team_id == team_id, Term.first_day <= day)
        .order_by(col(Term.first_day).desc())
        .limit(1)
    ).first()


def term_after(*, session: Session, team_id: str, day: date) -> Term | None:
    """The first term that starts after `day`."""
    return session.exec(
        select(Term)
        .where(Term.team_id == team_id, Term.first_day > day)
        .order_by(col(Term.first_day))
        .limit(1)
    ).first()


def current_or_next_term(*, session: Session, team_id: str, day: date) -> Term | None:
    """The decided term covering `day`, or else the first one after it."""
    term = term_on_or_before(session=session, team_id=team_id, day=day)
    if term is not None and term.last_day >= day:
        return term
    return term_after(session=session, team_id=team_id, day=day)


def last_term(*, session: Session, team_id: str) -> Term | None:
    return session.exec(
        select(Term).where(Term.team_id == team_id).order_by(col(Term.first_day).desc()).limit(1)
    ).first()


def terms_overlapping(*, session: Session, team_id: str, first: date, last: date) -> Sequence[Term]:
    return session.exec(
        select(Term)
        .where(Term.team_id == team_id, Term.first_day <= last, Term.last_day >= first)
        .order_by(col(Term.first_day))
    ).all()


def terms_starting_after(*, session: Session, team_id: str, day: date, limit: int) -> Sequence[Term]:
    return session.exec(
        select(Term)
        .where(Term.team_id == team_id, Term.first_day > day)
        .order_by(col(Term.first_day))
        .limit(limit)
    ).all()


def terms_ended_before(*, session: Session, team_id: str, day: date, limit: int) -> Sequence[Term]:
    """Past terms, newest first."""
    return session.exec(
        select(Term)
        .where(Term.team_id == team_id, Term.last_day < day)
        .order_by(col(Term.first_day).desc())
        .limit(limit)
    ).all()


class ConcurrentChange(Exception):
    """Rows read a moment ago were changed or removed by another transaction since."""


def delete_terms(*, session: Session, terms: Sequence[Term]) -> None:
    """Removes exactly these terms; ConcurrentChange if another change removed one of them first (two
    admins clearing the same term at once must not both be told they cleared it)."""
    ids = [t.id for t in terms]
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        delete(Term).where(col(Term.id).in_(ids)).execution_options(synchronize_session="fetch")
    )
    if result.rowcount != len(ids):
        raise ConcurrentChange(f"{len(ids) - result.rowcount} of the terms were removed meanwhile")


def list_terms(*, session: Session, team_id: str) -> Sequence[Term]:
    return session.exec(select(Term).where(Term.team_id == team_id).order_by(col(Term.first_day))).all()


# Rotation, reminder lead times, subscriptions, admins


def get_rotation(*, session: Session, team_id: str) -> list[str]:
    return list(
        session.exec(
            select(RotationEntry.code)
            .where(RotationEntry.team_id == team_id)
            .order_by(col(RotationEntry.position))
        )
    )


def set_rotation(*, session: Session, team_id: str, codes: Sequence[str]) -> None:
    session.execute(delete(RotationEntry).where(col(RotationEntry.team_id) == team_id))
    session.add_all(RotationEntry(team_id=team_id, position=i, code=code) for i, code in enumerate(codes))


def get_lead_seconds(*, session: Session, team_id: str) -> list[int]:
    """Lead times before each handover, longest first."""
    return list(
        session.exec(
            select(ReminderLead.seconds)
            .where(ReminderLead.team_id == team_id)
            .order_by(col(ReminderLead.seconds).desc())
        )
    )


def set_lead_seconds(*, session: Session, team_id: str, seconds: Sequence[int]) -> None:
    session.execute(delete(ReminderLead).where(col(ReminderLead.team_id) == team_id))
    session.add_all(ReminderLead(team_id=team_id, seconds=s) for s in sorted(set(seconds)))


def save(*, session: Session, record: SQLModel) -> None:
    """Writes a new or changed row (a term, a member, the group) within the caller's transaction."""
    session.add(record)
    session.flush()


def set_channel_kinds(*, session: Session, team_id: str, channel_id: str, kinds: Sequence[str]) -> None:
    """What one channel follows, exactly `kinds` (none: unsubscribed)."""
    session.execute(
        delete(Subscription).where(
            col(Subscription.team_id) == team_id, col(Subscription.channel_id) == channel_id
        )
    )
    session.add_all(Subscription(team_id=team_id, channel_id=channel_id, kind=k) for k in sorted(set(kinds)))
    session.flush()


def set_admins(*, session: Session, team_id: str, user_ids: Sequence[str]) -> None:
    """The admins added with `/gmg admin add`, exactly `user_ids`."""
    session.execute(delete(Admin).where(col(Admin.team_id) == team_id))
    session.add_all(Admin(team_id=team_id, user_id=u) for u in sorted(set(user_ids)))
    session.flush()


def list_subscriptions(*, session: Session, team_id: str) -> Sequence[Subscription]:
    return session.exec(
        select(Subscription)
        .where(Subscription.team_id == team_id)
        .order_by(col(Subscription.channel_id), col(Subscription.kind))
    ).all()


def list_admins(*, session: Session, team_id: str) -> list[str]:
    return list(
        session.exec(select(Admin.user_id).where(Admin.team_id == team_id).order_by(col(Admin.user_id)))
    )


def is_listed_admin(*, session: Session, team_id: str, user_id: str) -> bool:
    return session.get(Admin, (team_id, user_id)) is not None


# Audit log


def add_audit_entry(
    *, session: Session, team_id: str, at: datetime, user_id: str, action: str, before: Any, after: Any
) -> int:
    """Records a change and raises the group's version, so that cached answers are computed anew;
    the deliveries of the workspace are re-planned before the transaction commits."""
    entry = AuditEntry(
        team_id=team_id, at=at, user_id=user_id, action=action[:4000], before=before, after=after
    )
    session.add(entry)
    replanning.mark_changed(session=session, team_id=team_id, at=at)
    session.execute(update(Group).where(col(Group.team_id) == team_id).values(version=col(Group.version) + 1))
    session.flush()
    assert entry.id is not None
    return entry.id


def list_audit_entries(*, session: Session, team_id: str, limit: int) -> Sequence[AuditEntry]:
    return session.exec(
        select(AuditEntry)
        .where(AuditEntry.team_id == team_id)
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .limit(limit)
    ).all()


def count_audit_entries(*, session: Session, team_id: str) -> int:
    return session.exec(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.team_id == team_id)
    ).one()
