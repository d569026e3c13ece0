"""Default deadline rules (standards.md §8.3 local practice) and a starter routing catalogue.

Default departments are looked up by the demo city's codes (gongkai/accounts/demo.py); a missing
department leaves the default empty. Everything is editable in the admin (12345热线 menu).
"""

from decimal import Decimal

from django.db import migrations

# (code, name, parent code, default department code, default type, keywords)
CATALOGUE = [
    ("chengxiang", "城乡建设", None, "zhujian", "", "城建,建设,施工"),
    ("shizheng", "市政设施", "chengxiang", "chengguan", "", "市政,道路,井盖,人行道"),
    ("ludeng", "路灯", "shizheng", "chengguan", "help", "路灯,不亮,照明"),
    ("gongnuan", "供暖", None, "zhujian", "complaint", "供暖,暖气,采暖,不热,供热"),
    ("gongshui", "供水", None, "zhujian", "help", "供水,停水,水压,自来水"),
    ("wuye", "物业管理", None, "zhujian", "complaint", "物业,小区,业委会,物业费"),
    ("jiaotong", "交通出行", None, "jiaotong", "", "公交,出租车,交通,道路运输"),
    ("shebao", "社会保障", None, "renshe", "consultation", "社保,养老保险,失业,工资,拖欠"),
    ("yiliao", "医疗卫生", None, "weijian", "", "医院,医疗,卫生,疫苗"),
    ("jiaoyu", "教育", None, "jiaoyu", "", "学校,入学,教育,补课"),
    ("shichang", "市场监管", None, "shijian", "", "市场,食品,价格"),
    ("xiaofei", "消费维权", "shichang", "shijian", "complaint", "消费,退款,假货,维权"),
    ("shengtai", "生态环境", None, "shengtai", "", "环境,污染,排放"),
    ("zaosheng", "噪声", "shengtai", "shengtai", "complaint", "噪音,噪声,扰民"),
    ("gongan", "公安/治安", None, "gongan", "report", "治安,户籍,派出所,身份证"),
    ("minzheng", "民政", None, "minzheng", "help", "低保,养老院,婚姻登记,救助"),
    ("qita", "其他", None, None, "other", ""),
]

# (order type, urgency, unit, reply budget, sign-for hours, callback days, note)
RULES = [
    ("", "urgent", "working_hours", 8, Decimal("0.5"), 2, "紧急诉求当日（8个工作小时）内答复"),
    ("consultation", "", "working_days", 3, Decimal("2"), 2, "咨询类3个工作日内答复"),
    ("help", "", "working_days", 3, Decimal("2"), 2, "求助类3个工作日内答复"),
    ("complaint", "", "working_days", 13, Decimal("2"), 2, "投诉类13个工作日内答复"),
    ("report", "", "working_days", 13, Decimal("2"), 2, "举报类13个工作日内答复"),
    ("suggestion", "", "working_days", 13, Decimal("2"), 2, "建议类13个工作日内答复"),
    ("praise", "", "working_days", 5, Decimal("2"), 2, "表扬类5个工作日内答复"),
    ("other", "", "working_days", 5, Decimal("2"), 2, "其他类5个工作日内答复"),
]
# A rule naming the type beats one naming only the urgency, so urgent handling is spelled out for
# each type (same working day = 8 working hours; sign for within half an hour).
RULES += [
    (order_type, "urgent", "working_hours", 8, Decimal("0.5"), 2, "紧急诉求当日（8个工作小时）内答复")
    for order_type in ("consultation", "help", "complaint", "report", "suggestion", "praise", "other")
]


def forwards(apps, schema_editor):
    RoutingCategory = apps.get_model("hotline", "RoutingCategory")
    DeadlineRule = apps.get_model("hotline", "DeadlineRule")
    Department = apps.get_model("accounts", "Department")
    created = {}
    for order, (code, name, parent, department, default_type, keywords) in enumerate(CATALOGUE):
        if RoutingCategory.objects.filter(code=code).exists():
            created[code] = RoutingCategory.objects.get(code=code)
            continue
        parent_obj = created.get(parent) if parent else None
        category = RoutingCategory.objects.create(
            code=code,
            name=name,
            parent=parent_obj,
            default_department=Department.objects.filter(code=department).first() if department else None,
            default_type=default_type,
            keywords=keywords,
            sort_order=order * 10,
            depth=(parent_obj.depth + 1) if parent_obj else 1,
        )
        # Historical models have no custom save(): derive the path here.
        category.path = f"{parent_obj.path if parent_obj else '/'}{category.pk}/"
        category.save(update_fields=["path"])
        created[code] = category
    if not DeadlineRule.objects.exists():
        for order_type, urgency, unit, budget, sign_for, callback, note in RULES:
            DeadlineRule.objects.create(
                order_type=order_type,
                urgency=urgency,
                unit=unit,
                reply_budget=budget,
                sign_for_hours=sign_for,
                callback_days=callback,
                note=note,
            )


class Migration(migrations.Migration):
    dependencies = [("hotline", "0001_work_orders")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
