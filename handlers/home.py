"""The App Home tab as data, one part per group of the workspace, and the commands the admins' modals
stand for. Block Kit is made at the edge (bot/home_view.py)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from handlers import calendar, notices, questions
from handlers import handover_checklist as hc
from handlers.context import Args, Context
from handlers.periods import PERIOD_FORMS, parse_period
from handlers.response import Part, Response, UsageError
from handlers.translated import language_name
from messages import Channel, Code, Days, Lines, Names, Text, User, Words, say
from storage import deliveries, groups, handover, queries
from storage.durations import format_duration
from storage.models import ChecklistItem, Group
from storage.schedule import schedule_day

# Open theme proposals shown for each group; `/gmg theme proposals` lists them all.
SHOWN_PROPOSALS = 5
# Checklist items shown for each group, each with its own block.
SHOWN_ITEMS = 10


@dataclass(frozen=True)
class Marked:
    """A line of the Home tab and, where the viewer may click it, its button's value (an item's or a
    proposal's id)."""

    line: Text
    button: int | None = None


@dataclass
class GroupHome:
    """What the Home tab shows of one group; the admin parts are None for others."""

    group: Group
    is_default: bool
    chair: Response
    next_handover: Response
    coming: Response
    channels: Part
    is_admin: bool
    pause: Part | None = None
    failed: Part | None = None
    calendar: Part | None = None
    # The next handover's checklist (and what is still open of the one before), headings without a
    # button; items the viewer may mark with their id.
    checklist: list[Marked] = field(default_factory=list)
    # Open theme proposals, each with its id for Support and Object.
    proposals: list[Marked] = field(default_factory=list)


def home_groups(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    is_admin: bool | Callable[[], bool | None],
    now: datetime,
    public_base_url: str | None = None,
    operator: bool = False,
) -> list[GroupHome]:
    """Every group of the workspace, the default first. For an admin it may make a group's calendar
    key, and for anyone the next handover's checklist if planning has not yet: the caller commits."""
    workspace_groups = groups.workspace_groups(session=session, team_id=team_id)
    homes = []
    for i, group in enumerate(workspace_groups):
        ctx = Context(
            session=session,
            group=group,
            team_id=team_id,
            user_id=user_id,
            now=now,
            channel_id=None,
            command="home",
            admin_elsewhere=is_admin,
            groups=workspace_groups,
            operator=operator,
        )
        none = Args(text="", tokens=[])
        home = GroupHome(
            group=group,
            is_default=i == 0,
            chair=questions.chair(ctx, none),
            next_handover=questions.next_chair(ctx, none),
            coming=questions.schedule(ctx, none),
            channels=_channels(ctx),
            is_admin=ctx.is_admin,
            checklist=_checklist(ctx),
            proposals=_proposals(ctx),
        )
        if home.is_admin:
            pauses = notices.pause_notices(session=session, group=group, team_id=team_id)
            home.pause = say("lines", lines=Lines(tuple(pauses))) if pauses else None
            failed = deliveries.finished_deliveries(
                session=session, group_id=ctx.group_id, limit=3, state=deliveries.FAILED
            )
            if failed:
                home.failed = say(
                    "home.failed", lines=Lines(tuple(notices.describe(d, group) for d in failed))
                )
            key = queries.calendar_key(session=session, group_id=ctx.group_id)
            home.calendar = say("home.calendar", address=calendar.address_text(public_base_url, key))
        homes.append(home)
    return homes


def _checklist(ctx: Context) -> list[Marked]:
    """The open items of the handover before (overdue ones among them), then the next handover's
    items; the next handover's copy is made if planning has not made it yet (the caller commits)."""
    parts: list[tuple[Text, list[tuple[hc.Handover, ChecklistItem]]]] = []
    coming, _ = hc.coming(ctx.session, ctx.group, ctx.today)
    if coming is not None and coming.items:
        chairs = [Names(s.chairs) if s else say("notice.nobody") for s in (coming.outgoing, coming.incoming)]
        title = say("checklist.home_title", day=coming.day, outgoing=chairs[0], incoming=chairs[1])
        parts.append((title, [(coming, i) for i in coming.items]))
    before = hc.previous(ctx.session, ctx.group, ctx.today)
    if before is not None and before.open_items():
        heading = say("checklist.home_previous", day=before.day)
        parts.append((heading, [(before, i) for i in before.open_items()]))
    # The Home tab holds 100 blocks for every group: past SHOWN_ITEMS, the rest is a command away.
    shown: list[Marked] = []
    room, left = SHOWN_ITEMS, 0
    for heading, items in parts:
        shown.append(Marked(heading))
        shown += [_item(ctx, h, i) for h, i in items[:room]]
        left += len(items[room:])
        room = max(0, room - len(items))
    if left:
        shown.append(Marked(say("checklist.home_more", count=left, command=Code(hc.gmg(ctx, "checklist")))))
    return shown


def _item(ctx: Context, h: hc.Handover, item: ChecklistItem) -> Marked:
    line = hc.line(h, item, ctx.members, ctx.today, ctx.group)
    if item.done_by is not None or item.id is None:
        return Marked(line)
    may = hc.may_mark(h, item, ctx.members, ctx.user_id, lambda: ctx.admin_answer)
    return Marked(line, item.id if may else None)


def _proposals(ctx: Context) -> list[Marked]:
    """Proposals still open for votes: for terms that have not started."""
    found = handover.open_proposals(
        session=ctx.session, group_id=ctx.group_id, since=ctx.today + timedelta(days=1)
    )[:SHOWN_PROPOSALS]
    if not found:
        return []
    votes = handover.counts(session=ctx.session, proposal_ids=[p.id for p in found if p.id is not None])
    lines = [
        Marked(
            say(
                "home.proposal_line",
                title=p.title,
                days=Days(p.first_day, p.last_day),
                who=User(p.proposed_by),
                support=votes[p.id][0],
                against=votes[p.id][1],
            ),
            p.id,
        )
        for p in found
        if p.id is not None
    ]
    return [Marked(say("home.proposals_title")), *lines]


def _channels(ctx: Context) -> Part:
    kinds: dict[str, list[str]] = {}
    languages: dict[str, str] = {}
    for sub in queries.list_subscriptions(session=ctx.session, group_id=ctx.group_id):
        kinds.setdefault(sub.channel_id, []).append(sub.kind)
        if sub.language:
            languages[sub.channel_id] = sub.language
    channels = tuple(_channel(c, ks, languages.get(c)) for c, ks in kinds.items())
    leads = " ".join(
        format_duration(s) for s in queries.get_lead_seconds(session=ctx.session, group_id=ctx.group_id)
    )
    return say(
        "home.channels",
        channels=Words(channels) if channels else say("home.no_channels"),
        leads=Code(leads) if leads else say("home.no_reminders"),
    )


def _channel(channel: str, kinds: list[str], language: str | None) -> Text:
    """A subscribed channel, what it follows, and its language when it chose one."""
    followed = Words(tuple(say(f"home.kind_{k}") for k in kinds))
    if language:
        return say(
            "home.channel_language",
            channel=Channel(channel),
            kinds=followed,
            language=language_name(language),
        )
    return say("home.channel", channel=Channel(channel), kinds=followed)


def _value(values: dict[str, Any], block_id: str) -> Any:
    field = values.get(block_id, {}).get("value", {})
    if "selected_options" in field:
        return [o["value"] for o in field["selected_options"]]
    return (field.get("value") or "").strip()


class FormError(ValueError):
    """A modal field that cannot stand in its command; Slack shows the message under `field`."""

    def __init__(self, field: str, message: Text) -> None:
        super().__init__(message.id)
        self.field = field
        self.message = message


def _period(values: dict[str, Any]) -> str:
    """The period field, checked on its own: whatever else it held would be read as the next words of
    the command (a chair, a title)."""
    period = _value(values, "period")
    try:
        if not period or len(period.split()) != 1:
            raise UsageError(say("period.give_one", forms=PERIOD_FORMS))
        parse_period(period)
    except UsageError as exc:
        message = exc.message if isinstance(exc.message, Text) else say("code", code=exc.message)
        raise FormError("period", message) from exc
    return str(period)


def term_command(values: dict[str, Any]) -> str:
    """The /gmg command a term modal's submission stands for."""
    period, theme = _period(values), _value(values, "theme")
    # The command reads the longest run of `+`-joined member names after the period as the chairs.
    if theme.startswith("+"):
        raise FormError("theme", say("modal.theme_plus"))
    if theme.count('"') % 2:
        raise FormError("theme", say("modal.quotes_in_pairs"))
    chairs = "+".join(_value(values, "chairs"))
    return f'term set {period} "{chairs}" {theme}'.strip()


def theme_command(values: dict[str, Any]) -> str:
    period, title, description = _period(values), _value(values, "title"), _value(values, "description")
    # In the command the first `|` ends the title.
    if "|" in title:
        raise FormError("title", say("modal.title_pipe"))
    text = f"theme set {period} {title}"
    return f"{text} | {description}" if description else text


def current_period(*, session: Session, group: Group, now: datetime) -> str:
    """The current (or else next) decided term as `FIRST..LAST`, to prefill the theme modal."""
    assert group.id is not None
    term = queries.current_or_next_term(session=session, group_id=group.id, day=schedule_day(group, now))
    return f"{term.first_day}..{term.last_day}" if term else ""
