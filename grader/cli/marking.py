"""`qinglian marking`: the essay marking pages (阅卷) for trainers."""

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
@click.option("--port", default=8869, show_default=True, help="阅卷页面端口")
@click.option("--address", default="127.0.0.1", show_default=True, help="监听地址（局域网内提供时用 0.0.0.0）")
@click.option("--base-url", default="/", show_default=True, help="路径前缀（在反向代理之后时）")
def marking(root: Path, db_url: str | None, port: int, address: str, base_url: str) -> None:
    """启动阅卷页面（简答题人工评分，培训教师用自己的账号登录）；Ctrl+C 停止。"""
    from grader.gradebook.database import migrate
    from grader.gradebook.engine import connect
    from grader.marking.app import make_app, serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.resolve(root, db_url)
    engine = connect(settings.db_url)
    migrate(engine)
    engine.dispose()
    app = make_app(settings, base_url=base_url)
    prefix = base_url if base_url.endswith("/") else f"{base_url}/"
    host = "127.0.0.1" if address in ("0.0.0.0", "::") else address

    def ready() -> None:
        console.print(f"阅卷：http://{host}:{port}{prefix}（培训教师用自己的工作人员账号登录）", highlight=False,
                      soft_wrap=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(app, port, address, ready=ready, stop_on_signals=True))
