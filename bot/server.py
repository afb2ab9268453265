"""The HTTP side: Slack's endpoint, /healthz, the calendar feed and the public page, as a WSGI app
served by waitress."""

import logging
import re
import resource
import time
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.middleware import Middleware
from slack_bolt.request.internals import build_context
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server

from bot.capacity import REQUEST_THREADS, listeners_on_this_thread
from bot.listeners.commands import RECEIVED_AT, edge_notice
from bot.payloads import well_formed
from handlers import calendar, page
from handlers.commands import is_question
from messages.languages import DEFAULT, UnknownLanguage, check_language, of_accept_language, unknown_language
from messages.render import render
from storage import groups, queries, requests
from storage.db import is_unavailable

SLACK_PATH = "/slack/events"
# Each group's public page, by its short name, when the workspace has several.
GROUP_PAGE = "/g/"
# Slack's payloads are a few kilobytes; anything far larger is not from Slack.
MAX_BODY_BYTES = 256 * 1024
# Open connections waitress takes at most. Its default, 100, let 100 idle or half-sent connections stop
# the bot; each costs a file descriptor and little else, since waitress reads without a thread.
MAX_CONNECTIONS = 500
# Descriptors kept for everything else: database connections, calls to Slack, logs.
OTHER_DESCRIPTORS = 100
# A connection that sends nothing for this long is closed (waitress: 120), checked this often (30).
IDLE_TIMEOUT = 20
IDLE_CHECK = 5
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
    """Bolt reads the body before it checks the signature, and answers 500 to a body that is not
    UTF-8, not the JSON it claims to be, or signed with a timestamp that is not a number; its listeners
    fail (500, or an answer after 3 s) on a payload without the fields they read. Those are the
    sender's fault: they get 400 (or 401) here, at once, and never reach a listener.

    It also puts a ReplayGuard on `app`, after Bolt's signature check."""

    def __init__(self, app: App, *, path: str, engine: Engine) -> None:
        super().__init__(app, path=path)
        app.use(ReplayGuard(engine))
        flow = app.oauth_flow
        # Served on GET: the install page and the OAuth redirect, when the app has an OAuth flow.
        self.oauth_paths = (flow.install_path, flow.redirect_uri_path) if flow is not None else ()

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        received = time.monotonic()
        headers = request.get_headers()
        if not str(headers.get("x-slack-request-timestamp", "")).isdigit():
            return BoltResponse(status=401, body='{"error": "invalid request"}')
        try:
            bolt_request = FormBodyRequest(
                body=request.get_body(), query=request.query_string, headers=headers
            )
        except Exception:  # whatever bytes came: undecodable text, broken JSON, JSON of another shape
            return BoltResponse(status=400, body='{"error": "malformed body"}')
        if not isinstance(bolt_request.body, dict):
            return BoltResponse(status=400, body='{"error": "malformed body"}')
        if not well_formed(bolt_request.body):
            # Not signed yet (Bolt checks that): no warning for whatever anyone sends, and no raw text.
            log.info("slack: refused a malformed request (type %.40r)", bolt_request.body.get("type"))
            return BoltResponse(status=400, body='{"error": "malformed body"}')
        bolt_request.context[RECEIVED_AT] = received
        with listeners_on_this_thread() if "command" in bolt_request.body else nullcontext():
            response = self.app.dispatch(bolt_request)
        if response.status == 404:  # no listener for it: acknowledged, or Slack retries and complains
            return BoltResponse(status=200, body="")
        return response


class ReplayGuard(Middleware):
    """Applies a change once: a change whose signature was accepted before, or an event whose event_id
    was (Slack retries an event it thinks unanswered), is acknowledged without running a listener.

    A question is let through unrecorded: answering it again changes nothing, and it costs no write."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        key = replay_key(req.body, req.headers.get("x-slack-signature", [""])[0])
        if key is None:
            return next()
        try:
            with Session(self.engine) as session:
                first = requests.first_time(session=session, key=key, now=utc_now())
        except SQLAlchemyError as exc:
            if not is_unavailable(exc):
                raise
            log.warning("slack: database unreachable (%s); nothing was run", type(exc).__name__)
            return _answer(req.body, "answer.unavailable", status=503)
        if first:
            return next()
        log.warning("slack: %s received again; not run again", key.split(":")[0])
        return _answer(req.body, "answer.replayed", status=200)


def replay_key(body: dict[str, Any], signature: str) -> str | None:
    """What identifies a request that must not run twice, or None for one that may."""
    if body.get("type") == "event_callback":
        return f"event:{body['event_id']}"
    if not signature:  # Socket Mode: nothing to replay on an authenticated socket
        return None
    if "command" in body and is_question(body.get("text") or ""):
        return None
    if "command" in body or body.get("type") in ("block_actions", "view_submission"):
        return f"signature:{signature}"
    return None


def _answer(body: dict[str, Any], message_id: str, *, status: int) -> BoltResponse:
    """A slash command shows the message to its user (with a 200: Slack shows other statuses as its
    own error); an event or a click gets `status` and nothing else. The request is not run, so the
    user's language is not asked for: English."""
    if "command" in body:
        text = edge_notice(message_id, DEFAULT)
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": text})
    return BoltResponse(status=status, body="")


def _asked_language(asked: str | None, accept_language: str | None) -> str | UnknownLanguage:
    """The language a query's `lang` names (an unknown one is refused), else the browser's."""
    if asked is None:
        return of_accept_language(accept_language)
    try:
        return check_language(asked)
    except UnknownLanguage as exc:
        return exc


def _unknown_language(start_response: StartResponse, exc: UnknownLanguage) -> Iterable[bytes]:
    return _plain(start_response, "400 Bad Request", render(unknown_language(exc.word), "plain") + "\n")


def utc_now() -> datetime:
    return datetime.now(UTC)


class Routes:
    """Routes requests: Slack's endpoint (when a Bolt app serves HTTP), /healthz, the calendar feed,
    the public page (when it is on), else 404.

    `page_team_id` is the workspace the page shows (GMG_TEAM_ID; "" for the only one there is);
    `clock` is what "now" is, for the feed and the page."""

    def __init__(
        self,
        *,
        engine: Engine,
        bolt_app: App | None,
        public_page: bool = False,
        page_team_id: str = "",
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.engine = engine
        self.slack = SlackHandler(bolt_app, path=SLACK_PATH, engine=engine) if bolt_app else None
        self.public_page = public_page
        self.page_team_id = page_team_id
        self.clock = clock

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return self.healthz(start_response)
        try:
            if path == calendar.FEED_PATH and method in ("GET", "HEAD"):
                return self.feed(environ.get("QUERY_STRING", ""), start_response)
            if (
                self.public_page
                and method in ("GET", "HEAD")
                and (path == "/" or path.startswith(GROUP_PAGE))
            ):
                return self.schedule_page(
                    path.removeprefix(GROUP_PAGE) if path != "/" else "", environ, start_response
                )
        except SQLAlchemyError as exc:
            if not is_unavailable(exc):
                raise
            return _unreachable(start_response, path, exc)
        if path == SLACK_PATH and self.slack is not None:
            if method != "POST":
                return _plain(start_response, "405 Method Not Allowed", "POST only\n")
            return self.slack(environ, start_response)
        if self.slack is not None and method == "GET" and path in self.slack.oauth_paths:
            # "Add to Slack", and Slack sending the installer back (several workspaces: OAuth).
            return self.slack(environ, start_response)
        return _plain(start_response, "404 Not Found", "Not found\n")

    def healthz(self, start_response: StartResponse) -> Iterable[bytes]:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            return _unreachable(start_response, "/healthz", exc)
        return _plain(start_response, "200 OK", "ok\n")

    def feed(self, query: str, start_response: StartResponse) -> Iterable[bytes]:
        """The feed of the group whose key is given, in the language `lang` asks for (English unless
        it does); any other key is as good as no page."""
        fields = dict(parse_qsl(query))
        key = fields.get("key", "")
        language = _asked_language(fields.get("lang"), None)
        if isinstance(language, UnknownLanguage):
            return _unknown_language(start_response, language)
        with Session(self.engine) as session:
            group = queries.group_for_calendar_key(session=session, key=key) if len(key) <= 64 else None
            if group is None:
                return _plain(start_response, "404 Not Found", "Not found\n")
            body = calendar.feed(session=session, group=group, now=self.clock(), language=language)
        filename = re.sub(r"[^a-z0-9]+", "-", group.short_name.lower()).strip("-") or "calendar"
        return _send(
            start_response,
            body,
            "text/calendar; charset=utf-8",
            [
                ("Content-Disposition", f'inline; filename="{filename}.ics"'),
                # The URL holds a key: shared caches keep nothing.
                ("Cache-Control", "private, max-age=300"),
            ],
        )

    def schedule_page(
        self, short_name: str, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        """The public pages of GMG_TEAM_ID's workspace, else of the only one there is: `/` shows its only
        group, or lists its groups with links to `/g/SHORT`, each group's page. In the language of
        `?lang=`, else the first of ours the browser accepts, else English.

        Queries: the workspace (when GMG_TEAM_ID is not set), its groups, the terms and the rotation."""
        fields = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        language = _asked_language(fields.get("lang"), environ.get("HTTP_ACCEPT_LANGUAGE"))
        if isinstance(language, UnknownLanguage):
            return _unknown_language(start_response, language)
        with Session(self.engine) as session:
            try:
                team_id = groups.chosen_team_id(session=session, team_id=self.page_team_id)
            except groups.SeveralWorkspaces:
                team_id = None
            # A public GET never creates a workspace: one the bot has not met yet has no page.
            shown = groups.workspace_groups(session=session, team_id=team_id) if team_id else []
            if short_name:
                shown = [g for g in shown if groups.short_key(g.short_name) == groups.short_key(short_name)]
            if not shown:
                return _plain(start_response, "404 Not Found", "Not found\n")
            if len(shown) > 1:
                body = page.index(groups=shown, prefix=GROUP_PAGE, language=language).encode()
            else:
                body = page.page(
                    session=session, group=shown[0], now=self.clock(), language=language
                ).encode()
        return _send(
            start_response,
            body,
            "text/html; charset=utf-8",
            [
                ("Content-Security-Policy", page.CSP),
                ("Referrer-Policy", "no-referrer"),
                ("Cache-Control", "public, max-age=60"),
                ("Content-Language", language),
                # The same address answers in the browser's language: caches keep one per language.
                ("Vary", "Accept-Language"),
            ],
        )


def _send(
    start_response: StartResponse, body: bytes, content_type: str, headers: list[tuple[str, str]]
) -> list[bytes]:
    start_response(
        "200 OK",
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("X-Content-Type-Options", "nosniff"),
            *headers,
        ],
    )
    return [body]


def _unreachable(start_response: StartResponse, what: str, exc: SQLAlchemyError) -> list[bytes]:
    """A database that is down or does not answer: one line in the log, a short 503 to the reader."""
    log.warning("%s: database unreachable: %s", what, type(exc).__name__)
    return _plain(start_response, "503 Service Unavailable", "database unreachable\n")


def _plain(start_response: StartResponse, status: str, body: str) -> list[bytes]:
    data = body.encode()
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))]
    )
    return [data]


def connection_limit() -> int:
    """MAX_CONNECTIONS, or fewer when the process may not open that many descriptors: at the limit
    waitress stops accepting (and answers again as connections close), while past the descriptor
    limit every accept fails."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(10, min(MAX_CONNECTIONS, soft - OTHER_DESCRIPTORS))


def make_server(routes: Routes, *, host: str, port: int) -> BaseWSGIServer | MultiSocketServer:
    """A production WSGI server (waitress); port 0 picks a free one (see `effective_port`).

    Idle and half-sent connections cost no thread (waitress reads without one), only a place among
    `connection_limit()`, and are closed after IDLE_TIMEOUT seconds without a byte."""
    return create_server(
        routes,
        host=host,
        port=port,
        threads=REQUEST_THREADS,
        max_request_body_size=MAX_BODY_BYTES,
        ident="gmg-bot",
        clear_untrusted_proxy_headers=True,
        connection_limit=connection_limit(),
        channel_timeout=IDLE_TIMEOUT,
        cleanup_interval=IDLE_CHECK,
        # select() takes no descriptor above 1023.
        asyncore_use_poll=True,
    )
