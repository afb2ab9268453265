"""Help, usage errors and refusals of the /gmg language, and the answers about groups."""

from messages.catalog.template import Template

MESSAGES: dict[str, Template] = {
    "code": "{code}",
    "help.title": "/gmg: the {group} chair rotation",
    "help.ask": "*Ask*\n{lines}",
    "help.changes": "*Change* (admins)\n{lines}",
    "help.question": "• {usage}: {summary}. e.g. {example}",
    "help.change": "• {usage}, e.g. {example}",
    "help.groups": "This workspace follows several groups. Without a group name a command is about the "
    "{group}; name another first: {others}. e.g. {example}",
    "help.when": "WHEN: `today`, `next`, `previous`, `2011-03-15`, `2011-03`, `2011-H1`, `2011`. "
    "Add `share` to a question to post the answer in the channel.",
    "help.footer": "Members can be named in any case, with or without spaces, dots or hyphens.",
    "help.chair": "who chairs, the term, its theme, who is next",
    "help.next": "the next chair and handover, decided or projected",
    "help.theme": "the theme and its description",
    "help.schedule": "the coming terms",
    "help.history": "past terms, newest first",
    "help.members": "the member agencies",
    "help.rotation": "the rotation order",
    "help.admin": "who can change things",
    "help.reminders": "when reminders go out",
    "help.settings": "timezone, handover time, term length, language",
    "help.groups_command": "the groups this workspace follows, with their chairs",
    "answer.share": "Share",
    "answer.failure": "Sorry, something went wrong on our side and nothing was changed. Please try again in "
    "a minute.",
    "answer.unavailable": "The database is not answering, so nothing was changed. Please try again in a "
    "minute.",
    "answer.replayed": "This request was already received; it was not applied again.",
    "answer.working": "Still working on it: the answer will appear here in a moment.",
    "answer.busy": "Too many requests at once, so nothing was changed. Please send it again in a moment.",
    "usage.failed": "That did not work",
    "usage.see_help": "See every command with `/gmg help`.",
    "usage.not_a_command": "`{word}` is not a /gmg command.",
    "usage.not_a_command_guess": "`{word}` is not a /gmg command. Did you mean {suggestion}?",
    "usage.did_you_mean_sub": "`{word}` is not a sub-command. Did you mean {suggestion}?",
    "usage.not_a_sub": "`{word}` is not a sub-command of {command}. Use {forms}.",
    "usage.sub_needed": "{command} needs a sub-command: {forms}.",
    "usage.share_alone": "`share` goes after a question, to post its answer in the channel: e.g. {example}.",
    "usage.conflict": "Other changes to the group were being saved at the same moment, and this one could "
    "not be checked against them. Nothing was changed: send the command again.",
    "refused.change": "Only {group} admins can change this. Ask one of the admins (`/gmg admin`).",
    "refused.calendar": "Only {group} admins get the calendar feed's address: it is the key to the feed. "
    "Ask one of the admins (`/gmg admin`).",
    "refused.slack_silent": "Slack did not say in time whether you are a workspace admin, so nothing was "
    "changed. Please send the command again in a moment.",
    # /gmg groups and /gmg group ...
    "groups.title": "Groups in this workspace ({count})",
    "groups.line": "• *{short}*: {name} · chair now: {chairs}",
    "groups.line_default": "• *{short}* (default): {name} · chair now: {chairs}",
    "groups.no_chair": "none recorded",
    "groups.footer": "Ask about one by name: {example}. Admins: `/gmg group add SHORT Full name`, "
    "`group rename`, `group default`, `group remove`.",
    "groups.usage_add": "Use `/gmg group add SHORT Full name`, e.g. "
    "`/gmg group add GFMD Global Forum on Migration and Development`.",
    "groups.usage_rename": "Use `/gmg group rename SHORT NEW`, e.g. `/gmg group rename GFMD Forum`.",
    "groups.usage_default": "Use `/gmg group default SHORT`, e.g. `/gmg group default GFMD`.",
    "groups.usage_remove": "Use `/gmg group remove SHORT`, and add `confirm` to remove a group that has "
    "terms.",
    "groups.bad_short_name": "`{word}` is not a short name: use a letter, then letters, digits or hyphens "
    "(30 at most), e.g. `GFMD` or `EU-Council`.",
    "groups.reserved": "`{word}` is a /gmg command word, so it cannot name a group. Choose another short "
    "name.",
    "groups.taken": "This workspace already has a group named `{word}`: {name}.",
    "groups.named_twice": "The group `{word}` is named twice: name it once, first, e.g. {example}.",
    "groups.unknown": "`{word}` is not a group of this workspace. See them with `/gmg groups`.",
    "groups.unknown_guess": "`{word}` is not a group of this workspace. Did you mean `{guess}`?",
    "groups.name_too_long": "The full name is {length} characters long; keep it to 200.",
    "groups.added": "Group added",
    "groups.added_body": "*{short}*: {name}. Ask about it with {example}; fill it with "
    "`/gmg {short} member add` and `/gmg {short} term set`, or `gmg-bot import`.",
    "groups.renamed": "Group renamed",
    "groups.renamed_body": "*{old}* is now *{short}*: ask with {example}.",
    "groups.default_set": "Default group set",
    "groups.default_body": "Commands without a group name now go to *{short}* ({name}).",
    "groups.already_default": "*{short}* is already the default group.",
    "groups.removed": "Group removed",
    "groups.removed_body": "*{short}* ({name}) is no longer followed here; its reminders and posts stop.",
    "groups.removed_default": "The default group is now *{short}*.",
    "groups.has_terms": {
        "one": "*{short}* has {count} term on record. Removing the group deletes it with the group's "
        "members, rotation and subscriptions. To go ahead: {command}",
        "other": "*{short}* has {count} terms on record. Removing the group deletes them with the "
        "group's members, rotation and subscriptions. To go ahead: {command}",
    },
    "groups.last_group": "*{short}* is the only group of this workspace; add another before removing it.",
}
