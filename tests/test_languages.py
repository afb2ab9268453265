"""Answers in the reader's language: the catalogs are complete and faithful, nothing bypasses them,
and every edge (Slack, App Home, channel posts, the command line, the page, the feed) speaks the
language it should."""

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import Engine
from sqlmodel import Session

from handlers import handle_command, reasons
from handlers.reasons import reason_text
from messages import (
    At,
    Code,
    Countdown,
    Days,
    Lines,
    Names,
    Text,
    Translated,
    User,
    Users,
    Words,
    say,
)
from messages.catalog import CATALOG
from messages.languages import LANGUAGES, LOCALE_DIR, PSEUDO, PSEUDO_OPEN, of_accept_language, of_locale
from messages.render import render
from storage.models import Group
from tests.conftest import ADMIN, NOW, SIGNING_SECRET, RunningBot, workspace_terms
from tests.fakeslack import FakeSlack, event_body, post_signed
from tests.test_deliveries import HANDOVER, make_env
from tests.test_page import serving
from tests.test_slack_http import texts

PLACEHOLDER = re.compile(r"\{(\w+)\}")
CODE_SPAN = re.compile(r"`[^`]*`")


def po_entries(language: str) -> dict[str, Any]:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {m.context: m for m in read_po(po) if m.id}


# The catalogs


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_keeps_its_placeholders_and_code(language: str) -> None:
    entries = po_entries(language)
    problems = []
    for message_id, english in CATALOG.items():
        entry = entries.get(message_id)
        if entry is None:
            problems.append(f"{message_id}: missing")
            continue
        sources = (english["one"], english["other"]) if isinstance(english, dict) else (english,)
        translations = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if "fuzzy" in entry.flags or not all(translations):
            problems.append(f"{message_id}: fuzzy or empty")
            continue
        wanted = set(PLACEHOLDER.findall(" ".join(sources)))
        for translated in translations:
            if set(PLACEHOLDER.findall(translated)) != wanted:
                problems.append(f"{message_id}: placeholders {PLACEHOLDER.findall(translated)} not {wanted}")
            # What users type stays as typed: each code span of the English is in the translation.
            if not set(CODE_SPAN.findall(translated)) >= set(CODE_SPAN.findall(sources[-1])):
                problems.append(f"{message_id}: code spans changed in {translated!r}")
    assert not problems, "\n".join(problems)


def sample(name: str) -> Any:
    """A parameter value for a placeholder, of the kind its name suggests; words no language has."""
    day, instant = date(2011, 3, 15), datetime(2011, 7, 1, 7, tzinfo=UTC)
    samples: dict[str, Any] = {
        "count": 2,
        "days": Days(date(2011, 1, 1), date(2011, 6, 30)),
        "day": day,
        "at": At(instant, "Europe/Zurich"),
        "now": At(instant, "Europe/Zurich"),
        "countdown": Countdown(3),
        "when": Countdown(3),
        "chairs": Names(("ILO", "IOM")),
        "outgoing": Names(("UNHCR",)),
        "user": User("U0ANA"),
        "users": Users(("U0ANA", "U0BOB")),
        "lines": Lines((Text("code", {"code": "QQQ"}),)),
        "items": Words((Text("code", {"code": "QQQ"}),)),
    }
    return samples.get(name, Code("QQQ"))


def rendered_everywhere(language: str) -> dict[str, str]:
    shown = {}
    for message_id, english in CATALOG.items():
        sources = (english["one"], english["other"]) if isinstance(english, dict) else (english,)
        params = {name: sample(name) for name in PLACEHOLDER.findall(" ".join(sources))}
        for count in (1, 2) if isinstance(english, dict) else (2,):
            params["count"] = count
            shown[f"{message_id}/{count}"] = render(Text(message_id, params), "plain", language)
    return shown


# Words that are English and no French or Spanish word: one left in an answer is a string that
# was not translated.
ENGLISH = {
    "the",
    "and",
    "with",
    "from",
    "will",
    "not",
    "is",
    "are",
    "has",
    "have",
    "was",
    "this",
    "that",
    "which",
    "who",
    "what",
    "your",
    "please",
    "try",
    "again",
    "nothing",
    "every",
    "each",
    "only",
    "after",
    "before",
    "until",
    "days",
    "chair",
    "chairs",
    "chaired",
    "theme",
    "themes",
    "member",
    "members",
    "reminder",
    "reminders",
    "channel",
    "channels",
    "today",
    "tomorrow",
    "yesterday",
    "group",
    "groups",
    "of",
    "for",
    "by",
    "at",
    "it",
    "its",
    "be",
    "can",
    "cannot",
    "give",
    "name",
    "names",
    "takes",
    "take",
    "next",
    "set",
    "shown",
    "none",
    "yet",
    "been",
    "would",
    "should",
    "when",
    "where",
    "there",
    "here",
}


@pytest.mark.parametrize("language", ["fr", "es"])
def test_no_english_word_is_left_in_a_french_or_spanish_message(language: str) -> None:
    left = {}
    for key, text in rendered_everywhere(language).items():
        words = set(re.findall(r"[A-Za-z]+", re.sub(r":[a-z_]+:", "", CODE_SPAN.sub("", text))))
        english = {w for w in words if w.lower() in ENGLISH and w != w.upper()}
        if english:
            left[key] = (sorted(english), text)
    assert not left, "\n".join(f"{k}: {v}" for k, v in left.items())


def test_every_message_renders_in_every_language_and_in_each_flavour() -> None:
    for language in (*LANGUAGES, PSEUDO):
        shown = rendered_everywhere(language)
        assert len(shown) >= len(CATALOG)
    for message_id in CATALOG:
        render(
            Text(message_id, {n: sample(n) for n in PLACEHOLDER.findall(str(CATALOG[message_id]))}), "html"
        )


# Nothing bypasses the catalog: in the pseudo-language every line of an answer is marked.

QUESTIONS = [
    "",
    "help",
    "chair 2011-03-15",
    "chair 2015-06-01",
    "next",
    "theme 2011-H2",
    "schedule",
    "history 2011",
    "members",
    "rotation",
    "admin",
    "reminders",
    "settings",
    "groups",
    "subscriptions",
    "deliveries",
    "calendar",
    "chiar",
    "term set 2030 NOPE",
    "theme set",
    "settings timezone Mars/Olympus",
    "chair 2011-13-45",
    "member add",
]


def unmarked_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and PSEUDO_OPEN not in line]


@pytest.mark.parametrize("command", QUESTIONS)
def test_every_answer_comes_from_the_catalog(session: Session, group: Group, command: str) -> None:
    team_id = "T1"
    response = handle_command(
        session=session, team_id=team_id, text=command, user_id=ADMIN, is_admin=True, now=NOW, channel_id="C1"
    )
    for flavour in ("mrkdwn", "plain"):
        title, sections, footer = response.parts(flavour, PSEUDO)
        shown = "\n".join([title, *sections, footer])
        assert not unmarked_lines(shown), (command, shown)


# Languages as readers have them


def test_slack_locales_and_browser_languages() -> None:
    assert [of_locale(x) for x in ("fr-FR", "fr-CA", "es-ES", "es-419", "en-GB", "de-DE", "", None)] == [
        "fr",
        "fr",
        "es",
        "es",
        "en",
        "en",
        "en",
        "en",
    ]
    assert of_accept_language("de-DE,es;q=0.8,fr;q=0.9") == "fr"
    assert of_accept_language("es-MX, en;q=0.5") == "es"
    assert of_accept_language("de, it;q=0.8") == "en"
    assert of_accept_language("fr;q=0, es;q=0.1") == "es"
    assert of_accept_language("garbage;;q=x,,") == "en"


def test_days_instants_countdowns_and_lists_as_each_language_writes_them() -> None:
    text = say(
        "next.takes_over",
        count=2,
        chairs=Names(("FAO", "IOM")),
        at=At(datetime(2011, 1, 1, 8, tzinfo=UTC), "Europe/Zurich"),
        countdown=Countdown(1),
    )
    assert "*FAO* and *IOM*" in render(text) and "1 Jan 2011 at 09:00 CET" in render(text)
    assert "*FAO* et *IOM*" in render(text, language="fr") and "1 janv. 2011" in render(text, language="fr")
    assert "demain" in render(text, language="fr")
    assert "*FAO* y *IOM*" in render(text, language="es") and "1 ene 2011" in render(text, language="es")
    assert "mañana" in render(text, language="es")
    later = say("chair.starts", countdown=Countdown(3), at=At(datetime(2011, 9, 1, 7, tzinfo=UTC), "UTC"))
    assert "in 3 days" in render(later) and "1 Sep 2011" in render(later)
    assert "dans 3 jours" in render(later, language="fr")
    assert "3 días" in render(later, language="es")


def test_translated_words_fall_back_to_the_original() -> None:
    theme = Translated.of("Youth", {"fr": "Jeunesse", "es": ""})
    text = say(
        "theme.term", chairs=Names(("ILO",)), days=Days(date(2011, 1, 1), date(2011, 6, 30)), theme=theme
    )
    assert "Jeunesse" in render(text, language="fr")
    assert "Youth" in render(text, language="es") and "Youth" in render(text)


# Slack: the asker's language, from users.info with include_locale


def builtin_translation(bot: RunningBot, language: str, first_day: date) -> str:
    with Session(bot.services.engine) as session:
        term = next(t for t in workspace_terms(session) if t.first_day == first_day)
        return term.translations[language]["theme"]


def test_answers_in_the_askers_slack_language(bot: RunningBot) -> None:
    bot.slack.add_user("U0FRANCE", locale="fr-FR")
    bot.slack.add_user("U0ESPANA", locale="es-ES")
    bot.slack.add_user("U0ENGLISH", locale="en-GB")
    _, french = bot.command("chair 2011-03-15", user="U0FRANCE")
    _, spanish = bot.command("chair 2011-03-15", user="U0ESPANA")
    _, english = bot.command("chair 2011-03-15", user="U0ENGLISH")
    first = date(2011, 1, 1)
    assert "1 janv. au 30 juin 2011" in texts(french), texts(french)
    assert builtin_translation(bot, "fr", first) in texts(french)
    assert "1 ene al 30 jun 2011" in texts(spanish), texts(spanish)
    assert builtin_translation(bot, "es", first) in texts(spanish)
    assert "1 Jan to 30 Jun 2011" in texts(english) and "Youth and global migration" in texts(english)
    for answer in (french, spanish):
        share = next(b for b in answer["blocks"] if b["type"] == "actions")["elements"][0]["text"]["text"]
        assert share != "Share"
    asked = bot.slack.calls_to("users.info")
    assert asked and all(str(c.body.get("include_locale")).lower() in ("1", "true") for c in asked)
    # One lookup per user, shared with the admin check: asking again asks Slack nothing.
    before = len(asked)
    bot.command("term set 2031 ILO", user="U0FRANCE")
    bot.command("next", user="U0FRANCE")
    assert len(bot.slack.calls_to("users.info")) == before


def test_errors_and_help_are_in_the_askers_language(bot: RunningBot) -> None:
    bot.slack.add_user("U0FRANCE", locale="fr-FR")
    bot.slack.add_user("U0ESPANA", locale="es-ES")
    _, english = bot.command("chair 2011-13-45")
    for user in ("U0FRANCE", "U0ESPANA"):
        _, wrong = bot.command("chair 2011-13-45", user=user)
        _, refused = bot.command("term set 2031 ILO", user=user)
        _, guess = bot.command("chiar", user=user)
        _, helped = bot.command("help", user=user)
        assert "2011-13-45" in texts(wrong) and texts(wrong) != texts(english)
        assert "`/gmg chair`" in texts(guess) and "Did you mean" not in texts(guess)
        assert "Only GMG admins" not in texts(refused) and "GMG" in texts(refused)
        assert "`/gmg chair [WHEN]`" in texts(helped) or "/gmg chair" in texts(helped)
        assert "who chairs, the term" not in texts(helped)


def test_the_app_home_is_in_the_viewers_language(bot: RunningBot) -> None:
    bot.slack.add_user("U0FRANCE", locale="fr-FR", is_admin=True)
    body = event_body({"type": "app_home_opened", "user": "U0FRANCE", "channel": "D1", "tab": "home"})
    status, _, _ = post_signed(
        bot.url + "/slack/events", body, secret=SIGNING_SECRET, content_type="application/json"
    )
    assert status == 200
    view = bot.slack.wait_for("views.publish", count=1)[-1].body["view"]
    shown = view if isinstance(view, str) else json.dumps(view, ensure_ascii=False)
    assert "Chair now" not in shown and "Reminders" not in shown
    assert "gmg_open_term_modal" in shown


# Channel posts in the channel's language; direct messages in their reader's


def test_channel_posts_in_the_channels_language_and_dms_in_the_readers(
    engine: Engine, slack: FakeSlack
) -> None:
    env = make_env(engine, slack)
    slack.add_user("UFOCALA1", locale="es-ES")
    slack.add_user("UFOCALB1", locale="fr-CA")
    env.ask("subscribe <#CFRENCH1> reminders fr")
    env.run_at(HANDOVER - timedelta(days=7))
    posts = dict(env.posts())
    assert "handover in 7 days" in posts["CREMIND1"]
    assert "7 jours" in posts["CFRENCH1"] and "handover" not in posts["CFRENCH1"], posts["CFRENCH1"]
    assert "7 días" in posts["UFOCALA1"], posts["UFOCALA1"]
    assert "7 jours" in posts["UFOCALB1"]
    # Unknown to Slack: English.
    assert "handover in 7 days" in posts["UFOCALB2"]


def test_the_groups_language_is_the_default_of_its_channels(engine: Engine, slack: FakeSlack) -> None:
    env = make_env(engine, slack)
    assert env.ask("settings language fr").ok
    env.run_at(HANDOVER - timedelta(days=7))
    posts = dict(env.posts())
    assert "7 jours" in posts["CREMIND1"], posts["CREMIND1"]
    refused = env.ask("settings language xx")
    assert not refused.ok and "`en`, `fr`, `es`" in refused.text


def test_a_theme_post_goes_out_in_the_channels_language(engine: Engine, slack: FakeSlack) -> None:
    env = make_env(engine, slack)
    env.ask("subscribe <#CTHEMES2> themes es")
    env.clock.now = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
    assert env.ask("theme set 2027-H2 Land rights | Who owns it").ok
    env.run_at(env.clock.now)
    posts = dict(env.posts())
    assert "Land rights" in posts["CTHEMES1"] and "Land rights" in posts["CTHEMES2"]
    assert posts["CTHEMES1"] != posts["CTHEMES2"]
    assert "Theme" not in posts["CTHEMES2"]


# The command line


def gmg_bot(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "gmg-bot"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": database_url, **env},
        timeout=120,
    )


def test_the_command_line_answers_in_the_language_asked_for(database_url: str) -> None:
    french = gmg_bot(database_url, "ask", "--lang", "fr", "chair 2011-03-15")
    spanish = gmg_bot(database_url, "ask", "--lang", "es", "chair", "2011-03-15")
    default = gmg_bot(database_url, "ask", "chair", "2011-03-15", GMG_LANG="es")
    english = gmg_bot(database_url, "ask", "chair", "2011-03-15")
    assert french.returncode == spanish.returncode == english.returncode == 0, french.stderr
    assert "UNICEF" in french.stdout and "du 1 janv. au 30 juin 2011" in french.stdout, french.stdout
    assert "del 1 ene al 30 jun 2011" in spanish.stdout, spanish.stdout
    assert default.stdout == spanish.stdout
    assert "1 Jan to 30 Jun 2011" in english.stdout
    for out in (french.stdout, spanish.stdout):
        assert not {w for w in re.findall(r"[A-Za-z]+", out) if w in ENGLISH}, out
    refused = gmg_bot(database_url, "ask", "--lang", "de", "chair")
    assert refused.returncode == 2 and "`de`" in refused.stderr and "`en`, `fr`, `es`" in refused.stderr
    assert refused.stdout == ""


# The public page and the feed


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def test_the_page_speaks_the_language_asked_for_or_the_browsers(engine: Engine, group: Group) -> None:
    with serving(engine, public_page=True) as url:
        _, headers, english = fetch(url + "/")
        _, _, french = fetch(url + "/?lang=fr")
        _, spanish_headers, spanish = fetch(url + "/", **{"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"})
        _, _, chosen = fetch(url + "/?lang=fr", **{"Accept-Language": "es"})
        status, _, unknown = fetch(url + "/?lang=xx")
    assert '<html lang="en">' in english and '<html lang="fr">' in french and '<html lang="es">' in spanish
    assert '<html lang="fr">' in chosen
    assert spanish_headers["Content-Language"] == "es" and "Accept-Language" in headers["Vary"]
    for page_html in (english, french, spanish):
        assert 'hreflang="fr"' in page_html and 'hreflang="es"' in page_html and 'hreflang="en"' in page_html
    assert "Chair now" in english and "Chair now" not in french and "Chair now" not in spanish
    assert status == 400 and "`en`, `fr`, `es`" in unknown


def test_the_feed_speaks_the_language_of_its_address(engine: Engine, session: Session, group: Group) -> None:
    from storage import queries

    key = queries.calendar_key(session=session, group_id=group.id or 0, renew=False)
    session.commit()
    with serving(engine) as url:
        _, _, english = fetch(f"{url}/calendar.ics?key={key}")
        _, _, french = fetch(f"{url}/calendar.ics?key={key}&lang=fr")
        _, _, spanish = fetch(f"{url}/calendar.ics?key={key}&lang=es")
        status, _, unknown = fetch(f"{url}/calendar.ics?key={key}&lang=de")
    assert "chair" in english and english != french != spanish
    summaries = [line for line in french.splitlines() if line.startswith(("SUMMARY", "DESCRIPTION"))]
    assert summaries and not [line for line in summaries if "chair" in line.lower()], summaries
    assert status == 400 and "`de`" in unknown


# Why a delivery failed, in the reader's language


def test_every_delivery_reason_reads_back_as_a_message() -> None:
    due = datetime(2027, 7, 1, 7, tzinfo=UTC)
    written = {
        reasons.REPLANNED: "reason.replanned",
        reasons.RATE_LIMITED: "reason.rate_limited",
        reasons.too_late(due): "reason.too_late",
        reasons.connection_error("ConnectionResetError"): "reason.connection",
        reasons.slack_status(503): "reason.slack_status",
        reasons.not_json(200): "reason.not_json",
        reasons.missing_scope("missing_scope", "chat:write"): "reason.missing_scope",
        reasons.missing_scope("missing_scope", None): "reason.missing_scope",
        reasons.subscription_ended("channel_not_found"): "reason.subscription_ended",
        reasons.still_failing(reasons.slack_status(500), 5): "reason.still_failing",
        "channel_not_found": "code",
    }
    for reason, message_id in written.items():
        text = reason_text(reason, "Europe/Zurich")
        assert text.id == message_id, reason
        french = render(text, "plain", "fr")
        assert not {w for w in re.findall(r"[A-Za-z]+", CODE_SPAN.sub("", french)) if w in ENGLISH}, french
    assert "09:00" in render(reason_text(reasons.too_late(due), "Europe/Zurich"), "plain", "es")
