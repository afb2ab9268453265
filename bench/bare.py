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

TUNED = {
    "process_before_response": True,
    "ssl_check_enabled": False,
    "url_verification_enabled": False,
    "ignoring_self_events_enabled": False,
    "ignoring_self_assistant_message_events_enabled": False,
    "attaching_function_token_enabled": False,
    "attaching_conversation_kwargs_enabled": False,
}


def main() -> None:
    settings = load_settings()
    app = App(
        client=make_web_client(token=settings.slack_bot_token, base_url=settings.slack_api_base_url),
        signing_secret=settings.slack_signing_secret,
        **(TUNED if "--tuned" in sys.argv[1:] else {}),
    )

    @app.command("/gmg")
    def gmg(ack: Ack) -> None:
        ack("ok")

    routes = Routes(engine=make_engine(settings.database_url), bolt_app=app)
    make_server(routes, host="127.0.0.1", port=settings.http_port).run()


if __name__ == "__main__":
    main()
