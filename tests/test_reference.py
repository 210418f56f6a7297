"""Offline reference data: postcodes to grid references and councils, and council facts."""

import math

import numpy as np
import pandas as pd
import pytest

from sufficiency.errors import InputError
from sufficiency.reference.authorities import district_to_council, find_authority
from sufficiency.reference.postcodes import classify, directory, miles


def test_classify_postcodes():
    raw = pd.Series(["LS1 4AP", " ls14ap ", "LS1 4", "ec1a 1bb", "W1", "12345", "", None, "LS1  4AP"])
    assert classify(raw).tolist() == [
        "full", "full", "sector", "full", "malformed", "malformed", "blank", "blank", "full",
    ]


def test_dfe_distance_formula_by_hand():
    # 3,000 m east and 4,000 m north: 5 km = 5 / 1.6093 = 3.107 miles -> 3.1
    assert miles(400000, 300000, 403000, 304000) == pytest.approx(3.1)
    assert math.isnan(miles(np.nan, 1, 2, 3))


def test_locate_full_postcode_and_sector():
    found = directory().locate(pd.Series(["LS1 4AP", "LS1 4", "ZZ9 9ZZ", "junk"]))
    assert found["kind"].tolist() == ["full", "sector", "full", "malformed"]
    assert found["found"].tolist() == [True, True, False, False]
    assert found.loc[0, "council"] == "E08000035"  # Leeds
    # a sector centroid lies close to its postcodes
    d = miles(found.loc[0, "easting"], found.loc[0, "northing"], found.loc[1, "easting"], found.loc[1, "northing"])
    assert d < 1.0


def test_district_maps_to_upper_tier_council_including_2023_unitaries():
    lookup = district_to_council()
    assert lookup["E06000063"] == "E06000063"  # Cumberland (2023 unitary)
    assert lookup["E07000117"] == "E10000017"  # Burnley -> Lancashire
    assert lookup["E08000019"] == "E08000039"  # Sheffield, re-coded in 2024
    found = directory().locate(pd.Series(["CA1 1QS", "S1 2HH", "HG1 1AA"]))
    assert found["council"].tolist() == ["E06000063", "E08000039", "E06000065"]
    assert find_authority("Sheffield").code == "E08000039"
    assert find_authority("E08000019").name == "Sheffield"


def test_postcode_in_two_tier_area_gets_county():
    found = directory().locate(pd.Series(["BB11 1BS"]))  # Burnley town centre
    assert found.loc[0, "council"] == "E10000017"


def test_find_authority_by_name_code_or_number():
    leeds = find_authority("leeds")
    assert (leeds.code, leeds.old_code) == ("E08000035", "383")
    assert find_authority("E08000035") is leeds and find_authority("383") is leeds
    assert leeds.fact("cla", 2025) == 1498  # DfE CLA on 31 March 2025
    with pytest.raises(InputError, match="No English local authority"):
        find_authority("Atlantis")


def test_cache_round_trip_gives_the_same_answers(tmp_path):
    from sufficiency.reference.postcodes import PostcodeDirectory

    pcs = pd.Series(["LS1 4AP", "LS1 4", "CA1 1QS", "ZZ9 9ZZ"])
    cold = PostcodeDirectory(cache_dir=tmp_path).locate(pcs)
    assert list(tmp_path.glob("postcodes-*/index/councils.npy")) and list(tmp_path.glob("postcodes-*/all/pc.npy"))
    warm = PostcodeDirectory(cache_dir=tmp_path).locate(pcs)
    pd.testing.assert_frame_equal(cold, warm)
    # a cache that cannot be written: the directory works from what it built, as it would have
    blocked = tmp_path / "a file"
    blocked.write_text("")
    unkept = PostcodeDirectory(cache_dir=blocked)
    pd.testing.assert_frame_equal(unkept.locate(pcs), warm)
    assert isinstance(unkept._source, dict)
    leeds = unkept.in_council("E08000035")
    pd.testing.assert_frame_equal(leeds, PostcodeDirectory(cache_dir=tmp_path).in_council("E08000035"))
    assert warm["found"].tolist() == [True, True, True, False] and "LS14AP" in set(leeds["pc"])


def test_released_directory_reads_its_areas_again():
    """A load releases the areas it read before writing the store; a later lookup reads
    them again and gives the same answers."""
    pcs = pd.Series(["LS1 4AP", "LS1 4", "CA1 1QS", "ZZ9 9ZZ"])
    d = directory()
    before = d.locate(pcs)
    assert d._tables  # areas are held between lookups
    d.release()
    assert not d._tables
    pd.testing.assert_frame_equal(d.locate(pcs), before)
