"""A group shared by several workspaces: link codes, joining, the linked workspaces, leaving."""

from messages.catalog.template import Template

MESSAGES: dict[str, Template] = {
    "links.code_title": "A link code for {group}",
    "links.code_body": "{code}\nGive it to an admin of the other Slack workspace, who runs {command} there. "
    "It works once, until {expires}; asking for a new one makes this one stop working.",
    "links.join_usage": "Give the code an admin of the group sent you: {example}.",
    "links.bad_code": "`{code}` is not a valid link code: it may be mistyped, used already, or older than "
    "24 hours. Ask an admin of the group for a new one (they run {command}).",
    "links.joined": "Group linked",
    "links.joined_default": "This workspace now sees *{short}*: {name}, as its default group. Try {example}.",
    "links.joined_named": "This workspace now sees *{short}*: {name}. Name it in commands: {example}.",
    "links.replaced": "The {short} record this workspace started with, which nobody had changed, gave way "
    "to the shared one.",
    "links.already": "This workspace already sees {short}.",
    "links.name_taken": "This workspace already has a group named {short}: {name}. Rename it first with "
    "{command}, then join again.",
    "links.subscribe_hint": "Channels here get its reminders and posts once subscribed: {example}.",
    "links.workspaces_title": {
        "one": "{group} is seen by {count} workspace",
        "other": "{group} is seen by {count} workspaces",
    },
    "links.workspace_line": "• `{team}`",
    "links.workspace_line_home": "• `{team}` (home: set up there; its Slack admins are admins of the group)",
    "links.this_workspace": "{line} · this workspace",
    "links.workspaces_footer": "Another workspace joins with a code from {link}; one leaves with {unlink}.",
    "links.unlinked": "Link ended",
    "links.unlinked_body": "This workspace no longer sees {short}; its channels here no longer get its "
    "posts. The group itself is unchanged.",
    "links.unlinked_other": "Workspace `{team}` no longer sees {short}; its channels no longer get its "
    "posts.",
    "links.unlink_home": "{short} was set up in this workspace, so it cannot leave it. To stop seeing it "
    "here, remove it with {command}.",
    "links.unlink_usage": "Use {forms}.",
    "subscriptions.other_workspace": "{channel} gets the group's posts through another workspace that "
    "sees {group}: only that workspace's Slack admins or an admin of {group} can change that.",
    "groups.shared_remove": {
        "one": "*{short}* is also seen by {count} other workspace: removing it here only ends this "
        "workspace's link, and the group and its data stay with the other. To go ahead: {command}",
        "other": "*{short}* is also seen by {count} other workspaces: removing it here only ends this "
        "workspace's link, and the group and its data stay with the others. To go ahead: {command}",
    },
    "groups.taken_elsewhere": "`{word}` is the name of another group in workspace `{team}`, which also sees "
    "{short}: choose another short name.",
    "links.unlink_other_usage": "`{word}` is not a workspace that sees {short}; see {command}.",
    "refused.workspace": "Only a Slack admin of this workspace, or an admin of {group}, can do this.",
    "refused.join": "Only a Slack admin of this workspace can link it to a group.",
}
