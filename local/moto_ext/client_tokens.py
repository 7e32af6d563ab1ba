"""EC2 CreateFleet idempotency by ClientToken, as AWS keeps it.

moto launches a new fleet for every call. On AWS, repeating CreateFleet with the same
ClientToken (in the same account and region) returns the first call's result and launches
nothing more, while the token is remembered; the same token with other parameters is
``IdempotentParameterMismatch``. Corral relies on this after a crash between CreateFleet and
recording its result: the retry must not launch a second fleet even when DescribeInstances
does not see the first one's instances yet (EC2 is eventually consistent).
"""

from __future__ import annotations

import copy
import json
import threading
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.responses import EC2Response

from ._patching import wrap_method

_lock = threading.Lock()
_MEMORY = "_corral_client_tokens"   # kept on the account's regional EC2 backend: reset with it


def _create_fleet(original: Any) -> Any:
    def create_fleet(self: Any) -> ActionResult:
        token = self._get_param("ClientToken")
        if not token:
            return original(self)
        params = json.dumps({k: v for k, v in self.params.items() if k != "ClientToken"},
                            sort_keys=True, default=str)
        with _lock:
            seen_tokens = self.ec2_backend.__dict__.setdefault(_MEMORY, {})
            seen = seen_tokens.get(token)
            if seen is None:
                result = original(self)
                seen_tokens[token] = (params, copy.deepcopy(result))
                return result
        if seen[0] != params:
            raise EC2ClientError("IdempotentParameterMismatch",
                                 "The client token was used with other parameters.")
        return copy.deepcopy(seen[1])

    return create_fleet


def install() -> None:
    wrap_method(EC2Response, "create_fleet", _create_fleet)
