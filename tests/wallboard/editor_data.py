"""POST data for the board editor, as the browser sends it: the board's fields, then the
pages and tiles formsets with their management forms. Tests change one value to make it bad."""

from __future__ import annotations

from typing import Any

TILE_DEFAULTS: dict[str, Any] = {
    "page_number": "1",
    "kind": "metric",
    "metric": "contacts_waiting",
    "scope": "center",
    "queue": "",
    "team": "",
    "period": "today",
    "label": "",
    "width": "1",
    "threshold_direction": "",
}


def editor_post(
    *,
    name: str = "Lobby",
    slug: str | None = "lobby",
    pages: list[str] | None = None,
    tiles: list[dict[str, Any]] | None = None,
    initial_pages: int = 0,
    initial_tiles: int = 0,
    **board: Any,
) -> dict[str, Any]:
    pages = ["Overview"] if pages is None else pages
    tiles = [{}] if tiles is None else tiles
    data: dict[str, Any] = {
        "name": name,
        "columns": "4",
        "rotation_s": "20",
        "theme": "dark",
        "time_zone": "",
        "service_level_definition": "abandons_within_t_ignored",
        "short_abandon_threshold_s": "5",
        "stale_after_s": "60",
        "pages-TOTAL_FORMS": str(len(pages)),
        "pages-INITIAL_FORMS": str(initial_pages),
        "pages-MIN_NUM_FORMS": "1",
        "pages-MAX_NUM_FORMS": "10",
        "tiles-TOTAL_FORMS": str(len(tiles)),
        "tiles-INITIAL_FORMS": str(initial_tiles),
        "tiles-MIN_NUM_FORMS": "0",
        "tiles-MAX_NUM_FORMS": "48",
    }
    if slug is not None:
        data["slug"] = slug
    for index, title in enumerate(pages):
        data[f"pages-{index}-title"] = title
    for index, tile in enumerate(tiles):
        for key, value in {**TILE_DEFAULTS, **tile}.items():
            data[f"tiles-{index}-{key}"] = value
    data.update(board)
    return data
