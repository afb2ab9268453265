"""The questions anyone may ask, answered from the built-in GMG record (NOW is 15 Mar 2011)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from handlers import Response
from storage import queries
from storage.models import Group
from tests.conftest import MEMBER, Asker


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def lines(response: Response) -> list[str]:
    return [line for line in response.text.splitlines() if line.startswith("• ")]


# chair [WHEN]


def test_readme_example_chair_2011_03_15(ask: Asker) -> None:
    response = ask("chair 2011-03-15")
    assert response.ok
    assert response.ephemeral
    assert "*UNICEF* (UN Children's Fund) chairs the GMG: 1 Jan to 30 Jun 2011." in response.text
    assert "Theme: *Youth and global migration*" in response.text
    assert "Rights-based approach to adolescents and youth" in response.text
    assert "In office: 108 days left; hands over on 1 Jul 2011 at 00:00 CEST." in response.text
    assert "Next: *UNESCO* from 1 Jul 2011." in response.text
    assert "1 Jan to 30 Jun 2011" in response.plain()
    assert "*" not in response.plain()


@pytest.mark.parametrize("when", ["", "today", "now", "2011-03-15", "2011-03", "2011-01", "2011-06-30"])
def test_chair_forms_that_land_on_the_current_term(ask: Asker, when: str) -> None:
    response = ask(f"chair {when}")
    assert response.ok
    assert "*UNICEF* (UN Children's Fund) chairs the GMG: 1 Jan to 30 Jun 2011." in response.text
    assert "In office: 108 days left" in response.text


def test_chair_half_years(ask: Asker) -> None:
    first = ask("chair 2011-H1")
    assert "*UNICEF* (UN Children's Fund) chairs the GMG: 1 Jan to 30 Jun 2011." in first.text
    second = ask("chair 2011-h2")
    assert "*UNESCO* (UN Educational Scientific and Cultural Organization) will chair the GMG" in second.text
    assert "1 Jul to 31 Dec 2011." in second.text
    assert "Starts in 108 days, on 1 Jul 2011 at 00:00 CEST." in second.text
    assert "Theme: *Climate change and global migration*" in second.text
    # The interim term of early 2012 follows.
    assert "Next: *UNESCO* from 1 Jan 2012." in second.text


def test_chair_of_a_year_lists_its_terms(ask: Asker) -> None:
    response = ask("chair 2011")
    assert response.ok
    assert "GMG chairs in 2011" in response.text
    assert lines(response) == [
        "• 1 Jan to 30 Jun 2011: *UNICEF* · Youth and global migration ← now",
        "• 1 Jul to 31 Dec 2011: *UNESCO* · Climate change and global migration",
    ]


def test_chair_of_a_month_inside_one_term(ask: Asker) -> None:
    response = ask("chair 2014-07")
    assert (
        "*ILO* (International Labour Organization) will chair the GMG: 1 Jan to 31 Dec 2014." in response.text
    )


@pytest.mark.parametrize("when", ["next", "NEXT"])
def test_chair_next(ask: Asker, when: str) -> None:
    response = ask(f"chair {when}")
    assert (
        "*UNESCO* (UN Educational Scientific and Cultural Organization) will chair the GMG" in response.text
    )
    assert "1 Jul to 31 Dec 2011." in response.text


@pytest.mark.parametrize("when", ["previous", "prev", "last"])
def test_chair_previous(ask: Asker, when: str) -> None:
    response = ask(f"chair {when}")
    assert "*OHCHR* (Office of the UN High Commissioner for Human Rights) chaired the GMG" in response.text
    assert "1 Jul to 31 Dec 2010." in response.text
    assert "Ended on 31 Dec 2010." in response.text
    assert "Theme: *Human rights of migrants*" in response.text
    assert "Next: *UNICEF* from 1 Jan 2011." in response.text


def test_chair_previous_and_next_from_a_gap(ask: Asker) -> None:
    in_gap = at(2015, 6, 1)
    assert (
        "*ILO* (International Labour Organization) chaired the GMG" in ask("chair previous", now=in_gap).text
    )
    assert "*UN Women* (UN Entity for Gender Equality" in ask("chair next", now=in_gap).text


def test_chair_next_after_the_last_term_is_none(ask: Asker) -> None:
    response = ask("chair next", now=at(2018, 6, 1))
    assert response.ok
    assert "There is no next term on record." in response.text


def test_co_chairs_2018(ask: Asker) -> None:
    before = ask("chair 2018-05-01")
    assert "*FAO* and *IOM* will co-chair the GMG: 1 Jan to 31 Dec 2018." in before.text
    assert "Next: not decided yet." in before.text
    during = ask("chair", now=at(2018, 5, 1))
    assert "*FAO* and *IOM* co-chair the GMG: 1 Jan to 31 Dec 2018." in during.text
    assert "In office: 245 days left" in during.text
    after = ask("chair 2018", now=at(2019, 5, 1))
    assert "*FAO* and *IOM* co-chaired the GMG: 1 Jan to 31 Dec 2018." in after.text
    assert "Ended on 31 Dec 2018." in after.text


def test_gap_2015_has_no_chair(ask: Asker) -> None:
    response = ask("chair 2015-06-01")
    assert response.ok
    assert "No chair is known for 1 Jun 2015." in response.text
    assert "Before: *ILO*, until 31 Dec 2014." in response.text
    assert "After: *UN Women*, from 1 Jan 2016." in response.text
    year = ask("chair 2015")
    assert "No chair is known for 2015." in year.text


def test_gap_june_2012_between_two_terms(ask: Asker) -> None:
    response = ask("chair 2012-06")
    assert "No chair is known for 2012-06." in response.text
    assert "Before: *UNESCO*, until 31 May 2012." in response.text
    assert "After: *UNODC*, from 1 Jul 2012." in response.text


def test_chair_in_a_gap_today(ask: Asker) -> None:
    response = ask("chair", now=at(2015, 6, 1))
    assert "No chair is known for 1 Jun 2015." in response.text


def test_chair_before_the_record(ask: Asker) -> None:
    response = ask("chair 2006-03-01")
    assert "No chair is known for 1 Mar 2006." in response.text
    assert "Before:" not in response.text
    assert "After: *UNHCR*, from 1 Jul 2006." in response.text


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("chair 2011-02-30", "`2011-02-30` is not a real day"),
        ("chair 2011-13", "`2011-13` has no month 13"),
        ("chair 2011-H3", "`2011-H3` is not a time I know"),
        ("chair tomorrow", "`tomorrow` is not a time I know. Use `today`, `next`, `previous`"),
        ("chair 1800", "`1800` is out of range"),
        ("chair 2011 2012", "Give one WHEN, not `2011 2012`."),
        ("theme 15/03/2011", "`15/03/2011` is not a time I know"),
        ("next 2011", "`next` takes nothing after it."),
        ("schedule 0", "`0` is not a count: give a number of terms from 1 to 20."),
        ("schedule 21", "`21` is not a count"),
        ("schedule x", "`x` is not a count"),
        ("history 0", "`0` is not a count: give a year like `2011` or a number of terms from 1 to 50."),
        ("history 51", "`51` is not a count"),
        ("history 2011 2012", "`2011 2012` is not a count"),
        ("members UNICEF", "`members` takes nothing after it."),
        ("rotation please", "`rotation please` is not a question."),
        ("chairs", "`chairs` is not a /gmg command. Did you mean `/gmg chair`?"),
        ("histroy", "Did you mean `/gmg history`?"),
        ("xyzzy", "`xyzzy` is not a /gmg command."),
    ],
)
def test_bad_questions_get_a_specific_answer(ask: Asker, text: str, problem: str) -> None:
    response = ask(text, user=MEMBER, admin=False)
    assert response.ok is False
    assert problem in response.text
    assert "See every command with `/gmg help`." in response.text


# next


def test_next_decided(ask: Asker) -> None:
    response = ask("next")
    assert response.ok
    assert (
        "*UNESCO* (UN Educational Scientific and Cultural Organization) takes over from *UNICEF* "
        "on 1 Jul 2011 at 00:00 CEST (in 108 days)." in response.text
    )
    assert "Term: 1 Jul to 31 Dec 2011." in response.text
    assert response.text.rstrip().endswith("Decided.")
    assert "projected" not in response.text.lower()


def test_next_from_a_gap_has_no_outgoing_chair(ask: Asker) -> None:
    response = ask("next", now=at(2015, 6, 1))
    assert (
        "*UN Women* (UN Entity for Gender Equality and the Empowerment of Women) takes over on"
        in response.text
    )
    assert "1 Jan 2016 at 00:00 CET (in 214 days)" in response.text


def test_next_unknown_without_rotation(ask: Asker) -> None:
    response = ask("next", now=at(2018, 6, 1))
    assert response.ok
    assert "No next chair is known: nothing is decided ahead and no rotation is set." in response.text


def test_next_projected(ask: Asker) -> None:
    ask("rotation set IOM, UNDP, UNFPA")
    response = ask("next", now=at(2018, 6, 1))
    assert "*UNDP* (UN Development Programme) takes over from *FAO* and *IOM* on 1 Jan 2019" in response.text
    assert "(in 214 days)" in response.text
    assert "Projected from the rotation, not decided." in response.text
    assert "`/gmg term set 2019-01-01..2019-12-31 UNDP`" in response.text
    assert "Decided." not in response.text


# theme [WHEN]


def test_theme_today_and_half_year(ask: Asker) -> None:
    today = ask("theme")
    assert "*UNICEF*, 1 Jan to 30 Jun 2011:" in today.text
    assert "Theme: *Youth and global migration*" in today.text
    assert ">Rights-based approach to adolescents and youth in international migration." in today.text
    second = ask("theme 2011-H2")
    assert "*UNESCO*, 1 Jul to 31 Dec 2011:" in second.text
    assert "Theme: *Climate change and global migration*" in second.text
    assert ">Links between the environment, human settlement and population movement." in second.text


def test_theme_of_a_year_and_of_next_and_previous(ask: Asker) -> None:
    year = ask("theme 2011")
    assert "Youth and global migration" in year.text
    assert "Climate change and global migration" in year.text
    assert "Climate change and global migration" in ask("theme next").text
    assert "Human rights of migrants" in ask("theme previous").text


def test_theme_not_set_and_no_term(ask: Asker) -> None:
    assert "*ILO*, 1 Jan to 31 Dec 2014:\nTheme: not set." in ask("theme 2014").text
    gap = ask("theme 2015-06-01")
    assert gap.ok
    assert "No term is known for 2015-06-01, so there is no theme." in gap.text


# schedule [N]


def test_schedule_default_is_the_current_term_and_four_more(ask: Asker) -> None:
    response = ask("schedule")
    assert response.ok
    assert lines(response) == [
        "• 1 Jan to 30 Jun 2011: *UNICEF* · Youth and global migration ← now",
        "• 1 Jul to 31 Dec 2011: *UNESCO* · Climate change and global migration",
        "• 1 Jan to 31 May 2012: *UNESCO*",
        "• 1 Jul to 31 Dec 2012: *UNODC*",
        "• 1 Jan to 30 Jun 2013: *UN Regional Commissions*",
    ]
    assert "projected from the rotation" not in response.text


def test_schedule_n_stops_where_the_record_stops(ask: Asker) -> None:
    assert len(lines(ask("schedule 2"))) == 3
    every = lines(ask("schedule 20"))
    assert len(every) == 10
    assert every[-1] == "• 1 Jan to 31 Dec 2018: *FAO* and *IOM*"


def test_schedule_nothing_ahead(ask: Asker) -> None:
    response = ask("schedule", now=at(2019, 6, 1))
    assert "Nothing is scheduled: no term is decided ahead and no rotation is set." in response.text


def test_schedule_marks_decided_and_projected_terms(ask: Asker) -> None:
    ask("rotation set IOM, UNDP, UNFPA")
    response = ask("schedule 3", now=at(2018, 6, 1))
    assert lines(response) == [
        "• 1 Jan to 31 Dec 2018: *FAO* and *IOM* ← now",
        "• 1 Jan to 31 Dec 2019: *UNDP* _(projected from the rotation)_",
        "• 1 Jan to 31 Dec 2020: *UNFPA* _(projected from the rotation)_",
        "• 1 Jan to 31 Dec 2021: *IOM* _(projected from the rotation)_",
    ]


# history [YEAR | N]


def test_history_default_newest_first(ask: Asker) -> None:
    assert lines(ask("history")) == [
        "• 1 Jul to 31 Dec 2010: *OHCHR* · Human rights of migrants",
        "• 1 Jan to 30 Jun 2010: *UNDP*",
        "• 1 Jul to 31 Dec 2009: *UNITAR*",
        "• 1 Jul to 31 Dec 2008: *UNCTAD*",
        "• 1 Jan to 30 Jun 2008: *UNFPA*",
    ]


def test_history_of_a_year(ask: Asker) -> None:
    response = ask("history 2011", now=at(2019, 1, 10))
    assert "GMG chairs in 2011" in response.text
    assert lines(response) == [
        "• 1 Jul to 31 Dec 2011: *UNESCO* · Climate change and global migration",
        "• 1 Jan to 30 Jun 2011: *UNICEF* · Youth and global migration",
    ]
    assert lines(ask("history 2018", now=at(2019, 1, 10))) == ["• 1 Jan to 31 Dec 2018: *FAO* and *IOM*"]
    assert "No term on record." in ask("history 2015").text


def test_history_n(ask: Asker) -> None:
    assert len(lines(ask("history 3"))) == 3
    everything = lines(ask("history 50", now=at(2019, 1, 10)))
    assert len(everything) == 18
    assert everything[0] == "• 1 Jan to 31 Dec 2018: *FAO* and *IOM*"
    assert everything[-1] == "• 1 Jul to 31 Dec 2006: *UNHCR*"


# members, rotation


def test_members(ask: Asker) -> None:
    response = ask("members", user=MEMBER, admin=False)
    assert "GMG members (18)" in response.text
    assert len(lines(response)) == 18
    assert "• *UN DESA*: UN Department of Economic and Social Affairs, since 2006" in response.text
    assert "• *UNICEF*: UN Children's Fund, since 2011" in response.text
    assert "• *FAO*: Food and Agriculture Organization, since 2018" in response.text


def test_members_show_focal_points_and_former_members(ask: Asker) -> None:
    ask("focal UNICEF <@U0ANA>")
    ask("member remove UNITAR")
    response = ask("members")
    assert "GMG members (17)" in response.text
    assert "• *UNICEF*: UN Children's Fund, since 2011 · focal: <@U0ANA>" in response.text
    assert "Former: UNITAR" in response.text


def test_rotation_unset_and_set(ask: Asker) -> None:
    assert "No rotation order is set, so no term is projected." in ask("rotation").text
    ask("rotation set IOM, UNDP, UNFPA")
    response = ask("rotation", now=at(2018, 6, 1), user=MEMBER, admin=False)
    assert "1. *IOM*\n2. *UNDP* ← next in line\n3. *UNFPA*" in response.text


# help


EXAMPLES = [
    "chair 2011-03-15",
    "next",
    "theme 2011-H2",
    "schedule 6",
    "history 2011",
    "members",
    "rotation",
    "admin",
    "reminders",
    "settings",
    "term set 2019 FAO+IOM",
    "term clear 2019-H1",
    "theme set",
    "rotation set ILO, IOM, UNDP",
    "rotation clear",
    "member add WHO",
    "member remove WHO",
    "focal UNICEF @",
    "subscribe #",
    "unsubscribe #",
    "reminders 30d 7d 1d12h",
    "admin add @",
    "admin remove @",
    "settings handover 09:00",
    "log 20",
]


@pytest.mark.parametrize("text", ["help", "", "HELP", "  "])
def test_help_lists_every_command_with_an_example(ask: Asker, text: str) -> None:
    response = ask(text, user=MEMBER, admin=False)
    assert response.ok
    assert response.ephemeral
    for example in EXAMPLES:
        assert f"e.g. `/gmg {example}" in response.text, example
    for line in lines(response):
        assert "e.g. `/gmg " in line, line
    assert "WHEN: `today`, `next`, `previous`, `2011-03-15`, `2011-03`, `2011-H1`, `2011`." in response.text
    assert "`share`" in response.text


def test_every_question_example_works_for_anyone(ask: Asker) -> None:
    questions = ask("help").text.split("*Change*")[0]
    examples = [
        line.split("e.g. `/gmg ", 1)[1].rstrip("`") for line in questions.splitlines() if "e.g." in line
    ]
    assert len(examples) == 13
    for example in examples:
        response = ask(example, user=MEMBER, admin=False)
        assert response.ok, (example, response.text)


# share


@pytest.mark.parametrize(
    "question",
    [
        "chair",
        "chair 2011-03-15",
        "chair 2011",
        "chair next",
        "next",
        "theme",
        "theme 2011-H2",
        "schedule",
        "schedule 2",
        "history",
        "history 2011",
        "members",
        "rotation",
        "chair 2015-06-01",
    ],
)
def test_share_makes_the_answer_public(ask: Asker, question: str) -> None:
    private = ask(question)
    public = ask(f"{question} share")
    assert private.ok and public.ok
    assert private.ephemeral is True
    assert public.ephemeral is False
    assert public.text == private.text


def test_share_alone_is_not_a_when(ask: Asker) -> None:
    response = ask("chair share now")
    assert response.ok is False


# WHEN at term boundaries, with a handover time, far from UTC


def set_clock(ask: Asker, timezone: str, handover: str) -> None:
    assert ask(f"settings timezone {timezone}").ok
    assert ask(f"settings handover {handover}").ok


# Handover from UNICEF to UNESCO on 1 Jul 2011 at the local handover time: that instant in UTC,
# and how `next` shows it a second before.
BOUNDARIES = [
    # UTC+14: the handover is still 30 Jun in UTC.
    ("Pacific/Kiritimati", "09:00", at(2011, 6, 30, 19), "1 Jul 2011 at 09:00 +14 (today)"),
    # UTC+12 in (southern) winter.
    ("Pacific/Auckland", "09:00", at(2011, 6, 30, 21), "1 Jul 2011 at 09:00 NZST (today)"),
    # UTC-7 in summer: the handover is well into 1 Jul in UTC.
    ("America/Los_Angeles", "09:00", at(2011, 7, 1, 16), "1 Jul 2011 at 09:00 PDT (today)"),
    # The built-in zone and midnight handover: 22:00 UTC the evening before, so a second before
    # it the handover is tomorrow.
    ("Europe/Zurich", "00:00", at(2011, 6, 30, 22), "1 Jul 2011 at 00:00 CEST (tomorrow)"),
]


@pytest.mark.parametrize(("timezone", "handover", "instant", "shown"), BOUNDARIES)
def test_chair_just_before_and_just_after_the_handover(
    ask: Asker, timezone: str, handover: str, instant: datetime, shown: str
) -> None:
    set_clock(ask, timezone, handover)
    shown = shown.split(" (")[0]
    before = ask("chair", now=instant - timedelta(seconds=1))
    assert "*UNICEF* (UN Children's Fund) chairs the GMG: 1 Jan to 30 Jun 2011." in before.text
    assert f"In office: 1 day left; hands over on {shown}." in before.text
    after = ask("chair today", now=instant)
    assert "*UNESCO* (UN Educational Scientific and Cultural Organization) chairs the GMG" in after.text
    assert "In office: 184 days left" in after.text


@pytest.mark.parametrize(("timezone", "handover", "instant", "shown"), BOUNDARIES)
def test_next_and_previous_around_the_handover(
    ask: Asker, timezone: str, handover: str, instant: datetime, shown: str
) -> None:
    set_clock(ask, timezone, handover)
    before = instant - timedelta(seconds=1)
    assert f"takes over from *UNICEF* on {shown}." in ask("next", now=before).text
    assert (
        "*UNESCO* (UN Educational Scientific and Cultural Organization) will chair"
        in ask("chair next", now=before).text
    )
    assert "*OHCHR*" in ask("chair previous", now=before).text
    assert "takes over from *UNESCO* on 1 Jan 2012" in ask("next", now=instant).text
    assert "*UNICEF* (UN Children's Fund) chaired the GMG" in ask("chair previous", now=instant).text
    assert lines(ask("schedule 1", now=before))[0].endswith("*UNICEF* · Youth and global migration ← now")
    assert lines(ask("schedule 1", now=instant))[0].endswith(
        "*UNESCO* · Climate change and global migration ← now"
    )


@pytest.mark.parametrize(("timezone", "handover", "instant", "shown"), BOUNDARIES)
def test_last_day_and_first_day_as_dates(
    ask: Asker, timezone: str, handover: str, instant: datetime, shown: str
) -> None:
    set_clock(ask, timezone, handover)
    shown = shown.split(" (")[0]
    last = ask("chair 2011-06-30")
    assert "*UNICEF* (UN Children's Fund) chairs the GMG: 1 Jan to 30 Jun 2011." in last.text
    assert f"hands over on {shown}." in last.text
    first = ask("chair 2011-07-01")
    assert "*UNESCO* (UN Educational Scientific and Cultural Organization) will chair the GMG" in first.text
    assert f"on {shown}." in first.text
    assert "*UNICEF*" in ask("theme 2011-06-30").text
    assert "*UNESCO*" in ask("theme 2011-07-01").text


def test_the_day_before_the_handover_counts_down_by_calendar_day(ask: Asker) -> None:
    set_clock(ask, "Pacific/Kiritimati", "09:00")
    # 30 Jun 08:00 local: the handover is tomorrow at 09:00, though UNICEF's term is still in its
    # second-to-last schedule day.
    response = ask("next", now=at(2011, 6, 29, 18))
    assert "on 1 Jul 2011 at 09:00 +14 (tomorrow)." in response.text


# Projection from the rotation


def test_projection_continues_after_the_co_chairs(ask: Asker) -> None:
    ask("rotation set IOM, UNDP, UNFPA")
    first = ask("chair 2019-03-01")
    assert "*UNDP* (UN Development Programme) will chair the GMG: 1 Jan to 31 Dec 2019." in first.text
    assert "_(projected from the rotation)_" in first.text
    assert "Next: *UNFPA* from 1 Jan 2020. _(projected from the rotation)_" in first.text
    assert "*UNFPA*" in ask("chair 2020").text
    assert "*IOM* (International Organization for Migration) will chair" in ask("chair 2021-12-31").text
    assert "*UNDP*" in ask("chair 2022-01-01").text
    now = ask("chair", now=at(2019, 3, 1))
    assert "*UNDP* (UN Development Programme) chairs the GMG: 1 Jan to 31 Dec 2019." in now.text
    assert "Next: *UNFPA* from 1 Jan 2020. _(projected from the rotation)_" in now.text


def test_projection_after_co_chairs_at_the_end_and_start_of_the_order(ask: Asker) -> None:
    # FAO and IOM are neighbours across the end of the order: the rotation goes on with UNDP.
    ask("rotation set IOM, UNDP, FAO")
    assert "*UNDP* (UN Development Programme) will chair" in ask("chair 2019").text
    assert "*FAO* (Food and Agriculture Organization) will chair" in ask("chair 2020").text


def test_projection_after_co_chairs_next_to_each_other(ask: Asker) -> None:
    ask("rotation set UNDP, FAO, IOM, UNFPA")
    assert "*UNFPA* (UN Population Fund) will chair" in ask("chair 2019").text
    assert "*UNDP* (UN Development Programme) will chair" in ask("chair 2020").text


def test_projection_leaves_gaps_between_decided_terms(ask: Asker) -> None:
    ask("rotation set IOM, UNDP, UNFPA")
    assert "No chair is known for 1 Jun 2015." in ask("chair 2015-06-01").text
    assert "projected" not in ask("chair 2016").text


def test_projection_follows_a_newly_decided_term(ask: Asker) -> None:
    ask("rotation set IOM, UNDP, UNFPA")
    assert ask("term set 2019 UNDP").ok
    response = ask("chair 2020")
    assert "*UNFPA* (UN Population Fund) will chair the GMG: 1 Jan to 31 Dec 2020." in response.text
    assert "_(projected from the rotation)_" in response.text
    decided = ask("chair 2019").text
    assert "*UNDP* (UN Development Programme) will chair the GMG: 1 Jan to 31 Dec 2019.\n" in decided


def test_projection_uses_the_term_length(ask: Asker) -> None:
    ask("rotation set IOM, UNDP, UNFPA")
    ask("settings term-months 6")
    assert (
        "*UNDP* (UN Development Programme) will chair the GMG: 1 Jan to 30 Jun 2019."
        in ask("chair 2019-03-01").text
    )
    assert (
        "*UNFPA* (UN Population Fund) will chair the GMG: 1 Jul to 31 Dec 2019." in ask("chair 2019-H2").text
    )
    assert lines(ask("chair 2019")) == [
        "• 1 Jan to 30 Jun 2019: *UNDP* _(projected from the rotation)_",
        "• 1 Jul to 31 Dec 2019: *UNFPA* _(projected from the rotation)_",
    ]


def test_projection_for_a_group_with_no_terms(session: Session, empty_group: Group) -> None:
    ask = Asker(session, empty_group)
    assert "No members yet." in ask("members").text
    assert ask("member add AAA Agency A").ok
    assert ask("member add BBB Agency B").ok
    assert "No chair is known" in ask("chair").text
    assert ask("rotation set AAA, BBB").ok
    assert empty_group.id is not None
    assert queries.get_rotation(session=session, group_id=empty_group.id) == ["AAA", "BBB"]
    now = ask("chair")
    # A group is named by its short name; the empty group's is the default one.
    assert empty_group.short_name == "Board"
    assert "*AAA* (Agency A) chairs the Board: 1 Jan to 30 Jun 2011." in now.text
    assert "_(projected from the rotation)_" in now.text
    assert "Next: *BBB* from 1 Jul 2011." in now.text
    assert "*AAA*" in ask("chair 2012-03").text
    assert "*BBB*" in ask("chair 2012-H2").text
    assert "Projected from the rotation" in ask("next").text
    schedule = lines(ask("schedule 2"))
    assert schedule == [
        "• 1 Jan to 30 Jun 2011: *AAA* _(projected from the rotation)_ ← now",
        "• 1 Jul to 31 Dec 2011: *BBB* _(projected from the rotation)_",
        "• 1 Jan to 30 Jun 2012: *AAA* _(projected from the rotation)_",
    ]


def test_questions_change_nothing(ask: Asker, session: Session, group: Group) -> None:
    assert group.id is not None
    count = queries.count_audit_entries(session=session, group_id=group.id)
    for question in ["chair", "next", "theme", "schedule", "history", "members", "rotation", "help"]:
        assert ask(question, user=MEMBER, admin=False).changed is False
    assert queries.count_audit_entries(session=session, group_id=group.id) == count


def test_projection_without_decided_terms_keeps_its_word(session: Session, empty_group: Group) -> None:
    ask = Asker(session, empty_group)
    for command in ["member add AAA Agency A", "member add BBB Agency B", "rotation set AAA, BBB"]:
        assert ask(command).ok
    assert "*BBB* (Agency B) takes over from *AAA* on 1 Jul 2011" in ask("next").text
    assert "*BBB* (Agency B) chairs" in ask("chair", now=at(2011, 8, 1)).text
