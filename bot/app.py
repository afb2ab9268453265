"""The Bolt app: signature checks on, every Web API call with the token of the workspace it is for.

One workspace: SLACK_BOT_TOKEN. Several (OAuth): each installs the app with "Add to Slack"
(`/slack/install`, `/slack/oauth_redirect`, Bolt's OAuth flow), and slack-sdk's installation and
state stores keep their tokens on the bot's own database (tables made by migration 0008)."""

import logging
from collections.abc import Callable
from functools import partial
from typing import TypedDict

from slack_bolt import App
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine
from sqlmodel import Session

from bot.capacity import ListenerThreads
from bot.listeners import register_listeners
from bot.manifest import BOT_SCOPES, INSTALL_PATH, OAUTH_REDIRECT_PATH
from bot.service import Services
from bot.settings import Settings
from bot.slack_client import make_answer_path_client, make_web_client
from bot.slack_users import SlackUsers
from bot.workspace_clients import WorkspaceClients
from storage import installs
from storage.change_watch import ChangeWatch

# How long an "Add to Slack" link stays good (Slack's own default is 10 minutes).
STATE_SECONDS = 600


def create_services(settings: Settings, engine: Engine) -> Services:
    installations = (
        SQLAlchemyInstallationStore(client_id=settings.slack_client_id, engine=engine)
        if settings.oauth
        else None
    )
    base_url = settings.slack_api_base_url

    def clients(make: Callable[[str], WebClient]) -> WorkspaceClients:
        token_of = partial(_installed_token, engine, settings.slack_client_id) if settings.oauth else None
        return WorkspaceClients(make=make, token=settings.slack_bot_token, token_of=token_of)

    quick = clients(partial(_answer_path_client, base_url=base_url))
    return Services(
        settings=settings,
        engine=engine,
        clients=clients(partial(_client, base_url=base_url)),
        quick=quick,
        users=SlackUsers(clients=quick, operators=settings.admin_ids),
        changes=ChangeWatch(engine),
        installations=installations,
    )


def delivery_clients(services: Services) -> WorkspaceClients:
    """For the dispatcher, which retries 5xx itself, durably (bot/slack_client.py)."""
    settings = services.settings
    return WorkspaceClients(
        make=partial(_client, base_url=settings.slack_api_base_url, retry_server_errors=False),
        token=settings.slack_bot_token,
        token_of=partial(_installed_token, services.engine, settings.slack_client_id)
        if settings.oauth
        else None,
    )


def _installed_token(engine: Engine, client_id: str, team_id: str) -> str | None:
    with Session(engine) as session:
        return installs.bot_token(session=session, client_id=client_id, team_id=team_id)


def _client(token: str, *, base_url: str, retry_server_errors: bool = True) -> WebClient:
    return make_web_client(token=token, base_url=base_url, retry_server_errors=retry_server_errors)


def _answer_path_client(token: str, *, base_url: str) -> WebClient:
    return make_answer_path_client(token=token, base_url=base_url)


# Bolt's middleware for what the bot does not use (assistant threads, custom workflow functions,
# conversation context): each runs on every request otherwise.
class _Middleware(TypedDict):
    ignoring_self_assistant_message_events_enabled: bool
    attaching_function_token_enabled: bool
    attaching_conversation_kwargs_enabled: bool


UNUSED_MIDDLEWARE_OFF = _Middleware(
    ignoring_self_assistant_message_events_enabled=False,
    attaching_function_token_enabled=False,
    attaching_conversation_kwargs_enabled=False,
)


def create_app(services: Services, *, verify_token: bool = True) -> App:
    """Bolt checks the token with `auth.test` here unless told not to (then on the first request)."""
    settings = services.settings
    if services.installations is None:
        app = App(
            client=services.clients.for_team(""),
            token_verification_enabled=verify_token,
            signing_secret=settings.slack_signing_secret or None,
            listener_executor=ListenerThreads(),
            **UNUSED_MIDDLEWARE_OFF,
        )
    else:
        app = App(
            # No token: Bolt gives each request a client with its workspace's. The OAuth code exchange
            # goes through this one, so SLACK_API_BASE_URL holds for it too.
            client=WebClient(base_url=settings.slack_api_base_url),
            signing_secret=settings.slack_signing_secret,
            oauth_settings=_oauth_settings(services, services.installations),
            listener_executor=ListenerThreads(),
            **UNUSED_MIDDLEWARE_OFF,
        )
    register_listeners(app, services)
    return app


def _oauth_settings(services: Services, installations: InstallationStore) -> OAuthSettings:
    settings = services.settings

    def installed(args: SuccessArgs) -> BoltResponse:
        # A workspace that installs again (after an uninstall, or a token Slack refused) resumes.
        services.resume(args.installation.team_id or "")
        return args.default.success(args)

    def failed(args: FailureArgs) -> BoltResponse:
        return args.default.failure(args)

    oauth = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=BOT_SCOPES,
        install_path=INSTALL_PATH,
        redirect_uri_path=OAUTH_REDIRECT_PATH,
        redirect_uri=f"{settings.public_base_url}{OAUTH_REDIRECT_PATH}" if settings.public_base_url else None,
        installation_store=installations,
        installation_store_bot_only=True,
        state_store=SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=services.engine),
        state_expiration_seconds=STATE_SECONDS,
        callback_options=CallbackOptions(success=installed, failure=failed),
    )
    # Bolt's default asks Slack (`auth.test`) on every request before a listener runs: a second round
    # trip inside Slack's 3 s. Its answer for a token does not change; an uninstalled workspace's token
    # is gone from the store, so no request of it is let through on the cached answer.
    oauth.authorize = InstallationStoreAuthorize(
        logger=logging.getLogger("slack_bolt"),
        installation_store=installations,
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        bot_only=True,
        cache_enabled=True,
    )
    return oauth
