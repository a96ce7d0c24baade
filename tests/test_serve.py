"""What `qinglian serve` exposes: candidates and the public reach only their pages; staff pages and
formgrader need JupyterLab's token; the workspace with every secret is its owner's alone."""

from __future__ import annotations

import stat
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import Engine

from grader.serve import PUBLIC_PAGES, STAFF_PAGES, platform_servers
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


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_no_public_server_serves_a_staff_page(settings: Settings, engine: Engine) -> None:
    servers = platform_servers(settings, REPO / "courses", APPS, 9000, 9100, "t0ken", 2, 3600)
    public = [s for s in servers if "lab" not in s.argv]
    targets = [arg for s in public for arg in s.argv if arg.endswith(".ipynb")]
    assert sorted(Path(t).name for t in targets) == sorted(["exam_room.ipynb", *PUBLIC_PAGES])
    assert not any(page in url for s in public for url in s.urls for page in STAFF_PAGES)
    lab = next(s for s in servers if "lab" in s.argv)
    assert all(any(page in url and "token=t0ken" in url for url in lab.urls) for page in STAFF_PAGES)
    assert sorted(p.name for p in (settings.root / "staff").iterdir()) == sorted(STAFF_PAGES)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_exam_room_server_refuses_every_other_page(settings: Settings, engine: Engine, tmp_path: Path) -> None:
    port = free_port()
    servers = platform_servers(settings, REPO / "courses", APPS, port, 0, "t0ken", 0, 3600)
    room = servers[1]
    with running(room, tmp_path / "room.log", room.ready_url):
        for page in (*STAFF_PAGES, *PUBLIC_PAGES):
            assert _status(f"http://127.0.0.1:{port + 1}/voila/render/{page}") in (403, 404)
        assert _status(room.urls[0]) == 200


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_staff_pages_need_the_token(settings: Settings, engine: Engine, tmp_path: Path) -> None:
    port, lab_port = free_port(), free_port()
    servers = platform_servers(settings, REPO / "courses", APPS, port, lab_port, "t0ken", 0, 3600)
    lab = servers[-1]
    page = f"http://127.0.0.1:{lab_port}/voila/render/staff/records.ipynb"
    with running(lab, tmp_path / "lab.log", lab.ready_url, timeout=120):
        assert _status(page) in (302, 403, 401) or "login" in _final_url(page)
        assert _status(f"{page}?token=t0ken") == 200


def _final_url(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as response:
        return str(response.geturl())
