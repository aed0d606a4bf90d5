"""Control endpoints under /_emulator (loopback only): stats, truth, clock, emit, faults,
push_quota and assumptions."""

from __future__ import annotations

from datetime import date
from typing import Any

from pipelines.emulator.calendar import parse_local
from pipelines.emulator.http import ApiAnswer, ApiRequest
from pipelines.emulator.model import ScheduledEvent
from pipelines.emulator.state import EmulatorState
from pipelines.emulator.truth import export_truth

# Stream figures copied to the top level of the stats: our name -> the gateway's stats key.
GATEWAY_FIGURES = {
    "pushes": "deliveries",
    "pushes_metered": "pushes_metered",
    "acks": "acks",
    "redeliveries": "redeliveries",
    "failed_list_size": "failed_list_size",
    "connections_open": "connections_open",
}


class ControlError(Exception):
    """Bad control input: answered 400 with a one-line message."""


def stats(state: EmulatorState) -> dict[str, Any]:
    """The `GET /_emulator/stats` document (shape in docs/emulator.md)."""
    meter = state.meter
    gateway = state.gateway.stats() if state.gateway is not None else None
    document = {
        "now": state.now().isoformat(),
        "speed": state.clock.speed,
        "api_calls": dict(meter.calls),
        "metered_calls": dict(meter.metered),
        "metered_calls_total": sum(meter.metered.values()),
        "metered_calls_this_month": meter.metered_in(state.month()),
        "monthly_quota": state.config.monthly_quota,
        "rejected": dict(meter.rejected),
        "events_emitted": sum(state.events_emitted.values()),
        "events_emitted_by_type": dict(state.events_emitted),
        "stream": gateway,
        "push_quota": _push_quota_status(state),
        "assumptions": dict(state.config.assumptions.__dict__),
    }
    for figure, key in GATEWAY_FIGURES.items():
        document[figure] = (gateway or {}).get(key, 0)
    return document


def _push_quota_status(state: EmulatorState) -> dict[str, Any] | None:
    """This month's pushes against the quota (None without a Stream gateway)."""
    if state.gateway is None:
        return None
    return state.gateway.push_quota_status(state.month())


def _push_quota(state: EmulatorState, body: dict[str, Any]) -> dict[str, Any]:
    if state.gateway is None:
        raise ControlError("no Stream gateway is mounted")
    try:
        return state.gateway.set_push_quota(body, state.month())
    except ValueError as error:
        raise ControlError(str(error)) from None


def _assumptions(state: EmulatorState, body: dict[str, Any]) -> dict[str, Any]:
    try:
        state.config.assumptions.update(body)
    except (TypeError, ValueError) as error:
        raise ControlError(str(error)) from None
    return dict(state.config.assumptions.__dict__)


def _truth(state: EmulatorState, request: ApiRequest) -> dict[str, Any]:
    dates = state.org.dates
    try:
        first = date.fromisoformat(request.query.get("from") or dates[0].isoformat())
        last = date.fromisoformat(request.query.get("to") or dates[-1].isoformat())
    except ValueError:
        raise ControlError("from and to must be YYYY-MM-DD") from None
    if last < first or (last - first).days > 366:
        raise ControlError("to must be on or after from, at most 366 days later")
    return export_truth(state.org, first, last, state.now(), state.config.assumptions)


def _clock(state: EmulatorState, body: dict[str, Any]) -> dict[str, Any]:
    try:
        if "speed" in body:
            state.clock.set_speed(float(body["speed"]))
        if "advance_seconds" in body:
            state.clock.advance(float(body["advance_seconds"]))
        if "to" in body:
            state.clock.move_to(parse_local(str(body["to"]).replace("T", " ")))
    except (TypeError, ValueError) as error:
        raise ControlError(str(error)) from None
    emitted = state.pump()
    return {"now": state.now().isoformat(), "speed": state.clock.speed, "emitted": emitted}


def _emit(state: EmulatorState, body: dict[str, Any]) -> dict[str, Any]:
    event_type = body.get("event_type")
    if not isinstance(event_type, str) or not event_type:
        raise ControlError("event_type is required")
    data = body.get("data")
    if data is None and event_type == "attendance_report_column_change":
        data = {
            "corpId": state.org.corp_id,
            "columnId": str(body.get("column_id", "129339041")),
            "type": body.get("type", "UPDATE"),
        }
    if not isinstance(data, dict):
        raise ControlError("data must be a JSON object (the event payload)")
    now = state.now()
    key = f"emit:{event_type}:{now.isoformat()}:{sum(state.events_emitted.values())}"
    event_id = state.publish(ScheduledEvent(now, event_type, data, key))
    return {"event_id": event_id, "event_type": event_type}


def _faults(state: EmulatorState, body: dict[str, Any]) -> dict[str, Any]:
    try:
        return dict(state.set_faults(body).__dict__)
    except (TypeError, ValueError) as error:
        raise ControlError(str(error)) from None


def _disconnect(state: EmulatorState, body: dict[str, Any]) -> dict[str, Any]:
    if state.gateway is None:
        raise ControlError("no Stream gateway is mounted")
    reason = str(body.get("reason", "connection is expired"))
    state.gateway.disconnect_all(reason)
    return {"disconnected": True, "reason": reason}


def dispatch_control(state: EmulatorState, request: ApiRequest) -> ApiAnswer:
    """Answer a control request; only loopback clients may use these endpoints."""
    if not request.is_loopback:
        return ApiAnswer(403, {"error": "control endpoints answer loopback clients only"})
    name = request.path.removeprefix("/_emulator").strip("/")
    try:
        if request.method == "GET" and name == "stats":
            return ApiAnswer(200, stats(state))
        if request.method == "GET" and name == "truth":
            return ApiAnswer(200, _truth(state, request))
        posts = {
            "clock": _clock,
            "emit": _emit,
            "faults": _faults,
            "disconnect": _disconnect,
            "push_quota": _push_quota,
            "assumptions": _assumptions,
        }
        if request.method == "POST" and name in posts:
            return ApiAnswer(200, posts[name](state, request.body_params()))
    except ControlError as error:
        return ApiAnswer(400, {"error": str(error)})
    except Exception as error:  # body decoding errors from ApiRequest.body_params
        return ApiAnswer(400, {"error": f"bad request: {error}"})
    return ApiAnswer(404, {"error": f"no control endpoint {request.method} /_emulator/{name}"})
