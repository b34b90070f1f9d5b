"""Form plumbing shared by the apps' pages (no domain code)."""

import datetime as dt

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from .errors import DomainError, NotPermitted
from .roles import is_service_account

CHANGED_MEANWHILE = _("Someone else changed this meanwhile; reload the page and try again.")
DATETIME_INPUTS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class LocalDateTimeField(forms.DateTimeField):
    """A time typed on a page, read in the current time zone (Asia/Shanghai), between 2000 and 2099: a typo
    such as year 0001 or 9999 is refused on the field (stored in UTC it would overflow: a 500)."""

    default_error_messages = {"range": _("Choose a date between 2000 and 2099.")}

    def to_python(self, value):
        result = super().to_python(value)
        if result is not None and not dt.date(2000, 1, 1) <= result.date() <= dt.date(2099, 12, 31):
            raise forms.ValidationError(self.error_messages["range"], code="range")
        return result


def local_datetime_field(label, *, required: bool = True, help_text=None) -> forms.DateTimeField:
    """A ``datetime-local`` input, read in the current time zone (Asia/Shanghai)."""
    return LocalDateTimeField(
        label=label, required=required, input_formats=DATETIME_INPUTS, help_text=help_text,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class ServiceForm(forms.Form):
    """A form whose clean data goes to a service: the service's refusal becomes the form's error.

    This is the pages' one mapping of domain errors (the API's is ``contactcenter.errors.exception_handler``):
    NotPermitted → 403; any other refusal → an error on the form, answered with the error's status code.
    A service's message is already in the request's language (the API answers with the same words);
    ``service_messages`` lets a page word a refusal its own way, by the error's code.
    """

    status_code = 200
    service_messages: dict = {}

    def submit(self, service, **kwargs):
        try:
            return service(**kwargs)
        except NotPermitted as error:
            raise PermissionDenied(error.detail) from error
        except DomainError as error:
            field = error.extra.get("field")
            # The service's message is in the request's language already; a page may word a code its own way.
            message = self.service_messages.get(error.code) or error.detail
            self.add_error(field if field in self.fields else None, message)
            self.status_code = error.status_code
        except (ConcurrentTransition, TransitionNotAllowed):
            self.add_error(None, self.service_messages.get("concurrent_change") or CHANGED_MEANWHILE)
            self.status_code = 409
        return None


class LoginForm(AuthenticationForm):
    """Django's login form; a service account (the telephony system) is refused: it uses the API with its token."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "service_account": _("This is a service account of another system: it uses the API with its token and "
                             "cannot sign in to the pages."),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if is_service_account(user):
            raise forms.ValidationError(self.error_messages["service_account"], code="service_account")


class NotificationPreferenceForm(forms.Form):
    """A person's notification choices (``contactcenter.notifications``): the kinds they are told of, the browser's
    notification and sound, the "due soon" time."""

    kinds = forms.MultipleChoiceField(label=_("Tell me of"), required=False, widget=forms.CheckboxSelectMultiple)
    browser = forms.BooleanField(label=_("Show a browser notification"), required=False)
    sound = forms.BooleanField(label=_("Play a sound"), required=False)
    due_minutes = forms.IntegerField(label=_("Due soon: minutes before the deadline"), min_value=1,
                                     max_value=24 * 60)

    def __init__(self, *args, **kwargs):
        from .models import NoticeKind

        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = NoticeKind.choices
