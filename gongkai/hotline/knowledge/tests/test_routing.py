import pytest

from gongkai.hotline.knowledge import selectors, services, suggest
from gongkai.hotline.knowledge.models import RoutingModel
from gongkai.hotline.models import RoutingCategory, Status

pytestmark = pytest.mark.django_db

pytest.importorskip("sklearn")


def test_fallback_to_keyword_rules_without_model(tree):
    ludeng = RoutingCategory.objects.get(code="ludeng")
    shizheng = RoutingCategory.objects.get(code="shizheng")
    shizheng.default_department = tree["chengguan"]
    shizheng.save()

    suggestions = suggest.suggest_routing("小区门前路灯不亮已经一周，晚上出行很不方便。")

    assert suggestions[0].category == ludeng
    assert suggestions[0].department == tree["chengguan"]  # inherited from 市政设施
    assert suggestions[0].source == "rules"
    assert "路灯" in suggestions[0].reason


def test_no_suggestion_for_empty_or_unknown_text(db):
    assert suggest.suggest_routing("") == []
    assert suggest.suggest_routing("   ") == []
    assert suggest.suggest_routing("啊啊啊") == []


def test_train_refuses_too_little_history(load_history):
    load_history(30)
    result = services.routing_train(min_samples=200)
    assert result["trained"] is False and result["samples"] == 30
    assert not RoutingModel.objects.exists()


def test_training_ignores_returned_and_undispatched_orders(load_history):
    load_history(50, seed=1, status=Status.RETURNED)
    load_history(50, seed=2, status=Status.RECEIVED)
    assert selectors.routing_training_samples() == []


def test_train_beats_baseline_and_serves_suggestions(load_history, tree):
    load_history(1500)

    result = services.routing_train(min_samples=100, seed=3)

    assert result["trained"] is True and result["version"] == 1
    assert result["test_samples"] == 300
    assert result["department_top3"] >= result["baseline_department_top1"] + 0.4
    assert result["department_top3"] >= 0.8
    assert result["category_top1"] >= result["baseline_category_top1"] + 0.4

    suggestions = suggest.suggest_routing("船营区北京路街道暖气不热，家里只有十三度", limit=3)
    assert len(suggestions) == 3
    assert suggestions[0].source == "model"
    assert suggestions[0].department == tree["zhujian"]
    assert suggestions[0].category.code == "gongnuan"
    assert suggestions[0].score > suggestions[1].score
    assert "v1" in suggestions[0].reason


def test_newer_version_replaces_cached_model(load_history, monkeypatch):
    monkeypatch.setattr(selectors, "MODEL_CHECK_SECONDS", 0.0)
    load_history(400)
    services.routing_train(min_samples=100)
    assert selectors.routing_model_current()[0].version == 1
    services.routing_train(min_samples=100)
    assert selectors.routing_model_current()[0].version == 2


def test_unloadable_model_falls_back_to_rules(load_history, monkeypatch):
    monkeypatch.setattr(selectors, "MODEL_CHECK_SECONDS", 0.0)
    load_history(400)
    services.routing_train(min_samples=100)
    RoutingModel.objects.update(model_data=b"not a model")

    suggestions = suggest.suggest_routing("小区路灯不亮")

    assert suggestions and suggestions[0].source == "rules"


def test_command_train_and_suggest(load_history, capsys):
    from django.core.management import call_command

    load_history(400)
    call_command("routing", "train", "--min-samples", "100")
    assert '"trained": true' in capsys.readouterr().out
    call_command("routing", "suggest", "暖气不热")
    assert "供暖" in capsys.readouterr().out
    call_command("routing", "evaluate", "--days", "400")
    assert "department_top3" in capsys.readouterr().out
