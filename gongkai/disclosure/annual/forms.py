"""Forms of the staff pages of the annual reports (``admin_views``).

The forms only parse what the page sends; the rules (years, departments, permissions, figures)
are the services' (``services.report_create``, ``figures_save`` …), whose ``ValidationError``
messages the views put back on the form.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai.accounts.models import Department
from gongkai.disclosure.annual import schema, selectors
from gongkai.disclosure.annual.models import AnnualReport

CITY = "city"
"""The department choice of the city government's consolidated report."""
MAX_CSV_BYTES = 1024 * 1024


def agency_choices(user: Any) -> list[tuple[str, str]]:
    """The agencies ``user`` may create a report for: the city government's (city-wide staff) and
    the departments in their scope."""
    choices: list[tuple[str, str]] = []
    if selectors.may(user, "add", None):
        choices.append((CITY, _("市人民政府（汇总全市）")))
    departments = Department.objects.filter(is_active=True).order_by("path")
    for department in departments:
        if selectors.may(user, "add", department):
            choices.append((department.code, department.name))
    return choices


class ReportCreateForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("报告年度"), min_value=2019, max_value=9999)
    agency = forms.ChoiceField(label=gettext_lazy("报告机关"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = agency_choices(user)
        agency = self.fields["agency"]
        assert isinstance(agency, forms.ChoiceField)
        agency.choices = choices
        if len(choices) == 1:
            agency.initial = choices[0][0]
            agency.help_text = _("部门公开专员只能编制本部门的年度报告。")
        elif choices and choices[0][0] == CITY:
            agency.initial = CITY
        year = self.fields["year"]
        year.initial = selectors.today().year - 1
        year.widget.attrs.update({"min": 2019, "max": selectors.today().year})

    def department(self) -> Department | None:
        code = self.cleaned_data["agency"]
        if code == CITY:
            return None
        return Department.objects.get(code=code)


class SectionsForm(forms.Form):
    """The six narrative sections of a report, labelled with the format's official titles."""

    def __init__(self, *args: Any, report: AnnualReport, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fmt = schema.format_for_year(report.year)
        hints = {
            "overview": _("主动公开、依申请公开、政府信息管理、平台建设、监督保障等总体情况。"),
            "proactive_intro": _("表二之前的说明（可留空）。"),
            "applications_intro": _("表三之前的说明（可留空）。"),
            "reviews_intro": _("表四之前的说明（可留空）。"),
            "problems": _("存在的主要问题及改进情况。"),
            "other_matters": _("收取信息处理费的情况、人大建议和政协提案办理结果公开等其他事项。"),
        }
        for name, title in zip(AnnualReport.SECTION_FIELDS, fmt.section_titles, strict=True):
            self.fields[name] = forms.CharField(
                label=title,
                required=False,
                help_text=hints[name],
                initial=getattr(report, name),
                widget=forms.Textarea(attrs={"rows": 8 if name in ("overview", "problems") else 4}),
            )

    def sections(self) -> dict[str, str | None]:
        return {name: self.cleaned_data.get(name) or "" for name in AnnualReport.SECTION_FIELDS}


@dataclass(frozen=True)
class FigureCell:
    """One input of the Table 2 form: a cell of the year's format."""

    block: schema.Block
    row: schema.Row
    column: schema.Column

    @property
    def name(self) -> str:
        return f"fig__{self.block.code}__{self.row.code}__{self.column.code}"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.block.code, self.row.code, self.column.code)


def figure_cells(year: int) -> Iterator[FigureCell]:
    """The cells of Table 2 in the year's format, block by block, row by row."""
    for block in schema.format_for_year(year).table("table2").blocks:
        for row in block.rows:
            for column in block.columns():
                yield FigureCell(block, row, column)


class FiguresForm(forms.Form):
    """Table 2's figures, one field per cell of the year's format (an empty field: no figure,
    the computed count or the departments' sum is used)."""

    def __init__(self, *args: Any, year: int, entered: dict[tuple[str, str, str], Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.cells = list(figure_cells(year))
        for cell in self.cells:
            value = entered.get(cell.key)
            self.fields[cell.name] = forms.CharField(
                label=f"{cell.block.title} {cell.row.label} {cell.column.label}",
                required=False,
                max_length=30,
                initial="" if value is None else _plain(value),
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 10}),
            )

    def figures(self) -> list[dict[str, Any]]:
        """What ``services.figures_save`` takes: every cell, empty ones to remove a figure."""
        return [
            {
                "block": cell.block.code,
                "row": cell.row.code,
                "column": cell.column.code,
                "value": (self.cleaned_data.get(cell.name) or "").strip(),
            }
            for cell in self.cells
        ]

    def add_service_errors(self, error: ValidationError) -> None:
        """Put ``figures_save``'s errors (keyed by the 1-based position) on their fields."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, messages in error.message_dict.items():
            index = int(key) - 1 if key.isdigit() else -1
            if 0 <= index < len(self.cells):
                self.add_error(self.cells[index].name, messages)
            else:
                self.add_error(None, messages)


def _plain(value: Any) -> str:
    text = format(value, "f") if not isinstance(value, str) else value
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


class FiguresImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV 文件"),
        help_text=gettext_lazy(
            "表头：机关代码、项目、信息内容、列、数值；UTF-8 或 GB18030（Excel 另存为 CSV）编码，不超过 1 MB。"
        ),
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise ValidationError(_("文件过大（不超过 1 MB）。"))
        raw = upload.read()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return str(raw.decode(encoding))
            except UnicodeDecodeError:
                continue
        raise ValidationError(_("无法识别文件编码，请另存为 UTF-8 编码的 CSV 文件。"))


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("撤回原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("撤回后门户网站不再公布该报告，修改后须重新发布。"),
    )
