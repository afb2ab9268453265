"""A loopback TCP proxy for fault tests: it forwards to a server (PostgreSQL), refuses, or holds.

    with TcpProxy("127.0.0.1", 5432) as proxy:
        engine = make_engine(proxy.url(database_url))
        proxy.hold()     # new connections are accepted and never answered; open ones freeze
        proxy.forward()  # held and frozen connections go on as if nothing had happened
        proxy.refuse()   # new and open connections are reset at once: a server that is down

One thread does all the socket work; a mode change takes effect before the call returns.
"""

from __future__ import annotations

import selectors
import socket
import struct
import threading
from types import TracebackType

from sqlalchemy.engine import make_url

FORWARD, HOLD, REFUSE = "forward", "hold", "refuse"
_TICK = 0.02


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._peers: dict[socket.socket, socket.socket] = {}  # both directions of each connection
        self._held: list[socket.socket] = []  # accepted while holding, not yet connected upstream
        self._mode = FORWARD
        self._wanted = FORWARD
        self._changed = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="tcpproxy", daemon=True)

    def __enter__(self) -> TcpProxy:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stopping = True
        self._thread.join()
        for sock in [*self._peers, *self._held]:
            sock.close()
        self._listener.close()
        self._selector.close()

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def url(self, database_url: str) -> str:
        """`database_url` with the proxy in place of the server."""
        return (
            make_url(database_url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)
        )

    def forward(self) -> None:
        self._set(FORWARD)

    def hold(self) -> None:
        self._set(HOLD)

    def refuse(self) -> None:
        self._set(REFUSE)

    def _set(self, mode: str) -> None:
        with self._changed:
            self._wanted = mode
            if not self._changed.wait_for(lambda: self._mode == mode, timeout=5):
                raise TimeoutError(f"the proxy did not switch to {mode}")

    # -- the proxy's thread ----------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping:
            for key, _ in self._selector.select(_TICK):
                if key.fileobj is self._listener:
                    self._accept()
                elif key.fileobj in self._peers:  # not closed earlier in this round
                    self._relay(key.fileobj)  # type: ignore[arg-type]
            with self._changed:
                if self._wanted != self._mode:
                    self._switch(self._wanted)
                    self._mode = self._wanted
                    self._changed.notify_all()

    def _switch(self, mode: str) -> None:
        if mode == HOLD:
            for sock in self._peers:
                self._selector.unregister(sock)
        elif mode == REFUSE:
            for sock in self._peers:
                if self._mode == FORWARD:
                    self._selector.unregister(sock)
                _reset(sock)
            for sock in self._held:
                _reset(sock)
            self._peers.clear()
            self._held.clear()
        elif mode == FORWARD:
            if self._mode == HOLD:
                for sock in self._peers:
                    self._selector.register(sock, selectors.EVENT_READ)
            held, self._held = self._held, []
            for client in held:
                self._connect(client)

    def _accept(self) -> None:
        client, _ = self._listener.accept()
        if self._mode == REFUSE:
            _reset(client)
        elif self._mode == HOLD:
            self._held.append(client)
        else:
            self._connect(client)

    def _connect(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            _reset(client)
            return
        server.settimeout(None)
        self._peers[client], self._peers[server] = server, client
        self._selector.register(client, selectors.EVENT_READ)
        self._selector.register(server, selectors.EVENT_READ)

    def _relay(self, sock: socket.socket) -> None:
        peer = self._peers[sock]
        try:
            data = sock.recv(65536)
            if data:
                peer.sendall(data)
                return
        except OSError:
            pass
        for end in (sock, peer):
            self._selector.unregister(end)
            del self._peers[end]
            end.close()


def _reset(sock: socket.socket) -> None:
    """Close with a reset (RST), as a server that is down does, rather than an orderly end."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
