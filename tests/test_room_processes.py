"""Two room processes serve one sitting from one PostgreSQL: the candidate's cookie works on
either (the secret is the workspace's, the state is the database's), and when one process dies the
candidate carries on through the other with nothing lost."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from grader.gradebook.models import AnswerRow, AttemptRow
from grader.serve import room_server
from grader.settings import Settings
from grader.sitting.attempt import resume
from tests.browser import free_port, running
from tests.room_data import Candidate, seat_sitting


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_candidate_carries_on_through_the_other_room_process_when_one_dies(
        settings: Settings, engine: Engine, released: list[str], tmp_path: Path) -> None:
    (seat,) = seat_sitting(settings, engine, released[:1])
    one, two = (room_server(settings, free_port(), sweep=0) for _ in range(2))
    with running(two, tmp_path / "two.log", two.ready_url):
        with running(one, tmp_path / "one.log", one.ready_url) as first:
            on_one = Candidate(one.urls[0])
            assert "考试须知" in on_one.sign_in(seat.admission_no, seat.code).body
            with Session(engine) as session:
                attempt_id = session.scalar(select(AttemptRow.id).where(AttemptRow.admission_no == seat.admission_no))
                assert attempt_id is not None
                view = resume(session, attempt_id, seat.admission_no, datetime.now())
            choices = [p for p in view.items if p.options][:3]
            assert on_one.post("api/answer", {"position": choices[0].item.position,
                                              "value": choices[0].options[0][0]}).json()["saved"]
            on_two = Candidate(two.urls[0], jar=on_one.jar)  # the same browser, routed to the other process
            assert on_two.post("api/answer", {"position": choices[1].item.position,
                                              "value": choices[1].options[0][0]}).json()["saved"]
            first.kill()
            first.wait()
        assert on_two.post("api/answer", {"position": choices[2].item.position,
                                          "value": choices[2].options[0][0]}).json()["saved"]
        assert seat.admission_no in on_two.get("exam").body
        assert on_two.post("api/submit", {}).json()["submitted"] is True
    with Session(engine) as session:
        stored = set(session.scalars(select(AnswerRow.position).where(AnswerRow.attempt_id == attempt_id)))
    assert stored == {p.item.position for p in choices}
