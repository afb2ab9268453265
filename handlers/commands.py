"""The one entry point of the /gmg language: text in, a Response out, one transaction."""

import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from handlers import calendar, changes, configuration, questions
from handlers.context import ChannelAccess, Context
from handlers.response import Response, UsageError
from handlers.text import Token, escape, normalize_input, tokenize
from storage.db import is_write_conflict
from storage.matching import closest
from storage.models import Group
from storage.queries import ConcurrentChange

HELP = [
    ("chair [WHEN]", "chair 2011-03-15", "who chairs, the term, its theme, who is next"),
    ("next", "next", "the next chair and handover, decided or projected"),
    ("theme [WHEN]", "theme 2011-H2", "the theme and its description"),
    ("schedule [N]", "schedule 6", "the coming terms"),
    ("history [YEAR | N]", "history 2011", "past terms, newest first"),
    ("members", "members", "the member agencies"),
    ("rotation", "rotation", "the rotation order"),
    ("admin", "admin", "who can change things"),
    ("reminders", "reminders", "when reminders go out"),
    ("settings", "settings", "timezone, handover time, term length"),
]
ADMIN_HELP = [
    ("term set PERIOD CHAIR[+CHAIR] [THEME]", "term set 2019 FAO+IOM Safe migration"),
    ("term clear PERIOD", "term clear 2019-H1"),
    ("theme set [PERIOD] TITLE [| DESCRIPTION]", "theme set Youth | Adolescents and migration"),
    ("rotation set A, B, C", "rotation set ILO, IOM, UNDP"),
    ("rotation clear", "rotation clear"),
    ("member add CODE Full name", "member add WHO World Health Organization"),
    ("member remove CODE", "member remove WHO"),
    ("focal CODE @user ...", "focal UNICEF @ana"),
    ("subscribe [#channel] [reminders|themes|all]", "subscribe #gmg-coordination reminders"),
    ("unsubscribe [#channel] [reminders|themes|all]", "unsubscribe #gmg themes"),
    ("reminders [LEAD ...]", "reminders 30d 7d 1d12h"),
    ("admin add @user", "admin add @ana"),
    ("admin remove @user", "admin remove @ana"),
    ("settings timezone ZONE | handover HH:MM | term-months N | topic #channel", "settings handover 09:00"),
    ("log [N]", "log 20"),
    ("deliveries [N]", "deliveries 20"),
    ("calendar", "calendar"),
    ("calendar new-key", "calendar new-key"),
]
# A change refused by the database for a concurrent one is tried again this many times in all.
CONFLICT_ATTEMPTS = 4
CONFLICT_BUDGET = 1.0
WHEN_NOTE = "WHEN: `today`, `next`, `previous`, `2011-03-15`, `2011-03`, `2011-H1`, `2011`."


def help_response(short_name: str) -> Response:
    questions_text = "\n".join(f"• `/gmg {u}`: {what}. e.g. `/gmg {e}`" for u, e, what in HELP)
    admin_text = "\n".join(f"• `/gmg {u}`, e.g. `/gmg {e}`" for u, e in ADMIN_HELP)
    return Response(
        title=f"/gmg: the {short_name} chair rotation",
        sections=[
            "*Ask*\n" + questions_text,
            "*Change* (admins)\n" + admin_text,
            WHEN_NOTE + " Add `share` to a question to post the answer in the channel.",
        ],
        footer="Members can be named in any case, with or without spaces, dots or hyphens.",
    )


Question = Callable[[Context, list[str]], Response]
QUESTIONS: dict[str, Question] = {
    "chair": questions.chair,
    "next": questions.next_chair,
    "theme": questions.theme,
    "schedule": questions.schedule,
    "history": questions.history,
    "members": questions.members,
    "rotation": questions.rotation,
    "admin": questions.admins,
    "admins": questions.admins,
}
CHANGES: dict[str, Callable[[Context, str, list[Token]], Response]] = {
    "term": changes.term,
    "member": changes.member_change,
    "focal": changes.focal,
}
# Words that are a question alone and a change with a sub-command after them.
CHANGE_AFTER = {"theme": "set", "rotation": "set clear", "admin": "add remove", "admins": "add remove"}
# Every command's sub-commands, for a "did you mean" on a near miss.
SUBCOMMANDS = {
    **CHANGE_AFTER,
    "term": "set clear",
    "member": "add remove",
    "settings": "timezone handover term-months topic",
    "calendar": "new-key",
}
KNOWN = [
    *QUESTIONS,
    *CHANGES,
    "help",
    "subscribe",
    "unsubscribe",
    "reminders",
    "settings",
    "log",
    "deliveries",
    "calendar",
]


def handle_command(
    *,
    session: Session,
    group: Group,
    text: str,
    user_id: str,
    is_admin: bool | Callable[[], bool | None],
    now: datetime,
    channel_id: str | None = None,
    public_base_url: str | None = None,
    channels: ChannelAccess | None = None,
) -> Response:
    """Answers one /gmg command; a change is written whole or not at all.

    A change that clashes with another saved at the same moment (the database refuses it: an
    overlapping term, a member added twice, SQLite's one writer) is tried again on the data as it now
    is, where it is saved or refused with its reason; only a clash that persists is reported as such."""
    command = normalize_input(text)
    started = time.monotonic()
    for _ in range(CONFLICT_ATTEMPTS):
        ctx = Context(
            session=session,
            group=group,
            user_id=user_id,
            admin_elsewhere=is_admin,
            now=now,
            channel_id=channel_id,
            command=command,
            public_base_url=public_base_url,
            channels=channels,
        )
        try:
            return _apply(ctx, command)
        except (DBAPIError, StaleDataError, ConcurrentChange) as exc:
            session.rollback()
            # Another transaction changed or removed what this one read: an update or delete that
            # finds its row gone, or a row the database refuses for one saved meanwhile.
            if isinstance(exc, DBAPIError) and not is_write_conflict(exc):
                raise
            # A lock waited for (SQLite's one writer) took its time already: answer while Slack waits.
            if time.monotonic() - started > CONFLICT_BUDGET:
                break
    return Response(
        title="That did not work",
        sections=[
            "Other changes to the group were being saved at the same moment, and this one could not "
            "be checked against them. Nothing was changed: send the command again."
        ],
        ok=False,
    )


def _apply(ctx: Context, command: str) -> Response:
    try:
        response = _dispatch(ctx, command)
    except UsageError as exc:
        ctx.session.rollback()
        return Response(
            title="That did not work",
            sections=[str(exc)],
            footer="See every command with `/gmg help`.",
            ok=False,
        )
    if response.changed:
        # The deliveries are re-planned as the transaction commits (storage/replanning.py).
        ctx.session.commit()
    else:
        ctx.session.rollback()
    return response


def _dispatch(ctx: Context, command: str) -> Response:
    tokens = tokenize(command)
    if not tokens or tokens[0].value.lower() == "help":
        return help_response(ctx.short_name)
    word = tokens[0].value.lower()
    rest = tokens[1:]
    share = bool(rest) and rest[-1].value.lower() == "share"
    sub = rest[0].value.lower() if rest else ""
    if word in CHANGE_AFTER and sub in CHANGE_AFTER[word].split():
        return _change(ctx, word, command, rest)
    if word in SUBCOMMANDS and sub and sub not in SUBCOMMANDS[word].split():
        guess = closest(sub, SUBCOMMANDS[word].split())
        if guess:
            raise UsageError(
                f"`{escape(sub[:50])}` is not a sub-command. Did you mean `/gmg {word} {guess}`?"
            )
    if word in QUESTIONS:
        words = [t.value for t in (rest[:-1] if share else rest)]
        response = QUESTIONS[word](ctx, words)
        response.ephemeral = not share
        return response
    if word == "calendar":
        return calendar.command(ctx, [t.value for t in rest])
    if word in CHANGES or word in ("subscribe", "unsubscribe", "log", "deliveries"):
        return _change(ctx, word, command, rest)
    if word == "reminders":
        return configuration.reminders(ctx, rest)
    if word == "settings":
        return configuration.settings(ctx, rest)
    guess = closest(word, KNOWN)
    hint = f" Did you mean `/gmg {guess}`?" if guess else ""
    raise UsageError(f"`{escape(tokens[0].value[:50])}` is not a /gmg command.{hint}")


def _change(ctx: Context, word: str, command: str, rest: list[Token]) -> Response:
    if not ctx.is_admin:
        raise changes.refusal(ctx)
    # Free text (titles, names) is taken from the command as typed, after the sub-command.
    text = command
    if word == "theme":
        return changes.theme_set(ctx, text, rest)
    if word in ("rotation",):
        return changes.rotation_set(ctx, text, rest)
    if word in ("admin", "admins"):
        return configuration.admin_change(ctx, rest)
    if word in ("subscribe", "unsubscribe"):
        return configuration.subscription(ctx, rest, subscribe=word == "subscribe")
    if word == "deliveries":
        return questions.deliveries_report(ctx, [t.value for t in rest])
    if word == "log":
        return configuration.log(ctx, rest)
    return CHANGES[word](ctx, text, rest)


def is_question(text: str) -> bool:
    """Whether the answer depends only on the group's data and the day: not on who asks, not a change."""
    words = normalize_input(text).lower().split()
    if not words or words[0] == "help":
        return True
    word, sub = words[0], words[1] if len(words) > 1 else ""
    return word in QUESTIONS and not (word in CHANGE_AFTER and sub in CHANGE_AFTER[word].split())
