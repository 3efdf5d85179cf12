"""A webhook receiver for the tests: a real HTTP server on 127.0.0.1, in a thread of the
test's process, that records every call and answers as the test says (a status, after a
delay), so that the sender is tested over a real socket, not a mock of urllib.

`answer(503, 503)` makes the next two calls get 503, then the default (200) again;
`answer(200, delay=3)` makes the next call wait three seconds first (a slow receiver);
`stop()` and `start()` take it down and bring it back on the same port."""

import http.server
import threading
import time
from dataclasses import dataclass, field

from tests.notifications.integration.smtp_server import free_port


@dataclass
class Call:
    headers: dict[str, str]  # by lower-case name: urllib sends "X-okot-event-id"
    body: bytes
    received_at: float
    answered: int | None = None  # the status sent back, once sent
    extra: dict = field(default_factory=dict)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    @property
    def event_id(self) -> str:
        return self.header("X-OKOT-Event-Id")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a call stalled on purpose must not hold up stop()
    allow_reuse_address = True


class Receiver:
    def __init__(self, port: int | None = None, default: int = 200):
        self.port = port or free_port()
        self.default = default
        self.calls: list[Call] = []
        self._script: list[tuple[int, float]] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/okot"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> "Receiver":
        self._server = _Server(("127.0.0.1", self.port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "Receiver":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def answer(self, *statuses: int, delay: float = 0.0) -> None:
        """The next calls get `statuses`, in order, each after `delay` seconds."""
        with self._lock:
            self._script.extend((status, delay) for status in statuses)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._script.clear()

    def answered(self, status_class: int = 2) -> list[Call]:
        """The calls answered with a status of this class (2: 2xx)."""
        with self._lock:
            return [c for c in self.calls if c.answered and c.answered // 100 == status_class]

    def event_ids(self, status_class: int = 2) -> list[str]:
        return [call.event_id for call in self.answered(status_class)]

    def _next(self) -> tuple[int, float]:
        with self._lock:
            return self._script.pop(0) if self._script else (self.default, 0.0)

    def _handler(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                headers = {name.lower(): value for name, value in self.headers.items()}
                call = Call(headers, self.rfile.read(length), time.time())
                with receiver._lock:
                    receiver.calls.append(call)
                status, delay = receiver._next()
                if delay:
                    time.sleep(delay)
                # Before the answer leaves: the sender may look as soon as it has it.
                call.answered = status
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    if 300 <= status < 400:
                        self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                    self.end_headers()
                except OSError:  # the sender gave up waiting (its timeout)
                    call.answered = None

            def log_message(self, format, *args):  # noqa: A002 - quiet in the tests' output
                pass

        return Handler
