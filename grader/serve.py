"""`qinglian serve`: what candidates, learners and the public reach (Voila, one page per server
where a folder would expose more), and what only staff reach: the records, item-analysis and audit
pages, each on its own Voila, where each staff member signs in with their own account before the
page shows anything (grader.staff.page); the essay-marking service (trainers' accounts); and
JupyterLab with formgrader, behind a random token made for this run and shown to the operator who
started it only. There is no shared token. The addresses are given out only once every server
answers (start_servers)."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.pages import template_env, voila_args
from grader.settings import COURSES_ENV, DB_ENV, PROGRAMMES_ENV, ROOT_ENV, Settings

BIN = Path(sys.executable).parent
# names, ID numbers, what the best candidates chose, who did what: each page asks for a staff account first
STAFF_PAGES = ("records.ipynb", "item_analysis.ipynb", "audit.ipynb")
PUBLIC_PAGES = ("scoreboard.ipynb", "certificates.ipynb")  # masked scoreboard; certificates need number + name
STAFF_FOLDER = "staff"
PAGE_NAMES = {"scoreboard.ipynb": "成绩榜（公开）", "certificates.ipynb": "证书查询与核验（公开）",
              "records.ipynb": "廉政教育记录（组织部门，工作人员账号登录）",
              "item_analysis.ipynb": "题目分析（培训教师、审计员，工作人员账号登录）",
              "audit.ipynb": "审计日志（审计员，工作人员账号登录）"}
PUBLIC_POOL = 2  # kernels kept ready per public page: two visitors at the same moment are both served at once
STAFF_POOL = 1
REFILL_AFTER = 10.0  # a used pool kernel is replaced once the page it served has loaded: a kernel start
# (about a second of CPU) competes with the browser loading that page
# A kernel whose page is gone (closed, reloaded: a page cannot shut its kernel down) is culled after
# this long; kernels with a page still connected are never culled. A page that holds what someone
# typed (a sign-in, a records form: every staff page) keeps it a while for a dropped connection;
# read-only pages do not.
CULL_KEEPING = 900
CULL_READ_ONLY = 120
MARKDOWN = "grader.markdown.ReferenceMarkdownRenderer"  # bare addresses end at Chinese punctuation


@dataclass(frozen=True)
class Server:
    name: str
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    urls: list[str]
    ready_url: str  # answers once the server is up, without rendering a page (which takes a kernel)


def voila_server(settings: Settings, courses: Path, port: int, page: str = "index.ipynb",
                 name: str = "课程（Voila）", pool_size: int = 0, *, only_page: bool = False,
                 refill_after: float = 1.0, content: tuple[Path, Path] | None = None,
                 cull_after: int = CULL_KEEPING, token: str = "") -> Server:
    """Voila over a folder, or over one page of it (`only_page`: nothing else in the folder is
    reachable), code hidden: kernels are told the workspace and database, idle ones are culled (a
    reloaded page cannot shut its kernel down), no tracebacks reach the browser.
    A pool pre-runs pages that need nothing from the request, so a reader does not wait for a
    kernel to start; course pages read their link, so they cannot. `refill_after`: seconds before
    a used pool kernel is replaced.
    `cull_after`: seconds an abandoned kernel is kept (CULL_KEEPING / CULL_READ_ONLY). `token`:
    Jupyter's token login in front of the page as well (the address given out carries it); staff
    pages need none, they ask for a staff account."""
    target = courses.resolve() / page if only_page else courses.resolve()
    argv = [str(BIN / "voila"), str(target),
            "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
            "--VoilaConfiguration.show_tracebacks=False", f"--MappingKernelManager.cull_idle_timeout={cull_after}",
            "--MappingKernelManager.cull_interval=30", f"--VoilaExporter.markdown_renderer_class={MARKDOWN}",
            "--KernelManager.transport=ipc",  # unix sockets: no port races when a pool starts many kernels
            *voila_args()]  # our template: nothing from a CDN, a Chinese notice when the kernel is gone
    if pool_size > 0:
        argv += ["--preheat_kernel=True", f"--pool_size={pool_size}",
                 f"--VoilaKernelManager.fill_delay={refill_after:g}"]
    if token:
        argv.append(f"--Voila.token={token}")
    env = _kernel_env(settings, content)
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/" if only_page else f"{base}/voila/render/{page}"
    return Server(name, argv, courses.resolve(), env, [f"{url}?token={token}" if token else url],
                  f"{base}/voila/static/voila.js")


def room_server(settings: Settings, port: int, *, sweep: float = 30.0) -> Server:
    """The exam room (`qinglian room`): a Tornado service, no kernel per candidate. The database
    URL goes in the environment, not on the command line, where any local user could read it."""
    argv = [str(BIN / "qinglian"), "room", "--root", str(settings.root), "--port", str(port), "--sweep", f"{sweep:g}"]
    env = {**os.environ, DB_ENV: settings.db_url}
    base = f"http://127.0.0.1:{port}/"
    return Server("考场（准考证号和考试码进入；监考页面用工作人员账号登录）", argv,
                  settings.root, env, [base, f"{base}proctor"], f"{base}static/room.css")


def _kernel_env(settings: Settings, content: tuple[Path, Path] | None) -> dict[str, str]:
    """What a page's kernel is told: the workspace, the database and (`content`) where the programme
    files and the course catalogue are."""
    env = {**os.environ, ROOT_ENV: str(settings.root), DB_ENV: settings.db_url,
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    if content is not None:
        env[PROGRAMMES_ENV], env[COURSES_ENV] = (str(folder.resolve()) for folder in content)
    return template_env(env)  # Voila finds our page template on JUPYTER_PATH


def install_staff_pages(root: Path, apps: Path) -> list[Path]:
    """Copy the staff pages into the workspace, where JupyterLab (token required) serves them."""
    folder = root / STAFF_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy2(apps / name, folder / name)) for name in STAFF_PAGES if (apps / name).exists()]


def new_lab_token() -> str:
    """JupyterLab's token for one run of `qinglian serve`: random, printed to the operator only."""
    return secrets.token_urlsafe(24)


def platform_servers(settings: Settings, courses: Path, apps: Path, port: int, lab_port: int, token: str,
                     programmes: Path = Path("exams/programmes")) -> list[Server]:
    """Courses on `port`, the exam room on the next, then each public page and each staff page on
    its own port, then the essay-marking service; formgrader on JupyterLab at `lab_port` behind
    `token` (0: no JupyterLab, no staff pages and no marking). The public and staff pages need
    nothing from the request, so each has a pool of kernels that have already run it: a first view
    is served at once instead of after a kernel start."""
    servers = [voila_server(settings, courses, port), room_server(settings, port + 1)]
    content = (programmes, courses)
    servers += [voila_server(settings, apps, port + 2 + n, page, PAGE_NAMES[page], PUBLIC_POOL, only_page=True,
                             content=content, cull_after=CULL_READ_ONLY, refill_after=REFILL_AFTER)
                for n, page in enumerate(PUBLIC_PAGES) if (apps / page).exists()]
    if lab_port:
        from grader.marking.serving import marking_server  # it builds on this module's Server

        install_staff_pages(settings.root, apps)
        first_staff = port + 2 + len(PUBLIC_PAGES)
        servers += [voila_server(settings, apps, first_staff + n, page, PAGE_NAMES[page], STAFF_POOL, only_page=True,
                                 content=content, refill_after=REFILL_AFTER, cull_after=CULL_KEEPING)
                    for n, page in enumerate(STAFF_PAGES) if (apps / page).exists()]
        servers.append(marking_server(settings, first_staff + len(STAFF_PAGES)))
        servers.append(lab_server(settings, lab_port, token, content))
    return servers


def lab_server(settings: Settings, port: int, token: str, content: tuple[Path, Path] | None = None) -> Server:
    argv = [str(BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            f"--IdentityProvider.token={token}", *voila_args()]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")  # containers and CI run as root; jupyter refuses without it
    argv.append(f"--VoilaExporter.markdown_renderer_class={MARKDOWN}")  # for a page opened in JupyterLab's Voila
    env = _kernel_env(settings, content)
    base = f"http://127.0.0.1:{port}"
    return Server("评分与管理（JupyterLab / formgrader，本次启动的令牌，只显示给启动者）", argv, settings.root, env,
                  [f"{base}/lab?token={token}", f"{base}/formgrader?token={token}"], f"{base}/login")


class ServeError(Exception):
    """A server exited or did not answer in time: nothing is given out."""


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except urllib.error.HTTPError:
        return True  # it answered, if only to refuse: the server is up
    except OSError:
        return False


def wait_until_ready(servers: Sequence[Server], processes: Sequence[subprocess.Popen[bytes]], *,
                     timeout: float = 300.0, poll: float = 0.5) -> None:
    """Block until every server answers its ready URL, with one progress line naming those still
    starting. ServeError when one exits first or `timeout` seconds pass."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    waiting = dict(enumerate(servers))
    deadline = time.monotonic() + timeout
    columns = (TextColumn("等待服务启动"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.description}"))
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("", total=len(servers))
        while waiting:
            for number, server in list(waiting.items()):
                if processes[number].poll() is not None:
                    raise ServeError(f"{server.name} 未能启动（进程退出，代码 {processes[number].returncode}）")
                if _answers(server.ready_url):
                    del waiting[number]
            progress.update(task, completed=len(servers) - len(waiting),
                            description="尚未就绪：" + "、".join(s.name for s in waiting.values()))
            if waiting and time.monotonic() > deadline:
                raise ServeError("等待超时，仍未就绪：" + "、".join(s.name for s in waiting.values()))
            if waiting:
                time.sleep(poll)


def start_servers(servers: Sequence[Server], announce: Callable[[Server, str], None], *,
                  timeout: float = 300.0) -> list[subprocess.Popen[bytes]]:
    """Start every server, wait until each answers, then `announce` each address: an address is
    never given out before its server can serve it. On ServeError every process is stopped."""
    processes = [subprocess.Popen(s.argv, cwd=s.cwd, env=s.env) for s in servers]
    try:
        wait_until_ready(servers, processes, timeout=timeout)
    except BaseException:
        stop_servers(processes)
        raise
    for server in servers:
        for url in server.urls:
            announce(server, url)
    return processes


def stop_servers(processes: Sequence[subprocess.Popen[bytes]], grace: float = 20.0) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
