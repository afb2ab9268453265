"""Every write path re-plans deliveries in the transaction that changes the plan.

A change of a group's data is recorded with its audit entry (`storage.queries.add_audit_entry`), which
marks the workspace as changed in the session; before that transaction commits, the planner re-plans
each marked workspace. Commands, App Home forms, imports and any future write path go through here
without having to remember to."""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.orm import Session

# Re-plans one workspace's deliveries as of the change's instant; set by the planning code.
Planner = Callable[[Session, str, datetime], None]
_CHANGED = "gmg_changed_teams"
_planner: list[Planner] = []


def set_planner(planner: Planner) -> None:
    _planner[:] = [planner]


def mark_changed(*, session: Session, team_id: str, at: datetime) -> None:
    changed: dict[str, datetime] = session.info.setdefault(_CHANGED, {})
    changed[team_id] = max(at, changed.get(team_id, at))


@event.listens_for(Session, "before_commit")
def _replan_changed(session: Session) -> None:
    changed: dict[str, datetime] = session.info.pop(_CHANGED, {})
    for team_id, at in changed.items():
        for planner in _planner:
            planner(session, team_id, at)


@event.listens_for(Session, "after_rollback")
def _forget_changed(session: Session) -> None:
    session.info.pop(_CHANGED, None)
