"""The emulator's Stream gateway (issue 3): registration, WebSocket delivery, failed pushes."""

from pipelines.emulator.stream.config import GatewayConfig
from pipelines.emulator.stream.gateway import StreamGateway

__all__ = ["GatewayConfig", "StreamGateway"]
