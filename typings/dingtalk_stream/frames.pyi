from typing import Any, ClassVar, Self

class Headers:
    CONTENT_TYPE_APPLICATION_JSON: ClassVar[str]
    # Copied from the frame's JSON as they come, so any JSON value (or None when absent).
    app_id: object
    connection_id: object
    content_type: object
    message_id: object
    topic: object
    extensions: dict[str, Any]
    event_corp_id: object
    event_id: object
    event_type: object
    event_unified_app_id: object
    # Converted with int() by `from_dict`.
    time: int | None
    event_born_time: int | None
    def __init__(self) -> None: ...
    def to_dict(self) -> dict[str, Any]: ...
    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Headers: ...

class _Message:
    TYPE: ClassVar[str]
    spec_version: object
    type: str
    headers: Headers
    # `{}` or whatever `json.loads` made of the frame's `data` string.
    data: Any
    extensions: dict[str, Any]
    def __init__(self) -> None: ...
    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self: ...

class EventMessage(_Message): ...

class SystemMessage(_Message):
    TOPIC_DISCONNECT: ClassVar[str]

class AckMessage:
    STATUS_OK: ClassVar[int]
    STATUS_BAD_REQUEST: ClassVar[int]
    STATUS_NOT_IMPLEMENT: ClassVar[int]
    STATUS_SYSTEM_EXCEPTION: ClassVar[int]
    code: int
    headers: Headers
    message: str
    data: Any
    def __init__(self) -> None: ...
    def to_dict(self) -> dict[str, Any]: ...
