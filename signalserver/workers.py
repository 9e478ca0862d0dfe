"""Running the server: one process, or N worker processes sharing one port.

:func:`serve` runs one application until SIGINT or SIGTERM. :class:`Workers` starts N processes
that each run it on the same address with ``SO_REUSEPORT`` (``web.TCPSite(reuse_port=True)``),
so the kernel spreads connections over them and each uses its own CPU. The parent serves
nothing: it migrates the database once (:func:`signalserver.app.prepare`), starts the workers,
waits until each listens, and then watches them. A signal stops every worker cleanly; a worker
that dies stops the others, so the site never runs on part of its processes unnoticed.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import multiprocessing
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Final

from aiohttp import web

from signalserver.app import StartupError, create_app, make_runner, prepare, startup_problem
from signalserver.keys import STARTUP, Startup

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from signalserver.config import ServerConfig

START_SECONDS: Final = 60.0
"""How long the workers may take to listen, all together."""
STOP_SECONDS: Final = 15.0
"""How long a stopping worker may take (it drains requests for up to SHUTDOWN_SECONDS)."""
SYNC_SECONDS: Final = 1.0
"""How soon a change made through one worker is served by the others."""
STOP_SIGNALS: Final = (signal.SIGINT, signal.SIGTERM)


def shown_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def serve(
    config: ServerConfig,
    host: str,
    port: int,
    *,
    reuse_port: bool = False,
    ready: Callable[[str, Startup], None],
) -> None:
    """Serve ``config`` on ``host:port`` until SIGINT or SIGTERM, calling ``ready`` once listening.

    A start that cannot work raises :class:`StartupError` saying why.
    """
    app = create_app(config)
    runner = make_runner(app)
    try:
        await runner.setup()
    except Exception as exc:
        problem = startup_problem(exc)
        if problem is None:
            raise
        raise StartupError(problem) from None
    try:
        site = web.TCPSite(runner, host, port, reuse_port=reuse_port or None)
        try:
            await site.start()
        except OSError as exc:
            raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        bound = runner.addresses[0]
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in STOP_SIGNALS:
            loop.add_signal_handler(signum, stop.set)
        ready(shown_url(str(bound[0]), int(bound[1])), app[STARTUP])
        await stop.wait()
    finally:
        await runner.cleanup()


def run(main: Coroutine[object, object, None]) -> None:
    """Run ``main`` on uvloop when it is installed, else on asyncio's own loop.

    uvloop (libuv) roughly halves the event loop's share of each request; it is optional, so
    the server runs the same without it.
    """
    try:
        factory = importlib.import_module("uvloop").new_event_loop
    except ImportError:
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(main)


def _worker(config: ServerConfig, host: str, port: int, channel: Connection) -> None:
    """A worker process: serve, tell the parent when listening or why not, exit 0 when stopped."""

    def ready(_url: str, _startup: Startup) -> None:
        channel.send(("ready", os.getpid()))

    try:
        run(serve(config, host, port, reuse_port=True, ready=ready))
    except StartupError as exc:
        channel.send(("failed", str(exc)))
        sys.exit(2)
    except KeyboardInterrupt:  # Ctrl-C reached the worker before its handlers were set
        sys.exit(0)


class WorkerDied(RuntimeError):
    """A worker exited while the server ran; the others were stopped."""


@dataclass(frozen=True, slots=True)
class Worker:
    number: int
    process: BaseProcess
    channel: Connection


def _reserve(host: str, port: int) -> socket.socket:
    """A bound (not listening) ``SO_REUSEPORT`` socket: it holds the port, ``0`` made real, so
    every worker binds the same one; the kernel hands connections to listening sockets only."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


class Workers:
    """N worker processes serving one configuration on one port (see the module docstring)."""

    def __init__(self, config: ServerConfig, host: str, port: int, count: int) -> None:
        if count < 2:
            raise ValueError(f"Workers needs at least 2 processes, not {count}")
        self.config, self.host, self.count = config, host, count
        self._reserved = _reserve(host, port)
        self.port = int(self._reserved.getsockname()[1])
        self.url = shown_url(host, self.port)
        self._workers: list[Worker] = []
        self._wake_read, self._wake_write = socket.socketpair()
        self._stopping = False

    def start(self) -> Startup:
        """Migrate once, start every worker and return once all listen (or raise StartupError)."""
        try:
            startup = asyncio.run(prepare(self.config))
        except Exception as exc:
            problem = startup_problem(exc)
            if problem is None:
                raise
            self.close()
            raise StartupError(problem) from None
        worker_config = replace(
            self.config,
            migrate=False,
            policy_text=None,  # stored by prepare(); a worker never appends it again
            session_key=self.config.session_key or secrets.token_bytes(32),
            sync_seconds=SYNC_SECONDS,
        )
        spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited loop
        for number in range(1, self.count + 1):
            receive, send = spawn.Pipe(duplex=False)
            process = spawn.Process(
                target=_worker,
                args=(worker_config, self.host, self.port, send),
                name=f"heedful-worker-{number}",
            )
            process.start()
            send.close()
            self._workers.append(Worker(number, process, receive))
        try:
            self._await_ready()
        except BaseException:
            self.stop()
            raise
        return startup

    def _await_ready(self) -> None:
        waiting = {w.channel: w for w in self._workers}
        deadline = time.monotonic() + START_SECONDS
        while waiting:
            left = max(deadline - time.monotonic(), 0.0)
            found = wait([*waiting, *(w.process.sentinel for w in waiting.values())], left)
            if not found:
                raise StartupError(f"the workers did not start within {START_SECONDS:g} s")
            for channel in list(waiting):
                worker = waiting[channel]
                if channel in found or channel.poll():
                    try:
                        kind, detail = channel.recv()
                    except EOFError:
                        kind, detail = "failed", self._exit_text(worker)
                    if kind != "ready":
                        raise StartupError(f"worker {worker.number}: {detail}")
                    del waiting[channel]
                elif worker.process.sentinel in found:
                    raise StartupError(f"worker {worker.number}: {self._exit_text(worker)}")

    @staticmethod
    def _exit_text(worker: Worker) -> str:
        worker.process.join(1)
        code = worker.process.exitcode
        if code is not None and code < 0:
            return f"pid {worker.process.pid} was killed by {signal.Signals(-code).name}"
        return f"pid {worker.process.pid} exited with status {code}"

    def pids(self) -> list[int]:
        return [int(w.process.pid or 0) for w in self._workers]

    def run(self) -> None:
        """Block until SIGINT/SIGTERM (then stop every worker) or a worker's death (WorkerDied)."""
        previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
        self._wake_write.setblocking(False)
        old_fd = signal.set_wakeup_fd(self._wake_write.fileno())

        def on_signal(_signum: int, _frame: object) -> None:
            self._stopping = True

        for signum in STOP_SIGNALS:
            signal.signal(signum, on_signal)
        try:
            sentinels = {w.process.sentinel: w for w in self._workers}
            while not self._stopping:
                found = wait([*sentinels, self._wake_read])
                dead = [sentinels[s] for s in found if s in sentinels]
                if dead and not self._stopping:
                    message = "; ".join(f"worker {w.number} ({self._exit_text(w)})" for w in dead)
                    self.stop()
                    raise WorkerDied(f"{message}: the other workers were stopped")
                if self._wake_read in found:
                    with contextlib.suppress(BlockingIOError):
                        self._wake_read.recv(64)
        finally:
            signal.set_wakeup_fd(old_fd)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stop()

    def stop(self) -> None:
        """SIGTERM to every worker still running; each finishes its requests and exits."""
        self._stopping = True
        for worker in self._workers:
            if worker.process.is_alive():
                worker.process.terminate()
        for worker in self._workers:
            worker.process.join(STOP_SECONDS)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(5)
        self.close()

    def close(self) -> None:
        self._reserved.close()
        self._wake_read.close()
        self._wake_write.close()
        for worker in self._workers:
            worker.channel.close()
