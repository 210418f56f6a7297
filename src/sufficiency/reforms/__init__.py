"""The Independent Review's reforms, costed against the placements a council can supply.

    reform = load_reform("family-help")            # a shipped example, or a YAML file
    cmp = compare("la.duckdb", {"Family Help": [reform]}, years=5, runs=1000)
    cmp.summary()

schema.py: reforms as data (strict YAML); scenario.py: reforms month by month (levers on the
forecast model, supply); supply.py: in-house places filled first, children who must live
alone, the sufficiency gap; workforce.py: social workers; compare.py: scenarios side by side;
command.py: `sufficiency compare`.
"""

from .compare import Comparison, compare
from .schema import Reform, example_names, load_reform, parse_reform

__all__ = ["Reform", "load_reform", "parse_reform", "example_names", "compare", "Comparison"]
