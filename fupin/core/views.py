"""Pages that belong to no domain app: the home page only sends people where they work."""

from django.shortcuts import redirect


def home(request):
    """Signed in: the household list. Otherwise: the sign-in page."""
    if request.user.is_authenticated:
        return redirect("registry:household_list")
    return redirect("accounts:login")
