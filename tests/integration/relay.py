"""A TCP relay in a process of its own: `python -m tests.integration.relay LISTEN_HOST HOST PORT
[--keep-caller]` forwards connections on LISTEN_HOST:<port> to HOST:PORT and prints <port>.

The multi-host test's namespaces reach PostgreSQL, the broker and the emulator through these.
They run outside the test's process, one event loop each, so that the emulator's threads and the
test's own work never hold a forwarded packet back (a call delayed ~0.1 s more than the next one
can put three calls of a 2-per-second limit into one of the emulator's one-second windows).
With `--keep-caller` a caller 10.x.y.N connects on from 127.0.0.N, so the target tells the
namespaces apart (the emulator's call log).
"""

from __future__ import annotations

import asyncio
import sys


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


async def _serve(listen_host: str, target: tuple[str, int], keep_caller: bool) -> None:
    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        caller = writer.get_extra_info("peername")[0]
        source = ("127.0.0." + caller.rsplit(".", 1)[1], 0) if keep_caller else None
        try:
            up_reader, up_writer = await asyncio.open_connection(*target, local_addr=source)
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    server = await asyncio.start_server(accept, listen_host, 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    host, port = sys.argv[2], int(sys.argv[3])
    asyncio.run(_serve(sys.argv[1], (host, port), "--keep-caller" in sys.argv[4:]))
