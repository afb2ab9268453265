"""Attacks on several groups per workspace, kept as tests: access across groups and workspaces, races
that could leave a workspace without a group or a default, the answer cache, the take-over of groups
prepared with the command line, imports of several documents, and odd words."""

import json
import multiprocessing as mp
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import yaml
from sqlmodel import Session, select

from bot.answer_cache import AnswerCache
from bot.dispatcher import Dispatcher
from bot.slack_client import make_web_client
from bot.workspace_clients import WorkspaceClients
from handlers import handle_command
from storage import groups, queries
from storage.models import AuditEntry, Delivery, Group, GroupLink, Member, Subscription, Term
from tests.conftest import ADMIN, MEMBER, RunningBot
from tests.fakeslack import FakeSlack
from tests.test_groups import GFMD, add_gfmd, ok, refused, texts
from tests.test_slack_http import post_interaction, term_submission
from tests.test_transfer_cli import cli_url, gmg_bot

# From the hostile pass, h1_access
U_GFMD = "UGFMDADM"


def test_an_admin_of_one_group_cannot_remove_another(bot: RunningBot) -> None:
    ok(bot, "chair")
    add_gfmd(bot)
    # A GMG admin makes someone an admin of the GFMD only.
    ok(bot, f"GFMD admin add <@{U_GFMD}>")
    # That user is not an admin of the GMG:
    refused(bot, "term set 2045 FAO", user=U_GFMD)
    # ...so naming the GFMD first does not let them remove the GMG and all its data:
    _status, answer = bot.command("GFMD group remove GMG confirm", user=U_GFMD)
    with Session(bot.services.engine) as session:
        names = [g.short_name for g in groups.workspace_groups(session=session, team_id="T1")]
    assert "GMG" in names, f"GFMD-only admin removed the GMG: {names}; answer={texts(answer)[:300]}"


def test_an_admin_of_one_group_cannot_rename_replace_or_add(bot: RunningBot) -> None:
    ok(bot, "chair")
    add_gfmd(bot)
    ok(bot, f"GFMD admin add <@{U_GFMD}>")
    results = {}
    for cmd in (
        "GFMD group rename GMG Hijacked",
        "GFMD group default GFMD",
        "GFMD group add EVIL Evil group",
    ):
        _status, answer = bot.command(cmd, user=U_GFMD)
        results[cmd] = "That did not work" not in answer.get("text", "")
    assert not any(results.values()), results


def test_a_modal_for_a_removed_group_saves_nothing(bot: RunningBot) -> None:
    ok(bot, "chair")
    add_gfmd(bot)
    with Session(bot.services.engine) as session:
        gfmd = groups.find_group(session=session, team_id="T1", short_name="GFMD")
        gfmd_id, gmg_id = gfmd.id, groups.default_group(session=session, team_id="T1").id
    ok(bot, "GFMD member add FAO Food and Agriculture Organization")
    # The admin opened the GFMD term modal; meanwhile the GFMD was removed.
    ok(bot, "group remove GFMD confirm")
    sub = term_submission(ADMIN, "2049", ["FAO"], "Meant for the GFMD")
    sub["view"]["private_metadata"] = json.dumps({"group_id": gfmd_id})
    _status, body = post_interaction(bot, sub)
    with Session(bot.services.engine) as session:
        gmg_terms = [
            t for t in queries.list_terms(session=session, group_id=gmg_id) if t.first_day.year == 2049
        ]
    assert not gmg_terms, f"the GFMD modal's term landed in the GMG: {gmg_terms}; body={body!r}"


def test_t2_modal_with_t1_group_id_does_not_touch_t1(bot: RunningBot) -> None:
    ok(bot, "chair")
    add_gfmd(bot)
    bot.command("chair", team="T2")
    with Session(bot.services.engine) as session:
        gfmd_id = groups.find_group(session=session, team_id="T1", short_name="GFMD").id
        before = len(queries.list_terms(session=session, group_id=gfmd_id))
    sub = term_submission(ADMIN, "2049", ["FR"], "x")
    sub["team"] = {"id": "T2"}
    sub["user"]["team_id"] = "T2"
    sub["view"]["private_metadata"] = json.dumps({"group_id": gfmd_id})
    post_interaction(bot, sub)
    with Session(bot.services.engine) as session:
        after = len(queries.list_terms(session=session, group_id=gfmd_id))
    assert before == after
    # button open modal
    payload = {
        "type": "block_actions",
        "team": {"id": "T2"},
        "user": {"id": ADMIN, "team_id": "T2"},
        "api_app_id": "A1",
        "trigger_id": "1.2.3",
        "actions": [{"action_id": "gmg_open_term_modal", "value": json.dumps({"group_id": gfmd_id})}],
    }
    _status, _body = post_interaction(bot, payload)
    views = bot.slack.calls_to("views.open")
    if views:
        v = views[-1].body["view"]
        v = json.loads(v) if isinstance(v, str) else v
        assert "GFMD" not in json.dumps(v), v


def test_t2_cannot_reach_t1_group_by_short_name(bot: RunningBot) -> None:
    ok(bot, "chair")
    add_gfmd(bot)
    _, answer = bot.command("GFMD chair 2011-03-15", team="T2")
    assert "CH" not in texts(answer) or "not a group" in texts(answer), texts(answer)
    _status, answer = bot.command("GFMD chair 2011-03-15", team="T2")  # second time: cache
    assert "*CH*" not in texts(answer)
    # share button from T2 with T1's group
    payload = {
        "type": "block_actions",
        "team": {"id": "T2"},
        "user": {"id": MEMBER},
        "trigger_id": "1.2.3",
        "response_url": bot.slack.response_url,
        "actions": [{"action_id": "gmg_share", "value": "GFMD chair 2011-03-15"}],
    }
    post_interaction(bot, payload)
    for c in bot.slack.calls:
        assert "Taking action" not in json.dumps(c.body), c


def test_non_admin_group_changes_refused(bot: RunningBot) -> None:
    ok(bot, "chair")
    add_gfmd(bot)
    for cmd in (
        "group add X1 x",
        "group rename GFMD Z",
        "group default GFMD",
        "group remove GFMD confirm",
        "GFMD group remove GMG confirm",
        "GROUP ADD Y y",
        "gmg group add Y2 y",
    ):
        _status, answer = bot.command(cmd, user=MEMBER)
        assert "That did not work" in answer.get("text", ""), (cmd, answer)


# From the hostile pass, h2_cache
def _version(bot, short):
    with Session(bot.services.engine) as session:
        g = groups.find_group(session=session, team_id="T1", short_name=short)
        return (g.id, g.version) if g else None


def test_a_new_group_never_gets_a_removed_groups_cached_answers(bot: RunningBot) -> None:
    ok(bot, "chair")
    add_gfmd(bot)
    first = ok(bot, "GFMD members", user=MEMBER)
    assert "Switzerland" in first
    old_id, old_version = _version(bot, "GFMD")
    ok(bot, "group remove GFMD confirm")
    ok(bot, "group add GFMD A different forum")
    new_id, v = _version(bot, "GFMD")
    i = 0
    while v < old_version:
        ok(bot, f"GFMD member add X{i} Somebody {i}")
        i += 1
        new_id, v = _version(bot, "GFMD")
    again = ok(bot, "GFMD members", user=MEMBER)
    print("old", old_id, old_version, "new", new_id, v)
    assert "Switzerland" not in again, (
        f"removed group's members served for a new group (id {old_id}->{new_id}): {again[:300]}"
    )


def test_groups_answer_turns_at_each_groups_handover(bot: RunningBot) -> None:
    """`groups` shows each group's chair: its cached answer must turn at every group's handover."""
    ok(bot, "chair")
    ok(bot, "group add NY New York group")
    ok(bot, "NY member add AA Alpha")
    ok(bot, "NY member add BB Beta")
    ok(bot, "NY settings timezone America/New_York")
    ok(bot, "NY term set 2029 AA")
    ok(bot, "NY term set 2030 BB")
    engine = bot.services.engine
    cache = AnswerCache(engine=engine, watch=bot.services.changes)
    # GMG (Zurich, handover 00:00) is on 1 Jan 2030 from 23:00 UTC; NY hands over at 05:00 UTC.
    before = datetime(2030, 1, 1, 4, 0, tzinfo=UTC)
    after = datetime(2030, 1, 1, 6, 0, tzinfo=UTC)
    answers = []
    with Session(engine) as session:
        for now in (before, after):
            r = handle_command(
                session=session, team_id="T1", text="groups", user_id=MEMBER, is_admin=False, now=now
            )
            from handlers.response import shown

            answers.append(" ".join(shown(p, "plain") for p in r.sections))
    print(answers)
    assert answers[0] != answers[1]  # the NY chair changed
    k1 = cache.key(team_id="T1", text="groups", now=before, language="en")
    k2 = cache.key(team_id="T1", text="groups", now=after, language="en")
    assert k1 != k2, f"same cache key for different answers: {answers}"


def test_cache_key_fullwidth_and_case(bot: RunningBot) -> None:
    ok(bot, "chair")
    add_gfmd(bot)
    # Fullwidth group word: routed how?
    _, a = bot.command("\uff27\uff26\uff2d\uff24 chair 2011-03-15", user=MEMBER)
    print(texts(a)[:300])
    _status, b = bot.command("\uff27\uff26\uff2d\uff24 chair 2011-03-15", user=MEMBER)
    assert texts(a) == texts(b)
    assert "went wrong" not in texts(a)


# From the hostile pass, h5_deliveries
DAY_BEFORE = datetime(2026, 12, 31, 0, 0, tzinfo=UTC)


def dispatch(bot, slack, now):
    client = make_web_client(token=slack.bot_token, base_url=slack.base_url, retry_server_errors=False)
    d = Dispatcher(
        engine=bot.services.engine, clients=WorkspaceClients.single(client), clock=lambda: now, worker="t"
    )
    d.replan_all()
    d.run_once()
    return [c.body["text"] for c in slack.calls_to("chat.postMessage")]


def setup_2027(bot):
    ok(bot, "chair")
    add_gfmd(bot)
    ok(bot, "GFMD rotation clear")
    ok(bot, "GFMD term set 2027 FR")
    ok(bot, "GFMD reminders 1d")
    ok(bot, "GFMD subscribe <#C0COORD1> reminders")


def test_reminder_reflects_rename_and_member_name(bot: RunningBot, slack: FakeSlack) -> None:
    setup_2027(bot)
    ok(bot, "group rename GFMD Forum")
    ok(bot, "Forum member remove FR") if False else None
    posts = dispatch(bot, slack, DAY_BEFORE)
    print(posts)
    gf = [p for p in posts if "handover" in p]
    assert gf and all("GFMD" not in p for p in gf) and any("Forum" in p for p in gf), posts


def test_removed_group_deliveries_never_go_out(bot: RunningBot, slack: FakeSlack) -> None:
    setup_2027(bot)
    with Session(bot.services.engine) as s:
        gid = groups.find_group(session=s, team_id="T1", short_name="GFMD").id
        assert s.exec(select(Delivery).where(Delivery.group_id == gid)).all()
    ok(bot, "group remove GFMD confirm")
    posts = dispatch(bot, slack, DAY_BEFORE)
    assert not [p for p in posts if "GFMD" in p], posts


def test_removed_while_claimed(bot: RunningBot, slack: FakeSlack) -> None:
    """Group removed while the dispatcher holds its reminder (Slack slow): the dispatcher must not crash."""
    import threading

    setup_2027(bot)
    slack.hang("chat.postMessage", 2, channel="C0COORD1")
    client = make_web_client(token=slack.bot_token, base_url=slack.base_url, retry_server_errors=False)
    d = Dispatcher(
        engine=bot.services.engine,
        clients=WorkspaceClients.single(client),
        clock=lambda: DAY_BEFORE,
        worker="t",
    )
    d.replan_all()
    errors = []
    t = threading.Thread(target=lambda: errors.append(d.run_once()))
    t.start()
    import time

    time.sleep(0.7)
    ok(bot, "group remove GFMD confirm")
    t.join(20)
    print(errors)
    assert errors and isinstance(errors[0], int)


def test_takeover_moves_subscription_team(tmp_path: Path, database_url: str, bot: RunningBot) -> None:
    url = cli_url(database_url)
    doc = GFMD.replace("[CH]", "[FR]") + "subscriptions:\n- {channel: C0COORD1, kinds: [reminders]}\n"
    (tmp_path / "g.yaml").write_text(doc, encoding="utf-8")
    r = gmg_bot(["import", "g.yaml"], cwd=tmp_path, database_url=url)
    assert r.returncode == 0, r.stderr
    ok(bot, "chair", user=MEMBER)
    with Session(bot.services.engine) as s:
        subs = {x.team_id for x in s.exec(select(Subscription)).all()}
        dels = {x.team_id for x in s.exec(select(Delivery)).all()}
    assert subs == {"T1"} and dels <= {"T1"}, (subs, dels)


def test_takeover_then_token_revoked_pause_is_seen_by_the_workspace(
    tmp_path: Path, database_url: str, bot: RunningBot, slack: FakeSlack
) -> None:
    from storage import access, queries

    url = cli_url(database_url)
    doc = (
        GFMD.replace("[CH]", "[FR]").replace(
            "terms:\n", "terms:\n- {first_day: 2027-01-01, last_day: 2027-12-31, chairs: [MA]}\n"
        )
        + "subscriptions:\n- {channel: C0COORD1, kinds: [reminders]}\n"
    )
    doc = doc.replace("lead_times: [7d]", "lead_times: [1d]")
    (tmp_path / "g.yaml").write_text(doc, encoding="utf-8")
    r = gmg_bot(["import", "g.yaml"], cwd=tmp_path, database_url=url)
    assert r.returncode == 0, r.stderr
    ok(bot, "chair", user=MEMBER)
    slack.revoke_token()
    dispatch(bot, slack, DAY_BEFORE)
    with Session(bot.services.engine) as s:
        p_t1 = access.paused(session=s, team_id="T1")
        p_local = access.paused(session=s, team_id="local")
        gid = groups.default_group(session=s, team_id="T1").id
        log = [e.action for e in queries.list_audit_entries(session=s, group_id=gid, limit=50)]
    print("paused T1:", p_t1, "paused local:", p_local, log[:3])
    assert p_t1 is not None and p_local is None, (p_t1, p_local)


# From the hostile pass, h6_import
G = GFMD.replace("[CH]", "[FR]")


def counts(database_url):
    from storage.db import make_engine

    e = make_engine(database_url)
    with Session(e) as s:
        r = tuple(len(s.exec(select(m)).all()) for m in (Group, GroupLink, Member, Term, AuditEntry))
    e.dispose()
    return r


def run(tmp_path, url, text, *args):
    (tmp_path / "x.yaml").write_text(text, encoding="utf-8")
    return gmg_bot(["import", "x.yaml", *args], cwd=tmp_path, database_url=url)


def test_import_refusals_write_nothing(tmp_path: Path, database_url: str) -> None:
    url = cli_url(database_url)
    assert gmg_bot(["ask", "chair"], cwd=tmp_path, database_url=url).returncode == 0
    before = counts(database_url)
    cases = {
        "dup case": G + "---\n" + G.replace("short_name: GFMD", "short_name: gfmd"),
        "bad middle": G
        + "---\ngroup: {name: X, short_name: XX}\n"
        + "terms: [{first_day: 2011-01-01, last_day: 2010-01-01, chairs: []}]\n---\n"
        + G.replace("GFMD", "THIRD"),
        "bad short": G.replace("short_name: GFMD", "short_name: \uff27\uff26\uff2d\uff24"),
        "reserved": G.replace("short_name: GFMD", "short_name: help"),
        "reserved2": G.replace("short_name: GFMD", "short_name: Groups"),
        "reserved3": G.replace("short_name: GFMD", "short_name: share"),
        "two no short": G.replace("  short_name: GFMD\n", "")
        + "---\n"
        + G.replace("  short_name: GFMD\n", "").replace("Global Forum", "Other"),
        "not mapping": G + "---\n- a\n- b\n",
        "long": G.replace("short_name: GFMD", "short_name: " + "A" * 31),
        "empty member doc in middle": G
        + "---\n"
        + "group: {name: Y, short_name: YY}\nmembers: [{code: FR, name: France}, {code: fr, name: Dup}]\n",
    }
    out = {}
    for name, text in cases.items():
        r = run(tmp_path, url, text)
        out[name] = (r.returncode, (r.stdout + r.stderr).strip()[:200])
        assert "Traceback" not in r.stderr, (name, r.stderr)
    for k, v in out.items():
        print(k, v)
    assert counts(database_url) == before, out
    assert all(rc == 2 for rc, _ in out.values()), out


def test_reserved_import_short_name_shadows_commands(
    tmp_path: Path, database_url: str, bot: RunningBot
) -> None:
    url = cli_url(database_url)
    r = run(tmp_path, url, G.replace("short_name: GFMD", "short_name: groups"))
    print(r.returncode, r.stdout, r.stderr)
    if r.returncode == 0:
        a = ok(bot, "groups", user=MEMBER)
        print(a[:300])
        raise AssertionError(
            f"import accepted reserved short name `groups`; /gmg groups now answers: {a[:200]}"
        )


def test_export_all_import_roundtrip_into_fresh_db(
    tmp_path: Path, database_url: str, bot: RunningBot
) -> None:
    ok(bot, "chair")
    ok(bot, "group add GFMD Global Forum")
    ok(bot, "GFMD member add FR France")
    ok(bot, "GFMD term set 2011 FR Taking action")
    ok(bot, "GFMD subscribe <#C0COORD1> all")
    ok(bot, "group default GFMD")
    url = cli_url(database_url)
    exp = gmg_bot(["export", "--all"], cwd=tmp_path, database_url=url)
    assert exp.returncode == 0, exp.stderr
    docs = list(yaml.safe_load_all(exp.stdout))
    assert next(d["group"]["short_name"] for d in docs) == "GFMD"
    # re-import into the same DB: nothing should change
    (tmp_path / "all.yaml").write_text(exp.stdout, encoding="utf-8")
    r = gmg_bot(["import", "all.yaml"], cwd=tmp_path, database_url=url)
    assert r.returncode == 0, r.stderr
    exp2 = gmg_bot(["export", "--all"], cwd=tmp_path, database_url=url)
    assert exp2.stdout == exp.stdout
    # fresh DB
    fresh = tmp_path / "fresh.db"
    from storage.db import make_engine, upgrade

    e = make_engine(f"sqlite:///{fresh}")
    upgrade(e)
    e.dispose()
    r = gmg_bot(["import", str(tmp_path / "all.yaml")], cwd=tmp_path, database_url=f"sqlite:///{fresh}")
    assert r.returncode == 0, r.stderr
    exp3 = gmg_bot(["export", "--all"], cwd=tmp_path, database_url=f"sqlite:///{fresh}")
    print(exp3.stderr)
    assert exp3.stdout == exp.stdout, (exp.stdout[:500], exp3.stdout[:500])


def test_doc_without_short_name_and_doc_naming_the_default_collide(tmp_path: Path, database_url: str) -> None:
    url = cli_url(database_url)
    assert gmg_bot(["ask", "chair"], cwd=tmp_path, database_url=url).returncode == 0  # default: GMG
    before = counts(database_url)
    a = "group: {name: First version, short_name: GMG}\nmembers: [{code: AAA, name: From doc one}]\n"
    b = "group: {name: Second version}\nmembers: [{code: AAA, name: From doc two}]\n"
    r = run(tmp_path, url, a + "---\n" + b)
    print(r.returncode, r.stdout, r.stderr)
    assert r.returncode == 2 and counts(database_url) == before, (
        "two documents for the default group were both imported into it"
    )


def test_write_phase_error_names_the_document(tmp_path: Path, database_url: str) -> None:
    url = cli_url(database_url)
    assert gmg_bot(["ask", "chair"], cwd=tmp_path, database_url=url).returncode == 0
    bad = (
        "group: {name: Y, short_name: YY}\nmembers: [{code: FR, name: France}]\n"
        "terms: [{first_day: 2011-01-01, last_day: 2011-12-31, chairs: [XX]}]\n"
    )
    r = run(tmp_path, url, G + "---\n" + bad)
    print(r.stderr)
    assert "document 2" in r.stderr, r.stderr


# From the hostile pass, h8_default_remove_race
def test_default_vs_remove(bot: RunningBot) -> None:
    ok(bot, "chair")
    for i in range(15):
        ok(bot, f"group add X{i} x")
        barrier = threading.Barrier(2)

        def one(cmd, barrier=barrier):
            barrier.wait()
            return bot.command(cmd, user=ADMIN)

        with ThreadPoolExecutor(2) as pool:
            res = list(pool.map(one, [f"group default X{i}", f"group remove X{i} confirm"]))
        with Session(bot.services.engine) as s:
            links = s.exec(select(GroupLink).where(GroupLink.team_id == "T1")).all()
            defaults = [link.short_key for link in links if link.is_default]
        if len(defaults) != 1:
            status, after = bot.command("chair", user=MEMBER)
            _, fix = bot.command("group default GMG", user=ADMIN)
            _, home = bot.command("groups", user=ADMIN)
            raise AssertionError(
                f"round {i}: defaults={defaults}; answers={[texts(a)[:80] for _, a in res]}; "
                f"then /gmg chair -> {status} {texts(after)[:150]}; "
                f"group default GMG -> {texts(fix)[:100]}; groups -> {texts(home)[:80]}"
            )
        # put GMG back as default for the next round
        if defaults != ["gmg"]:
            ok(bot, "group default GMG")


# From the hostile pass, h9_remove_both_race
def test_remove_both(bot: RunningBot) -> None:
    ok(bot, "chair")
    ok(bot, "group add X x")
    barrier = threading.Barrier(2)

    def one(cmd):
        barrier.wait()
        return bot.command(cmd, user=ADMIN)

    with ThreadPoolExecutor(2) as pool:
        res = list(pool.map(one, ["group remove GMG confirm", "group remove X confirm"]))
    with Session(bot.services.engine) as s:
        links = [
            (link.short_key, link.is_default)
            for link in s.exec(select(GroupLink).where(GroupLink.team_id == "T1")).all()
        ]
    _status, after = bot.command("chair", user=MEMBER)
    assert len(links) == 1 and links[0][1], (links, [texts(a)[:70] for _, a in res], texts(after)[:120])


# From the hostile pass, h10_messages
def test_a_group_word_twice_gets_a_clear_answer(bot: RunningBot) -> None:
    ok(bot, "chair")
    add_gfmd(bot)
    said = refused(bot, "GFMD GFMD chair", user=MEMBER)
    assert "Did you mean `GFMD`" not in said, (
        said
    )  # "`GFMD` is not a group of this workspace. Did you mean `GFMD`?"


def test_group_then_share_alone(bot: RunningBot) -> None:
    ok(bot, "chair")
    add_gfmd(bot)
    _status, a = bot.command("GFMD share", user=MEMBER)
    said = texts(a)
    # `share` alone is a word of the language, not an unknown command.
    assert "is not a /gmg command" not in said, said


def test_full_name_with_line_break(bot: RunningBot) -> None:
    ok(bot, "chair")
    ok(bot, "group add Q4 First line\nSecond line *x*")
    listed = ok(bot, "groups", user=MEMBER)
    lines = [link for link in listed.split("\n") if link.startswith("•")]
    assert all("chair now" in link for link in lines), listed


# From the hostile pass, h3b_takeover_processes
def _worker(url, barrier, q):
    from storage.db import make_engine
    from storage.transfer import ensure_workspace

    engine = make_engine(url)
    barrier.wait()
    try:
        with Session(engine) as s:
            g = ensure_workspace(session=s, team_id="T1", seed=True, now=datetime.now(UTC))
            q.put(("ok", g.short_name))
    except Exception as exc:
        q.put(("error", repr(exc)[:200]))
    engine.dispose()


def test_takeover_across_processes(tmp_path: Path, database_url: str, engine) -> None:
    url = cli_url(database_url)
    (tmp_path / "g.yaml").write_text(GFMD.replace("[CH]", "[FR]"), encoding="utf-8")
    assert gmg_bot(["import", "g.yaml"], cwd=tmp_path, database_url=url).returncode == 0
    ctx = mp.get_context("fork")
    n = 4
    barrier, q = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(database_url, barrier, q)) for _ in range(n)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    results = [q.get(timeout=5) for _ in range(n)]
    with Session(engine) as s:
        names = [g.short_name for g in groups.workspace_groups(session=s, team_id="T1")]
    assert names == ["GFMD"], (names, results)


def test_a_broken_later_document_leaves_nothing_imported(tmp_path: Path, database_url: str) -> None:
    """Documents are read and written one at a time, in one transaction: a file whose last document
    is not YAML leaves the earlier ones unwritten too."""
    url = cli_url(database_url)
    assert gmg_bot(["ask", "chair"], cwd=tmp_path, database_url=url).returncode == 0
    before = counts(database_url)
    good = "group: {name: One, short_name: ONE}\nmembers: [{code: AAA, name: First}]\n"
    r = run(tmp_path, url, good + "---\n" + good.replace("ONE", "TWO") + "---\ngroup: {name: [\n")
    assert r.returncode == 2 and "not valid YAML" in r.stderr and "nothing was imported" in r.stderr, r.stderr
    assert counts(database_url) == before
