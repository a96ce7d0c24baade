"""What `qinglian serve` exposes: candidates and the public reach only their pages; staff pages ask
for a staff account, formgrader needs this run's random token; no shared token is left anywhere;
the workspace with every secret is its owner's alone. Addresses are given out only once every
server answers."""

from __future__ import annotations

import stat
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from grader.cli import main
from grader.serve import (
    PUBLIC_PAGES,
    STAFF_PAGES,
    ServeError,
    Server,
    new_lab_token,
    platform_servers,
    start_servers,
    stop_servers,
)
from grader.settings import Settings
from tests.browser import free_port, running

REPO = Path(__file__).resolve().parent.parent
APPS = REPO / "voila_apps"


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_workspace_is_closed_to_everyone_but_its_owner(settings: Settings, engine: Engine) -> None:
    mode = stat.S_IMODE(settings.root.stat().st_mode)
    assert mode & (stat.S_IRWXG | stat.S_IRWXO) == 0


def _targets(server: Server) -> list[str]:
    return [Path(arg).name for arg in server.argv if arg.endswith(".ipynb")]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_no_public_server_serves_a_staff_page(settings: Settings, engine: Engine) -> None:
    servers = platform_servers(settings, REPO / "courses", APPS, 9000, 9100, "t0ken")
    staff = [s for s in servers if any(page in _targets(s) for page in STAFF_PAGES)]
    public = [s for s in servers if "lab" not in s.argv and s not in staff]
    assert not any(page in url for s in public for url in s.urls for page in STAFF_PAGES)
    assert sorted(t for s in staff for t in _targets(s)) == sorted(STAFF_PAGES)
    assert "audit.ipynb" in STAFF_PAGES
    # the token is JupyterLab's alone: the staff pages ask for an account, nobody else is given it
    assert [s for s in servers if any("t0ken" in part for part in (*s.argv, *s.urls))] == [servers[-1]]
    assert "lab" in servers[-1].argv
    assert all(len(_targets(s)) == 1 for s in staff)  # one page per server: nothing else of the folder
    assert sorted(p.name for p in (settings.root / "staff").iterdir()) == sorted(STAFF_PAGES)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_pages_that_need_nothing_from_the_request_are_pre_run_and_read_only_ones_culled_sooner(
        settings: Settings, engine: Engine) -> None:
    servers = platform_servers(settings, REPO / "courses", APPS, 9000, 9100, "t0ken")
    by_page = {t: s for s in servers for t in _targets(s)}
    courses = servers[0]
    assert "--preheat_kernel=True" not in courses.argv  # a course page reads its link: it cannot be pre-run
    for page in (*PUBLIC_PAGES, *STAFF_PAGES):
        assert "--preheat_kernel=True" in by_page[page].argv, page
    culled = {t: next(a for a in s.argv if "cull_idle_timeout" in a).split("=")[1] for t, s in by_page.items()}
    keeping = next(a for a in courses.argv if "cull_idle_timeout" in a).split("=")[1]
    # a sign-in and a half-filled records form survive a dropped connection
    assert all(culled[p] == keeping for p in STAFF_PAGES)
    assert all(int(culled[p]) < int(keeping) for p in PUBLIC_PAGES)


def _http_server(port: int, delay: float, name: str) -> Server:
    code = ("import time, http.server, sys; time.sleep(float(sys.argv[2])); "
            "http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), http.server.SimpleHTTPRequestHandler)"
            ".serve_forever()")
    return Server(name, [sys.executable, "-c", code, str(port), str(delay)], Path.cwd(), {},
                  [f"http://127.0.0.1:{port}/"], f"http://127.0.0.1:{port}/")


def test_addresses_are_given_out_only_once_every_server_answers() -> None:
    servers = [_http_server(free_port(), 0, "快"), _http_server(free_port(), 4, "慢（如 JupyterLab）")]
    announced: list[tuple[str, list[int]]] = []
    processes = start_servers(servers, lambda server, url: announced.append(
        (url, [_status(s.ready_url) for s in servers])), timeout=60)
    try:
        assert [url for url, _ in announced] == [s.urls[0] for s in servers]
        assert all(statuses == [200, 200] for _, statuses in announced)  # every server answered at each line
    finally:
        stop_servers(processes)


def test_a_server_that_fails_to_start_is_named_and_no_address_is_given_out() -> None:
    broken = Server("证书查询与核验（公开）", [sys.executable, "-c", "raise SystemExit(3)"], Path.cwd(), {},
                    ["http://127.0.0.1:1/"], "http://127.0.0.1:1/")
    slow = _http_server(free_port(), 30, "慢")
    announced: list[str] = []
    with pytest.raises(ServeError, match="证书查询与核验（公开） 未能启动"):
        start_servers([slow, broken], lambda server, url: announced.append(url), timeout=60)
    assert announced == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_exam_room_server_refuses_every_other_page(settings: Settings, engine: Engine, tmp_path: Path) -> None:
    port = free_port() - 1  # the room takes the port after the courses'
    servers = platform_servers(settings, REPO / "courses", APPS, port, 0, "t0ken")
    room = servers[1]
    assert "room" in room.argv and not any(settings.db_url in arg for arg in room.argv)  # no password in ps
    with running(room, tmp_path / "room.log", room.ready_url):
        for page in (*STAFF_PAGES, *PUBLIC_PAGES):
            assert _status(f"http://127.0.0.1:{port + 1}/voila/render/{page}") in (403, 404)
        assert _status(room.urls[0]) == 200
        assert _status(f"{room.urls[0]}api/proctor/seats?sitting=s") == 401  # the proctor's table needs an account


def test_no_shared_token_is_left_and_jupyterlabs_is_new_on_every_run() -> None:
    tokens = {new_lab_token() for _ in range(3)}
    assert len(tokens) == 3 and all(len(t) >= 32 for t in tokens)
    served = CliRunner().invoke(main, ["serve", "--help"], terminal_width=200)
    assert "qinglian-demo" not in served.output and "随机" in served.output
    places = [REPO / "Makefile", *(REPO / "grader").rglob("*.py"), *APPS.glob("*.ipynb")]
    assert [p.name for p in places if "qinglian-demo" in p.read_text(encoding="utf-8")] == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_formgrader_needs_this_runs_token(settings: Settings, engine: Engine, tmp_path: Path) -> None:
    port, lab_port = free_port(), free_port()
    servers = platform_servers(settings, REPO / "courses", APPS, port, lab_port, "t0ken")
    lab = servers[-1]
    with running(lab, tmp_path / "lab.log", lab.ready_url, timeout=120):
        formgrader = f"http://127.0.0.1:{lab_port}/formgrader"
        assert _status(formgrader) in (302, 403, 401) or "login" in _final_url(formgrader)


def _final_url(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as response:
        return str(response.geturl())
