"""The audit log: verify it, sign checkpoints of it, log formgrader's manual scores."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

import click

from grader.cli.edge import Failure, acting, console, db_option, refused, root_option, transaction
from grader.settings import Settings


@click.group()
def audit() -> None:
    """审计日志：核验、签署检查点、登记人工评分。"""


@audit.command("verify")
@click.option("--checkpoint", "checkpoints", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path), help="此前签署的检查点文件（可多次给出）")
@root_option
@db_option
def audit_verify(checkpoints: tuple[Path, ...], root: Path, db_url: str | None) -> None:
    """重算哈希链，对照检查点，逐行比对受审计的表；发现任何改动、删除或插入时退出码为 1。"""
    from grader.audit.checkpoint import CheckpointError, read_checkpoint
    from grader.audit.verify import verify
    from grader.certificates.keys import KeyStoreError, public_keys
    from grader.staff.roles import authorize

    settings = Settings.resolve(root, db_url)
    try:
        keys = public_keys(settings.root) if checkpoints else None
        points = [read_checkpoint(path, keys) for path in checkpoints]
    except (CheckpointError, KeyStoreError) as error:
        raise Failure(str(error)) from error
    with refused(), transaction(settings) as session:
        authorize(acting(session), "audit.verify")
        report = verify(session, points)
    for finding in report.findings:
        click.echo(finding)
    if report.clean:
        console.print(f"审计日志 {report.entries} 条，哈希链完整，受审计的表与日志一致")
    else:
        console.print(f"[red]发现 {len(report.findings)} 处问题[/red]（审计日志 {report.entries} 条）")
    sys.exit(0 if report.clean else 1)


@audit.command("checkpoint")
@click.option("--to", "to", required=True, type=click.Path(dir_okay=False, path_type=Path), help="检查点文件")
@root_option
@db_option
def audit_checkpoint(to: Path, root: Path, db_url: str | None) -> None:
    """用签发机构的密钥签署审计日志当前的链头（序号、哈希、时间）；请把文件保存在服务器以外（打印、寄送纪委）。"""
    from grader.audit.checkpoint import write_checkpoint
    from grader.certificates.keys import KeyStoreError, load_signer

    settings = Settings.resolve(root, db_url)
    try:
        signer = load_signer(settings.root)
    except KeyStoreError as error:
        raise Failure(str(error)) from error
    with refused(), transaction(settings) as session:
        point = write_checkpoint(session, signer, to, datetime.now(), acting(session))
    console.print(f"已签署检查点：第 {point.seq} 条，哈希 {point.hash[:16]}…，写入 {to}", highlight=False)


@audit.command("sync")
@root_option
@db_option
def audit_sync(root: Path, db_url: str | None) -> None:
    """把 formgrader 写入的人工评分（新的或改过的）登记进审计日志。"""
    from grader.audit.sync import sync_manual_grades

    with refused(), transaction(Settings.resolve(root, db_url)) as session:
        count = sync_manual_grades(session, acting(session), os.environ.get("JUPYTERHUB_USER"))
    console.print(f"登记了 {count} 项人工评分")


@audit.command("adopt")
@root_option
@db_option
def audit_adopt(root: Path, db_url: str | None) -> None:
    """把审计日志建立之前已有的数据逐行登记进日志（升级旧工作区时运行一次；须为管理员）。"""
    from grader.audit.sync import adopt

    with refused(), transaction(Settings.resolve(root, db_url)) as session:
        count = adopt(session, acting(session))
    console.print(f"登记了 {count} 行已有数据")
