"""`gmg-bot run`: migrate, then serve Slack over Socket Mode or HTTP until SIGTERM or SIGINT.

A deploy sends SIGTERM and kills what is left some seconds later (10 on most platforms), so the bot
stops within SHUTDOWN seconds: it accepts no more connections, answers the requests under way, stops
claiming deliveries, lets each sender finish and record the post it is sending, and gives back the
deliveries it had claimed but not sent, for the next process to take at once."""

import logging
import signal
import threading
import time
from types import FrameType
from typing import Any, cast

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, MultiSocketServer

from bot.app import create_app, create_services, delivery_clients
from bot.dispatcher import Dispatcher
from bot.scheduler import DeliveryClock
from bot.server import Routes, make_server
from bot.settings import SettingError, Settings
from bot.slack_client import error_code

# From the signal to the end of the process.
SHUTDOWN = 8.0
# How long requests under way may take to be answered; Slack waits 3 s for an answer anyway.
DRAIN = 4.0
# How often the server loop looks for a stop request.
POLL = 0.2
# Slack's answers for a token it does not know at all (mistyped, from another app).
TOKEN_UNKNOWN = frozenset({"invalid_auth", "not_authed", "not_allowed_token_type"})
log = logging.getLogger("gmg")


def routes(settings: Settings, engine: Engine, app: App | None) -> Routes:
    return Routes(
        engine=engine,
        bolt_app=app,
        public_page=settings.gmg_public_page,
        page_team_id=settings.gmg_team_id,
    )


class StopRequest:
    """Made by SIGTERM or SIGINT. The handler only notes the time: it takes no lock, so it cannot wait
    for one the interrupted main thread holds; the serving loops look at it between polls. A second
    signal changes nothing: a process manager often forwards SIGTERM on top of the terminal's SIGINT."""

    def __init__(self) -> None:
        self.at: float | None = None

    def listen(self) -> None:
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.at is None:
            self.at = time.monotonic()

    @property
    def requested(self) -> bool:
        return self.at is not None

    def deadline(self) -> float:
        """When the process must have ended (counted from now if it ends for another reason)."""
        return (self.at or time.monotonic()) + SHUTDOWN


def token_confirmed(client: WebClient) -> bool:
    """Whether Slack accepts the token now. A token Slack does not know stops start-up (a setting to
    fix); Slack being down, slow or limiting, or the app's access revoked, does not: the calendar
    feed, the page and /healthz serve on, and deliveries wait (paused) until Slack accepts the token."""
    try:
        client.auth_test()
    except SlackApiError as exc:
        code = error_code(exc)
        if code in TOKEN_UNKNOWN:
            raise SettingError(
                f"Slack refused SLACK_BOT_TOKEN ({code}). Get a valid one from the app's OAuth & "
                "Permissions page."
            ) from exc
        log.warning("Slack did not confirm SLACK_BOT_TOKEN at start (%s); starting anyway", code)
        return False
    except (SlackClientError, OSError, ValueError) as exc:
        log.warning("Slack could not be reached at start (%s); starting anyway", type(exc).__name__)
        return False
    return True


def serve(settings: Settings, engine: Engine) -> None:
    """Runs until stopped. Raises SettingError when Slack refuses the token."""
    services = create_services(settings, engine)
    # With OAuth each workspace's token is checked as it is used (a refused one pauses its deliveries).
    verify = settings.oauth or token_confirmed(services.clients.for_team(settings.gmg_team_id))
    try:
        app = create_app(services, verify_token=verify)
    except BoltError as exc:
        raise SettingError(
            f"Slack refused SLACK_BOT_TOKEN ({exc}). Get a valid one from the app's OAuth & Permissions page."
        ) from exc
    dispatcher = Dispatcher(engine=engine, clients=delivery_clients(services), operators=settings.admin_ids)
    clock = DeliveryClock(dispatcher)
    services.wake_dispatcher = clock.wake
    stop = StopRequest()
    stop.listen()
    clock.start()
    try:
        if settings.socket_mode:
            serve_socket_mode(settings, engine, app, stop)
        else:
            server = make_server(routes(settings, engine, app), host="0.0.0.0", port=settings.http_port)
            log.info("serving Slack over HTTP on port %s at /slack/events", settings.http_port)
            serve_http(server, stop)
    finally:
        clock.stop(timeout=max(0.5, stop.deadline() - time.monotonic()))
        services.close()
        log.info("stopped")


def serve_socket_mode(settings: Settings, engine: Engine, app: App, stop: StopRequest) -> None:
    health: threading.Thread | None = None
    if settings.port:
        server = make_server(routes(settings, engine, None), host="0.0.0.0", port=settings.port)
        health = threading.Thread(target=serve_http, args=(server, stop), name="healthz", daemon=True)
        health.start()
        log.info("healthz, the calendar feed and the public page (if on) on port %s", settings.port)
    log.info("connecting to Slack over Socket Mode")
    handler = SocketModeHandler(app, app_token=settings.slack_app_token)
    handler.connect()  # type: ignore[no-untyped-call]
    while not stop.requested:
        time.sleep(POLL)
    log.info("stopping: closing the Socket Mode connection")
    handler.close()  # type: ignore[no-untyped-call]
    if health is not None:
        health.join(DRAIN + 1)


def serve_http(server: BaseWSGIServer | MultiSocketServer, stop: StopRequest) -> None:
    """waitress's own run() ends only by an exception, leaving the answers under way unsent: this loop
    looks for a stop between polls, then stops accepting and answers what it has taken in."""
    if not isinstance(server, BaseWSGIServer):  # several listening sockets; make_server makes one
        raise TypeError("serve_http serves one listening socket")
    sockets, use_poll = socket_map(server), server.adj.asyncore_use_poll
    while not stop.requested:
        wasyncore.loop(timeout=POLL, use_poll=use_poll, map=sockets, count=1)
    log.info("stopping: no new connections; answering the requests under way")
    # The listening socket alone: the trigger stays, for the request threads to wake the loop.
    wasyncore.dispatcher.close(server)
    deadline = time.monotonic() + DRAIN
    while busy(server) and time.monotonic() < deadline:
        wasyncore.loop(timeout=POLL / 4, use_poll=use_poll, map=sockets, count=1)
    # Its threads are idle by now, unless the drain ran out of time: then waiting is over too.
    server.task_dispatcher.shutdown(timeout=1)
    server.close()
    wasyncore.close_all(sockets)


def socket_map(server: BaseWSGIServer) -> dict[int, Any]:
    """waitress keeps the server's sockets (listener, trigger, connections) in a map of its own."""
    return cast(dict[int, Any], vars(server)["_map"])


def busy(server: BaseWSGIServer) -> bool:
    """Whether a connection has a request being received, waiting, being answered, or an answer not yet
    all sent."""
    channels = cast(dict[int, HTTPChannel], server.active_channels)
    return any(c.request is not None or c.requests or c.total_outbufs_len for c in list(channels.values()))
