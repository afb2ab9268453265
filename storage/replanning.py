"""Every write path re-plans deliveries in the transaction that changes the plan.

A change of a group's data is recorded with its audit entry (`storage.queries.add_audit_entry`), which
marks the group as changed in the session; before that transaction commits, the planner re-plans
each marked group. Commands, App Home forms, imports and any future write path go through here
without having to remember to."""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.orm import Session

# Re-plans one group's deliveries as of the change's instant; set by the planning code.
Planner = Callable[[Session, int, datetime], None]
_CHANGED = "gmg_changed_groups"
_planner: list[Planner] = []


def set_planner(planner: Planner) -> None:
    _planner[:] = [planner]


def mark_changed(*, session: Session, group_id: int, at: datetime) -> None:
    changed: dict[int, datetime] = session.info.setdefault(_CHANGED, {})
    changed[group_id] = max(at, changed.get(group_id, at))


@event.listens_for(Session, "before_commit")
def _replan_changed(session: Session) -> None:
    changed: dict[int, datetime] = session.info.pop(_CHANGED, {})
    for group_id, at in changed.items():
        for planner in _planner:
            planner(session, group_id, at)


@event.listens_for(Session, "after_rollback")
def _forget_changed(session: Session) -> None:
    session.info.pop(_CHANGED, None)
