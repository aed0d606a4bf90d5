"""Wire-format conversions shared by the models: every time becomes aware Asia/Shanghai.

DingTalk mixes epoch milliseconds, `yyyy-MM-dd HH:mm:ss` strings, bare dates and ISO strings
such as `2022-08-31T11:52Z` across its APIs (reference section 0 and 7).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

from pipelines.days import SHANGHAI

_LOCAL_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")
# ASCII digits only: `str.isdigit` and `\d` also accept "²³" and "２０２６", which int() and
# strptime then take or reject in surprising ways.
_INTEGER = re.compile(r"\A-?[0-9]+\Z")


def from_epoch_ms(value: Any) -> Any:
    """Epoch milliseconds (number or numeric string) -> aware datetime in Asia/Shanghai."""
    if isinstance(value, bool) or value is None or isinstance(value, datetime):
        return value
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        value = int(value)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, tz=SHANGHAI)
    return value


def from_local_string(value: Any) -> Any:
    """`yyyy-MM-dd[ HH:mm[:ss]]` in Asia/Shanghai -> aware datetime (epoch ms also accepted)."""
    if not isinstance(value, str):
        return from_epoch_ms(value)
    text = value.strip()
    if not text.isascii():  # strptime's %Y and %d take any Unicode digit
        return value
    for fmt in _LOCAL_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=SHANGHAI)
        except ValueError:
            continue
    if _INTEGER.match(text):
        return from_epoch_ms(text)
    return value


def from_iso_string(value: Any) -> Any:
    """ISO strings like `2022-08-31T11:52Z` -> aware datetime converted to Asia/Shanghai."""
    if isinstance(value, str) and value.strip():
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=SHANGHAI)
        return parsed.astimezone(SHANGHAI)
    return value


def to_work_date(value: Any) -> Any:
    """A work date (epoch ms of local midnight, `yyyy-MM-dd[ HH:mm:ss]`) -> date."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    converted = from_local_string(value)
    if isinstance(converted, datetime):
        return converted.astimezone(SHANGHAI).date()
    return value


EpochMs = Annotated[datetime, BeforeValidator(from_epoch_ms)]
LocalDateTime = Annotated[datetime, BeforeValidator(from_local_string)]
IsoDateTime = Annotated[datetime, BeforeValidator(from_iso_string)]
WorkDate = Annotated[date, BeforeValidator(to_work_date)]


class WireModel(BaseModel):
    """Base for DingTalk payloads: exact wire names as aliases, unknown fields kept."""

    model_config = ConfigDict(populate_by_name=True, extra="allow", frozen=True)
