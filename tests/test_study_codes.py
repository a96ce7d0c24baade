"""Personal study codes: issued to the roster, checked by HMAC, locked after repeated failures;
a roster number and a name alone sign no one in."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from grader.course.identity import SignInError, sign_in_with_code
from grader.course.study_codes import MAX_TRIES, StudyCodeError, check_study_code, issue_study_codes, write_code_list
from grader.gradebook.models import StudyCodeRow
from grader.settings import Settings
from grader.sitting.codes import load_secret
from grader.staff.roles import StaffError
from tests.records_data import seed_roster
from tests.staff_data import ORGANISER, recorder

NOW = datetime(2026, 11, 25, 9, 0)


def test_codes_are_issued_printed_checked_and_locked_after_repeated_failures(settings: Settings, engine: Engine,
                                                                            tmp_path: Path) -> None:
    seed_roster(engine)
    secret = load_secret(settings.root)
    with Session(engine) as session, session.begin():
        with pytest.raises(StaffError, match="权限不足"):
            issue_study_codes(session, secret, ["P001"], recorder(), NOW)
        issued = issue_study_codes(session, secret, ["P001", "P002"], ORGANISER, NOW)
        stored = session.scalars(select(StudyCodeRow.code_hash)).all()
    assert [i.person_id for i in issued] == ["P001", "P002"] and all(len(i.code) == 6 for i in issued)
    assert all(i.code not in h for i in issued for h in stored)  # only the HMAC is kept
    listing = tmp_path / "codes.csv"
    write_code_list(issued, listing)
    assert listing.read_bytes().startswith(b"\xef\xbb\xbf") and issued[0].code in listing.read_text("utf-8-sig")
    code = issued[0].code
    with Session(engine) as session, session.begin():
        assert sign_in_with_code(session, secret, " P001 ", code).id == "P001"
        with pytest.raises(SignInError, match="不正确"):
            sign_in_with_code(session, secret, "P001", "王建国")  # the name is no code
        with pytest.raises(SignInError):
            sign_in_with_code(session, secret, "P002", code)  # someone else's code
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(MAX_TRIES - 2):  # the name tried above was the first wrong code
        with Session(engine) as session, session.begin(), pytest.raises(SignInError):
            sign_in_with_code(session, secret, "P001", wrong)
    with Session(engine) as session, session.begin(), pytest.raises(StudyCodeError, match="不正确"):
        check_study_code(session, secret, "P001", wrong, NOW)
    with Session(engine) as session, session.begin():
        with pytest.raises(StudyCodeError, match="锁定"):
            check_study_code(session, secret, "P001", code, NOW + timedelta(minutes=1))
        check_study_code(session, secret, "P001", code, NOW + timedelta(minutes=20))
