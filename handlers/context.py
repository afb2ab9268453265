"""What every command sees: the group, its schedule, who asks, from which workspace, and when; and
what it is given: the words after the command."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from functools import cached_property
from typing import Any, Protocol

from sqlmodel import Session

from handlers.response import UsageError
from handlers.text import Token
from handlers.translated import member_name
from messages import Channel, Names, Text, Translated, say
from storage import queries
from storage.groups import link_of
from storage.matching import closest, resolve_member
from storage.models import Group, Member
from storage.schedule import Schedule, Slot, handover_instant, schedule_day, zone


class ChannelStatus(Enum):
    """What the bot can do in a channel, as Slack says it."""

    POSTABLE = "postable"
    JOINED = "joined"  # a public channel the bot has just joined
    NOT_FOUND = "not_found"  # no such channel, or a private one the bot was not invited to
    ARCHIVED = "archived"
    CANNOT_JOIN = "cannot_join"
    UNKNOWN = "unknown"  # Slack could not be asked just now


class ChannelAccess(Protocol):
    """Asks Slack whether the bot can post in a channel (joining a public one if need be)."""

    def check(self, channel_id: str) -> ChannelStatus: ...


# Why a command cannot post in a channel, by what Slack says of it.
_REFUSED_CHANNELS = {
    ChannelStatus.NOT_FOUND: "channel.not_found",
    ChannelStatus.ARCHIVED: "channel.archived",
    ChannelStatus.CANNOT_JOIN: "channel.cannot_join",
}


@dataclass(frozen=True)
class Args:
    """What a handler is given: the command as typed (free text is read from it), the words after the
    command word (its sub-command first), and whether the answer is to be shared in the channel."""

    text: str
    tokens: list[Token]
    share: bool = False

    @property
    def words(self) -> list[str]:
        return [t.value for t in self.tokens]


@dataclass
class Context:
    session: Session
    # The group the command is about, and the workspace it came from (`local`: the command line).
    group: Group
    team_id: str
    user_id: str
    # An admin or owner of the asking workspace by Slack's word (or an operator); a callable is asked
    # only when a command needs to know (asking Slack takes a call), and answers None when Slack did
    # not say.
    admin_elsewhere: bool | Callable[[], bool | None]
    now: datetime
    channel_id: str | None
    command: str
    # The bot's public address (PUBLIC_BASE_URL), for answers that give a link to it.
    public_base_url: str | None = None
    # Slack's view of channels, where there is a Slack to ask (not in the command line).
    channels: ChannelAccess | None = None
    # Every group of the workspace, the default first (help and `/gmg groups` name them).
    groups: list[Group] = field(default_factory=list)
    # One of the operator's GMG_ADMINS (or the command line's own operator): an admin of every group.
    operator: bool = False
    schedule: Schedule = field(init=False)

    def __post_init__(self) -> None:
        self.schedule = Schedule(session=self.session, group=self.group)

    @property
    def group_id(self) -> int:
        assert self.group.id is not None
        return self.group.id

    @cached_property
    def _admin_elsewhere(self) -> bool | None:
        return self.admin_elsewhere() if callable(self.admin_elsewhere) else self.admin_elsewhere

    def admin_of(self, group: Group) -> bool | None:
        """Whether the user is an admin of `group`: an operator, one added to it (`admin add`, in any
        workspace that sees it), or a Slack admin of the workspace the group was set up in; None when
        Slack did not say in time and nothing else does. Asked only by what needs it, so that a
        question costs no admin lookup. Another workspace's Slack admins manage their own workspace's
        side of a shared group (`workspace_admin`), not the group."""
        assert group.id is not None
        if self.operator or queries.is_listed_admin(
            session=self.session, group_id=group.id, user_id=self.user_id
        ):
            return True
        link = link_of(session=self.session, team_id=self.team_id, group_id=group.id)
        if link is None or not link.is_home:
            return False
        return self._admin_elsewhere

    @property
    def workspace_admin(self) -> bool | None:
        """Whether the user is a Slack admin or owner of the asking workspace (or an operator)."""
        return True if self.operator else self._admin_elsewhere

    def may(self, *, workspace: bool) -> bool | None:
        """Whether the user may make a change: the group's admins may; with `workspace`, so may the
        workspace's Slack admins. None when Slack did not say and that decides it."""
        answers = [self.admin_answer, self.workspace_admin] if workspace else [self.admin_answer]
        if True in answers:
            return True
        return None if None in answers else False

    @cached_property
    def admin_answer(self) -> bool | None:
        """Whether the user is an admin of the group the command is about."""
        return self.admin_of(self.group)

    @property
    def is_admin(self) -> bool:
        return self.admin_answer is True

    @cached_property
    def today(self) -> date:
        return schedule_day(self.group, self.now)

    @cached_property
    def members(self) -> list[Member]:
        return list(queries.list_members(session=self.session, group_id=self.group_id))

    @property
    def short_name(self) -> str:
        """The group as answers name it (user text: a message escapes it)."""
        return self.group.short_name or self.group.name

    def member(self, text: str) -> Member:
        """The member named by `text`, or a refusal that says who might have been meant."""
        member = resolve_member(self.members, text)
        if member is not None:
            return member
        names = [m.code for m in self.members] + [a for m in self.members for a in m.aliases]
        guess = closest(text, names)
        if guess:
            raise UsageError(say("member.unknown_guess", name=text, guess=guess))
        raise UsageError(say("member.unknown", name=text))

    def name_of(self, code: str) -> Translated | str:
        """The member's full name as a message parameter (in the reader's language where one is given);
        "" for no member."""
        member = resolve_member(self.members, code)
        return member_name(member) if member is not None else ""

    def chairs(self, slot: Slot, full: bool = False) -> Names | Text:
        """A term's chairs as a message parameter; `full`: a sole chair with its full name."""
        name = self.name_of(slot.chairs[0]) if full and len(slot.chairs) == 1 else ""
        if name:
            return say("chair.named", code=slot.chairs[0], name=name)
        return Names(slot.chairs)

    def days_until(self, day: date) -> int:
        """Calendar days from now to `day` where the group is (a countdown to a handover on `day`)."""
        return (day - self.now.astimezone(zone(self.group)).date()).days

    def starts_at(self, slot: Slot) -> datetime:
        return handover_instant(self.group, slot.first_day)

    def postable(self, channel_id: str) -> ChannelStatus:
        """Refuses a channel the bot cannot post in, saying how to fix it; a direct message is fine."""
        if self.channels is None or not channel_id.startswith(("C", "G")):
            return ChannelStatus.POSTABLE
        status = self.channels.check(channel_id)
        refusal = _REFUSED_CHANNELS.get(status)
        if refusal is not None:
            raise UsageError(say(refusal, channel=Channel(channel_id)))
        return status

    def audit(self, before: Any, after: Any) -> int:
        """Writes the audit entry of this command; its id names the events it caused."""
        return queries.add_audit_entry(
            session=self.session,
            group_id=self.group_id,
            team_id=self.team_id,
            at=self.now,
            user_id=self.user_id,
            action=self.command,
            before=before,
            after=after,
        )

    @property
    def zone_name(self) -> str:
        return str(zone(self.group))
