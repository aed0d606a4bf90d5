"""`dingtalk-attendance emulator`: serve the local DingTalk on loopback until stopped."""

from __future__ import annotations

import json
import signal
import sys
import threading
from datetime import date, datetime

import typer

from pipelines.cli import app
from pipelines.days import SHANGHAI
from pipelines.emulator.config import DEFAULT_CLIENT_ID, EmulatorConfig, Faults
from pipelines.emulator.org import DEFAULT_START
from pipelines.emulator.server import EmulatorServer
from pipelines.emulator.stream import GatewayConfig


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from None


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected YYYY-MM-DDTHH:MM:SS, got {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


@app.command()
def emulator(
    port: int = typer.Option(0, min=0, max=65535, help="Port (0: any free port)."),
    host: str = typer.Option("127.0.0.1", help="Interface to bind (loopback by default)."),
    employees: int = typer.Option(30, min=1, help="Employees of the emulated org."),
    seed: int = typer.Option(7, help="Seed: the same seed gives the same org."),
    start: str = typer.Option(DEFAULT_START.isoformat(), help="First day (YYYY-MM-DD)."),
    days: int = typer.Option(14, min=1, max=400, help="Days of attendance data."),
    speed: float = typer.Option(60.0, min=0, help="Simulated seconds per real second."),
    clock_start: str | None = typer.Option(
        None, help="Initial clock (YYYY-MM-DDTHH:MM:SS, Asia/Shanghai); default: last day 00:00."
    ),
    client_id: str = typer.Option(DEFAULT_CLIENT_ID, help="Client ID (AppKey) to accept."),
    client_secret: str | None = typer.Option(None, help="Client secret (default: from seed)."),
    qps: float = typer.Option(20.0, min=0.1, help="Calls per second per API before 90018."),
    monthly_quota: int = typer.Option(5000, min=0, help="Metered calls per month (90020)."),
    ip_limit: int = typer.Option(
        10_000, min=0, help="Calls per 20 s per IP before a ban (0: off)."
    ),
    error_5xx_rate: float = typer.Option(0.0, min=0, max=1, help="Share of calls answered 503."),
    throttle_rate: float = typer.Option(0.0, min=0, max=1, help="Share of calls throttled."),
    token_expire_after: int = typer.Option(0, min=0, help="Expire a token after K calls."),
    ip_ban_seconds: float = typer.Option(0.0, min=0, help="Ban every call for N seconds."),
    latency_ms: float = typer.Option(0.0, min=0, help="Latency added to every API answer."),
    redelivery_delay: float = typer.Option(60.0, min=0.01, help="Stream redelivery delay (s)."),
) -> None:
    """Run the local DingTalk; prints one JSON line with base URLs and credentials."""
    config = EmulatorConfig(
        seed=seed,
        employees=employees,
        start=_date(start),
        days=days,
        speed=speed,
        clock_start=_moment(clock_start),
        host=host,
        port=port,
        client_id=client_id,
        client_secret=client_secret,
        qps_per_api=qps,
        monthly_quota=monthly_quota,
        ip_limit_calls=ip_limit,
        faults=Faults(
            error_5xx_rate, throttle_rate, token_expire_after, ip_ban_seconds, latency_ms
        ),
        stream=GatewayConfig(seed=seed, redelivery_delay=redelivery_delay),
    )
    server = EmulatorServer(config).start()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda _signum, _frame: stop.set())
    print(json.dumps(server.connection_info()), flush=True)
    try:
        while not stop.wait(0.5):
            if not server.running:
                print("emulator stopped unexpectedly", file=sys.stderr)
                raise typer.Exit(1)
    finally:
        server.stop()
