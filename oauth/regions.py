"""WxCC API roots per region. Identity (OAuth) is global; every WxCC API call goes to the
org's regional root. Sources: docs/wxcc-contract.md §4.4."""

from __future__ import annotations

from django.conf import settings

from oauth.models import Region

API_ROOTS: dict[str, str] = {
    Region.US1: "https://api.wxcc-us1.cisco.com",
    Region.ANZ1: "https://api.wxcc-anz1.cisco.com",
    Region.EU1: "https://api.wxcc-eu1.cisco.com",
    Region.EU2: "https://api.wxcc-eu2.cisco.com",
    Region.CA1: "https://api.wxcc-ca1.cisco.com",
    Region.JP1: "https://api.wxcc-jp1.cisco.com",
    Region.SG1: "https://api.wxcc-sg1.cisco.com",
}


def api_root(region: str) -> str:
    """The WxCC API root for `region`; settings.WXCC_API_URL, when set, overrides every
    region (the simulator in the demo and in tests)."""
    if settings.WXCC_API_URL:
        return str(settings.WXCC_API_URL).rstrip("/")
    try:
        return API_ROOTS[region]
    except KeyError:
        raise ValueError(f"unknown WxCC region {region!r}") from None
