from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def statistics(request):  # replaced by the statistics page
    return HttpResponse("")
