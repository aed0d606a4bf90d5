"""Hostile Stream frames: every one unique, so each must land once (stored or quarantined)."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from datetime import date

EVENT = "attend_user_daily_summary_refresh"
ODD_TEXT = [
    "\ud800",  # a lone surrogate: valid JSON as an escape, no UTF-8 for it
    "\udfff\ud800",
    "\u0000nul",
    "\u202eevil\u202c",  # right-to-left override
    "zero\u200bwidth",
    "😀" * 50,
    "考勤" * 100,
    "e\u0301",  # a combining accent
]
HOSTILE_IDS = ["'; DROP TABLE events; --", "../../etc/passwd", "a\\b", "%00", "<script>", "*"]


def _frame(message_id: str | None, event_id: str | None, data: object, **headers: object) -> str:
    head: dict[str, object] = {"eventType": EVENT, "eventBornTime": str(int(time.time() * 1000))}
    if message_id is not None:
        head["messageId"] = message_id
    if event_id is not None:
        head["eventId"] = event_id
    head.update(headers)
    body = data if isinstance(data, str) else json.dumps(data)
    return json.dumps({"specVersion": "1.0", "type": "EVENT", "headers": head, "data": body})


def _good(n: int) -> dict[str, object]:
    return {"workDate": date.today().isoformat(), "userId": f"u{n}"}


def _kinds() -> list[tuple[str, Callable[[int], str]]]:
    today = date.today().isoformat()
    return [
        ("valid", lambda n: _frame(f"m{n}", f"e{n}", _good(n))),
        (
            "odd text",
            lambda n: _frame(
                f"m{n}", f"e{n}", {**_good(n), "userId": f"u{n}" + random.choice(ODD_TEXT)}
            ),
        ),
        (
            "odd text in an extra field",
            lambda n: _frame(f"m{n}", f"e{n}", {**_good(n), "note": random.choice(ODD_TEXT)}),
        ),
        ("deep nesting in data", lambda n: _frame(f"m{n}", f"e{n}", "[" * 1000 + "]" * 1000)),
        (
            "deep nesting in the frame",
            lambda n: (
                f'{{"headers": {{"messageId": "m{n}"}}, "type": "EVENT", "data": '
                + "[" * 1500
                + "]" * 1500
                + "}"
            ),
        ),
        (
            "nesting that parses",
            lambda n: _frame(
                f"m{n}", f"e{n}", {**_good(n), "x": json.loads("[" * 900 + "]" * 900)}
            ),
        ),
        (
            "wrong types",
            lambda n: _frame(
                f"m{n}",
                f"e{n}",
                random.choice(
                    [
                        {"workDate": 20261105, "userId": "u"},
                        {"workDate": today, "userId": []},
                        [1, 2],
                        "text",
                        None,
                    ]
                ),
            ),
        ),
        (
            "missing headers",
            lambda n: _frame(random.choice([None, f"m{n}"]), None, {**_good(n), "n": n}),
        ),
        (
            "absurd dates",
            lambda n: _frame(
                f"m{n}",
                f"e{n}",
                {
                    **_good(n),
                    "workDate": random.choice(
                        [
                            "9999-12-31",
                            "2026-11-05\n",
                            "2026-11-05 99:99:99",
                            "0000-00-00",
                            "２０２６-11-05",
                        ]
                    ),
                },
            ),
        ),
        (
            "absurd born time",
            lambda n: _frame(
                f"m{n}",
                f"e{n}",
                _good(n),
                eventBornTime=random.choice(["0", "99999999999999", "-5", "²³"]),
            ),
        ),
        (
            "sql- and path-like ids",
            lambda n: _frame(
                f"m{n}",
                f"{random.choice(HOSTILE_IDS)}{n}",
                {**_good(n), "userId": random.choice(HOSTILE_IDS)},
            ),
        ),
        (
            "not JSON",
            lambda n: random.choice(
                [
                    f'{{"type": "EVENT", "headers": {{"messageId": "m{n}"',
                    f"\x00\x01{n}",
                    f"null{n}",
                ]
            ),
        ),
        ("1 MB frame", lambda n: _frame(f"m{n}", f"e{n}", {**_good(n), "blob": "x" * 2**20})),
    ]


def fuzzed_frames(count: int, seed: int = 17) -> tuple[list[str], dict[str, int]]:
    """`count` unique frames over every kind (1 MB frames rarer), with the count per kind."""
    random.seed(seed)
    kinds = _kinds()
    weights = [20 if name == "valid" else 1 if name == "1 MB frame" else 8 for name, _ in kinds]
    frames, per_kind = [], {name: 0 for name, _ in kinds}
    for n in range(count):
        name, make = random.choices(kinds, weights)[0]
        frames.append(make(n))
        per_kind[name] += 1
    return frames, per_kind


def flood_frames(count: int, size: int) -> list[str]:
    """`count` frames of about `size` bytes each (over the listener's frame limit)."""
    return [
        _frame(f"flood{n}", f"flood{n}", {**_good(n), "blob": "y" * size}) for n in range(count)
    ]
