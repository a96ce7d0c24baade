"""`qinglian serve`: what candidates, learners and the public reach (Voila, one page per server
where a folder would expose more), and what only staff reach (JupyterLab with its token:
formgrader, and the records and item-analysis pages rendered by its Voila extension)."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.settings import COURSES_ENV, DB_ENV, PROGRAMMES_ENV, ROOT_ENV, Settings

BIN = Path(sys.executable).parent
STAFF_PAGES = ("records.ipynb", "item_analysis.ipynb")  # names, ID numbers, and what the best candidates chose
PUBLIC_PAGES = ("scoreboard.ipynb", "certificates.ipynb")  # masked scoreboard; certificates need number + name
STAFF_FOLDER = "staff"
ZMQ_SOCKETS = 16384  # pyzmq's default is 1,023; the server holds about five per connected page


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
                 refill_after: float = 1.0, content: tuple[Path, Path] | None = None) -> Server:
    """Voila over a folder, or over one page of it (`only_page`: nothing else in the folder is
    reachable), code hidden: kernels are told the workspace and database, idle ones are culled (a
    reloaded page cannot shut its kernel down), no tracebacks reach the browser.
    A pool pre-runs pages that need nothing from the request (the exam room's sign-in form), so a
    sign-in does not wait for a kernel to start; course pages read their link, so they cannot.
    `refill_after`: seconds before a used pool kernel is replaced. For a sitting the pool is sized
    to its candidates and not refilled while they sit (refilling as they sign in would start a
    second kernel per candidate, doubling memory and competing for the CPU they need)."""
    target = courses.resolve() / page if only_page else courses.resolve()
    argv = [sys.executable, "-c", "from grader.serve import voila_main; voila_main()", str(target),
            "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
            "--VoilaConfiguration.show_tracebacks=False", "--MappingKernelManager.cull_idle_timeout=900",
            "--MappingKernelManager.cull_interval=60",
            "--KernelManager.transport=ipc"]  # unix sockets: no port races when a pool starts many kernels
    if pool_size > 0:
        argv += ["--preheat_kernel=True", f"--pool_size={pool_size}",
                 f"--VoilaKernelManager.fill_delay={refill_after:g}"]
    env = _kernel_env(settings, content)
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/" if only_page else f"{base}/voila/render/{page}"
    return Server(name, argv, courses.resolve(), env, [url], f"{base}/voila/static/voila.js")


def _kernel_env(settings: Settings, content: tuple[Path, Path] | None) -> dict[str, str]:
    """What a page's kernel is told: the workspace, the database and (`content`) where the programme
    files and the course catalogue are."""
    env = {**os.environ, ROOT_ENV: str(settings.root), DB_ENV: settings.db_url,
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    if content is not None:
        env[PROGRAMMES_ENV], env[COURSES_ENV] = (str(folder.resolve()) for folder in content)
    return env


def voila_main() -> None:
    """`voila` with room for a sitting. Its kernel manager's zmq context allows 1,023 sockets and the
    server opens about five per connected page, so at around 200 candidates new pages failed with
    "Too many open files"; the open-files limit is raised to match."""
    import resource

    import zmq
    from voila.app import Voila

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = ZMQ_SOCKETS * 2 if hard == resource.RLIM_INFINITY else min(hard, ZMQ_SOCKETS * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))

    class RoomyVoila(Voila):  # type: ignore[misc]
        def init_settings(self) -> dict[str, Any]:
            settings: dict[str, Any] = super().init_settings()
            self.kernel_manager.context.set(zmq.MAX_SOCKETS, ZMQ_SOCKETS)  # before the pool opens any
            self.log.info("zmq sockets allowed: %d", self.kernel_manager.context.get(zmq.MAX_SOCKETS))
            return settings

    RoomyVoila.launch_instance()


def install_staff_pages(root: Path, apps: Path) -> list[Path]:
    """Copy the staff pages into the workspace, where JupyterLab (token required) serves them."""
    folder = root / STAFF_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy2(apps / name, folder / name)) for name in STAFF_PAGES if (apps / name).exists()]


def platform_servers(settings: Settings, courses: Path, apps: Path, port: int, lab_port: int, token: str,
                     room_pool: int, room_refill: float, programmes: Path = Path("exams/programmes")) -> list[Server]:
    """Courses on `port`, the exam room on the next, then each public page on its own port; staff
    pages and formgrader behind JupyterLab's token on `lab_port` (0: no JupyterLab)."""
    servers = [voila_server(settings, courses, port),
               voila_server(settings, apps, port + 1, "exam_room.ipynb", "考场（Voila）", room_pool,
                            only_page=True, refill_after=room_refill)]
    names = {"scoreboard.ipynb": "成绩榜（公开）", "certificates.ipynb": "证书查询与核验（公开）"}
    content = (programmes, courses)
    servers += [voila_server(settings, apps, port + 2 + n, page, names[page], only_page=True, content=content)
                for n, page in enumerate(PUBLIC_PAGES) if (apps / page).exists()]
    if lab_port:
        install_staff_pages(settings.root, apps)
        servers.append(lab_server(settings, lab_port, token, content))
    return servers


def lab_server(settings: Settings, port: int, token: str, content: tuple[Path, Path] | None = None) -> Server:
    argv = [str(BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            f"--IdentityProvider.token={token}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")  # containers and CI run as root; jupyter refuses without it
    env = _kernel_env(settings, content)
    base = f"http://127.0.0.1:{port}"
    staff = [f"{base}/voila/render/{STAFF_FOLDER}/{name}?token={token}" for name in STAFF_PAGES]
    return Server("评分与管理（JupyterLab / formgrader / 档案 / 题目分析，需令牌）", argv, settings.root, env,
                  [f"{base}/lab?token={token}", f"{base}/formgrader?token={token}", *staff], f"{base}/login")
