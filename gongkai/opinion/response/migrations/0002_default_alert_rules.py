"""Starter alert rules, on the scales of docs/opinion-response.md; editable and can be disabled."""

from django.db import migrations

# (name, kind, threshold)
RULES = [
    ("热度关注（80）", "hotness", 80.0),
    ("热度高（120）", "hotness", 120.0),
    ("发帖突增", "spike", 4.0),
    ("负面占比过六成", "negative_share", 0.6),
    ("含警示或严重敏感词", "sensitive", 1.0),
    ("疑似谣言三条以上", "rumor", 3.0),
]


def add_rules(apps, schema_editor):
    AlertRuleConfig = apps.get_model("opinion_response", "AlertRuleConfig")
    if AlertRuleConfig.objects.exists():
        return
    AlertRuleConfig.objects.bulk_create(
        [AlertRuleConfig(name=name, kind=kind, threshold=threshold) for name, kind, threshold in RULES]
    )


class Migration(migrations.Migration):
    dependencies = [("opinion_response", "0001_alerts_cases_clocks")]

    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
