"""`serve`: the listener, the Dagster webserver and the daemon, stopped together on a signal.

Against real DingTalk when credentials are set, or an embedded emulator (a thread of this
process) with `--emulator`. The Dagster instance is `$ATTENDANCE_DATA_DIR/dagster_home`.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from pipelines.demo.environment import child_environment, emulator_variables, venv_executable
from pipelines.demo.instance import initialize_instance, prepare_dagster_home
from pipelines.demo.processes import ProcessGroup
from pipelines.emulator.config import EmulatorConfig
from pipelines.emulator.server import EmulatorServer
from pipelines.settings import Settings

CODE_LOCATION = ("-m", "pipelines.definitions")
# `serve --emulator` keeps its emulated employees, calls and runs apart from the real ones.
EMULATOR_DIRNAME = "emulator"
POLL_S = 0.5


@dataclass(frozen=True)
class ServeOptions:
    """What `serve` runs: where the webserver listens, and the emulator's org and clock."""

    host: str = "127.0.0.1"
    port: int = 3000
    emulator: bool = False
    employees: int = 50
    days: int = 14
    speed: float = 60.0


@contextmanager
def stop_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM while the block runs (handlers restored after)."""
    stop = threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda *_: stop.set())
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_serve(options: ServeOptions, settings: Settings, say: Callable[[str], None]) -> int:
    """Run until SIGINT/SIGTERM (exit 0) or until a child dies (exit 1)."""
    if not options.emulator:
        settings.require_credentials()  # before anything is created or started
    data_dir = serve_data_dir(settings, options.emulator)
    home = prepare_dagster_home(data_dir)
    initialize_instance(home)
    with stop_signals() as stop, ExitStack() as stack:
        extra: dict[str, str] = {}
        control_url = None
        if options.emulator:
            config = EmulatorConfig(employees=options.employees, days=options.days)
            server = stack.enter_context(EmulatorServer(config))
            _set_speed(server, options.speed)
            extra = emulator_variables(server)
            control_url = server.control_url
        env = child_environment(settings, data_dir, home, **extra)
        group = stack.enter_context(ProcessGroup())
        _spawn_all(group, options, env)
        webserver_url = f"http://{options.host}:{options.port}"
        info = {"webserver_url": webserver_url, "emulator_control_url": control_url}
        say("serve: " + json.dumps({**info, "data_dir": str(data_dir), "dagster_home": str(home)}))
        return _supervise(group, stop, webserver_url, say)


def serve_data_dir(settings: Settings, emulator: bool) -> Path:
    """The data dir, or with the emulator `<data dir>/emulator`: emulated rows never reach the
    real warehouse, nor emulated calls the real quota ledger (as `demo` uses `<data dir>/demo`)."""
    root = settings.attendance_data_dir.resolve()
    return root / EMULATOR_DIRNAME if emulator else root


def _set_speed(server: EmulatorServer, speed: float) -> None:
    httpx.post(f"{server.control_url}/clock", json={"speed": speed}, timeout=10).raise_for_status()


def _spawn_all(group: ProcessGroup, options: ServeOptions, env: dict[str, str]) -> None:
    group.spawn("listener", [sys.executable, "-m", "pipelines", "listen"], env)
    group.spawn("dagster-daemon", [venv_executable("dagster-daemon"), "run", *CODE_LOCATION], env)
    webserver = [venv_executable("dagster-webserver"), "-h", options.host, "-p", str(options.port)]
    group.spawn("dagster-webserver", [*webserver, *CODE_LOCATION], env)


def _supervise(
    group: ProcessGroup, stop: threading.Event, webserver_url: str, say: Callable[[str], None]
) -> int:
    ready = False
    while not stop.wait(POLL_S):
        dead = group.exited()
        if dead:
            names = ", ".join(f"{c.name} (exit {c.process.returncode})" for c in dead)
            say(f"serve: {names} stopped unexpectedly; stopping everything.")
            return 1
        if not ready and _answers(webserver_url):
            ready = True
            say(f"serve: Dagster UI ready at {webserver_url} (Ctrl-C stops everything).")
    say("serve: stopping the listener, the daemon and the webserver...")
    return 0


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/server_info", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for_url(url: str, timeout: float) -> bool:
    """True once `url/server_info` answers 200 (used by tests and the demo)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _answers(url):
            return True
        time.sleep(POLL_S)
    return False
