"""The board editor's validation, with hand-written bad inputs: every one ends as an error
beside its field, never an exception."""

from __future__ import annotations

from typing import Any

import pytest

from oauth.models import Organization
from tests.fixtures.factories import OrganizationFactory
from tests.fixtures.wallboard_factories import BoardFactory
from tests.fixtures.wxcc_factories import QueueFactory, TeamFactory
from tests.wallboard.editor_data import editor_post
from wallboard.editor_forms import BoardEditor

pytestmark = pytest.mark.django_db


def bound(org: Organization, **kwargs: Any) -> BoardEditor:
    return BoardEditor.bind(org, data=editor_post(**kwargs))


def tile_errors(editor: BoardEditor, index: int = 0) -> dict[str, list[str]]:
    return {k: [str(m) for m in v] for k, v in editor.tiles.forms[index].errors.items()}


def test_a_plain_board_with_one_tile_is_valid(org: Organization) -> None:
    editor = bound(org)
    assert editor.is_valid(), (editor.board.errors, editor.tiles.errors)
    assert [d.metric for d in editor.tile_drafts()] == ["contacts_waiting"]
    assert [p.title for p in editor.page_drafts()] == ["Overview"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_zone", "Mars/Olympus_Mons"),
        ("time_zone", "../../etc/passwd"),
        ("columns", "99"),
        ("columns", "0"),
        ("rotation_s", "3"),
        ("rotation_s", "99999999999999999999"),
        ("rotation_s", "-5"),
        ("stale_after_s", "2"),
        ("short_abandon_threshold_s", "1e999"),
        ("short_abandon_threshold_s", "nan"),
        ("theme", "neon"),
        ("service_level_definition", "made_up"),
        ("name", ""),
    ],
)
def test_a_bad_board_value_is_an_error_beside_its_field(
    org: Organization, field: str, value: str
) -> None:
    editor = bound(org, **{field: value})
    assert not editor.is_valid()
    assert field in editor.board.errors


def test_another_orgs_queue_or_an_unknown_id_is_not_a_choice(org: Organization) -> None:
    theirs = QueueFactory.create(organization=OrganizationFactory.create())
    editor = bound(org, queues=[str(theirs.pk), "not-a-number"])
    assert not editor.is_valid()
    assert "queues" in editor.board.errors


def test_a_tile_naming_another_orgs_queue_gets_an_error_on_its_queue(org: Organization) -> None:
    theirs = QueueFactory.create(organization=OrganizationFactory.create())
    editor = bound(org, tiles=[{"scope": "queue", "queue": str(theirs.pk)}])
    assert not editor.is_valid()
    assert "queue" in tile_errors(editor)


def test_a_queue_scoped_tile_without_a_queue_says_choose_the_queue(org: Organization) -> None:
    editor = bound(org, tiles=[{"scope": "queue"}])
    assert not editor.is_valid()
    assert tile_errors(editor)["queue"] == ["Choose the queue."]


def test_contacts_waiting_for_a_team_is_refused_by_the_models_rule(org: Organization) -> None:
    team = TeamFactory.create(organization=org)
    editor = bound(org, tiles=[{"scope": "team", "team": str(team.pk)}])
    assert not editor.is_valid()
    assert "scope" in tile_errors(editor)


def test_a_queue_left_on_a_center_tile_is_dropped_not_an_error(org: Organization) -> None:
    queue = QueueFactory.create(organization=org)
    editor = bound(org, tiles=[{"scope": "center", "queue": str(queue.pk)}])
    assert editor.is_valid()
    assert editor.tile_drafts()[0].queue is None


def test_levels_that_do_not_rise_are_an_error_on_the_first_level(org: Organization) -> None:
    tile = {
        "metric": "longest_wait",
        "level1_value": "60",
        "level1_colour": "amber",
        "level2_value": "30",
        "level2_colour": "red",
    }
    editor = bound(org, tiles=[tile])
    assert not editor.is_valid()
    assert tile_errors(editor)["level1_value"] == [
        "levels must rise strictly, from least to most severe"
    ]


def test_a_level_needs_both_value_and_colour(org: Organization) -> None:
    editor = bound(org, tiles=[{"level1_value": "3", "level2_colour": "red"}])
    assert not editor.is_valid()
    errors = tile_errors(editor)
    assert errors["level1_colour"] == ["Choose the level's colour."]
    assert errors["level2_value"] == ["Give the value this level fires at."]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("level1_value", "1e400"),
        ("level1_value", "-1"),
        ("level1_value", "ten"),
        ("level1_colour", "pink"),
        ("width", "5"),
        ("page_number", "0"),
        ("metric", "happiness"),
        ("period", "forever"),
        ("kind", "clock"),
        ("team", "999999999999999999999"),
    ],
)
def test_a_bad_tile_value_is_an_error_beside_its_field(
    org: Organization, field: str, value: str
) -> None:
    editor = bound(org, tiles=[{"level1_colour": "amber", "level1_value": "2", field: value}])
    assert not editor.is_valid()
    assert field in tile_errors(editor)


def test_thresholds_saved_as_levels_with_flash(org: Organization) -> None:
    tile = {
        "metric": "service_level",
        "level1_value": "80",
        "level1_colour": "amber",
        "level2_value": "60",
        "level2_colour": "red",
        "level2_flash": "on",
    }
    editor = bound(org, tiles=[tile])
    assert editor.is_valid(), tile_errors(editor)
    assert editor.tile_drafts()[0].thresholds == [
        {"value": 80.0, "colour": "amber"},
        {"value": 60.0, "colour": "red", "flash": True},
    ]


def test_a_tile_on_a_page_that_does_not_exist_is_an_error(org: Organization) -> None:
    editor = bound(org, pages=["One", "Two"], tiles=[{"page_number": "3"}])
    assert not editor.is_valid()
    assert tile_errors(editor)["page_number"] == ["There are 2 pages."]


def test_a_removed_page_no_longer_counts(org: Organization) -> None:
    data = editor_post(pages=["One", "Two"], tiles=[{"page_number": "2"}])
    data["pages-1-DELETE"] = "on"
    editor = BoardEditor.bind(org, data=data)
    assert not editor.is_valid()
    assert tile_errors(editor)["page_number"] == ["There is 1 page."]


def test_a_removed_tile_is_not_validated_or_kept(org: Organization) -> None:
    data = editor_post(tiles=[{}, {"metric": "happiness"}])
    data["tiles-1-DELETE"] = "on"
    editor = BoardEditor.bind(org, data=data)
    assert editor.is_valid()
    assert len(editor.tile_drafts()) == 1


def test_too_many_tiles_or_a_forged_form_count_is_a_formset_error(org: Organization) -> None:
    data = editor_post(tiles=[{}] * 49)
    editor = BoardEditor.bind(org, data=data)
    assert not editor.is_valid()
    assert editor.tiles.non_form_errors()
    data["tiles-TOTAL_FORMS"] = "100000000"
    assert not BoardEditor.bind(org, data=data).is_valid()


def test_missing_management_data_is_an_error_not_an_exception(org: Organization) -> None:
    data = editor_post()
    del data["tiles-TOTAL_FORMS"]
    editor = BoardEditor.bind(org, data=data)
    assert not editor.is_valid()
    assert editor.tiles.non_form_errors()


def test_a_slug_taken_in_the_org_or_reserved_is_an_error(org: Organization) -> None:
    BoardFactory.create(organization=org, slug="lobby")
    assert "slug" in bound(org, slug="lobby").board.errors
    assert "slug" in bound(org, slug="new").board.errors
    other = OrganizationFactory.create()
    assert bound(other, slug="lobby").is_valid()


def test_a_blank_slug_is_made_from_the_name(org: Organization) -> None:
    editor = bound(org, name="Floor 2 Sales", slug="")
    assert editor.is_valid()
    assert editor.board.cleaned_data["slug"] == "floor-2-sales"


@pytest.mark.parametrize("value", ["0", "-3", "99999999999", "soon"])
def test_a_bad_service_level_time_is_an_error_beside_its_queue(
    org: Organization, value: str
) -> None:
    queue = QueueFactory.create(organization=org, name="Sales")
    editor = bound(org, **{f"sl-t_{queue.pk}": value})
    assert not editor.is_valid()
    assert f"t_{queue.pk}" in editor.targets.errors


def test_service_level_times_are_offered_only_for_the_orgs_queues(org: Organization) -> None:
    ours = QueueFactory.create(organization=org, service_level_threshold_s=30)
    theirs = QueueFactory.create(organization=OrganizationFactory.create())
    editor = bound(org, **{f"sl-t_{ours.pk}": "45", f"sl-t_{theirs.pk}": "10"})
    assert editor.is_valid()
    assert editor.targets.targets_s() == {ours.pk: 45}
    assert editor.targets.fields[f"t_{ours.pk}"].help_text == "Blank: WxCC's (30 s)"
