"""The WSGI application (`fupin serve`, `fupin demo`, or any WSGI server).

Loading it is the server's start: imports and runs that a killed server left "running" are marked failed
(and the imports' scratch folders removed) here (registry/claims.py, reports/run_claims.py), once per
process. Not in an AppConfig.ready(): that runs for every command too (migrate before the tables exist,
the test runner before its database, `fupin import` beside a live server).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
application = get_wsgi_application()

from fupin.registry.claims import recover_at_start  # noqa: E402  (needs the apps loaded)
from fupin.reports import run_claims  # noqa: E402

recover_at_start()
run_claims.recover_at_start()
