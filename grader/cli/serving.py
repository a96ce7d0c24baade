"""`qinglian serve` and its auto-submit sweep."""

from __future__ import annotations

import subprocess
import threading
import time
from datetime import datetime
from pathlib import Path

import click

from grader import serve as serve_lib
from grader.cli.edge import console, db_option, root_option, transaction
from grader.gradebook.database import migrate
from grader.gradebook.engine import connect
from grader.settings import Settings


@click.command()
@root_option
@db_option
@click.option("--courses", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("courses"),
              show_default=True)
@click.option("--apps", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("voila_apps"),
              show_default=True)
@click.option("--port", default=8866, show_default=True, help="课程（Voila）端口；考场、成绩榜、证书依次用后面的端口")
@click.option("--lab-port", default=8888, show_default=True, help="评分（JupyterLab）端口；0 表示不启动")
@click.option("--token", default="qinglian-demo", show_default=True, help="JupyterLab 的访问令牌")
@click.option("--programmes", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("exams/programmes"), show_default=True, help="培训与关口项目文件所在目录")
@click.option("--room-pool", default=4, show_default=True, help="考场预先启动的内核数（按本场考生人数加一成设置）")
@click.option("--room-refill", default=3600, show_default=True,
              help="考场内核被使用后多少秒再补充（考试进行中不补充，以免每位考生占两个内核）")
def serve(root: Path, db_url: str | None, courses: Path, apps: Path, port: int, lab_port: int, token: str,
          programmes: Path, room_pool: int, room_refill: int) -> None:
    """启动课程（Voila）与评分（JupyterLab/formgrader）服务，打印地址，Ctrl+C 停止。"""
    settings = Settings.resolve(root, db_url)
    engine = connect(settings.db_url)
    migrate(engine)
    engine.dispose()
    servers = serve_lib.platform_servers(settings, courses, apps, port, lab_port, token, room_pool, room_refill,
                                         programmes)
    processes = [subprocess.Popen(s.argv, cwd=s.cwd, env=s.env) for s in servers]
    threading.Thread(target=_sweep_forever, args=(settings,), daemon=True).start()
    for server in servers:
        for url in server.urls:
            click.echo(f"{server.name}：{url}", err=True)
    try:
        processes[0].wait()
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            process.terminate()


def _sweep_forever(settings: Settings, every: float = 30.0) -> None:
    """While serving: submit and grade attempts whose time ran out with no page left to do it."""
    from grader.sitting.attempt import close_expired

    while True:
        try:
            with transaction(settings) as session:
                closed = close_expired(session, settings.root, datetime.now())
            for admission_no in closed:
                console.print(f"到时自动交卷：{admission_no}")
        except Exception as error:
            console.print(f"[red]自动交卷出错：{error}[/red]")
        time.sleep(every)

