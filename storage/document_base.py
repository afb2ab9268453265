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
        # PostgreSQL refuses NUL in text: refuse it here, naming the record, before anything is written.
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and "\x00" in v for v in texts):
            raise ValueError("contains a NUL character")
        # NFC: an accent written as a separate combining mark is stored as the one character it shows.
        if isinstance(value, list):
            return [nfc(v) for v in value]
        return nfc(value)


def nfc(value: Any) -> Any:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value
