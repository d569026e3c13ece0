from __future__ import annotations

import random

import pytest
from django.contrib.contenttypes.models import ContentType

from gongkai.core.search.documents import SearchDocument

PHRASES = [
    "路灯不亮",
    "供暖温度不达标",
    "物业服务",
    "松花江",
    "雾凇",
    "社保卡",
    "医保报销",
    "昌邑区",
    "龙潭区",
    "船营区",
    "丰满区",
    "12345热线",
    "WiFi信号",
    "公交站",
    "小区",
    "江南",
    "江北",
    "灯",
    "暖气",
    "通知",
    "国庆节",
    "垃圾清运",
    "噪音扰民",
    "井盖缺失",
    "停车难",
    "学校",
    "医院",
    "Jilin",
    "吉林市",
    "人民政府",
]


@pytest.fixture
def content_type():
    return ContentType.objects.get(app_label="contenttypes", model="contenttype")


def make_corpus(content_type_id: int, n: int, seed: int = 7) -> list[SearchDocument]:
    rng = random.Random(seed)
    docs = []
    for i in range(1, n + 1):
        title = "".join(rng.choice(PHRASES) for _ in range(rng.randint(1, 3)))
        body_parts = []
        for _ in range(rng.randint(3, 12)):
            body_parts.append(rng.choice(PHRASES))
            body_parts.append(rng.choice(["，", "。", " ", "", "、", "\n"]))
        docs.append(
            SearchDocument(
                content_type_id=content_type_id,
                object_id=i,
                title=title,
                body="".join(body_parts),
                doc_type=rng.choice(["policy", "release", "reply"]),
                department_code=rng.choice(["gov", "hrss", "housing"]),
            )
        )
    return docs
