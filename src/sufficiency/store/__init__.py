"""One door to the store: opening, reading, writing, lineage and the counting rules every
stage shares.

    write_returns(db, tables, meta)      # `load`: a whole new store, in one step
    add_tables(db, tables, meta)         # a later stage's results, stamped with their lineage
    Store(db)                            # read-only: tables, SQL, meta, stale results
    StoreData.read(db | Store | con)     # the tables the stages compute from, typed
    open_on, cla, looked_after_during    # the counting rules (also as StoreData methods)
"""

from .counting import cla, looked_after_during, open_on
from .data import StoreData, frame
from .db import META_TABLE, Store, add_tables, open_store, write_returns, write_tables
from .lineage import RESULTS_TABLE, fingerprint, fingerprint_tables

__all__ = [
    "META_TABLE", "RESULTS_TABLE", "Store", "StoreData", "add_tables", "cla", "fingerprint", "fingerprint_tables",
    "frame", "looked_after_during", "open_on", "open_store", "write_returns", "write_tables",
]
