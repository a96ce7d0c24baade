"""The candidate's session: who (sitting, admission number), which attempt, until when. Signed by
Tornado with the workspace's cookie secret, HttpOnly and SameSite=Strict; nothing else is kept."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

CANDIDATE_COOKIE = "ql_room"
STAFF_COOKIE = "ql_staff"
MAX_AGE_DAYS = 2.0  # Tornado's own bound on the signature's age; `expires` is the real limit


@dataclass(frozen=True)
class CandidateSession:
    sitting: str
    admission_no: str
    attempt_id: int
    expires: datetime  # server time

    def dumps(self) -> str:
        return json.dumps({"s": self.sitting, "a": self.admission_no, "t": self.attempt_id,
                           "e": self.expires.isoformat(timespec="seconds")}, ensure_ascii=True)

    @classmethod
    def loads(cls, signed_value: bytes | None, now: datetime) -> CandidateSession | None:
        """The session if the (already verified) cookie is well formed and not expired."""
        if signed_value is None:
            return None
        try:
            data = json.loads(signed_value)
            session = cls(str(data["s"]), str(data["a"]), int(data["t"]), datetime.fromisoformat(data["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        return session if now < session.expires else None
