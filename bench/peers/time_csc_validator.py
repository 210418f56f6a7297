"""Run csc-validator-be-903 0.1.17 (DfE rules) on one year's return of our files, timed.

Runs in bench/.peers-venv (pandas<2), never imported by the package:

    bench/.peers-venv/bin/python bench/peers/time_csc_validator.py FOLDER YEAR [LA_CODE]

FOLDER holds one subfolder per collection year (named by the 31 March it ends on, as
`sufficiency synth` writes them); YEAR's files are "This year", YEAR-1's "Prev year".
Prints the wall time of reading + all rules, and each failing rule with its row count.
"""

import importlib
import logging
import sys
import time
from pathlib import Path

logging.disable(logging.CRITICAL)

from lac_validator import lac_validator  # noqa: E402

PEER_NAMES = {"placed_adoption": "placed_for_adoption", "prev_perm": "previous_permanence"}


def main() -> None:
    folder, year = Path(sys.argv[1]), int(sys.argv[2])
    la = sys.argv[3] if len(sys.argv) > 3 else "E08000035"
    files = []
    for y, description in ((year, "This year"), (year - 1, "Prev year")):
        for f in sorted((folder / str(y)).glob("*.csv")):
            name = PEER_NAMES.get(f.stem, f.stem) + ".csv"
            files.append({"name": name, "file_content": f.read_bytes(), "description": description})
    ruleset = f"lac{year - 1}_{str(year)[-2:]}"
    registry = importlib.import_module(f"lac_validator.rules.{ruleset}").registry
    start = time.perf_counter()
    v = lac_validator.LacValidator(metadata={"collectionYear": str(year), "localAuthority": la},
                                   files=files, registry=registry)
    seconds = time.perf_counter() - start
    failing = {}
    for table, df in v.ds_results.items():
        if not hasattr(df, "columns"):
            continue
        for col in df.columns:
            if str(col).startswith("ERR_"):
                n = int(df[col].fillna(False).astype(bool).sum())
                if n:
                    failing[(col[4:], table)] = n
    print(f"ruleset {ruleset}: {len(registry)} rules, {seconds:.2f} s, "
          f"{len(v.fails)} rules crashed, {sum(failing.values())} failing rows")
    for (code, table), n in sorted(failing.items()):
        print(f"  {code:<12} {table:<16} {n}")
    if v.fails:
        print("  crashed:", " ".join(map(str, v.fails)))


if __name__ == "__main__":
    main()
