"""The reference: an empty Bolt app whose /gmg listener only acks a fixed text, on the bot's own
server stack (the same WSGI routes and waitress settings).

`--tuned`: the same app made as fast as Bolt's own settings make it: the listener run before the
response (no look every 10 ms for the acknowledgement), and the middleware that a slash command does
not need switched off."""

import sys

from slack_bolt import Ack, App

from bot.server import Routes, make_server
from bot.settings import load_settings
from bot.slack_client import make_web_client
from storage.db import make_engine


def main() -> None:
    settings = load_settings()
    tuned = "--tuned" in sys.argv[1:]
    app = App(
        client=make_web_client(token=settings.slack_bot_token, base_url=settings.slack_api_base_url),
        signing_secret=settings.slack_signing_secret,
        process_before_response=tuned,
        ssl_check_enabled=not tuned,
        url_verification_enabled=not tuned,
        ignoring_self_events_enabled=not tuned,
        ignoring_self_assistant_message_events_enabled=not tuned,
        attaching_function_token_enabled=not tuned,
        attaching_conversation_kwargs_enabled=not tuned,
    )

    @app.command("/gmg")
    def gmg(ack: Ack) -> None:
        ack("ok")

    routes = Routes(engine=make_engine(settings.database_url), bolt_app=app)
    make_server(routes, host="127.0.0.1", port=settings.http_port).run()


if __name__ == "__main__":
    main()
