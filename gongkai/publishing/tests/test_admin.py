import pytest

from gongkai.publishing.models import DOCUMENT_MODELS, PolicyDocumentPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.com", "Root-pass-2026!")
    client.force_login(user)
    return client


def test_each_type_can_be_created_only_in_its_list(lists):
    for document_type, model in DOCUMENT_MODELS.items():
        for list_type, index_page in lists.items():
            assert model.can_create_at(index_page) == (list_type == document_type)


def test_admin_forms_render(admin_client, lists, policy):
    for document_type, model in DOCUMENT_MODELS.items():
        parent = lists[document_type]
        url = f"/admin/pages/add/publishing/{model._meta.model_name}/{parent.pk}/"
        assert admin_client.get(url).status_code == 200, url
    html = admin_client.get(f"/admin/pages/{policy.pk}/edit/").content.decode()
    assert policy.index_number in html and "发文字号" in html
    assert PolicyDocumentPage.objects.get(pk=policy.pk).live
