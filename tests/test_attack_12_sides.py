"""Hostile tests of issue 12 (one group shared by several workspaces), at the handler level: what a
workspace that joined can do to the home workspace's side, and what is left when one leaves.

Each test here FAILS on the code as it stands: it shows a defect (see the comment above each). T1 is
the group's home, T2 a workspace that joined it (tests/test_links.py's helpers)."""

from sqlmodel import Session, col, select

from handlers.home import home_groups
from storage import groups, queries
from storage.models import Delivery
from storage.transfer import ensure_workspace
from tests.conftest import NOW, Asker
from tests.test_links import HOME, OTHER, OTHER_MEMBER, ask_in, joined, new_code


def subscriptions(session: Session, group_id: int) -> set[tuple[str, str, str]]:
    rows = queries.list_subscriptions(session=session, group_id=group_id)
    return {(s.team_id, s.channel_id, s.kind) for s in rows}


# FINDING 1 (high): a Slack admin of a workspace that joined (no admin of the group) ends the home
# workspace's subscriptions. `subscribe`/`unsubscribe` are `workspace=True` forms ("its channels"), but
# the handler reads and rewrites the group's rows of the channel whatever workspace they belong to, and
# `unsubscribe` asks Slack nothing. T2 learns T1's channel ids from its own App Home, which lists every
# subscribed channel of the group. Expected: T2 may only change subscriptions whose team_id is T2.
def test_another_workspaces_admin_cannot_unsubscribe_the_home_workspaces_channel(
    session: Session, ask: Asker
) -> None:
    group = joined(session, ask)
    assert ask("subscribe <#C0HOME01> all").ok
    # Everyone in T2 sees T1's channel id on the Home tab.
    home = home_groups(session=session, team_id=OTHER, user_id=OTHER_MEMBER, is_admin=False, now=NOW)[0]
    assert "C0HOME01" in repr(home.channels)
    answer = ask_in(session, OTHER, "unsubscribe <#C0HOME01>")
    assert not answer.ok, answer.text  # it answers "Subscriptions saved: <#C0HOME01> now follows: nothing."
    assert (HOME, "C0HOME01", "reminders") in subscriptions(session, group.id or 0)


# FINDING 1b (same root cause): a Slack Connect channel T1 subscribed is taken over by T2 as soon as
# T2's admin adds a kind or a language there (set_channel_kinds rewrites every row of the channel with
# T2's team_id); when T2 then unlinks (or uninstalls: its pause then holds T1's posts too), T1's own
# subscription of the channel is gone without anyone in T1 doing anything.
def test_a_shared_channel_the_home_subscribed_survives_the_other_workspace_leaving(
    session: Session, ask: Asker
) -> None:
    group = joined(session, ask)
    assert ask("subscribe <#C0SHARED> themes").ok
    assert ask_in(session, OTHER, "subscribe <#C0SHARED> reminders").ok
    assert ask_in(session, OTHER, "unlink").ok
    assert (HOME, "C0SHARED", "themes") in subscriptions(session, group.id or 0)


# FINDING 2 (medium): renaming a shared group checks the new short name only in the workspace that
# renames it, but the name changes in every linked workspace; where it is taken there the database's
# unique (team_id, short_key) refuses it, the clash is retried as a concurrent change, and the admin is
# told "Other changes to the group were being saved at the same moment ... send the command again",
# which fails the same way forever. Expected: a refusal naming the clash (GFMD is taken in T2).
def test_renaming_a_shared_group_to_a_name_another_workspace_uses_is_refused_clearly(
    session: Session, ask: Asker
) -> None:
    ensure_workspace(session=session, team_id=OTHER, seed=True, now=NOW)
    session.commit()
    assert ask_in(session, OTHER, "group add GFMD Global Forum").ok
    assert ask_in(session, OTHER, f"join {new_code(ask)}").ok
    answer = ask("group rename GMG GFMD")
    assert not answer.ok
    assert "send the command again" not in answer.text, answer.text
    assert "GFMD" in answer.text, answer.text


# FINDING 3 (medium): `unlink` ends the workspace's channels and topic, but the focal points named
# there stay, recorded as T2's: the group keeps direct-messaging T2's people through T2's token about a
# group T2 no longer sees. Expected: nothing is planned for T2 after it unlinks.
def test_unlink_leaves_no_direct_messages_planned_in_the_workspace(session: Session, ask: Asker) -> None:
    group = joined(session, ask)
    assert ask("term set 2011-H2 IOM").ok
    assert ask("admin add <@UOTHERADM>").ok
    assert ask_in(session, OTHER, "focal IOM <@UOTHERFP1>").ok
    assert ask_in(session, OTHER, "unlink").ok
    pending = session.exec(
        select(Delivery).where(col(Delivery.group_id) == group.id, col(Delivery.state) == "pending")
    ).all()
    left = [(d.kind, d.team_id, d.target) for d in pending if d.team_id == OTHER]
    assert left == [], left  # six reminders to UOTHERFP1 through T2


# FINDING 4 (medium): when the home workspace removes a shared group (`group remove GMG confirm`), it
# is warned "Removing the group deletes them with the group's members, rotation and subscriptions" and
# told "its reminders and posts stop"; in fact the group lives on and the next linked workspace (by team
# id) silently becomes its home, so that workspace's Slack admins, whom nobody made group admins, now
# change its terms. Expected: the warning says what happens, and no workspace's Slack admins get the
# group without a group admin deciding it (or the home is refused while others are linked).
def test_the_home_removing_a_shared_group_does_not_hand_it_to_another_workspaces_admins(
    session: Session, ask: Asker
) -> None:
    group = joined(session, ask)
    assert ask("group add GFMD Global Forum").ok
    warning = ask("group remove GMG")
    assert ask("group remove GMG confirm").ok
    session.expire_all()
    assert groups.teams_of(session=session, group_id=group.id or 0) == [OTHER]  # not deleted
    took = ask_in(session, OTHER, "term set 2033 FAO Taken over")
    assert not took.ok, "T2's Slack admin became an admin of the group without anyone deciding it"
    assert "deletes" not in warning.text, warning.text


# FINDING 5 (medium): a group admin cannot remove another workspace from the group. A code that went
# to the wrong organization (or a workspace that uninstalled for good, its deliveries paused and shown
# as such forever) stays linked: only that workspace can `unlink`. Expected: some admin command (e.g.
# `/gmg unlink T2` by a group admin) ends another workspace's link.
def test_a_group_admin_can_remove_another_workspace(session: Session, ask: Asker) -> None:
    group = joined(session, ask)
    answer = ask("unlink T2")  # "Use /gmg unlink, or /gmg GMG unlink."
    assert answer.ok, answer.text
    assert OTHER not in groups.teams_of(session=session, group_id=group.id or 0)


# FINDING 6 (low): once a workspace joined the shared group as its default, its own Slack admins can no
# longer add a group of their own, nor choose another default (`group add` / `group default` need an
# admin of the current default, i.e. of the shared group). Expected: what groups a workspace follows is
# its own Slack admins' to decide.
def test_a_workspace_whose_default_is_shared_can_still_add_its_own_group(
    session: Session, ask: Asker
) -> None:
    joined(session, ask)
    answer = ask_in(session, OTHER, "group add MINE Our own forum")
    assert answer.ok, answer.text  # "Only GMG admins can change this."
