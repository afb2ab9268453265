"""What a hostile pass found after the first round of fixes, each kept as a test: a reminder for a
term cleared while it was retrying; slow Slack calls on the answer path; out-of-range and over-long
input; a share button carrying a change; a password in a start-up error."""

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from storage import deliveries
from tests.conftest import ADMIN, MEMBER, RunningBot, workspace_terms
from tests.fakeslack import FakeSlack, interactivity_body, post_signed
from tests.test_deliveries import HANDOVER, Env
from tests.test_delivery_faults import env  # noqa: F401  (the fixture)
from tests.test_robustness import answer_text
from tests.test_slack_http import post_interaction, snapshot, term_submission
from tests.test_slack_run import bot_env, free_port, running, wait_healthy
from tests.test_transfer_cli import assert_user_error, gmg_bot

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def test_a_reminder_retrying_when_its_term_is_cleared_is_skipped_not_sent(env: Env) -> None:  # noqa: F811
    env.clock.now = HANDOVER - timedelta(days=7)
    env.slack.fail_channel("CREMIND1", "internal_error")
    env.dispatcher.replan_all()
    env.dispatcher.run_once()
    retrying = [d for d in env.rows(kind="reminder", state="pending") if d.target == "CREMIND1"]
    assert retrying and retrying[0].due_at <= env.clock.now and retrying[0].attempts == 1

    # No decided and no projected term follows AAA's: the handover of 1 Jul is gone.
    assert env.ask("term clear 2027-H2").ok
    assert env.ask("rotation clear").ok
    env.slack.clear_failures()
    env.slack.reset()
    env.clock.now += timedelta(hours=1)
    env.dispatcher.run_once()
    assert not [c for c in env.posts() if "hands over" in c[1]]
    row = next(d for d in env.rows(kind="reminder") if d.id == retrying[0].id)
    assert row.state == "skipped" and row.reason == deliveries.REPLANNED


def test_a_question_does_not_wait_for_a_slow_slack(bot: RunningBot) -> None:
    # The reader's language is asked for, but not waited for long: the answer goes out in English.
    bot.slack.hang("users.info", 6)
    status, answer = bot.command("history 2013", user=MEMBER)
    assert status == 200 and "GMG chairs in 2013" in answer_text(answer)


def test_a_change_answers_in_time_when_slack_is_slow_to_say_who_is_admin(bot: RunningBot) -> None:
    bot.slack.hang("users.info", 6)
    status, answer = bot.command("term set 2041 FAO", user=ADMIN)
    assert status == 200 and "Slack did not say in time" in answer_text(answer)
    with Session(bot.services.engine) as session:
        assert not [t for t in workspace_terms(session) if t.first_day.year == 2041]


def test_out_of_range_and_over_long_input_is_refused_clearly(bot: RunningBot) -> None:
    for command, words in [
        ("term set 2190-01-01..9999-12-31 FAO", "out of range"),
        ("member add " + "\ufb00" * 30 + " Ligatures", "keep it to 50"),
        ("admin add <@U" + "1" * 40 + ">", "admin add"),
        ("subscribe <#C" + "1" * 40 + "|x>", "neither a channel, a kind nor a language"),
    ]:
        status, answer = bot.command(command, user=ADMIN)
        said = answer_text(answer)
        assert status == 200 and words in said and "went wrong" not in said, (command, said)
    with Session(bot.services.engine) as session:
        assert max(t.last_day.year for t in workspace_terms(session)) <= 2200


def test_a_json_slash_command_whose_text_is_not_text_gets_400(bot: RunningBot) -> None:
    for text in (["chair"], {"a": 1}, 5):
        body = json.dumps({"team_id": "T1", "user_id": MEMBER, "command": "/gmg", "text": text})
        status, _, _ = post_signed(
            bot.url + "/slack/events", body, secret=SECRET, content_type="application/json"
        )
        assert status == 400


def test_a_share_button_carrying_a_change_runs_nothing(bot: RunningBot) -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": ADMIN},
        "trigger_id": "1.2.3",
        "response_url": bot.slack.response_url,
        "actions": [{"action_id": "gmg_share", "value": "term set 2052 FAO"}],
    }
    status, _, _ = post_signed(
        bot.url + "/slack/events",
        interactivity_body(payload),
        secret=SECRET,
        content_type="application/x-www-form-urlencoded",
    )
    assert status == 200
    with Session(bot.services.engine) as session:
        assert not [t for t in workspace_terms(session) if t.first_day.year == 2052]


def test_a_malformed_database_url_is_refused_without_its_password(tmp_path: Path) -> None:
    result = gmg_bot(["db", "upgrade"], cwd=tmp_path, database_url="postgres//gmg:S3cretPW99@127.0.0.1/db")
    assert_user_error(result, "DATABASE_URL is not valid")
    assert "S3cretPW99" not in result.stderr


def theme_submission(period: str, title: str, description: str) -> dict[str, Any]:
    values = {
        name: {"value": {"type": "plain_text_input", "value": value}}
        for name, value in (("period", period), ("title", title), ("description", description))
    }
    submission = term_submission(ADMIN, "", [], "")
    submission["view"] = {
        "id": "V2",
        "type": "modal",
        "callback_id": "gmg_theme_modal",
        "state": {"values": values},
    }
    return submission


def test_app_home_form_fields_are_read_as_the_fields_they_are(bot: RunningBot) -> None:
    bot.command("chair")
    before = snapshot(bot)
    for submission, field, words in [
        (theme_submission("2011-H1", "Migration | Development", "Real"), "title", "cannot contain |"),
        (theme_submission("FY2045", "Wrong term", ""), "period", "not a period"),
        (theme_submission("   ", "Blank period", ""), "period", "Give one period"),
        (term_submission(ADMIN, "2051 IOM", ["FAO"], "x"), "period", "Give one period"),
        (term_submission(ADMIN, "2046", ["FAO"], "+ IOM joint"), "theme", "cannot start with +"),
        (term_submission(ADMIN, "2046", ["FAO"], 'The "safe migration'), "theme", "quotes in pairs"),
    ]:
        status, body = post_interaction(bot, submission)
        assert status == 200
        answer = json.loads(body)
        assert answer["response_action"] == "errors" and words in answer["errors"][field], answer
    assert snapshot(bot) == before


@pytest.mark.parametrize("answer", [{"status": 503}, {"status": 429}, {"error": "token_revoked"}])
def test_the_bot_starts_when_slack_is_down_or_the_token_revoked(
    database_url: str, tmp_path: Path, answer: dict[str, Any]
) -> None:
    port = free_port()
    with FakeSlack() as slack:
        slack.fail_next("auth.test", times=3, **answer)
        env = bot_env(
            database_url,
            SLACK_BOT_TOKEN=slack.bot_token,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_BASE_URL=slack.base_url,
            PORT=str(port),
        )
        with running(env, tmp_path) as process:
            wait_healthy(port, process)
            process.terminate()
            output = process.communicate(timeout=10)[0]
    assert process.returncode == 0
    assert "starting anyway" in output


def test_a_429_with_any_retry_after_waits_durably_and_counts_no_attempt(env: Env) -> None:  # noqa: F811
    env.clock.now = HANDOVER - timedelta(days=7)
    env.dispatcher.replan_all()
    due = {d.id for d in env.rows(kind="reminder", state="pending") if d.due_at <= env.clock.now}
    assert len(due) == 4
    for retry_after in (86400, 0):
        env.slack.fail_next("chat.postMessage", status=429, retry_after=retry_after, times=4)
        env.dispatcher.run_once()
        waiting = [d for d in env.rows(kind="reminder", state="pending") if d.id in due]
        assert len(waiting) == 4 and all(d.attempts == 0 for d in waiting)
        wait = timedelta(seconds=min(max(retry_after, 1), 3600))
        assert {d.next_attempt_at - env.clock.now for d in waiting} == {wait}
        env.clock.now += wait
    env.dispatcher.run_once()
    assert {d.id for d in env.rows(kind="reminder", state="sent")} == due
