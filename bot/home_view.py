"""The App Home tab and the admins' modals in Block Kit, from handlers/home.py's parts."""

import json
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

from bot.blocks import MAX_SECTION, clip
from bot.posts import checklist_item_block, proposal_buttons
from handlers.home import GroupHome, Marked, home_groups
from handlers.response import Part, Response, shown
from handlers.translated import member_name
from messages import in_language, say
from messages.render import as_written, render
from storage import queries
from storage.models import Group

OPEN_TERM_MODAL = "gmg_open_term_modal"
OPEN_THEME_MODAL = "gmg_open_theme_modal"
TERM_MODAL = "gmg_term_modal"
THEME_MODAL = "gmg_theme_modal"
# Slack allows 100 blocks in a Home tab.
MAX_HOME_BLOCKS = 100


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, MAX_SECTION)))


def _part(title: str, response: Response, language: str) -> SectionBlock:
    _, sections, _ = response.parts("mrkdwn", language)
    return _section(f"*{title}*\n" + "\n".join(sections))


def _group_blocks(home: GroupHome, language: str) -> list[Block]:
    group = home.group
    heading = render(
        say(
            "home.heading_default" if home.is_default else "home.heading",
            name=group.name,
            short=group.short_name,
        ),
        "plain",
        language,
    )
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(as_written(heading), 150))),
        _part(render(say("home.chair_now"), "mrkdwn", language), home.chair, language),
        _part(render(say("home.next_handover"), "mrkdwn", language), home.next_handover, language),
        _part(render(say("home.coming_terms"), "mrkdwn", language), home.coming, language),
    ]
    blocks += _checklist_blocks(home.checklist, language)
    blocks += _proposal_blocks(home.proposals, language)
    blocks.append(_section(shown(home.channels, "mrkdwn", language)))
    admin_parts: list[Part | None] = [home.pause, home.failed, home.calendar]
    blocks += [_section(shown(p, "mrkdwn", language)) for p in admin_parts if p is not None]
    if home.is_admin:
        # The button says which group it is for: the modal's command goes to that group.
        value = json.dumps({"group_id": group.id})
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=_plain("home.set_term", language),
                        action_id=OPEN_TERM_MODAL,
                        value=value,
                        style="primary",
                    ),
                    ButtonElement(
                        text=_plain("home.set_theme", language),
                        action_id=OPEN_THEME_MODAL,
                        value=value,
                    ),
                ]
            )
        )
    return blocks


def _checklist_blocks(lines: list[Marked], language: str) -> list[Block]:
    """Items the viewer may mark each with its Done button; the other lines run together."""
    blocks: list[Block] = []
    plain: list[str] = []
    for each in lines:
        text = render(each.line, "mrkdwn", language)
        if each.button is None:
            plain.append(text)
            continue
        if plain:
            blocks.append(_section("\n".join(plain)))
            plain = []
        blocks.append(checklist_item_block(each.button, text, language))
    if plain:
        blocks.append(_section("\n".join(plain)))
    return blocks


def _proposal_blocks(lines: list[Marked], language: str) -> list[Block]:
    """Each open proposal with its Support and Object buttons."""
    blocks: list[Block] = []
    for each in lines:
        blocks.append(_section(render(each.line, "mrkdwn", language)))
        if each.button is not None:
            blocks.append(proposal_buttons(each.button, language))
    return blocks


def home_view(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    is_admin: Any,
    now: datetime,
    language: str,
    public_base_url: str | None = None,
    operator: bool = False,
) -> View:
    """The Home tab in the viewer's language: every group of the workspace, the default first. The
    caller commits (an admin's view may make a calendar key)."""
    homes = home_groups(
        session=session,
        team_id=team_id,
        user_id=user_id,
        is_admin=is_admin,
        now=now,
        public_base_url=public_base_url,
        operator=operator,
    )
    blocks: list[Block] = []
    for home in homes:
        if blocks:
            blocks.append(DividerBlock())
        blocks += _group_blocks(home, language)
    admin = any(h.is_admin for h in homes)
    footer = say("home.footer_admin") if admin else say("home.footer")
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=render(footer, "mrkdwn", language))]))
    if len(blocks) > MAX_HOME_BLOCKS:
        more = render(say("home.more_groups"), "mrkdwn", language)
        blocks = [*blocks[: MAX_HOME_BLOCKS - 1], _section(more)]
    return View(type="home", blocks=blocks)


def group_of(metadata_or_value: object) -> int | None:
    """The group id a button's value or a modal's private metadata names, if any."""
    if not isinstance(metadata_or_value, str):
        return None
    try:
        found = json.loads(metadata_or_value)
    except ValueError:
        return None
    group_id = found.get("group_id") if isinstance(found, dict) else None
    return group_id if isinstance(group_id, int) else None


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


def _plain(message_id: str, language: str) -> str:
    return render(say(message_id), "plain", language)


def term_modal(*, session: Session, group: Group, language: str) -> View:
    assert group.id is not None
    members = [m for m in queries.list_members(session=session, group_id=group.id) if m.active]
    options = [
        Option(value=m.code, text=f"{m.code}: {in_language(member_name(m), language)}"[:75])
        for m in members[:100]
    ]
    return View(
        type="modal",
        callback_id=TERM_MODAL,
        private_metadata=json.dumps({"group_id": group.id}),
        title=clip(render(say("modal.term_title", short=group.short_name), "plain", language), 24),
        submit=_plain("modal.save", language),
        close=_plain("modal.cancel", language),
        blocks=[
            _text_input("period", _plain("modal.period", language), _plain("modal.period_hint", language)),
            InputBlock(
                block_id="chairs",
                label=_plain("modal.chairs", language),
                hint=_plain("modal.chairs_hint", language),
                element=StaticMultiSelectElement(
                    action_id="value",
                    options=options,
                    placeholder=_plain("modal.chairs_placeholder", language),
                ),
            ),
            _text_input(
                "theme",
                _plain("modal.theme", language),
                _plain("modal.theme_hint", language),
                optional=True,
                max_length=150,
            ),
        ],
    )


def theme_modal(*, group: Group, period: str, language: str) -> View:
    return View(
        type="modal",
        callback_id=THEME_MODAL,
        private_metadata=json.dumps({"group_id": group.id}),
        title=clip(render(say("modal.theme_title", short=group.short_name), "plain", language), 24),
        submit=_plain("modal.save", language),
        close=_plain("modal.cancel", language),
        blocks=[
            _text_input(
                "period", _plain("modal.term", language), _plain("modal.term_hint", language), initial=period
            ),
            _text_input(
                "title", _plain("modal.title", language), _plain("modal.title_hint", language), max_length=150
            ),
            _text_input(
                "description",
                _plain("modal.description", language),
                _plain("modal.description_hint", language),
                optional=True,
                multiline=True,
                max_length=3000,
            ),
        ],
    )
