"""`qinglian room`: the exam room web service."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path

import click

from grader.cli.edge import console, db_option, root_option
from grader.settings import Settings


@click.command()
@root_option
@db_option
@click.option("--port", default=8867, show_default=True, help="考场端口")
@click.option("--address", default="127.0.0.1", show_default=True, help="监听地址（局域网内提供时用 0.0.0.0）")
@click.option("--base-url", default="/", show_default=True, help="路径前缀（在代理或 JupyterHub 之后时）")
@click.option("--behind-proxy", is_flag=True, help="在反向代理之后：按 X-Forwarded-For 识别考生地址")
@click.option("--sweep", default=30.0, show_default=True, help="每隔多少秒为到时未交卷的作答交卷（0：不扫描）")
@click.option("--client-limit", default=20, show_default=True,
              help="同一地址 10 分钟内允许输错考试码的次数，另按该地址已登录考生每 10 人加 1 次"
                   "（全场 2,000 人经同一个 NAT 地址时约 220 次）；0：不限")
@click.option("--hub-service", is_flag=True,
              help="作为 JupyterHub 托管服务运行（有 JUPYTERHUB_SERVICE_NAME 时自动启用）：名称、前缀和端口取自 "
                   "JupyterHub 给的环境变量，考生用 JupyterHub 账号进入，对应工作人员账号的用户可进入监考页面")
def room(root: Path, db_url: str | None, port: int, address: str, base_url: str, behind_proxy: bool,
         sweep: float, client_limit: int, hub_service: bool) -> None:
    """启动考场（网页服务，不用内核）：考生登录、作答、交卷，监考页面；Ctrl+C 停止。"""
    if hub_service or os.environ.get("JUPYTERHUB_SERVICE_NAME"):
        _hub_room(root, db_url, sweep)
        return
    from grader.gradebook.database import migrate
    from grader.gradebook.engine import connect
    from grader.room.app import make_app, serve
    from grader.room.service import RoomOptions

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.resolve(root, db_url)
    engine = connect(settings.db_url)
    migrate(engine)
    engine.dispose()
    app = make_app(settings, RoomOptions(base_url=base_url, sweep_seconds=sweep, client_limit=client_limit or None))
    prefix = base_url if base_url.endswith("/") else f"{base_url}/"
    host = "127.0.0.1" if address in ("0.0.0.0", "::") else address
    url = f"http://{host}:{port}{prefix}"

    def ready() -> None:
        console.print(f"考场：{url}", highlight=False)
        console.print(f"监考：{url}proctor（用工作人员账号登录：管理员可操作，审计员只能查看）", highlight=False)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(app, port, address, behind_proxy=behind_proxy, ready=ready, stop_on_signals=True))


def _hub_room(root: Path, db_url: str | None, sweep: float) -> None:
    """The room as the service the hub started: address, prefix and OAuth from the hub's variables."""
    try:
        from grader.room.hub import HubConfigError, hub_service, make_hub_app
    except ImportError as error:
        raise click.ClickException(f"--hub-service 需要 jupyterhub（pip install jupyterhub）：{error}") from None
    from grader.gradebook.database import migrate
    from grader.gradebook.engine import connect
    from grader.room.app import serve
    from grader.room.service import RoomOptions

    try:
        service = hub_service()
    except HubConfigError as error:
        raise click.ClickException(str(error)) from None
    if service is None:
        raise click.ClickException("--hub-service：没有 JUPYTERHUB_SERVICE_NAME 和 JUPYTERHUB_API_TOKEN，"
                                   "考场应由 JupyterHub 按 jupyterhub_config.py 的 services 启动")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.resolve(root, db_url)
    engine = connect(settings.db_url)
    migrate(engine)
    engine.dispose()
    app = make_hub_app(settings, RoomOptions(base_url=service.prefix, sweep_seconds=sweep))

    def ready() -> None:
        console.print(f"考场（JupyterHub 服务 {service.name}）：{service.prefix}，"
                      f"本机 {service.address}:{service.port}；监考：{service.prefix}proctor"
                      "（对应工作人员账号的 JupyterHub 用户，或工作人员账号的密码）", highlight=False)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(app, service.port, service.address, behind_proxy=True, ready=ready, stop_on_signals=True))
