"""API tokens (django-rest-knox) as the project issues and ends them: a person's expire after ``API_TOKEN_HOURS``;
a service account's lasts until an admin rotates it; all of a user's end at a new password, a deactivation or
logout-all. Authentication itself is ``contactcenter.auth.CachedTokenAuthentication``."""

from django.db import transaction
from knox.models import AuthToken
from knox.settings import knox_settings

from .auth import role_names
from .roles import SERVICE_ROLES


def issue_token(user, *, lasting: bool = False) -> tuple[AuthToken, str]:
    """A new API token for ``user``: it lives ``API_TOKEN_HOURS``, or until revoked when ``lasting`` (a service
    account's, issued by an admin). Returns the stored token and the token itself, shown once."""
    return AuthToken.objects.create(user, expiry=None if lasting else knox_settings.TOKEN_TTL)


def rotate_service_token(user) -> str:
    """A service account's new long-lived token (the telephony link's): every earlier token of the account ends.
    Refused (ValueError) for an account without a service role: a person's tokens expire."""
    if not set(role_names(user)) & set(SERVICE_ROLES):
        raise ValueError(f"{user.get_username()} has no service role ({', '.join(SERVICE_ROLES)})")
    with transaction.atomic():
        revoke_tokens(user)
        return issue_token(user, lasting=True)[1]


def revoke_token(sent) -> int:
    """End the token a request sent (``request.auth``: knox's row, or ``auth.SentToken`` from the cache): 1, or 0
    when it had ended meanwhile."""
    return AuthToken.objects.filter(digest=sent.digest).delete()[0]


def revoke_tokens(user) -> int:
    """End every API token of ``user`` (logout-all, a new password, a deactivation); how many there were."""
    return AuthToken.objects.filter(user=user).delete()[0]


def revoke_tokens_on_new_credentials(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """``pre_save`` of the user model: a user saved with a new password (the account page, the admin,
    ``changepassword``) or deactivated loses every API token. A save that cannot change either (``last_login`` at
    login) reads nothing."""
    if raw or instance.pk is None or (update_fields is not None and not {"password", "is_active"} & set(update_fields)):
        return
    before = type(instance)._base_manager.filter(pk=instance.pk).values_list("password", "is_active").first()
    if before is not None and (before[0] != instance.password or (before[1] and not instance.is_active)):
        revoke_tokens(instance)
