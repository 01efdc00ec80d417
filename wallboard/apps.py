"""Django app registration for `wallboard`: connects the live push to ingestion's signal."""

from __future__ import annotations

from django.apps import AppConfig


class WallboardConfig(AppConfig):
    name = "wallboard"
    verbose_name = "Wallboards"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from oauth.models import Organization
        from wallboard.live import on_live_state_changed
        from wallboard.models import Board, BoardPage, Tile
        from wallboard.spec_cache import boards_changed, organization_saved
        from wxcc.signals import live_state_changed

        live_state_changed.connect(
            on_live_state_changed, dispatch_uid="wallboard.live.on_live_state_changed"
        )
        # What board specs are read from (wallboard.spec_cache).
        for model in (Board, BoardPage, Tile):
            for signal in (post_save, post_delete):
                signal.connect(boards_changed, sender=model, dispatch_uid=f"specs.{model}")
        for through in (Board.queues.through, Board.teams.through):
            m2m_changed.connect(boards_changed, sender=through, dispatch_uid=f"specs.{through}")
        post_save.connect(organization_saved, sender=Organization, dispatch_uid="specs.org")
