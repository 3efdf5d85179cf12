"""A real SMTP server on localhost (aiosmtpd) that records what it accepts and can be told
to misbehave: refuse a recipient's next messages with 451, or hold back its reply to the
end of one (and then refuse it, or accept it as a real server that had queued it already);
stopped, nothing listens on its port (connections are refused) until it is started again.

Used by the integration tests and by `manage.py bench_notify`."""

import asyncio
import dataclasses
import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.utils import parseaddr

from aiosmtpd.controller import Controller

STALL_LIMIT = 120.0  # seconds; a stalled conversation ends (without 250) at the latest then

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Received:
    """One message the server answered, with the wall-clock time it answered.

    `defects`: what a strict parser (email.policy.default) found wrong with the message or
    its Message-ID, by name; an invalid Message-ID reads as something else entirely.
    `text`: its text parts (plain and HTML), decoded, one after the other."""

    message_id: str
    recipients: tuple[str, ...]
    subject: str
    at: float
    defects: tuple[str, ...] = ()
    text: str = ""


@dataclass
class _Misbehaviour:
    refuse: int = 0
    stall: int = 0
    queue_stalled: bool = False  # a stalled message is accepted (queued) before the reply
    stall_for: float = STALL_LIMIT


@dataclass
class Recorder:
    """The handler: every DATA ends in `accepted` (250), `refused` (451) or `stalled`.

    A stalled conversation gets its reply only at `release()` (or after its time): by
    default 451, so that copy is never accepted; with `queued=True` the message counts as
    accepted the moment its final "." arrives, as a real server that queued it and is slow
    to say so (or whose client vanished before the 250) has it, and the reply is 250."""

    accepted: list[Received] = field(default_factory=list)
    refused: list[Received] = field(default_factory=list)
    stalled: list[Received] = field(default_factory=list)
    _plans: dict[str, _Misbehaviour] = field(default_factory=dict)
    _reply_after: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stalling: threading.Event = field(default_factory=threading.Event)
    _released: threading.Event = field(default_factory=threading.Event)

    # --- telling it what to do --------------------------------------------------------

    def refuse(self, recipient: str, times: int) -> None:
        """Answer 451 to the next `times` messages for `recipient`."""
        with self._lock:
            self._plans.setdefault(recipient.lower(), _Misbehaviour()).refuse += times

    def slow_down(self, seconds: float) -> None:
        """Answer every message `seconds` after it arrives (a busy server): the worker
        takes that long for each, and a queue builds up behind it."""
        self._reply_after = seconds

    def stall(
        self,
        recipient: str,
        times: int = 1,
        *,
        queued: bool = False,
        seconds: float = STALL_LIMIT,
    ) -> None:
        """Hold back the reply to the next `times` messages for `recipient`, until
        `release()` or for `seconds`; `queued`: the message is accepted all the same."""
        with self._lock:
            plan = self._plans.setdefault(recipient.lower(), _Misbehaviour())
            plan.stall += times
            plan.queue_stalled = queued
            plan.stall_for = seconds
            self._released.clear()

    def wait_until_stalling(self, timeout: float) -> bool:
        """True once a conversation is being held in DATA."""
        return self._stalling.wait(timeout)

    def release(self) -> None:
        """Let held conversations end (with 451: they are still not accepted)."""
        self._released.set()

    def reset(self) -> None:
        self.release()
        with self._lock:
            self.accepted.clear()
            self.refused.clear()
            self.stalled.clear()
            self._plans.clear()
            self._stalling.clear()
            self._reply_after = 0.0

    # --- reading what happened --------------------------------------------------------

    def accepted_for(self, recipient: str) -> list[Received]:
        with self._lock:
            return [m for m in self.accepted if recipient.lower() in m.recipients]

    def refused_for(self, recipient: str) -> list[Received]:
        with self._lock:
            return [m for m in self.refused if recipient.lower() in m.recipients]

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.accepted)

    # --- aiosmtpd's hook ---------------------------------------------------------------

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        recipients = tuple(parseaddr(r)[1].lower() for r in envelope.rcpt_tos)
        header = message.get("Message-ID")
        defects = [*message.defects, *(header.defects if header is not None else ())]
        received = Received(
            message_id=str(header or "").strip(),
            recipients=recipients,
            subject=str(message.get("Subject", "")),
            at=time.time(),
            defects=tuple(type(defect).__name__ for defect in defects),
            text="\n".join(
                part.get_content()
                for part in message.walk()
                if part.get_content_maintype() == "text"
            ),
        )
        with self._lock:
            plan = next((self._plans[r] for r in recipients if r in self._plans), None)
            if plan and plan.refuse:
                plan.refuse -= 1
                self.refused.append(received)
                return "451 4.3.0 Try again later"
            stall = bool(plan and plan.stall)
            if stall:
                plan.stall -= 1
                self.stalled.append(received)
                queued, seconds = plan.queue_stalled, plan.stall_for
                if queued:
                    self.accepted.append(received)
                self._stalling.set()
        if stall:
            deadline = time.monotonic() + seconds
            while not self._released.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            if queued:
                return "250 Message accepted for delivery (after a while)"
            return "451 4.3.0 Stalled, not accepted"
        with self._lock:
            self.accepted.append(dataclasses.replace(received, at=time.time()))
        if self._reply_after:
            await asyncio.sleep(self._reply_after)
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on 127.0.0.1 and a free port, in a thread of this process. It may be
    stopped and started again, on the same port and with the same recorder."""

    def __init__(self) -> None:
        self.recorder = Recorder()
        self.host = "127.0.0.1"
        self.port = free_port()
        self._controller: Controller | None = None

    def start(self) -> "SmtpServer":
        assert self._controller is None, "the SMTP server is already running"
        # A controller's event loop is closed when it stops: a new one for each start.
        self._controller = Controller(self.recorder, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        self.recorder.release()
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def __enter__(self) -> "SmtpServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
