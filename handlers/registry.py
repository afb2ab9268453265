"""The /gmg language, declared once. Each command has its words and its forms (sub-commands); each
form says who may use it, what its answer depends on (for the answer cache), its usage and example,
and its handler. Help, did-you-mean, the admin check, the cache decision and the command line's help
all derive from here: adding a command is one declaration and one handler."""

from handlers import (
    changes,
    configuration,
    groups,
    members,
    proposals,
    questions,
)
from handlers.context import Context
from handlers.forms import ON_THE_DATA, ON_THE_DAY, Command, Depends, Form, choose
from handlers.registry_operations import LANGUAGE_CODES, OPERATIONS
from handlers.response import Response, UsageError
from handlers.text import Token
from messages import Code, Lines, Words, say
from messages.languages import DEFAULT, LANGUAGES
from storage import groups as group_storage
from storage.matching import closest

WHEN = "[WHEN]"
# The language codes a command takes (`en|fr|es`), and those a translation is in (`fr|es`).
TRANSLATION_CODES = "|".join(code for code in LANGUAGES if code != DEFAULT)
COMMANDS: tuple[Command, ...] = (
    Command(
        "help",
        (
            Form(
                lambda ctx, args: help_response(ctx),
                "help",
                "help",
                args=True,
                depends=frozenset({Depends.GROUPS}),
            ),
        ),
    ),
    Command(
        "chair",
        (
            Form(
                questions.chair,
                f"chair {WHEN}",
                "chair 2011-03-15",
                args=True,
                depends=ON_THE_DAY,
                summary="help.chair",
            ),
        ),
    ),
    Command(
        "next",
        (Form(questions.next_chair, "next", "next", args=True, depends=ON_THE_DAY, summary="help.next"),),
    ),
    Command(
        "theme",
        (
            Form(
                questions.theme,
                f"theme {WHEN}",
                "theme 2011-H2",
                args=True,
                depends=ON_THE_DAY,
                summary="help.theme",
            ),
            Form(
                changes.theme_set,
                "theme set [PERIOD] TITLE [| DESCRIPTION]",
                "theme set Youth | Adolescents and migration",
                sub="set",
                args=True,
                admin=True,
            ),
            Form(
                proposals.propose,
                proposals.PROPOSE_USAGE.removeprefix("/gmg "),
                proposals.PROPOSE_EXAMPLE.removeprefix("/gmg "),
                sub="propose",
                args=True,
            ),
            Form(
                proposals.list_proposals,
                "theme proposals [PERIOD]",
                "theme proposals 2012-H1",
                sub="proposals",
                args=True,
            ),
            Form(
                proposals.adopt,
                "theme adopt [PERIOD] [N]",
                "theme adopt 2012-H1 2",
                sub="adopt",
                args=True,
                admin=True,
            ),
            Form(
                changes.theme_translate,
                f"theme translate [PERIOD] {TRANSLATION_CODES} TITLE [| DESCRIPTION]",
                "theme translate 2011-H1 fr Les jeunes et les migrations mondiales",
                sub="translate",
                args=True,
                admin=True,
            ),
        ),
    ),
    Command(
        "schedule",
        (
            Form(
                questions.schedule,
                "schedule [N]",
                "schedule 6",
                args=True,
                depends=ON_THE_DAY,
                summary="help.schedule",
            ),
        ),
    ),
    Command(
        "history",
        (
            Form(
                questions.history,
                "history [YEAR | N]",
                "history 2011",
                args=True,
                depends=ON_THE_DAY,
                summary="help.history",
            ),
        ),
    ),
    Command(
        "members",
        (
            Form(
                questions.members,
                "members",
                "members",
                args=True,
                depends=ON_THE_DATA,
                summary="help.members",
            ),
        ),
    ),
    Command(
        "rotation",
        (
            Form(
                questions.rotation,
                "rotation",
                "rotation",
                args=True,
                depends=ON_THE_DAY,
                summary="help.rotation",
            ),
            Form(
                members.rotation_set,
                "rotation set A, B, C",
                "rotation set ILO, IOM, UNDP",
                sub="set",
                args=True,
                admin=True,
            ),
            Form(
                members.rotation_clear, "rotation clear", "rotation clear", sub="clear", args=True, admin=True
            ),
        ),
    ),
    Command(
        "admin",
        (
            Form(questions.admins, "admin", "admin", args=True, depends=ON_THE_DATA, summary="help.admin"),
            Form(
                configuration.admin_add, "admin add @user", "admin add @ana", sub="add", args=True, admin=True
            ),
            Form(
                configuration.admin_remove,
                "admin remove @user",
                "admin remove @ana",
                sub="remove",
                args=True,
                admin=True,
            ),
        ),
        aliases=("admins",),
    ),
    Command(
        "reminders",
        (
            Form(
                configuration.reminders_show,
                "reminders",
                "reminders",
                depends=ON_THE_DATA,
                summary="help.reminders",
            ),
            Form(
                configuration.reminders_set,
                "reminders [LEAD ...]",
                "reminders 30d 7d 1d12h",
                args=True,
                admin=True,
            ),
        ),
    ),
    Command(
        "settings",
        (
            Form(
                configuration.settings_show,
                "settings",
                "settings",
                depends=ON_THE_DATA,
                summary="help.settings",
            ),
            *(
                Form(
                    configuration.settings_change,
                    usage,
                    example,
                    sub=sub,
                    args=True,
                    admin=True,
                    workspace=sub == "topic",
                    refusal="refused.workspace" if sub == "topic" else "refused.change",
                )
                for sub, usage, example in (
                    ("timezone", "settings timezone ZONE", "settings timezone Europe/Zurich"),
                    ("handover", "settings handover HH:MM", "settings handover 09:00"),
                    ("term-months", "settings term-months N", "settings term-months 12"),
                    ("topic", "settings topic #channel | off", "settings topic #gmg"),
                    ("language", f"settings language {LANGUAGE_CODES}", "settings language fr"),
                    ("theme-deadline", "settings theme-deadline Nd | off", "settings theme-deadline 14d"),
                )
            ),
        ),
    ),
    Command(
        "groups",
        (
            Form(
                groups.list_groups,
                "groups",
                "groups",
                depends=frozenset({Depends.GROUPS, Depends.SCHEDULE_DAY}),
                summary="help.groups_command",
            ),
        ),
    ),
    Command(
        "group",
        (
            Form(
                groups.add,
                "group add SHORT Full name",
                "group add GFMD Global Forum on Migration and Development",
                sub="add",
                args=True,
                admin=True,
                workspace=True,
                refusal="refused.workspace",
            ),
            Form(
                groups.rename,
                "group rename SHORT NEW",
                "group rename GFMD Forum",
                sub="rename",
                args=True,
                admin=True,
            ),
            Form(
                groups.make_default,
                "group default SHORT",
                "group default GFMD",
                sub="default",
                args=True,
                admin=True,
                workspace=True,
                refusal="refused.workspace",
            ),
            Form(
                groups.remove,
                "group remove SHORT [confirm]",
                "group remove GFMD confirm",
                sub="remove",
                args=True,
                admin=True,
            ),
        ),
    ),
    Command(
        "term",
        (
            Form(
                changes.term_set,
                "term set PERIOD CHAIR[+CHAIR] [THEME]",
                "term set 2019 FAO+IOM Safe migration",
                sub="set",
                args=True,
                admin=True,
            ),
            Form(
                changes.term_clear,
                "term clear PERIOD",
                "term clear 2019-H1",
                sub="clear",
                args=True,
                admin=True,
            ),
        ),
    ),
    Command(
        "member",
        (
            Form(
                members.member_add,
                "member add CODE Full name",
                "member add WHO World Health Organization",
                sub="add",
                args=True,
                admin=True,
            ),
            Form(
                members.member_remove,
                "member remove CODE",
                "member remove WHO",
                sub="remove",
                args=True,
                admin=True,
            ),
        ),
    ),
    Command(
        "focal", (Form(members.focal, "focal CODE @user ...", "focal UNICEF @ana", args=True, admin=True),)
    ),
    *OPERATIONS,
)
_BY_WORD = {word: command for command in COMMANDS for word in command.words}
# Words a group's short name may not be: every command word, and `share`.
group_storage.reserve_words([*_BY_WORD, "share"])


def find(word: str) -> Command | None:
    return _BY_WORD.get(word.lower())


def lookup(tokens: list[Token]) -> Form | None:
    """The form the words name, without raising: for the answer cache and the share button, which only
    need to know whether a command is a question and what its answer depends on."""
    command = find(tokens[0].value) if tokens else find("help")
    if command is None:
        return None
    try:
        return choose(command, tokens[1:])
    except UsageError:
        return None


def unknown_command(tokens: list[Token], group_names: list[str]) -> UsageError:
    """What to say of a first word that is no command: a group's name mistyped when a command follows
    it (`/gmg GFDM chair`), else the command meant."""
    word = tokens[0].value
    if len(tokens) > 1 and find(tokens[1].value) is not None and group_storage.SHORT_NAME.fullmatch(word):
        if word.lower() in (name.lower() for name in group_names):
            return UsageError(say("groups.named_twice", word=word[:50], example=Code(f"/gmg {word} chair")))
        near = closest(word, group_names)
        if near:
            return UsageError(say("groups.unknown_guess", word=word[:50], guess=near))
        return UsageError(say("groups.unknown", word=word[:50]))
    guess = closest(word.lower(), list(_BY_WORD))
    if guess:
        return UsageError(say("usage.not_a_command_guess", word=word[:50], suggestion=Code(f"/gmg {guess}")))
    return UsageError(say("usage.not_a_command", word=word[:50]))


def help_response(ctx: Context) -> Response:
    """Every command, from the declarations: questions with what they answer, then the changes."""
    asks = [
        say(
            "help.question",
            usage=Code(f"/gmg {f.usage}"),
            summary=say(f.summary),
            example=Code(f"/gmg {f.example}"),
        )
        for c in COMMANDS
        for f in c.forms
        if f.summary
    ]
    changes_ = [
        say("help.change", usage=Code(f"/gmg {f.usage}"), example=Code(f"/gmg {f.example}"))
        for c in COMMANDS
        for f in c.forms
        if f.admin
    ]
    sections = [say("help.ask", lines=Lines(tuple(asks))), say("help.changes", lines=Lines(tuple(changes_)))]
    if len(ctx.groups) > 1:
        others = [g.short_name for g in ctx.groups if g.id != ctx.group_id]
        sections.append(
            say(
                "help.groups",
                group=ctx.group.short_name,
                others=Words(tuple(say("code", code=Code(name)) for name in others)),
                example=Code(f"/gmg {others[0]} chair"),
            )
        )
    sections.append(say("help.when"))
    return Response(
        title=say("help.title", group=ctx.group.short_name), sections=sections, footer=say("help.footer")
    )
