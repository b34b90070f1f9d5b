"""API tokens move from DRF's authtoken (one per user, never expiring, stored in plain text) to django-rest-knox
(several per user, each expiring, stored as a SHA-512 digest). The tokens already handed out keep working: each is
stored as knox stores it — a service account's (``contactcenter.roles.SERVICE_ROLES``) without an expiry, anyone
else's for ``API_TOKEN_HOURS`` from now — and the plain-text table is dropped."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

SERVICE_ROLES = ("telephony",)  # contactcenter.roles.SERVICE_ROLES when this was written


def move_tokens(apps, schema_editor):
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS, knox_settings

    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    AuthToken = apps.get_model("knox", "AuthToken")
    services = set(User.objects.filter(groups__name__in=SERVICE_ROLES).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id FROM authtoken_token")
        rows = cursor.fetchall()
    expiry = timezone.now() + knox_settings.TOKEN_TTL
    AuthToken.objects.bulk_create([
        AuthToken(digest=hash_token(key), token_key=key[:CONSTANTS.TOKEN_KEY_LENGTH], user_id=user_id,
                  expiry=None if user_id in services else expiry)
        for key, user_id in rows
    ], ignore_conflicts=True)
    schema_editor.execute("DROP TABLE authtoken_token")


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0024_open_order_indexes"),
        ("knox", "0009_extend_authtoken_field"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(move_tokens, migrations.RunPython.noop)]
