from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, resolve, reverse

from contactcenter.auth import role_names

from .mobile import FULL_SITE, wants_crew_page

# Where each role starts its day, by URL name; the first role of the user in this order wins.
ROLE_HOMES = (
    ("agent", "tickets:console"),
    ("shift_lead", "shifts:mine"),
    ("supervisor", "kpi:ledger"),
    ("manager", "kpi:dashboard"),
    ("department_handler", "tickets:queue"),
)


@login_required
def home(request):
    """``/`` is each role's own start page (rendered here, no redirect, so ``/`` stays the address of "my
    home"); users without a role see the list of pages. The page's own view answers, with its own permission
    checks; URL names keep this app from importing ``shifts`` or ``kpi``. A department handler on a phone goes to
    the crew's page ``/m/`` (``?full=1``: the full site)."""
    if request.GET.get("full") == "1":  # the crew page's link to the full site: remembered for this session
        request.session[FULL_SITE] = True
        return redirect("tickets:home")
    if wants_crew_page(request):
        return redirect("tickets:mobile")
    roles = set(role_names(request.user))
    for role, name in ROLE_HOMES:
        if role not in roles:
            continue
        try:
            match = resolve(reverse(name))
        except NoReverseMatch:  # a page not built yet: the plain home page
            break
        return match.func(request, *match.args, **match.kwargs)
    return render(request, "tickets/home.html")
