from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def project_list(request):  # replaced by the project pages
    return HttpResponse("")
