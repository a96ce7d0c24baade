"""Whatever a client sends to the room's JSON endpoints, the room answers with a refusal or a
result, never a server error, and stores nothing that is not an answer it accepted."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from grader.gradebook.models import AnswerRow
from grader.settings import Settings
from tests.room_data import Candidate, ThreadedRoom, room_in_thread, seat_sitting

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=12)
BIG = st.integers(min_value=2**62, max_value=2**80) | st.integers(max_value=-(2**62), min_value=-(2**80))
# near-right shapes (the fields the endpoints read, each any JSON or a likely type) and anything at all
FIELDS = st.fixed_dictionaries({}, optional={"position": st.integers() | BIG | JSON, "value": st.text() | JSON,
                                             "marked": st.booleans() | JSON, "kind": st.sampled_from(["blur", "hidden"])
                                             | JSON, "attempt_id": st.integers()})
BODIES = FIELDS | JSON
PATHS = st.sampled_from(["api/answer", "api/mark", "api/event"])


@pytest.fixture
def signed_in(settings: Settings, engine: Engine, released: list[str]) -> Iterator[tuple[ThreadedRoom, Candidate]]:
    (seat,) = seat_sitting(settings, engine, released[:1])
    with room_in_thread(settings) as room:
        candidate = Candidate(room.url)
        candidate.sign_in(seat.admission_no, seat.code)
        yield room, candidate


def _raw(candidate: Candidate, path: str, body: bytes) -> int:
    request = urllib.request.Request(candidate.base + path, body, {"Content-Type": "application/json",
                                                                   "X-XSRFToken": candidate.cookie("_xsrf") or ""})
    return candidate._open(request).status


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_any_json_body_is_answered_without_a_server_error(
        signed_in: tuple[ThreadedRoom, Candidate], engine: Engine) -> None:
    _, candidate = signed_in

    @hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(path=PATHS, body=BODIES)
    def never_500(path: str, body: Any) -> None:
        status = _raw(candidate, path, json.dumps(body).encode())
        assert status in (200, 400), (path, body, status)

    never_500()
    with Session(engine) as session:
        values = list(session.scalars(select(AnswerRow.value)))
        assert all(isinstance(v, str) for v in values)
        assert session.scalar(select(func.count()).select_from(AnswerRow)) == len(values)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_bytes_that_are_not_json_are_refused(signed_in: tuple[ThreadedRoom, Candidate]) -> None:
    _, candidate = signed_in

    @hypothesis_settings(max_examples=60, deadline=None)
    @given(path=PATHS, body=st.binary(max_size=64).filter(lambda b: _not_json(b)))
    def refused(path: str, body: bytes) -> None:
        assert _raw(candidate, path, body) in (200, 400)

    refused()


def _not_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return True
    return False
