"""Disclosure documents as Wagtail pages, the sections that hold them, and the disclosure catalogue.

Every document type derives from the abstract :class:`DisclosureDocumentPage`, which carries the
metadata of the requirement's own header (索引号, 分类, 发文机关, 生成日期, 发布日期) and the
disclosure attribute (主动公开 / 依申请公开 / 不予公开, 条例第十四至十六条). The tree is:

    HomePage (portal) → DisclosureSectionPage (政府信息公开, the guide and the catalogue)
        → DocumentIndexPage (one per document type) → the documents of that type

Rules and quirks:

* Only a live page whose attribute is 主动公开 is public: ``serve`` answers 404 for any other
  attribute, the catalogue, the lists, the search index and the API leave it out.
* The 索引号 is ``<credit code>/<year>-<five-digit sequence>``, assigned on first save when empty
  from a per-department, per-year counter (see ``index_numbers.py`` and docs/adr/0011).
* ``CatalogueEntry`` is a derived row per document (written on every save of the page), so that
  the catalogue, the filters and the API query one table instead of seven.
"""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from gongkai.core.search.documents import Searchable, SearchDocument

# --- Choices ---------------------------------------------------------------------------------------


class DocumentType(models.TextChoices):
    """The document types; the value is the ``doc_type`` in the search index and the API's ``type``."""

    # 政策文件: regulations, normative documents and other policy documents with a 发文字号.
    POLICY = "policy", _("政策文件")
    # 政策解读: the interpretation of one policy (text, illustrated or video).
    INTERPRETATION = "interpretation", _("政策解读")
    # 新闻发布: press releases, press conferences, briefings.
    PRESS_RELEASE = "press_release", _("新闻发布")
    # 通知公告.
    ANNOUNCEMENT = "announcement", _("通知公告")
    # 活动信息: festivals, exhibitions, the car-free day, road races.
    EVENT = "event", _("活动信息")
    # 突发事件: one page per event with its timeline of updates.
    EMERGENCY = "emergency", _("突发事件")
    # 辟谣: a rumor clarification.
    RUMOR = "rumor", _("辟谣")


class DisclosureAttribute(models.TextChoices):
    """公开属性, set when the document is drafted (国办发〔2016〕80号)."""

    # Published on the portal and the channels once approved (条例第十九、二十条).
    PROACTIVE = "proactive", _("主动公开")
    # Not published; given to an applicant who asks for it (条例第二十七条).
    ON_REQUEST = "on_request", _("依申请公开")
    # Not disclosed (条例第十四至十六条); re-reviewed periodically (条例第十八条).
    WITHHELD = "withheld", _("不予公开")


class LegalGround(models.TextChoices):
    """Why a document is not proactively disclosed; one row each of the annual report's Table 3."""

    STATE_SECRET = "art14_state_secret", _("条例第十四条：属于国家秘密")
    PROHIBITED_BY_LAW = "art14_prohibited", _("条例第十四条：法律、行政法规禁止公开")
    SECURITY_AND_STABILITY = "art14_security", _("条例第十四条：危及国家安全、公共安全、经济安全、社会稳定")
    THIRD_PARTY_RIGHTS = "art15_third_party", _("条例第十五条：涉及商业秘密、个人隐私等第三方合法权益")
    INTERNAL_AFFAIRS = "art16_internal", _("条例第十六条：内部事务信息")
    PROCESS_INFORMATION = "art16_process", _("条例第十六条：过程性信息")
    ENFORCEMENT_FILES = "art16_enforcement", _("条例第十六条：行政执法案卷信息")
    OTHER_LAW = "other_law", _("其他法律、行政法规的规定")


class Validity(models.TextChoices):
    """有效性 of a policy document (国办发〔2017〕47号: mark changed, repealed and expired documents)."""

    VALID = "valid", _("有效")
    AMENDED = "amended", _("已修改")
    REPEALED = "repealed", _("已废止")
    EXPIRED = "expired", _("已失效")


class NormativeKind(models.TextChoices):
    """Whether a policy document is counted in the annual report's Table 2, 第二十条第（一）项."""

    RULES = "rules", _("规章")
    NORMATIVE = "normative", _("行政规范性文件")


class Genre(models.TextChoices):
    """文种 (《党政机关公文处理工作条例》 and the usual names of normative documents)."""

    DECISION = "decision", _("决定")
    ORDER = "order", _("命令（令）")
    ANNOUNCEMENT = "announcement", _("公告")
    PUBLIC_NOTICE = "public_notice", _("通告")
    OPINION = "opinion", _("意见")
    NOTICE = "notice", _("通知")
    CIRCULAR = "circular", _("通报")
    REPORT = "report", _("报告")
    REPLY = "reply", _("批复")
    LETTER = "letter", _("函")
    MINUTES = "minutes", _("纪要")
    MEASURES = "measures", _("办法")
    PROVISIONS = "provisions", _("规定")
    PLAN = "plan", _("方案")
    PROGRAMME = "programme", _("规划")
    OTHER = "other", _("其他")


class InterpretationForm(models.TextChoices):
    TEXT = "text", _("文字解读")
    ILLUSTRATED = "illustrated", _("图解")
    VIDEO = "video", _("视频解读")


class InterpretationAuthor(models.TextChoices):
    # 谁起草、谁解读: the department that drafted the policy.
    DRAFTING_DEPARTMENT = "drafting_department", _("起草部门")
    # An expert from the department's policy-interpretation expert pool (专家解读机制).
    EXPERT = "expert", _("专家")


class PressReleaseKind(models.TextChoices):
    RELEASE = "release", _("新闻稿")
    CONFERENCE = "conference", _("新闻发布会")
    BRIEFING = "briefing", _("吹风会")
    QUESTIONS = "questions", _("答记者问")
    INTERVIEW = "interview", _("网上访谈")


class EventKind(models.TextChoices):
    FESTIVAL = "festival", _("文化旅游节庆")
    EXHIBITION = "exhibition", _("展会")
    CAR_FREE_DAY = "car_free_day", _("无车日")
    ROAD_RACE = "road_race", _("公路赛事")
    OTHER = "other", _("其他活动")


class EmergencyLevel(models.TextChoices):
    PARTICULARLY_SERIOUS = "1", _("特别重大（Ⅰ级）")
    SERIOUS = "2", _("重大（Ⅱ级）")
    LARGER = "3", _("较大（Ⅲ级）")
    GENERAL = "4", _("一般（Ⅳ级）")


class EmergencyUpdateKind(models.TextChoices):
    # 事件进展.
    PROGRESS = "progress", _("事件进展")
    # 政府举措.
    MEASURE = "measure", _("政府措施")
    # 公众防范措施.
    PRECAUTION = "precaution", _("公众提示")
    # 调查处理结果.
    INVESTIGATION = "investigation", _("调查结果")


def _today() -> datetime.date:
    return timezone.localdate()


# --- Reference data ---------------------------------------------------------------------------------


class Topic(models.Model):
    """主题分类 of the catalogue (e.g. 政务服务和数字化建设管理), edited as a snippet."""

    name = models.CharField(_("名称"), max_length=60, unique=True)
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    sort_order = models.IntegerField(_("排序"), default=0)

    panels = [FieldPanel("name"), FieldPanel("code"), FieldPanel("sort_order")]

    class Meta:
        verbose_name = _("主题分类")
        verbose_name_plural = _("主题分类")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class IndexNumberCounter(models.Model):
    """The last 索引号 sequence handed out for one department and year.

    Incremented with one ``INSERT … ON CONFLICT … DO UPDATE … RETURNING`` statement (see
    ``index_numbers.next_sequence``), so two documents saved at the same moment never get the same
    number, on SQLite and PostgreSQL alike.
    """

    department = models.ForeignKey(
        "accounts.Department", on_delete=models.CASCADE, related_name="+", verbose_name=_("机构")
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    last_value = models.PositiveIntegerField(_("已用序号"), default=0)

    class Meta:
        verbose_name = _("索引号计数器")
        verbose_name_plural = _("索引号计数器")
        constraints = [
            models.UniqueConstraint(fields=["department", "year"], name="publishing_counter_department_year")
        ]

    def __str__(self) -> str:
        return f"{self.department_id}/{self.year}: {self.last_value}"


# --- The documents -----------------------------------------------------------------------------------


class DisclosureDocumentPage(Searchable, Page):
    """Abstract base of every disclosure document: the shared metadata and the public/non-public rule.

    The interface other modules rely on (review chain, channels): ``department``,
    ``disclosure_attribute``, ``legal_ground`` (+ ``legal_ground_explanation``), ``formed_at``,
    ``index_number``, ``body``, ``review_text()``, ``document_type_label()``, ``is_public``,
    ``publish_date``.
    """

    document_type: ClassVar[str] = ""
    """The :class:`DocumentType` value of the concrete type."""

    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发文机关"),
        help_text=_("发文机关或发布机构；索引号以它的统一社会信用代码开头。"),
    )
    category = models.ForeignKey(
        Topic,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("主题分类"),
    )
    index_number = models.CharField(
        _("索引号"),
        max_length=80,
        blank=True,
        db_index=True,
        help_text=_("留空则保存时自动生成：统一社会信用代码/年份-五位序号。"),
    )
    summary = models.TextField(
        _("内容概述"), blank=True, max_length=500, help_text=_("目录中显示；留空则取正文开头。")
    )
    body = RichTextField(_("正文"), blank=True)
    formed_at = models.DateField(
        _("生成日期"),
        default=_today,
        help_text=_("信息形成或最近变更的日期；主动公开的信息须在此后 20 个工作日内公开（条例第二十六条）。"),
    )
    disclosure_attribute = models.CharField(
        _("公开属性"),
        max_length=20,
        choices=DisclosureAttribute.choices,
        default=DisclosureAttribute.PROACTIVE,
    )
    legal_ground = models.CharField(
        _("不公开的依据"),
        max_length=30,
        choices=LegalGround.choices,
        blank=True,
        help_text=_("依申请公开和不予公开必填（条例第十四至十六条）。"),
    )
    legal_ground_explanation = models.TextField(
        _("依据说明"), blank=True, help_text=_("选择“其他法律、行政法规的规定”时写明法规名称和条款。")
    )

    metadata_panels: ClassVar[list[Any]] = [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("department"), FieldPanel("category")]),
                FieldRowPanel([FieldPanel("index_number"), FieldPanel("formed_at")]),
            ],
            heading=_("目录信息"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("disclosure_attribute"),
                FieldPanel("legal_ground"),
                FieldPanel("legal_ground_explanation"),
            ],
            heading=_("公开属性"),
        ),
    ]
    content_panels: ClassVar[list[Any]] = [
        *Page.content_panels,
        *metadata_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
    ]

    search_fields = [*Page.search_fields, index.FilterField("disclosure_attribute")]
    parent_page_types: ClassVar[list[str]] = ["publishing.DocumentIndexPage"]
    subpage_types: ClassVar[list[str]] = []

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["index_number"],
                condition=~models.Q(index_number=""),
                name="%(app_label)s_%(class)s_index_number_unique",
            )
        ]

    # --- Interface -------------------------------------------------------------------------------

    @classmethod
    def document_type_label(cls) -> str:
        """The type's Chinese name (政策文件, 政策解读 …), in the active language."""
        return str(DocumentType(cls.document_type).label)

    @property
    def is_public(self) -> bool:
        """Whether the public may see this page: live and 主动公开."""
        return bool(self.live) and self.disclosure_attribute == DisclosureAttribute.PROACTIVE

    @property
    def publish_date(self) -> datetime.date | None:
        """发布日期: first publication, or the scheduled go-live time before it."""
        moment = self.first_published_at or self.go_live_at
        return timezone.localdate(moment) if moment else None

    def document_date(self) -> datetime.date:
        """The date whose year the 索引号 carries (成文日期 for policies, 生成日期 otherwise)."""
        return self.formed_at or _today()

    def index_year(self) -> int:
        return self.document_date().year

    def plain_body(self) -> str:
        return " ".join(strip_tags(self.body or "").split())

    def catalogue_summary(self) -> str:
        """内容概述 as the catalogue shows it: the summary, or the start of the text."""
        return self.summary.strip() or Truncator(self.plain_body()).chars(120)

    def extra_review_texts(self) -> list[str]:
        """Other text fields of the concrete type that reviewers must see (override)."""
        return []

    def review_text(self) -> str:
        """Plain text of everything that would be published, for the sensitive-word pre-check."""
        parts = [self.title, self.summary, self.plain_body(), *self.extra_review_texts()]
        return "\n".join(part.strip() for part in parts if part and part.strip())

    def metadata_rows(self) -> list[tuple[str, str]]:
        """The rows of the metadata table on the document page (label, value)."""
        rows = [
            (str(_("索引号")), self.index_number),
            (str(_("分类")), str(self.category or "")),
            (str(_("发布机构")), self.department.name if self.department_id else ""),
            (str(_("生成日期")), self._date(self.formed_at)),
            (str(_("标题")), self.title),
            (str(_("发布日期")), self._date(self.publish_date)),
        ]
        return rows

    @staticmethod
    def _date(value: datetime.date | None) -> str:
        if value is None:
            return ""
        return _("%(y)s年%(m)02d月%(d)02d日") % {"y": value.year, "m": value.month, "d": value.day}

    # --- Validation and housekeeping -----------------------------------------------------------------

    def clean(self) -> None:
        super().clean()
        self.validate_document()

    def validate_document(self) -> None:
        """The document's own rules (everything but the tree): raise ``ValidationError`` by field.

        Also normalises: rich text is sanitised, the 发文字号 gets 〔〕, a 主动公开 document drops
        its legal ground. The import validates rows with this before anything is written.
        """
        from gongkai.publishing import index_numbers, rich_text

        errors: dict[str, list[Any]] = {}
        if self.formed_at and self.formed_at > _today():
            errors.setdefault("formed_at", []).append(
                ValidationError(_("生成日期不能晚于今天。"), code="formed_in_future")
            )
        if self.disclosure_attribute == DisclosureAttribute.PROACTIVE:
            self.legal_ground = ""
        else:
            if not self.legal_ground:
                errors.setdefault("legal_ground", []).append(
                    ValidationError(
                        _("“%(attribute)s”必须写明依据（条例第十四至十六条或其他法律、行政法规）。")
                        % {"attribute": DisclosureAttribute(self.disclosure_attribute).label},
                        code="legal_ground_required",
                    )
                )
            elif self.legal_ground == LegalGround.OTHER_LAW and not self.legal_ground_explanation.strip():
                errors.setdefault("legal_ground_explanation", []).append(
                    ValidationError(
                        _("依据为“其他法律、行政法规的规定”时，须写明法规名称和条款。"),
                        code="legal_ground_explanation_required",
                    )
                )
        self.body = rich_text.sanitize(self.body or "")
        self.index_number = (self.index_number or "").strip()
        if self.index_number and self.department_id:
            try:
                index_numbers.validate(
                    self.index_number,
                    department=self.department,
                    year=self.index_year(),
                    page_id=self.pk,
                )
            except ValidationError as exc:
                errors.setdefault("index_number", []).extend(exc.error_list)
        self.clean_document(errors)
        if errors:
            raise ValidationError(errors)

    def clean_document(self, errors: dict[str, list[Any]]) -> None:
        """Type-specific checks: add messages to ``errors`` (field name → list)."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save; a document without a 索引号 gets the next one of its department and year."""
        from gongkai.publishing import index_numbers

        if not self.index_number and self.department_id:
            self.index_number = index_numbers.assign(department=self.department, year=self.index_year())
        super().save(*args, **kwargs)

    def serve(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        # 以公开为常态、不公开为例外: anything but 主动公开 is never served publicly (previews
        # in the admin do not go through serve()).
        if self.disclosure_attribute != DisclosureAttribute.PROACTIVE:
            raise Http404
        return super().serve(request, *args, **kwargs)

    def get_context(self, request: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context["feed_page"] = self.get_parent()  # the feeds of the document's list
        return context

    def get_sitemap_urls(self, request: Any = None) -> list[dict[str, Any]]:
        if self.disclosure_attribute != DisclosureAttribute.PROACTIVE:
            return []
        return super().get_sitemap_urls(request)

    # --- Search ------------------------------------------------------------------------------------

    def search_document(self) -> SearchDocument | None:
        published = self.last_published_at or self.first_published_at
        try:
            url = self.get_url() or ""
        except Exception:  # noqa: BLE001 - a page outside any site has no URL; index it anyway
            url = ""
        is_public = self.is_public and not self.get_view_restrictions().exists()
        # The text first, so that a snippet of a title-only match starts with what the document
        # says; the 索引号 and 发文字号 last, searchable all the same.
        body_parts = [self.summary, self.plain_body()]
        body_parts += self.extra_review_texts()
        body_parts += [self.index_number, getattr(self, "document_number", "") or ""]
        return SearchDocument.for_object(
            self,
            title=self.title,
            body="\n".join(part for part in body_parts if part),
            doc_type=self.document_type,
            department_code=self.department.code if self.department_id else None,
            date=self.document_date(),
            url=url,
            is_public=is_public,
            extra={
                "index_number": self.index_number,
                "published": timezone.localdate(published).isoformat() if published else None,
            },
        )

    # --- Tree rules --------------------------------------------------------------------------------

    @classmethod
    def can_create_at(cls, parent: Page) -> bool:
        """Documents of a type live under a list page configured for that type."""
        if not super().can_create_at(parent):
            return False
        return getattr(parent.specific, "document_type", None) == cls.document_type


class AttachmentBase(Orderable):
    """A downloadable file of a document: a Wagtail document, checked by content and size on upload."""

    document = models.ForeignKey(
        "wagtaildocs.Document", on_delete=models.CASCADE, related_name="+", verbose_name=_("文件")
    )
    title = models.CharField(_("显示名称"), max_length=200, blank=True, help_text=_("留空则用文件标题。"))

    panels = [FieldPanel("document"), FieldPanel("title")]

    class Meta(Orderable.Meta):
        abstract = True

    def display_title(self) -> str:
        return self.title or self.document.title


class PolicyDocumentPage(DisclosureDocumentPage):
    """政策文件: a document with a 发文字号, its validity and attachments."""

    document_type = search_doc_type = DocumentType.POLICY

    document_number = models.CharField(
        _("发文字号"), max_length=60, blank=True, help_text=_("如：吉市政办发〔2014〕2号。")
    )
    written_on = models.DateField(_("成文日期"), default=_today)
    genre = models.CharField(_("文种"), max_length=20, choices=Genre.choices, blank=True)
    subject_words = models.CharField(_("主题词"), max_length=200, blank=True)
    validity = models.CharField(_("有效性"), max_length=20, choices=Validity.choices, default=Validity.VALID)
    normative_kind = models.CharField(
        _("规章或规范性文件"),
        max_length=20,
        choices=NormativeKind.choices,
        blank=True,
        help_text=_("规章和行政规范性文件计入政府信息公开工作年度报告表二；其他文件留空。"),
    )
    repealed_on = models.DateField(
        _("废止或失效日期"),
        null=True,
        blank=True,
        help_text=_("有效性为“已废止”或“已失效”时必填；年度报告据此统计本年废止件数。"),
    )
    changed_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("修改或废止它的文件"),
    )
    needs_interpretation = models.BooleanField(
        _("需要解读"), default=False, help_text=_("重要政策须与解读材料同步审签、同步发布（三同步）。")
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("document_number"), FieldPanel("written_on")]),
                FieldRowPanel([FieldPanel("genre"), FieldPanel("subject_words")]),
                FieldRowPanel([FieldPanel("validity"), FieldPanel("changed_by")]),
                FieldRowPanel([FieldPanel("normative_kind"), FieldPanel("repealed_on")]),
                FieldPanel("needs_interpretation"),
            ],
            heading=_("公文信息"),
        ),
        *DisclosureDocumentPage.metadata_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        InlinePanel("attachments", label=_("附件")),
    ]
    search_fields = [*DisclosureDocumentPage.search_fields, index.FilterField("validity")]

    class Meta(DisclosureDocumentPage.Meta):
        verbose_name = _("政策文件")
        verbose_name_plural = _("政策文件")

    def document_date(self) -> datetime.date:
        return self.written_on or super().document_date()

    def extra_review_texts(self) -> list[str]:
        return [self.document_number, self.subject_words]

    def metadata_rows(self) -> list[tuple[str, str]]:
        category = "；".join(part for part in [str(self.category or ""), self.get_genre_display()] if part)
        return [
            (str(_("索引号")), self.index_number),
            (str(_("分类")), category),
            (str(_("发文机关")), self.department.name if self.department_id else ""),
            (str(_("成文日期")), self._date(self.written_on)),
            (str(_("标题")), self.title),
            (str(_("发文字号")), self.document_number),
            (str(_("发布日期")), self._date(self.publish_date)),
            (str(_("有效性")), str(self.get_validity_display())),
        ]

    def clean_document(self, errors: dict[str, list[Any]]) -> None:
        from gongkai.publishing import index_numbers

        if self.written_on and self.written_on > _today():
            errors.setdefault("written_on", []).append(
                ValidationError(_("成文日期不能晚于今天。"), code="written_in_future")
            )
        self.document_number = index_numbers.normalize_document_number(self.document_number)
        if self.document_number and self.department_id and self.written_on:
            other = index_numbers.document_number_holder(
                self.document_number,
                department_id=self.department_id,
                year=self.written_on.year,
                page_id=self.pk,
            )
            if other is not None:
                errors.setdefault("document_number", []).append(
                    ValidationError(
                        _("发文字号“%(number)s”在 %(year)s 年已被本机关的《%(title)s》使用。")
                        % {"number": self.document_number, "year": self.written_on.year, "title": other},
                        code="document_number_taken",
                    )
                )
        if self.changed_by_id and self.pk and self.changed_by_id == self.pk:
            errors.setdefault("changed_by", []).append(
                ValidationError(_("文件不能修改或废止它自己。"), code="changed_by_self")
            )
        if self.validity in (Validity.REPEALED, Validity.EXPIRED):
            if self.repealed_on is None:
                errors.setdefault("repealed_on", []).append(
                    ValidationError(
                        _("“已废止”或“已失效”的文件须填写废止或失效日期。"), code="repealed_on_required"
                    )
                )
            elif self.repealed_on > _today():
                errors.setdefault("repealed_on", []).append(
                    ValidationError(_("废止或失效日期不能晚于今天。"), code="repealed_in_future")
                )
            elif self.written_on and self.repealed_on < self.written_on:
                errors.setdefault("repealed_on", []).append(
                    ValidationError(_("废止或失效日期不能早于成文日期。"), code="repealed_before_written")
                )
        else:
            self.repealed_on = None
        if self.validity == Validity.VALID:
            self.changed_by = None
        elif (
            self.validity == Validity.AMENDED
            and not self.changed_by_id
            # An import links the amending document once it is written (same file).
            and not getattr(self, "_reference_pending", False)
        ):
            errors.setdefault("changed_by", []).append(
                ValidationError(_("“已修改”的文件须选择修改它的文件。"), code="changed_by_required")
            )

    def public_interpretations(self) -> models.QuerySet[InterpretationPage]:
        return (
            self.interpretations.live()
            .filter(disclosure_attribute=DisclosureAttribute.PROACTIVE)
            .order_by("-first_published_at", "-pk")
        )

    def get_context(self, request: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context["interpretations"] = self.public_interpretations()
        changer = self.changed_by
        context["changed_by_page"] = changer if changer is not None and changer.is_public else None
        return context


class PolicyAttachment(AttachmentBase):
    page = ParentalKey(PolicyDocumentPage, on_delete=models.CASCADE, related_name="attachments")

    class Meta(AttachmentBase.Meta):
        verbose_name = _("附件")
        verbose_name_plural = _("附件")


class InterpretationPage(DisclosureDocumentPage):
    """政策解读 of one policy: text, illustrated (图解) or video, by the drafting department or an expert."""

    document_type = search_doc_type = DocumentType.INTERPRETATION

    policy = models.ForeignKey(
        PolicyDocumentPage,
        on_delete=models.SET_NULL,
        null=True,
        blank=False,
        related_name="interpretations",
        verbose_name=_("所解读的政策文件"),
    )
    form = models.CharField(
        _("解读形式"), max_length=20, choices=InterpretationForm.choices, default=InterpretationForm.TEXT
    )
    author_kind = models.CharField(
        _("解读人"),
        max_length=30,
        choices=InterpretationAuthor.choices,
        default=InterpretationAuthor.DRAFTING_DEPARTMENT,
    )
    expert_name = models.CharField(_("专家姓名"), max_length=40, blank=True)
    expert_title = models.CharField(_("专家职务职称"), max_length=100, blank=True)
    video_url = models.URLField(_("视频地址"), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("policy"),
                FieldRowPanel([FieldPanel("form"), FieldPanel("author_kind")]),
                FieldRowPanel([FieldPanel("expert_name"), FieldPanel("expert_title")]),
                FieldPanel("video_url"),
            ],
            heading=_("解读信息"),
        ),
        *DisclosureDocumentPage.metadata_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
    ]

    class Meta(DisclosureDocumentPage.Meta):
        verbose_name = _("政策解读")
        verbose_name_plural = _("政策解读")

    def extra_review_texts(self) -> list[str]:
        return [self.expert_name, self.expert_title]

    def clean_document(self, errors: dict[str, list[Any]]) -> None:
        if self.author_kind == InterpretationAuthor.EXPERT and not self.expert_name.strip():
            errors.setdefault("expert_name", []).append(
                ValidationError(_("专家解读须写明专家姓名。"), code="expert_name_required")
            )
        if self.form == InterpretationForm.VIDEO and not self.video_url:
            errors.setdefault("video_url", []).append(
                ValidationError(_("视频解读须填写视频地址。"), code="video_url_required")
            )

    def author_label(self) -> str:
        if self.author_kind == InterpretationAuthor.EXPERT:
            return " ".join(part for part in [self.expert_name, self.expert_title] if part)
        return self.department.name if self.department_id else ""

    def get_context(self, request: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        policy = self.policy
        context["policy_page"] = policy if policy is not None and policy.is_public else None
        return context


class PressReleasePage(DisclosureDocumentPage):
    """新闻发布: a press release, a press conference or briefing, questions answered, an interview."""

    document_type = search_doc_type = DocumentType.PRESS_RELEASE

    release_kind = models.CharField(
        _("发布形式"), max_length=20, choices=PressReleaseKind.choices, default=PressReleaseKind.RELEASE
    )
    spokesperson = models.CharField(_("发布人"), max_length=100, blank=True)
    held_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    venue = models.CharField(_("发布地点"), max_length=200, blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("release_kind"), FieldPanel("spokesperson")]),
                FieldRowPanel([FieldPanel("held_at"), FieldPanel("venue")]),
            ],
            heading=_("发布信息"),
        ),
        *DisclosureDocumentPage.metadata_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
    ]

    class Meta(DisclosureDocumentPage.Meta):
        verbose_name = _("新闻发布")
        verbose_name_plural = _("新闻发布")

    def extra_review_texts(self) -> list[str]:
        return [self.spokesperson, self.venue]


class AnnouncementPage(DisclosureDocumentPage):
    """通知公告, with attachments (application forms, lists)."""

    document_type = search_doc_type = DocumentType.ANNOUNCEMENT

    valid_until = models.DateField(_("有效期至"), null=True, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("valid_until"),
        *DisclosureDocumentPage.metadata_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        InlinePanel("attachments", label=_("附件")),
    ]

    class Meta(DisclosureDocumentPage.Meta):
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")


class AnnouncementAttachment(AttachmentBase):
    page = ParentalKey(AnnouncementPage, on_delete=models.CASCADE, related_name="attachments")

    class Meta(AttachmentBase.Meta):
        verbose_name = _("附件")
        verbose_name_plural = _("附件")


class EventInfoPage(DisclosureDocumentPage):
    """活动信息: a festival, an exhibition, the car-free day, a road race: time, place, traffic."""

    document_type = search_doc_type = DocumentType.EVENT

    event_kind = models.CharField(
        _("活动类型"), max_length=20, choices=EventKind.choices, default=EventKind.OTHER
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=200)
    organizer = models.CharField(_("主办单位"), max_length=200, blank=True)
    traffic_arrangements = RichTextField(_("交通安排"), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("event_kind"), FieldPanel("organizer")]),
                FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
                FieldPanel("place"),
                FieldPanel("traffic_arrangements"),
            ],
            heading=_("活动信息"),
        ),
        *DisclosureDocumentPage.metadata_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
    ]

    class Meta(DisclosureDocumentPage.Meta):
        verbose_name = _("活动信息")
        verbose_name_plural = _("活动信息")

    def extra_review_texts(self) -> list[str]:
        traffic = " ".join(strip_tags(self.traffic_arrangements or "").split())
        return [self.place, self.organizer, traffic]

    def clean_document(self, errors: dict[str, list[Any]]) -> None:
        from gongkai.publishing import rich_text

        self.traffic_arrangements = rich_text.sanitize(self.traffic_arrangements or "")
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            errors.setdefault("ends_at", []).append(
                ValidationError(_("结束时间不能早于开始时间。"), code="ends_before_start")
            )


class EmergencyEventPage(DisclosureDocumentPage):
    """突发事件: one page per event; its timeline of updates; a banner on the portal while open."""

    document_type = search_doc_type = DocumentType.EMERGENCY

    is_open = models.BooleanField(
        _("处置中"), default=True, help_text=_("处置中的事件在门户首页显示提示横幅。")
    )
    level = models.CharField(_("事件级别"), max_length=2, choices=EmergencyLevel.choices, blank=True)
    occurred_at = models.DateTimeField(_("发生时间"), null=True, blank=True)
    location = models.CharField(_("发生地点"), max_length=200, blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("is_open"), FieldPanel("level")]),
                FieldRowPanel([FieldPanel("occurred_at"), FieldPanel("location")]),
            ],
            heading=_("事件信息"),
        ),
        *DisclosureDocumentPage.metadata_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        InlinePanel("updates", label=_("事件时间线")),
    ]

    class Meta(DisclosureDocumentPage.Meta):
        verbose_name = _("突发事件")
        verbose_name_plural = _("突发事件")

    def document_date(self) -> datetime.date:
        # Timeline updates move 生成日期 on; the 索引号's year stays the year the event occurred.
        if self.occurred_at:
            return timezone.localdate(self.occurred_at)
        return super().document_date()

    def extra_review_texts(self) -> list[str]:
        return [self.location, *(update.text for update in self.updates.all())]

    def timeline(self) -> list[EmergencyUpdate]:
        """The updates, newest first."""
        return sorted(
            self.updates.all(), key=lambda update: (update.at, update.sort_order or 0), reverse=True
        )


class EmergencyUpdate(Orderable):
    """One entry of an emergency event's timeline."""

    page = ParentalKey(EmergencyEventPage, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(
        _("类别"), max_length=20, choices=EmergencyUpdateKind.choices, default=EmergencyUpdateKind.PROGRESS
    )
    at = models.DateTimeField(_("时间"))
    text = models.TextField(_("内容"), max_length=5000)

    panels = [FieldRowPanel([FieldPanel("kind"), FieldPanel("at")]), FieldPanel("text")]

    class Meta(Orderable.Meta):
        verbose_name = _("事件动态")
        verbose_name_plural = _("事件动态")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class RumorClarificationPage(DisclosureDocumentPage):
    """辟谣: the rumor, the facts, the evidence, and what it answers."""

    document_type = search_doc_type = DocumentType.RUMOR

    rumor = models.TextField(_("传言内容"), max_length=2000)
    facts = RichTextField(_("事实真相"))
    evidence = RichTextField(_("依据和证据"), blank=True)
    answers_description = models.CharField(
        _("回应的传言出处"), max_length=200, blank=True, help_text=_("如：某微博账号 7 月 3 日的帖子。")
    )
    answers_url = models.URLField(_("传言链接"), blank=True)
    answers_page = models.ForeignKey(
        Page,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("回应的本站页面"),
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("rumor"),
                FieldPanel("facts"),
                FieldPanel("evidence"),
                FieldPanel("answers_description"),
                FieldRowPanel([FieldPanel("answers_url"), FieldPanel("answers_page")]),
            ],
            heading=_("辟谣信息"),
        ),
        *DisclosureDocumentPage.metadata_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
    ]

    class Meta(DisclosureDocumentPage.Meta):
        verbose_name = _("辟谣")
        verbose_name_plural = _("辟谣")

    def extra_review_texts(self) -> list[str]:
        facts = " ".join(strip_tags(self.facts or "").split())
        evidence = " ".join(strip_tags(self.evidence or "").split())
        return [self.rumor, facts, evidence, self.answers_description]

    def clean_document(self, errors: dict[str, list[Any]]) -> None:
        from gongkai.publishing import rich_text

        self.facts = rich_text.sanitize(self.facts or "")
        self.evidence = rich_text.sanitize(self.evidence or "")


DOCUMENT_MODELS: dict[str, type[DisclosureDocumentPage]] = {
    DocumentType.POLICY: PolicyDocumentPage,
    DocumentType.INTERPRETATION: InterpretationPage,
    DocumentType.PRESS_RELEASE: PressReleasePage,
    DocumentType.ANNOUNCEMENT: AnnouncementPage,
    DocumentType.EVENT: EventInfoPage,
    DocumentType.EMERGENCY: EmergencyEventPage,
    DocumentType.RUMOR: RumorClarificationPage,
}
"""The concrete page model of each document type."""


# --- Sections --------------------------------------------------------------------------------------


class DisclosureSectionPage(Page):
    """政府信息公开: the guide (指南, 条例第十二条) and the catalogue of every public document below it."""

    intro = models.TextField(_("导语"), blank=True)
    guide_overview = RichTextField(
        _("指南：分类、编排体系和获取方式"),
        blank=True,
        help_text=_("政府信息的分类、编排体系和获取方式（条例第十二条）。"),
    )
    office_name = models.CharField(_("工作机构名称"), max_length=100, blank=True)
    office_address = models.CharField(_("办公地址"), max_length=200, blank=True)
    office_hours = models.CharField(_("办公时间"), max_length=200, blank=True)
    office_phone = models.CharField(_("联系电话"), max_length=60, blank=True)
    office_fax = models.CharField(_("传真号码"), max_length=60, blank=True)
    office_email = models.EmailField(_("电子邮箱"), blank=True)
    office_postcode = models.CharField(_("邮政编码"), max_length=10, blank=True)
    how_to_apply = RichTextField(_("依申请公开办理方式"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("guide_overview"),
        MultiFieldPanel(
            [
                FieldPanel("office_name"),
                FieldPanel("office_address"),
                FieldRowPanel([FieldPanel("office_hours"), FieldPanel("office_phone")]),
                FieldRowPanel([FieldPanel("office_fax"), FieldPanel("office_email")]),
                FieldPanel("office_postcode"),
            ],
            heading=_("政府信息公开工作机构"),
        ),
        FieldPanel("how_to_apply"),
    ]
    parent_page_types: ClassVar[list[str]] = ["portal.HomePage"]
    subpage_types: ClassVar[list[str]] = ["publishing.DocumentIndexPage"]

    class Meta:
        verbose_name = _("政府信息公开栏目")
        verbose_name_plural = _("政府信息公开栏目")

    def clean(self) -> None:
        from gongkai.publishing import rich_text

        super().clean()
        self.guide_overview = rich_text.sanitize(self.guide_overview or "")
        self.how_to_apply = rich_text.sanitize(self.how_to_apply or "")

    def get_context(self, request: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from gongkai.publishing import selectors

        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.catalogue_context(request, section=self))
        context["lists"] = selectors.only_public(
            self.get_children().live().type(DocumentIndexPage)
        ).specific()
        context["feed_page"] = self  # <link rel="alternate">: the feeds of the whole section
        return context


class DocumentIndexPage(Page):
    """The list of one document type (政策文件, 政策解读 …) inside a section."""

    document_type = models.CharField(_("文档类型"), max_length=20, choices=DocumentType.choices)
    intro = models.TextField(_("导语"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("document_type"), FieldPanel("intro")]
    parent_page_types: ClassVar[list[str]] = ["publishing.DisclosureSectionPage"]
    subpage_types: ClassVar[list[str]] = [
        "publishing.PolicyDocumentPage",
        "publishing.InterpretationPage",
        "publishing.PressReleasePage",
        "publishing.AnnouncementPage",
        "publishing.EventInfoPage",
        "publishing.EmergencyEventPage",
        "publishing.RumorClarificationPage",
    ]

    class Meta:
        verbose_name = _("文档列表")
        verbose_name_plural = _("文档列表")

    def get_context(self, request: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from gongkai.publishing import selectors

        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.catalogue_context(request, index_page=self))
        context["feed_page"] = self
        return context


# --- The catalogue ----------------------------------------------------------------------------------


class CatalogueEntry(models.Model):
    """政府信息公开目录: one derived row per document (索引号, 名称, 内容概述, 生成日期 …).

    Written by ``services.catalogue_sync`` whenever a document page is saved (created, edited,
    published, unpublished); removed with the page. ``is_public`` is "live and 主动公开": the
    public catalogue, lists and API read only those rows.
    """

    page = models.OneToOneField(
        Page, on_delete=models.CASCADE, primary_key=True, related_name="catalogue_entry"
    )
    doc_type = models.CharField(_("文档类型"), max_length=20, choices=DocumentType.choices)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.CASCADE, related_name="+", verbose_name=_("发文机关")
    )
    category = models.ForeignKey(
        Topic, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("主题分类")
    )
    index_number = models.CharField(_("索引号"), max_length=80, blank=True)
    title = models.CharField(_("名称"), max_length=255)
    summary = models.CharField(_("内容概述"), max_length=500, blank=True)
    document_number = models.CharField(_("发文字号"), max_length=60, blank=True)
    document_number_key = models.CharField(max_length=60, blank=True, editable=False)
    formed_at = models.DateField(_("生成日期"))
    year = models.PositiveSmallIntegerField(_("年份"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    disclosure_attribute = models.CharField(_("公开属性"), max_length=20, choices=DisclosureAttribute.choices)
    is_public = models.BooleanField(_("公开"), default=False)

    class Meta:
        verbose_name = _("目录条目")
        verbose_name_plural = _("目录条目")
        indexes = [
            # Partial (public rows only) and ending in the page id, so that "newest first" pages of
            # the catalogue, a list or the home page's blocks walk the index and stop at LIMIT
            # instead of sorting every public row (SQLite cannot seek a bare boolean column).
            models.Index(
                fields=["-published_at", "-page"],
                condition=models.Q(is_public=True),
                name="publishing_cat_pub_newest",
            ),
            models.Index(
                fields=["doc_type", "-published_at", "-page"],
                condition=models.Q(is_public=True),
                name="publishing_cat_pub_type",
            ),
            models.Index(fields=["department", "year"], name="publishing_cat_department_year"),
            models.Index(fields=["index_number"], name="publishing_cat_index_number"),
            models.Index(fields=["document_number_key"], name="publishing_cat_document_number"),
        ]

    def __str__(self) -> str:
        return f"{self.index_number} {self.title}"
