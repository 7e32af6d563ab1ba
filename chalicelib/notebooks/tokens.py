"""Each notebook's Jupyter token: an HMAC of its uuid under the platform's signing secret, so
it is stored nowhere (not in Corral's tables, not in the customer's account): the start
script gives it to Jupyter, and the open route, once it knows who is signed in, hands it to
that person's browser. A new signing secret changes every token: the notebooks then need a
restart of Jupyter (remove and create them again)."""
from __future__ import annotations

import hashlib
import hmac

from ..store.secrets import signing_secret


def token(notebook_uuid: str) -> str:
    return hmac.new(signing_secret().encode(), f"corral-notebook:{notebook_uuid}".encode(),
                    hashlib.sha256).hexdigest()[:48]
