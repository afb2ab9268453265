"""One group seen by several workspaces: link codes, joining, leaving, and who may do what from each
side. Commands go through `handle_command` as Slack's would, from workspace T1 (the group's home) or
T2 (an organization that joins it)."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from handlers import Response, handle_command
from storage import groups, queries
from storage.models import AuditEntry, Delivery, Group, LinkCode
from storage.transfer import ensure_workspace
from tests.conftest import MEMBER, NOW, Asker

HOME, OTHER = "T1", "T2"
OTHER_ADMIN = "UOTHERADM"  # a Slack admin of T2, not of the group
OTHER_MEMBER = "UOTHERMEM"
CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")


def ask_in(
    session: Session,
    team: str,
    text: str,
    *,
    user: str = OTHER_ADMIN,
    slack_admin: bool = True,
    now: datetime = NOW,
    channel: str = "C0OTHER1",
) -> Response:
    return handle_command(
        session=session,
        team_id=team,
        text=text,
        user_id=user,
        is_admin=slack_admin,
        now=now,
        channel_id=channel,
    )


def new_code(ask: Asker) -> str:
    response = ask("link")
    assert response.ok, response.text
    found = CODE.search(response.text)
    assert found, response.text
    return found.group(0)


def joined(session: Session, ask: Asker) -> Group:
    """T2, set up as a new workspace is (its own untouched record), joins T1's group."""
    ensure_workspace(session=session, team_id=OTHER, seed=True, now=NOW)
    session.commit()
    response = ask_in(session, OTHER, f"join {new_code(ask)}")
    assert response.ok, response.text
    return ask.group


def test_a_joined_workspace_sees_the_same_group_and_its_changes_at_once(session: Session, ask: Asker) -> None:
    group = joined(session, ask)
    shared = groups.default_group(session=session, team_id=OTHER)
    assert shared is not None and shared.id == group.id
    # The copy of the built-in record T2 started with, which nobody had changed, gave way.
    assert [g.id for g in groups.workspace_groups(session=session, team_id=OTHER)] == [group.id]
    for question in ("chair", "chair 2011-09-01", "members", "next"):
        assert ask(question).text == ask_in(session, OTHER, question, slack_admin=False).text, question
    assert ask("term set 2031 IOM Safe and orderly migration").ok
    answer = ask_in(session, OTHER, "theme 2031", user=OTHER_MEMBER, slack_admin=False)
    assert "Safe and orderly migration" in answer.text


def test_a_link_code_works_once_within_a_day_and_a_new_one_replaces_it(session: Session, ask: Asker) -> None:
    ensure_workspace(session=session, team_id=OTHER, seed=False, now=NOW)
    ensure_workspace(session=session, team_id="T3", seed=False, now=NOW)
    session.commit()
    first = new_code(ask)
    second = new_code(ask)
    refused = ask_in(session, OTHER, f"join {first}")
    assert not refused.ok and "not a valid link code" in refused.text
    late = ask_in(session, OTHER, f"join {second}", now=NOW + timedelta(hours=24, seconds=1))
    assert not late.ok and "not a valid link code" in late.text
    # Case, spaces and hyphens do not matter.
    assert ask_in(session, OTHER, f"join {second.lower().replace('-', '')}").ok
    again = ask_in(session, "T3", f"join {second}")
    assert not again.ok and "not a valid link code" in again.text
    assert groups.workspace_groups(session=session, team_id="T3")[0].id != ask.group.id
    # Only a hash is kept, and the log never holds the code.
    assert session.exec(select(LinkCode)).all() == []
    log = " ".join(e.action + str(e.after) for e in session.exec(select(AuditEntry)).all())
    assert first not in log and second not in log and "join (with a link code)" in log


def test_joining_is_refused_for_a_changed_group_of_the_same_name_and_changes_nothing(
    session: Session, ask: Asker
) -> None:
    ensure_workspace(session=session, team_id=OTHER, seed=True, now=NOW)
    session.commit()
    assert ask_in(session, OTHER, "term set 2040 ILO Their own").ok
    code = new_code(ask)
    refused = ask_in(session, OTHER, f"join {code}")
    assert not refused.ok
    assert "already has a group named GMG" in refused.text and "/gmg group rename GMG NEW" in refused.text
    assert len(groups.workspace_groups(session=session, team_id=OTHER)) == 1
    # Renamed, it can join: the shared group comes in by its short name.
    assert ask_in(session, OTHER, "group rename GMG Ours").ok
    response = ask_in(session, OTHER, f"join {code}")
    assert response.ok, response.text
    assert "/gmg GMG chair" in response.text
    names = [g.short_name for g in groups.workspace_groups(session=session, team_id=OTHER)]
    assert names == ["Ours", "GMG"]
    again = ask_in(session, OTHER, f"join {new_code(ask)}")
    assert not again.ok and "already sees GMG" in again.text


def test_who_may_do_what_from_each_side(session: Session, ask: Asker) -> None:
    joined(session, ask)
    before = queries.list_terms(session=session, group_id=ask.group.id or 0)
    # The other workspace's Slack admin: not an admin of the group...
    for change in (
        "term set 2032 FAO",
        "theme set 2011-H1 Other",
        "member add XYZ Someone",
        "reminders 3d",
        "settings timezone Europe/Paris",
        "admin add <@UOTHERMEM>",
        "link",
        "focal IOM <@UOTHERMEM>",
    ):
        refused = ask_in(session, OTHER, change)
        assert not refused.ok and "Only GMG admins can change this." in refused.text, change
    assert queries.list_terms(session=session, group_id=ask.group.id or 0) == before
    # ...but manages its own workspace's side.
    assert ask_in(session, OTHER, "subscribe <#C0OTHER1> reminders").ok
    assert ask_in(session, OTHER, "settings topic <#C0OTHER1>").ok
    assert "T2" in ask_in(session, OTHER, "workspaces").text
    # Someone who is neither may ask, and nothing else.
    for change in (
        "subscribe <#C0OTHER2>",
        "settings topic off",
        "unlink",
        "workspaces",
        "term set 2033 FAO",
    ):
        refused = ask_in(session, OTHER, change, user=OTHER_MEMBER, slack_admin=False)
        assert not refused.ok and "Only" in refused.text, change
    assert ask_in(session, OTHER, "chair", user=OTHER_MEMBER, slack_admin=False).ok
    # The home workspace's Slack admins are the group's admins; one of them adds T2's admin.
    assert ask("admin add <@UOTHERADM>").ok
    assert ask_in(session, OTHER, "term set 2032 FAO").ok
    # A Slack admin of the home workspace who is no group admin cannot manage T2's side from there.
    assert ask("admin remove <@UOTHERADM>").ok
    assert not ask_in(session, OTHER, "term set 2034 FAO").ok
    # A home member without Slack's word may not change the group.
    assert not ask("term set 2035 FAO", user=MEMBER, admin=False).ok


def test_unlink_ends_the_link_and_the_workspaces_channels_leave_with_it(session: Session, ask: Asker) -> None:
    group = joined(session, ask)
    assert ask("subscribe <#C0HOME01> all").ok
    assert ask_in(session, OTHER, "subscribe <#C0OTHER1> all").ok
    refused = ask("unlink")
    assert not refused.ok and "was set up in this workspace" in refused.text
    response = ask_in(session, OTHER, "unlink")
    assert response.ok, response.text
    assert groups.teams_of(session=session, group_id=group.id or 0) == [HOME]
    channels = {s.channel_id for s in queries.list_subscriptions(session=session, group_id=group.id or 0)}
    assert channels == {"C0HOME01"}
    pending = session.exec(
        select(Delivery).where(col(Delivery.group_id) == group.id, col(Delivery.state) == "pending")
    ).all()
    assert pending and {d.target for d in pending if d.kind == "reminder"} <= {"C0HOME01"} | {
        d.target for d in pending if not d.target.startswith("C")
    }


def test_posts_go_to_each_workspaces_channels_with_its_own_token(session: Session, ask: Asker) -> None:
    group = joined(session, ask)
    assert ask("term set 2011-H2 IOM").ok
    assert ask("subscribe <#C0HOME01> all").ok
    assert ask_in(session, OTHER, "subscribe <#C0OTHER1> all").ok
    # A Slack Connect channel both workspaces are in: one subscription of the group, one post.
    assert ask("subscribe <#C0SHARED> themes").ok
    again = ask_in(session, OTHER, "subscribe <#C0SHARED> themes")
    assert not again.ok and "Nothing to change" in again.text
    # Each workspace has its own topic channel.
    assert ask("settings topic <#C0HOME01>").ok
    assert ask_in(session, OTHER, "settings topic <#C0OTHER1>").ok
    assert "C0OTHER1" in ask_in(session, OTHER, "settings").text and "C0OTHER1" not in ask("settings").text
    # A focal point named in T2 (by a group admin working there) gets their reminder through T2.
    assert ask("admin add <@UOTHERADM>").ok
    assert ask_in(session, OTHER, "focal IOM <@UOTHERFP1>").ok
    pending = session.exec(
        select(Delivery).where(col(Delivery.group_id) == group.id, col(Delivery.state) == "pending")
    ).all()
    team = {(d.kind, d.target): d.team_id for d in pending}
    assert team[("reminder", "C0HOME01")] == HOME and team[("reminder", "C0OTHER1")] == OTHER
    assert team[("topic", "C0HOME01")] == HOME and team[("topic", "C0OTHER1")] == OTHER
    assert team[("reminder", "UOTHERFP1")] == OTHER
    shared = [d for d in pending if d.target == "C0SHARED" and d.kind == "announcement"]
    assert shared and len(shared) == len({d.due_at for d in shared}), "one post per handover"


def test_a_code_lets_in_one_workspace_when_two_use_it_at_once(
    engine: Engine, session: Session, ask: Asker
) -> None:
    for team in ("T2", "T3"):
        ensure_workspace(session=session, team_id=team, seed=False, now=NOW)
    session.commit()
    code = new_code(ask)
    start = threading.Barrier(2)

    def join_from(team: str) -> bool:
        with Session(engine) as own:
            start.wait()
            return ask_in(own, team, f"join {code}").ok

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(join_from, ["T2", "T3"]))
    assert sorted(results) == [False, True]
    session.expire_all()
    assert len(groups.teams_of(session=session, group_id=ask.group.id or 0)) == 2
