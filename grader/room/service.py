"""What every handler of one room process shares: the workspace, the gradebook pools, the
secrets (read from the workspace at start) and the server's clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from grader.room.worker import QUEUE, Gradebook
from grader.settings import Settings


@dataclass(frozen=True)
class RoomOptions:
    base_url: str = "/"  # a path prefix, e.g. a JupyterHub service's /services/exam-room/
    db_threads: int | None = None  # and as many connections; None: 2 on SQLite (one writer), 8 on PostgreSQL
    db_queue: int = QUEUE  # calls waiting for a database thread before the room answers 503 (Retry-After)
    grading_processes: int = 1
    warm_grading: bool = True  # start the grading process with the room (False: at the first submission)
    sweep_seconds: float = 30.0  # submit attempts whose time ran out with no page left (0: never)
    secure_cookies: bool = False  # behind HTTPS: cookies only over HTTPS
    session_hours: float = 12.0  # how long a candidate's cookie lasts (a sitting's day)
    max_body_bytes: int = 1 << 20
    # wrong sign-ins per address in 10 minutes, plus one per ten candidates signed in from that address
    # (a hall of 2,000 behind one NAT: about 220); None: no limit
    client_limit: int | None = 20


@dataclass
class Room:
    settings: Settings
    options: RoomOptions
    gradebook: Gradebook
    code_secret: bytes
    clock: Callable[[], datetime] = field(default=datetime.now)

    def now(self) -> datetime:
        return self.clock()
