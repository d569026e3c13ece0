"""Input and output schemas of the disclosure applications API (gongkai.disclosure.api).

Inputs forbid unknown fields and bound every string; outputs never carry the query-code hash, and
the applicant's personal data only in ``ApplicantOut``, masked unless the user may see it.

No ``from __future__ import annotations`` here: django-ninja needs real annotations for Query schemas.
"""

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from gongkai.api.types import StorableSchema

APPLICANT_TYPES = Literal[
    "natural_person", "commercial", "research", "nonprofit", "legal_service", "other_organisation"
]
CHANNELS = Literal["online", "in_person", "post", "ordinary_letter", "fax", "oral"]
STAFF_CHANNELS = Literal["in_person", "post", "ordinary_letter", "fax", "oral"]
ID_TYPES = Literal["", "resident_id", "passport", "hmt_permit", "other", "credit_code"]
PROVISION_FORMS = Literal["", "paper", "electronic", "media"]
PROVISION_CHANNELS = Literal["", "post", "pickup", "email", "online", "fax"]
DELIVERY_CHANNELS = Literal["post", "pickup", "email", "online", "fax"]
STATUSES = Literal[
    "registered", "reviewing", "correction", "handling", "awaiting_fee", "replied", "terminated", "archived"
]
REPLY_TYPES = Literal[
    "already_public",
    "disclosed",
    "partial",
    "withheld",
    "not_exist",
    "not_this_agency",
    "duplicate",
    "special_procedure",
    "not_processed",
    "terminated",
]
CONSULTATION_KINDS = Literal["third_party", "agency"]
CONSULTATION_ANSWERS = Literal["consent", "objection", "no_answer"]
FEE_METHODS = Literal["per_application", "per_page"]
REVIEW_KINDS = Literal["reconsideration", "litigation_direct", "litigation_after"]
REVIEW_OUTCOMES = Literal["upheld", "corrected", "other", "pending"]

TEXT = Field("", max_length=200)


class StrictIn(StorableSchema):
    model_config = {"extra": "forbid"}


# --- Inputs ------------------------------------------------------------------------------------


class ApplicantIn(StrictIn):
    department: str = Field(..., min_length=1, max_length=60, description="受理机关代码 / agency code")
    applicant_type: APPLICANT_TYPES
    applicant_name: str = Field(..., max_length=100)
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)
    address: str = Field("", max_length=200)
    postal_code: str = Field("", max_length=10)
    id_type: ID_TYPES = ""
    id_number: str = Field("", max_length=40)
    legal_representative: str = Field("", max_length=50)
    contact_name: str = Field("", max_length=50)
    description: str = Field("", max_length=10000)
    provision_form: PROVISION_FORMS = ""
    provision_channel: PROVISION_CHANNELS = ""


class StaffApplicationIn(ApplicantIn):
    channel: STAFF_CHANNELS
    received_on: datetime.date | None = Field(
        None, description="收到申请日期（条例第三十一条；邮寄为签收日，平常信函、传真为与申请人确认日）"
    )


class LookupIn(StrictIn):
    tracking_number: str = Field(..., min_length=1, max_length=20)
    query_code: str = Field(..., min_length=1, max_length=10)


class EmptyIn(StrictIn):
    pass


class ReviewIn(StrictIn):
    handler: str = Field("", max_length=150, description="承办人用户名（默认本人）/ handler's username")


class CorrectionRequestIn(StrictIn):
    items: str = Field(..., min_length=1, max_length=5000)
    due_on: datetime.date | None = None


class CorrectionReceiveIn(StrictIn):
    description: str = Field("", max_length=10000)
    corrected_on: datetime.date | None = None
    id_type: ID_TYPES | None = None
    id_number: str | None = Field(None, max_length=40)
    legal_representative: str | None = Field(None, max_length=50)
    contact_name: str | None = Field(None, max_length=50)
    phone: str | None = Field(None, max_length=30)
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=200)
    postal_code: str | None = Field(None, max_length=10)
    provision_form: PROVISION_FORMS | None = None
    provision_channel: PROVISION_CHANNELS | None = None


class ConsultationIn(StrictIn):
    kind: CONSULTATION_KINDS
    party_name: str = Field(..., min_length=1, max_length=100)
    party_contact: str = TEXT
    sent_on: datetime.date | None = None


class ConsultationAnswerIn(StrictIn):
    answer: CONSULTATION_ANSWERS
    answer_text: str = Field("", max_length=5000)
    answered_on: datetime.date | None = None


class ExtensionRequestIn(StrictIn):
    days: int = Field(..., ge=1, le=20)
    reason: str = Field(..., min_length=1, max_length=2000)


class ExtensionDecisionIn(StrictIn):
    approve: bool
    notified_on: datetime.date | None = None


class FeeNoticeIn(StrictIn):
    method: FEE_METHODS
    pages: int | None = Field(None, ge=1, le=1000000)


class FeePaymentIn(StrictIn):
    paid_on: datetime.date | None = None


class ReplyIn(StrictIn):
    reply_type: REPLY_TYPES
    ground: str = Field(..., min_length=1, max_length=40)
    body: str = Field(..., max_length=20000)
    partial_withheld_ground: str = Field("", max_length=40)
    other_agency: str = TEXT
    other_agency_contact: str = TEXT
    replied_on: datetime.date | None = None


class TerminateIn(StrictIn):
    ground: Literal["other_no_correction", "other_no_fee", "other_other"]
    reason: str = Field(..., min_length=1, max_length=2000)


class DeliveryIn(StrictIn):
    channel: DELIVERY_CHANNELS
    delivered_on: datetime.date | None = None


class ReviewCaseIn(StrictIn):
    department: str = Field(..., min_length=1, max_length=60)
    kind: REVIEW_KINDS
    body: str = Field(..., min_length=1, max_length=100)
    filed_on: datetime.date
    case_number: str = Field("", max_length=60)
    application: str = Field("", max_length=20, description="相关申请编号 / tracking number")
    outcome: REVIEW_OUTCOMES = "pending"
    concluded_on: datetime.date | None = None
    note: str = Field("", max_length=5000)


# --- Outputs -------------------------------------------------------------------------------------


class NamedRef(Schema):
    code: str
    name: str


class ActionOut(Schema):
    name: str
    label: str
    endpoint: str


class ApplicationSummaryOut(Schema):
    id: int
    tracking_number: str
    department: NamedRef
    status: str
    status_label: str
    applicant_type: str
    applicant_name: str
    channel: str
    received_on: datetime.date
    reply_due_on: datetime.date | None
    applicant_due_on: datetime.date | None
    is_overdue: bool
    reply_type: str
    ground: str
    outcome: str
    concluded_on: datetime.date | None
    handler: str


class ApplicationPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[ApplicationSummaryOut]


class ApplicantOut(Schema):
    masked: bool
    name: str
    id_type: str
    id_number: str
    legal_representative: str
    contact_name: str
    phone: str
    email: str
    address: str
    postal_code: str


class ClockOut(Schema):
    due_on: datetime.date
    remaining: int
    paused: int
    extension: int
    is_paused: bool
    is_overdue: bool
    is_stopped: bool
    rule_text: str


class CorrectionOut(Schema):
    issued_on: datetime.date
    items: str
    due_on: datetime.date
    corrected_on: datetime.date | None
    lapsed: bool


class ConsultationOut(Schema):
    id: int
    kind: str
    party_name: str
    party_contact: str
    sent_on: datetime.date
    due_on: datetime.date
    answered_on: datetime.date | None
    answer: str
    answer_text: str


class ExtensionOut(Schema):
    id: int
    days: int
    reason: str
    requested_by: str
    requested_at: datetime.datetime
    approved_by: str
    approved_at: datetime.datetime | None
    refused: bool
    notified_on: datetime.date | None


class FeeLineOut(Schema):
    label: str
    quantity: int
    unit_price: str
    amount: str


class FeeNoticeOut(Schema):
    method: str
    quantity: int
    amount: Decimal
    breakdown: list[FeeLineOut]
    issued_on: datetime.date
    pay_by: datetime.date
    paid_on: datetime.date | None
    lapsed: bool


class ReplyOut(Schema):
    reply_type: str
    ground: str
    partial_withheld_ground: str
    replied_on: datetime.date
    body: str
    other_agency: str
    other_agency_contact: str
    delivered_on: datetime.date | None
    delivery_channel: str
    letter_docx: str
    letter_pdf: str


class ApplicationDetailOut(ApplicationSummaryOut):
    applicant: ApplicantOut
    description: str
    original_description: str
    provision_form: str
    provision_channel: str
    missing_items: list[str]
    submitted_at: datetime.datetime
    archived_at: datetime.datetime | None
    clock: ClockOut | None
    correction: CorrectionOut | None
    consultations: list[ConsultationOut]
    extension: ExtensionOut | None
    fee_notice: FeeNoticeOut | None
    reply: ReplyOut | None
    actions: list[ActionOut]


class ActionResultOut(Schema):
    id: int
    tracking_number: str
    status: str
    status_label: str
    reply_due_on: datetime.date | None
    actions: list[ActionOut]


class LogEntryOut(Schema):
    at: datetime.datetime
    action: str
    public: bool
    public_text: str
    note: str
    actor: str


class SubmittedOut(Schema):
    id: int
    tracking_number: str
    query_code: str = Field(..., description="只显示这一次 / shown this once")
    status: str
    status_label: str
    received_on: datetime.date
    reply_due_on: datetime.date | None
    missing_items: list[str]
    message: str


class PublicEntryOut(Schema):
    at: datetime.datetime
    action: str
    text: str


class PublicViewOut(Schema):
    tracking_number: str
    department: str
    status: str
    status_label: str
    received_on: datetime.date
    reply_due_on: datetime.date | None
    applicant_due_on: datetime.date | None
    missing_items: list[str]
    missing_item_labels: list[str]
    reply_type: str
    reply_type_label: str
    replied_on: datetime.date | None
    delivered_on: datetime.date | None
    concluded_on: datetime.date | None
    timeline: list[PublicEntryOut]


class BucketOut(Schema):
    key: str
    label: str
    count: int
    rows: list[ApplicationSummaryOut]


class ReviewCaseOut(Schema):
    id: int
    department: NamedRef
    application: str
    kind: str
    kind_label: str
    case_number: str
    body: str
    filed_on: datetime.date
    outcome: str
    outcome_label: str
    concluded_on: datetime.date | None
    note: str
