"""Pure parts of the identity client: org ids from people/me, PKCE, region roots."""

from __future__ import annotations

import base64
import hashlib
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oauth.identity import Pkce, TokenGrant, decode_org_id
from oauth.regions import api_root


def webex_id(cloud: str, org_uuid: uuid.UUID) -> str:
    raw = f"ciscospark://{cloud}/ORGANIZATION/{org_uuid}".encode()
    return base64.b64encode(raw).decode().rstrip("=")


@given(st.uuids(), st.sampled_from(["us", "eu", "gov"]))
def test_a_base64_webex_org_id_decodes_to_its_uuid_in_any_cloud(org_uuid, cloud) -> None:  # type: ignore[no-untyped-def]
    assert decode_org_id(webex_id(cloud, org_uuid)) == str(org_uuid)


def test_a_plain_uuid_org_id_is_taken_as_it_is() -> None:
    assert decode_org_id("97CDBF45-EBE2-4687-8341-44D5C7ABF101") == (
        "97cdbf45-ebe2-4687-8341-44d5c7abf101"
    )


@pytest.mark.parametrize(
    "value",
    ["", "hello", base64.b64encode(b"ciscospark://us/PEOPLE/abc").decode()],
)
def test_an_org_id_that_names_no_organization_is_rejected(value: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        decode_org_id(value)


def test_the_pkce_challenge_is_the_s256_of_the_verifier() -> None:
    pkce = Pkce.generate()
    expected = base64.urlsafe_b64encode(hashlib.sha256(pkce.verifier.encode()).digest())
    assert pkce.challenge == expected.rstrip(b"=").decode()
    assert 43 <= len(pkce.verifier) <= 128
    assert pkce.verifier not in repr(pkce)


def test_a_token_grant_repr_never_shows_the_tokens() -> None:
    from django.utils import timezone

    grant = TokenGrant("AT-secret", "RT-secret", timezone.now(), None)
    assert "AT-secret" not in repr(grant)
    assert "RT-secret" not in repr(grant)


@pytest.mark.parametrize(
    ("region", "root"),
    [
        ("us1", "https://api.wxcc-us1.cisco.com"),
        ("eu1", "https://api.wxcc-eu1.cisco.com"),
        ("eu2", "https://api.wxcc-eu2.cisco.com"),
        ("anz1", "https://api.wxcc-anz1.cisco.com"),
        ("ca1", "https://api.wxcc-ca1.cisco.com"),
        ("jp1", "https://api.wxcc-jp1.cisco.com"),
        ("sg1", "https://api.wxcc-sg1.cisco.com"),
    ],
)
def test_each_region_has_its_own_api_root(settings, region: str, root: str) -> None:  # type: ignore[no-untyped-def]
    settings.WXCC_API_URL = ""
    assert api_root(region) == root


def test_the_simulator_url_overrides_every_region(settings) -> None:  # type: ignore[no-untyped-def]
    settings.WXCC_API_URL = "http://127.0.0.1:8900/"
    assert api_root("eu2") == "http://127.0.0.1:8900"
