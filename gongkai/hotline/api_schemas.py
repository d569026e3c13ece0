"""Input and output schemas of the hotline API (gongkai.hotline.api).

Inputs forbid unknown fields and bound every string; outputs never carry the query-code hash, and
personal data only in the fields that the endpoint fills masked or unmasked on purpose.

No ``from __future__ import annotations`` here: django-ninja needs real annotations for Query schemas.
"""

import datetime
from typing import Literal

from ninja import Field, Schema

from gongkai.api.types import InputSchema

ORDER_TYPES = Literal["consultation", "help", "complaint", "report", "suggestion", "praise", "other"]
URGENCIES = Literal["normal", "urgent"]
STAFF_CHANNELS = Literal[
    "phone", "letter", "walk_in", "email", "mailbox", "reception_day", "provincial", "other"
]
MESSAGE_CHANNELS = Literal["wechat", "weibo", "email", "provincial"]
SATISFACTIONS = Literal[
    "very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied"
]
QUEUES = Literal[
    "to_dispatch",
    "to_sign_for",
    "in_progress",
    "due_soon",
    "overdue",
    "to_call_back",
    "returns",
    "reopen_requests",
    "replies_to_check",
    "extensions",
]

CODE = Field(..., min_length=1, max_length=60, description="单位代码 / department code")
REASON = Field(..., min_length=1, max_length=1000)
OPTIONAL_TEXT = Field("", max_length=1000)


class StrictIn(InputSchema):
    model_config = {"extra": "forbid"}


# --- Outputs ---------------------------------------------------------------------------------


class NamedRef(Schema):
    code: str
    name: str


class OrderSummaryOut(Schema):
    id: int
    tracking_number: str
    status: str
    status_label: str
    channel: str
    order_type: str
    urgency: str
    category: NamedRef | None
    title: str
    lead_department: NamedRef | None
    current_department: NamedRef | None
    caller_name: str = Field(..., description="总是脱敏 / always masked in lists")
    caller_phone: str = Field(..., description="总是脱敏 / always masked in lists")
    created_at: datetime.datetime
    sign_for_due_at: datetime.datetime | None
    reply_due_at: datetime.datetime | None
    is_overdue: bool
    is_paused: bool
    escalated: bool


class OrderPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[OrderSummaryOut]


class CallerOut(Schema):
    masked: bool = Field(..., description="true: 已脱敏 / values are masked for your role")
    name: str
    phone: str
    id_number: str
    address: str
    email: str
    confidential: bool


class AssignmentOut(Schema):
    department: NamedRef
    role: str
    level: int
    status: str
    is_active: bool
    sign_for_due_at: datetime.datetime | None
    accepted_at: datetime.datetime | None
    contribution: str
    created_at: datetime.datetime


class ActionOut(Schema):
    name: str
    label: str
    endpoint: str


class OrderDetailOut(OrderSummaryOut):
    caller: CallerOut
    content: str
    location: str
    district: NamedRef | None
    street: NamedRef | None
    latitude: float | None
    longitude: float | None
    source_reference: str
    consent_to_publish: bool
    publication_approved_at: datetime.datetime | None = None
    public_title: str = ""
    public_content: str = ""
    deadline_rule_text: str
    remaining_text: str
    callback_due_at: datetime.datetime | None
    reply_text: str
    public_reply: str
    reply_department: NamedRef | None
    replied_at: datetime.datetime | None
    reply_approved_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    satisfaction: str
    callback_attempts: int
    callback_outcome: str
    first_contact_resolution: bool
    reopen_count: int
    return_count: int
    transfer_count: int
    escalated_reason: str
    merged_into: str
    invalid_reason: str
    attachments: int
    assignments: list[AssignmentOut]
    actions: list[ActionOut]


class EventOut(Schema):
    type: str
    label: str
    at: datetime.datetime
    actor: str
    department: NamedRef | None
    is_public: bool
    note: str
    data: dict


class ActionResultOut(Schema):
    id: int
    tracking_number: str
    status: str
    status_label: str
    actions: list[ActionOut]


class QueueOut(Schema):
    name: str
    label: str
    count: int


class KpiOut(Schema):
    department: NamedRef | None
    orders: int
    sign_for_due: int
    signed_on_time: int
    reply_due: int
    replied_on_time: int
    reply_approved: int
    called_back: int
    rated: int
    satisfied: int
    reopened: int
    returned: int
    first_contact: int
    on_time_sign_for_rate: float | None
    on_time_closure_rate: float | None
    callback_rate: float | None
    satisfaction_rate: float | None
    reopen_rate: float | None
    return_rate: float | None
    first_contact_resolution_rate: float | None


class CallerHistoryItemOut(Schema):
    id: int
    tracking_number: str
    status: str
    status_label: str
    order_type: str
    title: str
    caller_name: str
    created_at: datetime.datetime
    lead_department: NamedRef | None


class IntakeOut(Schema):
    id: int
    tracking_number: str
    status: str
    created: bool = Field(..., description="false: 重复提交，返回已有工单 / an earlier submission")
    query_code: str | None = Field(
        None, description="仅首次受理时返回一次 / only on the first, creating call"
    )


class PublicEventOut(Schema):
    at: datetime.datetime
    text: str


class PublicViewOut(Schema):
    tracking_number: str
    status: str
    status_label: str
    order_type_label: str
    title: str
    received_at: datetime.datetime
    events: list[PublicEventOut]
    lead_department: str
    reply_due_at: datetime.datetime | None
    deadline_rule_text: str
    reply: str
    reply_department: str
    replied_at: datetime.datetime | None
    merged_into: str
    satisfaction_label: str


class AppealOut(Schema):
    tracking_number: str
    query_code: str | None = Field(
        None,
        description="查询码只在首次提交时返回（并以短信/邮件发送）/ the query code, only on the first call",
    )
    status_label: str
    message: str


# --- Inputs ----------------------------------------------------------------------------------


class IntakeIn(StrictIn):
    channel: STAFF_CHANNELS = "phone"
    content: str = Field(..., min_length=1, max_length=5000)
    title: str = Field("", max_length=200)
    order_type: ORDER_TYPES = "other"
    urgency: URGENCIES = "normal"
    category: str = Field("", max_length=60, description="派单目录代码 / category code")
    caller_name: str = Field("", max_length=50)
    caller_phone: str = Field("", max_length=30)
    caller_id_number: str = Field("", max_length=18)
    caller_address: str = Field("", max_length=200)
    caller_email: str = Field("", max_length=254)
    confidential: bool = False
    consent_to_publish: bool = False
    district: str = Field("", max_length=60, description="区县单位代码 / district code")
    street: str = Field("", max_length=60, description="街道单位代码 / street code")
    location: str = Field("", max_length=200)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    source_reference: str = Field("", max_length=120, description="来源编号（信件编号等），用于去重")


class InboundMessageIn(StrictIn):
    channel: MESSAGE_CHANNELS
    external_id: str = Field(..., min_length=1, max_length=120)
    sender_name: str = Field("", max_length=50)
    sender_phone: str = Field("", max_length=30)
    sender_email: str = Field("", max_length=254)
    text: str = Field(..., min_length=1, max_length=5000)
    sent_at: datetime.datetime | None = None
    order_type: ORDER_TYPES = "other"
    raw: dict = Field(default_factory=dict, description="原始消息 / the connector's raw payload (≤256 KB)")
    sender_handle: str = Field("", max_length=200, description="发送人账号（openid、微博昵称…）")
    auto_convert: bool | None = Field(
        None,
        description="是否立即转为工单；不填按设置 GONGKAI_HOTLINE_INBOUND_AUTO_CONVERT（默认是）"
        " / convert at once (default: the setting, true unless configured)",
    )


class InboundResultOut(Schema):
    id: int | None = Field(None, description="所转工单的 id（未转工单时为空） / the work order's id")
    tracking_number: str | None = None
    status: str | None = Field(None, description="工单状态 / the work order's status")
    created: bool = Field(..., description="false: 重复推送，返回已记录的留言 / a repeat delivery")
    query_code: str | None = None
    message_id: int
    message_status: str


class InboundMessageOut(Schema):
    id: int
    channel: str
    external_id: str
    sender_name: str
    sender_handle: str
    sender_phone: str
    text: str
    received_at: datetime.datetime
    status: str
    status_label: str
    work_order: str | None = Field(None, description="所转工单的受理编号")
    work_order_id: int | None = None
    handled_at: datetime.datetime | None = None
    note: str
    escalated_to: NamedRef | None = Field(None, description="转交单位")
    escalated_at: datetime.datetime | None = None
    escalation_note: str = ""
    due_at: datetime.datetime | None = Field(None, description="转交后的答复期限")
    due_rule: str = ""
    is_overdue: bool = False


class InboundPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[InboundMessageOut]


class InboundConvertIn(StrictIn):
    order_type: ORDER_TYPES = "other"
    category: str = Field("", max_length=60, description="派单目录代码")
    title: str = Field("", max_length=200)
    urgency: Literal["normal", "urgent"] = "normal"


class AppealIn(StrictIn):
    channel: Literal["web", "mailbox"] = "web"
    content: str = Field(..., min_length=1, max_length=5000)
    title: str = Field("", max_length=200)
    order_type: ORDER_TYPES = "other"
    category: str = Field("", max_length=60)
    caller_name: str = Field(..., min_length=1, max_length=50)
    caller_phone: str = Field(..., min_length=1, max_length=20)
    caller_email: str = Field("", max_length=254)
    caller_address: str = Field("", max_length=200)
    location: str = Field("", max_length=200)
    confidential: bool = False
    consent_to_publish: bool = False
    client_reference: str = Field(
        "", max_length=100, description="客户端生成的唯一编号；重试时返回同一工单 / idempotency key"
    )


class LookupIn(StrictIn):
    tracking_number: str = Field(..., min_length=1, max_length=16)
    query_code: str = Field(..., min_length=1, max_length=6)


class RatingIn(LookupIn):
    satisfaction: SATISFACTIONS
    comment: str = Field("", max_length=500)
    request_reopen: bool = Field(False, description="不满意时申请重新办理 / ask for it to be handled again")


class EmptyIn(StrictIn):
    pass


class AnswerIn(StrictIn):
    reply_text: str = Field(..., min_length=1, max_length=10000)
    callback_requested: bool = False


class DispatchIn(StrictIn):
    department: str = CODE
    assisting: list[str] = Field(default_factory=list, max_length=10)
    category: str = Field("", max_length=60)
    order_type: ORDER_TYPES | None = None
    urgency: URGENCIES | None = None
    note: str = OPTIONAL_TEXT


class DispatchDownIn(StrictIn):
    street: str = CODE
    note: str = OPTIONAL_TEXT


class ReturnIn(StrictIn):
    reason: str = REASON
    suggested_department: str = Field("", max_length=60)


class ReasonIn(StrictIn):
    reason: str = REASON


class ReassignIn(StrictIn):
    department: str = CODE
    assisting: list[str] = Field(default_factory=list, max_length=10)
    comment: str = OPTIONAL_TEXT


class ArbitrateIn(StrictIn):
    ruling: str = REASON


class ExtensionRequestIn(StrictIn):
    amount: int = Field(..., ge=1, le=60)
    reason: str = REASON


class ExtensionDecisionIn(StrictIn):
    approve: bool
    comment: str = OPTIONAL_TEXT
    amount: int | None = Field(None, ge=1, le=60)


class TextIn(StrictIn):
    text: str = Field(..., min_length=1, max_length=1000)


class ReplyIn(StrictIn):
    reply_text: str = Field(..., min_length=1, max_length=10000)


class ApproveReplyIn(StrictIn):
    public_reply: str | None = Field(None, max_length=10000)


class PublicationIn(StrictIn):
    approve: bool = Field(True, description="true 审核公开 / false 撤销公开 (withdraw)")
    public_title: str = Field("", max_length=200, description="公开标题（已核对、隐去个人信息）")
    public_content: str = Field("", max_length=5000, description="公开来信内容（已核对）")
    public_reply: str = Field("", max_length=10000, description="公开答复（已核对）")
    reason: str = Field("", max_length=1000, description="撤销公开的理由")


class CallbackIn(StrictIn):
    outcome: Literal["reached", "unreachable", "refused"]
    satisfaction: SATISFACTIONS | Literal[""] = ""
    comment: str = OPTIONAL_TEXT


class ReopenIn(StrictIn):
    reason: str = REASON
    department: str = Field("", max_length=60)


class SuperviseIn(StrictIn):
    reason: str = REASON
    due_at: datetime.datetime | None = None


class MergeIn(StrictIn):
    into: str = Field(..., min_length=1, max_length=16, description="主工单受理编号 / lead tracking number")
    reason: str = OPTIONAL_TEXT
