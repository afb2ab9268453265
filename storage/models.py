"""Every table of gmg-bot. Each row belongs to a Slack workspace (`team_id`)."""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, TypeDecorator, UniqueConstraint, event
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

from storage.matching import member_key


class UTCDateTime(TypeDecorator[datetime]):
    """Stores instants as naive UTC and hands them back aware, the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an instant is expected")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def json_column() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class GroupBase(SQLModel):
    name: str = Field(max_length=200)
    short_name: str = Field(default="", max_length=50)
    timezone: str = Field(default="UTC", max_length=64)
    term_months: int = 6
    handover_time: str = Field(default="00:00", max_length=5)
    # The channel whose topic shows the current chair and theme, set at each handover.
    topic_channel: str | None = Field(default=None, max_length=32)


class Group(GroupBase, table=True):
    # The feed is fetched by its key alone, so the key is unique and indexed.
    __table_args__ = (Index("ix_group_calendar_key", "calendar_key", unique=True),)
    team_id: str = Field(primary_key=True, max_length=32)
    # The secret in the calendar feed's URL; made when first needed, never exported.
    calendar_key: str | None = Field(default=None, max_length=64)
    # Raised by every audited change: what was computed from the group's data stays valid while it holds.
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class MemberBase(SQLModel):
    code: str = Field(max_length=50)
    name: str = Field(max_length=200)
    active: bool = True
    joined: int | None = None
    note: str = Field(default="", max_length=1000)
    aliases: list[str] = json_column()
    focal_points: list[str] = json_column()


class Member(MemberBase, table=True):
    __table_args__ = (
        UniqueConstraint("team_id", "code"),
        # `UN Women`, `un-women` and fullwidth forms are one member: the database refuses a second.
        UniqueConstraint("team_id", "code_key", name="uq_member_team_code_key"),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    # The code as names are compared (storage.matching.member_key); kept in step with `code`.
    code_key: str = Field(default="", max_length=200)


@event.listens_for(Member, "before_insert")
@event.listens_for(Member, "before_update")
def _member_code_key(_mapper: Any, _connection: Any, member: Member) -> None:
    member.code_key = member_key(member.code)


class TermBase(SQLModel):
    first_day: date
    last_day: date
    chairs: list[str] = json_column()
    theme: str = Field(default="", max_length=150)
    description: str = Field(default="", max_length=3000)
    note: str = Field(default="", max_length=1000)


class Term(TermBase, table=True):
    # Lookups are "the term on or before day D of team T": this index serves all of them.
    __table_args__ = (Index("ix_term_team_first_day", "team_id", "first_day", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)


class RotationEntry(SQLModel, table=True):
    team_id: str = Field(primary_key=True, max_length=32)
    position: int = Field(primary_key=True)
    code: str = Field(max_length=50)


class ReminderLead(SQLModel, table=True):
    team_id: str = Field(primary_key=True, max_length=32)
    seconds: int = Field(primary_key=True)


class Subscription(SQLModel, table=True):
    team_id: str = Field(primary_key=True, max_length=32)
    channel_id: str = Field(primary_key=True, max_length=32)
    kind: str = Field(primary_key=True, max_length=16)


class Admin(SQLModel, table=True):
    team_id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)


class AuditEntry(SQLModel, table=True):
    __table_args__ = (Index("ix_auditentry_team_at", "team_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    user_id: str = Field(max_length=32)
    action: str = Field(max_length=4000)
    before: Any = Field(default=None, sa_column=Column(JSON))
    after: Any = Field(default=None, sa_column=Column(JSON))


class Delivery(SQLModel, table=True):
    """One message to one target, planned ahead; the database decides who sends it, and when.

    `key` is the delivery's stable identity within the workspace (kind, handover or event, lead time,
    target), so planning the same thing twice finds the same row instead of adding another."""

    __table_args__ = (
        UniqueConstraint("team_id", "key"),
        Index("ix_delivery_due", "state", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    key: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    target: str = Field(max_length=32)
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # Past this instant the message is no longer useful: it is skipped, not sent late.
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    state: str = Field(default="pending", max_length=10)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    claimed_by: str = Field(default="", max_length=64)
    text: str = Field(default="", max_length=12000)
    blocks: Any = Field(default=None, sa_column=Column(JSON))
    ts: str = Field(default="", max_length=32)
    reason: str = Field(default="", max_length=500)
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class PausedWorkspace(SQLModel, table=True):
    """A workspace whose token Slack no longer accepts (revoked, app uninstalled, account inactive).

    Its deliveries and subscriptions are kept, nothing is claimed for it, and it resumes once Slack
    accepts the token again."""

    team_id: str = Field(primary_key=True, max_length=32)
    error: str = Field(max_length=64)
    since: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    checked_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class SeenRequest(SQLModel, table=True):
    """A signed Slack request (or Events API event) already accepted: a replay of it is refused.

    Kept a little longer than Slack's five-minute signature window, then pruned."""

    __table_args__ = (Index("ix_seenrequest_seen_at", "seen_at"),)
    key: str = Field(primary_key=True, max_length=200)
    seen_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
