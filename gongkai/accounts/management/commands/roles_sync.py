from django.core.management.base import BaseCommand

from gongkai.accounts.roles import roles_sync


class Command(BaseCommand):
    help = "创建或更新角色用户组及其权限 / Create or update the role groups and their permissions"

    def add_arguments(self, parser):
        parser.add_argument(
            "--strict",
            action="store_true",
            help="移除角色定义之外的权限 / also remove permissions the role does not define",
        )

    def handle(self, *args, strict: bool = False, **options):
        roles_sync(strict=strict, stdout=self.stdout)
