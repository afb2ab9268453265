"""The Bolt app: signature checks on, every Web API call through our client."""

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.admins import WorkspaceAdmins
from bot.listeners import register_listeners
from bot.service import Services
from bot.settings import Settings
from bot.slack_client import make_web_client


def create_services(settings: Settings, engine: Engine) -> Services:
    client: WebClient = make_web_client(token=settings.slack_bot_token, base_url=settings.slack_api_base_url)
    return Services(
        settings=settings,
        engine=engine,
        client=client,
        admins=WorkspaceAdmins(client=client, operators=settings.admin_ids),
    )


def create_app(services: Services) -> App:
    """Bolt checks the token with `auth.test` here: a bad token stops start-up."""
    app = App(
        client=services.client,
        signing_secret=services.settings.slack_signing_secret or None,
    )
    register_listeners(app, services)
    return app
