"""Every table of gmg-bot. A group has its own identity (`Group.id`); every group-owned row references
it, and workspaces see groups through links (`GroupLink`). What is a workspace's own (its token's
state, the requests it sent) is keyed by `team_id`."""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    TypeDecorator,
    UniqueConstraint,
    event,
    text,
)
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


def mapping_column() -> Any:
    """A JSON object (people's words by language, focal points' workspaces); rows written before the
    column existed, or by a process that does not know it, hold an empty one."""
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))


def group_column(*, primary_key: bool = False) -> Any:
    """The owning group: its rows go with it. Each table's key or first index begins with it."""
    return Field(
        sa_column=Column(
            Integer, ForeignKey("group.id", ondelete="CASCADE"), primary_key=primary_key, nullable=False
        )
    )


class GroupBase(SQLModel):
    name: str = Field(max_length=200)
    # How commands name the group (`/gmg GFMD chair`): letters, digits and hyphens (storage.groups).
    short_name: str = Field(max_length=30)
    timezone: str = Field(default="UTC", max_length=64)
    term_months: int = 6
    handover_time: str = Field(default="00:00", max_length=5)
    # The language of the group's channel posts (messages.languages), unless a channel chose its own.
    language: str = Field(default="en", max_length=5, sa_column_kwargs={"server_default": "en"})
    # A term's theme should be adopted this many days before the term starts (None: no deadline).
    theme_deadline_days: int | None = None


class Group(GroupBase, table=True):
    # The feed is fetched by its key alone, so the key is unique and indexed. SQLite never reuses the id
    # of a removed group: answers cached, buttons and modals shown for it must not reach a new one.
    __table_args__ = (
        Index("ix_group_calendar_key", "calendar_key", unique=True),
        {"sqlite_autoincrement": True},
    )
    id: int | None = Field(default=None, primary_key=True)
    # The secret in the calendar feed's URL; made when first needed, never exported.
    calendar_key: str | None = Field(default=None, max_length=64)
    # Raised by every audited change: what was computed from the group's data stays valid while it holds.
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class GroupLink(SQLModel, table=True):
    """A workspace that sees a group. Within a workspace a short name names one group, whatever its
    case, and one group is the default: the one a command without a group name goes to."""

    __table_args__ = (
        UniqueConstraint("team_id", "short_key", name="uq_grouplink_team_short_key"),
        Index(
            "uq_grouplink_team_default",
            "team_id",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
        Index(
            "uq_grouplink_group_home",
            "group_id",
            unique=True,
            sqlite_where=text("is_home"),
            postgresql_where=text("is_home"),
        ),
    )
    team_id: str = Field(primary_key=True, max_length=32)
    group_id: int = group_column(primary_key=True)
    # The group's short name, case-folded; kept in step by storage.groups.
    short_key: str = Field(max_length=30)
    is_default: bool = False
    # The workspace the group was set up in: its Slack admins are the group's admins too, and direct
    # messages to focal points recorded without a workspace go through it. One per group.
    is_home: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    # The workspace's channel whose topic shows the current chair and theme, set at each handover.
    topic_channel: str | None = Field(default=None, max_length=32)


class LinkCode(SQLModel, table=True):
    """The one-time code with which another workspace joins the group (`/gmg link`, `/gmg join`);
    only its hash is kept. One per group: asking again replaces it."""

    __table_args__ = (Index("uq_linkcode_code_hash", "code_hash", unique=True),)
    group_id: int = group_column(primary_key=True)
    code_hash: str = Field(max_length=64)
    team_id: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class MemberBase(SQLModel):
    code: str = Field(max_length=50)
    name: str = Field(max_length=200)
    active: bool = True
    joined: int | None = None
    note: str = Field(default="", max_length=1000)
    aliases: list[str] = json_column()
    focal_points: list[str] = json_column()
    # The workspace each focal point was named in (`{user: team}`), whose token sends their direct
    # messages; one not listed is in the group's home workspace.
    focal_teams: dict[str, str] = mapping_column()
    # The full name in other languages: `{"fr": ..., "es": ...}` (`name` is the original).
    names: dict[str, str] = mapping_column()


class Member(MemberBase, table=True):
    __table_args__ = (
        UniqueConstraint("group_id", "code", name="uq_member_group_code"),
        # `UN Women`, `un-women` and fullwidth forms are one member: the database refuses a second.
        UniqueConstraint("group_id", "code_key", name="uq_member_group_code_key"),
    )
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = group_column()
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
    # The theme in other languages: `{"fr": {"theme": ..., "description": ...}, "es": {...}}`.
    translations: dict[str, dict[str, str]] = mapping_column()


class Term(TermBase, table=True):
    # Lookups are "the term on or before day D of group G": this index serves all of them. No two terms
    # of a group overlap: an exclusion constraint (PostgreSQL) or triggers (SQLite), migration 0006.
    __table_args__ = (Index("ix_term_group_first_day", "group_id", "first_day", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = group_column()


class RotationEntry(SQLModel, table=True):
    group_id: int = group_column(primary_key=True)
    position: int = Field(primary_key=True)
    code: str = Field(max_length=50)


class ReminderLead(SQLModel, table=True):
    group_id: int = group_column(primary_key=True)
    seconds: int = Field(primary_key=True)


class Subscription(SQLModel, table=True):
    group_id: int = group_column(primary_key=True)
    channel_id: str = Field(primary_key=True, max_length=32)
    kind: str = Field(primary_key=True, max_length=16)
    # The workspace the channel is in: its token posts there.
    team_id: str = Field(max_length=32)
    # The channel's language, the same on each of its rows; None: the group's.
    language: str | None = Field(default=None, max_length=5)


class Admin(SQLModel, table=True):
    group_id: int = group_column(primary_key=True)
    user_id: str = Field(primary_key=True, max_length=32)


class AuditEntry(SQLModel, table=True):
    __table_args__ = (Index("ix_auditentry_group_at", "group_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    # The group changed; None once the group is removed (its log is kept).
    group_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("group.id", ondelete="SET NULL"), nullable=True),
    )
    # The workspace the change came from (`local` for the command line).
    team_id: str = Field(max_length=32)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    user_id: str = Field(max_length=32)
    action: str = Field(max_length=4000)
    before: Any = Field(default=None, sa_column=Column(JSON))
    after: Any = Field(default=None, sa_column=Column(JSON))


class Delivery(SQLModel, table=True):
    """One message to one target, planned ahead; the database decides who sends it, and when.

    `key` is the delivery's stable identity within the group (kind, handover or event, lead time,
    target), so planning the same thing twice finds the same row instead of adding another. What it
    says is a message id with its parameters, rendered when it is sent."""

    __table_args__ = (
        UniqueConstraint("group_id", "key", name="uq_delivery_group_key"),
        Index("ix_delivery_due", "state", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = group_column()
    # The workspace whose token posts it (a paused workspace's deliveries wait).
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
    message: str = Field(max_length=40)
    params: Any = Field(default=None, sa_column=Column(JSON))
    # The language it is rendered in when sent (a channel's, planned with it); None: the recipient's own
    # (a direct message, in the language Slack says the person reads).
    language: str | None = Field(default=None, max_length=5)
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


class ThemeProposal(SQLModel, table=True):
    """A theme proposed for a term (`/gmg theme propose`): voted on, then adopted or closed. The term
    is named by its days, as decided or projected when proposed."""

    # SQLite never reuses a proposal's id: its buttons in the channels must not reach another one.
    __table_args__ = (
        Index("ix_themeproposal_group_first_day", "group_id", "first_day"),
        {"sqlite_autoincrement": True},
    )
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = group_column()
    first_day: date
    last_day: date
    title: str = Field(max_length=150)
    description: str = Field(default="", max_length=3000)
    proposed_by: str = Field(max_length=32)
    # The workspace it was proposed from.
    team_id: str = Field(max_length=32)
    proposed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # open, adopted or closed (another was adopted).
    state: str = Field(default="open", max_length=10)


class ProposalVote(SQLModel, table=True):
    """One person's vote on a proposal, changeable: the key allows one per person."""

    proposal_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("themeproposal.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    user_id: str = Field(primary_key=True, max_length=32)
    team_id: str = Field(max_length=32)
    support: bool
    comment: str = Field(default="", max_length=500)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ChecklistTemplateItem(SQLModel, table=True):
    """What each handover asks of someone: the outgoing chair, the incoming chair, or the admins, due so
    many days from the handover (negative: before)."""

    __table_args__ = (Index("ix_checklisttemplateitem_group_id", "group_id"),)
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = group_column()
    role: str = Field(max_length=10)
    offset_days: int
    text: str = Field(max_length=300)


class ChecklistItem(SQLModel, table=True):
    """One handover's own copy of a template item, made when the handover is planned, and its state."""

    # SQLite never reuses an item's id: a Done button sent for an item since replaced must find nothing.
    __table_args__ = (
        UniqueConstraint("group_id", "handover_day", "number", name="uq_checklistitem_number"),
        {"sqlite_autoincrement": True},
    )
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = group_column()
    # The first day of the incoming term.
    handover_day: date
    # As commands name it (`checklist done 2`), in the order of the template when copied.
    number: int
    role: str = Field(max_length=10)
    offset_days: int
    text: str = Field(max_length=300)
    done_by: str | None = Field(default=None, max_length=32)
    done_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
