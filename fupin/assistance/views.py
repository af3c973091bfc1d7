from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def home(request):  # replaced by the assistance pages
    return HttpResponse("")
