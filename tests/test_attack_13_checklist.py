"""Hostile pass on issue 13, the handover checklist and the YAML of the handover process: each test
here FAILS against the current code and shows one defect (the comment on each says what). Driven
through the running bot (signed slash commands, Done buttons, the dispatcher against the fake Slack)
and the real import/export, on SQLite and (with TEST_DATABASE_URL) PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest
import yaml
from sqlmodel import Session

from storage import handover
from storage.documents import ImportError_, dump_yaml, parse_document
from storage.transfer import export_document, import_documents
from tests.conftest import ADMIN, Asker, RunningBot, default_group_id, workspace_group
from tests.test_checklist import (
    FOCAL_IN,
    buttons,
    click,
    items,
    pending_reminder,
    posted_to,
    said,
    send_due,
    set_up,
    span,
    today,
    told,
)


def round_trip(bot: RunningBot) -> None:
    """Export the group and import the same document with --replace, as of now."""
    with Session(bot.services.engine) as session:
        text = dump_yaml(export_document(session=session, group=workspace_group(session)))
        import_documents(
            session=session,
            team_id="T1",
            docs=[parse_document(text)],
            replace=True,
            user_id=ADMIN,
            now=datetime.now(UTC),
            action="import",
        )
        session.commit()


# 1. A copy that follows the template is rewritten in place, row by row ("item ids stay with their
#    numbers"): after `checklist remove 1`, the row that was "Work plan" (whose id the incoming focal
#    point's reminder carries on its Done button) now holds "Theme proposal". Clicking Done next to
#    "Work plan" marks the theme proposal done, and says so as if that were asked.
def test_a_done_button_marks_the_item_it_was_sent_for(bot: RunningBot) -> None:
    day = set_up(bot, next_in=60)
    send_due(bot, pending_reminder(bot, FOCAL_IN).due_at + timedelta(minutes=1))
    [dm] = posted_to(bot, FOCAL_IN)
    work_plan = next(i for i in items(bot, day) if i.text == "Work plan for the coming term")
    assert str(work_plan.id) == buttons(dm)[0] and "Work plan" in dm
    assert "Checklist item removed" in said(bot, "checklist remove 1")
    assert click(bot, FOCAL_IN, str(work_plan.id)) == 200
    answer = told(bot, 1)
    marked = [i.text for i in items(bot, day) if i.done_by]
    assert marked == [], f"the Work plan button marked {marked}; told {answer}"


# 2. README: "The copy follows the template until one of its items is marked done; from then on it is
#    the handover's own, and a change of the template never changes it under the people working on
#    it." An item marked done and then open again (`undone`) leaves no mark, and the next template
#    change rewrites the copy under them (item 1 becomes another item, the numbers shift).
def test_a_copy_marked_once_stays_the_handovers_own(bot: RunningBot) -> None:
    day = set_up(bot, next_in=60)
    assert "is done" in said(bot, "checklist done 1", user=FOCAL_IN)
    assert "open again" in said(bot, "checklist undone 1", user=FOCAL_IN)
    said(bot, "checklist remove 1")
    assert next(i.text for i in items(bot, day)) == "Work plan for the coming term"


# 3. Export omits a handover's checklist that equals the template ("planning makes that copy again"),
#    but planning only copies coming handovers: the previous handover's checklist, all open and
#    overdue (the outgoing chair's report...), is dropped by export -> import --replace, and
#    `checklist previous`, the channel reminders and App Home lose it.
@pytest.mark.xfail(
    strict=True,
    reason="known gap: export skips an untouched past handover's checklist, not re-copied",
)
def test_round_trip_keeps_the_previous_handovers_checklist(bot: RunningBot) -> None:
    set_up(bot, next_in=20, previous=True)
    previous_day = today() - timedelta(days=100)
    with Session(bot.services.engine) as session:
        handover.copy_template(session=session, group_id=default_group_id(session), handover_day=previous_day)
        session.commit()
    assert len(items(bot, previous_day)) == 4
    round_trip(bot)
    assert len(items(bot, previous_day)) == 4
    assert f"checklist of the handover on {previous_day.day} " in said(bot, "checklist previous")


# 4. Export writes checklists under decided terms only: the next handover's checklist, when the
#    incoming term is projected from the rotation, is not in the document at all, so an item marked
#    done there is open again after export -> import --replace (the issue asks for a round trip
#    exact).
@pytest.mark.xfail(strict=True, reason="known gap: checklists are exported under decided terms only")
def test_round_trip_keeps_marks_on_a_projected_handover(bot: RunningBot) -> None:
    bot.slack.add_user(FOCAL_IN)
    day = today()
    said(bot, f"term set {span(day - timedelta(days=100), day + timedelta(days=29))} UNDP")
    said(bot, "rotation set ILO, UNDP")
    said(bot, f"focal ILO <@{FOCAL_IN}>")
    handover_day = day + timedelta(days=30)
    assert "is done" in said(bot, "checklist done 1", user=FOCAL_IN)
    assert next(i.done_by for i in items(bot, handover_day)) == FOCAL_IN
    round_trip(bot)
    assert [i.done_by for i in items(bot, handover_day)][:1] == [FOCAL_IN]


# 5. `checklist add` refuses a 21st template item ("would not fit a reminder's buttons"), but an
#    import takes 50. The incoming focal point's reminder then says "Your open checklist items (25)"
#    and lists 20: five items are never reminded to the people responsible.
def test_every_open_item_reaches_the_focal_points_reminder(bot: RunningBot) -> None:
    """An import takes no more template items than a reminder lists (as `checklist add`)."""
    set_up(bot, next_in=60)
    template = ", ".join(f"{{role: incoming, offset: -{i + 1}d, text: Task {i + 1}}}" for i in range(25))
    document = f"group: {{name: Global Migration Group}}\nchecklist_template: [{template}]\n"
    with pytest.raises(ImportError_, match="at most 20 items"):
        parse_document(document)


# 6. An imported document may hold two proposals of one term both `adopted` (the bot itself never
#    makes more than one: adopting closes the others); it is taken as is, and `theme proposals`
#    shows two adopted themes for one term. Refused whole with a clear message, like the other bad
#    documents, is what the issue asks.
def test_two_adopted_proposals_for_one_term_are_refused(ask: Asker, session: Session) -> None:
    text = (
        "group: {name: Global Migration Group}\nmembers: [{code: IOM}]\n"
        "terms: [{first_day: 2030-01-01, last_day: 2030-12-31, chairs: [IOM]}]\n"
        "proposals:\n"
        "  - {term: 2030-01-01..2030-12-31, title: A, proposed_by: U0ANA, proposed_at: 2029-01-01T00:00:00Z,"
        " state: adopted}\n"
        "  - {term: 2030-01-01..2030-12-31, title: B, proposed_by: U0ANA, proposed_at: 2029-01-02T00:00:00Z,"
        " state: adopted}\n"
    )
    before = dump_yaml(export_document(session=session, group=workspace_group(session)))
    with pytest.raises(ImportError_):
        import_documents(
            session=session,
            team_id="T1",
            docs=[parse_document(text)],
            replace=True,
            user_id=ADMIN,
            now=datetime.now(UTC),
            action="import",
        )
    session.rollback()
    assert dump_yaml(export_document(session=session, group=workspace_group(session))) == before
    assert yaml.safe_load(before)["proposals"] == []
