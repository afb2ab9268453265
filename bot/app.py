"""The Bolt app: signature checks on, every Web API call through our client."""

from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.channels import SlackChannels
from bot.listeners import register_listeners
from bot.server import REQUEST_THREADS
from bot.service import Services
from bot.settings import Settings
from bot.slack_client import make_answer_path_client, make_web_client
from bot.slack_users import SlackUsers


def create_services(settings: Settings, engine: Engine) -> Services:
    client: WebClient = make_web_client(token=settings.slack_bot_token, base_url=settings.slack_api_base_url)
    quick = make_answer_path_client(token=settings.slack_bot_token, base_url=settings.slack_api_base_url)
    return Services(
        settings=settings,
        engine=engine,
        client=client,
        users=SlackUsers(client=quick, operators=settings.admin_ids),
        channels=SlackChannels(quick),
    )


def create_app(services: Services, *, verify_token: bool = True) -> App:
    """Bolt checks the token with `auth.test` here unless told not to (then on the first request)."""
    app = App(
        client=services.client,
        token_verification_enabled=verify_token,
        signing_secret=services.settings.slack_signing_secret or None,
        # Bolt runs listeners on 5 threads by default, fewer than the server's request threads: while
        # the database is slow, requests would queue there past Slack's 3 s. One per request thread.
        listener_executor=ThreadPoolExecutor(max_workers=REQUEST_THREADS),
    )
    register_listeners(app, services)
    return app
