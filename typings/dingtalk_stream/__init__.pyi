# Local stubs for the parts of dingtalk-stream 0.24.3 this project uses (the SDK ships no types).
# Wire values the SDK copies from a frame without checking are typed `object`: the caller
# validates them (pipelines/stream/events.py).
from .credential import Credential as Credential
from .frames import AckMessage as AckMessage
from .frames import EventMessage as EventMessage
from .frames import Headers as Headers
from .frames import SystemMessage as SystemMessage
from .handlers import EventHandler as EventHandler
from .handlers import SystemHandler as SystemHandler
from .stream import DingTalkStreamClient as DingTalkStreamClient
