"""Hosts for the multi-host test: network namespaces on one bridge, and TCP relays that let
them reach the services the root namespace offers on loopback only (PostgreSQL, the broker, the
emulator)."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.services import unavailable

SUBNET = "10.231.77"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@dataclass(frozen=True)
class Host:
    """One namespace: its name, its address and the root-side end of its link."""

    namespace: str
    address: str
    link: str

    def command(self, *args: str) -> list[str]:
        return ["ip", "netns", "exec", self.namespace, *args]

    def cut(self) -> None:
        _ip("link", "set", self.link, "down")

    def restore(self) -> None:
        _ip("link", "set", self.link, "up")


def require_netns() -> None:
    if shutil.which("ip") is None:
        unavailable("`ip` (iproute2) is not installed: no network namespaces")
    probe = f"atp{secrets.token_hex(3)}"
    try:
        _ip("netns", "add", probe)
        _ip("netns", "del", probe)
    except (subprocess.CalledProcessError, OSError) as error:
        unavailable(f"`ip netns add` is not permitted here ({error})")


@contextmanager
def hosts(count: int) -> Iterator[tuple[str, list[Host]]]:
    """A bridge with `count` namespaces on it; yields the bridge's address and the hosts."""
    tag = secrets.token_hex(2)
    bridge = f"atbr{tag}"
    made: list[Host] = []
    _ip("link", "add", bridge, "type", "bridge")
    try:
        _ip("addr", "add", f"{SUBNET}.1/24", "dev", bridge)
        _ip("link", "set", bridge, "up")
        for index in range(count):
            host = Host(f"at{tag}h{index}", f"{SUBNET}.{index + 2}", f"at{tag}r{index}")
            inner = f"at{tag}i{index}"
            _ip("netns", "add", host.namespace)
            made.append(host)
            _ip("link", "add", host.link, "type", "veth", "peer", "name", inner)
            _ip("link", "set", inner, "netns", host.namespace)
            _ip("link", "set", host.link, "master", bridge, "up")
            inside = ["netns", "exec", host.namespace, "ip"]
            _ip(*inside, "addr", "add", f"{host.address}/24", "dev", inner)
            _ip(*inside, "link", "set", inner, "up")
            _ip(*inside, "link", "set", "lo", "up")
        yield f"{SUBNET}.1", made
    finally:
        for host in made:
            subprocess.run(["ip", "netns", "del", host.namespace], capture_output=True, timeout=30)
        subprocess.run(["ip", "link", "del", bridge], capture_output=True, timeout=30)


def caller_address(host: Host) -> str:
    """The loopback address a `relay(..., keep_caller=True)` connects from for `host`."""
    return "127.0.0." + host.address.rsplit(".", 1)[1]


@contextmanager
def relay(listen_host: str, target: tuple[str, int], keep_caller: bool = False) -> Iterator[int]:
    """Forward TCP connections on `listen_host`:<port> to `target` (`tests/integration/relay.py`,
    a process of its own); yields the port. With `keep_caller` each host's connections leave
    from its own loopback address (`caller_address`), so the service tells the hosts apart."""
    argv = [sys.executable, "-m", "tests.integration.relay", listen_host, *map(str, target)]
    process = subprocess.Popen(
        argv + (["--keep-caller"] if keep_caller else []),
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.strip():
            raise RuntimeError(f"the relay to {target} did not start")
        yield int(line)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
