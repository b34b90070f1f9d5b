"""``manage.py issue_service_token telephony``: a service account's new long-lived API token, printed once; the
account's earlier tokens end (rotation). The users' admin page has the same action."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from contactcenter.tokens import rotate_service_token


class Command(BaseCommand):
    help = "Issue a service account's long-lived API token (printed once); its earlier tokens end."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}")
        try:
            token = rotate_service_token(user)
        except ValueError as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(token)
