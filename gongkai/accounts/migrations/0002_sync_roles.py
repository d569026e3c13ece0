"""Create the role groups (see gongkai/accounts/roles.py).

``roles_sync`` takes the model registry, so it runs here on the historical models. It only adds
the permissions that exist at this point; the post_migrate receiver (gongkai/accounts/signals.py)
runs it again once every app's permissions exist.
"""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from gongkai.accounts.roles import roles_sync

    roles_sync(apps=apps, warn=False)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        # Creates the wagtailadmin.access_admin permission every role gets.
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
