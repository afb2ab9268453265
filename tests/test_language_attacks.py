"""What a hostile pass found in the languages work, each kept from coming back: concurrent
translations, Slack's odd answers about a person, odd language tags, and the install's catalogs."""

import subprocess
import sys
import threading
import zipfile
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from handlers import Response, handle_command
from messages.languages import LOCALE_DIR, check_language, of_accept_language, unknown_language
from messages.render import render
from storage import deliveries, queries
from storage.deliveries import Planned
from storage.models import Group
from tests.conftest import ADMIN, NOW, RunningBot, workspace_terms
from tests.fakeslack import FakeSlack
from tests.test_deliveries import make_env
from tests.test_languages import fetch
from tests.test_page import serving
from tests.test_slack_http import texts

ROOT = Path(__file__).resolve().parent.parent


def run(engine: Engine, command: str) -> Response:
    with Session(engine) as session:
        response = handle_command(
            session=session,
            team_id="T1",
            text=command,
            user_id=ADMIN,
            is_admin=True,
            now=NOW,
            channel_id="C1",
        )
        return response


def test_translations_given_at_once_are_all_kept(engine: Engine, group: Group) -> None:
    for round_ in range(4):
        commands = [
            f"theme translate 2011-H2 fr Titre {round_}",
            f"theme translate 2011-H2 es Título {round_}",
        ]
        results: list[bool] = []

        def send(command: str, results: list[bool] = results) -> None:
            results.append(run(engine, command).ok)

        threads = [threading.Thread(target=send, args=(c,)) for c in commands]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [True, True]
        with Session(engine) as session:
            term = next(t for t in workspace_terms(session) if t.first_day == date(2011, 7, 1))
            assert term.translations["fr"]["theme"] == f"Titre {round_}"
            assert term.translations["es"]["theme"] == f"Título {round_}"


def test_a_translation_without_a_description_keeps_the_translated_one(engine: Engine, group: Group) -> None:
    with Session(engine) as session:
        before = next(t for t in workspace_terms(session) if t.first_day == date(2011, 1, 1))
        description = before.translations["fr"]["description"]
    assert run(engine, "theme translate 2011-H1 fr Bonjour").ok
    with Session(engine) as session:
        term = next(t for t in workspace_terms(session) if t.first_day == date(2011, 1, 1))
        assert term.translations["fr"] == {"theme": "Bonjour", "description": description}


def test_a_member_back_under_another_name_loses_the_old_names_translations(
    engine: Engine, group: Group
) -> None:
    assert run(engine, "member remove UNU").ok
    assert run(engine, "member add UNU Nordic Universities Union").ok
    with Session(engine) as session:
        unu = next(
            m for m in queries.list_members(session=session, group_id=group.id or 0) if m.code == "UNU"
        )
        assert unu.name == "Nordic Universities Union" and unu.names == {}


def test_a_channel_gets_one_language(engine: Engine, group: Group) -> None:
    response = run(engine, "subscribe <#C0123ABCD> fr es")
    assert not response.ok and "`fr` or `es`" in response.text
    with Session(engine) as session:
        assert queries.list_subscriptions(session=session, group_id=group.id or 0) == []


def test_slack_saying_nothing_useful_about_a_person_is_not_remembered(bot: RunningBot) -> None:
    bot.slack.add_user("U0FRADMIN", locale="fr-FR", is_admin=True)
    bot.slack.fail_next("users.info", error="service_unavailable")
    _, first = bot.command("term set 2031 ILO", user="U0FRADMIN")
    assert "Only GMG admins" not in texts(first)
    _, second = bot.command("term set 2031 ILO", user="U0FRADMIN")
    assert "2031" in texts(second) and "Only GMG admins" not in texts(second)
    assert len(bot.slack.calls_to("users.info")) == 2


def test_a_users_info_answer_without_a_user_is_no_failure(bot: RunningBot, slack: FakeSlack) -> None:
    slack.add_user("U0ODD", locale="fr-FR")
    with slack._cond:
        slack._users["U0ODD"] = None  # type: ignore[assignment]
    status, answer = bot.command("chair 2011-03-15", user="U0ODD")
    assert status == 200 and "UNICEF" in texts(answer) and "went wrong" not in texts(answer)


def test_language_tags_weights_and_long_words() -> None:
    assert [check_language(t) for t in ("fr", "FR", "fr-FR", "es_419", "fr_FR.UTF-8", " en ")] == [
        "fr",
        "fr",
        "fr",
        "es",
        "fr",
        "en",
    ]
    assert of_accept_language("es;q=-1, fr;q=0.5") == "fr"
    assert of_accept_language("fr;q=abc, es;q=0.2") == "es"
    assert of_accept_language("fr;q=1.5, es") == "es"
    assert of_accept_language("x" * 100_000) == "en"
    said = render(unknown_language("z" * 5000), "plain")
    assert len(said) < 120 and "`en`, `fr`, `es`" in said


def test_the_groups_index_links_keep_the_language(engine: Engine, group: Group) -> None:
    assert run(engine, "group add GFMD Global Forum on Migration and Development").ok
    with serving(engine, public_page=True) as url:
        _, _, index = fetch(url + "/?lang=es")
    assert '<html lang="es">' in index and "/g/GFMD?lang=es" in index and "/g/GMG?lang=es" in index


def test_admins_learn_how_to_get_the_feed_in_french_or_spanish(engine: Engine, group: Group) -> None:
    response = run(engine, "calendar")
    assert "&amp;lang=fr" in response.text and "&lang=es" in response.plain()
    assert "&lang=fr" in response.plain("fr") and "français" in response.plain("fr")


def test_the_built_package_carries_compiled_catalogs_and_leaves_the_checkout_alone(tmp_path: Path) -> None:
    before = sorted(LOCALE_DIR.rglob("*.mo"))
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for language in ("en", "fr", "es"):
        assert f"messages/locale/{language}/LC_MESSAGES/messages.mo" in names
        assert f"messages/locale/{language}/LC_MESSAGES/messages.po" in names
    assert sorted(LOCALE_DIR.rglob("*.mo")) == before


def test_a_channel_post_without_a_language_goes_out_in_english_without_asking_slack(
    engine: Engine, slack: FakeSlack
) -> None:
    env = make_env(engine, slack)
    now = env.clock.now
    # As a post recorded before channels had languages (migration 0007) is kept.
    legacy = Planned(
        "theme:legacy:CLEGACY1",
        "theme",
        "T1",
        "CLEGACY1",
        now,
        now + timedelta(hours=1),
        "written",
        {"text": "Old post"},
    )
    with Session(engine) as session:
        deliveries.record_events(session=session, group_id=env.group_id, planned=[legacy])
        session.commit()
    env.run_at(now)
    assert ("CLEGACY1", "Old post") in env.posts()
    assert slack.calls_to("users.info") == []
