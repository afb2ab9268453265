"""A workspace that loses the app: `app_uninstalled` and `tokens_revoked` pause its deliveries (kept,
shown as paused) without touching any other workspace's; installing again resumes them (bot/app.py).
With OAuth, the workspace's install is also deleted from the installation store, as Bolt's own
revocation listeners do."""

from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.listener.builtins import TokenRevocationListeners

from bot.service import Services


def register(app: App, services: Services) -> None:
    revocations = TokenRevocationListeners(services.installations) if services.installations else None

    @app.event("app_uninstalled")
    def app_uninstalled(context: BoltContext) -> None:
        if revocations is not None:
            revocations.handle_app_uninstalled_events(context)
        services.pause(context.team_id or "", "app_uninstalled")

    @app.event("tokens_revoked")
    def tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
        if revocations is not None:
            revocations.handle_tokens_revoked_events(event, context)
        # Users' tokens alone: the bot's still works.
        if event.get("tokens", {}).get("bot"):
            services.pause(context.team_id or "", "tokens_revoked")
