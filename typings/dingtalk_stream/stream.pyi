import logging
from typing import Any, ClassVar

from .credential import Credential
from .handlers import EventHandler, SystemHandler

class DingTalkStreamClient:
    OPEN_CONNECTION_API: str  # a class attribute the client overrides per instance
    TAG_DISCONNECT: ClassVar[str]
    credential: Credential
    event_handler: EventHandler
    system_handler: SystemHandler
    websocket: Any
    logger: logging.Logger
    def __init__(self, credential: Credential, logger: logging.Logger | None = None) -> None: ...
    def register_all_event_handler(self, handler: EventHandler) -> None: ...
    def pre_start(self) -> None: ...
    async def start(self) -> None: ...
    def start_forever(self) -> None: ...
    def get_host_ip(self) -> str: ...
