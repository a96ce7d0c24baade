"""Every public and course page, as each kind of visitor meets it, on a LAN without internet: a
browser whose every request outside 127.0.0.1 is blocked and recorded. A page passes when it asked
for nothing outside, logged no console error and shows no Voilà error box; and it shows what that
visitor should see. Visitors: anonymous, signed in by the page's form, known by a signed link, and
known as a JupyterHub user (the single-user server's JUPYTERHUB_USER, which the kernel inherits)."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import quote

import psutil
import pytest
from sqlalchemy.orm import Session

from grader.certificates.fonts import CertificateFont, find_cjk_font
from grader.city import CitySpec, build_city, plan_city
from grader.course.catalog import Module, load_catalog
from grader.course.identity import token_for, workspace_secret
from grader.course.study_codes import issue_study_codes
from grader.gradebook.engine import connect
from grader.serve import Server, voila_server
from grader.settings import Settings
from grader.sitting.codes import load_secret
from grader.staff.roles import system
from grader.workspace import init_workspace
from tests.browser import PageWatch, chromium_page, free_port, offline, running, wait_rendered
from tests.certificates_data import facts, issue
from tests.records_data import seed_roster

REPO = Path(__file__).resolve().parent.parent
COURSES = REPO / "courses"
APPS = REPO / "voila_apps"
LEARNER, NAME = "P003", "张明"  # on tests/data/records/roster.csv
STUDY_CODES: dict[str, str] = {}  # the learner's personal study code, issued by the fixture
HOLDER, HOLDER_NAME = "P001", "王建国"
VISITORS = ("anonymous", "form", "link", "hub")


@dataclasses.dataclass(frozen=True)
class Site:
    settings: Settings
    plain: Server  # what anyone reaches
    hub: Server  # the same page under JupyterHub: the kernel knows the user
    shots: Path

    def link(self, page: str, learner: str = LEARNER) -> str:
        token = token_for(learner, workspace_secret(self.settings.root))
        return f"{page}?learner={quote(learner)}&token={token}"


def _workspace(root: Path) -> Settings:
    settings = Settings.resolve(root, f"sqlite:///{root / 'gradebook.db'}", environ={})
    engine = connect(settings.db_url)
    init_workspace(settings, engine)
    engine.dispose()
    return settings


def _as_hub_user(server: Server, user: str) -> Server:
    return dataclasses.replace(server, env={**server.env, "JUPYTERHUB_USER": user, "JUPYTERHUB_API_URL": ""})


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Site]]:
    """Three sites on one roster: the courses (a folder), and the two public pages (one page each,
    as `qinglian serve` runs them); each also as a JupyterHub user's server."""
    base = tmp_path_factory.mktemp("offline")
    settings = _workspace(base / "ws")
    engine = connect(settings.db_url)
    seed_roster(engine)
    with Session(engine) as session, session.begin():
        (code,) = issue_study_codes(session, load_secret(settings.root), [LEARNER], system("t"))
        STUDY_CODES[LEARNER] = code.code
    issue(engine, settings.root, CertificateFont(find_cjk_font()), [facts(HOLDER, HOLDER_NAME)])
    engine.dispose()
    city = _workspace(base / "city")
    engine = connect(city.db_url)
    with Session(engine) as session, session.begin():
        build_city(session, plan_city(CitySpec(seed=5, units=8, people=40, attempts=80, months=2)), REPO / "exams")
    engine.dispose()

    shots = Path(os.environ.get("QINGLIAN_TEST_SHOTS", base))  # screenshots, to look at
    shots.mkdir(parents=True, exist_ok=True)

    def one(name: str, ws: Settings, folder: Path, page: str, hub_user: str, only: bool) -> Site:
        plain = voila_server(ws, folder, free_port(), page, name, only_page=only)
        hub = _as_hub_user(voila_server(ws, folder, free_port(), page, name, only_page=only), hub_user)
        return Site(ws, plain, hub, shots)

    sites = {"courses": one("courses", settings, COURSES, "index.ipynb", LEARNER, False),
             "certificates": one("certificates", settings, APPS, "certificates.ipynb", HOLDER, True),
             "scoreboard": one("scoreboard", city, APPS, "scoreboard.ipynb", "C0001", True)}
    with ExitStack() as stack:
        for name, s in sites.items():
            for kind, server in (("plain", s.plain), ("hub", s.hub)):
                stack.enter_context(running(server, base / f"{name}-{kind}.log", server.ready_url))
        yield sites


def _base(server: Server) -> str:
    return server.urls[0].split("/voila/")[0] if "/voila/" in server.urls[0] else server.urls[0].rstrip("/")


def _visit(page, url: str) -> PageWatch:  # type: ignore[no-untyped-def]
    watch = offline(page)
    page.goto(url)
    wait_rendered(page)
    return watch


def _done(page, watch: PageWatch, shots: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_timeout(300)  # late console errors (a widget that failed to render) arrive after the page
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    watch.assert_clean(page)
    assert any(r.startswith("http://127.0.0.1") for r in watch.requests)


def _sign_in(page, number: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(".ql-number input").fill(number)
    page.locator(".ql-code input").fill(STUDY_CODES[number])
    page.locator(".ql-sign-in").click()


def _module() -> Module:
    return load_catalog(COURSES)[0]


def _assert_link_looks_like_a_link(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    style = page.locator(selector).first.evaluate(
        "a => { const s = getComputedStyle(a), p = getComputedStyle(a.closest('p, li, td') || a.parentElement);"
        " return [s.textDecorationLine, s.color, p.color]; }")
    decoration, colour, text_colour = style
    assert "underline" in decoration and colour != text_colour, style


@pytest.mark.parametrize("visitor", VISITORS)
def test_course_index_offline(site: dict[str, Site], visitor: str) -> None:
    s = site["courses"]
    server = s.hub if visitor == "hub" else s.plain
    url = f"{_base(server)}/voila/render/" + (s.link("index.ipynb") if visitor == "link" else "index.ipynb")
    with chromium_page() as page:
        watch = _visit(page, url)
        if visitor == "anonymous":
            page.get_by_text("登录后显示课程目录和学习进度").wait_for()
            page.locator(".ql-sign-in").wait_for()
        else:
            if visitor == "form":
                _sign_in(page, LEARNER)
            page.get_by_text("当前学员").wait_for()
            assert NAME in page.locator(".ql-header").inner_text()
            table = page.locator(".ql-modules")
            table.wait_for()
            links = table.locator("a")
            assert links.count() == len(load_catalog(COURSES))
            _assert_link_looks_like_a_link(page, ".ql-modules a")
        _done(page, watch, s.shots, f"index-{visitor}")


@pytest.mark.parametrize("visitor", VISITORS)
def test_course_module_offline(site: dict[str, Site], visitor: str) -> None:
    s, module = site["courses"], _module()
    server = s.hub if visitor == "hub" else s.plain
    page_name = f"{module.id}.ipynb"
    url = f"{_base(server)}/voila/render/" + (s.link(page_name) if visitor == "link" else page_name)
    with chromium_page() as page:
        watch = _visit(page, url)
        page.locator(f".ql-check-{module.checks[0]}").wait_for()
        _assert_link_looks_like_a_link(page, ".jp-RenderedMarkdown a[href^='http']")  # the references
        if visitor == "anonymous":
            page.locator(".ql-sign-in").wait_for()
        else:
            if visitor == "form":
                _sign_in(page, LEARNER)
            page.get_by_text("当前学员").wait_for()
            page.locator(".ql-progress").get_by_text("本模块学习进度").wait_for()
            _assert_link_looks_like_a_link(page, ".ql-header a")
        _done(page, watch, s.shots, f"module-{visitor}")


def test_known_learner_follows_the_catalogue_link_from_a_module_back_to_the_index(site: dict[str, Site]) -> None:
    """The catalogue crashed for a learner already known (a NameError in a Voilà error box)."""
    s, module = site["courses"], _module()
    with chromium_page() as page:
        watch = _visit(page, f"{_base(s.plain)}/voila/render/{module.id}.ipynb")
        _sign_in(page, LEARNER)
        page.get_by_text("当前学员").wait_for()
        left = _kernel_id(page)
        page.locator(".ql-header").get_by_role("link", name="课程目录").click()
        page.wait_for_url("**/index.ipynb?learner=*")
        wait_rendered(page)
        assert _gone(f"{_base(s.plain)}/api/kernels/{left}")  # the page left shut its kernel down
        page.locator(".ql-modules").wait_for()
        page.locator(".ql-modules").get_by_role("link", name=module.title).click()
        page.wait_for_url(f"**/{module.id}.ipynb?learner=*")
        wait_rendered(page)
        page.get_by_text("当前学员").wait_for()
        _done(page, watch, s.shots, "module-then-index")


def _kernel_id(page) -> str:  # type: ignore[no-untyped-def]
    return str(json.loads(page.locator("#jupyter-config-data").text_content() or "{}")["kernelId"])


def _gone(url: str, within: float = 20) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                pass
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return True
        time.sleep(0.5)
    return False


@pytest.mark.parametrize("visitor", VISITORS)
def test_certificates_page_offline(site: dict[str, Site], visitor: str) -> None:
    s = site["certificates"]
    server = s.hub if visitor == "hub" else s.plain
    url = _base(server) + "/" + (s.link("", HOLDER) if visitor == "link" else "")
    with chromium_page() as page:
        watch = _visit(page, url)
        text = page.locator(".ql-certificates-app").inner_text()
        assert "Ed25519" not in text and "qinglian" not in text
        if visitor == "form":
            page.locator(".ql-person input").fill(HOLDER)
            page.locator(".ql-name input").fill(HOLDER_NAME)
            page.locator(".ql-lookup").click()
            page.locator("a.ql-download").wait_for()
            _assert_link_looks_like_a_link(page, "a.ql-download")
        _done(page, watch, s.shots, f"certificates-{visitor}")


@pytest.mark.parametrize("visitor", VISITORS)
def test_scoreboard_offline(site: dict[str, Site], visitor: str) -> None:
    s = site["scoreboard"]
    server = s.hub if visitor == "hub" else s.plain
    url = _base(server) + "/" + (s.link("", "C0001") if visitor == "link" else "")
    with chromium_page() as page:
        watch = _visit(page, url)
        page.locator(".ql-summary").get_by_text("通过率").wait_for()
        if visitor == "form":
            page.locator(".ql-programme select").select_option(label="职务提升廉政知识测试")
            page.locator(".ql-summary").get_by_text("职务提升廉政知识测试").wait_for()
        _done(page, watch, s.shots, f"scoreboard-{visitor}")


def _kernel_pids(server_pid: int) -> list[int]:
    return [p.pid for p in psutil.Process(server_pid).children(recursive=True)
            if any("ipykernel" in part for part in p.cmdline())]


def test_a_page_whose_kernel_died_tells_the_reader_to_reload(site: dict[str, Site], tmp_path: Path) -> None:
    """The kernel crashes (and the server restarts it, without the page's widgets): the page says so."""
    s, module = site["courses"], _module()
    server = dataclasses.replace(voila_server(s.settings, COURSES, free_port()), name="crash")
    with running(server, tmp_path / "voila.log", server.ready_url) as process, chromium_page() as page:
        watch = offline(page)
        page.goto(f"{_base(server)}/voila/render/{module.id}.ipynb")
        wait_rendered(page)
        page.locator(".ql-sign-in").wait_for()
        assert page.locator("#ql-lost").count() == 0
        (kernel,) = _kernel_pids(process.pid)
        os.kill(kernel, signal.SIGKILL)
        lost = page.locator("#ql-lost")
        lost.wait_for(timeout=60_000)
        assert "页面已失效，请刷新" in lost.inner_text()
        page.screenshot(path=str(s.shots / "kernel-died.png"), full_page=True)
        assert watch.outside == []


def test_a_page_whose_kernel_was_culled_tells_the_reader_to_reload(site: dict[str, Site], tmp_path: Path) -> None:
    """An idle page's kernel is culled (here after 10 s, long enough for the page to finish loading on
    a busy machine; minutes when served): the socket may stay open, so the page asks the server when
    the reader comes back to it, and says so."""
    s, module = site["courses"], _module()
    server = voila_server(s.settings, COURSES, free_port(), cull_after=10)
    argv = [a for a in server.argv if not a.startswith("--MappingKernelManager.cull_interval=")]
    server = dataclasses.replace(server, argv=[*argv, "--MappingKernelManager.cull_interval=1",
                                               "--MappingKernelManager.cull_connected=True"])
    log = tmp_path / "voila.log"
    with running(server, log, server.ready_url), chromium_page() as page:
        watch = offline(page)
        page.goto(f"{_base(server)}/voila/render/{module.id}.ipynb")
        wait_rendered(page)
        deadline = time.monotonic() + 60
        while "Kernel shutdown" not in log.read_text() and time.monotonic() < deadline:
            page.wait_for_timeout(500)
        page.wait_for_timeout(3500)  # past the page's own rate limit on asking
        page.mouse.click(3, 3)  # the reader comes back and clicks
        lost = page.locator("#ql-lost")
        lost.wait_for(timeout=30_000)
        assert "页面已失效，请刷新" in lost.inner_text()
        page.screenshot(path=str(s.shots / "kernel-culled.png"), full_page=True)
        assert watch.outside == []


def test_the_page_template_is_package_data_and_links_nothing_outside() -> None:
    import fnmatch
    import tomllib

    from grader.pages import data_dir, template_env

    folder = data_dir() / "voila" / "templates" / "qinglian"
    files = [p.relative_to(REPO / "grader").as_posix() for p in folder.rglob("*") if p.is_file()]
    patterns = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["package-data"]
    assert [f for f in files if not any(fnmatch.fnmatch(f, pat) for pat in patterns["grader"])] == []
    assert {"conf.json", "index.html.j2", "page.html", "error.html"} <= {p.name for p in folder.iterdir()}
    text = "\n".join(p.read_text("utf-8") for p in folder.rglob("*") if p.is_file())
    assert re.findall(r"https?://\w[^\s'\"]*", text) == []  # no address outside (the filter names only the scheme)
    env = template_env({"JUPYTER_PATH": "/elsewhere"})
    assert env["JUPYTER_PATH"].split(os.pathsep) == [str(data_dir()), "/elsewhere"]


def test_the_certificate_page_names_its_public_address_or_the_one_it_was_reached_at() -> None:
    from grader.certificates.view import page_address, verify_help_html
    from grader.settings import CERT_URL_ENV

    reached = {"SERVER_NAME": "10.1.2.3", "SERVER_PORT": "8869", "SCRIPT_NAME": "/"}
    assert page_address(reached) == "http://10.1.2.3:8869/"
    assert page_address({**reached, CERT_URL_ENV: "https://zs.example.gov.cn/verify"}) == \
        "https://zs.example.gov.cn/verify"
    assert page_address({}) == ""
    text = verify_help_html("http://10.1.2.3:8869/")
    assert "http://10.1.2.3:8869/" in text and "Ed25519" not in text and "qinglian" not in text
    assert "ql-this-page" in verify_help_html("") and "ql-this-page" not in text


def test_a_missing_page_says_so_in_chinese_and_asks_for_nothing_outside(site: dict[str, Site]) -> None:
    s = site["courses"]
    with chromium_page() as page:
        watch = offline(page)
        response = page.goto(f"{_base(s.plain)}/voila/render/no_such_module.ipynb")
        assert response is not None and response.status == 404
        page.get_by_text("找不到该页面").wait_for()
        page.screenshot(path=str(s.shots / "missing.png"), full_page=True)
        assert watch.outside == [] and watch.page_errors == []


def test_a_pre_started_certificate_page_still_shows_the_address_it_is_read_at(site: dict[str, Site],
                                                                              tmp_path: Path) -> None:
    """`qinglian serve` pre-runs the public pages before any request, so the kernel cannot know the
    address; the page's script writes in the one the browser is at."""
    s = site["certificates"]
    server = voila_server(s.settings, APPS, free_port(), "certificates.ipynb", "证书", pool_size=1, only_page=True)
    with running(server, tmp_path / "voila.log", server.ready_url), chromium_page() as page:
        watch = offline(page)
        page.goto(server.urls[0])
        wait_rendered(page)
        address = page.locator(".ql-verify-help a.ql-address")
        address.wait_for()
        page.wait_for_function("() => document.querySelector('.ql-verify-help a.ql-address').textContent !== ''")
        assert "ql-this-page" in (address.get_attribute("class") or "")  # the kernel did not know it
        assert address.inner_text() == server.urls[0] and address.get_attribute("href") == server.urls[0]
        watch.assert_clean(page)
