"""What the app can no longer reach: workspaces whose token Slack refuses (their deliveries paused,
everything kept) and channels that are gone (their subscriptions ended). Each change is audited."""

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from storage import groups, queries
from storage.groups import BOT
from storage.models import GroupLink, PausedWorkspace


def _audit_workspace(
    session: Session, team_id: str, now: datetime, action: str, before: object, after: object
) -> None:
    """A change of the workspace's access shows in the log of each of its groups."""
    for group in groups.workspace_groups(session=session, team_id=team_id):
        assert group.id is not None
        queries.add_audit_entry(
            session=session,
            group_id=group.id,
            team_id=team_id,
            at=now,
            user_id=BOT,
            action=action,
            before=before,
            after=after,
        )


def pause(*, session: Session, team_id: str, error: str, now: datetime) -> bool:
    """Pauses the workspace's deliveries, with an audit entry; False if it was paused already (by
    another sender or replica meeting the same refusal). The caller commits."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    added = session.execute(
        insert(PausedWorkspace)
        .values(team_id=team_id, error=error[:64], since=now, checked_at=now)
        .on_conflict_do_nothing(index_elements=["team_id"])
        .returning(col(PausedWorkspace.team_id))
    ).first()
    if added is None:
        return False
    _audit_workspace(
        session,
        team_id,
        now,
        f"pause deliveries: Slack refuses the app's token ({error})",
        {"deliveries": "on"},
        {"deliveries": "paused", "error": error},
    )
    return True


def paused(*, session: Session, team_id: str) -> PausedWorkspace | None:
    return session.get(PausedWorkspace, team_id)


def paused_for_group(*, session: Session, group_id: int) -> list[PausedWorkspace]:
    """The paused workspaces among those that see the group, by id."""
    return list(
        session.exec(
            select(PausedWorkspace)
            .join(GroupLink, col(GroupLink.team_id) == col(PausedWorkspace.team_id))
            .where(col(GroupLink.group_id) == group_id)
            .order_by(col(PausedWorkspace.team_id))
        )
    )


def take_checks(*, session: Session, now: datetime, every: timedelta) -> list[str]:
    """The paused workspaces not asked about for `every`, marked as asked now, in one statement, so
    that of several replicas one asks Slack. The caller commits."""
    rows = session.execute(
        update(PausedWorkspace)
        .where(col(PausedWorkspace.checked_at) <= now - every)
        .values(checked_at=now)
        .returning(col(PausedWorkspace.team_id))
    ).all()
    return sorted(row[0] for row in rows)


def resume(*, session: Session, team_id: str, now: datetime) -> bool:
    """Ends the pause, with an audit entry; False if it had ended already. The caller commits."""
    gone = session.execute(
        delete(PausedWorkspace)
        .where(col(PausedWorkspace.team_id) == team_id)
        .returning(col(PausedWorkspace.error))
    ).first()
    if gone is None:
        return False
    _audit_workspace(
        session,
        team_id,
        now,
        "resume deliveries: Slack accepts the app's token again",
        {"deliveries": "paused", "error": gone[0]},
        {"deliveries": "on"},
    )
    return True


def end_subscriptions(
    *, session: Session, group_id: int, team_id: str, channel_id: str, code: str, now: datetime
) -> int:
    """Ends the group's subscriptions of a channel that is gone or archived, with an audit entry;
    returns how many there were. The caller commits."""
    ended = [
        s
        for s in queries.list_subscriptions(session=session, group_id=group_id)
        if s.channel_id == channel_id
    ]
    for subscription in ended:
        session.delete(subscription)
    if not ended:
        return 0
    queries.add_audit_entry(
        session=session,
        group_id=group_id,
        team_id=team_id,
        at=now,
        user_id=BOT,
        action=f"unsubscribe {channel_id} ({code})",
        before={"channel": channel_id, "kinds": sorted(s.kind for s in ended)},
        after={"channel": channel_id, "kinds": []},
    )
    return len(ended)
