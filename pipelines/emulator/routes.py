"""The route table: handlers register themselves with `@route(...)`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pipelines.emulator.http import ApiRequest, request_id

if TYPE_CHECKING:
    from pipelines.emulator.org import Org
    from pipelines.emulator.state import EmulatorState


@dataclass
class Call:
    """One authorised API call as a handler sees it."""

    state: EmulatorState
    request: ApiRequest
    params: dict[str, Any]
    now: datetime

    @property
    def org(self) -> Org:
        return self.state.org


@dataclass(frozen=True)
class Route:
    family: str  # old | new
    method: str | None  # None: any method (the old API takes GET and POST alike)
    path: str
    handler: Callable[[Call], Any]
    metered: bool
    auth: bool


ROUTES: dict[tuple[str, str], Route] = {}


def route(
    family: str, path: str, *, method: str | None = None, metered: bool = True, auth: bool = True
):
    """Register a handler for `path` of the old (`/oapi`) or new (`/v1.0`) API family."""

    def register(handler: Callable[[Call], Any]) -> Callable[[Call], Any]:
        ROUTES[(family, path)] = Route(family, method, path, handler, metered, auth)
        return handler

    return register


def ok(**fields: Any) -> dict[str, Any]:
    """An old-API success body."""
    return {"errcode": 0, "errmsg": "ok", **fields, "request_id": request_id()}
