"""The /gmg command language: parse, decide, render. Pure of Slack's transport (no Bolt)."""

from datetime import datetime

from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from handlers import notices
from handlers.commands import handle_command
from handlers.response import Response
from storage import queries, replanning

__all__ = ["Response", "handle_command"]


def _replan_group(session: OrmSession, group_id: int, at: datetime) -> None:
    # A group removed in the same transaction has nothing left to plan.
    group = queries.get_group(session=session, group_id=group_id) if isinstance(session, Session) else None
    if isinstance(session, Session) and group is not None:
        notices.replan(session=session, group=group, now=at)


# Whatever writes a group's data, its reminders follow the new plan in the same transaction.
replanning.set_planner(_replan_group)
