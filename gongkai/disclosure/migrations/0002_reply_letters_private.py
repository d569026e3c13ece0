# The reply letters name the applicant: they move from MEDIA_ROOT (served by the web server to
# anyone who guesses YSQ2026-000123-reply.pdf) to the private storage the hotline's attachments use.

from django.db import migrations, models

import gongkai.hotline.models


def move_letters(apps, schema_editor):
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    default_storage = storages["default"]
    private = gongkai.hotline.models.private_storage()
    if private is default_storage:
        return  # one storage for both (tests, an object store): nothing to move
    Reply = apps.get_model("disclosure", "Reply")
    for reply in Reply.objects.exclude(letter_docx="", letter_pdf="").iterator():
        for field in ("letter_docx", "letter_pdf"):
            name = getattr(reply, field).name
            if not name or not default_storage.exists(name):
                continue
            with default_storage.open(name, "rb") as handle:
                stored = private.save(name, ContentFile(handle.read()))
            if stored != name:
                setattr(reply, field, stored)
                reply.save(update_fields=[field])
            default_storage.delete(name)


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reply",
            name="letter_docx",
            field=models.FileField(
                blank=True,
                storage=gongkai.hotline.models.private_storage,
                upload_to="disclosure/letters/",
                verbose_name="答复书（DOCX）",
            ),
        ),
        migrations.AlterField(
            model_name="reply",
            name="letter_pdf",
            field=models.FileField(
                blank=True,
                storage=gongkai.hotline.models.private_storage,
                upload_to="disclosure/letters/",
                verbose_name="答复书（PDF）",
            ),
        ),
        migrations.RunPython(move_letters, migrations.RunPython.noop),
    ]
