"""Every query of a group's data. Keyword-only functions, each scoped by group (`group_id`); the
groups themselves and the workspaces that see them are in storage.groups."""

import secrets
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import CursorResult, delete, text, update
from sqlmodel import Session, SQLModel, col, func, select

from storage import change_watch, replanning
from storage.db import waiting_for_the_group
from storage.models import (
    Admin,
    AuditEntry,
    ChecklistItem,
    ChecklistTemplateItem,
    Group,
    Member,
    ReminderLead,
    RotationEntry,
    Subscription,
    Term,
    ThemeProposal,
)

# A proposal's votes go with it (a foreign key with ON DELETE CASCADE).
GROUP_TABLES: tuple[type[Any], ...] = (
    Member,
    Term,
    RotationEntry,
    ReminderLead,
    Subscription,
    Admin,
    ChecklistTemplateItem,
    ChecklistItem,
    ThemeProposal,
)


def get_group(*, session: Session, group_id: int) -> Group | None:
    return session.get(Group, group_id)


def delete_group_data(*, session: Session, group_id: int) -> None:
    """Removes everything of a group but its audit log and its group row."""
    for table in GROUP_TABLES:
        session.execute(delete(table).where(table.group_id == group_id))


# The calendar feed's key


def calendar_key(*, session: Session, group_id: int, renew: bool = False) -> str:
    """The group's calendar key, made on first use (or anew with `renew`); the caller commits.

    Made by a conditional update, so that two requests that both find no key agree on one; a key
    that exists is only read (the App Home asks on every view)."""
    read = select(Group.calendar_key).where(Group.id == group_id)
    if not renew:
        key = session.exec(read).first()
        if key is not None:
            return key
    condition = [col(Group.id) == group_id]
    if not renew:
        condition.append(col(Group.calendar_key).is_(None))
    session.execute(update(Group).where(*condition).values(calendar_key=secrets.token_urlsafe(24)))
    key = session.exec(read).first()
    if key is None:
        raise LookupError(f"no group {group_id}")
    return key


def group_for_calendar_key(*, session: Session, key: str) -> Group | None:
    if not key:
        return None
    return session.exec(select(Group).where(Group.calendar_key == key)).first()


# Members


def list_members(*, session: Session, group_id: int) -> Sequence[Member]:
    return session.exec(select(Member).where(Member.group_id == group_id).order_by(Member.code)).all()


def get_member(*, session: Session, group_id: int, code: str) -> Member | None:
    return session.exec(select(Member).where(Member.group_id == group_id, Member.code == code)).first()


# Terms


def delete_terms_starting(*, session: Session, group_id: int, first_days: list[date]) -> None:
    """Removes the group's terms that start on those days (an import replacing them)."""
    for start in range(0, len(first_days), 1000):  # a bound on the statement's parameters
        chunk = first_days[start : start + 1000]
        session.execute(delete(Term).where(col(Term.group_id) == group_id, col(Term.first_day).in_(chunk)))


def term_on_or_before(*, session: Session, group_id: int, day: date) -> Term | None:
    """The term that starts on `day` or most recently before it (it may have ended)."""
    return session.exec(
        select(Term)
        .where(Term.group_id == group_id, Term.first_day <= day)
        .order_by(col(Term.first_day).desc())
        .limit(1)
    ).first()


def term_after(*, session: Session, group_id: int, day: date) -> Term | None:
    """The first term that starts after `day`."""
    return session.exec(
        select(Term)
        .where(Term.group_id == group_id, Term.first_day > day)
        .order_by(col(Term.first_day))
        .limit(1)
    ).first()


def current_or_next_term(*, session: Session, group_id: int, day: date) -> Term | None:
    """The decided term covering `day`, or else the first one after it."""
    term = term_on_or_before(session=session, group_id=group_id, day=day)
    if term is not None and term.last_day >= day:
        return term
    return term_after(session=session, group_id=group_id, day=day)


def last_term(*, session: Session, group_id: int) -> Term | None:
    return session.exec(
        select(Term).where(Term.group_id == group_id).order_by(col(Term.first_day).desc()).limit(1)
    ).first()


def terms_overlapping(*, session: Session, group_id: int, first: date, last: date) -> Sequence[Term]:
    return session.exec(
        select(Term)
        .where(Term.group_id == group_id, Term.first_day <= last, Term.last_day >= first)
        .order_by(col(Term.first_day))
    ).all()


def terms_starting_after(*, session: Session, group_id: int, day: date, limit: int) -> Sequence[Term]:
    return session.exec(
        select(Term)
        .where(Term.group_id == group_id, Term.first_day > day)
        .order_by(col(Term.first_day))
        .limit(limit)
    ).all()


def terms_ended_before(*, session: Session, group_id: int, day: date, limit: int) -> Sequence[Term]:
    """Past terms, newest first."""
    return session.exec(
        select(Term)
        .where(Term.group_id == group_id, Term.last_day < day)
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


def list_terms(*, session: Session, group_id: int) -> Sequence[Term]:
    return session.exec(select(Term).where(Term.group_id == group_id).order_by(col(Term.first_day))).all()


# Rotation, reminder lead times, subscriptions, admins


def get_rotation(*, session: Session, group_id: int) -> list[str]:
    return list(
        session.exec(
            select(RotationEntry.code)
            .where(RotationEntry.group_id == group_id)
            .order_by(col(RotationEntry.position))
        )
    )


def set_rotation(*, session: Session, group_id: int, codes: Sequence[str]) -> None:
    session.execute(delete(RotationEntry).where(col(RotationEntry.group_id) == group_id))
    session.add_all(RotationEntry(group_id=group_id, position=i, code=code) for i, code in enumerate(codes))


def get_lead_seconds(*, session: Session, group_id: int) -> list[int]:
    """Lead times before each handover, longest first."""
    return list(
        session.exec(
            select(ReminderLead.seconds)
            .where(ReminderLead.group_id == group_id)
            .order_by(col(ReminderLead.seconds).desc())
        )
    )


def set_lead_seconds(*, session: Session, group_id: int, seconds: Sequence[int]) -> None:
    session.execute(delete(ReminderLead).where(col(ReminderLead.group_id) == group_id))
    session.add_all(ReminderLead(group_id=group_id, seconds=s) for s in sorted(set(seconds)))


def save(*, session: Session, record: SQLModel) -> None:
    """Writes a new or changed row (a term, a member, the group) within the caller's transaction."""
    session.add(record)
    session.flush()


def set_channel_kinds(
    *,
    session: Session,
    group_id: int,
    channel_id: str,
    kinds: Mapping[str, str],
    language: str | None = None,
) -> None:
    """What one channel follows of the group, exactly `kinds` (each kind with the workspace that
    subscribed it, whose token posts it; none: unsubscribed), and the language posts to it are in
    (None: the group's). A Slack Connect channel may follow one kind from each of two workspaces."""
    session.execute(
        delete(Subscription).where(
            col(Subscription.group_id) == group_id, col(Subscription.channel_id) == channel_id
        )
    )
    session.add_all(
        Subscription(group_id=group_id, team_id=team, channel_id=channel_id, kind=kind, language=language)
        for kind, team in sorted(kinds.items())
    )
    session.flush()


def set_admins(*, session: Session, group_id: int, user_ids: Sequence[str]) -> None:
    """The admins added with `/gmg admin add`, exactly `user_ids`."""
    session.execute(delete(Admin).where(col(Admin.group_id) == group_id))
    session.add_all(Admin(group_id=group_id, user_id=u) for u in sorted(set(user_ids)))
    session.flush()


def list_subscriptions(*, session: Session, group_id: int) -> Sequence[Subscription]:
    return session.exec(
        select(Subscription)
        .where(Subscription.group_id == group_id)
        .order_by(col(Subscription.channel_id), col(Subscription.kind))
    ).all()


def list_admins(*, session: Session, group_id: int) -> list[str]:
    return list(
        session.exec(select(Admin.user_id).where(Admin.group_id == group_id).order_by(col(Admin.user_id)))
    )


def is_listed_admin(*, session: Session, group_id: int, user_id: str) -> bool:
    return session.get(Admin, (group_id, user_id)) is not None


# Audit log


def add_audit_entry(
    *,
    session: Session,
    group_id: int,
    team_id: str,
    at: datetime,
    user_id: str,
    action: str,
    before: Any,
    after: Any,
) -> int:
    """Records a change of group `group_id`, made from workspace `team_id`, and raises the group's
    version, so that cached answers are computed anew; the group's deliveries are re-planned before
    the transaction commits."""
    entry = AuditEntry(
        group_id=group_id,
        team_id=team_id,
        at=at,
        user_id=user_id,
        action=action[:4000],
        before=before,
        after=after,
    )
    session.add(entry)
    replanning.mark_changed(session=session, group_id=group_id, at=at)
    change_watch.mark_changed(session)
    with waiting_for_the_group(session.connection()):
        session.execute(update(Group).where(col(Group.id) == group_id).values(version=col(Group.version) + 1))
    session.flush()
    assert entry.id is not None
    return entry.id


def lock_for_update(*, session: Session, group_id: int, record: SQLModel | None = None) -> None:
    """Makes the group's other changes wait until this transaction ends, then reloads `record`: a
    change that merges into what a row holds (a term's translations, a channel's subscriptions)
    starts from what the last one left, instead of overwriting it. The lock is a write to the group's
    row, which PostgreSQL locks and SQLite serializes."""
    with waiting_for_the_group(session.connection()):
        session.execute(update(Group).where(col(Group.id) == group_id).values(version=col(Group.version)))
    if record is not None:
        session.refresh(record)


def lock_for_planning(*, session: Session, group_id: int) -> None:
    """Makes the group's changes wait until this transaction ends, as lock_for_update does, but without
    writing to the group's row, which would count as a change of it (migration 0010's notices, 0012's
    count) and make every replica read its answers again. For re-planning: a change saved between
    reading a plan's data and writing the plan would otherwise be undone by a stale plan."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Group.id).where(col(Group.id) == group_id).with_for_update())
    else:  # SQLite locks the whole file: a write that changes nothing takes its one writer
        session.execute(text("UPDATE gmg_change_count SET n = n WHERE 0"))


def list_audit_entries(*, session: Session, group_id: int, limit: int) -> Sequence[AuditEntry]:
    return session.exec(
        select(AuditEntry)
        .where(AuditEntry.group_id == group_id)
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .limit(limit)
    ).all()


def count_audit_entries(*, session: Session, group_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.group_id == group_id)
    ).one()
