"""`make demo`: a workspace with a demo roster in units, both programmes' papers built and released,
simulated submissions graded and exported, gate steps recorded, certificates issued."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.autograde import AutogradeReport, autograde
from grader.city.names import id_number
from grader.course.study_codes import IssuedCode, demo_study_codes
from grader.export import export_grades, write_csv
from grader.gradebook.database import migrate
from grader.paper.store import build_from_files, load_keys
from grader.release import release
from grader.roster import Person, import_people
from grader.settings import Settings
from grader.simulate import Candidate, demo_candidates, simulate_submissions
from grader.sitting.codes import load_secret
from grader.sitting.seats import Seat, create_sitting, seat_list
from grader.staff.demo import demo_staff
from grader.staff.roles import system
from grader.workspace import init_workspace

BLUEPRINTS = ("promotion", "induction")
# (unit, its county, unit kind): a city office, a county and one of its townships
DEMO_UNITS = (("安阳市纪委监委", "", "市直单位"), ("安阳市委组织部", "", "市直单位"),
              ("林州市", "", "县（市、区）"), ("城郊乡", "林州市", "乡（镇、街道）"),
              ("汤阴县", "", "县（市、区）"), ("城关镇", "汤阴县", "乡（镇、街道）"))


@dataclass(frozen=True)
class DemoResult:
    root: Path
    assignments: tuple[str, ...]
    reports: tuple[AutogradeReport, ...]
    grades_csv: Path
    candidates: tuple[Candidate, ...]
    seats: tuple[Seat, ...]  # an open sitting of the B papers, for the exam room
    seats_csv: Path
    certificates: Path  # the issued PDFs, keys.json and revocations.json
    study_codes: tuple[IssuedCode, ...] = ()  # the learners' personal codes for the course pages
    study_codes_csv: Path | None = None


def demo_roster(people: list[Candidate]) -> list[Person]:
    """The demo candidates as roster entries: spread over the demo units, every other one a new civil
    servant (induction), the rest cadres up for promotion; ID numbers are made up but well-formed."""
    roster = []
    for n, c in enumerate(people):
        unit, county, kind = DEMO_UNITS[n % len(DEMO_UNITS)]
        new_recruit = n % 2 == 0
        birth = date(1996 - n % 7, 1 + n % 12, 1 + n % 28) if new_recruit else date(1978 + n % 9, 1 + n % 12, 10)
        roster.append(Person(c.student_id, c.last_name + c.first_name, id_number("410500", birth, 100 + n), unit,
                             county, kind, "一级科员" if new_recruit else "四级调研员",
                             "新录用公务员" if new_recruit else "公务员"))
    return roster


def run_demo(settings: Settings, engine: Engine, exams: Path, *, candidates: int = 40, courses: Path = Path("courses"),
             say: Callable[[str], None] = print) -> DemoResult:
    init_workspace(settings, engine)
    migrate(engine)
    people = demo_candidates(candidates, seed=2026)
    assignments: list[str] = []
    with Session(engine) as session, session.begin():
        staff_file = demo_staff(session, settings.root)
        if staff_file:
            say(f"演示工作人员账号（管理员对应当前系统用户，页面登录的密码）：{staff_file}")
        import_people(session, demo_roster(people), system("演示数据"))
        codes, codes_csv = demo_study_codes(session, load_secret(settings.root), settings.root,
                                            [p.student_id for p in people])
        for name in BLUEPRINTS:
            paths = build_from_files(session, settings.root, exams / "blueprints" / f"{name}.yaml",
                                     [exams / "banks"])
            assignments.extend(path.parent.name for path in paths)
    reports = []
    with Session(engine) as session, session.begin():
        for assignment in assignments:
            release(session, settings.root, assignment)
            say(f"已发布 {assignment}")
    for assignment in assignments[::2]:  # every blueprint's A paper is sat by the demo roster
        with Session(engine) as session, session.begin():
            simulate_submissions(settings.root, load_keys(session, assignment),
                                 [p.student_id for p in people], seed=2026)
            reports.append(autograde(session, settings.root, assignment, actor=system("演示数据")))
        say(f"已评分 {assignment}：{len(reports[-1].graded)} 份")
    grades = settings.root / "grades.csv"
    with Session(engine) as session, session.begin():
        export_grades(session, grades, per_item=True)
    seats, seats_csv = _open_sitting(settings, engine, assignments[1::2], people)
    certificates = _records_and_certificates(settings, engine, exams, courses, people, say)
    return DemoResult(settings.root, tuple(assignments), tuple(reports), grades, tuple(people), seats, seats_csv,
                      certificates, tuple(codes), codes_csv)


def _records_and_certificates(settings: Settings, engine: Engine, exams: Path, courses: Path,
                              people: list[Candidate], say: Callable[[str], None]) -> Path:
    """Gate steps for four of the cadres (once per workspace), then every certificate earned so far."""
    from grader.certificates.demo import init_demo_keys_and_certificates
    from grader.records.demo import seed_demo_records
    from grader.records.gate import records_of

    cadres = [p.student_id for n, p in enumerate(people) if n % 2 == 1]
    with Session(engine) as session, session.begin():
        if cadres and not records_of(session, cadres[0]):
            seed_demo_records(session, cadres, date.today())
            say(f"已记录演示关口环节：{'、'.join(cadres[:4])}")
    return init_demo_keys_and_certificates(settings, engine, exams / "programmes", courses, datetime.now(), say).folder


def _open_sitting(settings: Settings, engine: Engine, assignments: list[str],
                  people: list[Candidate]) -> tuple[tuple[Seat, ...], Path]:
    """A sitting open from now for eight hours (replaced on every demo run)."""
    now = datetime.now()
    sitting_id = f"demo-{now:%Y%m%d%H%M%S}"
    with Session(engine) as session, session.begin():
        seats = create_sitting(session, sitting_id, "演示场次", assignments[:1], [p.student_id for p in people],
                               now - timedelta(minutes=5), now + timedelta(hours=8), 90,
                               secret=load_secret(settings.root), created_by=system("demo"), now=now)
        rows = seat_list(session, seats)
    path = settings.root / "seats.csv"
    write_csv(path, rows, list(rows[0]))
    return tuple(seats), path
