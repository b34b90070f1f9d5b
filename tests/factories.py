"""factory_boy factories and the named people of the demo center, built once per test."""

import factory
from django.contrib.auth.models import Group

from tickets.models import AreaType, Customer, Department, DepartmentKind, Unit, UnitKind, User

PASSWORD = "pw-for-tests-1"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Unit {n}")
    code = factory.Sequence(lambda n: f"unit-{n}")
    kind = UnitKind.SERVICE_CENTER


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Department {n}")
    code = factory.Sequence(lambda n: f"dept-{n}")
    kind = DepartmentKind.OTHER
    unit = factory.SubFactory(UnitFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        self.save()


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"客户{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    account_number = factory.Sequence(lambda n: f"ACC{n:06d}")
    address = "示范市中山路1号"
    area_type = AreaType.URBAN


def logged_call(*, ring_started_at, answered_at=None, ended_at=None, agent=None, logged_by, **extra):
    """A call as the telephony system logs it: through the service, at the moment the call ended (whatever the test's
    clock says now), so a test can build last month's calls. ``logged_by`` is the telephony service account."""
    import datetime as dt

    import time_machine

    from tickets.services import call_log

    moment = max(t for t in (ring_started_at, answered_at, ended_at) if t is not None) + dt.timedelta(seconds=1)
    with time_machine.travel(moment, tick=False):
        return call_log(ring_started_at=ring_started_at, answered_at=answered_at, ended_at=ended_at, agent=agent,
                        logged_by=logged_by, **extra)
