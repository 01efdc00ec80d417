"""Who belongs to an org: inviting people (a new user gets a one-time set-password link),
changing roles and removing members, never leaving an org without an admin."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from oauth.models import Membership, Organization, Role

logger = logging.getLogger(__name__)


class MemberError(Exception):
    """A membership change we refuse; `field` names the form field it concerns (or None)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True, slots=True)
class Invitation:
    membership: Membership
    # Path of the one-time link a new user sets their password with; None for an existing
    # user (they sign in as before).
    set_password_path: str | None


def set_password_path(user: User) -> str:
    """A one-time link: Django's reset token covers the password hash and last login, so it
    stops working once used (and after PASSWORD_RESET_TIMEOUT)."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("member_set_password", kwargs={"uidb64": uidb64, "token": token})


def member_invite(
    *, org: Organization, email: str, username: str, role: Role, invited_by_id: int | None
) -> Invitation:
    """Add the person with this email to `org`, creating their user (named `username`, or
    the email) if there is none. A person already in an organization cannot be added (one
    org per user)."""
    user_model = get_user_model()
    email = email.strip()
    username = username.strip() or email
    try:
        with transaction.atomic():
            by_email = list(user_model.objects.select_for_update().filter(email__iexact=email)[:2])
            if len(by_email) > 1:
                raise MemberError(
                    "Several accounts share this email; add them in the admin.", "email"
                )
            if by_email:
                user = by_email[0]
                current = Membership.objects.filter(user=user).first()
                if current is not None:
                    if current.organization_id == org.pk:
                        raise MemberError("This person is already a member.", "email")
                    raise MemberError(
                        "This person already belongs to another contact center.", "email"
                    )
                membership = Membership.objects.create(user=user, organization=org, role=role)
                path = None
            else:
                if user_model.objects.filter(username__iexact=username).exists():
                    raise MemberError("This username is taken; choose another.", "username")
                user = user_model.objects.create_user(username=username, email=email)
                user.set_unusable_password()
                user.save(update_fields=["password"])
                membership = Membership.objects.create(user=user, organization=org, role=role)
                path = set_password_path(user)
    except IntegrityError:
        # Another request created this person at the same moment.
        raise MemberError("This person was just added; reload the page.", "email") from None
    logger.info(
        "event=member_invited org_id=%s user_id=%s role=%s new_user=%s by=%s",
        org.pk,
        user.pk,
        role,
        path is not None,
        invited_by_id,
    )
    return Invitation(membership, path)


def _lock_admins(org: Organization) -> list[int]:
    """The org's admin membership ids, locked until the transaction ends (so two admins
    removing each other at once cannot both succeed)."""
    return list(
        Membership.objects.select_for_update()
        .filter(organization=org, role=Role.ADMIN)
        .values_list("pk", flat=True)
    )


def member_set_role(*, org: Organization, membership: Membership, role: Role) -> Membership:
    with transaction.atomic():
        admins = _lock_admins(org)
        if role != Role.ADMIN and admins == [membership.pk]:
            raise MemberError("The organization needs at least one admin.", "role")
        if membership.role != role:
            membership.role = role
            membership.save(update_fields=["role"])
    logger.info(
        "event=member_role_set org_id=%s membership_id=%s role=%s", org.pk, membership.pk, role
    )
    return membership


def member_remove(*, org: Organization, membership: Membership) -> None:
    """Take the person out of the org (their user stays, with nothing to see)."""
    with transaction.atomic():
        admins = _lock_admins(org)
        if admins == [membership.pk]:
            raise MemberError("The last admin cannot be removed.")
        membership.delete()
    logger.info("event=member_removed org_id=%s user_id=%s", org.pk, membership.user_id)
