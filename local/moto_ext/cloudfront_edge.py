"""CloudFront's edge, on this machine: each emulated distribution is served on a 127.0.0.1
port of its own, its ``DomainName`` is ``localhost:<port>``, and every connection made there
is carried, as raw TCP, to the distribution's origin (so HTTP, keep-alive and WebSockets pass
unchanged, as a distribution with caching disabled and every viewer header forwarded carries
them).

Where each connection goes is asked of ``route`` (cloudfront_distributions) when it comes: a
``(host, port)`` to carry it to, or a ``Refusal`` (status, reason), answered as CloudFront
answers a viewer it cannot serve: an HTTP error from ``Server: CloudFront`` (403 for a
disabled distribution, 502 when the origin refuses the connection, 504 when the origin's
security group lets CloudFront's interfaces in on no such port), then the connection closes.
A deleted distribution's port is closed: its address no longer answers at all.

``close_all()`` ends every edge (the emulator and the harness call it when they stop)."""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass
from typing import Callable

log = logging.getLogger("corral.local.cloudfront")

BUFFER = 65536
HEAD_LIMIT = 65536         # what an error reply reads of the request first
READ_SECONDS = 2.0         # how long that read waits for the request's head
CONNECT_SECONDS = 5.0      # CloudFront's connection timeout to an origin is 10 s by default
REASONS = {403: "Forbidden", 502: "Bad Gateway", 503: "Service Unavailable",
           504: "Gateway Timeout"}


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str


Route = Callable[[], "tuple[str, int] | Refusal"]


class Edge:
    """One distribution's listening port and the connections it carries."""

    def __init__(self, key: str, route: Route, port: int = 0) -> None:
        self.key = key
        self.route = route
        self._listener = socket.create_server(("127.0.0.1", port))
        self.port = self._listener.getsockname()[1]
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, name=f"edge {key}", daemon=True)
        self._thread.start()

    @property
    def domain(self) -> str:
        return f"localhost:{self.port}"

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                viewer, _ = self._listener.accept()
            except OSError:
                return   # closed
            threading.Thread(target=self._serve, args=(viewer,), name=f"edge {self.key} conn",
                             daemon=True).start()

    def _serve(self, viewer: socket.socket) -> None:
        try:
            target = self.route()
        except Exception as e:   # noqa: BLE001 - a bug in the routing: say it, as a 502
            log.exception("edge %s: routing failed", self.key)
            target = Refusal(502, f"the emulator could not route the request: {e}")
        if isinstance(target, Refusal):
            return _refuse(viewer, target)
        try:
            origin = socket.create_connection(target, timeout=CONNECT_SECONDS)
        except OSError as e:
            return _refuse(viewer, Refusal(502, f"CloudFront could not connect to the origin "
                                                f"{target[0]}:{target[1]}: {e}"))
        origin.settimeout(None)
        threading.Thread(target=_pipe, args=(origin, viewer), daemon=True,
                         name=f"edge {self.key} back").start()
        _pipe(viewer, origin)

    def close(self) -> None:
        """Stop listening (a thread blocked in accept() wakes only on a shutdown: a close
        alone would leave the port answering)."""
        self._closed.set()
        for action in (lambda: self._listener.shutdown(socket.SHUT_RDWR), self._listener.close):
            try:
                action()
            except OSError:
                pass
        self._thread.join(2)


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    """Copy until `source` ends, then end `sink`'s writing half (the other way goes on)."""
    try:
        while True:
            chunk = source.recv(BUFFER)
            if not chunk:
                break
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        for action in (lambda: sink.shutdown(socket.SHUT_WR), source.close):
            try:
                action()
            except OSError:
                pass


def _refuse(viewer: socket.socket, refusal: Refusal) -> None:
    """Read the request's head (so the viewer is not cut off mid-send), answer, close."""
    viewer.settimeout(READ_SECONDS)
    head = b""
    try:
        while b"\r\n\r\n" not in head and len(head) < HEAD_LIMIT:
            chunk = viewer.recv(BUFFER)
            if not chunk:
                break
            head += chunk
    except OSError:
        pass
    body = (f"{refusal.status} ERROR\nThe request could not be satisfied.\n"
            f"{refusal.reason}\n").encode()
    reply = (f"HTTP/1.1 {refusal.status} {REASONS.get(refusal.status, 'Error')}\r\n"
             f"Server: CloudFront\r\nX-Cache: Error from cloudfront\r\n"
             f"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
             f"Connection: close\r\n\r\n").encode() + body
    try:
        viewer.sendall(reply)
    except OSError:
        pass
    finally:
        viewer.close()


_edges: dict[str, Edge] = {}
_lock = threading.Lock()


def open_edge(key: str, route: Route, port: int = 0) -> Edge:
    """`port`: the one it had before a restart (local/state.py); 0, any free one."""
    with _lock:
        if key in _edges:
            return _edges[key]
        edge = _edges[key] = Edge(key, route, port)
        return edge


def close_edge(key: str) -> None:
    with _lock:
        edge = _edges.pop(key, None)
    if edge is not None:
        edge.close()


def close_all() -> int:
    with _lock:
        edges = list(_edges.values())
        _edges.clear()
    for edge in edges:
        edge.close()
    return len(edges)
