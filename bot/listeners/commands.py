"""`/gmg ...`: answered in the acknowledgement itself, in the language of the asker's Slack; an answer that
takes longer than Slack waits follows through the command's response_url."""

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.answer_cache import AnswerCache
from bot.blocks import MAX_BLOCKS, answer_blocks, answer_text
from bot.capacity import REQUEST_THREADS
from bot.proposal_posts import update_posts
from bot.service import Services
from handlers import Response
from handlers.commands import is_question
from messages import say
from messages.render import render
from storage.db import is_unavailable, unavailable_reason
from storage.lock_wait import answer_may_follow

SHARE_ACTION = "gmg_share"
# An answer not started this long after it was asked for is not going to be on time.
BUSY_AFTER = 0.5
# Where bot.server notes when a request came in (time.monotonic()), in the request's context.
RECEIVED_AT = "gmg_received_at"
log = logging.getLogger("gmg.requests")


def edge_notice(message_id: str, language: str) -> str:
    """What the edge itself says when no command was answered (a failure, an outage)."""
    return render(say(message_id), "plain", language)


def notice(message_id: str, language: str) -> dict[str, Any]:
    return {"text": edge_notice(message_id, language), "response_type": "ephemeral"}


def with_share_button(response: Response, command: str, language: str) -> list[Block]:
    """An ephemeral answer to a question gets a button that posts it to the channel."""
    blocks = answer_blocks(response, language)
    if not (response.shareable and response.ephemeral) or len(blocks) >= MAX_BLOCKS:
        return blocks
    button = ButtonElement(
        text=render(say("answer.share"), "plain", language), action_id=SHARE_ACTION, value=command[:2000]
    )
    return [*blocks, ActionsBlock(elements=[button])]


def payload(response: Response, command: str, language: str) -> dict[str, Any]:
    return {
        "text": answer_text(response, language),
        "blocks": [b.to_dict() for b in with_share_button(response, command, language)],
        "response_type": "ephemeral" if response.ephemeral else "in_channel",
    }


def command_word(command: dict[str, Any]) -> str:
    """The command's first word, for the log (never its other words: they may hold anything)."""
    words = (command.get("text") or "").split()
    return words[0].lower()[:20] if words else "help"


def log_answer(command: dict[str, Any], result: str, received: float) -> None:
    log.info(
        "command=%s user=%s team=%s outcome=%s ms=%.1f",
        command_word(command),
        command["user_id"],
        command["team_id"],
        result,
        (time.monotonic() - received) * 1000,
    )


def outcome(response: Response) -> str:
    if not response.ok:
        return "refused"
    return "changed" if response.changed else "answered"


@dataclass(frozen=True)
class Answer:
    """A command's answer as Slack takes it, and the proposals whose posts now show an adoption."""

    payload: dict[str, Any]
    edited: tuple[int, ...] = ()


@contextmanager
def patience(slots: threading.BoundedSemaphore, command: dict[str, Any]) -> Iterator[None]:
    """With a response_url the answer can follow after Slack's 3 s: a change then waits its turn
    behind the group's other changes rather than give up (storage.lock_wait), while a slot is free.
    The slots keep threads for questions and other groups when one group's changes pile up."""
    if (
        not command.get("response_url")
        or is_question(command.get("text") or "")
        or not slots.acquire(blocking=False)
    ):
        yield
        return
    try:
        with answer_may_follow():
            yield
    finally:
        slots.release()


def register(app: App, services: Services) -> None:
    cache = AnswerCache(engine=services.engine, watch=services.changes)
    # At most half the answering threads wait long for a group's lock.
    patient = threading.BoundedSemaphore(REQUEST_THREADS // 2)

    def answer(command: dict[str, Any], received: float) -> Answer:
        text, word = command.get("text") or "", command_word(command)
        team_id, user_id = command["team_id"], command["user_id"]  # checked by bot.server
        try:
            language = services.users.language(team_id, user_id)
            key = cache.key(team_id=team_id, text=text, now=datetime.now(UTC), language=language)
            shown = cache.get(key) if key else None
            result = "answered"
            edited: tuple[int, ...] = ()
            if shown is None:
                with patience(patient, command):
                    response = services.answer(
                        team_id=team_id, user_id=user_id, text=text, channel_id=command.get("channel_id")
                    )
                shown, result = payload(response, text, language), outcome(response)
                edited = response.proposals
                if key and result == "answered":
                    cache.put(key, shown)
        except Exception as exc:
            language = services.users.known_language(team_id, user_id)
            if not is_unavailable(exc):
                log.exception("command=%s user=%s team=%s outcome=error", word, user_id, team_id)
                return Answer(notice("answer.failure", language))
            log.warning(
                "command=%s user=%s team=%s outcome=unavailable reason=%s",
                word,
                user_id,
                team_id,
                unavailable_reason(exc),
            )
            return Answer(notice("answer.unavailable", language))
        log_answer(command, result, received)
        return Answer(shown, edited)

    def answer_late(respond: Respond, work: Future[Answer]) -> None:
        done = work.result()
        try:
            # In place of the note (answers to commands are ephemeral, as the note is).
            sent = respond(**done.payload, replace_original=True)
            if sent.status_code != 200:
                log.warning("a late answer was refused by its response_url: HTTP %s", sent.status_code)
        except (SlackApiError, OSError) as exc:
            log.warning("a late answer could not go through its response_url: %s", type(exc).__name__)
        update_posts(services, done.edited)

    def kept_answer(command: dict[str, Any]) -> dict[str, Any] | None:
        """A question's answer kept in memory, for an asker whose language is known: neither the
        database nor Slack is asked, so it is given at once."""
        team_id, user_id = command["team_id"], command["user_id"]
        language = services.users.cached_language(team_id, user_id)
        if language is None:
            return None
        text = command.get("text") or ""
        key = cache.key(team_id=team_id, text=text, now=datetime.now(UTC), language=language, reading=False)
        return cache.get(key) if key else None

    @app.command("/gmg")
    def gmg_command(ack: Ack, respond: Respond, command: dict[str, Any], context: BoltContext) -> None:
        received = context.get(RECEIVED_AT) or time.monotonic()
        kept = kept_answer(command)
        if kept is not None:
            ack(**kept)
            log_answer(command, "answered", received)
            return
        work = services.answering.submit(answer, command, received)
        submitted = time.monotonic()
        # Without a response_url nothing could follow: wait for the answer whatever it takes.
        wait = received + services.settings.gmg_answer_within - submitted
        try:
            done = work.result(timeout=max(wait, 0.0) if command.get("response_url") else None)
        except TimeoutError:
            language = services.users.known_language(command["team_id"], command["user_id"])
            # Not started after waiting that long: every answering thread is busy, and this one would
            # run only after them all. It is dropped, unstarted, and the asker told so.
            if time.monotonic() - submitted >= BUSY_AFTER and work.cancel():
                log_answer(command, "busy", received)
                ack(**notice("answer.busy", language))
                return
            if not work.done():  # (done just now: answered below, rather than before the note)
                ack(**notice("answer.working", language))
                work.add_done_callback(partial(answer_late, respond))
                return
            done = work.result()
        ack(**done.payload)
        if done.edited:  # after the answer, not holding it up: the proposals' posts show an adoption
            try:
                services.answering.submit(update_posts, services, done.edited)
            except RuntimeError:  # shutting down: the posts show it from the next change on
                log.info("proposal posts not updated: the bot is stopping")

    @app.action(SHARE_ACTION)
    def share(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        text = action.get("value") or ""
        # The button shares an answer to a question; its value comes from the client, so anything
        # else in it (a change) is not run, and without a response_url there is nowhere to post.
        if not is_question(text) or not body.get("response_url"):
            log.info("share user=%s outcome=refused", body["user"]["id"])
            return
        channel = body.get("channel")  # none when the message is in no channel
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        # Shared in the sharer's language: the words they read and chose to post.
        language = services.users.language(team_id, user_id)
        try:
            response = services.answer(
                team_id=team_id,
                user_id=user_id,
                text=text,
                channel_id=channel["id"] if isinstance(channel, dict) else None,
            )
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            log.warning("share user=%s outcome=unavailable", user_id)
            respond(
                text=edge_notice("answer.unavailable", language),
                response_type="ephemeral",
                replace_original=False,
            )
            return
        if response.ok and response.shareable:
            response.ephemeral = False
            respond(
                text=answer_text(response, language),
                blocks=[b.to_dict() for b in answer_blocks(response, language)],
                response_type="in_channel",
                replace_original=False,
            )
            respond(delete_original=True)
