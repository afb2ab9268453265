"""The Slack app manifest: exactly what the bot uses, for 'Create an app from a manifest'."""

from typing import Any

import yaml

from bot.server import SLACK_PATH

# The narrowest scopes that do the job. commands: /gmg; chat:write: answers, reminders and direct
# messages; users:read: who is a workspace admin; channels:join: join a public channel before posting;
# channels:read, groups:read: check at `subscribe` that the bot can post in a public or private
# channel; channels:write.topic, groups:write.topic: set a channel's topic (channels:manage, which
# could also rename and archive channels, is broader than that needs).
BOT_SCOPES = [
    "commands",
    "chat:write",
    "users:read",
    "channels:join",
    "channels:read",
    "groups:read",
    "channels:write.topic",
    "groups:write.topic",
]
# app_home_opened: the Home tab; app_uninstalled, tokens_revoked: a workspace's deliveries pause.
BOT_EVENTS = ["app_home_opened", "app_uninstalled", "tokens_revoked"]
OAUTH_REDIRECT_PATH = "/slack/oauth_redirect"
INSTALL_PATH = "/slack/install"


def manifest(*, base_url: str | None) -> dict[str, Any]:
    """Socket Mode when `base_url` is None, else HTTP with request URLs under it."""
    command: dict[str, Any] = {
        "command": "/gmg",
        "description": "Who chairs the GMG, when, and on what theme",
        "usage_hint": "chair | next | theme | schedule | history | help",
        "should_escape": True,
    }
    events: dict[str, Any] = {"bot_events": BOT_EVENTS}
    interactivity: dict[str, Any] = {"is_enabled": True}
    oauth: dict[str, Any] = {"scopes": {"bot": BOT_SCOPES}}
    if base_url is not None:
        url = base_url.rstrip("/") + SLACK_PATH
        command["url"] = url
        events["request_url"] = url
        interactivity["request_url"] = url
        # Where Slack sends an organization back after "Add to Slack" (several workspaces, OAuth).
        oauth["redirect_urls"] = [base_url.rstrip("/") + OAUTH_REDIRECT_PATH]
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": "GMG bot",
            "description": "The Global Migration Group's chair rotation, themes and handover reminders.",
            "background_color": "#1d4f91",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": "gmg", "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": oauth,
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": base_url is None,
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(*, base_url: str | None) -> str:
    return yaml.safe_dump(manifest(base_url=base_url), sort_keys=False, width=100)
