#!/usr/bin/env python3
"""Reference TCP echo servers for the AsyncIO benchmarks.

    python asyncio_echo.py --host H --port P --mode protocol|streams|sockets [--loop asyncio|uvloop]

One echo server per asyncio layer, each written the way the asyncio docs
suggest, so the Swift `asyncio-echo` server can be compared mode for mode:

  protocol  asyncio.Protocol whose data_received() writes the data back
  streams   asyncio.start_server with a reader/writer loop and drain()
  sockets   loop.sock_accept / sock_recv / sock_sendall on plain sockets

Contract shared with `asyncio-echo` (the benchmark driver relies on it):
  * port 0 picks a free port; once the server accepts connections it prints
    exactly `listening on H:P` (with the real port) on stdout and flushes;
  * SIGINT or SIGTERM closes the server and exits with status 0.
"""

import argparse
import asyncio
import signal
import socket
import sys

READ_SIZE = 65536
BACKLOG = 1024  # the 100-connection case opens all connections at once

# Open client transports (protocol and streams modes) and stream handler
# tasks, so shutdown can close clients that are still connected instead of
# waiting for them (Server.wait_closed() waits for clients on 3.12+).
TRANSPORTS = set()
HANDLERS = set()


class EchoProtocol(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        TRANSPORTS.add(transport)

    def connection_lost(self, exc):
        TRANSPORTS.discard(self.transport)

    def data_received(self, data):
        self.transport.write(data)

    # The default eof_received() returns None, so the transport closes
    # itself once everything written so far has been flushed.


async def serve_protocol(host, port):
    loop = asyncio.get_running_loop()
    # asyncio and uvloop transports set TCP_NODELAY on accepted sockets themselves.
    server = await loop.create_server(EchoProtocol, host, port, backlog=BACKLOG)
    return server, server.sockets[0]


async def handle_stream(reader, writer):
    TRANSPORTS.add(writer.transport)
    HANDLERS.add(asyncio.current_task())
    try:
        while data := await reader.read(READ_SIZE):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        TRANSPORTS.discard(writer.transport)
        HANDLERS.discard(asyncio.current_task())
        writer.close()
        try:
            await writer.wait_closed()
        except ConnectionError:
            pass


async def serve_streams(host, port):
    server = await asyncio.start_server(handle_stream, host, port, backlog=BACKLOG)
    return server, server.sockets[0]


class SocketServer:
    """Minimal Server-like wrapper so shutdown is the same for every mode."""

    def __init__(self, sock):
        self.sock = sock
        self.clients = set()
        self.accept_task = None

    async def start(self):
        self.accept_task = asyncio.create_task(self._accept_loop())

    async def _accept_loop(self):
        loop = asyncio.get_running_loop()
        while True:
            client, _ = await loop.sock_accept(self.sock)
            # Plain sockets get no TCP_NODELAY from asyncio; without it small
            # echoes would wait for delayed ACKs (Nagle).
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            client.setblocking(False)
            task = asyncio.create_task(self._echo(client))
            self.clients.add(task)
            task.add_done_callback(self.clients.discard)

    async def _echo(self, client):
        loop = asyncio.get_running_loop()
        try:
            while data := await loop.sock_recv(client, READ_SIZE):
                await loop.sock_sendall(client, data)
        except ConnectionError:
            pass
        finally:
            client.close()

    def close(self):
        if self.accept_task:
            self.accept_task.cancel()
        for task in list(self.clients):
            task.cancel()
        self.sock.close()

    async def wait_closed(self):
        tasks = [t for t in [self.accept_task, *self.clients] if t]
        await asyncio.gather(*tasks, return_exceptions=True)


async def serve_sockets(host, port):
    info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(info[0], socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(info[4])
    sock.listen(BACKLOG)
    sock.setblocking(False)
    server = SocketServer(sock)
    await server.start()
    return server, sock


MODES = {"protocol": serve_protocol, "streams": serve_streams, "sockets": serve_sockets}


async def main(args):
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    server, sock = await MODES[args.mode](args.host, args.port)
    real_port = sock.getsockname()[1]
    print(f"listening on {args.host}:{real_port}", flush=True)

    await stop.wait()
    server.close()
    # Close clients that are still connected; stream handlers then see EOF and
    # finish on their own. Anything still open after a grace period is aborted.
    for transport in list(TRANSPORTS):
        transport.close()
    if HANDLERS:
        await asyncio.wait(list(HANDLERS), timeout=1.0)
    try:
        await asyncio.wait_for(server.wait_closed(), timeout=1.0)
    except asyncio.TimeoutError:
        for transport in list(TRANSPORTS):
            transport.abort()


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--mode", choices=sorted(MODES), required=True)
    p.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    return p.parse_args(argv)


def run(args):
    if args.loop == "uvloop":
        import uvloop  # imported only when asked for: plain asyncio runs need no uvloop

        factory = uvloop.new_event_loop
    else:
        factory = asyncio.new_event_loop
    if hasattr(asyncio, "Runner"):  # Python 3.11+
        with asyncio.Runner(loop_factory=factory) as runner:
            runner.run(main(args))
    else:
        loop = factory()
        try:
            loop.run_until_complete(main(args))
        finally:
            loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(run(parse_args(sys.argv[1:])))
