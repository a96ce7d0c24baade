"""Staff accounts and roles; the CLI acts as the OS user's own account."""

from __future__ import annotations

import getpass
from pathlib import Path

import click
from rich.table import Table

from grader.cli.edge import Failure, acting, console, db_option, refused, root_option, transaction
from grader.settings import Settings
from grader.staff.roles import ROLES

ROLE_CHOICE = click.Choice(list(ROLES))


@click.group()
def staff() -> None:
    """工作人员账号与角色：培训教师 trainer、记录员 recorder、管理员 organiser、审计员 auditor。

    第一个账号：工作人员表为空时，staff add（或 qinglian init）为当前系统用户建立管理员账号。"""


def bootstrap(session: object, name: str | None = None) -> str | None:
    """The first organiser, for the current OS user, when the staff table is empty (else None)."""
    from sqlalchemy.orm import Session

    from grader.staff.accounts import add_staff, is_empty

    assert isinstance(session, Session)
    if not is_empty(session):
        return None
    user = getpass.getuser()
    add_staff(session, None, name or user, "organiser", os_user=user)
    return name or user


@staff.command("add")
@click.argument("name")
@click.option("--role", type=ROLE_CHOICE, required=True, help="角色")
@click.option("--os-user", default=None, help="对应的系统用户（用命令行操作时）")
@click.option("--hub-user", default=None, help="对应的 JupyterHub 用户")
@click.option("--password", is_flag=True, help="设置本地登录密码（会提示输入）")
@root_option
@db_option
def staff_add(name: str, role: str, os_user: str | None, hub_user: str | None, password: bool, root: Path,
              db_url: str | None) -> None:
    """添加工作人员账号（须为管理员）；表为空时建立的第一个账号须为管理员，对应当前系统用户。"""
    from grader.staff.accounts import add_staff, is_empty

    secret = click.prompt("密码", hide_input=True, confirmation_prompt=True) if password else None
    with refused(), transaction(Settings.resolve(root, db_url)) as session:
        if is_empty(session):
            if role != "organiser":
                raise Failure("还没有任何工作人员账号：第一个账号须为管理员（--role organiser）")
            member = add_staff(session, None, name, role, os_user=os_user or getpass.getuser(), hub_user=hub_user,
                               password=secret)
        else:
            member = add_staff(session, acting(session), name, role, os_user=os_user, hub_user=hub_user,
                               password=secret)
    console.print(f"已添加{member.role_label} {member.name}", highlight=False)


@staff.command("list")
@root_option
@db_option
def staff_list(root: Path, db_url: str | None) -> None:
    """列出全部工作人员账号。"""
    from grader.staff.accounts import list_staff

    with transaction(Settings.resolve(root, db_url)) as session:
        acting(session)
        members = list_staff(session)
    table = Table("姓名", "角色", "系统用户", "JupyterHub 用户", "本地密码", "状态")
    for m in members:
        table.add_row(m.name, m.role_label, m.os_user or "", m.hub_user or "", "有" if m.has_password else "无",
                      "启用" if m.active else "已停用")
    console.print(table)


@staff.command("role")
@click.argument("name")
@click.argument("role", type=ROLE_CHOICE)
@root_option
@db_option
def staff_role(name: str, role: str, root: Path, db_url: str | None) -> None:
    """改变一个账号的角色（须为管理员）。"""
    from grader.staff.accounts import set_role

    with refused(), transaction(Settings.resolve(root, db_url)) as session:
        member = set_role(session, acting(session), name, role)
    console.print(f"{member.name} 现为{member.role_label}", highlight=False)


@staff.command("password")
@click.argument("name")
@root_option
@db_option
def staff_password(name: str, root: Path, db_url: str | None) -> None:
    """设置本地登录密码（自己的，或管理员为他人设置）。"""
    from grader.staff.accounts import set_password

    secret = click.prompt("新密码", hide_input=True, confirmation_prompt=True)
    with refused(), transaction(Settings.resolve(root, db_url)) as session:
        set_password(session, acting(session), name, secret)
    console.print(f"已设置 {name} 的密码", highlight=False)


@staff.command("disable")
@click.argument("name")
@root_option
@db_option
def staff_disable(name: str, root: Path, db_url: str | None) -> None:
    """停用账号（须为管理员）；账号不删除，审计日志仍可查到其操作。"""
    from grader.staff.accounts import disable_staff

    with refused(), transaction(Settings.resolve(root, db_url)) as session:
        member = disable_staff(session, acting(session), name)
    console.print(f"已停用 {member.name}", highlight=False)
