"""Registry API (/api/registry): households, yearly records, members, history and imports.

Thin handlers over `selectors` (reads, always scoped) and `services` (writes, the one validation path).
Missing and out-of-scope answer the same 404; a role that may not write answers 403; refused input 422,
all in the one error shape of `register_error_handlers` (`{"detail": [{field, code, message{zh,en}, row,
sheet}]}`, fupin/core/api_errors.py). ID and phone numbers are masked for roles that may not see them.

One module a resource, each with its router, mounted here in this order (the order of the OpenAPI
schema). Each operation names its `operation_id` (`fupin_registry_api_<handler>`), as when the handlers
were one module, so that clients generated from the schema keep their names.
"""

from ninja import Router

from fupin.registry.api import history, households, imports, members, years

router = Router()
for resource in (households, years, members, history, imports):
    router.add_router("", resource.router)
