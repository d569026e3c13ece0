"""Departments (the city's org tree), staff users and the link from roles to groups."""

from __future__ import annotations

import re

from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _

from gongkai.accounts.credit_code import validate_credit_code

PATH_SEPARATOR = "/"
_CJK = re.compile(r"[\u3400-\u9fff]")


class DepartmentKind(models.TextChoices):
    # The city (or county-level) people's government itself: the root of the tree.
    GOVERNMENT = "government", _("人民政府")
    # 市政府办公厅 and offices directly under it (新闻办, 市长电话室, 互联网信息中心).
    GOVERNMENT_OFFICE = "government_office", _("政府办公机构")
    # 委、办、局: functional departments of the municipal government.
    DEPARTMENT = "department", _("政府工作部门")
    # 市辖区 (昌邑区 …).
    DISTRICT = "district", _("区")
    # 县 (永吉县).
    COUNTY = "county", _("县")
    # 县级市 (蛟河市 …), administered by the city.
    COUNTY_CITY = "county_city", _("县级市")
    # 开发区管委会 (高新区, 经开区 …).
    DEVELOPMENT_ZONE = "development_zone", _("开发区")
    # 街道办事处 / 乡镇 under a district or county.
    STREET = "street", _("街道（乡镇）")
    # Anything else (直属机构, public institutions …).
    OTHER = "other", _("其他")


class Department(models.Model):
    """A unit of the city's organisation: the government, an office, a bureau, a district, a street.

    The tree is stored twice on purpose: ``parent`` is the source of truth that forms and the API
    edit, ``path`` (``/1/7/42/``, the primary keys from the root) is derived from it in ``save()``
    so that "this department and everything under it" is one indexed ``LIKE '/1/7/%'`` query on
    SQLite and PostgreSQL. See docs/accounts.md for why not django-treebeard.
    """

    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    code = models.SlugField(
        _("代码"),
        max_length=50,
        unique=True,
        help_text=_("用于网址的英文短代码，如 gongan。"),
    )
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("18 位，索引号中斜线前的部分。"),
    )
    kind = models.CharField(
        _("类型"), max_length=20, choices=DepartmentKind.choices, default=DepartmentKind.DEPARTMENT
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("路径"), max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(_("层级"), editable=False, default=0)
    sort_order = models.IntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    address = models.CharField(_("办公地址"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="accounts_department_credit_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """Save and keep ``path``/``depth`` of this department and its subtree in step with ``parent``.

        Maintaining the derived columns here (and not in a service) keeps them right whatever
        writes the row: the Wagtail admin form, the demo loader, a shell session.
        """
        with transaction.atomic():
            if self.pk is None:
                super().save(*args, **kwargs)
                self._refresh_path()
                Department.objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)
                return
            old_path = Department.objects.filter(pk=self.pk).values_list("path", flat=True).first() or ""
            self._refresh_path()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "path", "depth"}
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                # The subtree moved: rewrite the prefix of every descendant in one statement.
                depth_change = self.depth - (old_path.count(PATH_SEPARATOR) - 2)
                Department.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                    path=Concat(models.Value(self.path), Substr("path", len(old_path) + 1)),
                    depth=models.F("depth") + depth_change,
                )

    def _refresh_path(self) -> None:
        parent_path = ""
        if self.parent_id is not None:
            parent_path = Department.objects.filter(pk=self.parent_id).values_list("path", flat=True).get()
        if f"{PATH_SEPARATOR}{self.pk}{PATH_SEPARATOR}" in parent_path:
            raise ValidationError(
                {"parent": _("上级机构不能是本机构或其下级机构。")}, code="department_cycle"
            )
        self.path = f"{parent_path or PATH_SEPARATOR}{self.pk}{PATH_SEPARATOR}"
        self.depth = self.path.count(PATH_SEPARATOR) - 2

    def clean(self) -> None:
        super().clean()
        if self.parent_id is not None and self.pk is not None:
            parent_path = (
                Department.objects.filter(pk=self.parent_id).values_list("path", flat=True).first() or ""
            )
            if self.parent_id == self.pk or f"/{self.pk}/" in parent_path:
                raise ValidationError(
                    {"parent": _("上级机构不能是本机构或其下级机构。")}, code="department_cycle"
                )

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class User(AbstractUser):
    """A staff member (citizens need no account).

    ``department`` is empty only for superusers and city-wide technical accounts. ``phone`` is
    personal data: show it masked (``phone_masked``) except to administrators.
    """

    department = models.ForeignKey(
        Department,
        verbose_name=_("所属机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    job_title = models.CharField(_("职务"), max_length=60, blank=True)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)

    # Not ``Meta(AbstractUser.Meta)``: it would only contribute the two verbose names set here.
    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")
        swappable = "AUTH_USER_MODEL"

    def get_full_name(self) -> str:
        """Chinese names read family name first, without a space (张伟, not 伟 张)."""
        if _CJK.search(self.first_name + self.last_name):
            return f"{self.last_name}{self.first_name}".strip()
        return super().get_full_name()

    @property
    def phone_masked(self) -> str:
        return phone_mask(self.phone)


def phone_mask(phone: str) -> str:
    """Hide the middle of a phone number (``139****5678``) for everyone but administrators."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


class RoleGroup(models.Model):
    """Ties a role of ``gongkai.accounts.roles`` (by its stable code) to the Django group that holds it.

    Administrators may rename or extend a group in the admin; code finds the role by ``code``.
    """

    code = models.SlugField(_("角色代码"), max_length=40, unique=True)
    group = models.OneToOneField(
        Group, verbose_name=_("用户组"), on_delete=models.CASCADE, related_name="role"
    )

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.group.name} ({self.code})"
