"""Robustness: no text, user or moment breaks /gmg, and only admins change anything, in a way that
survives export and import; no document leaves a partial import; the HTTP server answers a burst of
signed commands within Slack's 3 seconds and refuses garbage with a 4xx, staying up and unchanged; a
dispatcher killed with SIGKILL mid-burst and restarted sends every delivery, twice only what it had in
flight.

ROBUSTNESS_EXAMPLES=2000 runs a deeper search than CI's 60 examples per property."""

import copy
import itertools
import json
import os
import random
import re
import select as io_select
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, select

from bot.blocks import MAX_BLOCKS, MAX_HEADER, MAX_SECTION, MAX_TEXT, answer_blocks
from bot.blocks import answer_text as fallback_text
from bot.dispatcher import LEASE, SENDERS, Dispatcher
from bot.listeners.commands import edge_notice, payload
from bot.server import MAX_BODY_BYTES
from bot.slack_client import make_web_client
from bot.workspace_clients import WorkspaceClients
from handlers import Response, handle_command, notices
from storage import deliveries, groups, queries
from storage.documents import Document, ImportError_, dump_yaml, parse_document
from storage.durations import format_duration, parse_duration
from storage.models import Delivery, Group, GroupLink
from storage.transfer import BUILT_IN, ensure_workspace, export_document, import_document, import_documents
from tests.conftest import ADMIN, MEMBER, NOW, SIGNING_SECRET, RunningBot, default_group_id, workspace_group
from tests.fakeslack import FakeSlack, sign

OTHER = "UOTHER01"  # never an admin
EXAMPLES = int(os.environ.get("ROBUSTNESS_EXAMPLES", "60"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
# Any text UTF-8 can carry (surrogates it cannot), NUL included.
CHARACTERS = st.characters(exclude_categories=("Cs",))


def new_team(session: Session, now: datetime = NOW) -> str:
    """A workspace of its own for one example, seeded with the built-in GMG record; its team id."""
    team_id = "R" + uuid.uuid4().hex[:12].upper()
    ensure_workspace(session=session, team_id=team_id, seed=True, now=now)
    return team_id


def team_rows(
    session: Session, team_id: str, skip: tuple[str, ...] = (), ignore: tuple[str, ...] = ()
) -> dict[str, list[str]]:
    """Every row of the workspace in every table (the rows of its groups, its links to them, and its
    own), as sorted text: "nothing changed" means this."""
    rows = {}
    ignore = ("id", "team_id", "group_id", *ignore)
    seen = sa_select(GroupLink.group_id).where(GroupLink.team_id == team_id)
    for table in SQLModel.metadata.sorted_tables:
        if table.name in skip:
            continue
        if table.name == "group":
            where = table.c.id.in_(seen)
        elif "group_id" in table.c:
            where = table.c.group_id.in_(seen)
        elif "team_id" in table.c:
            where = table.c.team_id == team_id
        else:  # seen requests belong to no workspace
            continue
        result = session.execute(sa_select(table).where(where)).mappings().all()
        rows[table.name] = sorted(
            repr(sorted((k, v) for k, v in row.items() if k not in ignore)) for row in result
        )
    return rows


def exported(session: Session, team_id: str) -> str:
    """The workspace's default group, as `gmg-bot export` writes it."""
    return dump_yaml(export_document(session=session, group=workspace_group(session, team_id)))


# -- 1. The command language: any text, any user, any moment ------------------------------------

ENTITY = re.compile(r"<([^<>]*)>")
# The only Slack entities an answer may hold: mentions the bot writes from ids it checked.
SAFE_ENTITY = re.compile(r"@[UW][A-Z0-9]+|#[CGD][A-Z0-9]+")


def check_answer(response: Response, command: str) -> None:
    """The answer fits Slack's limits exactly as the bot sends it, and user text cannot ping or link."""
    assert isinstance(response, Response)
    text = fallback_text(response, "en")
    assert text.strip() and len(text) <= MAX_TEXT
    assert 1 <= len(answer_blocks(response, "en")) <= MAX_BLOCKS
    answer = payload(response, command, "en")  # what the slash command acknowledges with
    json.dumps(answer)
    assert len(answer["blocks"]) <= MAX_BLOCKS
    mrkdwn = [answer["text"]]
    for block in answer["blocks"]:
        kind = block["type"]
        if kind == "header":
            assert block["text"]["text"].strip() and len(block["text"]["text"]) <= MAX_HEADER
        elif kind == "section":
            assert block["text"]["text"].strip() and len(block["text"]["text"]) <= MAX_SECTION
            mrkdwn.append(block["text"]["text"])
        elif kind == "context":
            for element in block["elements"]:
                assert element["text"].strip() and len(element["text"]) <= MAX_SECTION
                mrkdwn.append(element["text"])
        elif kind == "actions":
            for element in block["elements"]:
                assert len(element["value"]) <= 2000
        else:
            raise AssertionError(f"unexpected block {kind}")
    for text in mrkdwn:
        for inner in ENTITY.findall(text):
            assert SAFE_ENTITY.fullmatch(inner), f"user text became the Slack entity <{inner}>"


COMMAND_WORDS = [
    "chair",
    "next",
    "theme",
    "schedule",
    "history",
    "members",
    "rotation",
    "admin",
    "admins",
    "help",
    "term",
    "member",
    "focal",
    "subscribe",
    "unsubscribe",
    "reminders",
    "settings",
    "log",
    "deliveries",
    "calendar",
]
SUB_WORDS = [
    "set",
    "clear",
    "add",
    "remove",
    "timezone",
    "handover",
    "term-months",
    "topic",
    "all",
    "reminders",
    "themes",
    "off",
    "none",
    "share",
    "today",
    "now",
    "next",
    "previous",
    "prev",
    "last",
    "current",
    "new-key",
]
MEMBER_WORDS = [
    "ILO",
    "IOM",
    "unicef",
    "UNESCO",
    "FAO+IOM",
    "IOM+IOM",
    "ILO+XYZ",
    '"UN Women"',
    "un-women",
    "UN",
    "Women",
    "DESA",
    "WB",
    "World Bank",
    "WHO",
    "XYZ",
    "U.N.D.P",
    "WHO World Health Organization",
]
MENTIONS = [
    "<@U123|x>",
    f"<@{MEMBER}>",
    f"<@{MEMBER}|mia>",
    f"<@{ADMIN}|boss>",
    f"<@{OTHER}>",
    "<@W0AB12>",
    "<#C1|x>",
    "<#C0COORD1>",
    "<#CABC123|gmg>",
    "<#D0DM0001>",
    "<!channel>",
    "<!here|here>",
    "<!everyone>",
    "<!subteam^S123|@team>",
    "<!date^1392734382^{date}|Feb 18>",
    "<https://x.org|here>",
    "<mailto:a@b.c|a>",
    "UMEMBER1",
    "C0THEMES",
    "<@>",
    "<#>",
    "<>",
    "<<@U1>>",
    "<@U1|<!channel>>",
]
SPECIALS = [
    '"',
    "\u201c",
    "\u201d",
    "'",
    "\u2019",
    "|",
    "||",
    ",",
    "+",
    "..",
    "&amp;",
    "&lt;!channel&gt;",
    "&",
    "<",
    ">",
    "*",
    "_",
    "`",
    "```",
    "~",
    ">quote",
    "\U0001f389",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "\u200b",
    "\u202e",
    "\ufeff",
    "é",
    "\n",
    "\t",
    "\r\n",
    "\\",
    "%",
    "{}",
]
ZONES = [
    "Europe/Zurich",
    "Europe/Geneva",
    "UTC",
    "America/New_York",
    "Asia/Kolkata",
    "Pacific/Kiritimati",
    "Pacific/Apia",
    "Factory",
    "Mars/Olympus",
    "europe/zurich",
    "../etc/passwd",
    "Europe/",
    "/UTC",
]
YEARS = st.one_of(
    st.integers(1985, 2215),
    st.sampled_from([0, 1, 999, 1899, 1900, 2200, 2201, 9998, 9999]),
    st.integers(0, 9999),
)
DAYS = st.dates(min_value=date(1890, 1, 1), max_value=date(2210, 12, 31))
WHEN_TOKENS = st.one_of(
    YEARS.map(lambda y: f"{y:04d}"),
    st.tuples(YEARS, st.sampled_from(["H1", "H2", "h1", "h2", "H0", "H3"])).map(
        lambda t: f"{t[0]:04d}-{t[1]}"
    ),
    st.tuples(YEARS, st.integers(0, 13)).map(lambda t: f"{t[0]:04d}-{t[1]:02d}"),
    st.tuples(YEARS, st.integers(0, 13), st.integers(0, 32)).map(lambda t: "{:04d}-{:02d}-{:02d}".format(*t)),
    DAYS.map(date.isoformat),
    st.tuples(DAYS, DAYS).map(lambda t: f"{t[0]}..{t[1]}"),
    st.tuples(DAYS, st.integers(-5, 800)).map(lambda t: f"{t[0]}..{t[0] + timedelta(days=t[1])}"),
    st.sampled_from(["today", "NOW", "next", "previous", "prev", "last", "current", "..", "2011..", "x..y"]),
)
LEADS = st.one_of(
    st.tuples(st.integers(0, 1_000_000), st.sampled_from("dhmsDx")).map(lambda t: f"{t[0]}{t[1]}"),
    st.sampled_from(["30d", "7d", "1d12h", "0s", "366d", "367d", "1d1d", "12h30m", "off", "none", "-1d"]),
)
CLOCKS = st.one_of(
    st.tuples(st.integers(0, 25), st.integers(0, 61)).map(lambda t: f"{t[0]:02d}:{t[1]:02d}"),
    st.sampled_from(["9:00", "09:00:00", "24:00", "0900", "noon"]),
)
WORDS = st.text(CHARACTERS, min_size=1, max_size=12)
LONG = st.builds(
    lambda piece, n: piece * n,
    st.sampled_from(["x", "&amp;", "<@U1|x>", "\U0001f389", "a b ", '"', "|", ",", "ILO+", "<!channel>"]),
    st.integers(100, 3200),
)
TOKENS = st.one_of(
    st.sampled_from(SUB_WORDS),
    st.sampled_from(SUB_WORDS),
    WHEN_TOKENS,
    WHEN_TOKENS,
    st.sampled_from(MEMBER_WORDS),
    st.sampled_from(MENTIONS),
    st.sampled_from(SPECIALS),
    st.sampled_from(ZONES),
    LEADS,
    CLOCKS,
    st.integers(-3, 60).map(str),
    WORDS,
    LONG,
)
SEPARATORS = st.sampled_from([" ", " ", " ", " ", "  ", "\n", "\t", ", ", "+", " | ", ""])


@st.composite
def commands(draw: st.DrawFn) -> str:
    """Mostly a real command word and sub-command followed by plausible and random arguments."""
    first = draw(
        st.one_of(
            st.sampled_from(COMMAND_WORDS),
            st.sampled_from(COMMAND_WORDS),
            st.sampled_from(COMMAND_WORDS).map(str.upper),
            TOKENS,
        )
    )
    rest = draw(st.lists(st.tuples(SEPARATORS, TOKENS), max_size=7))
    text = first + "".join(sep + token for sep, token in rest)
    if draw(st.integers(0, 9)) == 0:
        text = draw(st.sampled_from([" ", "\n", "\u00a0", "\u201c"])) + text
    return text


COMMANDS = st.one_of(commands(), commands(), commands(), st.text(CHARACTERS, max_size=40), LONG)
USERS = st.sampled_from([(ADMIN, True), (MEMBER, False), (OTHER, False)])
MOMENTS = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 12, 31, 23, 59), timezones=st.just(UTC)
)
CHANNELS = st.sampled_from(["C0COORD1", "C0COORD1", "D0DM0001", None])


BOOKKEEPING = re.compile(r", \('(calendar_key|version)', [^)]*\)|\('(calendar_key|version)', [^)]*\), ")


def strip_bookkeeping(rows: dict[str, list[str]]) -> dict[str, list[str]]:
    """The workspace's rows without the audit log, deliveries, data version and calendar feed key."""
    return {
        table: [BOOKKEEPING.sub("", row) for row in table_rows]
        for table, table_rows in rows.items()
        if table not in ("auditentry", "delivery")
    }


def group_data(session: Session, team_id: str) -> dict[str, list[str]]:
    """What export and import carry: everything but the audit log, the planned deliveries and the
    handovers' checklist copies (made when a handover is planned, as of each import's moment; the
    document carries those that are more than the template's copy, and is compared whole)."""
    # Left out: the group's data version and calendar feed key, which are the workspace's own.
    return team_rows(
        session, team_id, skip=("auditentry", "delivery", "checklistitem"), ignore=("version", "calendar_key")
    )


def check_round_trip(session: Session, team_id: str) -> None:
    """export -> import --replace into another workspace -> export: the same document and data."""
    document = export_document(session=session, group=workspace_group(session, team_id))
    text = dump_yaml(document)
    other = team_id + "X"
    [(imported, _, _)] = import_documents(
        session=session,
        team_id=other,
        docs=[parse_document(text)],
        replace=True,
        user_id=ADMIN,
        now=NOW,
        action="import",
    )
    session.commit()
    assert imported.id == default_group_id(session, other)
    assert export_document(session=session, group=imported) == document
    assert group_data(session, other) == group_data(session, team_id)


@PROPERTY
@given(steps=st.lists(st.tuples(USERS, COMMANDS, MOMENTS, CHANNELS), min_size=1, max_size=3))
def test_any_command_by_anyone_at_any_time_answers_within_limits(
    engine: Engine, steps: list[tuple[tuple[str, bool], str, datetime, str | None]]
) -> None:
    with Session(engine) as session:
        team_id = new_team(session)
        for (user, workspace_admin), text, now, channel in steps:
            admin = workspace_admin or queries.is_listed_admin(
                session=session, group_id=default_group_id(session, team_id), user_id=user
            )
            before = team_rows(session, team_id)
            response = handle_command(
                session=session,
                team_id=team_id,
                text=text,
                user_id=user,
                is_admin=workspace_admin,
                now=now,
                channel_id=channel,
            )
            note(f"{user} at {now.isoformat()}: {text!r} -> {response.text[:300]!r}")
            check_answer(response, text)
            after = team_rows(session, team_id)
            if not admin:
                assert not response.changed, "a non-admin changed something"
            if not response.changed:
                assert after == before, "an answer that changed nothing left a change behind"
                continue
            assert admin and response.ok
            # A change to the group's data is audited once (creating the calendar feed's key is not one).
            new_entries = len(after["auditentry"]) - len(before["auditentry"])
            data_changed = strip_bookkeeping(after) != strip_bookkeeping(before)
            assert new_entries == 1 if data_changed else new_entries <= 1, "a change is audited once"
            check_round_trip(session, team_id)


@settings(PROPERTY, max_examples=max(1, EXAMPLES // 2))
@given(text=COMMANDS, now=MOMENTS)
def test_a_non_admin_changes_nothing(engine: Engine, text: str, now: datetime) -> None:
    """Change commands by someone who is neither a Slack admin nor listed: the export stays the same."""
    attempts = [text, f"term set {text}", f"theme set {text}", f"admin add {text}", f"settings {text}"]
    with Session(engine) as session:
        team_id = new_team(session)
        before = exported(session, team_id), team_rows(session, team_id)
        for command in attempts:
            response = handle_command(
                session=session,
                team_id=team_id,
                text=command,
                user_id=MEMBER,
                is_admin=False,
                now=now,
                channel_id="C0COORD1",
            )
            check_answer(response, command)
            assert not response.changed
        assert (exported(session, team_id), team_rows(session, team_id)) == before


ADMIN_CHANGES = [
    "term set 2030 IOM+ILO Safe <!channel> & orderly",
    "term set 2031-H1 UN Women",
    "theme set 2030 Land & sea | <https://x.org|a link> and <@U1|bob>",
    "theme translate 2030 fr Terre & mer | <https://x.org|un lien> et <@U1|bob>",
    "rotation set ILO, IOM, UN DESA",
    "member add WHO2 World Health Organisation (two)",
    "member remove UNU",
    "focal UNICEF <@UFOCAL01|ana> UFOCAL02",
    "subscribe <#CREMIND1|coordination> reminders",
    "subscribe CTHEMES1 themes",
    "subscribe CTHEMES1 es",
    "reminders 14d 2d 1d12h",
    f"admin add <@{MEMBER}|mia>",
    "settings timezone America/New_York",
    "settings handover 09:30",
    "settings term-months 6",
    "settings topic <#CTOPIC01|gmg>",
    "settings language fr",
    "term clear 2011",
]


def test_every_kind_of_admin_change_round_trips_through_export(session: Session, group: Group) -> None:
    """The property above with each kind of change made for certain, not left to chance."""
    assert group.id is not None
    [team_id] = groups.teams_of(session=session, group_id=group.id)
    for text in ADMIN_CHANGES:
        before = exported(session, team_id)
        response = handle_command(
            session=session,
            team_id=team_id,
            text=text,
            user_id=ADMIN,
            is_admin=True,
            now=NOW,
            channel_id="C0COORD1",
        )
        check_answer(response, text)
        assert response.ok and response.changed, (text, response.text)
        assert exported(session, team_id) != before, text
        check_round_trip(session, team_id)


def ask_once(engine: Engine, text: str, *, now: datetime = NOW) -> Response:
    with Session(engine) as session:
        team_id = new_team(session)
        return handle_command(
            session=session,
            team_id=team_id,
            text=text,
            user_id=ADMIN,
            is_admin=True,
            now=now,
            channel_id="C0COORD1",
        )


# Regression tests for what the properties found (each raised before it was fixed).


@pytest.mark.parametrize(
    "text", ["chair 0000", "chair 9999-12", "theme 9999-H2", "term clear 9999-12", "history 0000"]
)
def test_a_time_outside_the_calendar_is_refused(engine: Engine, text: str) -> None:
    response = ask_once(engine, text)
    assert not response.ok and "out of range" in response.text


@pytest.mark.parametrize("zone", ["Europe", "America", "a" * 300])
def test_a_timezone_that_is_no_zone_is_refused(engine: Engine, zone: str) -> None:
    response = ask_once(engine, f"settings timezone {zone}")
    assert not response.ok and "timezone" in response.text


def test_nul_in_a_command_never_reaches_the_database(engine: Engine) -> None:
    """PostgreSQL refuses NUL in text: a NUL in a change must neither crash it nor be stored."""
    response = ask_once(engine, "theme set 2011-H1 a\x00b")
    check_answer(response, "theme set 2011-H1 a\x00b")
    assert response.ok and "\x00" not in response.text


# -- 2. Import: arbitrary and malformed YAML -----------------------------------------------------


def base_document() -> dict[str, Any]:
    """The built-in record plus what it lacks (rotation, subscriptions, admins, focal points)."""
    doc: dict[str, Any] = yaml.safe_load(BUILT_IN.read_text(encoding="utf-8"))
    doc["rotation"] = ["ILO", "IOM", "UN DESA", "unicef"]
    doc["subscriptions"] = [
        {"channel": "C0COORD1", "kinds": ["reminders", "themes"]},
        {"channel": "CTHEMES1", "kinds": ["themes"]},
    ]
    doc["admins"] = ["UADMIN01", "UADMIN02"]
    doc["members"][0]["focal_points"] = ["UFOCAL01", "WFOCAL02"]
    doc["reminders"] = {"lead_times": ["30d", "7d", "1d12h"]}
    return doc


BASE = base_document()
BAD_DATES = [
    "2011-02-30",
    "2011-13-01",
    "2011-00-10",
    "0000-01-01",
    "10000-01-01",
    "2011-1-1",
    "20110101",
    "yesterday",
    "2011-03-15T10:00:00",
    "2011-03-15 10:00",
    20110101,
    1_700_000_000,
    -1,
    "",
    None,
    [],
]
FIELD_VALUES: dict[str, list[Any]] = {
    "timezone": [*ZONES, "Europe/Geneva ", 5, None],
    "handover_time": ["09:00", "9:00", "24:00", "23:59", "00:60", 900, "09:00:00", None],
    "term_months": [0, 1, 6, 24, 25, -6, 6.0, 6.5, "6", "six", True, 10**30],
    "name": ["", " ", "x" * 200, "x" * 201, "G\U0001f389", 5, None],
    "short_name": ["", "x" * 50, "x" * 51],
    "code": ["", " ", "ilo", "IOM", "I.L.O", "x" * 50, "x" * 51, 5, "\U0001f389"],
    "joined": [1899, 1900, 2200, 2201, "2006", True, None, 2006.5],
    "active": [True, False, "yes", "no", 2, None],
    "aliases": [[], ["ILO"], ["x" * 51], [""], "ILO", [5]],
    "focal_points": [[], ["U1"], ["UABC"], ["<@UABC123>"], ["CABC123"], ["U" + "A" * 32], "UABC"],
    "first_day": [*BAD_DATES, date(1, 1, 1), date(9999, 7, 1), date(2030, 1, 1), "2030-01-01"],
    "last_day": [*BAD_DATES, date(9999, 12, 31), date(2030, 6, 30), "2030-06-30"],
    "chairs": [[], ["NOPE"], ["ILO", "ILO"], ["ilo", "I.L.O"], ["UN DESA", "DESA"], ["ILO"] * 11, "ILO", [5]],
    "theme": ["x" * 150, "x" * 151, "<!channel>", 5],
    "description": ["x" * 3000, "x" * 3001],
    "lead_times": [[], ["0s"], ["367d"], ["1d", "24h"], ["x"], ["1d"] * 21, "30d", [30]],
    "channel": ["C1", "CABC", "<#CABC123>", "UABC123", "DABC123", "GABC123", "", 5],
    "kinds": [[], ["reminders"], ["all"], ["themes", "themes"], "themes"],
}


def containers(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every dict and list in the document with its path."""
    if isinstance(node, dict | list):
        yield path, node
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            yield from containers(value, (*path, key))


YAML_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.floats(),
        st.text(CHARACTERS, max_size=20),
        st.sampled_from(BAD_DATES[:-2]),
        st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    ),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


def mutate(doc: dict[str, Any], draw: Callable[..., Any]) -> None:
    """One structured change: wrong types, unknown keys, overlaps, unknown chairs, bad dates, ..."""
    kind = draw(
        st.sampled_from(
            ["field", "field", "field", "value", "delete", "unknown key", "duplicate", "overlap", "terms"]
        )
    )
    places = list(containers(doc))
    if kind == "field":
        fields = [
            (node, key) for _, node in places if isinstance(node, dict) for key in node if key in FIELD_VALUES
        ]
        node, key = draw(st.sampled_from(fields))
        node[key] = copy.deepcopy(draw(st.sampled_from(FIELD_VALUES[key])))
    elif kind == "value":
        _, node = draw(st.sampled_from(places))
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if keys:
            node[draw(st.sampled_from(keys))] = draw(YAML_VALUES)
        elif isinstance(node, list):
            node.append(draw(YAML_VALUES))
    elif kind == "delete":
        _, node = draw(st.sampled_from(places))
        if node:
            key = draw(st.sampled_from(list(node) if isinstance(node, dict) else list(range(len(node)))))
            del node[key]
    elif kind == "unknown key":
        dicts = [node for _, node in places if isinstance(node, dict)]
        draw(st.sampled_from(dicts))[draw(st.sampled_from(["extra", "Name", "team_id", "id", "chair"]))] = 1
    elif kind == "duplicate":
        lists = [node for _, node in places if isinstance(node, list) and node]
        node = draw(st.sampled_from(lists))
        node.insert(draw(st.integers(0, len(node))), copy.deepcopy(draw(st.sampled_from(node))))
    elif kind == "overlap" and isinstance(doc.get("terms"), list) and doc["terms"]:
        term = copy.deepcopy(draw(st.sampled_from(doc["terms"])))
        if isinstance(term, dict) and isinstance(term.get("first_day"), date):
            shift = timedelta(days=draw(st.integers(-400, 400)))
            term["first_day"] += shift
            if isinstance(term.get("last_day"), date):
                term["last_day"] += shift + timedelta(days=draw(st.integers(-30, 30)))
        doc["terms"].append(term)
    elif kind == "terms":  # (deep copies: later mutations must not change the shared samples)
        doc["terms"] = copy.deepcopy(
            [
                {
                    "first_day": draw(st.sampled_from([*BAD_DATES, date(2030, 1, 1)])),
                    "last_day": draw(st.sampled_from([*BAD_DATES, date(2030, 6, 30)])),
                    "chairs": draw(st.sampled_from(FIELD_VALUES["chairs"])),
                }
            ]
        )


@st.composite
def documents(draw: st.DrawFn) -> str:
    """Arbitrary text, arbitrary YAML, or the valid document with structured and textual damage."""
    source = draw(st.sampled_from(["mutated", "mutated", "mutated", "valid", "yaml", "text"]))
    if source == "text":
        return str(draw(st.text(CHARACTERS, max_size=200)))
    if source == "yaml":
        return yaml.safe_dump(draw(YAML_VALUES | st.fixed_dictionaries({"group": YAML_VALUES})))
    doc = copy.deepcopy(BASE)
    if source == "mutated":
        for _ in range(draw(st.integers(1, 4))):
            mutate(doc, draw)
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    damage = draw(st.sampled_from(["none", "none", "none", "truncate", "insert", "line"]))
    at = draw(st.integers(0, len(text)))
    if damage == "truncate":
        text = text[:at]
    elif damage == "insert":
        text = (
            text[:at]
            + draw(st.sampled_from(["\t", ":", "- ", "'", '"', "&a ", "*a", "!!python/object ", "{"]))
            + text[at:]
        )
    elif damage == "line":
        lines = text.splitlines()
        lines.insert(
            draw(st.integers(0, len(lines))), draw(st.sampled_from(["  extra: 1", "x", "- y", "---"]))
        )
        text = "\n".join(lines)
    return text


QUESTIONS = ["chair", "next", "schedule 20", "history"]


def check_complete(
    session: Session, team_id: str, doc: Document, replace: bool, before: dict[str, Any]
) -> None:
    """Everything the document says is in the workspace; with --replace, nothing else is."""
    after = export_document(session=session, group=workspace_group(session, team_id))
    # The short name names the group in its workspace: an import keeps it (`/gmg group rename` changes it).
    assert after["group"]["short_name"] == before["group"]["short_name"]
    fields = doc.group.model_fields_set if not replace else None
    group = doc.group.model_dump(include=fields, exclude={"short_name"})
    assert {k: after["group"][k] for k in group} == group
    members = {m["code"]: m for m in after["members"]}
    expected: dict[str, dict[str, Any]] = {}
    for m in doc.members:
        expected.setdefault(m.code, {}).update({f: getattr(m, f) for f in m.model_fields_set - {"code"}})
    for code, fields in expected.items():
        # A member's names in other languages are written only where it has some.
        assert {f: members[code].get(f, {}) if f == "names" else members[code][f] for f in fields} == fields
    terms = {t["first_day"]: t for t in after["terms"]}
    for t in doc.terms:
        stored = terms[t.first_day]
        assert (stored["last_day"], stored["theme"], stored["description"], stored["note"]) == (
            t.last_day,
            t.theme,
            t.description,
            t.note,
        )
        assert len(stored["chairs"]) == len(t.chairs) and set(stored["chairs"]) <= set(members)
    old_terms = set() if replace else {t["first_day"] for t in before["terms"]}
    assert set(terms) == old_terms | {t.first_day for t in doc.terms}
    ordered = sorted(after["terms"], key=lambda t: t["first_day"])
    assert all(a["last_day"] < b["first_day"] for a, b in itertools.pairwise(ordered))
    if doc.rotation is not None:
        assert len(after["rotation"]) == len(doc.rotation) and set(after["rotation"]) <= set(members)
    else:
        assert after["rotation"] == ([] if replace else before["rotation"])
    if doc.reminders is not None:
        leads = {format_duration(parse_duration(v)) for v in doc.reminders.lead_times}
        assert set(after["reminders"]["lead_times"]) == leads
    else:
        assert after["reminders"] == ({"lead_times": []} if replace else before["reminders"])
    pairs = {(s["channel"], k) for s in after["subscriptions"] for k in s["kinds"]}
    wanted = {(s.channel, k) for s in doc.subscriptions for k in s.kinds}
    old_pairs = set() if replace else {(s["channel"], k) for s in before["subscriptions"] for k in s["kinds"]}
    assert pairs == old_pairs | wanted
    assert set(after["admins"]) == (set() if replace else set(before["admins"])) | set(doc.admins)
    if replace:
        assert set(members) == set(expected)


@PROPERTY
@given(text=documents(), replace=st.booleans())
def test_any_document_imports_whole_or_not_at_all(engine: Engine, text: str, replace: bool) -> None:
    with Session(engine) as session:
        team_id = new_team(session)
        rows = team_rows(session, team_id)
        group = workspace_group(session, team_id)
        before = export_document(session=session, group=group)
        doc = None
        try:
            doc = parse_document(text)
            import_document(session=session, group=group, team_id=team_id, doc=doc, replace=replace)
        except ImportError_ as exc:
            note(f"refused: {exc}")
            assert str(exc)
            session.rollback()
            assert team_rows(session, team_id) == rows, "a refused import changed something"
            return
        session.commit()
        check_complete(session, team_id, doc, replace, before)
        # What was imported serves: questions, and the reminder plan the dispatcher makes.
        group = workspace_group(session, team_id)
        for question in QUESTIONS:
            response = handle_command(
                session=session, team_id=team_id, text=question, user_id=MEMBER, is_admin=False, now=NOW
            )
            check_answer(response, question)
        notices.replan(session=session, group=group, now=NOW)
        session.commit()


def import_text(engine: Engine, text: str, replace: bool) -> tuple[str, str]:
    """Imports into a seeded workspace; returns the export before and after."""
    with Session(engine) as session:
        team_id = new_team(session)
        before = exported(session, team_id)
        try:
            import_document(
                session=session,
                group=workspace_group(session, team_id),
                team_id=team_id,
                doc=parse_document(text),
                replace=replace,
            )
        except ImportError_:
            session.rollback()
            return before, exported(session, team_id)
        session.commit()
        return before, exported(session, team_id)


@pytest.mark.parametrize("zone", ["Europe", "a" * 300])
def test_import_refuses_a_timezone_that_is_no_zone(zone: str) -> None:
    with pytest.raises(ImportError_):
        parse_document(f"group: {{name: G, timezone: {zone}}}\n")


TWO_STARTS = """
group: {name: G}
members: [{code: A}]
terms:
  - {first_day: 2020-01-01, last_day: 2020-06-30, chairs: [A]}
  - {first_day: 2020-01-01, last_day: 2020-12-31, chairs: [A]}
"""


@pytest.mark.parametrize("replace", [True, False])
def test_import_refuses_two_terms_starting_the_same_day(engine: Engine, replace: bool) -> None:
    before, after = import_text(engine, TWO_STARTS, replace)
    assert after == before, "the document overlaps itself and must be refused whole"


def test_import_refuses_nul(engine: Engine) -> None:
    before, after = import_text(engine, 'group: {name: "G\\0x"}\n', replace=False)
    assert after == before


FAR_TERM = """
group: {name: G}
members: [{code: A}, {code: B}]
terms: [{first_day: 9999-01-01, last_day: 9999-06-30, chairs: [A]}]
rotation: [A, B]
"""


def test_an_imported_far_term_is_refused_or_leaves_a_working_bot(engine: Engine) -> None:
    with Session(engine) as session:
        team_id = new_team(session)
        try:
            import_document(
                session=session,
                group=workspace_group(session, team_id),
                team_id=team_id,
                doc=parse_document(FAR_TERM),
                replace=True,
            )
        except ImportError_:
            return
        session.commit()
        group = workspace_group(session, team_id)
        for question in ("next", "schedule 20"):
            response = handle_command(
                session=session, team_id=team_id, text=question, user_id=MEMBER, is_admin=False, now=NOW
            )
            check_answer(response, question)
        notices.replan(session=session, group=group, now=NOW)


# -- 3. Over real HTTP ---------------------------------------------------------------------------


def answer_text(answer: dict[str, Any]) -> str:
    parts = [answer.get("text", "")]
    for block in answer.get("blocks", []):
        if isinstance(block.get("text"), dict):
            parts.append(block["text"]["text"])
        parts.extend(e["text"] for e in block.get("elements", []) if isinstance(e.get("text"), str))
    return "\n".join(parts)


QUESTION_NEEDLES = {
    "chair 2011-03-15": "UNICEF",
    "theme 2011-H2": "Climate change and global migration",
    "history 2011": "UNESCO",
    "chair 2018-05-01": "FAO",
    "members": "World Health Organization",
    "reminders": "30d 7d 1d",
    "settings": "Europe/Zurich",
    "chair 2015-06-01": "No chair is known",
}


def test_200_concurrent_signed_commands_are_all_answered_within_3_seconds(bot: RunningBot) -> None:
    """Questions and changes at once, 16 at a time, in four workspaces that the burst itself creates.
    Each is acknowledged, within Slack's 3 s; one that the load made slower says so there, and its
    answer follows through its response_url.

    The client's 16 threads share the bot's process and the machine's two cores, so a request's
    measured time includes its own client's wait for the interpreter: 95% must be within 3 s, and
    none left hanging (speed itself is `python -m bench`'s). A change may be refused as "not
    answering" when the server stalls for seconds (a checkpoint), which is the truth (nothing was
    changed): a few may be, never wrongly."""
    teams = ["T1", "TBURST2", "TBURST3", "TBURST4"]
    requests: list[tuple[str, str, str, str]] = []  # team, user, text, needle
    questions = list(QUESTION_NEEDLES.items())
    for i in range(200):
        if i % 4 == 3:  # 50 changes, each to a year of its own, spread over the workspaces
            team = teams[(i // 4) % len(teams)]
            requests.append((team, ADMIN, f"term set {2030 + i // 4} IOM Theme {i}", "Term saved"))
        else:
            text, needle = questions[i % len(questions)]
            requests.append((teams[i % len(teams)], MEMBER, text, needle))
    random.Random(200).shuffle(requests)

    def send(numbered: tuple[int, tuple[str, str, str, str]]) -> tuple[int, str, float]:
        number, (team, user, text, _) = numbered
        started = time.perf_counter()
        status, answer = bot.command(
            text, user=user, team=team, response_url=f"{bot.slack.url}/commands/{team}/{number}/burst"
        )
        return status, answer_text(answer), time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(send, enumerate(requests)))
    latencies = sorted(latency for _, _, latency in results)
    # Slack's own rule: an answer after 3 seconds is an error shown to the user.
    figures = f"p95 {latencies[189]:.2f}s, slowest {latencies[-1]:.2f}s, p50 {latencies[100]:.3f}s"
    assert latencies[189] < 3.0 and latencies[-1] < 6.0, figures
    late = [n for n, (_, shown, _) in enumerate(results) if "Still working on it" in shown]
    followed = {
        c.path: answer_text(c.body) for c in bot.slack.wait_for("response_url", len(late), timeout=30)
    }
    shown_in_the_end = [
        followed.get(f"/commands/{requests[n][0]}/{n}/burst", "") if n in late else shown
        for n, (_, shown, _) in enumerate(results)
    ]
    # Honest refusals under a stalled server or full answering threads: nothing was changed.
    refusals = {edge_notice("answer.unavailable", "en"), edge_notice("answer.busy", "en")}
    failures = [
        (req[0], req[2], status, shown[:200])
        for req, (status, _, _), shown in zip(requests, results, shown_in_the_end, strict=True)
        if status != 200 or (req[3] not in shown and shown not in refusals)
    ]
    assert not failures, failures
    assert sum(shown in refusals for shown in shown_in_the_end) <= 4
    with Session(bot.services.engine) as session:
        for team in teams:
            group_id = default_group_id(session, team)
            assert len(queries.list_members(session=session, group_id=group_id)) == 18
            years = {t.first_day.year for t in queries.list_terms(session=session, group_id=group_id)}
            saved = {
                int(r[2].split()[2])
                for r, shown in zip(requests, shown_in_the_end, strict=True)
                if r[0] == team and r[1] == ADMIN and "Term saved" in shown
            }
            refused = {
                int(r[2].split()[2])
                for r, shown in zip(requests, shown_in_the_end, strict=True)
                if r[0] == team and r[1] == ADMIN and shown in refusals
            }
            assert saved <= years, "a change answered 'saved' is missing"
            assert not refused & years, "a change answered 'nothing was changed' was saved"


def test_the_first_requests_of_a_new_workspace_all_get_answers(engine: Engine) -> None:
    """Two first requests of a new workspace at once: the one that loses the race uses the other's group."""
    first = Session(engine)
    # The other request's group, the workspace's default, not committed yet.
    groups.add_group(
        session=first,
        team_id="TRACE01",
        group=Group(name="Created by the other request", short_name="OTHER"),
        user_id=groups.BOT,
        now=NOW,
        action="create empty group",
    )
    outcome: dict[str, Any] = {}

    def second_request() -> None:
        with Session(engine) as session:
            try:
                outcome["group"] = ensure_workspace(
                    session=session, team_id="TRACE01", seed=True, now=NOW
                ).name
            except Exception as exc:
                outcome["error"] = repr(exc)[:300]

    thread = threading.Thread(target=second_request)
    thread.start()
    time.sleep(1.0)  # the second request has found no group and waits to write its own
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert outcome == {"group": "Created by the other request"}


def address(bot: RunningBot) -> tuple[str, int]:
    host, port = bot.url.removeprefix("http://").split(":")
    return host, int(port)


def healthy(bot: RunningBot) -> bool:
    with urllib.request.urlopen(bot.url + "/healthz", timeout=5) as response:
        return response.status == 200 and response.read() == b"ok\n"


FORM = "application/x-www-form-urlencoded"
NOISE = random.Random(4711)
COMMAND = (
    b"token=x&team_id=T1&user_id=UADMIN01&command=%2Fgmg&text=term+clear+2011&channel_id=C1"
    b"&response_url=http%3A%2F%2F127.0.0.1%3A9%2F"
)


@dataclass(frozen=True)
class Garbage:
    body: bytes
    content_type: str | None = FORM
    # none, signed (with the real secret), forged, stale, signature-only, or a bad timestamp header
    auth: str = "none"
    method: str = "POST"
    path: str = "/slack/events"
    chunked: bool = False
    extra: tuple[tuple[str, str], ...] = ()


def send(bot: RunningBot, garbage: Garbage) -> int:
    """Sends it as it is (signed at send time, so that no signature goes stale); returns the status.

    Over a plain socket: the server may answer (413, 431) before the body is through, and then stop
    reading; the answer counts, not the rest of the upload."""
    headers = {"Host": "127.0.0.1", "Connection": "close", **dict(garbage.extra)}
    if garbage.content_type:
        headers["Content-Type"] = garbage.content_type
    now = int(time.time())
    timestamp = {"stale": str(now - 600), "bad timestamp": "abc"}.get(garbage.auth, str(now))
    signature = sign(SIGNING_SECRET, timestamp, garbage.body.decode("latin-1"))
    if garbage.auth == "forged":
        signature = "v0=" + "0" * 64
    if garbage.auth != "none":
        headers["X-Slack-Signature"] = signature
        if garbage.auth != "signature-only":
            headers["X-Slack-Request-Timestamp"] = timestamp
    if garbage.chunked:
        headers["Transfer-Encoding"] = "chunked"
        pieces = [garbage.body[i : i + 2**16] for i in range(0, len(garbage.body), 2**16)]
        body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
    else:
        headers["Content-Length"] = str(len(garbage.body))
        body = garbage.body
    head = f"{garbage.method} {garbage.path} HTTP/1.1\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers.items()
    )
    return exchange(bot, head.encode("latin-1") + b"\r\n" + body)


def exchange(bot: RunningBot, request: bytes) -> int:
    """Writes the request until the server answers; returns the answer's status (0: none came)."""
    answer = b""
    with socket.create_connection(address(bot), timeout=10) as connection:
        try:
            for start in range(0, len(request), 2**16):
                if io_select.select([connection], [], [], 0)[0]:
                    break
                connection.sendall(request[start : start + 2**16])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed while the upload went on: its answer may be there
        try:
            while b"\r\n" not in answer and (piece := connection.recv(4096)):
                answer += piece
        except (BrokenPipeError, ConnectionResetError):
            pass
    match = re.match(rb"HTTP/1\.[01] (\d{3}) ", answer)
    return int(match.group(1)) if match else 0


MEGABYTE = b"a" * 2**20
# Garbage that Slack never sends.
REFUSED = {
    "unsigned command": Garbage(COMMAND),
    "unsigned command as text/plain": Garbage(COMMAND, "text/plain"),
    "unsigned command as multipart": Garbage(COMMAND, "multipart/form-data; boundary=x"),
    "unsigned command, no content type": Garbage(COMMAND, None),
    "forged signature": Garbage(COMMAND, auth="forged"),
    "stale timestamp": Garbage(COMMAND, auth="stale"),
    "signature, no timestamp": Garbage(COMMAND, auth="signature-only"),
    "timestamp not a number": Garbage(COMMAND, auth="bad timestamp"),
    "random text": Garbage(bytes(NOISE.choice(b"abcdefxyz0123456789=&+%_-. ") for _ in range(2000))),
    "random bytes": Garbage(NOISE.randbytes(2000)),
    "random bytes as octet-stream": Garbage(NOISE.randbytes(2000), "application/octet-stream"),
    "one byte that is not UTF-8": Garbage(b"\xff"),
    "form body as JSON": Garbage(COMMAND, "application/json"),
    "broken JSON": Garbage(b"{"),
    "JSON list": Garbage(b"[1]", "application/json"),
    "broken payload field": Garbage(b"payload=x"),
    "signed payload field that is a list": Garbage(b"payload=%5B1%5D", auth="signed"),
    "empty body": Garbage(b""),
    "1 MB signed form": Garbage(MEGABYTE, auth="signed"),
    "1 MB unsigned json": Garbage(b"{" + MEGABYTE, "application/json"),
    "1 MB chunked": Garbage(MEGABYTE, chunked=True),
    "just over the limit": Garbage(b"a" * (MAX_BODY_BYTES + 1), auth="signed"),
    "300 kB header": Garbage(COMMAND, extra=(("X-Big", "a" * 300_000),)),
    "GET": Garbage(b"", None, method="GET"),
    "PUT": Garbage(COMMAND, method="PUT"),
    "DELETE": Garbage(b"", None, method="DELETE"),
    "unknown path": Garbage(COMMAND, path="/slack/events/../../admin"),
    "POST /healthz": Garbage(b"x", path="/healthz"),
}


def snapshot(bot: RunningBot) -> str:
    with Session(bot.services.engine) as session:
        return exported(session, "T1")


def test_garbage_gets_4xx_the_server_stays_up_and_nothing_changes(bot: RunningBot) -> None:
    status, _ = bot.command("chair")
    assert status == 200
    before = snapshot(bot)
    statuses = {}
    for name, garbage in REFUSED.items():
        statuses[name] = send(bot, garbage)
        assert healthy(bot), f"/healthz failed after {name}"
    # Not HTTP at all, and a connection dropped in the middle of its body.
    statuses["not HTTP"] = exchange(bot, b"\x16\x03\x01\x02\x00garbage\r\n\r\n")
    with socket.create_connection(address(bot), timeout=5) as raw:
        raw.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nabc")
    assert healthy(bot)
    assert {name: s for name, s in statuses.items() if not 400 <= s < 500} == {}, statuses
    assert snapshot(bot) == before
    status, answer = bot.command("chair 2011-03-15")
    assert status == 200 and "UNICEF" in answer_text(answer)


ASCII = st.characters(min_codepoint=32, max_codepoint=126)
GARBAGE_BODIES = st.one_of(
    st.binary(max_size=3000),
    st.text(CHARACTERS, max_size=300).map(str.encode),
    st.lists(
        st.tuples(st.sampled_from(["payload", "command", "text", "type", "team_id", "x"]), WORDS), max_size=5
    ).map(lambda fields: "&".join(f"{k}={v}" for k, v in fields).encode()),
    YAML_VALUES.map(lambda v: json.dumps(v, default=str).encode()),
)
CONTENT_TYPES = st.one_of(
    st.sampled_from(
        [FORM, "application/json", "text/plain", "application/octet-stream", f"{FORM}; charset=latin-1"]
    ),
    st.text(ASCII, max_size=30),
    st.none(),
)
TIMESTAMPS = st.one_of(st.none(), st.integers(-(10**12), 10**12).map(str), st.text(ASCII, max_size=20))
SIGNATURES = st.one_of(
    st.none(), st.binary(min_size=32, max_size=32).map(lambda b: "v0=" + b.hex()), st.text(ASCII, max_size=80)
)


@settings(PROPERTY, max_examples=max(1, EXAMPLES // 2))
@given(body=GARBAGE_BODIES, content_type=CONTENT_TYPES, timestamp=TIMESTAMPS, signature=SIGNATURES)
def test_any_unsigned_body_gets_4xx(
    bot: RunningBot, body: bytes, content_type: str | None, timestamp: str | None, signature: str | None
) -> None:
    """Whatever comes without Slack's signature: refused with a 4xx, never a 5xx, never let in."""
    assert bot.command("chair")[0] == 200  # the workspace exists: there is something to change
    before = snapshot(bot)
    extra = tuple(
        (k, v)
        for k, v in (("X-Slack-Request-Timestamp", timestamp), ("X-Slack-Signature", signature))
        if v is not None
    )
    status = send(bot, Garbage(body, content_type, extra=extra))
    assert 400 <= status < 500
    assert healthy(bot) and snapshot(bot) == before


# -- 4. kill -9 in a burst of deliveries, then a restart ----------------------------------------

WORKER_SCRIPT = """
import sys
from bot.dispatcher import Dispatcher
from bot.slack_client import make_web_client
from bot.workspace_clients import WorkspaceClients
from storage.db import make_engine
engine = make_engine(sys.argv[1])
client = make_web_client(token=sys.argv[2], base_url=sys.argv[3], retry_server_errors=False)
Dispatcher(engine=engine, clients=WorkspaceClients.single(client), worker="killed").run_once()
"""
BURST = 300
HOLD_AFTER = 40


class HoldingSlack(FakeSlack):
    """A fake Slack that, after `hold_after` posts, takes further posts in but answers none until
    `release`: whatever the worker is sending then stays in flight, to be killed there."""

    def __init__(self, hold_after: int) -> None:
        super().__init__()
        self.hold_after = hold_after
        self.released = threading.Event()
        self.held: list[str] = []  # the channels of the posts taken in and not answered
        self._seen = 0
        self._count = threading.Lock()

    def _api(self, method: str, body: dict[str, Any], token: str) -> Any:
        if method == "chat.postMessage" and not self.released.is_set():
            with self._count:
                self._seen += 1
                hold = self._seen > self.hold_after
                if hold:
                    self.held.append(str(body.get("channel")))
            if hold:
                self.released.wait(timeout=60)
        return super()._api(method, body, token)


@dataclass
class Crash:
    channels: set[str]
    posted_at_kill: Counter[str]
    in_flight: list[str]  # posted by the killed worker, never answered
    posts: Counter[str]  # after both restarts


def kill_mid_burst_and_restart(
    engine: Engine, database_url: str, burst: int = BURST, hold_after: int = HOLD_AFTER
) -> Crash:
    now = datetime.now(UTC)
    planned = [
        deliveries.Planned(
            f"crash:{i}",
            "theme",
            "T1",
            f"CCRASH{i:04d}",
            now - timedelta(seconds=1),
            now + timedelta(hours=1),
            "written",
            {"text": f"n{i}", "blocks": None},
        )
        for i in range(burst)
    ]
    with Session(engine) as session:
        # Workspace T1's group, empty: it plans nothing of its own.
        group = ensure_workspace(session=session, team_id="T1", seed=False, now=now)
        assert group.id is not None
        group_id = group.id
        deliveries.record_events(session=session, group_id=group_id, planned=planned)
        session.commit()
    with HoldingSlack(hold_after=hold_after) as slack:
        worker = subprocess.Popen(
            [sys.executable, "-c", WORKER_SCRIPT, database_url, slack.bot_token, slack.base_url]
        )
        try:
            # Wait until the posts past hold_after stop coming: every sender is then waiting for Slack.
            deadline, seen, quiet_since = time.monotonic() + 60, -1, time.monotonic()
            while time.monotonic() < deadline:
                count = len(slack.calls_to("chat.postMessage"))
                if count != seen:
                    seen, quiet_since = count, time.monotonic()
                elif count > hold_after and time.monotonic() - quiet_since > 0.5:
                    break
                assert worker.poll() is None, "the worker ended before it could be killed"
                time.sleep(0.01)
            worker.kill()  # SIGKILL: no cleanup, no finally blocks, no commit
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
            slack.released.set()
        posted = [c.body["channel"] for c in slack.calls_to("chat.postMessage")]
        assert hold_after < len(posted) < burst, "the kill did not land in the middle of the burst"
        in_flight = list(slack.held)
        with Session(engine) as session:
            rows = {
                d.target: d for d in session.exec(select(Delivery).where(Delivery.group_id == group_id)).all()
            }
        # What the killed worker recorded as sent was posted; what it had in flight it did not record.
        assert {t for t, d in rows.items() if d.state == "sent"} <= set(posted) - set(in_flight)
        assert all(rows[t].state == "pending" and rows[t].claimed_by == "killed" for t in in_flight)
        leased = {t for t, d in rows.items() if d.state == "pending" and d.claimed_by == "killed"}

        client = make_web_client(token=slack.bot_token, base_url=slack.base_url, retry_server_errors=False)
        # Restarted at once: everything goes out but what the killed worker holds under its lease.
        Dispatcher(engine=engine, clients=WorkspaceClients.single(client), worker="restarted").run_once()
        with Session(engine) as session:
            pending = session.exec(select(Delivery.target).where(Delivery.state == "pending")).all()
        assert set(pending) == leased, "a delivery leased by the killed worker was taken"
        # After the lease: the rest.
        late = datetime.now(UTC) + LEASE + timedelta(minutes=1)
        Dispatcher(
            engine=engine, clients=WorkspaceClients.single(client), clock=lambda: late, worker="after-lease"
        ).run_once()
        with Session(engine) as session:
            states = Counter(session.exec(select(Delivery.state)).all())
        assert states == {"sent": burst}
        return Crash(
            channels={p.target for p in planned},
            posted_at_kill=Counter(posted),
            in_flight=in_flight,
            posts=Counter(c.body["channel"] for c in slack.calls_to("chat.postMessage")),
        )


def test_kill_9_mid_burst_then_restart_sends_everything_and_twice_only_what_was_in_flight(
    engine: Engine, database_url: str, record_property: Callable[[str, object], None]
) -> None:
    crash = kill_mid_burst_and_restart(engine, database_url)
    assert set(crash.posts) == crash.channels, f"never sent: {sorted(crash.channels - set(crash.posts))[:10]}"
    twice = sorted(c for c, n in crash.posts.items() if n > 1)
    assert max(crash.posts.values()) <= 2
    # Sent twice: exactly the deliveries the killed worker had posted without hearing back.
    assert twice == sorted(crash.in_flight), (twice, crash.in_flight)
    record_property("posted_twice", twice)
    print(f"killed after {sum(crash.posted_at_kill.values())} posts; in flight, so posted twice: {twice}")


def test_kill_9_mid_burst_then_restart_sends_at_most_the_senders_in_flight_twice(
    engine: Engine, database_url: str
) -> None:
    """The dispatcher posts to up to SENDERS channels at once, so up to SENDERS posts can be in flight."""
    crash = kill_mid_burst_and_restart(engine, database_url, burst=60, hold_after=10)
    twice = [c for c, n in crash.posts.items() if n > 1]
    assert len(twice) <= SENDERS, f"{len(twice)} deliveries posted twice: {sorted(twice)}"
