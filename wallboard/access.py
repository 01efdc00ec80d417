"""Who may see a board: a display token (one screen, one board, read-only) or a signed-in
member of the board's org. Shared by the TV page, the supervisor page, the snapshot API and
the websocket consumer, so they answer alike: no or unknown credentials 401, a revoked token
or another board's token 403, a board outside the viewer's org 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from wallboard.models import Board, Screen
from wallboard.tokens import token_digest


class BoardAccessDenied(Exception):
    """The viewer may not see the board; `status` is the HTTP answer."""

    status = 403

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotAuthenticated(BoardAccessDenied):
    status = 401


class BoardNotFound(BoardAccessDenied):
    status = 404


@dataclass(frozen=True)
class Viewer:
    board: Board
    screen: Screen | None = None  # None: a signed-in member

    @property
    def org_id(self) -> int:
        return int(self.board.organization_id)


def board_for_token(slug: str, token: str) -> Viewer:
    if not token:
        raise NotAuthenticated("a display token is required")
    screen = (
        Screen.objects.select_related("board", "board__organization")
        .filter(token_digest=token_digest(token))
        .first()
    )
    if screen is None:
        raise NotAuthenticated("unknown display token")
    if screen.is_revoked:
        raise BoardAccessDenied("this display link was revoked")
    if screen.board.slug != slug:
        if not Board.objects.filter(
            organization_id=screen.board.organization_id, slug=slug
        ).exists():
            raise BoardNotFound("no such board")
        raise BoardAccessDenied("this display link is for another board")
    return Viewer(board=screen.board, screen=screen)


def board_for_member(slug: str, user: Any) -> Viewer:
    if user is None or not user.is_authenticated:
        raise NotAuthenticated("sign in to see boards")
    try:
        org_id = user.membership.organization_id
    except ObjectDoesNotExist:
        raise BoardAccessDenied("you are not a member of any contact center") from None
    board = (
        Board.objects.select_related("organization")
        .filter(organization_id=org_id, slug=slug)
        .first()
    )
    if board is None:
        raise BoardNotFound("no such board")
    return Viewer(board=board)


def authorize(slug: str, *, token: str | None, user: Any) -> Viewer:
    """A token, when given, decides (a screen never borrows a session); else the session."""
    if token is not None:
        return board_for_token(slug, token)
    return board_for_member(slug, user)
