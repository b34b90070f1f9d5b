"""``POST /api/v1/auth/token/``: a username and password for the token to send as ``Authorization: Token <token>``."""

from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from contactcenter.drf import ErrorSerializer
from contactcenter.errors import InvalidInput
from contactcenter.middleware import lockout_response

from ..serializers import TokenRequestSerializer, TokenResponseSerializer


class TokenView(APIView):
    """POST username and password, get the token to send as ``Authorization: Token <token>``. Login throttling
    (django-axes) counts failures per username and address; a locked-out pair gets 429 with Retry-After."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=TokenRequestSerializer, responses={
        200: TokenResponseSerializer,
        400: OpenApiResponse(ErrorSerializer, description="A field missing or too long (its name in field), or "
                             "a wrong username or password, or an inactive account (code invalid_credentials)"),
        429: OpenApiResponse(ErrorSerializer, description="Locked out after too many wrong passwords "
                             "for this username from this address (code locked_out; see Retry-After)"),
    }, auth=[])
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, **data.validated_data)
        if getattr(request, "axes_locked_out", False):  # django-axes marks the request it refused
            return lockout_response(request)
        if user is None or not user.is_active:
            # 400 as DRF's own token view and OAuth 2's token endpoint answer: these credentials do not match
            # (a 403 would say the caller is known and refused). The same answer for an unknown name.
            raise InvalidInput(_("Wrong username or password."), code="invalid_credentials")
        # A login like the page's: clears the failed-login count (django-axes) and sets last_login.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
