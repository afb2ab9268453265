"""What every record of a YAML document is made of (storage/documents.py): strict fields, text in NFC
without NUL, and the forms of Slack's ids."""

import unicodedata
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

USER_ID = r"^[UW][A-Z0-9]{2,31}$"
CHANNEL_ID = r"^[CGD][A-Z0-9]{2,31}$"
TEAM_ID = r"^[TE][A-Z0-9]{1,31}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _clean_text(cls, value: Any) -> Any:
        return [clean_text(v) for v in value] if isinstance(value, list) else clean_text(value)


def clean_text(value: Any) -> Any:
    """Text without NUL, in NFC; anything else as it is."""
    if not isinstance(value, str):
        return value
    # PostgreSQL refuses NUL in text: refuse it here, naming the record, before anything is written.
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    # NFC: an accent written as a separate combining mark is stored as the one character it shows.
    return value if value.isascii() else unicodedata.normalize("NFC", value)
