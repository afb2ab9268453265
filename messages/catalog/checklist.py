"""The handover checklist: its commands, its lines in answers, reminders and App Home, and its button."""

from messages.catalog.template import Template

MESSAGES: dict[str, Template] = {
    "help.checklist": "the next handover's checklist: each item, who is responsible, when it is due, "
    "whether it is done",
    "help.checklist_template": "the items each handover's checklist is copied from",
    "checklist.usage": "Use {usage}, e.g. {example}.",
    "checklist.no_handover": "No handover is coming in {group}: decide the next term with {example} first.",
    "checklist.no_previous": "No handover before the next one has a checklist; see {command}.",
    "checklist.title": "{group} handover checklist: {day}, {outgoing} to {incoming}",
    "checklist.title_previous": "{group} checklist of the handover on {day}, {outgoing} to {incoming}",
    "checklist.empty": "The checklist is empty: the template had no items when this handover was "
    "planned. Admins add items with {example}.",
    "checklist.still_open": "*Still open from the handover on {day}:*",
    "checklist.footer": "Mark an item with {done}, or open it again with {undone} (an admin, or a focal "
    "point of the member responsible).",
    "checklist.footer_previous": "Mark an item with {done}, and one from the handover before with "
    "{previous} (an admin, or a focal point of the member responsible).",
    "checklist.footer_only_previous": "Mark an item with {done} (an admin, or a focal point of the "
    "member responsible).",
    "checklist.line": "{number}. *{text}* · {who} · due {due} · {state}",
    "checklist.role_outgoing": "outgoing chair",
    "checklist.role_incoming": "incoming chair",
    "checklist.role_admins": "admins",
    "checklist.who": "{role} {chairs} ({users})",
    "checklist.who_no_focal": "{role} {chairs} (no focal point yet)",
    "checklist.who_nobody": "{role}: nobody, so the admins",
    "checklist.who_admins": "admins",
    "checklist.state_open": "open",
    "checklist.state_overdue": ":warning: *overdue*",
    "checklist.state_done": ":white_check_mark: done by {who} on {day}",
    "checklist.offset_before": {"one": "{count} day before", "other": "{count} days before"},
    "checklist.offset_after": {"one": "{count} day after", "other": "{count} days after"},
    "checklist.offset_on": "on the day of",
    "checklist.template_title": "{group} checklist template",
    "checklist.template_line": "{number}. *{text}* · {role} · {offset} the handover",
    "checklist.template_empty": "The template has no items.",
    "checklist.template_footer": "Admins add an item with {add} and remove one with {remove}. Each "
    "handover gets its own copy when it is planned, which follows the template until one of its items "
    "is marked done.",
    "checklist.copies_kept": {
        "one": "The checklist of the handover on {days}, with items marked done already, stays as it was.",
        "other": "The checklists of the handovers on {days}, with items marked done already, stay as "
        "they were.",
    },
    "checklist.bad_role": "`{role}` is not a role: use {roles}.",
    "checklist.bad_offset": "`{offset}` is not a due day: give days from the handover, like `-30d` "
    "(before), `0d` (on the day) or `+14d` (after), at most {limit} days.",
    "checklist.text_too_long": "The item's text has {length} characters; at most {limit} fit.",
    "checklist.template_full": "The template has {limit} items already, as many as fit in a reminder: "
    "remove one first.",
    "checklist.added": "Checklist item added to the template",
    "checklist.removed": "Checklist item removed from the template",
    "checklist.see": "See {command}.",
    "checklist.no_template_item": {
        "one": "The template has no item {number}: it has {count} item; see {command}.",
        "other": "The template has no item {number}: it has {count} items; see {command}.",
    },
    "checklist.no_item": {
        "one": "The checklist of the handover on {day} has no item {number}: it has {count} item; see "
        "{command}.",
        "other": "The checklist of the handover on {day} has no item {number}: it has {count} items; see "
        "{command}.",
    },
    "checklist.refused": "Only an admin of {group} or a focal point of {chairs} (the {role}) can mark "
    "item {number}.",
    "checklist.refused_admins": "Only an admin of {group} can mark item {number}: it is the admins'.",
    "checklist.already_done": "Item {number} of the handover on {day} was done already; nothing changed",
    "checklist.already_open": "Item {number} of the handover on {day} is open already; nothing changed",
    "checklist.marked_done": "Item {number} of the handover on {day} is done",
    "checklist.marked_open": "Item {number} of the handover on {day} is open again",
    "checklist.item_gone": "That checklist item no longer exists.",
    "checklist.button_done": "Done",
    # In the reminders.
    "checklist.summary": "*Checklist*: {open} of {total} open{overdue}; see {command}.",
    "checklist.summary_overdue": {"one": ", {count} overdue", "other": ", {count} overdue"},
    "checklist.all_done": {
        "one": "*Checklist*: its {count} item is done; see {command}.",
        "other": "*Checklist*: all {count} items are done; see {command}.",
    },
    "checklist.overdue_from": ":warning: *Overdue* from the handover on {day}:\n{lines}",
    "checklist.yours": "*Your open checklist items* ({count}): mark each with its button when it is done.",
    # In App Home.
    "checklist.home_title": "*Handover checklist*, {day}: {outgoing} to {incoming}",
    "checklist.home_previous": "*Still open from the handover on {day}*",
    "checklist.home_more": {
        "one": "And {count} more item: {command}.",
        "other": "And {count} more items: {command}.",
    },
    "home.proposals_title": "*Theme proposals open for votes*",
    "home.proposal_line": "*{title}* for {days}, by {who}: {support} for, {against} against",
}
