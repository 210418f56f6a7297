"""Cut Ofsted's provider-level data to the compact file `sufficiency` ships.

    python scripts/cut_ofsted_providers.py ../shared/reference/ofsted/providers_at_31_march_2023.csv

Reads Ofsted's file with the library's own reader (region/supply.py `read_ofsted`) and writes
src/sufficiency/region/data/ofsted_providers.csv (children's homes, secure children's homes and
independent fostering agencies: urn, kind, council, sector, places, owner) and its source,
ofsted_providers.yaml. Names of councils the reader could not match are printed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from sufficiency.region.supply import read_ofsted

OUT = Path(__file__).resolve().parents[1] / "src" / "sufficiency" / "region" / "data"
HREF = "https://www.gov.uk/government/statistical-data-sets/childrens-social-care-data-in-england"


def main(source: str) -> None:
    supply = read_ofsted(source)
    frame = supply.frame.sort_values(["council", "kind", "urn"])
    frame.to_csv(OUT / "ofsted_providers.csv", index=False)
    meta = {"release": supply.source.removesuffix(" (Open Government Licence)"), "as_of": supply.as_of,
            "href": HREF, "licence": "Open Government Licence v3.0",
            "attribution": "Contains Ofsted data © Crown copyright 2023",
            "cut_by": "scripts/cut_ofsted_providers.py", "file": Path(source).name}
    text = ("# Ofsted's registered children's homes, secure children's homes and independent fostering agencies\n"
            "# (ofsted_providers.csv), cut from Ofsted's provider-level file by scripts/cut_ofsted_providers.py.\n")
    (OUT / "ofsted_providers.yaml").write_text(text + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True),
                                               encoding="utf-8")
    blank = frame[frame["council"] == ""]
    print(f"{len(frame):,} providers written; {len(blank)} in a council not matched", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
