"""Delivery rows: planned, claimed under a lease, finished once. Every delivery query lives here."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, and_, bindparam, case, func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import ReturningUpdate
from sqlmodel import Session, col, select

from storage.models import Delivery, PausedWorkspace

PENDING, SENT, FAILED, SKIPPED = "pending", "sent", "failed", "skipped"
REPLANNED = "the plan changed before it was due"
# Kinds planned from the schedule (re-planned on every change), and kinds recorded for one event.
PLANNED_KINDS = ("reminder", "announcement", "topic", "deadline")


@dataclass(frozen=True)
class Planned:
    key: str
    kind: str
    # The workspace whose token posts it, and where: a channel or a user of that workspace.
    team_id: str
    target: str
    due_at: datetime
    expires_at: datetime
    # What it says: a message id with its parameters, rendered when it is sent.
    message: str
    params: dict[str, Any]
    # The language it is rendered in: a channel's; None for a direct message (its reader's own).
    language: str | None = None


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> None:
    """Inserts rows whose key is new; another process planning the same ones at once is fine."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(Delivery).values(rows).on_conflict_do_nothing(index_elements=["group_id", "key"]))


def _row(group_id: int, p: Planned) -> dict[str, Any]:
    return {
        "group_id": group_id,
        "team_id": p.team_id,
        "key": p.key,
        "kind": p.kind,
        "target": p.target,
        "due_at": p.due_at,
        "expires_at": p.expires_at,
        "next_attempt_at": p.due_at,
        "message": p.message,
        "params": p.params,
        "language": p.language,
        "state": PENDING,
        "attempts": 0,
        "claimed_by": "",
        "ts": "",
        "reason": "",
    }


def record_events(*, session: Session, group_id: int, planned: Sequence[Planned]) -> None:
    _insert_ignoring_duplicates(session, [_row(group_id, p) for p in planned])


def _pending_reminder_before_handover(now: datetime) -> Any:
    return and_(
        col(Delivery.kind) == "reminder", col(Delivery.state) == PENDING, col(Delivery.expires_at) > now
    )


def _before_handover(delivery: Delivery, now: datetime) -> bool:
    # A reminder expires at its handover.
    return delivery.kind == "reminder" and delivery.expires_at > now


def sync_planned(*, session: Session, group_id: int, planned: Sequence[Planned], now: datetime) -> None:
    """Makes the group's future planned deliveries exactly `planned`: new ones added, changed ones
    updated, and those whose handover, lead time or target is gone skipped with the reason. A reminder
    already due but not yet sent (retrying, paused, after downtime) is skipped too when its handover,
    still ahead, is no longer planned."""
    wanted = {p.key: p for p in planned}
    future = session.exec(
        select(Delivery).where(
            col(Delivery.group_id) == group_id,
            col(Delivery.kind).in_(PLANNED_KINDS),
            or_(
                col(Delivery.due_at) > now,
                col(Delivery.key).in_(list(wanted)),
                _pending_reminder_before_handover(now),
            ),
        )
    ).all()
    known = {d.key: d for d in future}
    for delivery in future:
        plan = wanted.get(delivery.key)
        revivable = delivery.state == PENDING or (delivery.state == SKIPPED and delivery.reason == REPLANNED)
        if plan is None:
            if delivery.state == PENDING and (delivery.due_at > now or _before_handover(delivery, now)):
                delivery.state, delivery.reason, delivery.finished_at = SKIPPED, REPLANNED, now
                session.add(delivery)
        elif revivable and (delivery.state == PENDING or plan.due_at > now):
            delivery.state, delivery.reason, delivery.finished_at = PENDING, "", None
            delivery.due_at, delivery.expires_at = plan.due_at, plan.expires_at
            delivery.message, delivery.params, delivery.team_id = plan.message, plan.params, plan.team_id
            delivery.language = plan.language
            if delivery.lease_until is None:
                delivery.next_attempt_at = (
                    max(plan.due_at, delivery.next_attempt_at) if delivery.attempts else plan.due_at
                )
            session.add(delivery)
    _insert_ignoring_duplicates(
        session, [_row(group_id, p) for key, p in wanted.items() if key not in known and p.due_at >= now]
    )


# A paused workspace's deliveries wait, kept, until Slack accepts its token again (storage/access.py).
_NOT_PAUSED = col(Delivery.team_id).not_in(select(PausedWorkspace.team_id))


def claim_due(
    *, session: Session, now: datetime, worker: str, lease: timedelta, limit: int
) -> list[Delivery]:
    """Takes up to `limit` due deliveries for `worker` in one statement; a row leased by another worker
    (or locked by one, on PostgreSQL) is passed over, so each is claimed by one process at a time."""
    claimed = session.execute(claim_statement(now=now, worker=worker, lease=lease, limit=limit)).all()
    session.commit()
    ids = [row[0] for row in claimed]
    if not ids:
        return []
    return list(
        session.exec(
            select(Delivery).where(col(Delivery.id).in_(ids)).order_by(col(Delivery.next_attempt_at))
        ).all()
    )


def claim_statement(*, now: datetime, worker: str, lease: timedelta, limit: int) -> ReturningUpdate[int]:
    """The claim, which finds the due rows through the index on (state, next_attempt_at): sent and
    failed rows pile up over the years, and every replica runs this every few seconds."""
    due = (
        select(Delivery.id)
        .where(
            col(Delivery.state) == PENDING,
            col(Delivery.next_attempt_at) <= now,
            or_(col(Delivery.lease_until).is_(None), col(Delivery.lease_until) < now),
            _NOT_PAUSED,
        )
        .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (
        update(Delivery)
        .where(
            col(Delivery.id).in_(due.scalar_subquery()),
            or_(col(Delivery.lease_until).is_(None), col(Delivery.lease_until) < now),
        )
        .values(lease_until=now + lease, claimed_by=worker, attempts=col(Delivery.attempts) + 1)
        .returning(col(Delivery.id))
    )


# Built once: the dispatcher runs these for every delivery, and building them costs more than running them.
_TABLE = Delivery.__table__  # type: ignore[attr-defined]
_HELD = (
    (_TABLE.c.id == bindparam("delivery_id"))
    & (_TABLE.c.claimed_by == bindparam("worker"))
    & (_TABLE.c.state == PENDING)
)
_FINISH = (
    _TABLE.update()
    .where(_HELD)
    .values(
        state=bindparam("new_state"),
        ts=bindparam("new_ts"),
        reason=bindparam("new_reason"),
        finished_at=bindparam("now"),
        lease_until=None,
    )
)
_RETRY = (
    _TABLE.update()
    .where(_HELD)
    .values(
        next_attempt_at=bindparam("at"),
        lease_until=None,
        reason=bindparam("new_reason"),
        attempts=_TABLE.c.attempts - bindparam("uncounted"),
    )
)


def still_held(*, session: Session, delivery_id: int, worker: str) -> Delivery | None:
    """The delivery as it is now, if `worker` still holds it pending: a change since it was claimed may
    have skipped it (the plan changed) or rewritten its text."""
    delivery = session.get(Delivery, delivery_id, populate_existing=True)
    if delivery is None or delivery.state != PENDING or delivery.claimed_by != worker:
        return None
    return delivery


def finish(
    *,
    session: Session,
    delivery: Delivery,
    worker: str,
    state: str,
    now: datetime,
    ts: str = "",
    reason: str = "",
) -> bool:
    """Records the outcome, if `worker` still holds the lease."""
    result = session.connection().execute(
        _FINISH,
        {
            "delivery_id": delivery.id,
            "worker": worker,
            "new_state": state,
            "new_ts": ts,
            "new_reason": reason[:500],
            "now": now,
        },
    )
    session.commit()
    return bool(result.rowcount)


def retry_later(
    *, session: Session, delivery: Delivery, worker: str, at: datetime, reason: str, counted: bool = True
) -> None:
    """Tries again at `at`; an attempt not `counted` (Slack asked the bot to wait) is given back."""
    session.connection().execute(
        _RETRY,
        {
            "delivery_id": delivery.id,
            "worker": worker,
            "at": at,
            "new_reason": reason[:500],
            "uncounted": 0 if counted else 1,
        },
    )
    session.commit()


def release(*, session: Session, ids: Sequence[int], worker: str) -> int:
    """Gives claimed deliveries back unsent, to be claimed at once by any worker; the claim's attempt
    is not counted against them (a shutdown or a paused workspace is no failure of theirs)."""
    if not ids:
        return 0
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(Delivery)
        .where(
            col(Delivery.id).in_(list(ids)),
            col(Delivery.claimed_by) == worker,
            col(Delivery.state) == PENDING,
            col(Delivery.attempts) > 0,
        )
        .values(lease_until=None, claimed_by="", attempts=col(Delivery.attempts) - 1)
    )
    session.commit()
    return int(result.rowcount)


def renew(*, session: Session, ids: Sequence[int], worker: str, until: datetime) -> set[int]:
    """Extends `worker`'s lease on deliveries it still holds (`ids`) and that are still to send; returns
    those. The others were taken over after their lease ran out, or skipped since: they must not go out.
    Deliveries the worker claimed and no longer holds are released."""
    mine = [
        col(Delivery.claimed_by) == worker,
        col(Delivery.state) == PENDING,
        col(Delivery.lease_until).is_not(None),
    ]
    # Claimed by this worker but held by none of its senders (the database failed between the claim
    # and the hand-over): given back now rather than when the lease ends.
    session.execute(
        update(Delivery)
        .where(*mine, col(Delivery.id).not_in(list(ids)), col(Delivery.attempts) > 0)
        .values(lease_until=None, claimed_by="", attempts=col(Delivery.attempts) - 1)
    )
    rows = session.execute(
        update(Delivery)
        .where(*mine, col(Delivery.id).in_(list(ids)))
        .values(lease_until=until)
        .returning(col(Delivery.id))
    ).all()
    session.commit()
    return {row[0] for row in rows}


def record_alerts(*, session: Session, group_id: int, planned: Sequence[Planned]) -> None:
    """Adds alerts; one with the same key that is still to send takes the new parameters (a newer
    count)."""
    if not planned:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(Delivery).values([_row(group_id, p) for p in planned])
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["group_id", "key"],
            set_={"params": statement.excluded.params},
            where=col(Delivery.state) == PENDING,
        )
    )


def failed_since(*, session: Session, group_id: int, target: str, since: datetime) -> int:
    return session.exec(
        select(func.count()).where(
            col(Delivery.group_id) == group_id,
            col(Delivery.target) == target,
            col(Delivery.state) == FAILED,
            col(Delivery.finished_at) >= since,
        )
    ).one()


def next_due_at(*, session: Session) -> datetime | None:
    """When the next pending delivery may be claimed (after its lease, if another worker holds it);
    a paused workspace's deliveries wait for it to resume, not for their time."""
    ready = case(
        (col(Delivery.lease_until) > col(Delivery.next_attempt_at), col(Delivery.lease_until)),
        else_=col(Delivery.next_attempt_at),
    )
    value = session.exec(select(func.min(ready)).where(col(Delivery.state) == PENDING, _NOT_PAUSED)).one()
    return value if value is None or isinstance(value, datetime) else None


def skip_pending_to(*, session: Session, group_id: int, target: str, reason: str, now: datetime) -> int:
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(Delivery)
        .where(
            col(Delivery.group_id) == group_id, col(Delivery.target) == target, col(Delivery.state) == PENDING
        )
        .values(state=SKIPPED, reason=reason[:500], finished_at=now, lease_until=None)
    )
    return int(result.rowcount)


def pending_deliveries(*, session: Session, group_id: int, limit: int) -> Sequence[Delivery]:
    return session.exec(
        select(Delivery)
        .where(col(Delivery.group_id) == group_id, col(Delivery.state) == PENDING)
        .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
        .limit(limit)
    ).all()


def finished_deliveries(
    *, session: Session, group_id: int, limit: int, state: str | None = None
) -> Sequence[Delivery]:
    query = select(Delivery).where(col(Delivery.group_id) == group_id, Delivery.state != PENDING)
    if state is not None:
        query = query.where(col(Delivery.state) == state)
    return session.exec(
        query.order_by(col(Delivery.finished_at).desc(), col(Delivery.id).desc()).limit(limit)
    ).all()


def count_by_state(*, session: Session, group_id: int) -> dict[str, int]:
    rows = session.exec(
        select(Delivery.state, func.count())
        .where(col(Delivery.group_id) == group_id)
        .group_by(Delivery.state)
    ).all()
    return {state: count for state, count in rows}


def skip_unsent_posts(
    *, session: Session, group_id: int, kind: str, event_id: int, reason: str, now: datetime
) -> None:
    """An event's posts not sent yet are no longer worth sending (a theme proposal closed before)."""
    session.execute(
        update(Delivery)
        .where(
            col(Delivery.group_id) == group_id,
            col(Delivery.key).startswith(f"{kind}:{event_id}:"),
            col(Delivery.state) == PENDING,
        )
        .values(state=SKIPPED, reason=reason[:500], finished_at=now, lease_until=None)
    )


def refresh_unsent_posts(
    *, session: Session, group_id: int, kind: str, event_id: int, params: dict[str, Any]
) -> None:
    """An event's posts not sent yet say what it now says (a proposal's counts after a vote)."""
    session.execute(
        update(Delivery)
        .where(
            col(Delivery.group_id) == group_id,
            col(Delivery.key).startswith(f"{kind}:{event_id}:"),
            col(Delivery.state) == PENDING,
        )
        .values(params=params)
    )


def sent_posts(*, session: Session, group_id: int, kind: str, event_id: int) -> list[Delivery]:
    """The posts of one event (a theme proposal) that went out, with the `ts` that edits them."""
    return list(
        session.exec(
            select(Delivery).where(
                col(Delivery.group_id) == group_id,
                col(Delivery.key).startswith(f"{kind}:{event_id}:"),
                col(Delivery.state) == SENT,
                col(Delivery.ts) != "",
            )
        )
    )
