"""Settings from the environment and an optional `.env` file (see `.env.example`)."""

from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from messages.languages import DEFAULT, UnknownLanguage, check_language, unknown_language
from messages.render import render
from storage.db import DatabaseURLError, normalize_database_url

WHERE = {
    "SLACK_BOT_TOKEN": "the app's OAuth & Permissions page, 'Bot User OAuth Token' (xoxb-...)",
    "SLACK_SIGNING_SECRET": "the app's Basic Information page, 'Signing Secret'",
    "SLACK_APP_TOKEN": "Basic Information, 'App-Level Tokens', with scope connections:write (xapp-...)",
    "SLACK_CLIENT_ID": "the app's Basic Information page, 'App Credentials', 'Client ID'",
    "SLACK_CLIENT_SECRET": "the app's Basic Information page, 'App Credentials', 'Client Secret'",
    "DATABASE_URL": "your database host, e.g. postgresql://user:pass@host/db, or sqlite:///gmg.db",
    "PUBLIC_BASE_URL": "where people reach the bot over HTTP(S), e.g. https://gmg.example.org",
}


DEFAULT_PORT = 3000


class SettingError(ValueError):
    """A setting that is missing or malformed; the message names it and where to get it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)

    database_url: str = "sqlite:///gmg.db"
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    # Several workspaces, each installing the app with "Add to Slack" (OAuth): no SLACK_BOT_TOKEN then.
    slack_client_id: str = ""
    slack_client_secret: str = ""
    slack_api_base_url: str = "https://slack.com/api/"
    port: int | None = Field(default=None, ge=1, le=65535)
    gmg_admins: str = ""
    gmg_seed: Literal["gmg", "none"] = "gmg"
    gmg_team_id: str = ""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # The bot's public address, for links to the calendar feed; "" when unknown.
    public_base_url: str = ""
    # The public schedule page at `/`: off unless asked for, since it is readable by anyone.
    gmg_public_page: bool = False
    # The language of the command line's answers (`gmg-bot ask --lang` chooses another).
    gmg_lang: str = DEFAULT
    # Seconds a command's answer may take from the request's arrival before Slack is told it is on its
    # way; it then follows through the command's response_url. Slack waits 3 s, its network included,
    # and the request's wait for a server thread is not counted here: a second is left for them.
    gmg_answer_within: float = Field(default=2.0, gt=0, le=2.8)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            return normalize_database_url(value)
        except DatabaseURLError as exc:
            raise ValueError(str(exc)) from exc

    @field_validator("gmg_lang")
    @classmethod
    def _language(cls, value: str) -> str:
        try:
            return check_language(value)
        except UnknownLanguage as exc:
            raise ValueError(render(unknown_language(exc.word), "plain").rstrip(".")) from exc

    @field_validator("public_base_url")
    @classmethod
    def _public_base_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and (not value.startswith(("https://", "http://")) or "?" in value or "#" in value):
            raise ValueError(f"{value!r} is not a base URL; give one like https://gmg.example.org")
        return value

    @property
    def admin_ids(self) -> frozenset[str]:
        return frozenset(u.strip() for u in self.gmg_admins.split(",") if u.strip())

    @property
    def secrets(self) -> list[str]:
        """Values that must never reach a log line."""
        password = self.database_password
        # A driver that splits such a password at its `@` shows the rest as a host name.
        pieces = password.split("@") if "@" in password else []
        return [
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.slack_client_secret,
            password,
            *pieces,
        ]

    @property
    def database_password(self) -> str:
        # Up to the last `@`: a password may hold an unencoded one, which URL parsers split wrongly.
        userinfo = self.database_url.partition("://")[2].rpartition("@")[0]
        return userinfo.partition(":")[2]

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    @property
    def oauth(self) -> bool:
        """Several workspaces install the app (OAuth), each with its own bot token."""
        return bool(self.slack_client_id) and not self.slack_bot_token

    def takes_over_prepared(self, team_id: str) -> bool:
        """Whether workspace `team_id`, new to the bot, may take over the groups prepared with the
        command line. With OAuth anyone may install the app: only the workspace GMG_TEAM_ID names."""
        return not self.oauth or self.gmg_team_id == team_id

    @property
    def http_port(self) -> int:
        return self.port or DEFAULT_PORT

    @property
    def seed(self) -> bool:
        return self.gmg_seed == "gmg"


def load_settings() -> Settings:
    """Settings, or a SettingError naming the first bad one and where to get it."""
    try:
        return Settings()
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        where = f" Get it from {WHERE[name]}." if name in WHERE else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        raise SettingError(f"{name} is not valid: {message}.{where}") from exc


def check_slack_settings(settings: Settings) -> None:
    """What `gmg-bot run` needs: a bot token, and a signing secret (HTTP) or an app token (Socket Mode);
    or, for several workspaces (OAuth), the app's client id and secret and its signing secret."""
    if settings.slack_client_id and not settings.slack_bot_token:
        _require("SLACK_CLIENT_SECRET", settings.slack_client_secret, "")
        _require("SLACK_SIGNING_SECRET", settings.slack_signing_secret, "")
        if settings.socket_mode:
            # Slack: Socket Mode apps are not allowed in the Marketplace; one connection serves the
            # workspaces of one app, and "Add to Slack" needs the bot's public address anyway.
            raise SettingError(
                "SLACK_APP_TOKEN (Socket Mode) serves one workspace; with SLACK_CLIENT_ID (several "
                "workspaces, OAuth) the bot takes Slack's requests over HTTP. Unset one of them."
            )
        return
    _require("SLACK_BOT_TOKEN", settings.slack_bot_token, "xoxb-")
    if settings.socket_mode:
        _require("SLACK_APP_TOKEN", settings.slack_app_token, "xapp-")
    else:
        _require("SLACK_SIGNING_SECRET", settings.slack_signing_secret, "")


def _require(name: str, value: str, prefix: str) -> None:
    if not value:
        raise SettingError(f"{name} is not set. Get it from {WHERE[name]}.")
    if not value.startswith(prefix) or any(c.isspace() for c in value):
        raise SettingError(
            f"{name} does not look right (it should start with {prefix}). Get it from {WHERE[name]}."
        )
