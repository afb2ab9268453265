"""What the database and the language guarantee whatever arrives: no overlapping terms under concurrent
changes, reminders that follow every write path, imports that refuse duplicate keys, names compared as
they read, titles that cannot break Slack's formatting, channels checked when subscribed, and logs
without secrets."""

import io
import itertools
import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.logs import RedactingFormatter
from bot.manifest import BOT_SCOPES
from bot.posts import message_payload
from handlers import Response
from storage import groups, queries
from storage.db import MIGRATIONS, make_engine, upgrade
from storage.deliveries import PENDING, REPLANNED, SKIPPED
from storage.documents import ImportError_, dump_yaml, parse_document
from storage.models import Delivery, Group, Member, Subscription, Term
from storage.transfer import ensure_workspace, export_document, import_document
from tests.conftest import (
    ADMIN,
    NOW,
    Asker,
    RunningBot,
    default_group_id,
    workspace_group,
    workspace_terms,
)
from tests.test_robustness import answer_text
from tests.test_transfer_cli import assert_user_error, gmg_bot

# Twenty overlapping periods inside one year, as twenty admins might send them at once.
OVERLAPPING = [
    "2047",
    "2047-H1",
    "2047-H2",
    "2047-03",
    "2047-03-03..2047-03-04",
    "2047-01",
    "2047-06-15..2047-07-15",
    "2047-12",
    "2047-02-01..2047-08-31",
    "2047-09",
    "2047-03-01..2047-03-31",
    "2047-04",
    "2047-11-30..2048-01-05",
    "2047-05",
    "2047-H1",
    "2047-07",
    "2047-10-01..2047-10-02",
    "2047-08",
    "2047-03-04..2047-03-05",
    "2047-02",
]
CHAIRS = ["FAO", "IOM", "ILO", "UNDP", "UNICEF"]


def terms_overlap(terms: list[Term]) -> list[tuple[Term, Term]]:
    by_group = sorted(terms, key=lambda t: (t.group_id, t.first_day))
    return [
        (a, b)
        for a, b in itertools.pairwise(by_group)
        if a.group_id == b.group_id and b.first_day <= a.last_day
    ]


def said(response: Response) -> str:
    """The answer's title and sections, as Slack shows them."""
    title, sections, _ = response.parts("mrkdwn")
    return " ".join([title, *sections])


def test_twenty_admins_setting_overlapping_terms_at_once_leave_no_overlap(bot: RunningBot) -> None:
    bot.command("help", user=ADMIN)  # the workspace exists before the burst

    def send(i: int) -> tuple[int, str]:
        status, answer = bot.command(f"term set {OVERLAPPING[i]} {CHAIRS[i % 5]}", user=ADMIN)
        return status, answer_text(answer)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(send, range(20)))

    assert all(status == 200 for status, _ in answers)
    kinds = Counter(
        "saved" if "Term saved" in a else "overlap" if "overlaps the term" in a else a for _, a in answers
    )
    assert set(kinds) <= {"saved", "overlap"}, kinds
    assert kinds["saved"] >= 1
    with Session(bot.services.engine) as session:
        terms = [t for t in workspace_terms(session) if t.first_day.year >= 2047]
        assert terms and not terms_overlap(terms)
        assert len(terms) == kinds["saved"] - _same_period_repeats(answers)
        # The bot's own export imports again.
        group = workspace_group(session)
        document = parse_document(dump_yaml(export_document(session=session, group=group)))
        import_document(session=session, group=group, team_id="T1", doc=document, replace=True)
        session.rollback()
    status, answer = bot.command("chair 2047-03-03")
    assert status == 200 and "chair" in answer_text(answer)


def _same_period_repeats(answers: list[tuple[int, str]]) -> int:
    """A period sent twice can be saved twice: the second replaces the first term's chairs."""
    return sum("Replaced the term's chairs" in a for _, a in answers)


def test_the_database_itself_refuses_overlapping_terms(engine: Engine) -> None:
    with Session(engine) as session:
        nine, eight = (
            ensure_workspace(session=session, team_id=team, seed=False, now=NOW).id for team in ("T9", "T8")
        )
    insert = text(
        "INSERT INTO term (group_id, first_day, last_day, chairs, theme, description, note) "
        "VALUES (:group, :first, :last, '[]', '', '', '')"
    )
    with engine.begin() as connection:
        connection.execute(insert, {"group": nine, "first": date(2047, 1, 1), "last": date(2047, 12, 31)})
        # Another group may use the same days.
        connection.execute(insert, {"group": eight, "first": date(2047, 3, 1), "last": date(2047, 3, 2)})
    for first, last in [(date(2047, 3, 1), date(2047, 3, 2)), (date(2046, 12, 31), date(2047, 1, 1))]:
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert, {"group": nine, "first": first, "last": last})
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert, {"group": nine, "first": date(2048, 1, 1), "last": date(2048, 12, 31)})
        connection.execute(text("UPDATE term SET last_day = '2048-06-30' WHERE first_day = '2047-01-01'"))
    with Session(engine) as session:
        assert len(session.exec(select(Term).where(Term.group_id == nine)).all()) == 1


def test_concurrent_identical_member_adds_save_one_and_explain_the_other(
    engine: Engine, group: Group
) -> None:
    def add(_: int) -> str:
        with Session(engine) as session:
            return said(Asker(session, session.merge(group))("member add QQQ Quite Quiet Quango"))

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(add, range(6)))
    assert sum("Member added" in a for a in answers) == 1, answers
    assert all("Member added" in a or "already a member" in a for a in answers), answers


# Every write path re-plans


DOCUMENT = """
group: {name: Test Group, short_name: TG, timezone: UTC, term_months: 6}
members:
  - {code: AAA, name: Agency A}
  - {code: FAO, name: Food and Agriculture Organization}
terms:
  - {first_day: 2026-07-01, last_day: 2026-12-31, chairs: [AAA]}
  - {first_day: 2027-01-01, last_day: 2027-06-30, chairs: [FAO]}
reminders: {lead_times: [30d, 7d]}
subscriptions:
  - {channel: CREMIND1, kinds: [reminders]}
"""


def test_import_replace_without_the_coming_term_skips_its_reminders(
    database_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "group.yaml"
    source.write_text(DOCUMENT)
    assert (
        gmg_bot(["import", str(source), "--team", "T1"], cwd=tmp_path, database_url=database_url).returncode
        == 0
    )
    with Session(_engine(database_url)) as session:
        pending = _reminders(session, PENDING)
        assert pending and all("FAO" in message_payload(d, "en")[0] for d in pending)

    source.write_text(
        DOCUMENT.replace("  - {first_day: 2027-01-01, last_day: 2027-06-30, chairs: [FAO]}\n", "")
    )
    result = gmg_bot(
        ["import", str(source), "--replace", "--team", "T1"], cwd=tmp_path, database_url=database_url
    )
    assert result.returncode == 0, result.stderr
    with Session(_engine(database_url)) as session:
        assert not [d for d in _reminders(session, PENDING) if "FAO" in message_payload(d, "en")[0]]
        skipped = [d for d in _reminders(session, SKIPPED) if "FAO" in message_payload(d, "en")[0]]
        assert skipped and all(d.reason == REPLANNED for d in skipped)


def _engine(database_url: str) -> Engine:
    return make_engine(database_url)


def _reminders(session: Session, state: str) -> list[Delivery]:
    """The reminders of the imported group (TG, in workspace T1) in that state."""
    group = groups.find_group(session=session, team_id="T1", short_name="TG")
    assert group is not None
    return list(
        session.exec(
            select(Delivery).where(
                Delivery.group_id == group.id, Delivery.kind == "reminder", Delivery.state == state
            )
        ).all()
    )


# Imports refuse duplicate keys


@pytest.mark.parametrize(
    ("document", "key", "line"),
    [
        ("group: {name: First}\nmembers: []\ngroup: {name: Second}\n", "group", 3),
        (
            "group: {name: G}\nmembers: [{code: AAA}]\nterms:\n  - first_day: 2030-01-01\n"
            "    first_day: 2031-01-01\n    last_day: 2031-06-30\n    chairs: [AAA]\n",
            "first_day",
            5,
        ),
        ("group: {name: G, name: H}\n", "name", 1),
    ],
)
def test_import_refuses_a_key_given_twice_naming_it_and_its_line(
    database_url: str, tmp_path: Path, document: str, key: str, line: int
) -> None:
    source = tmp_path / "twice.yaml"
    source.write_text(document)
    before = gmg_bot(["export", "--team", "T1"], cwd=tmp_path, database_url=database_url).stdout
    result = gmg_bot(["import", str(source), "--team", "T1"], cwd=tmp_path, database_url=database_url)
    assert_user_error(result, f"`{key}`", f"line {line}", "twice", "nothing was imported")
    assert gmg_bot(["export", "--team", "T1"], cwd=tmp_path, database_url=database_url).stdout == before


# Names compared as they read


def test_a_fullwidth_or_decomposed_name_is_the_member_it_shows(ask: Asker) -> None:
    refused = ask("member add \uff26\uff21\uff2f Food")
    assert not refused.ok and "already a member" in said(refused)
    assert ask("member add Cafe\u0301 Cafe agency").ok
    again = ask("member add Caf\u00e9 Another")
    assert not again.ok and "already a member" in said(again)
    saved = ask("term set 2040 \uff26\uff21\uff2f")
    assert saved.ok and "*FAO*" in saved.parts("mrkdwn")[1][0]
    codes = [
        m.code for m in queries.list_members(session=ask.session, group_id=default_group_id(ask.session))
    ]
    assert "Caf\u00e9" in codes and "Cafe\u0301" not in codes
    assert "\uff26\uff21\uff2f" not in codes


def test_import_refuses_one_member_written_twice(session: Session) -> None:
    document = (
        "group: {name: G}\nmembers:\n  - {code: FAO, name: A}\n  - {code: \uff26\uff21\uff2f, name: B}\n"
    )
    group = ensure_workspace(session=session, team_id="T5", seed=False, now=NOW)
    with pytest.raises(ImportError_, match=r"members\[1\].*the same member as members\[0\] \(FAO\)"):
        import_document(
            session=session, group=group, team_id="T5", doc=parse_document(document), replace=True
        )


def test_formatting_characters_in_a_title_leave_the_answer_formatting_intact(ask: Asker) -> None:
    title = "Safe *and* orderly_migration ~now~ `code`"
    saved = ask(f"theme set 2011-H1 {title}")
    assert saved.ok
    section = saved.parts("mrkdwn")[1][0]
    # The bold around the title is the only bold: no marker of the title's own can close it early.
    assert section.endswith("*") and section.count("*") == 4  # *UNICEF* and the title's two
    assert "`" not in section and "~" not in section
    answer = ask("theme 2011-03-15")
    assert "\u2217and\u2217" in answer.text
    assert not [s for s in answer.parts("mrkdwn")[1] if "`" in s or "~" in s]
    # Plain text (the command line) shows the title as written.
    assert title in answer.plain()
    stored = queries.term_on_or_before(
        session=ask.session, group_id=default_group_id(ask.session), day=date(2011, 3, 1)
    )
    assert stored is not None and stored.theme == title


# Channels checked when subscribed; the narrowest scopes


def test_manifest_asks_for_topic_scopes_not_channel_management() -> None:
    assert "channels:manage" not in BOT_SCOPES
    assert {"channels:write.topic", "groups:write.topic", "channels:read", "groups:read"} <= set(BOT_SCOPES)
    assert "channels:manage" not in Path("manifest.yml").read_text()


def test_subscribing_a_private_channel_the_bot_is_not_in_says_to_invite_it(bot: RunningBot) -> None:
    bot.slack.fail_channel("CPRIVATE1", "channel_not_found")
    status, answer = bot.command("subscribe <#CPRIVATE1|secret> reminders", user=ADMIN)
    said = answer_text(answer)
    assert status == 200 and "invite me first" in said and "/invite @gmg" in said
    with Session(bot.services.engine) as session:
        assert not session.exec(select(Subscription).where(Subscription.channel_id == "CPRIVATE1")).all()
    status, answer = bot.command("settings topic <#CPRIVATE1|secret>", user=ADMIN)
    assert "invite me first" in answer_text(answer)


def test_subscribing_a_public_channel_joins_it_at_once(bot: RunningBot) -> None:
    bot.slack.set_not_in_channel("CPUBLIC1")
    status, answer = bot.command("subscribe <#CPUBLIC1|general> all", user=ADMIN)
    assert status == 200 and "now follows: reminders, themes" in answer_text(answer)
    assert "I joined" in answer_text(answer)
    assert [c.body["channel"] for c in bot.slack.calls_to("conversations.join")] == ["CPUBLIC1"]


# Logs never show a secret


def test_a_token_inside_an_exception_is_redacted_from_the_traceback() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        RedactingFormatter("%(levelname)s %(message)s", ["8f742231b10e8888abcd99yyyzzz85a5"])
    )
    log = logging.getLogger("test.redaction")
    log.addHandler(handler)
    try:
        try:
            raise RuntimeError(
                "token xoxb-1234-5678-abcdefSECRET and secret 8f742231b10e8888abcd99yyyzzz85a5 at "
                "postgresql://gmg:hunter2pass@db.example.org/gmg"
            )
        except RuntimeError:
            log.exception("sending failed for %s", "xapp-1-A1-999-SECRETAPP")
    finally:
        log.removeHandler(handler)
    written = stream.getvalue()
    assert "Traceback" in written and "RuntimeError" in written
    for secret in ("abcdefSECRET", "SECRETAPP", "8f742231b10e8888abcd99yyyzzz85a5", "hunter2pass"):
        assert secret not in written
    assert "xoxb-[redacted]" in written and "postgresql://gmg:[redacted]@db.example.org" in written


def test_members_are_unchanged_by_a_refused_lookalike(ask: Asker) -> None:
    group_id = default_group_id(ask.session)
    before = {m.code for m in ask.session.exec(select(Member).where(Member.group_id == group_id)).all()}
    ask("member add \uff26\uff21\uff2f Food")
    after = {m.code for m in ask.session.exec(select(Member).where(Member.group_id == group_id)).all()}
    assert before == after


def test_a_second_member_whose_code_reads_the_same_is_refused_by_the_database(engine: Engine) -> None:
    with Session(engine) as session:
        group_id = ensure_workspace(session=session, team_id="T7", seed=False, now=NOW).id
        assert group_id is not None
        session.add(Member(group_id=group_id, code="UN Women", name="A"))
        session.commit()
        session.add(Member(group_id=group_id, code="un-women", name="B"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_upgrading_an_earlier_database_fills_the_member_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
        connection.execute(
            text(
                "INSERT INTO member (team_id, code, name, active, note, aliases, focal_points) "
                "VALUES ('T1', 'UN Women', 'UN Women', 1, '', '[]', '[]'), "
                "('T1', '\uff26\uff21\uff2f', 'FAO', 1, '', '[]', '[]')"
            )
        )
    upgrade(engine)
    with Session(engine) as session:
        keys = {m.code: m.code_key for m in session.exec(select(Member)).all()}
    assert keys == {"UN Women": "unwomen", "\uff26\uff21\uff2f": "fao"}


def test_admins_clearing_and_changing_one_term_at_once_are_each_told_the_truth(
    engine: Engine, group: Group
) -> None:
    def ask(text: str) -> str:
        with Session(engine) as session:
            return said(Asker(session, session.merge(group))(text))

    def clears_recorded() -> int:
        with Session(engine) as session:
            entries = queries.list_audit_entries(
                session=session, group_id=default_group_id(session), limit=50
            )
            return sum(e.action == "term clear 2032" for e in entries)

    for _ in range(3):
        ask("term set 2032 FAO")
        before = clears_recorded()
        commands = ["term clear 2032"] * 4 + [
            "theme set 2032 Water",
            "term set 2032 IOM",
            "theme set 2032 Land",
        ]
        with ThreadPoolExecutor(max_workers=len(commands)) as pool:
            answers = list(pool.map(ask, commands))
        assert not [a for a in answers if "went wrong" in a or "could not be checked" in a], answers
        cleared = [a for a in answers[:4] if a.startswith("Cleared 1 term")]
        assert len(cleared) == clears_recorded() - before, answers
        assert all(a.startswith("Cleared") or "No term to clear" in a for a in answers[:4]), answers
        ask("term clear 2032")
