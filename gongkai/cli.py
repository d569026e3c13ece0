"""The `gongkai` command: operations entry point (calendar, jobs, demo data, …).

`gongkai <command> …` is `manage.py <command> …` with Gongkai's settings; `gongkai --help`
lists Gongkai's own commands first.
"""

from __future__ import annotations

import os
import sys

# Gongkai's own operations commands, shown first by `gongkai --help`.
COMMANDS = {
    "calendar": "工作日历：查询、推算、导入 / work calendar: query, compute, import",
    "jobs": "嵌入模式下运行后台任务 / run background jobs in embedded mode",
    "demo": "载入演示城市（吉林市）/ load the demo city (Jilin City)",
    "outbox": "外发消息：投递、查看 / outbox: deliver, inspect",
    "search": "中文检索索引：重建 / Chinese search index: rebuild",
    "publishing": "信息发布：导入已有文件 / publishing: import existing documents",
    "opinion": "舆情监测：导入帖子、添加来源和接入客户端 / opinion: import posts, add sources and clients",
    "routing": "热线派单建议模型：训练、评估 / hotline routing model: train, evaluate",
    "roles_sync": "同步角色与权限 / sync roles and their permissions",
    "annual-report": "政府信息公开工作年度报告：生成文件 / disclosure annual report: write its files",
}
# Commands spelt with a hyphen on the command line; Django's command modules use underscores.
ALIASES = {"annual-report": "annual_report"}


def _print_help() -> None:
    print("用法 / usage: gongkai <command> [options]\n")
    print("Gongkai 命令 / Gongkai commands:")
    for name, text in COMMANDS.items():
        print(f"  {name:<13} {text}")
    print("\n`gongkai <command> --help` 查看命令帮助 / shows a command's help.")
    print("Django 的管理命令也可使用（如 migrate、createsuperuser）/ Django's management commands work too.")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongkai.settings.base")
    if len(argv) < 2 or argv[1] in {"-h", "--help", "help"}:
        _print_help()
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["gongkai", ALIASES.get(argv[1], argv[1]), *argv[2:]])


if __name__ == "__main__":
    main()
