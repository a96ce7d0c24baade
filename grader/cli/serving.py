"""`qinglian serve`: every server of the platform (the exam room sweeps its own expired attempts)."""

from __future__ import annotations

from pathlib import Path

import click

from grader import serve as serve_lib
from grader.cli.edge import db_option, root_option
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
@click.option("--token", default=None, help="JupyterLab 的访问令牌（默认：每次启动随机生成，只打印给启动者）")
@click.option("--programmes", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("exams/programmes"), show_default=True, help="培训与关口项目文件所在目录")
def serve(root: Path, db_url: str | None, courses: Path, apps: Path, port: int, lab_port: int, token: str | None,
          programmes: Path) -> None:
    """启动课程（Voila）与评分（JupyterLab/formgrader）服务，打印地址，Ctrl+C 停止。

    考场、公开页面、工作人员页面（各自用工作人员账号登录）和阅卷页面一并启动；JupyterLab 的令牌每次随机生成，
    只打印给启动者。"""
    settings = Settings.resolve(root, db_url)
    engine = connect(settings.db_url)
    migrate(engine)
    engine.dispose()
    servers = serve_lib.platform_servers(settings, courses, apps, port, lab_port, token or serve_lib.new_lab_token(),
                                         programmes)
    try:
        processes = serve_lib.start_servers(servers, lambda server, url: click.echo(f"{server.name}：{url}", err=True))
    except serve_lib.ServeError as error:
        raise click.ClickException(str(error)) from None
    except KeyboardInterrupt:
        return
    click.echo("全部服务已就绪；按 Ctrl+C 停止。", err=True)
    try:
        processes[0].wait()
    except KeyboardInterrupt:
        pass
    finally:
        serve_lib.stop_servers(processes)
