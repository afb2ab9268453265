"""The `gmg-bot` command line."""

import logging
import os
import stat
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import click
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlmodel import Session

from bot.logs import redact, setup_logging
from bot.manifest import manifest_yaml
from bot.runner import serve
from bot.settings import SettingError, Settings, check_slack_settings, load_settings
from handlers import calendar, handle_command
from handlers.registry import COMMANDS
from handlers.response import shown
from messages.languages import LANGUAGES, UnknownLanguage, check_language, unknown_language
from messages.render import render
from storage import groups
from storage.db import BATCH, SERVING, is_unavailable, make_engine, upgrade
from storage.documents import ImportError_, dump_yaml, dump_yaml_documents, iter_documents
from storage.models import Group
from storage.transfer import ensure_workspace, export_document, import_documents

LOCAL_OPERATOR = "operator"


def fail(message: str, secrets: Iterable[str] = ()) -> NoReturn:
    click.echo(redact(f"gmg-bot: {message}", secrets), err=True)
    sys.exit(2)


def known_secrets() -> list[str]:
    try:
        return load_settings().secrets
    except SettingError:
        return []


def settings_or_fail() -> Settings:
    try:
        return load_settings()
    except SettingError as exc:
        fail(str(exc))


def migrated_engine(settings: Settings, *, answer_within: float = BATCH) -> Engine:
    """The database, migrated. The command line may wait a while for it; `run` serves Slack and waits
    only as long as Slack does (storage.db.SERVING)."""
    engine = make_engine(settings.database_url, answer_within=answer_within)
    upgrade(engine)
    return engine


class Commands(click.Group):
    """Every command stops with one line, not a traceback, when the database cannot be reached."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SQLAlchemyError as exc:
            if not is_unavailable(exc):
                raise
            orig = exc.orig if isinstance(exc, DBAPIError) else None
            reason = (str(orig).strip().splitlines() or [""])[0] if orig else type(exc).__name__
            fail(f"cannot reach the database of DATABASE_URL: {reason}", secrets=known_secrets())


def workspace(session: Session, settings: Settings, team: str | None) -> str:
    """The workspace the CLI works on: --team, GMG_TEAM_ID, the only one there is, or `local`."""
    try:
        chosen = groups.chosen_team_id(session=session, team_id=team or settings.gmg_team_id)
    except groups.SeveralWorkspaces as exc:
        fail(f"this database serves several workspaces ({exc}); choose one with --team")
    return chosen or groups.LOCAL


def chosen_group(
    session: Session, settings: Settings, team: str | None, group: str | None
) -> tuple[str, Group]:
    """The workspace and the group the CLI works on: --group, else the workspace's default group."""
    team_id = workspace(session, settings, team)
    default = ensure_workspace(session=session, team_id=team_id, seed=settings.seed, now=datetime.now(UTC))
    if not group:
        return team_id, default
    found = groups.find_group(session=session, team_id=team_id, short_name=group)
    if found is None:
        names = ", ".join(g.short_name for g in groups.workspace_groups(session=session, team_id=team_id))
        fail(f"--group {group}: no such group in workspace {team_id} (its groups: {names})")
    return team_id, found


def _commands_help() -> str:
    """The /gmg commands, from the registry, for `gmg-bot ask --help`."""
    lines = [f"  {form.usage}" for command in COMMANDS for form in command.forms]
    return (
        "\b\nCommands (the same as /gmg in Slack; admins' ones need --user unset or in GMG_ADMINS):\n"
        + "\n".join(lines)
    )


def chosen_language(settings: Settings, language: str | None) -> str:
    """--lang, else GMG_LANG; a language the bot does not speak is refused with the ones it does."""
    if language is None:
        return settings.gmg_lang
    try:
        return check_language(language)
    except UnknownLanguage as exc:
        fail(f"--lang: {render(unknown_language(exc.word), 'plain')}")


GROUP_HELP = "The group (its short name); default: the workspace's default group."
LANG_HELP = f"The language of the words ({', '.join(LANGUAGES)}); default GMG_LANG, else en."


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """gmg-bot: who chairs the group, when, and on what theme."""


@main.command(context_settings={"ignore_unknown_options": True}, epilog=_commands_help())
@click.option("--user", help="Ask as this Slack user id (default: the local operator, an admin).")
@click.option("--now", "now_text", help="Pretend it is this ISO date or datetime (group's timezone).")
@click.option("--team", help="Workspace (Slack team id); default GMG_TEAM_ID or the only one.")
@click.option("--group", "group_name", help=GROUP_HELP)
@click.option("--lang", "language", help=LANG_HELP)
@click.argument("text", nargs=-1)
def ask(
    user: str | None,
    now_text: str | None,
    team: str | None,
    group_name: str | None,
    language: str | None,
    text: tuple[str, ...],
) -> None:
    """Run a /gmg command, e.g. gmg-bot ask chair 2011-03-15, or gmg-bot ask --lang fr chair."""
    settings = settings_or_fail()
    language = chosen_language(settings, language)
    engine = migrated_engine(settings)
    with Session(engine) as session:
        team_id, group = chosen_group(session, settings, team, group_name)
        now = parse_now(now_text, group.timezone) if now_text else datetime.now(UTC)
        user_id = user or LOCAL_OPERATOR
        is_admin = user is None or user in settings.admin_ids
        # --group is the group word of the command line: `ask --group GFMD chair` is `/gmg GFMD chair`.
        words = [group.short_name, *text] if group_name else list(text)
        response = handle_command(
            session=session,
            team_id=team_id,
            text=" ".join(words),
            user_id=user_id,
            is_admin=is_admin,
            operator=is_admin,
            now=now,
            public_base_url=settings.public_base_url or None,
        )
    if not response.ok:
        fail(" ".join(shown(p, "plain", language) for p in response.sections))
    click.echo(response.plain(language))


def parse_now(text: str, timezone: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--now {text!r} is not an ISO date or datetime, e.g. 2011-03-15 or 2011-03-15T09:30")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.astimezone(UTC)


# The whole GMG record is a few kilobytes; 100,000 terms about 10 MB.
MAX_IMPORT_BYTES = 64 * 1024 * 1024


def read_import(file: Path) -> str:
    """The file's text; a device, a pipe or a file past MAX_IMPORT_BYTES is refused before reading
    (a FIFO would block, /dev/zero never ends)."""
    try:
        info = file.stat()
        if not stat.S_ISREG(info.st_mode):
            fail(f"cannot read {file}: not a regular file")
        if info.st_size > MAX_IMPORT_BYTES:
            size, most = info.st_size // 2**20, MAX_IMPORT_BYTES // 2**20
            fail(f"{file} is {size} MB; the most an import takes is {most} MB")
        with file.open("rb") as handle:
            return handle.read(MAX_IMPORT_BYTES + 1)[:MAX_IMPORT_BYTES].decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file}: {exc}")


@main.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace each group's data instead of merging into it.")
@click.option("--team", help="Workspace (Slack team id); default GMG_TEAM_ID or the only one.")
def import_command(file: Path, replace: bool, team: str | None) -> None:
    """Import groups from a YAML file: one document per group (`---` between them), each going to the
    group of its `group.short_name`, made if need be. Checked whole first; nothing changes on error."""
    settings = settings_or_fail()
    text = read_import(file)
    engine = migrated_engine(settings)
    with Session(engine) as session:
        team_id = workspace(session, settings, team)
        try:
            imported = import_documents(
                session=session,
                team_id=team_id,
                docs=iter_documents(text),
                replace=replace,
                user_id=LOCAL_OPERATOR,
                now=datetime.now(UTC),
                action=f"import {file.name}{' --replace' if replace else ''}",
            )
        except ImportError_ as exc:
            session.rollback()
            fail(f"{file}: {exc}; nothing was imported")
        session.commit()
        for group, members, terms in imported:
            click.echo(f"Imported {members} members and {terms} terms into {group.short_name} ({team_id}).")


@main.command("export")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--team", help="Workspace (Slack team id); default GMG_TEAM_ID or the only one.")
@click.option("--group", "group_name", help=GROUP_HELP)
@click.option("--all", "every", is_flag=True, help="Every group of the workspace, one YAML document each.")
def export_command(file: Path | None, team: str | None, group_name: str | None, every: bool) -> None:
    """Export a group as YAML (or every group with --all), to FILE or to standard output."""
    if every and group_name:
        fail("give --group or --all, not both")
    settings = settings_or_fail()
    engine = migrated_engine(settings)
    with Session(engine) as session:
        team_id, group = chosen_group(session, settings, team, group_name)
        if every:
            chosen = groups.workspace_groups(session=session, team_id=team_id)
            text = dump_yaml_documents([export_document(session=session, group=g) for g in chosen])
        else:
            text = dump_yaml(export_document(session=session, group=group))
    write_output(file, text.encode("utf-8"))


@main.command("calendar")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--team", help="Workspace (Slack team id); default GMG_TEAM_ID or the only one.")
@click.option("--group", "group_name", help=GROUP_HELP)
@click.option("--lang", "language", help=LANG_HELP)
def calendar_command(
    file: Path | None, team: str | None, group_name: str | None, language: str | None
) -> None:
    """Write a group's calendar feed (iCalendar), to FILE or to standard output."""
    settings = settings_or_fail()
    language = chosen_language(settings, language)
    engine = migrated_engine(settings)
    now = datetime.now(UTC)
    with Session(engine) as session:
        _, group = chosen_group(session, settings, team, group_name)
        data = calendar.feed(session=session, group=group, now=now, language=language)
    write_output(file, data)


def write_output(file: Path | None, data: bytes) -> None:
    """To FILE, or to standard output; a file that cannot be written is a user error, not a traceback."""
    if file is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        file.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {file}: {exc.strerror or exc}")


@main.command()
def run() -> None:
    """Apply migrations, then serve Slack (Socket Mode with SLACK_APP_TOKEN, else HTTP on PORT)."""
    settings = settings_or_fail()
    setup_logging(settings.log_level, settings.secrets)
    try:
        check_slack_settings(settings)
        serve(settings, migrated_engine(settings, answer_within=SERVING))
    except SettingError as exc:
        fail(str(exc))
    # Stopped gracefully (requests answered, claims released). A thread still waiting on Slack, such as
    # a listener Bolt started, must not keep the deploy waiting: Python would join it at exit.
    logging.shutdown()
    sys.stdout.flush()
    os._exit(0)


@main.command()
@click.option(
    "--url", "base_url", help="Public base URL of the bot for HTTP mode, e.g. https://gmg.example.org"
)
@click.option("--socket", is_flag=True, help="A Socket Mode app (no public URL needed).")
def manifest(base_url: str | None, socket: bool) -> None:
    """Print a Slack app manifest to paste into 'Create an app from a manifest'."""
    if not socket and not base_url:
        fail("give --url https://your-host (HTTP mode) or --socket (Socket Mode)")
    click.echo(manifest_yaml(base_url=None if socket else base_url), nl=False)


@main.group()
def db() -> None:
    """Database commands."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    migrated_engine(settings_or_fail())
    click.echo("Database is up to date.")
