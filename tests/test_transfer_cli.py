"""Import and export of the whole group, and the `gmg-bot` command line as a real process."""

import os
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url
from sqlmodel import Session

from storage import groups, queries
from storage.db import DatabaseURLError, make_engine, normalize_database_url
from storage.documents import ImportError_, dump_yaml, iter_documents, parse_document
from storage.models import Group
from storage.transfer import BUILT_IN, export_document, import_document, import_documents
from tests.conftest import ADMIN, NOW, Asker, default_group_id, workspace_group

TEAM = "T1"


def export(session: Session, team_id: str = TEAM) -> str:
    """The workspace's default group, as `gmg-bot export` writes it."""
    return dump_yaml(export_document(session=session, group=workspace_group(session, team_id)))


def snapshot(session: Session, team_id: str = TEAM) -> dict[str, Any]:
    return export_document(session=session, group=workspace_group(session, team_id))


def load(session: Session, text: str, *, team_id: str = TEAM, replace: bool = False) -> None:
    """Imports the document into the workspace as `gmg-bot import` does: into the group of its short
    name (made if need be), or the workspace's default group when it names none."""
    import_documents(
        session=session,
        team_id=team_id,
        docs=[parse_document(text)],
        replace=replace,
        user_id=ADMIN,
        now=NOW,
        action="import",
    )
    session.commit()


def enrich(ask: Asker) -> None:
    """Data in every part of the document, with text that YAML has to quote."""
    for command in [
        "settings timezone Pacific/Auckland",
        "settings handover 09:00",
        "rotation set IOM, UNDP, UN Women",
        "reminders 30d 1d12h 90m",
        "subscribe <#C0123ABCD|gmg> reminders",
        "subscribe <#C0THEMES1> themes",
        "admin add <@U012AB3CD>",
        "focal UNICEF <@U012AB3CD> <@U0ANA>",
        'member add "UN Habitat" UN-Habitat: "Human Settlements" Programme — Nairobi',
        "term set 2019 UN Habitat+WHO Cities: safe, orderly & regular? #1",
        "theme set 2019 Yes: no | Line one: 'quoted' \"double\" | pipe, ü, 中文, emoji 🙂",
    ]:
        response = ask(command)
        assert response.ok, (command, response.text)


# Export and import in the process


def test_round_trip_is_exact(ask: Asker, session: Session) -> None:
    enrich(ask)
    first = export(session)
    load(session, first, team_id="T3", replace=True)
    assert export(session, "T3") == first
    # And again, replacing what T3 holds.
    load(session, first, team_id="T3", replace=True)
    assert export(session, "T3") == first
    document = yaml.safe_load(first)
    assert document["group"]["timezone"] == "Pacific/Auckland"
    assert document["group"]["handover_time"] == "09:00"
    assert document["rotation"] == ["IOM", "UNDP", "UN Women"]
    assert document["reminders"] == {"lead_times": ["30d", "1d12h", "1h30m"]}
    assert document["subscriptions"] == [
        {"channel": "C0123ABCD", "kinds": ["reminders"]},
        {"channel": "C0THEMES1", "kinds": ["themes"]},
    ]
    assert document["admins"] == ["U012AB3CD"]
    term = next(t for t in document["terms"] if t["first_day"] == date(2019, 1, 1))
    assert term["chairs"] == ["UN Habitat", "WHO"]
    assert term["theme"] == "Yes: no"
    assert term["description"] == "Line one: 'quoted' \"double\" | pipe, ü, 中文, emoji 🙂"


def test_the_built_in_data_exports_as_written(session: Session, group: Group) -> None:
    exported = parse_document(export(session))
    assert same_as_built_in(export(session))
    assert len(exported.members) == 18
    assert len(exported.terms) == 18


def same_as_built_in(text: str) -> bool:
    """The document holds the built-in record (members come out sorted by code)."""
    document = parse_document(text)
    built_in = parse_document(BUILT_IN.read_text(encoding="utf-8"))
    built_in.members.sort(key=lambda m: m.code)
    return document == built_in


def test_import_replace_into_a_new_workspace_answers_the_same(ask: Asker, session: Session) -> None:
    load(session, export(session), team_id="T3", replace=True)
    other = Asker(session, workspace_group(session, "T3"))
    for question in ["chair 2011-03-15", "history 2011", "chair 2018-05-01", "chair 2015-06-01", "members"]:
        assert other(question).text == ask(question).text


def test_replace_removes_what_the_document_does_not_hold(ask: Asker, session: Session) -> None:
    enrich(ask)
    load(
        session,
        "group: {name: Small group, timezone: UTC}\n"
        "members:\n  - {code: AAA, name: Agency A}\n"
        "terms:\n  - {first_day: 2020-01-01, last_day: 2020-12-31, chairs: [aaa]}\n",
        replace=True,
    )
    document = yaml.safe_load(export(session))
    assert document == {
        "group": {
            "name": "Small group",
            # The document names no group, so it went to the default group, whose short name an
            # import does not change (`/gmg group rename` does).
            "short_name": "GMG",
            "timezone": "UTC",
            "term_months": 6,
            "handover_time": "00:00",
            "topic_channel": None,
            "language": "en",
            "theme_deadline_days": None,
        },
        "members": [
            {
                "code": "AAA",
                "name": "Agency A",
                "active": True,
                "joined": None,
                "note": "",
                "aliases": [],
                "focal_points": [],
            }
        ],
        "terms": [
            {
                "first_day": date(2020, 1, 1),
                "last_day": date(2020, 12, 31),
                "chairs": ["AAA"],
                "theme": "",
                "description": "",
                "note": "",
            }
        ],
        "rotation": [],
        "reminders": {"lead_times": []},
        "subscriptions": [],
        "admins": [],
        # The built-in checklist template goes too: the document gives none.
        "checklist_template": [],
        "proposals": [],
    }


def test_merge_by_member_code_and_term_first_day(ask: Asker, session: Session) -> None:
    ask("rotation set IOM, UNDP")
    ask("admin add <@U0ANA>")
    load(
        session,
        "group: {name: Global Migration Group, handover_time: '09:00'}\n"
        "members:\n"
        "  - {code: UNICEF, name: United Nations Children's Fund, aliases: [Children's Fund]}\n"
        "  - {code: IFAD, name: International Fund for Agricultural Development, joined: 2019}\n"
        "terms:\n"
        "  - {first_day: 2011-01-01, last_day: 2011-06-30, chairs: [UNESCO], theme: Replaced}\n"
        "  - {first_day: 2019-01-01, last_day: 2019-12-31, chairs: [IFAD, Children's Fund]}\n"
        "admins: [U0BOB]\n"
        "subscriptions:\n  - {channel: C0123ABCD, kinds: [themes]}\n",
    )
    group = workspace_group(session)
    group_id = default_group_id(session)
    # Only the keys given change: the name and the handover; the timezone stays.
    assert (group.name, group.handover_time, group.timezone) == (
        "Global Migration Group",
        "09:00",
        "Europe/Zurich",
    )
    members = {m.code: m for m in queries.list_members(session=session, group_id=group_id)}
    assert len(members) == 19
    assert members["UNICEF"].name == "United Nations Children's Fund"
    assert members["UNICEF"].joined == 2011
    assert members["UNICEF"].aliases == ["Children's Fund"]
    assert members["IFAD"].joined == 2019
    terms = {t.first_day: t for t in queries.list_terms(session=session, group_id=group_id)}
    assert len(terms) == 19
    assert (terms[date(2011, 1, 1)].chairs, terms[date(2011, 1, 1)].theme) == (["UNESCO"], "Replaced")
    assert terms[date(2019, 1, 1)].chairs == ["IFAD", "UNICEF"]
    assert terms[date(2011, 7, 1)].chairs == ["UNESCO"]
    assert queries.get_rotation(session=session, group_id=group_id) == ["IOM", "UNDP"]
    assert queries.list_admins(session=session, group_id=group_id) == ["U0ANA", "U0BOB"]
    assert [
        (s.channel_id, s.kind) for s in queries.list_subscriptions(session=session, group_id=group_id)
    ] == [("C0123ABCD", "themes")]
    assert "*UNESCO*" in ask("chair 2011-03-15").text


def test_merging_an_export_into_itself_changes_nothing(ask: Asker, session: Session) -> None:
    enrich(ask)
    before = export(session)
    load(session, before)
    assert export(session) == before


# Besides the bad record, each document changes the group's name and UNICEF's, and adds members.
GOOD_MEMBERS = (
    "group: {name: X}\n"
    "members:\n  - {code: AAA, name: A}\n  - {code: BBB}\n  - {code: UNICEF, name: Changed name}\n"
)
BAD_DOCUMENTS = [
    ("unknown top key", GOOD_MEMBERS + "colour: red\n", "colour: unknown key"),
    ("unknown group key", "group: {name: X, chair: AAA}\n", "group: chair: unknown key"),
    (
        "unknown member key",
        GOOD_MEMBERS + "  - {code: CCC, colour: red}\n",
        "members[3] (CCC): colour: unknown key",
    ),
    (
        "unknown term key",
        GOOD_MEMBERS
        + "terms:\n  - {first_day: 2011-01-01, last_day: 2011-06-30, chairs: [AAA], chair: AAA}\n",
        "terms[0] (2011-01-01): chair: unknown key",
    ),
    (
        "unknown subscription key",
        GOOD_MEMBERS + "subscriptions:\n  - {channel: C0123ABCD, kinds: [themes], muted: true}\n",
        "subscriptions[0] (C0123ABCD): muted: unknown key",
    ),
    (
        "unknown chair",
        GOOD_MEMBERS + "terms:\n  - {first_day: 2011-01-01, last_day: 2011-06-30, chairs: [AAA, ZZZ]}\n",
        "terms[0] (2011-01-01): chairs: 'ZZZ': unknown member",
    ),
    (
        "overlapping terms",
        GOOD_MEMBERS + "terms:\n"
        "  - {first_day: 2011-01-01, last_day: 2011-06-30, chairs: [AAA]}\n"
        "  - {first_day: 2011-06-30, last_day: 2011-12-31, chairs: [BBB]}\n",
        "terms (2011-06-30): overlaps the term 2011-01-01 to 2011-06-30",
    ),
    (
        "overlapping an existing term",
        GOOD_MEMBERS + "terms:\n  - {first_day: 2011-03-01, last_day: 2011-09-30, chairs: [AAA]}\n",
        "overlaps the term",
    ),
    (
        "reversed term",
        GOOD_MEMBERS + "terms:\n  - {first_day: 2011-06-30, last_day: 2011-01-01, chairs: [AAA]}\n",
        "terms[0] (2011-06-30): last_day 2011-01-01 is before first_day",
    ),
    (
        "bad day",
        GOOD_MEMBERS + "terms:\n  - {first_day: 2011-02-30, last_day: 2011-06-30, chairs: [AAA]}\n",
        "terms[0] (2011-02-30): first_day:",
    ),
    (
        "no chairs",
        GOOD_MEMBERS + "terms:\n  - {first_day: 2011-01-01, last_day: 2011-06-30, chairs: []}\n",
        "terms[0] (2011-01-01): chairs:",
    ),
    (
        "chair twice",
        GOOD_MEMBERS + "terms:\n  - {first_day: 2011-01-01, last_day: 2011-06-30, chairs: [AAA, aaa]}\n",
        "terms[0] (2011-01-01): chairs: a member is named twice",
    ),
    (
        "theme too long",
        GOOD_MEMBERS
        + "terms:\n  - {first_day: 2011-01-01, last_day: 2011-06-30, chairs: [AAA], theme: "
        + "x" * 151
        + "}\n",
        "terms[0] (2011-01-01): theme: String should have at most 150 characters",
    ),
    (
        "bad timezone",
        "group: {name: X, timezone: Mars/Olympus}\n",
        "group: timezone: unknown timezone 'Mars/Olympus'",
    ),
    (
        "bad handover",
        "group: {name: X, handover_time: '25:00'}\n",
        "group: handover_time: '25:00' is not a time of day",
    ),
    (
        "unquoted handover",
        "group: {name: X, handover_time: 9:00}\n",
        'write the handover time as a quoted "HH:MM"',
    ),
    ("bad term length", "group: {name: X, term_months: 0}\n", "group: term_months:"),
    ("no group name", "group: {short_name: X}\n", "group: name: Field required"),
    (
        "bad lead time",
        GOOD_MEMBERS + "reminders: {lead_times: [30d, 5x]}\n",
        "reminders: lead_times: 5x is not a lead time",
    ),
    ("lead time out of range", GOOD_MEMBERS + "reminders: {lead_times: [400d]}\n", "400d is out of range"),
    (
        "bad channel id",
        GOOD_MEMBERS + "subscriptions:\n  - {channel: general, kinds: [reminders]}\n",
        "subscriptions[0] (general): channel: String should match pattern",
    ),
    (
        "bad kind",
        GOOD_MEMBERS + "subscriptions:\n  - {channel: C0123ABCD, kinds: [news]}\n",
        "subscriptions[0] (C0123ABCD): kinds.0: Input should be 'reminders' or 'themes'",
    ),
    ("bad admin", GOOD_MEMBERS + "admins: [bob]\n", "admins[0]: String should match pattern"),
    (
        "bad focal point",
        "group: {name: X}\nmembers:\n  - {code: AAA, focal_points: [ana]}\n",
        "members[0] (AAA): focal_points.0: String should match pattern",
    ),
    (
        "unknown member in rotation",
        GOOD_MEMBERS + "rotation: [AAA, QQQ]\n",
        "rotation: 'QQQ': unknown member",
    ),
    ("not YAML", "group: [\n", "not valid YAML: line 2, column 1: did not find expected"),
    (
        "a key twice in a merged mapping",
        "group: {<<: {name: X, name: Y}}\n",
        "line 1: the key `name` appears twice in one mapping",
    ),
    (
        "a key twice in an anchored merge",
        "base: &b {name: X, name: Y}\ngroup: {<<: *b}\n",
        "line 1: the key `name` appears twice in one mapping",
    ),
    ("two merges", "group: {<<: {name: X}, <<: {name: Y}}\n", "the key `<<` appears twice"),
    ("keys equal once read", "group: {name: X}\nextra: {1: a, 1.0: b}\n", "the key `1.0` appears twice"),
    ("not a mapping", "- a\n- b\n", "document must be a mapping with at least `group: {name: ...}`"),
    ("no group", "members: []\n", "group: Field required"),
]


# Refused when merged into the built-in data, not when replacing it.
MERGE_ONLY = {"overlapping an existing term"}


@pytest.mark.parametrize(("name", "document", "problem"), BAD_DOCUMENTS, ids=[d[0] for d in BAD_DOCUMENTS])
def test_bad_documents_are_refused_whole(
    ask: Asker, session: Session, name: str, document: str, problem: str
) -> None:
    # The group already holds data that a half-done import would change.
    before = snapshot(session)
    document = document.replace("group: {name: X", "group: {name: Changed, short_name: CHG", 1)
    for replace in (False,) if name in MERGE_ONLY else (False, True):
        with pytest.raises(ImportError_) as raised:
            import_document(
                session=session,
                group=workspace_group(session),
                team_id=TEAM,
                doc=parse_document(document),
                replace=replace,
            )
        assert problem in str(raised.value)
        assert "\n" not in str(raised.value)
        # Nothing changed, even in this session before any rollback.
        assert snapshot(session) == before
        session.rollback()
        assert snapshot(session) == before


# normalize_database_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "postgres://user:secret@db.example.com:5432/gmg",
            "postgresql+psycopg://user:secret@db.example.com:5432/gmg",
        ),
        ("postgresql://user@localhost/gmg", "postgresql+psycopg://user@localhost/gmg"),
        ("postgresql+psycopg://user@localhost/gmg", "postgresql+psycopg://user@localhost/gmg"),
        ("sqlite:///gmg.db", "sqlite:///gmg.db"),
        ("sqlite:////var/data/gmg.db", "sqlite:////var/data/gmg.db"),
    ],
)
def test_database_urls_as_hosting_platforms_give_them(given: str, expected: str) -> None:
    assert normalize_database_url(given) == expected


@pytest.mark.parametrize("given", ["mysql://user@host/db", "not a url", "", "postgres"])
def test_unusable_database_urls(given: str) -> None:
    with pytest.raises(DatabaseURLError):
        normalize_database_url(given)


# The command line as a real process


def cli_url(database_url: str) -> str:
    """The URL as a hosting platform hands it out: PostgreSQL as `postgres://`."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return "postgres://" + url.render_as_string(hide_password=False).split("://", 1)[1]
    return database_url


def cli_env(database_url: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GMG_", "SLACK_", "DATABASE_URL"))}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return {**env, **extra}


def gmg_bot(
    args: Sequence[str], *, cwd: Path, database_url: str | None, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=cli_env(database_url, **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_user_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("gmg-bot: ")
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr


BAD_FILE = (
    "group: {name: Global Migration Group}\n"
    "members:\n  - {code: UNICEF, name: Changed}\n"
    "terms:\n  - {first_day: 2030-01-01, last_day: 2030-12-31, chairs: [NOBODY]}\n"
)


def test_cli_against_the_test_database(database_url: str, tmp_path: Path) -> None:
    url = cli_url(database_url)
    (tmp_path / "bad.yaml").write_text(BAD_FILE, encoding="utf-8")

    # The first command migrates and seeds the empty database.
    readme = gmg_bot(["ask", "--now", "2011-03-15T12:00", "chair 2011-03-15"], cwd=tmp_path, database_url=url)
    assert readme.returncode == 0, readme.stderr
    assert "UNICEF (UN Children's Fund) chairs the GMG: 1 Jan to 30 Jun 2011." in readme.stdout
    assert "Theme: Youth and global migration" in readme.stdout
    assert "*" not in readme.stdout

    runs = {
        "history": ["ask", "history", "2011"],
        "co-chairs": ["ask", "chair 2018-05-01"],
        "gap": ["ask", "chair", "2015-06-01"],
        "refused": ["ask", "--user", "UX", "term", "clear", "2011"],
        "listed admin": ["ask", "--user", "U0OPS", "log", "1"],
        "bad import": ["import", "bad.yaml"],
        "export": ["export"],
        "export file": ["export", "out.yaml"],
        "upgrade": ["db", "upgrade"],
    }
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        futures = {
            name: pool.submit(gmg_bot, args, cwd=tmp_path, database_url=url, GMG_ADMINS="U0OPS, U0OTHER")
            for name, args in runs.items()
        }
        results = {name: future.result() for name, future in futures.items()}

    history = results["history"]
    assert history.returncode == 0, history.stderr
    assert history.stdout.splitlines() == [
        "GMG chairs in 2011",
        "• 1 Jul to 31 Dec 2011: UNESCO · Climate change and global migration",
        "• 1 Jan to 30 Jun 2011: UNICEF · Youth and global migration",
    ]
    co_chairs = results["co-chairs"]
    assert co_chairs.returncode == 0
    assert "FAO and IOM co-chaired the GMG: 1 Jan to 31 Dec 2018." in co_chairs.stdout
    gap = results["gap"]
    assert gap.returncode == 0
    assert "No chair is known for 1 Jun 2015." in gap.stdout
    assert "Before: ILO, until 31 Dec 2014." in gap.stdout
    assert "After: UN Women, from 1 Jan 2016." in gap.stdout
    assert_user_error(results["refused"], "Only GMG admins can change this.")
    listed = results["listed admin"]
    assert listed.returncode == 0, listed.stderr
    assert "Audit log" in listed.stdout
    assert "seed built-in GMG data" in listed.stdout
    assert_user_error(
        results["bad import"],
        "bad.yaml: terms[0] (2030-01-01): chairs: 'NOBODY': unknown member",
        "nothing was imported",
    )
    assert results["upgrade"].returncode == 0
    assert results["upgrade"].stdout == "Database is up to date.\n"
    exported = results["export"]
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "out.yaml").read_text(encoding="utf-8") == exported.stdout

    # What the database holds: the built-in record, untouched by the refusals and the bad import.
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            assert groups.list_team_ids(session=session) == ["local"]
            assert export(session, "local") == exported.stdout
            assert same_as_built_in(exported.stdout)
            local = default_group_id(session, "local")
            unicef = queries.get_member(session=session, group_id=local, code="UNICEF")
            assert unicef is not None and unicef.name == "UN Children's Fund"
            assert len(queries.list_terms(session=session, group_id=local)) == 18
    finally:
        engine.dispose()

    # The export imports into another workspace exactly.
    imported = gmg_bot(["import", "out.yaml", "--replace", "--team", "T9"], cwd=tmp_path, database_url=url)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == "Imported 18 members and 18 terms into GMG (T9).\n"
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            assert export(session, "T9") == exported.stdout
    finally:
        engine.dispose()


def test_cli_user_errors_and_an_empty_start(tmp_path: Path) -> None:
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    runs = {
        "malformed url": (["db", "upgrade"], "mysql://user@host/db", {}),
        "unreachable": (["db", "upgrade"], "postgres://nobody@127.0.0.1:1/none", {}),
        "bad now": (["ask", "--now", "yesterday", "chair"], f"sqlite:///{tmp_path / 'other.db'}", {}),
        "missing file": (["import", "missing.yaml"], fresh, {}),
    }
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        futures = {
            name: pool.submit(gmg_bot, args, cwd=tmp_path, database_url=url, **extra)
            for name, (args, url, extra) in runs.items()
        }
        results = {name: future.result() for name, future in futures.items()}
    assert_user_error(results["malformed url"], "DATABASE_URL is not valid", "unsupported database 'mysql'")
    assert_user_error(results["unreachable"], "cannot reach the database of DATABASE_URL")
    assert_user_error(results["bad now"], "--now 'yesterday' is not an ISO date or datetime")
    assert_user_error(results["missing file"], "cannot read missing.yaml")

    empty = gmg_bot(["ask", "members"], cwd=tmp_path, database_url=fresh, GMG_SEED="none")
    assert empty.returncode == 0, empty.stderr
    assert "No members yet." in empty.stdout
    engine = make_engine(fresh)
    try:
        with Session(engine) as session:
            assert groups.list_team_ids(session=session) == ["local"]
            local = default_group_id(session, "local")
            assert queries.list_terms(session=session, group_id=local) == []
            assert queries.get_lead_seconds(session=session, group_id=local) == [
                30 * 86400,
                7 * 86400,
                86400,
            ]
    finally:
        engine.dispose()


def test_export_to_a_path_that_cannot_be_written_is_a_user_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gmg.db'}"
    result = gmg_bot(["export", str(tmp_path / "missing" / "gmg.yaml")], cwd=tmp_path, database_url=url)
    assert_user_error(result, "cannot write", "No such file or directory")


def test_a_file_is_read_one_document_at_a_time() -> None:
    """A file of many groups is never held whole: the first group is ready before a broken third one is
    even read."""
    docs = iter_documents(
        "group: {name: One, short_name: ONE}\n---\ngroup: {name: Two, short_name: TWO}\n---\n[\n"
    )
    assert next(docs).group.short_name == "ONE"
    with pytest.raises(ImportError_, match="not valid YAML"):
        list(docs)


def test_a_merged_key_given_again_is_an_override() -> None:
    """YAML's merge keys: a key of the mapping itself wins over the same key merged in, with no error;
    so do earlier mappings of a merge list over later ones."""
    document = (
        "group: {<<: [{name: Merged, handover_time: '09:00'}, {name: Later, term_months: 12}], name: Own}\n"
    )
    doc = parse_document(document)
    assert (doc.group.name, doc.group.handover_time, doc.group.term_months) == ("Own", "09:00", 12)
