"""`qinglian room`: the exam room web service."""

from __future__ import annotations

import asyncio
import contextlib
import logging
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
def room(root: Path, db_url: str | None, port: int, address: str, base_url: str, behind_proxy: bool,
         sweep: float) -> None:
    """启动考场（网页服务，不用内核）：考生登录、作答、交卷，监考页面；Ctrl+C 停止。"""
    from grader.gradebook.database import migrate
    from grader.gradebook.engine import connect
    from grader.room.app import make_app, serve
    from grader.room.keys import FOLDER, STAFF_TOKEN, staff_token
    from grader.room.service import RoomOptions

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.resolve(root, db_url)
    engine = connect(settings.db_url)
    migrate(engine)
    engine.dispose()
    app = make_app(settings, RoomOptions(base_url=base_url, sweep_seconds=sweep))
    prefix = base_url if base_url.endswith("/") else f"{base_url}/"
    host = "127.0.0.1" if address in ("0.0.0.0", "::") else address
    url = f"http://{host}:{port}{prefix}"

    def ready() -> None:
        console.print(f"考场：{url}", highlight=False)
        console.print(f"监考：{url}proctor  令牌 {staff_token(settings.root)}"
                      f"（保存在 {settings.root / FOLDER / STAFF_TOKEN}）", highlight=False)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(app, port, address, behind_proxy=behind_proxy, ready=ready))
