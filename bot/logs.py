"""Logging: one line per event, and never a token or secret in it, tracebacks included."""

import logging
import re
from collections.abc import Iterable

MIN_SECRET = 4
# Slack tokens (bot, user, app-level, refresh, config), and the password in a database URL.
_TOKEN = re.compile(r"\b(xox[abposre]|xapp|xoxe\.xox[bp])-[A-Za-z0-9-]+")
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s]+@")


class RedactingFormatter(logging.Formatter):
    """Redacts the whole formatted record: the message, its arguments, and the exception's traceback
    and text, which a filter on the message alone never sees. `secrets` are values (a signing secret,
    a client secret) masked wherever they appear."""

    def __init__(self, fmt: str, secrets: Iterable[str] = ()) -> None:
        super().__init__(fmt)
        self.secrets = list(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    text = _TOKEN.sub(r"\1-[redacted]", text)
    text = _URL_PASSWORD.sub(r"\1[redacted]@", text)
    # Longest first, so that a piece of a secret does not leave the rest of it; values too short
    # would mask ordinary words.
    for secret in sorted((s for s in secrets if len(s) >= MIN_SECRET), key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    return text


def setup_logging(level: str, secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # slack_sdk's debug lines carry request headers; they are never needed in production.
    logging.getLogger("slack_sdk").setLevel(max(logging.INFO, logging.getLevelName(level)))
    logging.getLogger("alembic").setLevel(logging.WARNING)
