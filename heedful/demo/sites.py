"""Local fixture sites for tests and ``make demo``, each on its own 127.0.0.1 port.

robots.txt and the other site-level files are scoped to one origin (RFC 9309 section 2.3), so every
site gets its own port. The sites are data (:mod:`heedful.demo.site_data`); this module serves
them and implements the hostile behaviours. Each site keeps an access log (method, path, status,
user agent) outside its own URL space: on the Python object in process, and as JSON lines on
stderr when run as ``python -m heedful.demo.sites``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import signal
import socket
import struct
import sys
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from typing import Final, NamedTuple

from aiohttp import web

from heedful.demo.site_data import SITES, TEXT, Behaviour, Page

HOST: Final = "127.0.0.1"
STALL_SECONDS: Final = 60.0
"""How long a stalling handler sleeps; tests time out long before."""
BOMB_BYTES: Final = 100 * 1024 * 1024
"""Decompressed size of the gzip bomb (it travels as about 100 KB)."""
BIG_HEADER_BYTES: Final = 64 * 1024
ENDLESS_CHUNK: Final = b"endless " * 8192
SHUTDOWN_SECONDS: Final = 0.5


class AccessRecord(NamedTuple):
    """One request a site answered (status 0: the handler never finished an answer)."""

    method: str
    path: str
    status: int
    user_agent: str


LOG: Final = web.AppKey("log", list[AccessRecord])
PAGES: Final = web.AppKey("pages", dict[str, Page])
AccessHook = Callable[[str, int, AccessRecord], None]
"""Called with the site name, its port and each record as it is logged."""
ON_ACCESS: Final[web.AppKey[AccessHook]] = web.AppKey("on_access")
NAME: Final = web.AppKey("name", str)


@functools.cache
def gzip_bomb() -> bytes:
    """100 MB of zeros as one gzip member, built in 1 MiB steps (about 100 KB result)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    block = bytes(1024 * 1024)
    parts = [packer.compress(block) for _ in range(BOMB_BYTES // len(block))]
    return b"".join([*parts, packer.flush()])


def _expand(value: str | bytes, base: str) -> bytes:
    raw = value.replace("{base}", base) if isinstance(value, str) else value
    return raw.encode("utf-8") if isinstance(raw, str) else raw


async def _handle(request: web.Request) -> web.StreamResponse:
    page = request.app[PAGES].get(request.path)
    if page is None:
        return web.Response(status=404, text="Not found\n", content_type="text/plain")
    behaviour = _BEHAVIOURS.get(page.behaviour)
    if behaviour is not None:
        return await behaviour(request, page)
    base = f"{request.scheme}://{request.host}"
    headers = {name: value.replace("{base}", base) for name, value in page.headers}
    headers["Content-Type"] = page.content_type
    return web.Response(status=page.status, body=_expand(page.body, base), headers=headers)


async def _stall_headers(request: web.Request, page: Page) -> web.StreamResponse:
    await asyncio.sleep(STALL_SECONDS)
    return web.Response(text="too late\n", content_type="text/plain")


async def _stall_body(request: web.Request, page: Page) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": TEXT, "Content-Length": "1000"})
    await response.prepare(request)
    await response.write(b"a")
    await asyncio.sleep(STALL_SECONDS)
    return response


async def _reset(request: web.Request, page: Page) -> web.StreamResponse:
    transport = request.transport
    if transport is not None:
        sock = transport.get_extra_info("socket")
        if sock is not None:  # linger 0: close() sends a TCP RST instead of a FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    raise asyncio.CancelledError  # nothing can be sent; let aiohttp drop the request quietly


async def _bomb(request: web.Request, page: Page) -> web.StreamResponse:
    body = await asyncio.to_thread(gzip_bomb)
    return web.Response(body=body, headers={"Content-Type": TEXT, "Content-Encoding": "gzip"})


async def _endless(request: web.Request, page: Page) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": TEXT})
    await response.prepare(request)
    with contextlib.suppress(ConnectionError):
        while True:  # write() waits for the peer, so this streams only as fast as it reads
            await response.write(ENDLESS_CHUNK)
    return response


async def _big_headers(request: web.Request, page: Page) -> web.StreamResponse:
    return web.Response(text="big\n", headers={"X-Padding": "a" * BIG_HEADER_BYTES})


async def _cut(request: web.Request, page: Page) -> web.StreamResponse:
    body = _expand(page.body, f"{request.scheme}://{request.host}")
    headers = {"Content-Type": page.content_type, "Content-Length": str(len(body))}
    response = web.StreamResponse(headers=headers)
    await response.prepare(request)
    await response.write(body[: len(body) // 2])
    if request.transport is not None:
        request.transport.close()
    raise asyncio.CancelledError  # the rest is never sent


_BEHAVIOURS: Final[
    Mapping[Behaviour, Callable[[web.Request, Page], Awaitable[web.StreamResponse]]]
] = {
    Behaviour.STALL_HEADERS: _stall_headers,
    Behaviour.STALL_BODY: _stall_body,
    Behaviour.RESET: _reset,
    Behaviour.GZIP_BOMB: _bomb,
    Behaviour.ENDLESS: _endless,
    Behaviour.BIG_HEADERS: _big_headers,
    Behaviour.CUT: _cut,
}


def _ignore(name: str, port: int, record: AccessRecord) -> None:
    """The default access hook: the in-memory log is enough."""


@web.middleware
async def _access_log(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    status = 0
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    port = sockname[1] if isinstance(sockname, tuple) else (request.url.port or 0)
    try:
        response = await handler(request)
        status = response.status
        return response
    finally:
        record = AccessRecord(
            request.method, request.path_qs, status, request.headers.get("User-Agent", "")
        )
        request.app[LOG].append(record)
        request.app[ON_ACCESS](request.app[NAME], port, record)


def create_app(name: str, *, on_access: AccessHook = _ignore) -> web.Application:
    """The aiohttp application serving fixture site ``name`` (a key of ``SITES``)."""
    if name not in SITES:
        raise KeyError(f"unknown demo site {name!r}; known: {', '.join(sorted(SITES))}")
    app = web.Application(middlewares=[_access_log])
    app[NAME] = name
    app[PAGES] = {page.path: page for page in SITES[name]}
    app[LOG] = []
    app[ON_ACCESS] = on_access
    app.router.add_route("*", "/{tail:.*}", _handle)
    return app


class ServedSites(Mapping[str, str]):
    """Site name -> base URL (``http://127.0.0.1:PORT``, no trailing slash), plus the logs."""

    def __init__(self, urls: Mapping[str, str], apps: Mapping[str, web.Application]) -> None:
        self._urls = dict(urls)
        self._apps = dict(apps)

    def __getitem__(self, name: str) -> str:
        return self._urls[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._urls)

    def __len__(self) -> int:
        return len(self._urls)

    def log(self, name: str) -> list[AccessRecord]:
        """Every request site ``name`` has answered so far (the live list)."""
        return self._apps[name][LOG]

    def paths(self, name: str) -> list[str]:
        """The requested paths (with query) of site ``name``, in order."""
        return [record.path for record in self.log(name)]


@contextlib.asynccontextmanager
async def serve_sites(
    names: Iterable[str] | None = None,
    *,
    port_base: int = 0,
    on_access: AccessHook = _ignore,
) -> AsyncIterator[ServedSites]:
    """Serve the named sites (all when ``None``), each on its own port, for the block's length.

    ``port_base`` 0 picks free ports; otherwise site *i* (in the given order) gets
    ``port_base + i``. Handlers are cancelled when the client goes away or at shutdown, so a
    stalled or endless response never holds the server open.
    """
    chosen = list(SITES if names is None else names)
    if "hostile" in chosen:
        await asyncio.to_thread(gzip_bomb)  # built once, before the first request needs it
    runners: list[web.AppRunner] = []
    urls: dict[str, str] = {}
    apps: dict[str, web.Application] = {}
    try:
        for index, name in enumerate(chosen):
            app = create_app(name, on_access=on_access)
            runner = web.AppRunner(
                app, handler_cancellation=True, shutdown_timeout=SHUTDOWN_SECONDS, access_log=None
            )
            await runner.setup()
            runners.append(runner)
            port = port_base + index if port_base else 0
            await web.TCPSite(runner, HOST, port).start()
            urls[name] = f"http://{HOST}:{runner.addresses[0][1]}"
            apps[name] = app
        yield ServedSites(urls, apps)
    finally:
        for runner in reversed(runners):
            await runner.cleanup()


def _print_access(name: str, port: int, record: AccessRecord) -> None:
    line = json.dumps({"site": name, "port": port, **record._asdict()}, ensure_ascii=False)
    print(line, file=sys.stderr, flush=True)


async def _serve_forever(names: list[str] | None, port_base: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with serve_sites(names, port_base=port_base, on_access=_print_access) as urls:
        print(json.dumps(dict(urls)), flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    """``python -m heedful.demo.sites [--sites a,b] [--port-base N]``: first stdout line is JSON."""
    parser = argparse.ArgumentParser(prog="python -m heedful.demo.sites", description=__doc__)
    parser.add_argument("--sites", help=f"comma-separated names; default all: {','.join(SITES)}")
    parser.add_argument("--port-base", type=int, default=0, help="first port; 0 = free ports")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.sites.split(",") if n.strip()] if args.sites else None
    unknown = sorted(set(names or ()) - set(SITES))
    if unknown:
        parser.error(f"unknown site(s): {', '.join(unknown)}; known: {', '.join(SITES)}")
    asyncio.run(_serve_forever(names, args.port_base))


if __name__ == "__main__":
    main()
