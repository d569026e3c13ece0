"""The annual report on government information disclosure (条例第四十九条、第五十条).

An ``AnnualReport`` is one agency's report on one calendar year: a department's, or (``department``
null) the city government's consolidated report. It holds what people write — the six sections'
narrative — and, once released, the report data frozen in ``snapshot`` with the DOCX and PDF made
from it. Tables 2–4 themselves are computed by ``compute.report_data`` from the applications, the
review cases and the published policy documents, plus the Table 2 figures that only people know
(licensing, penalty and enforcement decisions, fee income), kept as ``ProactiveFigure`` rows.

Change rows only through ``services``; read them through ``selectors``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    RELEASED = "released", _("已发布")


class AnnualReport(models.Model):
    """政府信息公开工作年度报告 of one agency for one year."""

    year = models.PositiveSmallIntegerField(_("报告年度"), validators=[MinValueValidator(2019)])
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("报告机关"),
        help_text=_("留空为市人民政府的年度报告（汇总全市各部门）。"),
    )
    #: ``schema.format_for_year(year).code``: "2019" for 2019–2020, "2021" from 2021 on.
    format_code = models.CharField(_("报告格式"), max_length=10)

    # --- the narrative of the six sections ------------------------------------------------------
    overview = models.TextField(_("一、总体情况"), blank=True)
    proactive_intro = models.TextField(_("二、主动公开政府信息情况（表前说明）"), blank=True)
    applications_intro = models.TextField(_("三、收到和处理政府信息公开申请情况（表前说明）"), blank=True)
    reviews_intro = models.TextField(_("四、政府信息公开行政复议、行政诉讼情况（表前说明）"), blank=True)
    problems = models.TextField(_("五、存在的主要问题及改进情况"), blank=True)
    other_matters = models.TextField(_("六、其他需要报告的事项"), blank=True)

    status = models.CharField(
        _("状态"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    released_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发布人"),
    )
    #: ``compute.report_data(...)`` as it was at release (what the portal and the files show).
    snapshot = models.JSONField(_("发布时的报告数据"), null=True, blank=True)
    docx = models.FileField(_("年度报告（DOCX）"), upload_to="disclosure/annual/", blank=True)
    pdf = models.FileField(_("年度报告（PDF）"), upload_to="disclosure/annual/", blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    #: The narrative fields in section order (一 … 六).
    SECTION_FIELDS = (
        "overview",
        "proactive_intro",
        "applications_intro",
        "reviews_intro",
        "problems",
        "other_matters",
    )

    class Meta:
        verbose_name = _("政府信息公开工作年度报告")
        verbose_name_plural = _("政府信息公开工作年度报告")
        ordering = ["-year", "department__path", "pk"]
        permissions = [("release_annualreport", _("发布政府信息公开工作年度报告"))]
        constraints = [
            # NULL never equals NULL in a unique index: the consolidated report gets its own.
            models.UniqueConstraint(
                fields=["year", "department"],
                condition=models.Q(department__isnull=False),
                name="disclosure_annual_report_one_per_department_year",
            ),
            models.UniqueConstraint(
                fields=["year"],
                condition=models.Q(department__isnull=True),
                name="disclosure_annual_report_one_consolidated_per_year",
            ),
            models.CheckConstraint(
                condition=models.Q(year__gte=2019), name="disclosure_annual_report_year_from_2019"
            ),
        ]

    def __str__(self) -> str:
        agency = self.department.name if self.department is not None else _("市人民政府")
        return f"{agency} {self.year}"

    @property
    def is_released(self) -> bool:
        return self.status == ReportStatus.RELEASED

    @property
    def is_consolidated(self) -> bool:
        return self.department_id is None


class FigureSource(models.TextChoices):
    ENTERED = "entered", _("人工填报")
    IMPORTED = "imported", _("导入")
    COMPUTED = "computed", _("系统统计")


class ProactiveFigure(models.Model):
    """One Table 2 cell of one agency's year, entered or imported (codes of ``schema``).

    Table 2's 规章 and 行政规范性文件 counts are computed from the published policy documents; a
    figure entered here for such a cell wins over the computed count (the report says which).
    ``department`` null holds the city government's consolidated figure; without one, the
    consolidated report adds up the departments' figures.
    """

    year = models.PositiveSmallIntegerField(_("报告年度"), validators=[MinValueValidator(2019)])
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("报告机关"),
    )
    block = models.CharField(_("表格块"), max_length=20)
    row = models.CharField(_("行"), max_length=40)
    column = models.CharField(_("列"), max_length=40)
    value = models.DecimalField(_("数值"), max_digits=16, decimal_places=4)
    source = models.CharField(
        _("来源"), max_length=20, choices=FigureSource.choices, default=FigureSource.ENTERED
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("主动公开情况数据")
        verbose_name_plural = _("主动公开情况数据")
        ordering = ["year", "department_id", "block", "row", "column"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "department", "block", "row", "column"],
                condition=models.Q(department__isnull=False),
                name="disclosure_annual_figure_one_per_cell",
            ),
            models.UniqueConstraint(
                fields=["year", "block", "row", "column"],
                condition=models.Q(department__isnull=True),
                name="disclosure_annual_figure_one_consolidated_per_cell",
            ),
        ]
        indexes = [models.Index(fields=["year", "department"], name="disclosure_annual_fig_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.department_id or '-'} {self.block}/{self.row}/{self.column}={self.value}"
