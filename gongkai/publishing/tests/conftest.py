import datetime
import io

import pytest

from gongkai.accounts import demo as accounts_demo
from gongkai.accounts.models import Department
from gongkai.publishing import demo, services
from gongkai.publishing.models import DocumentIndexPage, PolicyDocumentPage
from gongkai.publishing.review.guard import review_bypass


@pytest.fixture
def departments():
    return accounts_demo.load_departments()


@pytest.fixture
def tree(departments):
    """The 政府信息公开 section with one list per document type under the portal's home page."""
    return demo.load_tree(stdout=io.StringIO())


@pytest.fixture
def office(departments) -> Department:
    return departments["bangongting"]


@pytest.fixture
def lists(tree):
    return {page.document_type: page for page in DocumentIndexPage.objects.all()}


@pytest.fixture
def save():
    """Save (and publish, approved outside the chain) a document the way the import does."""

    def _save(page, parent=None, publish=True, **kwargs):
        with review_bypass(reason="测试"):
            return services.document_save(page=page, parent=parent, publish=publish, **kwargs)

    return _save


@pytest.fixture
def policy(lists, office, save):
    page = PolicyDocumentPage(
        title="吉林市人民政府办公厅关于做好冬季供热工作的通知",
        department=office,
        document_number="吉市政办发〔2025〕14号",
        written_on=datetime.date(2025, 9, 30),
        formed_at=datetime.date(2025, 9, 30),
        body="<p>供热期为每年 10 月 25 日至次年 4 月 5 日。</p>",
    )
    return save(page, lists["policy"])
