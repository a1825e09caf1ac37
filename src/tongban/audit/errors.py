from __future__ import annotations

from tongban.errors import ServiceUnavailableError


class AuditUnavailableError(ServiceUnavailableError):
    """The access record of unmasked personal data could not be written, so the response that
    would have shown it is withheld (fail closed): retry shortly."""
