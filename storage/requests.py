"""Slack requests already accepted, so that a replayed request or a retried event is not applied twice.

A record outlives Slack's five-minute signature window (a replay after it fails the signature check)
and is then pruned."""

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from storage.models import SeenRequest

KEEP = timedelta(minutes=10)


def first_time(*, session: Session, key: str, now: datetime) -> bool:
    """Records `key` (and commits): True when it is new, False when it was recorded within KEEP.

    Of requests recording one key at the same instant exactly one gets True: the database's unique key
    decides (on PostgreSQL the second insert waits for the first to commit, then does nothing)."""
    session.execute(delete(SeenRequest).where(col(SeenRequest.seen_at) < now - KEEP))
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(SeenRequest).values(key=key, seen_at=now).on_conflict_do_nothing()
    inserted = session.execute(insert.returning(col(SeenRequest.key))).first()
    session.commit()
    return inserted is not None
