"""The members page: admins invite (a new user gets a one-time set-password link, an existing
user without an org is added), change roles and remove members; supervisors get 403; another
org's members are 404; the last admin stays; bad input is a 400 with field errors."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from oauth.models import Membership, Organization, Role
from tests.fixtures.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_admin_sees_the_orgs_members_and_no_one_elses(
    admin_client: Client, admin_membership: Membership, supervisor_membership: Membership
) -> None:
    stranger = MembershipFactory.create(user__username="evelyn-elsewhere")

    page = admin_client.get("/members/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "alice" in html
    assert "sam" in html
    assert "evelyn-elsewhere" not in html
    assert stranger.organization_id != admin_membership.organization_id


def test_a_supervisor_cannot_reach_the_members_page_or_its_actions(
    supervisor_client: Client, admin_membership: Membership
) -> None:
    assert supervisor_client.get("/members/").status_code == 403
    invite = supervisor_client.post("/members/invite/", {"email": "x@example.com", "role": "admin"})
    remove = supervisor_client.post(f"/members/{admin_membership.pk}/remove/")
    assert (invite.status_code, remove.status_code) == (403, 403)
    assert Membership.objects.filter(pk=admin_membership.pk).exists()


def test_inviting_a_new_person_creates_them_with_a_one_time_set_password_link(
    admin_client: Client, org: Organization
) -> None:
    answer = admin_client.post(
        "/members/invite/", {"email": "nina@example.com", "username": "", "role": "supervisor"}
    )

    assert answer.status_code == 200
    user = get_user_model().objects.get(email="nina@example.com")
    assert user.username == "nina@example.com"
    assert not user.has_usable_password()
    assert user.membership.organization == org
    assert user.membership.role == Role.SUPERVISOR
    link = re.search(r'id="set-password-link">(http[^<]+)<', answer.content.decode())
    assert link is not None

    anonymous = Client()
    form_page = anonymous.get(link.group(1), follow=True)
    assert b"Set your password" in form_page.content
    assert b"already been used" not in form_page.content
    done = anonymous.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1),
        {"new_password1": "a-long-Passphrase-42", "new_password2": "a-long-Passphrase-42"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-long-Passphrase-42")
    # Once used, the link is spent.
    again = Client().get(link.group(1), follow=True)
    assert b"already been used or has expired" in again.content


def test_inviting_an_existing_user_without_an_org_adds_them_as_they_are(
    admin_client: Client, org: Organization
) -> None:
    user = UserFactory.create(username="omar", email="omar@example.com")

    answer = admin_client.post("/members/invite/", {"email": "OMAR@example.com", "role": "admin"})

    assert answer.status_code == 200
    assert b"set-password-link" not in answer.content
    membership = Membership.objects.get(user=user)
    assert (membership.organization, membership.role) == (org, Role.ADMIN)
    user.refresh_from_db()
    assert user.check_password("password")


def test_someone_in_another_org_cannot_be_invited(admin_client: Client) -> None:
    elsewhere = MembershipFactory.create(user__username="zed", user__email="zed@example.com")

    answer = admin_client.post("/members/invite/", {"email": "zed@example.com", "role": "admin"})

    assert answer.status_code == 400
    assert b"already belongs to another contact center" in answer.content
    elsewhere.refresh_from_db()
    assert elsewhere.role == Role.SUPERVISOR


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"email": "not-an-email", "role": "admin"}, b"Enter a valid email address."),
        ({"email": "", "role": "admin"}, b"This field is required."),
        ({"email": "a@example.com", "role": "owner"}, b"Select a valid choice."),
        ({"email": "a@example.com", "username": "a b", "role": "admin"}, b"Letters, digits"),
    ],
)
def test_a_bad_invitation_is_a_400_with_the_fields_error(
    admin_client: Client, form: dict[str, str], error: bytes
) -> None:
    answer = admin_client.post("/members/invite/", form)
    assert answer.status_code == 400
    assert error in answer.content
    assert not get_user_model().objects.filter(email="a@example.com").exists()


def test_an_admin_changes_a_role_and_removes_a_member(
    admin_client: Client, supervisor_membership: Membership
) -> None:
    promoted = admin_client.post(f"/members/{supervisor_membership.pk}/role/", {"role": "admin"})
    supervisor_membership.refresh_from_db()
    assert promoted.status_code == 302
    assert supervisor_membership.role == Role.ADMIN

    removed = admin_client.post(f"/members/{supervisor_membership.pk}/remove/")
    assert removed.status_code == 302
    assert not Membership.objects.filter(pk=supervisor_membership.pk).exists()
    assert get_user_model().objects.filter(username="sam").exists()


def test_the_last_admin_can_be_neither_removed_nor_demoted(
    admin_client: Client, admin_membership: Membership
) -> None:
    removed = admin_client.post(f"/members/{admin_membership.pk}/remove/")
    demoted = admin_client.post(f"/members/{admin_membership.pk}/role/", {"role": "supervisor"})

    assert removed.status_code == 400
    assert b"The last admin cannot be removed." in removed.content
    assert demoted.status_code == 400
    assert b"at least one admin" in demoted.content
    admin_membership.refresh_from_db()
    assert admin_membership.role == Role.ADMIN


def test_with_a_second_admin_the_first_may_step_down(
    admin_client: Client, admin_membership: Membership, org: Organization
) -> None:
    MembershipFactory.create(organization=org, admin=True, user__username="bob")

    demoted = admin_client.post(f"/members/{admin_membership.pk}/role/", {"role": "supervisor"})

    assert demoted.status_code == 302
    admin_membership.refresh_from_db()
    assert admin_membership.role == Role.SUPERVISOR


def test_another_orgs_member_is_a_404_for_every_action(admin_client: Client) -> None:
    other_org = OrganizationFactory.create()
    stranger = MembershipFactory.create(organization=other_org, user__username="eve")

    role = admin_client.post(f"/members/{stranger.pk}/role/", {"role": "admin"})
    remove = admin_client.post(f"/members/{stranger.pk}/remove/")

    assert (role.status_code, remove.status_code) == (404, 404)
    stranger.refresh_from_db()
    assert stranger.role == Role.SUPERVISOR


def test_a_bad_role_is_a_400_not_a_500(
    admin_client: Client, supervisor_membership: Membership
) -> None:
    answer = admin_client.post(f"/members/{supervisor_membership.pk}/role/", {"role": "god"})
    assert answer.status_code == 400
    assert b"Choose admin or supervisor." in answer.content


def test_a_username_taken_by_someone_else_is_a_field_error_not_their_account(
    admin_client: Client,
) -> None:
    UserFactory.create(username="sam2", email="sam2@example.com")

    answer = admin_client.post(
        "/members/invite/", {"email": "new@example.com", "username": "sam2", "role": "admin"}
    )

    assert answer.status_code == 400
    assert b"This username is taken" in answer.content
    assert not Membership.objects.filter(user__username="sam2").exists()
    assert not get_user_model().objects.filter(email="new@example.com").exists()
