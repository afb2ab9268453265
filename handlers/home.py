"""The App Home tab and the admins' modals, as Block Kit; Slack wiring lives in bot/."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticMultiSelectElement,
)
from slack_sdk.models.views import View
from sqlmodel import Session

from handlers import calendar, notices, questions
from handlers.context import Context
from handlers.periods import PERIOD_FORMS, parse_period
from handlers.response import MAX_SECTION, Response, UsageError, to_plain
from storage import access, deliveries, queries
from storage.durations import format_duration
from storage.models import Group
from storage.schedule import schedule_day

OPEN_TERM_MODAL = "gmg_open_term_modal"
OPEN_THEME_MODAL = "gmg_open_theme_modal"
TERM_MODAL = "gmg_term_modal"
THEME_MODAL = "gmg_theme_modal"
# Slack allows 100 blocks in a Home tab; a block per section keeps us far below it.
MAX_HOME_BLOCKS = 100


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text[:MAX_SECTION]))


def _part(title: str, response: Response) -> list[Block]:
    body = "\n".join(s for s in response.sections if s.strip())
    return [_section(f"*{title}*\n{body}")]


def home_view(
    *,
    session: Session,
    group: Group,
    user_id: str,
    is_admin: bool | Callable[[], bool | None],
    now: datetime,
    public_base_url: str | None = None,
) -> View:
    """The Home tab. For an admin it may make the workspace's calendar key: the caller commits."""
    ctx = Context(
        session=session,
        group=group,
        user_id=user_id,
        now=now,
        channel_id=None,
        command="home",
        admin_elsewhere=is_admin,
    )
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=group.name[:150]))]
    blocks += _part("Chair now", questions.chair(ctx, []))
    blocks += _part("Next handover", questions.next_chair(ctx, []))
    blocks += _part("Coming terms", questions.schedule(ctx, []))
    subscriptions: dict[str, list[str]] = {}
    for sub in queries.list_subscriptions(session=session, team_id=group.team_id):
        subscriptions.setdefault(sub.channel_id, []).append(sub.kind)
    channels = ", ".join(f"<#{c}> ({' and '.join(k)})" for c, k in subscriptions.items()) or "none yet"
    leads = " ".join(
        format_duration(s) for s in queries.get_lead_seconds(session=session, team_id=group.team_id)
    )
    blocks += [
        DividerBlock(),
        _section(f"*Channels*: {channels}\n*Reminders*: {leads or 'none'} before each handover"),
    ]
    if ctx.is_admin:
        paused = access.paused(session=session, team_id=group.team_id)
        if paused:
            blocks.append(_section(notices.pause_notice(paused, group)))
        failed = deliveries.finished_deliveries(
            session=session, team_id=group.team_id, limit=3, state=deliveries.FAILED
        )
        if failed:
            lines = "\n".join(notices.describe(d, group) for d in failed)
            blocks.append(_section(f"*:x: Failed deliveries*\n{lines}\nMore with `/gmg deliveries`."))
        key = queries.calendar_key(session=session, team_id=group.team_id)
        blocks.append(
            _section(
                f"*Calendar feed* (admins see this): {calendar.address_text(public_base_url, key)}\n"
                "Subscribe in Outlook (Add calendar → Subscribe from web) or Google Calendar (Other "
                "calendars → From URL). `/gmg calendar new-key` replaces the address."
            )
        )
        blocks += [
            ActionsBlock(
                elements=[
                    ButtonElement(text="Set a term", action_id=OPEN_TERM_MODAL, style="primary"),
                    ButtonElement(text="Set a theme", action_id=OPEN_THEME_MODAL),
                ]
            ),
            ContextBlock(
                elements=[
                    MarkdownTextObject(text="You are an admin: `/gmg help` lists every change you can make.")
                ]
            ),
        ]
    else:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="Ask anything with `/gmg help`.")]))
    return View(type="home", blocks=blocks[:MAX_HOME_BLOCKS])


def _text_input(
    block_id: str,
    label: str,
    hint: str,
    *,
    optional: bool = False,
    multiline: bool = False,
    initial: str = "",
    max_length: int | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        hint=hint,
        optional=optional,
        element=PlainTextInputElement(
            action_id="value", multiline=multiline, initial_value=initial or None, max_length=max_length
        ),
    )


def term_modal(*, session: Session, group: Group) -> View:
    members = [m for m in queries.list_members(session=session, team_id=group.team_id) if m.active]
    options = [Option(value=m.code, text=f"{m.code}: {m.name}"[:75]) for m in members[:100]]
    return View(
        type="modal",
        callback_id=TERM_MODAL,
        title="Set a term",
        submit="Save",
        close="Cancel",
        blocks=[
            _text_input("period", "Period", "2027, 2027-H1, 2027-03 or 2027-01-01..2027-12-31"),
            InputBlock(
                block_id="chairs",
                label="Chair(s)",
                hint="Two or more for co-chairs",
                element=StaticMultiSelectElement(
                    action_id="value", options=options, placeholder="Choose members"
                ),
            ),
            _text_input("theme", "Theme", "Optional; up to 150 characters", optional=True, max_length=150),
        ],
    )


def theme_modal(*, period: str) -> View:
    return View(
        type="modal",
        callback_id=THEME_MODAL,
        title="Set a theme",
        submit="Save",
        close="Cancel",
        blocks=[
            _text_input("period", "Term", "The term's days, a year or half-year", initial=period),
            _text_input("title", "Title", "Up to 150 characters", max_length=150),
            _text_input(
                "description",
                "Description",
                "Optional; up to 3,000 characters",
                optional=True,
                multiline=True,
                max_length=3000,
            ),
        ],
    )


def _value(values: dict[str, Any], block_id: str) -> Any:
    field = values.get(block_id, {}).get("value", {})
    if "selected_options" in field:
        return [o["value"] for o in field["selected_options"]]
    return (field.get("value") or "").strip()


class FormError(ValueError):
    """A modal field that cannot stand in its command; Slack shows the message under `field`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _period(values: dict[str, Any]) -> str:
    """The period field, checked on its own: whatever else it held would be read as the next words of
    the command (a chair, a title)."""
    period = _value(values, "period")
    try:
        if not period or len(period.split()) != 1:
            raise UsageError(f"Give one period: {PERIOD_FORMS}.")
        parse_period(period)
    except UsageError as exc:
        raise FormError("period", to_plain(str(exc))) from exc
    return str(period)


def term_command(values: dict[str, Any]) -> str:
    """The /gmg command a term modal's submission stands for."""
    period, theme = _period(values), _value(values, "theme")
    # The command reads the longest run of `+`-joined member names after the period as the chairs.
    if theme.startswith("+"):
        raise FormError("theme", "A theme cannot start with +.")
    if theme.count('"') % 2:
        raise FormError("theme", 'Use quotes in pairs ("...").')
    chairs = "+".join(_value(values, "chairs"))
    return f'term set {period} "{chairs}" {theme}'.strip()


def theme_command(values: dict[str, Any]) -> str:
    period, title, description = _period(values), _value(values, "title"), _value(values, "description")
    # In the command the first `|` ends the title.
    if "|" in title:
        raise FormError("title", "A title cannot contain |; put the rest in the description.")
    text = f"theme set {period} {title}"
    return f"{text} | {description}" if description else text


def current_period(*, session: Session, group: Group, now: datetime) -> str:
    """The current (or else next) decided term as `FIRST..LAST`, to prefill the theme modal."""
    term = queries.current_or_next_term(session=session, team_id=group.team_id, day=schedule_day(group, now))
    return f"{term.first_day}..{term.last_day}" if term else ""
