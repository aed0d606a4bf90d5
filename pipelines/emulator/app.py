"""The emulator as an ASGI app (starlette) and as an httpx MockTransport, over one dispatcher."""

from __future__ import annotations

import asyncio
import time

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pipelines.emulator.dispatch import dispatch
from pipelines.emulator.http import ApiAnswer, ApiRequest
from pipelines.emulator.state import EmulatorState

JSON = "application/json;charset=utf-8"
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]


def _response(answer: ApiAnswer) -> Response:
    return Response(answer.encode(), status_code=answer.status, media_type=JSON)


def build_app(
    state: EmulatorState, extra_routes: list[BaseRoute] | None = None, lifespan=None
) -> Starlette:
    """The ASGI app: `extra_routes` (the Stream gateway's) first, then every other path."""

    async def endpoint(request: Request) -> Response:
        api_request = ApiRequest(
            method=request.method,
            path=request.url.path,
            query=dict(request.query_params),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=await request.body(),
            client_host=request.client.host if request.client else "",
        )
        answer = dispatch(state, api_request)
        if answer.delay_seconds:
            await asyncio.sleep(answer.delay_seconds)
        return _response(answer)

    routes = list(extra_routes or [])
    routes.append(Route("/{path:path}", endpoint, methods=METHODS))
    return Starlette(routes=routes, lifespan=lifespan)


def mock_transport(state: EmulatorState) -> httpx.MockTransport:
    """The same API without a socket: `httpx.Client(transport=mock_transport(state))`.

    Any host works; paths under `/oapi` are the old API, `/v1.0` the new one, `/_emulator`
    the control endpoints (treated as loopback).
    """

    def handler(request: httpx.Request) -> httpx.Response:
        api_request = ApiRequest(
            method=request.method,
            path=request.url.path,
            query=dict(request.url.params.multi_items()),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=request.read(),
            client_host="mock",
        )
        answer = dispatch(state, api_request)
        if answer.delay_seconds:
            time.sleep(answer.delay_seconds)
        return httpx.Response(
            answer.status, content=answer.encode(), headers={"content-type": JSON}
        )

    return httpx.MockTransport(handler)
