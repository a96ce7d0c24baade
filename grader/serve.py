"""`qinglian serve`: the learner-facing Voila server and the trainers' JupyterLab (formgrader)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from grader.settings import DB_ENV, ROOT_ENV, Settings

BIN = Path(sys.executable).parent


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
                 refill_after: float = 1.0) -> Server:
    """Voila over a folder, or over one page of it (`only_page`: nothing else in the folder is
    reachable), code hidden: kernels are told the workspace and database, idle ones are culled (a
    reloaded page cannot shut its kernel down), no tracebacks reach the browser.
    A pool pre-runs pages that need nothing from the request (the exam room's sign-in form), so a
    sign-in does not wait for a kernel to start; course pages read their link, so they cannot.
    `refill_after`: seconds before a used pool kernel is replaced. For a sitting the pool is sized
    to its candidates and not refilled while they sit (refilling as they sign in would start a
    second kernel per candidate, doubling memory and competing for the CPU they need)."""
    target = courses.resolve() / page if only_page else courses.resolve()
    argv = [str(BIN / "voila"), str(target), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
            "--VoilaConfiguration.show_tracebacks=False", "--MappingKernelManager.cull_idle_timeout=900",
            "--MappingKernelManager.cull_interval=60",
            "--KernelManager.transport=ipc"]  # unix sockets: no port races when a pool starts many kernels
    if pool_size > 0:
        argv += ["--preheat_kernel=True", f"--pool_size={pool_size}",
                 f"--VoilaKernelManager.fill_delay={refill_after:g}"]
    env = {**os.environ, ROOT_ENV: str(settings.root), DB_ENV: settings.db_url,
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/" if only_page else f"{base}/voila/render/{page}"
    return Server(name, argv, courses.resolve(), env, [url], f"{base}/voila/static/voila.js")


def lab_server(settings: Settings, port: int, token: str) -> Server:
    argv = [str(BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            f"--IdentityProvider.token={token}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")  # containers and CI run as root; jupyter refuses without it
    env = {**os.environ, DB_ENV: settings.db_url, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    base = f"http://127.0.0.1:{port}"
    return Server("评分（JupyterLab / formgrader）", argv, settings.root, env,
                  [f"{base}/lab?token={token}", f"{base}/formgrader?token={token}"], f"{base}/api/status")
