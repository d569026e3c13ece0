from django.core.management.base import BaseCommand

from gongkai.core import jobs


class Command(BaseCommand):
    help = "嵌入模式下运行后台定时任务 / Run the periodic background jobs in-process (embedded mode)"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every job once and exit")

    def handle(self, *args, **options):
        loaded = jobs.load_jobs()
        if options["once"]:
            ran = jobs.run_due(loaded, now=float("inf"))
            self.stdout.write("ran: " + ", ".join(ran))
            return
        jobs.run_forever(loaded)
