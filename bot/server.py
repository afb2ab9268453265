"""The HTTP side: Slack's endpoint and /healthz, as a WSGI app served by waitress."""

import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request.internals import build_context
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server

SLACK_PATH = "/slack/events"
# Slack's payloads are a few kilobytes; anything far larger is not from Slack.
MAX_BODY_BYTES = 256 * 1024
StartResponse = Callable[..., Any]
log = logging.getLogger(__name__)


class FormBodyRequest(BoltRequest):
    """Bolt takes any form body that contains the word "payload" for an interactivity payload, so a
    slash command whose text says "payload" came out empty and unanswered; read such a body as the
    plain form it is."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not self.body and self.raw_body and not self.raw_body.startswith("{"):
            fields = dict(parse_qsl(self.raw_body, keep_blank_values=True))
            if "payload" not in fields:
                self.body = fields
                self.context = build_context(BoltContext(), fields)


class SlackHandler(SlackRequestHandler):
    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        return self.app.dispatch(
            FormBodyRequest(
                body=request.get_body(), query=request.query_string, headers=request.get_headers()
            )
        )


class Routes:
    """Routes requests: Slack's endpoint (when a Bolt app serves HTTP), /healthz, else 404."""

    def __init__(self, *, engine: Engine, bolt_app: App | None) -> None:
        self.engine = engine
        self.slack = SlackHandler(bolt_app, path=SLACK_PATH) if bolt_app else None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return self.healthz(start_response)
        if path == SLACK_PATH and self.slack is not None:
            if method != "POST":
                return _plain(start_response, "405 Method Not Allowed", "POST only\n")
            return self.slack(environ, start_response)
        return _plain(start_response, "404 Not Found", "Not found\n")

    def healthz(self, start_response: StartResponse) -> Iterable[bytes]:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            log.warning("healthz: database unreachable: %s", type(exc).__name__)
            return _plain(start_response, "503 Service Unavailable", "database unreachable\n")
        return _plain(start_response, "200 OK", "ok\n")


def _plain(start_response: StartResponse, status: str, body: str) -> list[bytes]:
    data = body.encode()
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))]
    )
    return [data]


def make_server(routes: Routes, *, host: str, port: int) -> BaseWSGIServer | MultiSocketServer:
    """A production WSGI server (waitress); port 0 picks a free one (see `effective_port`)."""
    return create_server(
        routes,
        host=host,
        port=port,
        threads=8,
        max_request_body_size=MAX_BODY_BYTES,
        ident="gmg-bot",
        clear_untrusted_proxy_headers=True,
    )
