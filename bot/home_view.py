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
from handlers.home import GroupHome, home_groups
from handlers.response import Part, Response, shown
from messages import say
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


def _part(title: str, response: Response) -> SectionBlock:
    _, sections, _ = response.parts("mrkdwn")
    return _section(f"*{title}*\n" + "\n".join(sections))


def _group_blocks(home: GroupHome) -> list[Block]:
    group = home.group
    heading = render(
        say(
            "home.heading_default" if home.is_default else "home.heading",
            name=group.name,
            short=group.short_name,
        ),
        "plain",
    )
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(as_written(heading), 150))),
        _part(render(say("home.chair_now")), home.chair),
        _part(render(say("home.next_handover")), home.next_handover),
        _part(render(say("home.coming_terms")), home.coming),
        _section(shown(home.channels, "mrkdwn")),
    ]
    admin_parts: list[Part | None] = [home.pause, home.failed, home.calendar]
    blocks += [_section(shown(p, "mrkdwn")) for p in admin_parts if p is not None]
    if home.is_admin:
        # The button says which group it is for: the modal's command goes to that group.
        value = json.dumps({"group_id": group.id})
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=render(say("home.set_term"), "plain"),
                        action_id=OPEN_TERM_MODAL,
                        value=value,
                        style="primary",
                    ),
                    ButtonElement(
                        text=render(say("home.set_theme"), "plain"), action_id=OPEN_THEME_MODAL, value=value
                    ),
                ]
            )
        )
    return blocks


def home_view(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    is_admin: Any,
    now: datetime,
    public_base_url: str | None = None,
) -> View:
    """The Home tab: every group of the workspace, the default first. The caller commits (an admin's
    view may make a calendar key)."""
    homes = home_groups(
        session=session,
        team_id=team_id,
        user_id=user_id,
        is_admin=is_admin,
        now=now,
        public_base_url=public_base_url,
    )
    blocks: list[Block] = []
    for home in homes:
        if blocks:
            blocks.append(DividerBlock())
        blocks += _group_blocks(home)
    admin = any(h.is_admin for h in homes)
    footer = say("home.footer_admin") if admin else say("home.footer")
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=render(footer))]))
    if len(blocks) > MAX_HOME_BLOCKS:
        blocks = [*blocks[: MAX_HOME_BLOCKS - 1], _section(render(say("home.more_groups")))]
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


def _plain(message_id: str) -> str:
    return render(say(message_id), "plain")


def term_modal(*, session: Session, group: Group) -> View:
    assert group.id is not None
    members = [m for m in queries.list_members(session=session, group_id=group.id) if m.active]
    options = [Option(value=m.code, text=f"{m.code}: {m.name}"[:75]) for m in members[:100]]
    return View(
        type="modal",
        callback_id=TERM_MODAL,
        private_metadata=json.dumps({"group_id": group.id}),
        title=clip(render(say("modal.term_title", short=group.short_name), "plain"), 24),
        submit=_plain("modal.save"),
        close=_plain("modal.cancel"),
        blocks=[
            _text_input("period", _plain("modal.period"), _plain("modal.period_hint")),
            InputBlock(
                block_id="chairs",
                label=_plain("modal.chairs"),
                hint=_plain("modal.chairs_hint"),
                element=StaticMultiSelectElement(
                    action_id="value", options=options, placeholder=_plain("modal.chairs_placeholder")
                ),
            ),
            _text_input(
                "theme", _plain("modal.theme"), _plain("modal.theme_hint"), optional=True, max_length=150
            ),
        ],
    )


def theme_modal(*, group: Group, period: str) -> View:
    return View(
        type="modal",
        callback_id=THEME_MODAL,
        private_metadata=json.dumps({"group_id": group.id}),
        title=clip(render(say("modal.theme_title", short=group.short_name), "plain"), 24),
        submit=_plain("modal.save"),
        close=_plain("modal.cancel"),
        blocks=[
            _text_input("period", _plain("modal.term"), _plain("modal.term_hint"), initial=period),
            _text_input("title", _plain("modal.title"), _plain("modal.title_hint"), max_length=150),
            _text_input(
                "description",
                _plain("modal.description"),
                _plain("modal.description_hint"),
                optional=True,
                multiline=True,
                max_length=3000,
            ),
        ],
    )
