"""The synthesiser's own bands and placement categories (coarser than the 903's codes, which
places.py draws within each category)."""

AGE_BANDS = ("0", "1-4", "5-9", "10-15", "16-17")
BAND_RANGE = {"0": (0, 0), "1-4": (1, 4), "5-9": (5, 9), "10-15": (10, 15), "16-17": (16, 17)}
BAND_START_YEARS = (0, 1, 5, 10, 16)  # a child is in band i from this birthday
TIC_BANDS = ("0-3m", "3-12m", "1-2y", "2y+")
TIC_EDGES = (91, 365, 730)  # days in care at which the time-in-care band changes
CATEGORIES = (
    "foster",
    "kinship",
    "residential",
    "secure",
    "supported",
    "parents",
    "adoption",
    "other",
)
