"""The marking service as `qinglian serve` starts it: a Server for grader.serve's start_servers."""

from __future__ import annotations

import os

from grader.serve import BIN, Server
from grader.settings import DB_ENV, Settings


def marking_server(settings: Settings, port: int) -> Server:
    """`qinglian marking` on `port`. The database URL goes in the environment, not on the command
    line, where any local user could read it."""
    argv = [str(BIN / "qinglian"), "marking", "--root", str(settings.root), "--port", str(port)]
    base = f"http://127.0.0.1:{port}/"
    return Server("阅卷（简答题评分，培训教师账号登录）", argv, settings.root, {**os.environ, DB_ENV: settings.db_url},
                  [base], f"{base}static/marking.css")
