"""The handover checklist, driven as Slack drives it: signed slash commands, Done buttons
(block_actions) from several people in a reminder and in App Home, and the reminders themselves sent
by the dispatcher to the fake Slack. Also the checklist and proposals in YAML, round trip."""

import json
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlmodel import Session, col, select

from bot.dispatcher import Dispatcher
from bot.slack_client import make_web_client
from bot.workspace_clients import WorkspaceClients
from handlers import proposals
from storage import handover
from storage.documents import ImportError_, dump_yaml, parse_document
from storage.models import AuditEntry, ChecklistItem, ChecklistTemplateItem, Delivery
from storage.transfer import export_document, import_documents
from tests.conftest import (
    ADMIN,
    MEMBER,
    NOW,
    SIGNING_SECRET,
    Asker,
    RunningBot,
    default_group_id,
    workspace_group,
)
from tests.fakeslack import event_body, interactivity_body, post_signed

FOCAL_IN, FOCAL_OUT, FOCAL_PREV, OTHER = "UFOCALIN1", "UFOCALOUT", "UFOCALPRV", "UOTHER001"
REMINDERS = "C0REMIND1"
# The built-in GMG record's template (storage/gmg.yaml), in the order `checklist` numbers it.
WORK_PLAN, THEME, WEB_PAGE, REPORT = 1, 2, 3, 4


def today() -> date:
    """The group's day (Europe/Zurich, handover at 00:00), as the bot reckons it."""
    return datetime.now(ZoneInfo("Europe/Zurich")).date()


def said(bot: RunningBot, text: str, user: str = ADMIN) -> str:
    """The answer's text (its blocks say the same)."""
    status, answer = bot.command(text, user=user)
    assert status == 200, answer
    return str(answer["text"])


def span(first: date, last: date) -> str:
    return f"{first}..{last}"


def set_up(bot: RunningBot, *, next_in: int, previous: bool = False) -> date:
    """UNDP chairs now and hands over to ILO in `next_in` days (IOM chaired before UNDP); each chair
    has a focal point, and a channel gets the reminders. Returns the handover's day."""
    for user in (FOCAL_IN, FOCAL_OUT, FOCAL_PREV, OTHER):
        bot.slack.add_user(user)
    day = today()
    handover_day = day + timedelta(days=next_in)
    current_first = day - timedelta(days=100)
    if previous:
        assert "Term saved" in said(
            bot, f"term set {span(day - timedelta(days=465), current_first - timedelta(days=1))} IOM"
        )
    assert "Term saved" in said(bot, f"term set {span(current_first, handover_day - timedelta(days=1))} UNDP")
    assert "Term saved" in said(bot, f"term set {span(handover_day, handover_day + timedelta(days=364))} ILO")
    said(bot, f"focal ILO <@{FOCAL_IN}>")
    said(bot, f"focal UNDP <@{FOCAL_OUT}>")
    said(bot, f"focal IOM <@{FOCAL_PREV}>")
    said(bot, f"subscribe <#{REMINDERS}> reminders")
    return handover_day


def items(bot: RunningBot, day: date) -> list[ChecklistItem]:
    with Session(bot.services.engine) as session:
        return handover.checklist(session=session, group_id=default_group_id(session), handover_day=day)


def click(bot: RunningBot, user: str, value: str, *, team: str = "T1", from_home: bool = False) -> int:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": team, "domain": "gmg"},
        "user": {"id": user, "team_id": team},
        "api_app_id": "A1",
        "trigger_id": f"1.2.{user}",
        "actions": [
            {
                "type": "button",
                "action_id": "checklist_done",
                "block_id": "b",
                "value": value,
                "action_ts": "1",
            }
        ],
    }
    if from_home:
        payload["container"] = {"type": "view", "view_id": "V0"}
    else:
        payload |= {
            "response_url": bot.slack.response_url,
            "container": {"type": "message", "channel_id": "D0FOCAL", "message_ts": "1.1"},
            "channel": {"id": "D0FOCAL"},
        }
    status, _, _ = post_signed(
        bot.url + "/slack/events",
        interactivity_body(payload),
        secret=SIGNING_SECRET,
        content_type="application/x-www-form-urlencoded",
    )
    return status


def told(bot: RunningBot, count: int) -> str:
    """What the clicker was told, in the message only they see (the `count`th such answer)."""
    return json.dumps(bot.slack.wait_for("response_url", count)[count - 1].body, ensure_ascii=False)


def send_due(bot: RunningBot, at: datetime) -> None:
    client = make_web_client(
        token=bot.slack.bot_token, base_url=bot.slack.base_url, retry_server_errors=False
    )
    Dispatcher(
        engine=bot.services.engine, clients=WorkspaceClients.single(client), worker="t", clock=lambda: at
    ).run_once()


def posted_to(bot: RunningBot, target: str) -> list[str]:
    return [
        json.dumps(c.body, ensure_ascii=False)
        for c in bot.slack.calls_to("chat.postMessage")
        if c.body.get("channel") == target
    ]


def buttons(post: str) -> list[str]:
    """The item ids of a post's Done buttons."""
    blocks = json.loads(post)["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return [
        b["accessory"]["value"] for b in blocks if b.get("accessory", {}).get("action_id") == "checklist_done"
    ]


def pending_reminder(bot: RunningBot, target: str) -> Delivery:
    with Session(bot.services.engine) as session:
        found = session.exec(
            select(Delivery)
            .where(
                col(Delivery.kind) == "reminder",
                col(Delivery.target) == target,
                col(Delivery.state) == "pending",
            )
            .order_by(col(Delivery.due_at))
        ).first()
        assert found is not None, f"no pending reminder to {target}"
        return found


def audit_actions(bot: RunningBot) -> list[str]:
    with Session(bot.services.engine) as session:
        return [e.action for e in session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))]


def test_items_planned_reminded_and_marked_by_button_and_command(bot: RunningBot) -> None:
    handover_day = set_up(bot, next_in=60)
    # Planned with the handover: its own copy of the template.
    planned = items(bot, handover_day)
    assert [(i.number, i.role, i.offset_days) for i in planned] == [
        (WORK_PLAN, "incoming", -45),
        (THEME, "incoming", -45),
        (WEB_PAGE, "admins", 0),
        (REPORT, "outgoing", 30),
    ]
    ids = {i.number: str(i.id) for i in planned}

    shown = said(bot, "checklist", user=MEMBER)
    assert f"handover checklist: {handover_day.day} " in shown
    assert "1. *Work plan for the coming term* · incoming chair *ILO* (<@UFOCALIN1>)" in shown
    assert "4. *Chair's report on the term* · outgoing chair *UNDP* (<@UFOCALOUT>)" in shown
    assert "3. *Web page updated and mailing list handed over* · admins" in shown
    assert "overdue" not in shown and shown.count("· open") == 4

    # The 30-day reminders: each focal point gets their own items with Done buttons; the channel the
    # summary, without buttons.
    due = pending_reminder(bot, FOCAL_IN).due_at
    send_due(bot, due + timedelta(minutes=1))
    [incoming_dm] = posted_to(bot, FOCAL_IN)
    assert buttons(incoming_dm) == [ids[WORK_PLAN], ids[THEME]]
    assert "Your open checklist items* (2)" in incoming_dm and "Work plan" in incoming_dm
    [outgoing_dm] = posted_to(bot, FOCAL_OUT)
    assert buttons(outgoing_dm) == [ids[REPORT]] and "Chair's report" in outgoing_dm
    [channel] = posted_to(bot, REMINDERS)
    assert "*Checklist*: 4 of 4 open; see" in channel and buttons(channel) == []
    assert not posted_to(bot, FOCAL_PREV), "IOM has no part in this handover"

    # The Done button, from the reminder: the focal point of the responsible member may.
    assert click(bot, FOCAL_IN, ids[WORK_PLAN]) == 200
    assert "Item 1 of the handover on" in told(bot, 1) and "is done" in told(bot, 1)
    # Someone else may not, nor the incoming chair's focal point for the outgoing chair's or the
    # admins' items; nothing changes.
    assert click(bot, OTHER, ids[THEME]) == 200
    assert "Only an admin of GMG or a focal point of *ILO* (the incoming chair) can mark item 2" in told(
        bot, 2
    )
    assert click(bot, FOCAL_IN, ids[REPORT]) == 200
    assert "focal point of *UNDP* (the outgoing chair)" in told(bot, 3)
    assert click(bot, FOCAL_IN, ids[WEB_PAGE]) == 200
    assert "Only an admin of GMG can mark item 3: it is the admins'" in told(bot, 4)
    assert [(i.number, i.done_by) for i in items(bot, handover_day) if i.done_by] == [(WORK_PLAN, FOCAL_IN)]

    # By command: marked, marked again (said so, nothing changed), refused, and a number that is not one.
    assert "is done" in said(bot, "checklist done 2", user=FOCAL_IN)
    assert "was done already; nothing changed" in said(bot, "checklist done 2", user=FOCAL_IN)
    assert "focal point of *ILO*" in said(bot, "checklist undone 2", user=OTHER)
    assert "has no item 99: it has 4 items" in said(bot, "checklist done 99", user=ADMIN)
    assert "Use `/gmg checklist done [previous] N`" in said(bot, "checklist done two", user=ADMIN)
    assert "is done" in said(bot, "checklist done 3", user=ADMIN)
    assert "is open again" in said(bot, "checklist undone 3", user=ADMIN)
    done = {i.number: i.done_by for i in items(bot, handover_day)}
    assert done == {WORK_PLAN: FOCAL_IN, THEME: FOCAL_IN, WEB_PAGE: None, REPORT: None}
    actions = audit_actions(bot)
    assert any("Done button" in a for a in actions)
    assert actions.count("checklist done 2") == 1, "only the change is audited"

    # Re-planned with each mark: the next reminders no longer ask for what is done.
    assert "checklist" not in (pending_reminder(bot, FOCAL_IN).params or {})
    later = pending_reminder(bot, REMINDERS).params or {}
    assert '"open": 2, "total": 4' in json.dumps(later)
    assert said(bot, "checklist", user=MEMBER).count(":white_check_mark: done by") == 2


def test_template_changes_and_bad_input_change_nothing(bot: RunningBot) -> None:
    handover_day = set_up(bot, next_in=60)

    def template() -> list[tuple[str, int, str]]:
        with Session(bot.services.engine) as session:
            return [
                (t.role, t.offset_days, t.text)
                for t in handover.template(session=session, group_id=default_group_id(session))
            ]

    before = template()
    listed = said(bot, "checklist template", user=MEMBER)
    assert "1. *Work plan for the coming term* · incoming chair · 45 days before the handover" in listed
    assert (
        "3. *Web page updated and mailing list handed over* · admins · on the day of the handover" in listed
    )
    assert "4. *Chair's report on the term* · outgoing chair · 30 days after the handover" in listed

    assert "`boss` is not a role: use `outgoing`, `incoming`, `admins`" in said(
        bot, "checklist add boss 0d Minutes"
    )
    assert "`soon` is not a due day" in said(bot, "checklist add incoming soon Minutes")
    assert "`-400d` is not a due day" in said(bot, "checklist add incoming -400d Minutes")
    assert "Use `/gmg checklist add" in said(bot, "checklist add incoming -10d")
    assert "The template has no item 9: it has 4 items" in said(bot, "checklist remove 9")
    assert "Use `/gmg checklist remove N`" in said(bot, "checklist remove first")
    assert "admin" in said(bot, "checklist add admins 0d Minutes", user=MEMBER)
    assert "admin" in said(bot, "checklist remove 1", user=FOCAL_IN)
    assert template() == before

    added = said(bot, "checklist add admins +7d Minutes archived")
    assert "Checklist item added" in added and "7 days after the handover" in added
    # Nothing of the coming handover's copy is marked yet: it follows the template.
    assert "stays as it was" not in added
    assert [i.text for i in items(bot, handover_day)][-2:] == ["Minutes archived", before[3][2]]
    assert "Checklist item removed" in said(bot, "checklist remove 1")
    assert template() == [before[1], before[2], ("admins", 7, "Minutes archived"), before[3]]
    assert len(items(bot, handover_day)) == 4
    # Once an item is marked done, the copy is the handover's own: a change of the template leaves it.
    said(bot, "checklist done 2")
    changed = said(bot, "checklist add admins +8d Photos archived")
    assert "with items marked done already, stays as it was" in changed
    assert len(items(bot, handover_day)) == 4


def test_overdue_items_of_this_and_the_previous_handover_in_reminders_and_app_home(bot: RunningBot) -> None:
    handover_day = set_up(bot, next_in=20, previous=True)
    previous_day = today() - timedelta(days=100)
    with Session(bot.services.engine) as session:
        # The handover to UNDP was planned in its time: it has its copy, nothing done.
        handover.copy_template(session=session, group_id=default_group_id(session), handover_day=previous_day)
        session.commit()
    said(bot, "reminders 7d")  # any change re-plans the reminders
    ids = {i.number: str(i.id) for i in items(bot, handover_day)}
    previous_ids = {i.number: str(i.id) for i in items(bot, previous_day)}

    shown = said(bot, "checklist", user=MEMBER)
    # The work plan was due 45 days before the handover, 25 days ago.
    assert shown.count(":warning: *overdue*") == 2 + 4, shown
    assert f"Still open from the handover on {previous_day.day} " in shown
    assert "`/gmg checklist done previous N`" in shown
    assert "outgoing chair *IOM* (<@UFOCALPRV>)" in shown

    # The channel's reminder counts them and lists the overdue ones, the previous handover's too.
    channel = json.dumps(pending_reminder(bot, REMINDERS).params)
    assert "checklist.summary_overdue" in channel and '"count": 2' in channel
    assert channel.count("checklist.overdue_from") == 2
    # UNDP's focal point gets UNDP's items: those of the handover to UNDP, overdue, and the coming
    # report; IOM's report, overdue too, is in the channel's and App Home (IOM has no part in this one).
    dm = (pending_reminder(bot, FOCAL_OUT).params or {})["checklist"]
    assert [str(i) for i, _ in dm] == [previous_ids[WORK_PLAN], previous_ids[THEME], ids[REPORT]]

    # App Home: each open item the viewer may mark has its Done button; overdue ones are marked.
    said(bot, f"theme propose {span(handover_day, handover_day + timedelta(days=364))} Safe migration")
    view = home(bot, FOCAL_PREV)
    assert home_buttons(view, "checklist_done") == [previous_ids[REPORT]]
    assert "Still open from the handover on" in json.dumps(view) and ":warning:" in json.dumps(view)
    assert "Safe migration" in json.dumps(view) and len(home_buttons(view, "proposal_support")) == 1
    admin_view = home(bot, ADMIN)
    assert len(home_buttons(admin_view, "checklist_done")) == 4 + 4

    # Done from App Home (no response_url): the tab is published anew, without that button.
    publishes = len(bot.slack.calls_to("views.publish"))
    assert click(bot, FOCAL_PREV, previous_ids[REPORT], from_home=True) == 200
    republished = bot.slack.wait_for("views.publish", publishes + 1)[-1].body
    view = republished["view"] if isinstance(republished["view"], dict) else json.loads(republished["view"])
    assert home_buttons(view, "checklist_done") == []
    assert [i.done_by for i in items(bot, previous_day) if i.number == REPORT] == [FOCAL_PREV]
    assert "is done" in said(bot, "checklist done previous 3")
    assert "no item 7" in said(bot, "checklist done previous 7")

    # A workspace that does not see the group marks nothing, and a button naming no item changes
    # nothing.
    for value, team in ((ids[WORK_PLAN], "T9"), ("", "T1"), ("abc", "T1"), ("99999", "T1"), ("1" * 40, "T1")):
        assert click(bot, ADMIN, value, team=team) == 200
    assert all(i.done_by is None for i in items(bot, handover_day))


def home(bot: RunningBot, user: str) -> dict[str, Any]:
    before = len(bot.slack.calls_to("views.publish"))
    body = event_body({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"})
    status, _, _ = post_signed(
        bot.url + "/slack/events", body, secret=SIGNING_SECRET, content_type="application/json"
    )
    assert status == 200
    call = bot.slack.wait_for("views.publish", before + 1)[-1]
    assert call.body["user_id"] == user
    view = call.body["view"]
    return view if isinstance(view, dict) else json.loads(view)


def home_buttons(view: dict[str, Any], action_id: str) -> list[str]:
    found = []
    for block in view["blocks"]:
        elements = [block["accessory"]] if "accessory" in block else block.get("elements", [])
        found += [e["value"] for e in elements if isinstance(e, dict) and e.get("action_id") == action_id]
    return found


# YAML


def export(session: Session, team_id: str = "T1") -> str:
    return dump_yaml(export_document(session=session, group=workspace_group(session, team_id)))


def load(session: Session, text: str, *, team_id: str, replace: bool) -> None:
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


def test_checklists_and_proposals_round_trip_exactly(ask: Asker, session: Session) -> None:
    # On 15 March 2011 the next handover is UNESCO's, on 1 July: planned, with its copy.
    for command in [
        "focal UNESCO <@U0FOCAL1>",
        "checklist add admins +7d Minutes: 'archived' & \"filed\"",
        "checklist remove 2",
        'theme propose 2011-H2 Youth | Rights "first"',
        "theme propose 2011-H2 Mobility",
    ]:
        response = ask(command)
        assert response.ok, (command, response.text)
    proposal = handover.all_proposals(session=session, group_id=default_group_id(session))[0]
    for user, support, comment in (("U0ANA", True, ""), ("U0BOB", False, "Too broad: sorry")):
        assert proposals.vote(
            session=session,
            team_id="T1",
            user_id=user,
            proposal_id=proposal.id or 0,
            support=support,
            comment=comment,
            now=NOW,
        ).changed
        session.commit()
    assert ask("checklist done 1", user="U0FOCAL1", admin=False).changed
    assert ask("checklist done 2").changed

    first = export(session)
    document = yaml.safe_load(first)
    assert [t["text"] for t in document["checklist_template"]] == [
        "Work plan for the coming term",
        "Web page updated and mailing list handed over",
        "Minutes: 'archived' & \"filed\"",
        "Chair's report on the term",
    ]
    assert document["checklist_template"][2] == {
        "role": "admins",
        "offset": "+7d",
        "text": "Minutes: 'archived' & \"filed\"",
    }
    [term] = [t for t in document["terms"] if t["first_day"] == date(2011, 7, 1)]
    # Its copy followed the template until items were marked done.
    assert [(i["role"], i["offset"], i.get("done_by")) for i in term["checklist"]] == [
        ("incoming", "-45d", "U0FOCAL1"),
        ("admins", "0d", ADMIN),
        ("admins", "+7d", None),
        ("outgoing", "+30d", None),
    ]
    assert [p["title"] for p in document["proposals"]] == ["Youth", "Mobility"]
    assert document["proposals"][0]["term"] == "2011-07-01..2011-12-31"
    assert [(v["user"], v["support"], v["comment"]) for v in document["proposals"][0]["votes"]] == [
        ("U0ANA", True, ""),
        ("U0BOB", False, "Too broad: sorry"),
    ]

    load(session, first, team_id="T3", replace=True)
    assert export(session, "T3") == first
    load(session, first, team_id="T3", replace=True)
    assert export(session, "T3") == first
    # Merged into itself, nothing changes: proposals are the same ones (term and title), updated.
    ids = [p.id for p in handover.all_proposals(session=session, group_id=default_group_id(session))]
    load(session, first, team_id="T1", replace=False)
    assert export(session) == first
    assert [p.id for p in handover.all_proposals(session=session, group_id=default_group_id(session))] == ids

    # A document from before these keys still imports, and leaves them as they are when merged.
    old = (
        "group: {name: Global Migration Group}\n"
        "terms:\n  - {first_day: 2011-07-01, last_day: 2011-12-31, chairs: [UNESCO]}\n"
    )
    load(session, old, team_id="T1", replace=False)
    assert yaml.safe_load(export(session))["checklist_template"] == document["checklist_template"]
    assert len(yaml.safe_load(export(session))["proposals"]) == 2


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("checklist_template: [{role: boss, offset: 0d, text: X}]", "checklist_template[0] (X): role"),
        ("checklist_template: [{role: admins, offset: soon, text: X}]", "'soon' is not an offset"),
        ("checklist_template: [{role: admins, offset: -30, text: X}]", "write the offset as days"),
        (
            "terms: [{first_day: 2030-01-01, last_day: 2030-12-31, chairs: [IOM], checklist: "
            "[{role: admins, offset: 0d, text: X, done_by: U0ANA}]}]",
            "give done_by and done_at together",
        ),
        (
            "proposals: [{term: 2030-01-01..2030-12-31, title: T, proposed_by: U0ANA, proposed_at: "
            "2029-01-01T00:00:00Z, votes: [{user: U0BOB, support: true, at: 2029-01-02T00:00:00Z}, "
            "{user: U0BOB, support: false, at: 2029-01-03T00:00:00Z}]}]",
            "U0BOB votes twice",
        ),
        (
            "proposals: [{term: 2030, title: T, proposed_by: U0ANA, proposed_at: 2029-01-01T00:00:00Z}]",
            "is not a term's days",
        ),
    ],
)
def test_bad_checklists_and_proposals_are_refused_whole(
    ask: Asker, session: Session, change: str, problem: str
) -> None:
    before = export(session)
    text = "group: {name: Global Migration Group}\nmembers: [{code: IOM}]\n" + change + "\n"
    with pytest.raises(ImportError_) as raised:
        load(session, text, team_id="T1", replace=True)
    assert problem in str(raised.value)
    session.rollback()
    assert export(session) == before
    assert session.exec(select(ChecklistTemplateItem)).all()
