"""DeleteNatGateway as AWS does it: the gateway's network interface goes with it, and its
Elastic IP is disassociated (free to release).

moto 5.2.5 only marks the gateway ``deleted``: its interface stays in the subnet and its
Elastic IP stays associated, so a cleanup that waits, as it must on AWS, for the address to be
free before releasing it would wait forever (and AWS refuses to release an associated one).
"""

from __future__ import annotations

from typing import Any

from moto.ec2.models.nat_gateways import NatGatewayBackend

from ._patching import wrap_method


def _releasing(original: Any) -> Any:
    def delete_nat_gateway(self: Any, nat_gateway_id: str) -> Any:
        gateway = original(self, nat_gateway_id)
        eni = getattr(gateway, "_eni", None)
        if eni is not None and eni.id in self.enis:
            for address in list(self.addresses):
                if address.eni is eni:
                    self.disassociate_address(association_id=address.association_id)
            self.enis.pop(eni.id, None)
        for entry in gateway.address_set:
            entry.pop("associationId", None)
        return gateway

    return delete_nat_gateway


def install() -> None:
    wrap_method(NatGatewayBackend, "delete_nat_gateway", _releasing)
