"""Organisation: the unit tree, departments and users with roles (seed 000, ch. 2)."""

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history import register

from contactcenter.history import AuditedRecords


class UnitKind(models.TextChoices):
    GROUP = "group", _("Group company")
    CITY = "city", _("City company")
    COUNTY = "county", _("County company")
    SERVICE_CENTER = "service_center", _("Service center")


class Unit(models.Model):
    """An org unit 单位: group company → city company → county company / service center."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def ancestry(self) -> list["Unit"]:
        """This unit and its ancestors, nearest first (the tree is at most four levels deep)."""
        chain, unit = [], self
        while unit is not None:
            chain.append(unit)
            unit = unit.parent
        return chain


class DepartmentKind(models.TextChoices):
    REPAIR_CREW = "repair_crew", _("Repair crew")  # 抢修班
    MARKETING = "marketing", _("Marketing")  # 营销部
    SUPERVISION = "supervision", _("Supervision office")  # 监察室
    OPERATIONS = "operations", _("Operations")  # 运检部
    OTHER = "other", _("Other")


class Department(models.Model):
    """A department 部门 that receives dispatched work orders."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=DepartmentKind.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="departments")

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """Roles are Django groups of these names; their permissions are set by migration."""

    AGENT = "agent", _("Agent")  # 客户代表
    SHIFT_LEAD = "shift_lead", _("Shift lead")  # 值班长
    DEPARTMENT_HANDLER = "department_handler", _("Department handler")  # 部门处理人
    SUPERVISOR = "supervisor", _("Supervisor")  # 客服中心主任
    MANAGER = "manager", _("Manager")  # 公司管理层
    TELEPHONY = "telephony", _("Telephony system")  # 呼叫中心交换机 / CTI: a service account, API token only


def full_name(first_name: str, last_name: str) -> str:
    """A person's name: family name first, as Chinese names are written (王芳, not 芳 王). Also for the lists that
    read the two columns without the user (the queue's rows)."""
    return f"{last_name}{first_name}".strip()


class User(AbstractUser):
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="members",
    )
    seat = models.CharField(_("seat"), max_length=20, blank=True, help_text=_("Agent seat / extension"))

    # Audit trail: who changed a user's roles (groups), direct permissions, flags or unit, and when. The password
    # hash and the last login are never copied into the history (supervisors read it), and a login records nothing.
    history = AuditedRecords(excluded_fields=["password", "last_login"], m2m_fields=["groups", "user_permissions"])

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"

    def get_full_name(self) -> str:
        return full_name(self.first_name, self.last_name)

    def get_session_auth_hash(self) -> str:
        """The hash a session is checked against: the one a user from the cache carries (contactcenter.auth) while
        the password is not loaded, else Django's, from the password (so a password just set counts at once)."""
        carried = getattr(self, "carried_session_hash", None)
        if carried and "password" in self.get_deferred_fields():
            return carried
        return super().get_session_auth_hash()

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username


# The roles' definitions are Django groups and their permission sets (synced by contactcenter.roles after every
# migrate, editable in the admin): record every change of them too. The history tables live in this app.
register(Group, app="tickets", records_class=AuditedRecords, m2m_fields=["permissions"])
