"""Languages as data: the group's language, a channel's, translated themes and members' names, in
commands, answers, planned deliveries and YAML (NOW is 15 Mar 2011, in the built-in GMG record)."""

from datetime import date, timedelta
from typing import Any

import pytest
import yaml
from sqlmodel import Session, select

from handlers import Response
from handlers.home import home_groups
from handlers.notices import planned_deliveries
from handlers.response import Part
from messages import Text, Translated, decode
from messages.render import render
from storage import queries
from storage.documents import ImportError_, dump_yaml, parse_document
from storage.models import AuditEntry, Delivery, Group, Member, Term
from storage.transfer import BUILT_IN, export_document, import_document, import_documents
from tests.conftest import ADMIN, MEMBER, NOW, Asker, default_group_id, workspace_group

LANGUAGES_LISTED = "use one of `en`, `fr`, `es`"


def shown(response: Response, language: str) -> str:
    """The answer as plain text in `language`, as an edge renders it (French's no-break spaces as
    spaces)."""
    parts: list[Part] = [response.title, *response.sections, response.footer]
    text = "\n".join(render(p, "plain", language) if isinstance(p, Text) else p for p in parts)
    return text.replace("\xa0", " ").replace("\u202f", " ")


def snapshot(session: Session) -> dict[str, Any]:
    return export_document(session=session, group=workspace_group(session))


def audit_count(session: Session) -> int:
    return queries.count_audit_entries(session=session, group_id=default_group_id(session))


def last_audit(session: Session) -> AuditEntry:
    return queries.list_audit_entries(session=session, group_id=default_group_id(session), limit=1)[0]


def term_starting(session: Session, first_day: date) -> Term:
    term = queries.term_on_or_before(session=session, group_id=default_group_id(session), day=first_day)
    assert term is not None and term.first_day == first_day
    session.refresh(term)
    return term


def refused(ask: Asker, session: Session, command: str, problem: str) -> None:
    before, count = snapshot(session), audit_count(session)
    response = ask(command)
    assert response.ok is False and response.changed is False, command
    assert problem in response.text, (command, response.text)
    assert snapshot(session) == before, command
    assert audit_count(session) == count, command


# The built-in record, translated


def test_a_chair_answer_in_french_spanish_and_english(ask: Asker) -> None:
    response = ask("chair 2011-03-15")
    french = shown(response, "fr")
    assert "UNICEF (Fonds des Nations Unies pour l'enfance)" in french
    assert "Les jeunes et les migrations mondiales" in french
    assert "Approche fondée sur les droits" in french
    assert "Youth and global migration" not in french
    spanish = shown(response, "es")
    assert "UNICEF (Fondo de las Naciones Unidas para la Infancia)" in spanish
    assert "La juventud y la migración mundial" in spanish
    english = shown(response, "en")
    assert "UNICEF (UN Children's Fund)" in english
    assert "Youth and global migration" in english and "Rights-based approach" in english
    assert "migrations mondiales" not in english
    # mrkdwn too: the translation is user text, in bold as the theme is.
    theme = response.sections[2]
    assert isinstance(theme, Text)
    assert "*Les jeunes et les migrations mondiales*" in render(theme, "mrkdwn", "fr")


def test_every_built_in_member_has_its_french_and_spanish_name(session: Session, group: Group) -> None:
    members = queries.list_members(session=session, group_id=default_group_id(session))
    assert len(members) == 18
    for member in members:
        assert set(member.names) == {"fr", "es"}, member.code
        assert all(member.names.values()), member.code
    by_code = {m.code: m for m in members}
    assert by_code["ILO"].names == {
        "fr": "Organisation internationale du Travail",
        "es": "Organización Internacional del Trabajo",
    }
    assert by_code["World Bank"].names == {"fr": "Banque mondiale", "es": "Banco Mundial"}
    # The English stays as it was.
    assert by_code["UNICEF"].name == "UN Children's Fund"


def test_the_2011_themes_are_translated(session: Session, group: Group) -> None:
    h2 = term_starting(session, date(2011, 7, 1))
    assert h2.theme == "Climate change and global migration"
    assert h2.translations["fr"]["theme"] == "Changements climatiques et migrations mondiales"
    assert h2.translations["es"]["theme"] == "El cambio climático y la migración mundial"
    assert all(t["description"] for t in h2.translations.values())


def test_without_a_translation_the_original_is_shown(ask: Asker) -> None:
    # 2010 H2 has a theme in English only.
    french = shown(ask("theme 2010-H2"), "fr")
    assert "Human rights of migrants" in french
    assert "Principals' joint statement" in french
    # A member added without names has its name in every language.
    assert ask("member add IFAD International Fund for Agricultural Development").ok
    assert "IFAD : International Fund for Agricultural Development" in shown(ask("members"), "fr")


def test_members_schedule_and_history_show_the_translations(ask: Asker) -> None:
    assert "UNHCR : Haut-Commissariat des Nations Unies pour les réfugiés" in shown(ask("members"), "fr")
    assert "Changements climatiques et migrations mondiales" in shown(ask("schedule"), "fr")
    assert "La juventud y la migración mundial" in shown(ask("history 2011"), "es")
    assert "El cambio climático y la migración mundial" in shown(ask("next"), "es")


def test_a_translated_parameter_is_kept_whole_in_a_stored_message(ask: Asker, session: Session) -> None:
    # Deliveries hold their messages as JSON and are rendered when sent: the translations go with them.
    ask("subscribe <#C0THEMES1> themes")
    row = session.exec(
        select(Delivery).where(Delivery.kind == "announcement", Delivery.target == "C0THEMES1")
    ).first()
    assert row is not None
    sections = [decode(s) for s in row.params["sections"]]
    theme = sections[1].params["theme"].params["theme"]
    assert isinstance(theme, Translated) and theme.original == "Climate change and global migration"
    assert "Changements climatiques" in render(sections[1], "plain", "fr")


# /gmg settings language


def test_settings_language_set_shown_and_audited(ask: Asker, session: Session) -> None:
    assert "Language of channel posts: English" in ask("settings", user=MEMBER, admin=False).text
    count = audit_count(session)
    response = ask("settings language fr")
    assert response.ok and response.changed
    assert "Channel posts are now in French" in response.text
    assert workspace_group(session).language == "fr"
    assert audit_count(session) == count + 1
    entry = last_audit(session)
    assert (entry.before["language"], entry.after["language"]) == ("en", "fr")
    assert entry.action == "settings language fr"
    assert "Language of channel posts: French" in ask("settings", user=MEMBER, admin=False).text
    assert ask("SETTINGS LANGUAGE ES").ok
    assert workspace_group(session).language == "es"


@pytest.mark.parametrize("word", ["xx", "de", "french", "e"])
def test_settings_language_refuses_what_it_does_not_speak(ask: Asker, session: Session, word: str) -> None:
    refused(
        ask, session, f"settings language {word}", f"`{word}` is not a language I speak; {LANGUAGES_LISTED}."
    )
    assert workspace_group(session).language == "en"


def test_language_changes_are_for_admins(ask: Asker, session: Session) -> None:
    for command in (
        "settings language fr",
        "subscribe <#C0123ABCD> fr",
        "theme translate fr Les jeunes",
        "theme translate 2011-H2 es Clima | Algo",
    ):
        before, count = snapshot(session), audit_count(session)
        response = ask(command, user=MEMBER, admin=False)
        assert response.ok is False and "Only" in response.text and "GMG" in response.text, command
        assert snapshot(session) == before and audit_count(session) == count, command


# /gmg subscribe ... LANGUAGE


def subscription_languages(session: Session) -> dict[tuple[str, str], str | None]:
    return {
        (s.channel_id, s.kind): s.language
        for s in queries.list_subscriptions(session=session, group_id=default_group_id(session))
    }


def test_subscribe_with_a_language(ask: Asker, session: Session) -> None:
    count = audit_count(session)
    response = ask("subscribe <#C0123ABCD|gmg> themes es")
    assert response.ok
    assert "<#C0123ABCD> now follows: themes, in Spanish." in response.text
    assert subscription_languages(session) == {("C0123ABCD", "themes"): "es"}
    entry = last_audit(session)
    assert audit_count(session) == count + 1
    assert entry.before == {"channel": "C0123ABCD", "kinds": []}
    assert entry.after == {"channel": "C0123ABCD", "kinds": ["themes"], "language": "es"}
    # The language word goes anywhere; without one the channel keeps its language.
    assert ask("subscribe reminders <#C0123ABCD>").ok
    assert subscription_languages(session) == {
        ("C0123ABCD", "reminders"): "es",
        ("C0123ABCD", "themes"): "es",
    }
    # Subscribing again with another language changes it, for every kind the channel follows.
    response = ask("subscribe FR <#C0123ABCD>")
    assert response.ok and "now follows: reminders, themes, in French." in response.text
    assert subscription_languages(session) == {
        ("C0123ABCD", "reminders"): "fr",
        ("C0123ABCD", "themes"): "fr",
    }
    assert last_audit(session).before["language"] == "es"
    # The same again changes nothing.
    refused(
        ask,
        session,
        "subscribe <#C0123ABCD> fr",
        "Nothing to change: <#C0123ABCD> follows reminders, themes.",
    )
    # A channel without a language of its own follows the group's.
    assert ask("subscribe <#C0OTHER01> reminders").ok
    assert subscription_languages(session)[("C0OTHER01", "reminders")] is None
    assert "now follows: reminders, in French." in ask("unsubscribe <#C0123ABCD> themes").text


@pytest.mark.parametrize(
    "command", ["subscribe <#C0123ABCD> de", "subscribe de <#C0123ABCD>", "subscribe <#C0123ABCD> all zz"]
)
def test_subscribe_refuses_an_unknown_language(ask: Asker, session: Session, command: str) -> None:
    assert ask("subscribe <#C0123ABCD> reminders").ok
    refused(ask, session, command, f"is not a language I speak; {LANGUAGES_LISTED}.")


def test_the_app_home_lists_a_channels_language(ask: Asker, session: Session) -> None:
    assert ask("subscribe <#C0123ABCD> reminders fr").ok
    assert ask("subscribe <#C0THEMES1> themes").ok
    session.commit()
    home = home_groups(session=session, team_id="T1", user_id=ADMIN, is_admin=True, now=NOW)[0]
    assert isinstance(home.channels, Text)
    listed = render(home.channels, "plain", "en")
    assert "#C0123ABCD (reminders; in French)" in listed
    assert "#C0THEMES1 (themes)" in listed


# /gmg theme translate


def test_theme_translate_stores_and_shows_the_translation(ask: Asker, session: Session) -> None:
    count = audit_count(session)
    command = "theme translate 2010-H2 fr Les droits humains des migrants | Déclaration commune"
    response = ask(command)
    assert response.ok and response.changed
    assert "Human rights of migrants*, in French: *Les droits humains des migrants*" in response.text
    term = term_starting(session, date(2010, 7, 1))
    assert term.translations == {
        "fr": {"theme": "Les droits humains des migrants", "description": "Déclaration commune"}
    }
    assert term.theme == "Human rights of migrants"
    assert audit_count(session) == count + 1
    entry = last_audit(session)
    assert (entry.user_id, entry.action, entry.before) == (ADMIN, command, None)
    assert entry.after == {
        "first_day": "2010-07-01",
        "last_day": "2010-12-31",
        "language": "fr",
        "theme": "Les droits humains des migrants",
        "description": "Déclaration commune",
    }
    french = shown(ask("theme 2010-H2"), "fr")
    assert "Les droits humains des migrants" in french and "Déclaration commune" in french
    assert "Human rights of migrants" in shown(ask("theme 2010-H2"), "en")
    # Spanish readers have no translation: the original.
    assert "Human rights of migrants" in shown(ask("theme 2010-H2"), "es")


def test_theme_translate_without_a_period_takes_the_current_term(ask: Asker, session: Session) -> None:
    assert ask("theme translate es Jóvenes").ok
    term = term_starting(session, date(2011, 1, 1))
    kept = (
        "Enfoque basado en los derechos respecto de los adolescentes y los jóvenes en la migración "
        "internacional."
    )
    assert term.translations["es"] == {"theme": "Jóvenes", "description": kept}
    # Replacing a translation keeps the other language's, and the audit shows what it was.
    assert term.translations["fr"]["theme"] == "Les jeunes et les migrations mondiales"
    assert last_audit(session).before["theme"] == "La juventud y la migración mundial"
    # A translation given without a description keeps the translated description it had.
    assert "Enfoque basado" in shown(ask("chair"), "es")
    assert "Jóvenes" in shown(ask("chair"), "es")


def test_theme_translate_refusals(ask: Asker, session: Session) -> None:
    for command, problem in [
        ("theme translate en Youth", "`en` is the language the theme itself is written in"),
        ("theme translate EN Youth", "`en` is the language the theme itself is written in"),
        ("theme translate de Jugend", f"`de` is not a language I speak; {LANGUAGES_LISTED}."),
        ("theme translate 2011-H1 xx Titre", f"`xx` is not a language I speak; {LANGUAGES_LISTED}."),
        ("theme translate fr", "Give the translated title: `/gmg theme translate [PERIOD] fr TITLE"),
        ("theme translate fr | seulement une description", "Give the translated title"),
        ("theme translate 2011-H1 fr", "Give the translated title"),
        ("theme translate", "Give the language and the translated title"),
        ("theme translate 2011-H1", "Give the language and the translated title"),
        ("theme translate 2010-H1 fr Titre", "The term 1 Jan to 30 Jun 2010 has no theme to translate yet"),
        ("theme translate 2011 fr Deux", "2011 covers 2 terms; name one term"),
        ("theme translate 2015 fr Rien", "2015 covers no term"),
        ("theme translate fr " + "x" * 151, "The theme title is 151 characters long; keep it to 150."),
        ("theme translate fr Titre | " + "y" * 3001, "The description is 3001 characters long"),
        ("theme tranlsate fr Titre", "Did you mean `/gmg theme translate`?"),
    ]:
        refused(ask, session, command, problem)


def test_a_new_theme_drops_the_translations_of_the_old_one(ask: Asker, session: Session) -> None:
    response = ask("theme set 2011-H1 Young migrants | New description")
    assert response.ok
    assert "its translations (Spanish, French) were removed" in response.text
    term = term_starting(session, date(2011, 1, 1))
    assert term.translations == {}
    assert "Young migrants" in shown(ask("chair"), "fr")
    # The same theme again keeps translations; a term set that changes the theme drops them.
    assert ask("theme translate fr Jeunes migrants").ok
    assert "removed" not in ask("theme set 2011-H1 Young migrants | New description").text
    assert term_starting(session, date(2011, 1, 1)).translations != {}
    assert ask("term set 2011-H2 UNESCO Climate change and global migration").ok
    assert term_starting(session, date(2011, 7, 1)).translations != {}
    response = ask("term set 2011-H2 UNESCO Climate")
    assert "were removed" in response.text
    assert term_starting(session, date(2011, 7, 1)).translations == {}


# Planned deliveries carry the channel's language


def test_planned_deliveries_are_in_the_channels_or_the_groups_language(ask: Asker, session: Session) -> None:
    assert ask("subscribe <#C0REMIND1> reminders").ok
    assert ask("subscribe <#C0THEMES1> themes es").ok
    assert ask("focal UNESCO <@U0FOCAL1>").ok
    assert ask("settings topic <#C0TOPIC01>").ok
    group = workspace_group(session)
    planned = planned_deliveries(session=session, group=group, now=NOW)
    languages = {(p.kind, p.target): p.language for p in planned}
    assert languages[("reminder", "C0REMIND1")] == "en"
    assert languages[("announcement", "C0THEMES1")] == "es"
    assert languages[("topic", "C0TOPIC01")] == "en"
    # A direct message is in its reader's own language, which the sender asks Slack for.
    assert languages[("reminder", "U0FOCAL1")] is None

    # The group's language re-plans what is pending, in the same transaction.
    assert ask("settings language fr").ok
    rows = session.exec(
        select(Delivery).where(Delivery.group_id == group.id, Delivery.state == "pending")
    ).all()
    by_target = {(d.kind, d.target): d.language for d in rows}
    assert by_target[("reminder", "C0REMIND1")] == "fr"
    assert by_target[("announcement", "C0THEMES1")] == "es"
    assert by_target[("topic", "C0TOPIC01")] == "fr"
    assert by_target[("reminder", "U0FOCAL1")] is None
    # A channel that chooses a language gets its pending posts re-planned in it.
    assert ask("subscribe <#C0REMIND1> es").ok
    rows = session.exec(
        select(Delivery).where(Delivery.target == "C0REMIND1", Delivery.state == "pending")
    ).all()
    assert rows and {d.language for d in rows} == {"es"}


def test_theme_posts_and_change_notices_are_in_the_channels_language(ask: Asker, session: Session) -> None:
    assert ask("settings language es").ok
    assert ask("subscribe <#C0THEMES1> themes fr").ok
    assert ask("subscribe <#C0THEMES2> themes").ok
    assert ask("subscribe <#C0REMIND1> reminders").ok
    assert ask("theme set 2011-H1 Youth and global migration | Adolescents").ok
    posts = session.exec(select(Delivery).where(Delivery.kind == "theme")).all()
    assert {d.target: d.language for d in posts} == {"C0THEMES1": "fr", "C0THEMES2": "es"}
    assert ask("term set 2011-H1 UNICEF+ILO").ok
    changes = session.exec(select(Delivery).where(Delivery.kind == "change")).all()
    assert {d.target: d.language for d in changes} == {"C0REMIND1": "es"}


def test_a_theme_post_shows_the_translation_where_there_is_one(ask: Asker, session: Session) -> None:
    assert ask("subscribe <#C0THEMES1> themes").ok
    # The term keeps its title, so its translations stay: the post carries them.
    assert ask(
        "theme set 2011-H2 Climate change and global migration | Links between the environment, "
        "human settlement and population movement."
    ).ok
    post = session.exec(select(Delivery).where(Delivery.kind == "theme")).one()
    first = decode(post.params["sections"][0])
    assert "Changements climatiques et migrations mondiales" in render(first, "mrkdwn", "fr")
    assert "Climate change and global migration" in render(first, "mrkdwn", "en")


# YAML


TRANSLATED = """
group: {name: Groupe, short_name: GRP, language: fr}
members:
  - {code: AAA, name: Agency A, names: {fr: Agence A, es: Agencia A}}
  - {code: BBB, name: Agency B}
terms:
  - first_day: 2030-01-01
    last_day: 2030-12-31
    chairs: [AAA]
    theme: Water
    description: All of it
    translations:
      fr: {theme: L'eau, description: Toute l'eau}
      es: {theme: El agua}
subscriptions:
  - {channel: C0123ABCD, kinds: [reminders, themes], language: es}
  - {channel: C0THEMES1, kinds: [themes]}
"""


def test_yaml_round_trip_of_languages_and_translations(ask: Asker, session: Session) -> None:
    group = workspace_group(session)
    import_document(session=session, group=group, team_id="T1", doc=parse_document(TRANSLATED), replace=True)
    session.commit()
    assert group.language == "fr"
    members = {m.code: m for m in queries.list_members(session=session, group_id=default_group_id(session))}
    assert members["AAA"].names == {"fr": "Agence A", "es": "Agencia A"}
    assert members["BBB"].names == {}
    term = term_starting(session, date(2030, 1, 1))
    assert term.translations == {
        "fr": {"theme": "L'eau", "description": "Toute l'eau"},
        "es": {"theme": "El agua", "description": ""},
    }
    assert subscription_languages(session) == {
        ("C0123ABCD", "reminders"): "es",
        ("C0123ABCD", "themes"): "es",
        ("C0THEMES1", "themes"): None,
    }
    exported = export_document(session=session, group=group)
    assert exported["group"]["language"] == "fr"
    assert exported["members"][0]["names"] == {"fr": "Agence A", "es": "Agencia A"}
    assert "names" not in exported["members"][1]
    assert exported["terms"][0]["translations"] == {
        "fr": {"theme": "L'eau", "description": "Toute l'eau"},
        "es": {"theme": "El agua"},
    }
    assert exported["subscriptions"] == [
        {"channel": "C0123ABCD", "kinds": ["reminders", "themes"], "language": "es"},
        {"channel": "C0THEMES1", "kinds": ["themes"]},
    ]
    # Export, import into another workspace, export again: the same document.
    text = dump_yaml(exported)
    import_documents(
        session=session,
        team_id="T3",
        docs=[parse_document(text)],
        replace=True,
        user_id=ADMIN,
        now=NOW,
        action="import",
    )
    session.commit()
    assert dump_yaml(export_document(session=session, group=workspace_group(session, "T3"))) == text
    # French readers see the translations that came in.
    assert "L'eau" in shown(ask("theme 2030"), "fr") and "Agence A" in shown(ask("members"), "fr")
    assert "El agua" in shown(ask("theme 2030"), "es") and "All of it" in shown(ask("theme 2030"), "es")


def test_a_merge_without_a_language_keeps_the_groups(ask: Asker, session: Session) -> None:
    exported = export_document(session=session, group=workspace_group(session))
    assert exported["group"]["language"] == "en"
    assert ask("settings language es").ok
    assert export_document(session=session, group=workspace_group(session))["group"]["language"] == "es"
    import_document(
        session=session,
        group=workspace_group(session),
        team_id="T1",
        doc=parse_document("group: {name: Global Migration Group}\n"),
        replace=False,
    )
    assert workspace_group(session).language == "es"


def test_the_built_in_record_round_trips_with_its_translations(session: Session, group: Group) -> None:
    text = dump_yaml(export_document(session=session, group=group))
    document = yaml.safe_load(text)
    assert all("names" in m for m in document["members"])
    assert [t["first_day"] for t in document["terms"] if "translations" in t] == [
        date(2011, 1, 1),
        date(2011, 7, 1),
    ]
    built_in = parse_document(BUILT_IN.read_text(encoding="utf-8"))
    built_in.members.sort(key=lambda m: m.code)
    assert parse_document(text) == built_in


BASE = "group: {name: X}\nmembers:\n  - {code: AAA, name: A}\n"
TERM = "terms:\n  - {first_day: 2030-01-01, last_day: 2030-12-31, chairs: [AAA], theme: Water, "


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ("group: {name: X, language: xx}\n", "group: language: unknown language 'xx'; use one of en, fr, es"),
        ("group: {name: X, language: 7}\n", "group: language: write the language as one of en, fr, es"),
        (
            "group: {name: X}\nmembers:\n  - {code: AAA, name: A, names: {de: Agentur}}\n",
            "members[0] (AAA): names: unknown language 'de'; use one of en, fr, es",
        ),
        (
            "group: {name: X}\nmembers:\n  - {code: AAA, name: A, names: {en: Agency}}\n",
            "members[0] (AAA): names: 'en' is the original's language",
        ),
        (
            "group: {name: X}\nmembers:\n  - {code: AAA, name: A, names: {fr: 12}}\n",
            "members[0] (AAA): names.fr: Input should be a valid string",
        ),
        (
            "group: {name: X}\nmembers:\n  - {code: AAA, name: A, names: {fr: ''}}\n",
            "members[0] (AAA): names.fr: String should have at least 1 character",
        ),
        (
            "group: {name: X}\nmembers:\n  - {code: AAA, name: A, names: [Agence]}\n",
            "members[0] (AAA): names: Input should be a valid dictionary",
        ),
        (
            BASE + TERM + "translations: {xx: {theme: T}}}\n",
            "terms[0] (2030-01-01): translations: unknown language 'xx'",
        ),
        (BASE + TERM + "translations: {fr: {theme: ''}}}\n", "terms[0] (2030-01-01): translations.fr.theme:"),
        (BASE + TERM + "translations: {fr: {description: D}}}\n", "translations.fr.theme: Field required"),
        (
            BASE + TERM + "translations: {fr: {theme: [T]}}}\n",
            "translations.fr.theme: Input should be a valid string",
        ),
        (
            BASE + TERM + "translations: {fr: {theme: T, colour: red}}}\n",
            "translations.fr.colour: unknown key",
        ),
        (BASE + TERM + "translations: {fr: L'eau}}\n", "translations.fr: Input should be a valid dictionary"),
        (
            BASE + TERM.replace("theme: Water, ", "") + "translations: {fr: {theme: T}}}\n",
            "terms[0] (2030-01-01): translations are given but the term has no theme to translate",
        ),
        (
            BASE + "subscriptions:\n  - {channel: C0123ABCD, kinds: [themes], language: de}\n",
            "subscriptions[0] (C0123ABCD): language: unknown language 'de'",
        ),
    ],
)
def test_bad_languages_in_a_document_are_refused(
    session: Session, group: Group, document: str, problem: str
) -> None:
    before = snapshot(session)
    with pytest.raises(ImportError_) as raised:
        import_document(
            session=session, group=group, team_id="T1", doc=parse_document(document), replace=True
        )
    assert problem in str(raised.value)
    assert snapshot(session) == before


def test_a_member_re_added_keeps_its_names(ask: Asker, session: Session) -> None:
    assert ask("member remove UNU").ok
    assert ask("member add UNU United Nations University").ok
    member = session.exec(select(Member).where(Member.code == "UNU")).one()
    assert member.names["fr"] == "Université des Nations Unies"
    assert "Université des Nations Unies" in shown(ask("members"), "fr")


def test_the_topic_is_planned_in_the_topic_channels_language(ask: Asker, session: Session) -> None:
    assert ask("subscribe <#C0TOPIC01> reminders es").ok
    assert ask("settings topic <#C0TOPIC01>").ok
    planned = planned_deliveries(session=session, group=workspace_group(session), now=NOW + timedelta(days=1))
    assert {p.language for p in planned if p.target == "C0TOPIC01"} == {"es"}
