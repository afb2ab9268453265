"""Admin commands: the answer, what the database holds afterwards, and the audit log entry."""

import json
from datetime import date
from typing import Any

import pytest
from slack_sdk.models.blocks import SectionBlock
from sqlmodel import Session

from bot.blocks import answer_blocks, answer_text
from handlers import Response
from storage import groups, queries
from storage.documents import parse_document
from storage.models import AuditEntry, Group, Term
from storage.transfer import export_document, import_document
from tests.conftest import ADMIN, MEMBER, NOW, Asker

TEAM = "T1"


def the_group(session: Session) -> Group:
    """The group the commands of workspace TEAM go to (its default group)."""
    group = groups.default_group(session=session, team_id=TEAM)
    assert group is not None
    return group


def group_id(session: Session) -> int:
    gid = the_group(session).id
    assert gid is not None
    return gid


def export(session: Session) -> dict[str, Any]:
    """The whole group, as `gmg-bot export` writes it."""
    return export_document(session=session, group=the_group(session))


def audit_count(session: Session) -> int:
    return queries.count_audit_entries(session=session, group_id=group_id(session))


def last_audit(session: Session) -> AuditEntry:
    return queries.list_audit_entries(session=session, group_id=group_id(session), limit=1)[0]


def term_starting(session: Session, first_day: date) -> Term | None:
    term = queries.term_on_or_before(session=session, group_id=group_id(session), day=first_day)
    return term if term is not None and term.first_day == first_day else None


def record(
    first: str, last: str, chairs: list[str], theme: str = "", description: str = ""
) -> dict[str, Any]:
    return {
        "first_day": first,
        "last_day": last,
        "chairs": chairs,
        "theme": theme,
        "description": description,
    }


def assert_audited(session: Session, command: str, before: Any, after: Any, count: int) -> None:
    assert audit_count(session) == count + 1
    entry = last_audit(session)
    assert entry.user_id == ADMIN
    assert entry.action == command
    assert entry.at == NOW
    assert entry.before == before
    assert entry.after == after


# term set / term clear


def test_term_set_new_term_with_theme(ask: Asker, session: Session) -> None:
    count = audit_count(session)
    command = "term set 2019 UN Women Gender and migration"
    response = ask(command)
    assert response.ok and response.changed
    assert "*UN Women* chairs the GMG 1 Jan to 31 Dec 2019. Theme: *Gender and migration*." in response.text
    term = term_starting(session, date(2019, 1, 1))
    assert term is not None
    assert (term.last_day, term.chairs, term.theme) == (
        date(2019, 12, 31),
        ["UN Women"],
        "Gender and migration",
    )
    assert_audited(
        session,
        command,
        None,
        record("2019-01-01", "2019-12-31", ["UN Women"], "Gender and migration"),
        count,
    )


def test_term_set_co_chairs_with_multi_word_names(ask: Asker, session: Session) -> None:
    response = ask("term set 2019-H1 UN DESA+World Bank Remittances and development")
    assert response.ok
    assert "*UN DESA* and *World Bank* chair the GMG 1 Jan to 30 Jun 2019." in response.text
    term = term_starting(session, date(2019, 1, 1))
    assert term is not None
    assert term.chairs == ["UN DESA", "World Bank"]
    assert term.theme == "Remittances and development"
    assert term.last_day == date(2019, 6, 30)


def test_term_set_replaces_the_chairs_of_the_same_term_and_keeps_its_theme(
    ask: Asker, session: Session
) -> None:
    count = audit_count(session)
    response = ask("term set 2011-H1 UNHCR")
    assert response.ok
    assert "Replaced the term's chairs." in response.text
    term = term_starting(session, date(2011, 1, 1))
    assert term is not None
    assert term.chairs == ["UNHCR"]
    assert term.theme == "Youth and global migration"
    description = "Rights-based approach to adolescents and youth in international migration."
    assert_audited(
        session,
        "term set 2011-H1 UNHCR",
        record("2011-01-01", "2011-06-30", ["UNICEF"], "Youth and global migration", description),
        record("2011-01-01", "2011-06-30", ["UNHCR"], "Youth and global migration", description),
        count,
    )


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        ("2019", date(2019, 1, 1), date(2019, 12, 31)),
        ("2019-H1", date(2019, 1, 1), date(2019, 6, 30)),
        ("2019-h2", date(2019, 7, 1), date(2019, 12, 31)),
        ("2019-02", date(2019, 2, 1), date(2019, 2, 28)),
        ("2020-02", date(2020, 2, 1), date(2020, 2, 29)),
        ("2019-03-15..2019-09-14", date(2019, 3, 15), date(2019, 9, 14)),
        ("2015-01-01..2015-12-31", date(2015, 1, 1), date(2015, 12, 31)),
    ],
)
def test_term_set_every_period_form(
    ask: Asker, session: Session, period: str, first: date, last: date
) -> None:
    assert ask(f"term set {period} ILO").ok
    term = term_starting(session, first)
    assert term is not None
    assert (term.last_day, term.chairs) == (last, ["ILO"])


def test_term_set_fills_a_gap(ask: Asker) -> None:
    assert ask("term set 2015 IOM").ok
    assert (
        "*IOM* (International Organization for Migration) will chair the GMG: 1 Jan to 31 Dec 2015."
        in ask("chair 2015-06-01").text
    )


def test_term_clear(ask: Asker, session: Session) -> None:
    count = audit_count(session)
    response = ask("term clear 2011")
    assert response.ok and response.changed
    assert "Cleared 2 terms" in response.text
    assert "• 1 Jan to 30 Jun 2011: UNICEF" in response.text
    assert "• 1 Jul to 31 Dec 2011: UNESCO" in response.text
    assert (
        queries.terms_overlapping(
            session=session, group_id=group_id(session), first=date(2011, 1, 1), last=date(2011, 12, 31)
        )
        == []
    )
    entry = last_audit(session)
    assert audit_count(session) == count + 1
    assert (entry.user_id, entry.action, entry.after) == (ADMIN, "term clear 2011", None)
    assert [r["chairs"] for r in entry.before] == [["UNICEF"], ["UNESCO"]]
    assert "No chair is known for 15 Mar 2011." in ask("chair").text


def test_term_clear_co_chairs(ask: Asker, session: Session) -> None:
    response = ask("term clear 2018")
    assert response.ok
    assert "Cleared 1 term" in response.text
    assert "FAO + IOM" in response.text
    assert term_starting(session, date(2018, 1, 1)) is None
    assert last_audit(session).before == [record("2018-01-01", "2018-12-31", ["FAO", "IOM"])]


def test_term_clear_by_days(ask: Asker, session: Session) -> None:
    assert ask("term clear 2012-01-01..2012-05-31").ok
    assert term_starting(session, date(2012, 1, 1)) is None


# theme set


def test_theme_set_without_period_sets_the_current_term(ask: Asker, session: Session) -> None:
    count = audit_count(session)
    response = ask("theme set Children on the move")
    assert response.ok and response.changed
    assert "*UNICEF*, 1 Jan to 30 Jun 2011: *Children on the move*" in response.text
    term = term_starting(session, date(2011, 1, 1))
    assert term is not None
    assert (term.theme, term.description) == ("Children on the move", "")
    description = "Rights-based approach to adolescents and youth in international migration."
    assert_audited(
        session,
        "theme set Children on the move",
        record("2011-01-01", "2011-06-30", ["UNICEF"], "Youth and global migration", description),
        record("2011-01-01", "2011-06-30", ["UNICEF"], "Children on the move"),
        count,
    )


def test_theme_set_without_period_in_a_gap_sets_the_next_term(ask: Asker, session: Session) -> None:
    response = ask("theme set Gender | Ten years of the GMG", now=NOW.replace(year=2015))
    assert response.ok
    term = term_starting(session, date(2016, 1, 1))
    assert term is not None
    assert (term.chairs, term.theme, term.description) == (["UN Women"], "Gender", "Ten years of the GMG")


def test_theme_set_with_period_and_description(ask: Asker, session: Session) -> None:
    response = ask("theme set 2011-H2 Climate and mobility | Environment, settlement | movement")
    assert response.ok
    assert "*UNESCO*, 1 Jul to 31 Dec 2011: *Climate and mobility*" in response.text
    assert ">Environment, settlement | movement" in response.text
    term = term_starting(session, date(2011, 7, 1))
    assert term is not None
    assert (term.theme, term.description) == ("Climate and mobility", "Environment, settlement | movement")
    assert last_audit(session).after["description"] == "Environment, settlement | movement"
    assert ">Environment, settlement | movement" in ask("theme 2011-H2").text


def test_theme_set_by_days_and_quoted(ask: Asker, session: Session) -> None:
    assert ask('theme set 2014-01-01..2014-12-31 "Decent work"').ok
    term = term_starting(session, date(2014, 1, 1))
    assert term is not None
    assert term.theme == "Decent work"


def test_theme_set_with_no_term_ahead(ask: Asker, session: Session) -> None:
    before = export(session)
    response = ask("theme set Anything", now=NOW.replace(year=2020))
    assert response.ok is False
    assert "No current or coming term is decided" in response.text
    assert export(session) == before


# rotation set / clear


def test_rotation_set_and_clear(ask: Asker, session: Session) -> None:
    count = audit_count(session)
    response = ask("rotation set ILO, iom, un-women, DESA")
    assert response.ok and response.changed
    assert "Order: ILO, IOM, UN Women, UN DESA." in response.text
    assert queries.get_rotation(session=session, group_id=group_id(session)) == [
        "ILO",
        "IOM",
        "UN Women",
        "UN DESA",
    ]
    assert_audited(
        session, "rotation set ILO, iom, un-women, DESA", [], ["ILO", "IOM", "UN Women", "UN DESA"], count
    )
    response = ask("rotation clear")
    assert response.ok
    assert "Order: none (nothing will be projected)." in response.text
    assert queries.get_rotation(session=session, group_id=group_id(session)) == []
    assert_audited(session, "rotation clear", ["ILO", "IOM", "UN Women", "UN DESA"], [], count + 1)


def test_rotation_set_replaces_the_order(ask: Asker, session: Session) -> None:
    ask("rotation set ILO, IOM")
    assert ask("rotation set UNDP").ok
    assert queries.get_rotation(session=session, group_id=group_id(session)) == ["UNDP"]
    assert last_audit(session).before == ["ILO", "IOM"]


# member add / remove


def test_member_add(ask: Asker, session: Session) -> None:
    count = audit_count(session)
    response = ask("member add IFAD International Fund for Agricultural Development")
    assert response.ok and response.changed
    assert "*IFAD*: International Fund for Agricultural Development." in response.text
    member = queries.get_member(session=session, group_id=group_id(session), code="IFAD")
    assert member is not None
    assert (member.name, member.active, member.joined) == (
        "International Fund for Agricultural Development",
        True,
        2011,
    )
    assert_audited(
        session,
        "member add IFAD International Fund for Agricultural Development",
        None,
        {"code": "IFAD", "name": "International Fund for Agricultural Development", "active": True},
        count,
    )
    assert "GMG members (19)" in ask("members").text


def test_member_add_quoted_code_with_spaces(ask: Asker, session: Session) -> None:
    assert ask('member add "UN Habitat" UN Human Settlements Programme').ok
    member = queries.get_member(session=session, group_id=group_id(session), code="UN Habitat")
    assert member is not None
    assert member.name == "UN Human Settlements Programme"
    assert ask("term set 2019 un-habitat").ok
    term = term_starting(session, date(2019, 1, 1))
    assert term is not None and term.chairs == ["UN Habitat"]


def test_member_remove_and_add_back(ask: Asker, session: Session) -> None:
    ask("rotation set UNDP, UNITAR, IOM")
    count = audit_count(session)
    response = ask("member remove unitar")
    assert response.ok and response.changed
    assert "*UNITAR* is now a former member and left the rotation; its past terms stay." in response.text
    member = queries.get_member(session=session, group_id=group_id(session), code="UNITAR")
    assert member is not None and member.active is False
    assert queries.get_rotation(session=session, group_id=group_id(session)) == ["UNDP", "IOM"]
    assert term_starting(session, date(2009, 7, 1)) is not None
    assert_audited(
        session,
        "member remove unitar",
        {"code": "UNITAR", "active": True},
        {"code": "UNITAR", "active": False},
        count,
    )
    assert "Former: UNITAR" in ask("members").text
    # A former member cannot chair or join the rotation until it is added back.
    assert ask("term set 2019 UNITAR").ok is False
    assert ask("rotation set UNITAR, IOM").ok is False
    response = ask("member add UNITAR UN Institute for Training and Research")
    assert response.ok
    member = queries.get_member(session=session, group_id=group_id(session), code="UNITAR")
    assert member is not None and member.active is True
    assert last_audit(session).before == {
        "code": "UNITAR",
        "name": "UN Institute for Training and Research",
        "active": False,
    }


# focal


def test_focal_points(ask: Asker, session: Session) -> None:
    count = audit_count(session)
    command = "focal UNICEF <@U0ANA|ana> <@U0BOB> U0CAROL"
    response = ask(command)
    assert response.ok and response.changed
    assert "*UNICEF*: <@U0ANA> <@U0BOB> <@U0CAROL>." in response.text
    member = queries.get_member(session=session, group_id=group_id(session), code="UNICEF")
    assert member is not None
    assert member.focal_points == ["U0ANA", "U0BOB", "U0CAROL"]
    assert_audited(
        session,
        command,
        {"code": "UNICEF", "focal_points": []},
        {"code": "UNICEF", "focal_points": ["U0ANA", "U0BOB", "U0CAROL"]},
        count,
    )
    response = ask("focal UNICEF clear")
    assert response.ok
    assert "*UNICEF*: none." in response.text
    member = queries.get_member(session=session, group_id=group_id(session), code="UNICEF")
    assert member is not None and member.focal_points == []


def test_focal_points_of_a_multi_word_member(ask: Asker, session: Session) -> None:
    assert ask("focal UN Women <@U0ANA>").ok
    member = queries.get_member(session=session, group_id=group_id(session), code="UN Women")
    assert member is not None and member.focal_points == ["U0ANA"]


# subscribe / unsubscribe


def subscriptions(session: Session) -> list[tuple[str, str]]:
    return [
        (s.channel_id, s.kind)
        for s in queries.list_subscriptions(session=session, group_id=group_id(session))
    ]


def test_subscribe_the_channel_the_command_came_from(ask: Asker, session: Session) -> None:
    count = audit_count(session)
    response = ask("subscribe", channel="C0COORD1")
    assert response.ok and response.changed
    assert "<#C0COORD1> now follows: reminders, themes." in response.text
    assert subscriptions(session) == [("C0COORD1", "reminders"), ("C0COORD1", "themes")]
    assert_audited(
        session,
        "subscribe",
        {"channel": "C0COORD1", "kinds": []},
        {"channel": "C0COORD1", "kinds": ["reminders", "themes"]},
        count,
    )
    response = ask("unsubscribe", channel="C0COORD1")
    assert response.ok
    assert "<#C0COORD1> now follows: nothing." in response.text
    assert subscriptions(session) == []


@pytest.mark.parametrize("channel", ["<#C0123ABCD|gmg-coordination>", "<#C0123ABCD>", "C0123ABCD"])
def test_subscribe_a_named_channel_to_one_kind(ask: Asker, session: Session, channel: str) -> None:
    response = ask(f"subscribe {channel} reminders", channel="C0OTHER1")
    assert response.ok
    assert "<#C0123ABCD> now follows: reminders." in response.text
    assert subscriptions(session) == [("C0123ABCD", "reminders")]
    assert ask(f"subscribe themes {channel}").ok
    assert subscriptions(session) == [("C0123ABCD", "reminders"), ("C0123ABCD", "themes")]
    response = ask(f"unsubscribe {channel} themes")
    assert response.ok
    assert subscriptions(session) == [("C0123ABCD", "reminders")]
    assert last_audit(session).after == {"channel": "C0123ABCD", "kinds": ["reminders"]}
    assert ask(f"unsubscribe {channel} all").ok
    assert subscriptions(session) == []


# reminders


def test_reminders_show_and_set(ask: Asker, session: Session) -> None:
    shown = ask("reminders", user=MEMBER, admin=False)
    assert shown.ok and not shown.changed
    assert "Reminders go out 30d 7d 1d before each handover." in shown.text
    count = audit_count(session)
    response = ask("reminders 1d12h 30d 90m")
    assert response.ok and response.changed
    assert "Reminders go out 30d 1d12h 1h30m before each handover." in response.text
    assert queries.get_lead_seconds(session=session, group_id=group_id(session)) == [
        30 * 86400,
        36 * 3600,
        5400,
    ]
    assert_audited(session, "reminders 1d12h 30d 90m", ["30d", "7d", "1d"], ["30d", "1d12h", "1h30m"], count)
    assert "Reminders go out 30d 1d12h 1h30m before each handover." in ask("reminders").text


def test_reminders_off(ask: Asker, session: Session) -> None:
    assert ask("reminders off").ok
    assert queries.get_lead_seconds(session=session, group_id=group_id(session)) == []
    assert "No reminders go out before handovers." in ask("reminders").text
    assert ask("reminders 45s").ok
    assert last_audit(session).before == []
    assert queries.get_lead_seconds(session=session, group_id=group_id(session)) == [45]


# admin add / remove


def test_admin_add_and_remove(ask: Asker, session: Session) -> None:
    count = audit_count(session)
    response = ask("admin add <@U0ANA|ana>")
    assert response.ok and response.changed
    assert "Added admins: <@U0ANA>." in response.text
    assert queries.list_admins(session=session, group_id=group_id(session)) == ["U0ANA"]
    assert_audited(session, "admin add <@U0ANA|ana>", [], ["U0ANA"], count)
    assert ask("admin add <@U0BOB>").ok
    assert queries.list_admins(session=session, group_id=group_id(session)) == ["U0ANA", "U0BOB"]
    assert "<@U0ANA>, <@U0BOB>" in ask("admin", user=MEMBER, admin=False).text
    response = ask("admin remove <@U0ANA|ana>")
    assert response.ok
    assert "Added admins: <@U0BOB>." in response.text
    assert queries.list_admins(session=session, group_id=group_id(session)) == ["U0BOB"]
    assert_audited(session, "admin remove <@U0ANA|ana>", ["U0ANA", "U0BOB"], ["U0BOB"], count + 2)


def test_an_added_admin_may_change_things(ask: Asker, session: Session) -> None:
    assert ask("term set 2019 ILO", user="U0ANA", admin=False).ok is False
    assert ask("admin add <@U0ANA>").ok
    response = ask("term set 2019 ILO", user="U0ANA", admin=False)
    assert response.ok
    assert last_audit(session).user_id == "U0ANA"
    assert ask("admin remove <@U0ANA>").ok
    assert ask("term clear 2019", user="U0ANA", admin=False).ok is False


# settings


SETTINGS = {"timezone": "Europe/Zurich", "handover_time": "00:00", "term_months": 12}


@pytest.mark.parametrize(
    ("command", "changed", "shown"),
    [
        ("settings timezone Pacific/Auckland", {"timezone": "Pacific/Auckland"}, "Timezone Pacific/Auckland"),
        ("settings timezone Europe/Geneva", {"timezone": "Europe/Zurich"}, "Timezone Europe/Zurich"),
        ("settings handover 09:00", {"handover_time": "09:00"}, "handover at 09:00"),
        ("settings term-months 6", {"term_months": 6}, "terms of 6 months"),
        ("SETTINGS HANDOVER 23:59", {"handover_time": "23:59"}, "handover at 23:59"),
    ],
)
def test_settings(ask: Asker, session: Session, command: str, changed: dict[str, Any], shown: str) -> None:
    count = audit_count(session)
    response = ask(command)
    assert response.ok and response.changed
    assert shown in response.text
    stored = queries.get_group(session=session, group_id=group_id(session))
    assert stored is not None
    after = {**SETTINGS, **changed}
    assert (stored.timezone, stored.handover_time, stored.term_months) == tuple(after.values())
    assert audit_count(session) == count + 1
    entry = last_audit(session)
    assert (entry.user_id, entry.action) == (ADMIN, command)
    assert {key: entry.before[key] for key in SETTINGS} == SETTINGS
    assert {key: entry.after[key] for key in SETTINGS} == after
    assert shown.split()[-1] in ask("settings", user=MEMBER, admin=False).text


# log


def test_log(ask: Asker, session: Session) -> None:
    ask("term set 2019 ILO")
    ask("admin add <@U0ANA>")
    ask("rotation set ILO, IOM", user="U0ANA", admin=False)
    response = ask("log")
    assert response.ok and not response.changed
    assert lines(response) == [
        "• 2011-03-15 13:00 <@U0ANA>: `rotation set ILO, IOM`",
        "• 2011-03-15 13:00 <@UADMIN01>: `admin add &lt;@U0ANA&gt;`",
        "• 2011-03-15 13:00 <@UADMIN01>: `term set 2019 ILO`",
        "• 2011-03-15 13:00 gmg-bot: `seed built-in GMG data`",
    ]
    assert len(lines(ask("log 2"))) == 2


def lines(response: Response) -> list[str]:
    return [line for line in response.text.splitlines() if line.startswith("• ")]


# Refusals for everyone but admins


CHANGES = [
    "term set 2019 ILO",
    "term set 2011-H1 ILO",
    "term clear 2011-H1",
    "term clear 2011",
    "theme set New theme",
    "theme set 2011-H2 New theme | and a description",
    "rotation set ILO, IOM",
    "rotation clear",
    "member add IFAD International Fund for Agricultural Development",
    "member remove ILO",
    "focal UNICEF <@U0ANA>",
    "focal UNICEF clear",
    "subscribe",
    "subscribe <#C0123ABCD|gmg> reminders",
    "unsubscribe <#C0123ABCD>",
    "reminders 1d",
    "reminders off",
    "admin add <@UMEMBER1>",
    "admin remove <@U0ANA>",
    "settings timezone UTC",
    "settings handover 09:00",
    "settings term-months 6",
    "log",
    "log 5",
    "deliveries",
    "settings topic <#C0123ABCD|gmg>",
]


def test_non_admins_are_refused_and_nothing_changes(ask: Asker, session: Session) -> None:
    # Give the refusals something to change.
    assert ask("rotation set ILO, IOM").ok
    assert ask("admin add <@U0ANA>").ok
    assert ask("subscribe <#C0123ABCD> all").ok
    assert ask("focal UNICEF <@U0ANA>").ok
    before = export(session)
    count = audit_count(session)
    for command in CHANGES:
        response = ask(command, user=MEMBER, admin=False)
        assert response.ok is False, command
        assert response.changed is False, command
        # What is the workspace's own (its channels, its topic) its Slack admins may change too.
        workspace_own = command.split()[0] in ("subscribe", "unsubscribe") or "topic" in command
        refusal = (
            "Only a Slack admin of this workspace, or an admin of GMG, can do this."
            if workspace_own
            else "Only GMG admins can change this."
        )
        assert refusal in response.text, command
        assert export(session) == before, command
        assert audit_count(session) == count, command
    # The comparison sees a change when there is one.
    assert ask(CHANGES[0]).ok
    assert export(session) != before


# Bad input: a specific answer, nothing changed


BAD: dict[str, list[tuple[str, str]]] = {
    "did you mean a command": [
        ("tem set 2019 ILO", "`tem` is not a /gmg command. Did you mean `/gmg term`?"),
        ("term sett 2019 ILO", "Did you mean `/gmg term set`?"),
        ("term clera 2011", "Did you mean `/gmg term clear`?"),
        (
            "term",
            "`/gmg term` needs a sub-command: `/gmg term set PERIOD CHAIR[+CHAIR] [THEME]`, "
            "`/gmg term clear PERIOD`",
        ),
        ("membr add X Y", "Did you mean `/gmg member`?"),
        ("member ad IFAD Fund", "Did you mean `/gmg member add`?"),
        ("member remov ILO", "Did you mean `/gmg member remove`?"),
        ("theme sett New", "Did you mean `/gmg theme set`?"),
        ("rotation st ILO, IOM", "Did you mean `/gmg rotation set`?"),
        ("admin ad <@U0ANA>", "Did you mean `/gmg admin add`?"),
        ("admin remvoe <@U0ANA>", "Did you mean `/gmg admin remove`?"),
        ("settings timzone UTC", "Did you mean `/gmg settings timezone`?"),
        ("settings handover", "Change one setting at a time"),
        ("subscrbe", "Did you mean `/gmg subscribe`?"),
        ("remindres 1d", "Did you mean `/gmg reminders`?"),
    ],
    "did you mean a member": [
        ("term set 2019 UNWomn", "`UNWomn` is not a member. Did you mean `UN Women`?"),
        ("term set 2019 FAO+IMO", "`IMO` is not a member. Did you mean `IOM`?"),
        ("term set 2019 Nobody", "`Nobody` is not a member. See the members with `/gmg members`."),
        ("rotation set ILO, UNIEF", "`UNIEF` is not a member. Did you mean `UNICEF`?"),
        ("member remove UNDPP", "`UNDPP` is not a member. Did you mean `UNDP`?"),
        ("focal UNICF <@U0ANA>", "`UNICF` is not a member. Did you mean `UNICEF`?"),
        ("focal DESSA <@U0ANA>", "`DESSA` is not a member. Did you mean `DESA`?"),
    ],
    "bad dates and periods": [
        ("term set 2011-02-30 ILO", "`2011-02-30` is not a real day"),
        ("term set 2011-02-30..2011-03-31 ILO", "`2011-02-30` is not a real day"),
        ("term set 2011-13 ILO", "`2011-13` has no month 13: months go from 01 to 12."),
        ("term set 2019-06-30..2019-01-01 ILO", "`2019-06-30..2019-01-01` ends before it begins"),
        ("term set 2019-03-15 ILO", "`2019-03-15` is not a period. Use `2011-H1`, `2011-H2`"),
        ("term set 2019-Q1 ILO", "`2019-Q1` is not a period."),
        ("term set 1850 ILO", "`1850` is out of range"),
        ("term clear 2011-02-30", "`2011-02-30` is not a real day"),
        ("term set", "Give a PERIOD"),
        ("term set 2019", "Name the chair"),
        ("term set 2019 ILO+ILO", "A member is named twice among the chairs."),
        ("term clear 2019 now", "`term clear` takes only a PERIOD"),
    ],
    "overlapping terms": [
        ("term set 2011-03 ILO", "1 Mar to 31 Mar 2011 overlaps the term 1 Jan to 30 Jun 2011 (UNICEF)."),
        ("term set 2010-12-01..2011-01-31 ILO", "overlaps the term 1 Jul to 31 Dec 2010 (OHCHR)"),
        ("term set 2018-H2 ILO", "overlaps the term 1 Jan to 31 Dec 2018 (FAO + IOM)"),
        ("term set 2015-12-31..2016-01-01 ILO", "overlaps the term 1 Jan to 31 Dec 2016 (UN Women)"),
        ("term set 2012 ILO", "overlaps the term 1 Jan to 31 May 2012 (UNESCO)"),
        ("term clear 2011-03", "The term 1 Jan to 30 Jun 2011 reaches outside 2011-03."),
        ("term clear 2015", "No term to clear in 2015."),
    ],
    "too long": [
        ("term set 2019 ILO " + "x" * 151, "The theme title is 151 characters long; keep it to 150."),
        ("theme set 2011-H1 " + "x" * 151, "The theme title is 151 characters long; keep it to 150."),
        (
            "theme set 2011-H1 Title | " + "y" * 3001,
            "The description is 3001 characters long; keep it to 3000.",
        ),
        ("member add IFAD " + "z" * 201, "The name is 201 characters long; keep it to 200."),
    ],
    "unclosed quotes": [
        ('term set 2019 "UN Women', 'A quote is not closed: put a `"` after the quoted words.'),
        ('theme set "Unclosed title', "A quote is not closed"),
        ('member add "UN Habitat Programme', "A quote is not closed"),
    ],
    "theme set": [
        ("theme set", "Give a theme title"),
        ("theme set 2011-H1 | only a description", "Give a theme title"),
        ("theme set 2011 Two terms", "2011 covers 2 terms; name one term"),
        ("theme set 2015 A gap", "2015 covers no term"),
    ],
    "rotation": [
        ("rotation set", "List the members in order"),
        ("rotation set ILO, IOM, ilo", "A member appears twice in the rotation"),
        ("rotation clear now", "`/gmg rotation clear` takes nothing after it."),
    ],
    "members": [
        ("member add UNICEF Another fund", "*UNICEF* is already a member (UN Children's Fund)."),
        ("member add un-women Another", "*UN Women* is already a member"),
        ("member add", "Use `/gmg member add CODE Full name`"),
        ("member add IFAD", "Use `/gmg member add CODE Full name`"),
        ("member add ... Dots", "A member code needs letters or digits"),
        ("member remove", "Use `/gmg member add CODE Full name`"),
    ],
    "focal": [
        ("focal UNICEF bob", "`bob` is not a Slack user; mention people with @."),
        ("focal UNICEF", "Mention the focal points: `/gmg focal UNICEF @user`."),
        ("focal UNICEF <@U0ANA> clear", "Either list focal points or say `clear`, not both."),
        ("focal", "Use `/gmg focal CODE @user @user` or `/gmg focal CODE clear`."),
    ],
    "subscriptions": [
        ("subscribe #random", "`#random` is neither a channel, a kind nor a language."),
        ("subscribe <#C0123ABCD> news", "`news` is neither a channel, a kind nor a language."),
        ("unsubscribe <#C0123ABCD> news", "`news` is neither a channel nor a kind."),
        ("subscribe <#C0123ABCD> de", "`de` is not a language I speak; use one of `en`, `fr`, `es`."),
        ("subscribe <#C0123ABCD> themes xx", "`xx` is not a language I speak"),
        ("unsubscribe <#C0123ABCD>", "Nothing to change: <#C0123ABCD> follows nothing."),
    ],
    "reminders": [
        (
            "reminders 0d",
            "`0d` is out of range; use `30d`, `7d`, `1d`, `12h`, `90m`, `45s` or a sum like `1d12h`",
        ),
        ("reminders 367d", "`367d` is out of range"),
        ("reminders 30d 5x", "`5x` is not a lead time"),
        ("reminders 1.5d", "`1.5d` is not a lead time"),
        ("reminders -1d", "`-1d` is not a lead time"),
        ("reminders d", "`d` is not a lead time"),
        ("reminders " + " ".join(f"{n}d" for n in range(1, 12)), "Ten lead times at most."),
    ],
    "admins": [
        ("admin add bob", "Use `/gmg admin add @user` or `/gmg admin remove @user`."),
        ("admin add", "Use `/gmg admin add @user` or `/gmg admin remove @user`."),
        ("admin remove <@U0NOBODY>", "Nothing to change: none of them was added as an admin."),
    ],
    "settings": [
        (
            "settings timezone Mars/Olympus",
            "Unknown timezone 'Mars/Olympus'; use an IANA name like Europe/Geneva.",
        ),
        ("settings handover 25:00", "'25:00' is not a time of day; use HH:MM from 00:00 to 23:59."),
        ("settings handover 9am", "'9am' is not a time; use HH:MM, e.g. 09:00."),
        ("settings term-months 0", "'0' is not a number of months from 1 to 24."),
        ("settings term-months 25", "'25' is not a number of months from 1 to 24."),
        ("settings term-months six", "'six' is not a number of months from 1 to 24."),
    ],
    "log": [
        ("log 0", "Use `/gmg log [N]` with N from 1 to 50."),
        ("log 51", "Use `/gmg log [N]` with N from 1 to 50."),
        ("log all", "Use `/gmg log [N]` with N from 1 to 50."),
    ],
}


@pytest.mark.parametrize("kind", BAD)
def test_bad_input_gets_a_specific_answer_and_changes_nothing(
    ask: Asker, session: Session, kind: str
) -> None:
    for command, problem in BAD[kind]:
        before = export(session)
        count = audit_count(session)
        response = ask(command)
        assert response.ok is False, command
        assert response.changed is False, command
        assert problem in response.text, (command, response.text)
        assert export(session) == before, command
        assert audit_count(session) == count, command


def test_nothing_to_change_is_refused(ask: Asker, session: Session) -> None:
    assert ask("subscribe <#C0123ABCD>").ok
    assert ask("admin add <@U0ANA>").ok
    assert ask("member remove UNITAR").ok
    before = export(session)
    count = audit_count(session)
    for command, problem in [
        ("subscribe <#C0123ABCD> all", "Nothing to change: <#C0123ABCD> follows reminders, themes."),
        ("admin add <@U0ANA|ana>", "Nothing to change: they are already admins."),
        ("member remove UNITAR", "*UNITAR* is already a former member."),
    ]:
        response = ask(command)
        assert response.ok is False
        assert problem in response.text
    assert export(session) == before
    assert audit_count(session) == count


def test_subscribe_without_a_channel(ask: Asker, session: Session) -> None:
    before = export(session)
    response = ask("subscribe reminders", channel=None)
    assert response.ok is False
    assert "Name the channel: `/gmg subscribe #channel [reminders|themes|all]`." in response.text
    assert export(session) == before


# Member matching


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("UN Women", "UN Women"),
        ("un-women", "UN Women"),
        ("UNWOMEN", "UN Women"),
        ('"UN Women"', "UN Women"),
        ("u.n. women", "UN Women"),
        ("Un_Women", "UN Women"),
        ("DESA", "UN DESA"),
        ("un desa", "UN DESA"),
        ("WB", "World Bank"),
        ("worldbank", "World Bank"),
        ("Regional Commissions", "UN Regional Commissions"),
        ("unicef", "UNICEF"),
    ],
)
def test_member_matching(ask: Asker, session: Session, name: str, code: str) -> None:
    response = ask(f"term set 2019 {name} Safe and orderly migration")
    assert response.ok, response.text
    term = term_starting(session, date(2019, 1, 1))
    assert term is not None
    assert term.chairs == [code]
    assert term.theme == "Safe and orderly migration"
    assert ask(f"rotation set {name}, ILO").ok
    assert queries.get_rotation(session=session, group_id=group_id(session)) == [code, "ILO"]


def test_greedy_names_leave_the_theme_alone(ask: Asker, session: Session) -> None:
    assert ask("term set 2019 World Bank Bank reform").ok
    term = term_starting(session, date(2019, 1, 1))
    assert term is not None
    assert (term.chairs, term.theme) == (["World Bank"], "Bank reform")
    assert ask("term set 2020 UN Women+UN DESA").ok
    term = term_starting(session, date(2020, 1, 1))
    assert term is not None
    assert (term.chairs, term.theme) == (["UN Women", "UN DESA"], "")


# Escaping user text


INJECTION = "<!channel> & <http://x|y>"


def rendered(response: Response) -> str:
    return answer_text(response, "en") + json.dumps(
        [block.to_dict() for block in answer_blocks(response, "en")]
    )


def test_a_theme_cannot_ping_or_fake_a_link(ask: Asker, session: Session) -> None:
    response = ask(f"theme set 2011-H1 {INJECTION} | <!here> and <@U0ANA|ana> say <b>hi</b>")
    assert response.ok
    term = term_starting(session, date(2011, 1, 1))
    assert term is not None
    assert "<" not in term.theme and "<" not in term.description
    assert "|" not in term.theme
    for answer in [
        response,
        ask("theme"),
        ask("chair"),
        ask("chair 2011"),
        ask("schedule"),
        ask("history 2011"),
        ask("chair previous", now=NOW.replace(month=8)),
        ask("next", now=NOW.replace(year=2010)),
        ask("log"),
    ]:
        shown = rendered(answer)
        for raw in ["<!channel>", "<!here>", "<http", "<@U0ANA", "<b>"]:
            assert raw not in shown, (raw, answer.text)
    assert "&amp;" in ask("theme").text


@pytest.mark.parametrize(
    "command",
    [
        f"chair {INJECTION}",
        f"theme {INJECTION}",
        f"schedule {INJECTION}",
        f"history {INJECTION}",
        f"next {INJECTION}",
        INJECTION,
        f"term set {INJECTION}",
        f"term set 2019 {INJECTION}",
        f"term clear {INJECTION}",
        f"theme set 2015 {INJECTION}",
        f"rotation set {INJECTION}",
        f"member remove {INJECTION}",
        f"focal {INJECTION} <@U0ANA>",
        f"subscribe {INJECTION}",
        f"reminders {INJECTION}",
        f"admin add {INJECTION}",
        "settings timezone <!channel>",
        "settings handover <!channel>",
        f"settings {INJECTION}",
        f"log {INJECTION}",
    ],
)
def test_refusals_do_not_echo_mentions_or_links(ask: Asker, command: str) -> None:
    response = ask(command)
    assert response.ok is False
    assert "<!channel>" not in rendered(response)
    assert "<http" not in rendered(response)


def test_member_names_are_escaped(ask: Asker) -> None:
    assert ask("member add XYZ <!channel> & Co").ok
    shown = rendered(ask("members"))
    assert "<!channel>" not in shown
    assert "XYZ*: @channel &amp; Co" in ask("members").text


# Slack's limits for big outputs


def assert_within_slack_limits(response: Response) -> None:
    blocks = answer_blocks(response, "en")
    assert len(blocks) <= 50
    for block in blocks:
        block.validate_json()
        if isinstance(block, SectionBlock):
            assert block.text is not None
            assert len(block.text.text) <= 3000
    assert len(answer_text(response, "en")) <= 40000


def block_lines(response: Response) -> list[str]:
    sections = [
        b.text.text
        for b in answer_blocks(response, "en")
        if isinstance(b, SectionBlock) and b.text is not None
    ]
    return [line for section in sections for line in section.splitlines() if line.startswith("• ")]


def add_many_terms(session: Session, first_year: int, count: int, theme: str) -> None:
    terms = "\n".join(
        f"  - {{first_day: {y}-01-01, last_day: {y}-12-31, chairs: [ILO], theme: {json.dumps(theme)}}}"
        for y in range(first_year, first_year + count)
    )
    doc = parse_document(f"group: {{name: Global Migration Group}}\nterms:\n{terms}\n")
    import_document(session=session, group=the_group(session), team_id=TEAM, doc=doc, replace=False)
    session.commit()


def test_big_history_and_schedule_fit_in_a_message(ask: Asker, session: Session) -> None:
    add_many_terms(session, 2030, 70, "& < > " * 25)
    history = ask("history 50", now=NOW.replace(year=2101))
    assert history.ok
    assert_within_slack_limits(history)
    assert len(block_lines(history)) == 50
    assert block_lines(history)[0].startswith("• 1 Jan to 31 Dec 2099: *ILO* · &amp; &lt; &gt;")
    assert block_lines(history)[-1].startswith("• 1 Jan to 31 Dec 2050: *ILO*")
    schedule = ask("schedule 20", now=NOW.replace(year=2029))
    assert_within_slack_limits(schedule)
    assert len(block_lines(schedule)) == 20
    year = ask("chair 2050")
    assert_within_slack_limits(year)


def test_big_member_list_and_log_fit_in_a_message(ask: Asker) -> None:
    for n in range(60):
        assert ask(f"member add M{n:02} Agency {n} {'& ' * 90}").ok
    members = ask("members")
    assert_within_slack_limits(members)
    assert "GMG members (78)" in members.text
    log = ask("log 50")
    assert_within_slack_limits(log)
    assert len(block_lines(log)) == 50


def test_long_description_fits_in_a_section(ask: Asker) -> None:
    assert ask("theme set 2011-H1 " + "&" * 150 + " | " + "<>" * 1500).ok
    for question in ["theme", "chair", "theme 2011"]:
        assert_within_slack_limits(ask(question))


def test_projected_schedule_fits(ask: Asker) -> None:
    ask("rotation set ILO, IOM, UNDP, UNFPA, UNHCR")
    ask("settings term-months 1")
    response = ask("schedule 20", now=NOW.replace(year=2030))
    assert_within_slack_limits(response)
    assert len(lines(response)) == 21
    assert_within_slack_limits(ask("chair 2030", now=NOW.replace(year=2030)))
