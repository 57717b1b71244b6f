"""Which client an address stands for, when counting what one client does (logins, forms)."""

from __future__ import annotations

import ipaddress

IPV6_GROUP = 64  # one IPv6 customer line gets a whole /64; single addresses would let it rotate freely


def client_address_group(remote: str | None) -> str:
    """The address as one client: IPv4 as is (also when mapped into IPv6), IPv6 by its /64."""
    try:
        address = ipaddress.ip_address(remote or "")
    except ValueError:
        return "unknown"  # no usable address: all such requests share one allowance
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_GROUP), strict=False))
    return str(address)
