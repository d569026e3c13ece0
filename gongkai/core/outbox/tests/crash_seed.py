"""Create the crash test's database and queue its messages: ``python -m … <count>``."""

import datetime as dt
import sys

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from gongkai.core.outbox.services import outbox_enqueue  # noqa: E402

call_command("migrate", "outbox", verbosity=0)
count = int(sys.argv[1])
# not_before keeps this process from delivering them itself (in embedded mode the enqueue would
# otherwise run the delivery task right after commit); the workers take them once due.
due = timezone.now() + dt.timedelta(seconds=0.5)
with transaction.atomic():
    for number in range(count):
        outbox_enqueue(
            channel="sms",
            recipient=f"1380000{number:04d}",
            payload={"template": "SMS_900", "params": {"no": str(number)}},
            idempotency_key=f"crash:{number}",
            not_before=due,
        )
