"""The one entry point of the /gmg language: text in, a Response out, one transaction.

`/gmg [GROUP] COMMAND ...`: when the first word is the short name of one of the workspace's groups, the
command is about that group; otherwise about the workspace's default group."""

import functools
import random
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from handlers import registry
from handlers.context import Args, ChannelAccess, Context
from handlers.forms import Form, choose
from handlers.response import Part, Response, UsageError
from handlers.text import Token, normalize_input, tokenize
from messages import Code, say
from storage import groups
from storage.db import is_write_conflict
from storage.models import Group
from storage.queries import ConcurrentChange

# A change refused by the database for a concurrent one is tried again this many times in all, within
# this many seconds (Slack waits 3), each time after a short random pause: changes that clashed once
# would clash again if they all came back at the same instant.
CONFLICT_ATTEMPTS = 6
CONFLICT_BUDGET = 1.8
CONFLICT_PAUSE = 0.03


def handle_command(
    *,
    session: Session,
    team_id: str,
    text: str,
    user_id: str,
    is_admin: bool | Callable[[], bool | None],
    now: datetime,
    operator: bool = False,
    channel_id: str | None = None,
    public_base_url: str | None = None,
    channels: ChannelAccess | None = None,
) -> Response:
    """Answers one /gmg command from workspace `team_id` (which has its groups: see
    storage.transfer.ensure_workspace); a change is written whole or not at all.

    A change that clashes with another saved at the same moment (the database refuses it: an
    overlapping term, a member added twice, SQLite's one writer) is tried again on the data as it now
    is, where it is saved or refused with its reason; only a clash that persists is reported as such."""
    command = normalize_input(text)
    started = time.monotonic()
    for _ in range(CONFLICT_ATTEMPTS):
        try:
            return _apply(
                session,
                command,
                lambda group, workspace_groups: Context(
                    session=session,
                    group=group,
                    team_id=team_id,
                    user_id=user_id,
                    admin_elsewhere=is_admin,
                    now=now,
                    channel_id=channel_id,
                    command=command,
                    public_base_url=public_base_url,
                    channels=channels,
                    groups=workspace_groups,
                    operator=operator,
                ),
                team_id,
            )
        except (DBAPIError, StaleDataError, ConcurrentChange) as exc:
            session.rollback()
            # Another transaction changed or removed what this one read: an update or delete that
            # finds its row gone, or a row the database refuses for one saved meanwhile.
            if isinstance(exc, DBAPIError) and not is_write_conflict(exc):
                raise
            # A lock waited for (SQLite's one writer) took its time already: answer while Slack waits.
            if time.monotonic() - started > CONFLICT_BUDGET:
                break
            time.sleep(random.uniform(0, CONFLICT_PAUSE))
    return _refused(say("usage.conflict"), footer="")


def _refused(message: Part, footer: Part | None = None) -> Response:
    return Response(
        title=say("usage.failed"),
        sections=[message],
        footer=say("usage.see_help") if footer is None else footer,
        ok=False,
    )


def _apply(
    session: Session, command: str, context: Callable[[Group, list[Group]], Context], team_id: str
) -> Response:
    try:
        tokens = tokenize(command)
        workspace_groups = groups.workspace_groups(session=session, team_id=team_id)
        if not workspace_groups:
            raise LookupError(f"workspace {team_id} has no group: set it up with ensure_workspace first")
        group, tokens = _group_named(workspace_groups, tokens)
        ctx = context(group, workspace_groups)
        response = _dispatch(ctx, command, tokens)
    except UsageError as exc:
        session.rollback()
        return _refused(exc.message)
    if response.changed:
        # The deliveries are re-planned as the transaction commits (storage/replanning.py).
        session.commit()
    else:
        session.rollback()
    return response


def _group_named(workspace_groups: list[Group], tokens: list[Token]) -> tuple[Group, list[Token]]:
    """The group the first word names, and the words after it; else the default group and all words."""
    if tokens:
        key = groups.short_key(tokens[0].value)
        for group in workspace_groups:
            if groups.short_key(group.short_name) == key:
                return group, tokens[1:]
    return workspace_groups[0], tokens


def _dispatch(ctx: Context, command: str, tokens: list[Token]) -> Response:
    if not tokens:
        return registry.help_response(ctx)
    found = registry.find(tokens[0].value)
    if found is None and tokens[0].value.lower() == "share":
        raise UsageError(say("usage.share_alone", example=Code("/gmg chair share")))
    if found is None:
        raise registry.unknown_command(tokens, [g.short_name for g in ctx.groups])
    rest = tokens[1:]
    form = choose(found, rest)
    share = form.is_question and bool(rest) and rest[-1].value.lower() == "share"
    allowed = ctx.may(workspace=form.workspace) if form.admin else True
    if not allowed:
        if allowed is None:
            raise UsageError(say("refused.slack_silent"))
        raise UsageError(say(form.refusal, group=ctx.group.short_name))
    response = form.handler(ctx, Args(text=command, tokens=rest[:-1] if share else rest, share=share))
    if form.is_question:
        response.ephemeral = not share
    return response


# Kept: a request asks this twice (the replay guard, then the answer's cache key), and the same
# questions come again and again.
@functools.lru_cache(maxsize=1024)
def parse_question(text: str) -> tuple[str, Form] | None:
    """For a question (an answer the same for everyone who asks): the group word it starts with (""
    for none) and its form; None for a change or a command that is not one. A first word that is no
    command word is taken for a group's short name (they cannot be command words)."""
    try:
        tokens = tokenize(normalize_input(text))
    except UsageError:
        return None
    group_word = ""
    if tokens and registry.find(tokens[0].value) is None:
        group_word, tokens = tokens[0].value, tokens[1:]
    if tokens and tokens[-1].value.lower() == "share":
        tokens = tokens[:-1]
    form = registry.lookup(tokens)
    return (group_word, form) if form is not None and form.is_question else None


def is_question(text: str) -> bool:
    return parse_question(text) is not None
