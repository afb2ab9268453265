"""`gmg-bot run`: migrate, then serve Slack over Socket Mode or HTTP."""

import logging
import threading

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.error import BoltError
from sqlalchemy import Engine

from bot.app import create_app, create_services
from bot.dispatcher import Dispatcher
from bot.scheduler import DeliveryClock
from bot.server import Routes, make_server
from bot.settings import SettingError, Settings
from bot.slack_client import make_web_client

log = logging.getLogger("gmg")


def routes(settings: Settings, engine: Engine, app: App | None) -> Routes:
    return Routes(
        engine=engine,
        bolt_app=app,
        public_page=settings.gmg_public_page,
        page_team_id=settings.gmg_team_id,
    )


def serve(settings: Settings, engine: Engine) -> None:
    """Runs until stopped. Raises SettingError when Slack refuses the token."""
    services = create_services(settings, engine)
    try:
        app = create_app(services)
    except BoltError as exc:
        raise SettingError(
            f"Slack refused SLACK_BOT_TOKEN ({exc}). Get a valid one from the app's OAuth & Permissions page."
        ) from exc
    delivery_client = make_web_client(
        token=settings.slack_bot_token, base_url=settings.slack_api_base_url, retry_server_errors=False
    )
    clock = DeliveryClock(Dispatcher(engine=engine, client=delivery_client, operators=settings.admin_ids))
    services.wake_dispatcher = clock.wake
    clock.start()
    if settings.socket_mode:
        if settings.port:
            health = make_server(routes(settings, engine, None), host="0.0.0.0", port=settings.port)
            threading.Thread(target=health.run, name="healthz", daemon=True).start()
            log.info("healthz, the calendar feed and the public page (if on) on port %s", settings.port)
        log.info("connecting to Slack over Socket Mode")
        SocketModeHandler(app, app_token=settings.slack_app_token).start()  # type: ignore[no-untyped-call]
        return
    server = make_server(routes(settings, engine, app), host="0.0.0.0", port=settings.http_port)
    log.info("serving Slack over HTTP on port %s at /slack/events", settings.http_port)
    server.run()
