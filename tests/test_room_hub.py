"""The exam room as a JupyterHub-managed service, under a real hub (pip `jupyterhub`, npm
`configurable-http-proxy`): a candidate signs in to the hub in headless Chromium, enters the room
through the hub's OAuth without an exam code, sits and hands in; no single-user server is ever
started; a hub user mapped to a staff account reaches the proctor page; the room's secrets stay in its workspace."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import stat
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from nbgrader.api import Student
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from grader.gradebook.models import AttemptRow, PersonRow, SignInRow, UnitRow
from grader.paper.store import build_from_files
from grader.release import release
from grader.room.keys import COOKIE_SECRET, FOLDER
from grader.settings import Settings
from grader.sitting.codes import load_secret
from grader.sitting.seats import Seat, create_sitting
from grader.staff.accounts import add_staff
from grader.staff.roles import system
from tests.browser import chromium_page, free_port, offline, wait_ready

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent
EXAMS, SMALL_BLUEPRINT = REPO / "exams", REPO / "tests" / "data" / "integration" / "small.yaml"
CHP = shutil.which("configurable-http-proxy")
SERVICE = "exam-room"
CANDIDATE, ADMIN, PASSWORD = "zhaoyi01", "jianli", "hub-test-password"  # the hub lower-cases user names

HUB_MISSING = pytest.mark.skipif(not (BIN / "jupyterhub").exists(), reason="jupyterhub is not installed (test extras)")
CHP_MISSING = pytest.mark.skipif(CHP is None, reason="configurable-http-proxy is missing (make pytest installs it)")


def _seat(settings: Settings, engine: Engine, assignment: str) -> Seat:
    """The candidate on the roster under their hub name, seated in a sitting open now; the hub's
    administrator mapped to an organiser's staff account."""
    now = datetime.now()
    with Session(engine) as session, session.begin():
        add_staff(session, None, "监考 管理员", "organiser", hub_user=ADMIN)
        session.add(UnitRow(name="安阳市纪委监委", parent=None, kind="市直单位", position=0))
        session.flush()
        session.add(Student(id=CANDIDATE, last_name="赵", first_name="一"))
        session.add(PersonRow(id=CANDIDATE, name="赵一", id_number="", unit="安阳市纪委监委", rank="", category=""))
        session.flush()
        (seat,) = create_sitting(session, "hub1", "2026年12月廉政知识测试", [assignment], [CANDIDATE],
                                 now - timedelta(minutes=5), now + timedelta(hours=2), 30,
                                 secret=load_secret(settings.root), created_by=system("t"), now=now)
    return seat


def _config(tmp: Path, settings: Settings, ports: dict[str, int], api_token: str) -> Path:
    service = {"name": SERVICE, "url": f"http://127.0.0.1:{ports['room']}", "oauth_no_confirm": True,
               "command": [str(BIN / "qinglian"), "room", "--hub-service", "--root", str(settings.root),
                           "--sweep", "0"],
               "environment": {"QINGLIAN_DB_URL": settings.db_url}}
    lines = [
        f"c.JupyterHub.bind_url = 'http://127.0.0.1:{ports['public']}'",
        f"c.JupyterHub.hub_bind_url = 'http://127.0.0.1:{ports['hub']}'",
        f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{ports['proxy_api']}'",
        f"c.ConfigurableHTTPProxy.command = [{CHP!r}]",
        f"c.JupyterHub.db_url = 'sqlite:///{tmp / 'jupyterhub.sqlite'}'",
        f"c.JupyterHub.cookie_secret_file = '{tmp / 'jupyterhub_cookie_secret'}'",
        "c.JupyterHub.authenticator_class = 'dummy'",
        f"c.DummyAuthenticator.password = {PASSWORD!r}",
        "c.Authenticator.allow_all = True",
        f"c.Authenticator.admin_users = {{{ADMIN!r}}}",
        f"c.JupyterHub.default_url = '/services/{SERVICE}/'",
        f"c.JupyterHub.services = [{service!r}, {{'name': 'checker', 'api_token': {api_token!r}}}]",
        "c.JupyterHub.load_roles = ["
        f"{{'name': 'user', 'scopes': ['self', 'access:services!service={SERVICE}']}},"
        "{'name': 'checker', 'scopes': ['read:users', 'read:servers'], 'services': ['checker']}]",
    ]
    path = tmp / "jupyterhub_config.py"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@contextmanager
def _hub(tmp: Path, config: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """The hub, starting (it starts the room and its proxy); the caller waits for it to answer."""
    log = tmp / "hub.log"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    with log.open("w") as out:
        hub = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(config)], cwd=tmp, env=env, stdout=out,
                               stderr=subprocess.STDOUT)
    try:
        yield hub, log
    finally:
        hub.terminate()  # the hub stops its managed services and its proxy
        try:
            hub.wait(timeout=30)
        except subprocess.TimeoutExpired:
            hub.kill()


def _one_paper(settings: Settings, engine: Engine) -> str:
    with Session(engine) as session, session.begin():
        paths = build_from_files(session, settings.root, SMALL_BLUEPRINT, [EXAMS / "banks"])
    with Session(engine) as session, session.begin():
        release(session, settings.root, paths[0].parent.name)
    return paths[0].parent.name


def _hub_user(base: str, name: str, token: str) -> dict[str, Any]:
    request = urllib.request.Request(f"{base}hub/api/users/{name}", headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return dict(json.load(response))


def _hub_sign_in(page: Any, name: str) -> None:
    page.locator("#username_input").wait_for()
    page.fill("#username_input", name)
    page.fill("#password_input", PASSWORD)
    page.click("#login_submit")


@HUB_MISSING
@CHP_MISSING
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_hub_user_with_a_seat_enters_without_a_code_and_hands_in_without_a_server(
        settings: Settings, engine: Engine, tmp_path: Path) -> None:
    hub_dir = tmp_path / "hub"
    hub_dir.mkdir()
    ports = {name: free_port() for name in ("public", "hub", "proxy_api", "room")}
    api_token = secrets.token_hex(16)
    base = f"http://127.0.0.1:{ports['public']}/"
    room = f"{base}services/{SERVICE}/"
    with _hub(hub_dir, _config(hub_dir, settings, ports, api_token)) as (hub, log), chromium_page() as page:
        seat = _seat(settings, engine, _one_paper(settings, engine))  # while the hub starts
        wait_ready(hub, f"{room}static/room.css", log, timeout=60)
        watch = offline(page)
        page.goto(room)  # not signed in to the hub: the hub's login page, then back through OAuth
        _hub_sign_in(page, CANDIDATE)
        page.locator("#briefing").wait_for()
        assert page.locator("#briefing-name").inner_text() == "赵一"
        assert page.url.startswith(room)
        page.click("#start")
        first = page.locator("article.item[data-type=single]").first
        page.locator(f"#nav button[data-number='{first.get_attribute('data-number')}']").click()
        first.locator("input").first.click()
        first.locator(".save-status").filter(has_text="已保存").wait_for()
        page.click("#submit")
        page.click("#confirm-submit")
        page.locator("#score").wait_for()

        staff_page = page.context.browser.new_page()
        staff_watch = offline(staff_page)
        staff_page.goto(f"{room}proctor")
        _hub_sign_in(staff_page, ADMIN)
        row = staff_page.locator(f"#seats tr[data-admission='{seat.admission_no}']")
        row.wait_for()
        assert "已交卷" in row.inner_text()
        hub_candidate = _hub_user(base, CANDIDATE, api_token)
        hub_log = log.read_text()
    assert watch.outside == [] and staff_watch.outside == []
    assert hub_candidate["servers"] == {} and not hub_candidate.get("pending")
    with Session(engine) as session:
        attempt = session.scalars(select(AttemptRow).where(AttemptRow.admission_no == seat.admission_no)).one()
        outcomes = set(session.scalars(select(SignInRow.outcome).where(SignInRow.admission_no == seat.admission_no)))
    assert attempt.submitted_at is not None
    assert outcomes == {"hub"}  # no code was typed
    _secrets_stay_in_the_workspace(settings.root, hub_dir, hub_log)


def _secrets_stay_in_the_workspace(root: Path, hub_dir: Path, hub_log: str) -> None:
    """Mode 600 in the workspace; nowhere in what the hub keeps or logs."""
    files = [root / FOLDER / COOKIE_SECRET, root / ".exam-code-secret"]
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE((root / FOLDER).stat().st_mode) == 0o700
    values = [path.read_bytes().strip() for path in files]
    kept = [p for p in hub_dir.rglob("*") if p.is_file()]
    assert [(p.name, v[:6]) for p in kept for v in values if v in p.read_bytes()] == []
    assert [v[:6] for v in values if v.decode("latin-1") in hub_log] == []


@HUB_MISSING
@pytest.mark.parametrize(("environ", "said"), [
    ({"JUPYTERHUB_SERVICE_NAME": SERVICE, "JUPYTERHUB_API_TOKEN": "t"}, "JUPYTERHUB_SERVICE_URL 未设置"),
    ({"JUPYTERHUB_SERVICE_NAME": SERVICE, "JUPYTERHUB_API_TOKEN": "t", "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1"},
     "没有端口"),
])
def test_a_hub_service_without_an_address_says_what_to_write(environ: dict[str, str], said: str) -> None:
    from grader.room.hub import HubConfigError, hub_service

    with pytest.raises(HubConfigError, match=said):
        hub_service(environ)


@HUB_MISSING
def test_the_hub_service_is_read_from_the_hubs_variables_and_absent_without_them() -> None:
    from grader.room.hub import HubService, hub_service

    assert hub_service({}) is None
    assert hub_service({"JUPYTERHUB_SERVICE_NAME": SERVICE}) is None  # no token: no hub started this process
    assert hub_service({"JUPYTERHUB_SERVICE_NAME": SERVICE, "JUPYTERHUB_API_TOKEN": "t",
                        "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:10101",
                        "JUPYTERHUB_SERVICE_PREFIX": "/hub-a/services/exam-room"}) == HubService(
        SERVICE, "/hub-a/services/exam-room/", "127.0.0.1", 10101)


@HUB_MISSING
def test_room_hub_service_outside_a_hub_refuses_in_chinese(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from grader.cli import main

    for name in [k for k in os.environ if k.startswith("JUPYTERHUB_")]:
        monkeypatch.delenv(name)
    result = CliRunner().invoke(main, ["room", "--hub-service", "--root", str(tmp_path / "ws")])
    assert result.exit_code != 0
    assert "考场应由 JupyterHub 按 jupyterhub_config.py 的 services 启动" in result.output
