"""Request parameter helpers: missing -> 40035, malformed or over a limit -> 400002 (see docs)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from pipelines.days import days_between
from pipelines.emulator.calendar import from_ms, parse_local
from pipelines.emulator.http import ApiError

MISSING = 40035  # 缺少参数 (documented for missing parameters)
INVALID = 400002  # 参数错误: the exact codes of limit violations are not documented


def need(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if value is None or value == "" or value == []:
        raise ApiError(MISSING, f"缺少参数 {name}", code="MissingParameter")
    return value


def invalid(message: str) -> ApiError:
    return ApiError(INVALID, message, code="invalidParameter")


def check(condition: bool, message: str) -> None:
    if not condition:
        raise invalid(message)


def str_list(value: Any, name: str) -> list[str]:
    """A list given as a JSON list, a JSON-encoded list or a comma-separated string."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                raise invalid(f"参数 {name} 不是合法的列表") from None
        else:
            value = [part.strip() for part in text.split(",") if part.strip()]
    if not isinstance(value, list):
        raise invalid(f"参数 {name} 必须是列表")
    return [str(item) for item in value]


def to_int(params: dict[str, Any], name: str, default: int | None = None) -> int:
    value = params.get(name, default)
    if value is None or value == "":
        if default is None:
            raise ApiError(MISSING, f"缺少参数 {name}", code="MissingParameter")
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid(f"参数 {name} 必须是整数") from None


def to_time(params: dict[str, Any], name: str) -> datetime:
    """A `yyyy-MM-dd[ HH:mm:ss]` string parameter as an aware Asia/Shanghai datetime."""
    value = need(params, name)
    try:
        return parse_local(str(value))
    except ValueError:
        raise invalid(f"参数 {name} 格式错误，应为 yyyy-MM-dd HH:mm:ss") from None


def to_ms_time(params: dict[str, Any], name: str) -> datetime:
    """An epoch-millisecond parameter as an aware Asia/Shanghai datetime."""
    value = need(params, name)
    try:
        return from_ms(value)
    except (TypeError, ValueError, OverflowError):
        raise invalid(f"参数 {name} 必须是毫秒时间戳") from None


def check_span(first: date, last: date, max_days: int, what: str) -> list[date]:
    """Dates first..last inclusive, refusing reversed windows and spans over `max_days`."""
    check(last >= first, f"{what}: 结束时间不能早于开始时间")
    check((last - first).days + 1 <= max_days, f"{what}: 时间跨度不能超过{max_days}天")
    return days_between(first, last)


def check_not_older(moment: datetime | date, now: datetime, max_days: int, name: str) -> None:
    day = moment.date() if isinstance(moment, datetime) else moment
    check(day >= now.date() - timedelta(days=max_days), f"参数 {name} 不能早于{max_days}天前")


def check_batch(items: list[Any], maximum: int, name: str) -> None:
    check(len(items) <= maximum, f"参数 {name} 最多{maximum}个")
