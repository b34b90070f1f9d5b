"""``POST /api/v1/auth/token/``: a username and password for a token to send as ``Authorization: Token <token>``,
which expires (``API_TOKEN_HOURS``); ``POST /api/v1/auth/logout/`` ends the token sent, ``/logout-all/`` every token
of its user (django-rest-knox stores each as a digest; a new password or a deactivation ends them too)."""

from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from contactcenter.auth import CachedTokenAuthentication
from contactcenter.drf import ErrorSerializer
from contactcenter.errors import InvalidInput
from contactcenter.middleware import lockout_response
from contactcenter.tokens import issue_token, revoke_token, revoke_tokens

from ..serializers import LogoutResponseSerializer, TokenRequestSerializer, TokenResponseSerializer


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
        stored, token = issue_token(user)
        return Response(TokenResponseSerializer({"token": token, "expiry": stored.expiry}).data)


class LogoutView(APIView):
    """End the token this request sends: it answers 401 from then on. A session is not a token (logout is a page)."""

    authentication_classes = [CachedTokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: LogoutResponseSerializer})
    def post(self, request):
        return Response({"revoked": revoke_token(request.auth)})


class LogoutAllView(APIView):
    """End every token of the user who sends this one (a lost phone, a left laptop): all answer 401 from then on."""

    authentication_classes = [CachedTokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: LogoutResponseSerializer})
    def post(self, request):
        return Response({"revoked": revoke_tokens(request.user)})
