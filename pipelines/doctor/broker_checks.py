"""`doctor` on the Celery broker (ATTENDANCE_CELERY_BROKER_URL): RabbitMQ or Redis, one line.

The check logs in as the workers would: for RabbitMQ the AMQP handshake up to opening the
virtual host (py-amqp, what Celery itself uses, from requirements-cluster.txt); for Redis
AUTH, SELECT and PING over a plain socket (Celery's Redis transport needs redis-py, which a
RabbitMQ deployment does not install). Empty URL: no Celery, nothing to check.
"""

from __future__ import annotations

import importlib
import socket
import ssl
from typing import Any
from urllib.parse import unquote, urlsplit

from pipelines.doctor.findings import DoctorReport
from pipelines.settings import Settings
from pipelines.state.postgres.database import redacted

VARIABLE = "ATTENDANCE_CELERY_BROKER_URL"
TIMEOUT_S = 3.0
AMQP_SCHEMES = {"amqp": 5672, "pyamqp": 5672, "amqps": 5671}
REDIS_SCHEMES = {"redis": 6379, "rediss": 6379}


class BrokerUnreachable(Exception):
    """The broker did not let us in; the message is the root cause, one line."""


def check_broker(report: DoctorReport, settings: Settings) -> None:
    """One line: the configured Celery broker reachable with its login, or the root cause."""
    url = settings.attendance_celery_broker_url.get_secret_value()
    if not url:
        return
    shown = redacted(url)
    try:
        what = probe_broker(url)
    except BrokerUnreachable as error:
        report.add("fail", "broker", f"Celery broker {shown}: {error}; fix {VARIABLE}.")
        return
    report.add("ok", "broker", f"Celery broker {shown} reachable ({what}).")


def probe_broker(url: str, timeout: float = TIMEOUT_S) -> str:
    """Log in to the broker at `url`; what answered, or BrokerUnreachable with the cause."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        raise BrokerUnreachable("the port is not a number") from None
    host = parts.hostname or "localhost"
    if scheme in AMQP_SCHEMES:
        return _probe_amqp(url, host, port or AMQP_SCHEMES[scheme], timeout)
    if scheme in REDIS_SCHEMES:
        return _probe_redis(url, host, port or REDIS_SCHEMES[scheme], timeout)
    raise BrokerUnreachable(f"scheme {scheme or '(none)'}:// is not pyamqp://, amqp:// or redis://")


def _probe_amqp(url: str, host: str, port: int, timeout: float) -> str:
    try:
        amqp: Any = importlib.import_module("amqp")
    except ImportError:
        raise BrokerUnreachable(
            "py-amqp is not installed (pip install -r requirements-cluster.txt)"
        ) from None
    parts = urlsplit(url)
    user, password = unquote(parts.username or "guest"), unquote(parts.password or "guest")
    # Celery's URL form: the path after the first slash is the vhost; "//" is the vhost "/".
    vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
    connection = amqp.Connection(
        host=f"{host}:{port}",
        userid=user,
        password=password,
        virtual_host=vhost,
        connect_timeout=timeout,
        ssl=parts.scheme.lower() == "amqps",
    )
    try:
        connection.connect()
        connection.close()
    except amqp.exceptions.AccessRefused:
        raise BrokerUnreachable(f"RabbitMQ refused the login of user {user}") from None
    except amqp.exceptions.NotAllowed:
        raise BrokerUnreachable(f"user {user} may not open the virtual host {vhost!r}") from None
    except (OSError, amqp.exceptions.AMQPError) as error:
        raise BrokerUnreachable(_network_cause(error, host, port)) from None
    finally:
        connection.collect()  # drops the socket of a refused or dead link (no-op after close)
    return f"RabbitMQ at {host}:{port}, user {user}, virtual host {vhost!r}"


def _probe_redis(url: str, host: str, port: int, timeout: float) -> str:
    parts = urlsplit(url)
    database = parts.path.strip("/") or "0"
    if not database.isdigit():
        raise BrokerUnreachable(f"the Redis database {database!r} is not a number")
    commands: list[list[str]] = []
    if parts.password is not None:  # redis://:password@host or redis://user:password@host
        user = unquote(parts.username or "")
        commands.append(["AUTH", *([user] if user else []), unquote(parts.password)])
    commands += [["SELECT", database], ["PING"]]
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            stream = (
                ssl.create_default_context().wrap_socket(raw, server_hostname=host)
                if parts.scheme.lower() == "rediss"
                else raw
            )
            reader = stream.makefile("rb")
            for command in commands:
                stream.sendall(_resp(command))
                answer = reader.readline().decode("utf-8", "replace").strip()
                if not answer.startswith("+"):
                    raise BrokerUnreachable(
                        f"Redis answered {command[0]} with {answer or 'nothing'}"
                    )
    except OSError as error:
        raise BrokerUnreachable(_network_cause(error, host, port)) from None
    return f"Redis at {host}:{port}, database {database}"


def _resp(command: list[str]) -> bytes:
    """A Redis command in RESP (an array of bulk strings): arguments never need quoting."""
    parts = [f"*{len(command)}\r\n".encode()]
    for argument in command:
        data = argument.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def _network_cause(error: BaseException, host: str, port: int) -> str:
    if isinstance(error, ConnectionRefusedError):
        return f"connection refused at {host}:{port} (nothing listens there)"
    if isinstance(error, TimeoutError | socket.timeout):
        return f"no answer from {host}:{port} within {TIMEOUT_S:g} s"
    if isinstance(error, socket.gaierror):
        return f"unknown host {host}"
    text = " ".join(str(error).split()) or type(error).__name__
    return f"{text} at {host}:{port}"
