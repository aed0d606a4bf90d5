"""Payloads built from the event table alone: the required fields, in every accepted spelling."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from datetime import date

from dingtalk_stream import EventMessage

from pipelines.stream.event_types import EventSpec, FieldKind, PayloadField

NOW_MS = int(time.time() * 1000)
_VALUES: dict[FieldKind, object] = {
    "text": "finish",  # also a status and a type that the mapping acts on
    "id": "10001",
    "list": ["u1"],
    "epoch_ms": NOW_MS,
    "date": date.today().isoformat(),
}


def spelled_payloads(spec: EventSpec) -> Iterator[dict[str, object]]:
    """One minimal valid payload per combination of spellings (of the list and of each field)."""
    for spellings in itertools.product(*(f.spellings for f in spec.fields)):
        fields = _fields(spec.fields, spellings)
        if spec.items:
            yield from ({items: [fields]} for items in spec.items)
        else:
            yield fields


def _fields(fields: tuple[PayloadField, ...], spellings: tuple[str, ...]) -> dict[str, object]:
    return {spelling: _VALUES[f.kind] for f, spelling in zip(fields, spellings, strict=True)}


def event_frame(event_type: str, data: object, **headers: object) -> EventMessage:
    """An SDK EventMessage as the listener receives it; a header given as None is left out."""
    wire: dict[str, object] = {
        "messageId": "m1",
        "eventId": "e1",
        "eventType": event_type,
        "eventBornTime": str(NOW_MS),
        "eventCorpId": "dingcorp",
        "time": str(NOW_MS),
        "topic": "*",
    }
    wire.update(headers)
    wire = {key: value for key, value in wire.items() if value is not None}
    return EventMessage.from_dict({"type": "EVENT", "headers": wire, "data": json.dumps(data)})
