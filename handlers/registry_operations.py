"""The /gmg commands that run the group day to day, declared once like the others (handlers/registry.py
lists them after the group's record): what channels receive, the workspaces that share the group, the
handover checklist, the logs and the calendar feed."""

from handlers import calendar, checklist, configuration, links, questions
from handlers.forms import Command, Form
from messages.languages import LANGUAGES

# The language codes a command takes (`en|fr|es`).
LANGUAGE_CODES = "|".join(LANGUAGES)
OPERATIONS: tuple[Command, ...] = (
    Command(
        "subscribe",
        (
            Form(
                configuration.subscribe,
                f"subscribe [#channel] [reminders|themes|all] [{LANGUAGE_CODES}]",
                "subscribe #gmg-coordination reminders fr",
                args=True,
                admin=True,
                workspace=True,
                refusal="refused.workspace",
            ),
        ),
    ),
    Command(
        "unsubscribe",
        (
            Form(
                configuration.unsubscribe,
                "unsubscribe [#channel] [reminders|themes|all]",
                "unsubscribe #gmg themes",
                args=True,
                admin=True,
                workspace=True,
                refusal="refused.workspace",
            ),
        ),
    ),
    Command("link", (Form(links.link, "link", "link", admin=True),)),
    Command(
        "join",
        (
            Form(
                links.join,
                "join CODE",
                links.JOIN_EXAMPLE.removeprefix("/gmg "),
                args=True,
                admin=True,
                workspace=True,
                refusal="refused.join",
            ),
        ),
    ),
    Command(
        "workspaces",
        (
            Form(
                links.workspaces,
                "workspaces",
                "workspaces",
                args=True,
                admin=True,
                workspace=True,
                refusal="refused.workspace",
            ),
        ),
    ),
    Command(
        "unlink",
        (
            Form(
                links.unlink,
                "unlink [TEAM]",
                "unlink",
                args=True,
                admin=True,
                workspace=True,
                refusal="refused.workspace",
            ),
        ),
    ),
    Command(
        "checklist",
        (
            # Not a cached question: it may make the next handover's copy, and its states change by day.
            Form(
                checklist.show,
                "checklist [previous]",
                "checklist",
                args=True,
                summary="help.checklist",
            ),
            Form(
                checklist.template,
                "checklist template",
                "checklist template",
                sub="template",
                args=True,
                summary="help.checklist_template",
            ),
            Form(checklist.add, checklist.ADD_USAGE, checklist.ADD_EXAMPLE, sub="add", args=True, admin=True),
            Form(
                checklist.remove,
                "checklist remove N",
                "checklist remove 2",
                sub="remove",
                args=True,
                admin=True,
            ),
            # Anyone may ask; the handler lets an admin or the responsible member's focal points.
            Form(checklist.done, "checklist done [previous] N", "checklist done 2", sub="done", args=True),
            Form(
                checklist.undone,
                "checklist undone [previous] N",
                "checklist undone 2",
                sub="undone",
                args=True,
            ),
        ),
    ),
    Command("log", (Form(configuration.log, "log [N]", "log 20", args=True, admin=True),)),
    Command(
        "deliveries",
        (Form(questions.deliveries_report, "deliveries [N]", "deliveries 20", args=True, admin=True),),
    ),
    Command(
        "calendar",
        (
            Form(calendar.address, "calendar", "calendar", admin=True, refusal="refused.calendar"),
            Form(
                calendar.new_key,
                "calendar new-key",
                "calendar new-key",
                sub="new-key",
                admin=True,
                refusal="refused.calendar",
            ),
        ),
    ),
)
