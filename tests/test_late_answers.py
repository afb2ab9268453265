"""A command whose answer takes longer than GMG_ANSWER_WITHIN is acknowledged within Slack's 3 s with
a note, and its answer follows through the command's response_url, in place of the note."""

import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot.capacity import REQUEST_THREADS
from storage import queries
from storage.db import LOCK_WAIT, SERVING
from storage.lock_wait import answer_may_follow
from storage.models import Term
from storage.transfer import ensure_workspace
from tests.conftest import ADMIN, LATE_NOTES, RunningBot, default_group_id, running_bot
from tests.fakeslack import FakeSlack

# A change held up for long is a PostgreSQL matter: on SQLite the lock is the file's one writer, which
# each change's own request record (bot/server.py's ReplayGuard) must take first, within Slack's 3 s.
ONE_WRITER = "on SQLite the request's own record (the replay guard) cannot wait past Slack's 3 s"


def test_a_change_held_up_by_another_is_acknowledged_and_its_answer_follows(
    database_url: str, slack: FakeSlack
) -> None:
    with running_bot(database_url, slack, gmg_answer_within=0.3) as bot:
        bot.command("chair")  # the workspace's group, set up
        engine = bot.services.engine
        with Session(engine) as setup:
            group_id = default_group_id(setup)
        # Another change of the group, still being saved: this one waits for it.
        other = Session(engine)
        queries.lock_for_update(session=other, group_id=group_id)
        released = threading.Timer(1.0, other.commit)
        released.start()
        started = time.monotonic()
        status, answer = bot.command(
            "term set 2040 IOM Held up", user=ADMIN, response_url=f"{slack.url}/commands/T1/42/late"
        )
        acknowledged = time.monotonic() - started
        followed = slack.wait_for("response_url", timeout=10)
        released.join()
        other.close()
        with Session(engine) as session:
            saved = [
                t for t in queries.list_terms(session=session, group_id=group_id) if t.first_day.year == 2040
            ]

    # On SQLite the request's own record (bot/server.py's ReplayGuard) waits for the one writer too.
    assert status == 200 and acknowledged < 3.0
    assert answer["text"] == "Still working on it: the answer will appear here in a moment."
    assert answer["response_type"] == "ephemeral"
    assert len(followed) == 1 and followed[0].path == "/commands/T1/42/late"
    assert "Term saved" in followed[0].body["text"] and followed[0].body["replace_original"] is True
    assert [(t.chairs, t.theme) for t in saved] == [(["IOM"], "Held up")]


def change_while_held(
    bot: RunningBot, hold: Callable[[Session, int], Callable[[], None]], seconds: float, text: str
) -> tuple[int, dict[str, Any], str, list[str]]:
    """Sends the change `text`, with a response_url, while another transaction that `hold` starts (and
    whose end it returns) keeps it waiting `seconds`: the acknowledgement, the answer that followed,
    and the group's themes afterwards."""
    bot.command("chair")
    with Session(bot.services.engine) as setup:
        group_id = default_group_id(setup)
    other = Session(bot.services.engine)
    released = threading.Timer(seconds, hold(other, group_id))
    released.start()
    status, answer = bot.command(text, user=ADMIN, response_url=f"{bot.slack.url}/commands/T1/44/late")
    followed = bot.slack.wait_for("response_url", timeout=30)
    released.join()
    other.close()
    with Session(bot.services.engine) as session:
        themes = [t.theme for t in queries.list_terms(session=session, group_id=group_id)]
    return status, answer, followed[0].body["text"], themes


def hold_the_group(other: Session, group_id: int) -> Callable[[], None]:
    queries.lock_for_update(session=other, group_id=group_id)
    return other.commit


def hold_an_overlapping_term(other: Session, group_id: int) -> Callable[[], None]:
    other.add(
        Term(group_id=group_id, first_day=date(2046, 1, 1), last_day=date(2046, 12, 31), chairs=["ILO"])
    )
    other.flush()
    return other.rollback


def test_a_change_held_up_past_the_lock_wait_is_saved_and_its_answer_follows(
    database_url: str, slack: FakeSlack
) -> None:
    """Held up longer than a change whose answer is awaited may wait (storage.db.LOCK_WAIT): with a
    response_url the answer can follow, so the change waits its turn and is saved, rather than be
    answered "the database is not answering"."""
    if database_url.startswith("sqlite"):
        pytest.skip(ONE_WRITER)
    with running_bot(database_url, slack) as bot:
        status, answer, followed, themes = change_while_held(
            bot, hold_the_group, LOCK_WAIT + 1.5, "term set 2041 IOM Held up long"
        )

    assert status == 200
    assert answer["text"] == "Still working on it: the answer will appear here in a moment."
    assert "Term saved" in followed, followed
    assert "Held up long" in themes


def test_changes_held_up_by_one_group_leave_room_for_questions(database_url: str, slack: FakeSlack) -> None:
    """Changes to one group pile up behind a long transaction, each allowed to wait its turn: they
    take at most half the answering threads, and a question asked meanwhile is answered on time."""
    if database_url.startswith("sqlite"):
        pytest.skip(ONE_WRITER)
    with running_bot(database_url, slack) as bot:
        bot.command("chair")
        with Session(bot.services.engine) as setup:
            group_id = default_group_id(setup)
        holder = Session(bot.services.engine)
        queries.lock_for_update(session=holder, group_id=group_id)
        released = threading.Timer(8.0, holder.commit)
        released.start()
        try:
            with ThreadPoolExecutor(REQUEST_THREADS) as pool:
                changes = [
                    pool.submit(
                        bot.command,
                        f"term set {2040 + i} IOM Burst {i}",
                        user=ADMIN,
                        response_url=f"{slack.url}/commands/T1/{i}/late",
                    )
                    for i in range(REQUEST_THREADS)
                ]
                time.sleep(2.5)  # every change has been acknowledged with the note, and waits
                started = time.monotonic()
                status, answer = bot.command("next", response_url=f"{slack.url}/commands/T1/q/late")
                took = time.monotonic() - started
                acknowledged = [c.result() for c in changes]
            slack.wait_for("response_url", count=len(acknowledged), timeout=40)
        finally:
            released.join()
            holder.close()

    assert all(status == 200 for status, _ in acknowledged)
    assert status == 200 and took < 3.0, took
    assert answer["text"] not in LATE_NOTES and "Too many requests" not in answer["text"], answer["text"]


def test_a_question_slow_to_learn_its_askers_language_follows_in_that_language(
    database_url: str, slack: FakeSlack
) -> None:
    """Slack takes its time to say the asker's language: the note, written before it is known, is in
    English; the answer that follows is in French."""
    slack.add_user("UFRANCAIS", locale="fr-FR")
    slack.hang("users.info", 0.8)
    with running_bot(database_url, slack, gmg_answer_within=0.3) as bot:
        started = time.monotonic()
        status, answer = bot.command(
            "chair 2011-03-15", user="UFRANCAIS", response_url=f"{slack.url}/commands/T1/43/late"
        )
        acknowledged = time.monotonic() - started
        followed = slack.wait_for("response_url", timeout=10)

    assert status == 200 and acknowledged < 0.8
    assert answer["text"] == "Still working on it: the answer will appear here in a moment."
    assert "a présidé le GMG" in followed[0].body["text"], followed[0].body["text"]
    assert followed[0].body["replace_original"] is True


def test_on_sqlite_a_change_whose_answer_may_follow_waits_for_another_process(engine: Engine) -> None:
    """SQLite: another process (a second `gmg-bot run`, `gmg-bot import`) holds the file's write lock
    for longer than a change may wait while Slack waits; a change whose answer may follow waits its
    turn (SQLite's own busy timeout included) and is saved."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's file lock")
    with Session(engine) as session:
        group_id = ensure_workspace(session=session, team_id="T1", seed=False, now=datetime.now(UTC)).id
        session.commit()
    assert group_id is not None and engine.url.database
    other = sqlite3.connect(engine.url.database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    released = threading.Timer(SERVING + 1.5, lambda: other.execute("COMMIT"))
    released.start()
    started = time.monotonic()
    try:
        with answer_may_follow(), Session(engine) as session:
            queries.lock_for_update(session=session, group_id=group_id)
            session.commit()
    finally:
        released.join()
        other.close()
    assert time.monotonic() - started > SERVING + 1.0  # it did wait for the other process


def test_a_change_whose_answer_may_follow_outwaits_a_slow_statement(
    database_url: str, slack: FakeSlack
) -> None:
    """Not only the group's lock: any statement of a change whose answer may follow gets as long. Here
    its new term waits for another transaction's overlapping term (uncommitted, then rolled back)."""
    if database_url.startswith("sqlite"):
        pytest.skip(ONE_WRITER)
    with running_bot(database_url, slack) as bot:
        status, answer, followed, themes = change_while_held(
            bot, hold_an_overlapping_term, SERVING + 1.5, "term set 2046 IOM Outwaited"
        )

    assert status == 200 and answer["text"] in LATE_NOTES
    assert "Term saved" in followed, followed
    assert "Outwaited" in themes
