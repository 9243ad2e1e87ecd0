"""Implementation research logic models: read, validate and draw.

After the Implementation Research Logic Model of Smith, Li & Rafferty (2020), whose core
elements are determinants, implementation strategies, mechanisms and outcomes. A model is a
small YAML or CSV file, one entry per element with its id, type, label, the ids it links to,
and (for outcomes) its measure; each element can carry the evidence for it and its source.

>>> model = read_logic_model("my_model.yaml")      # doctest: +SKIP
>>> model.gaps                                       # what the plan leaves open
>>> model.plot()                                     # the diagram

Errors (an unknown type, a duplicated id, a link to an id that does not exist, a link that
runs backwards) raise :class:`LogicModelError`, a ``ValueError`` that names the file, line
and element of every problem. Gaps (a strategy with no mechanism, an outcome with no
measure, a determinant no strategy addresses, a mechanism that leads nowhere, an outcome
nothing leads to) do not stop the model: they are listed in ``model.gaps``.

The diagram's layout (columns by element type, left to right) is this package's; it is not a
copy of the published IRLM template.
"""

from .drawing import layout
from .model import (
    COLUMNS,
    ELEMENT_TYPES,
    FIELDS,
    GAP_KINDS,
    TYPE_LABELS,
    Element,
    Gap,
    Link,
    LogicModel,
    LogicModelError,
    Problem,
    build_logic_model,
)
from .reading import logic_model_from_frame, logic_model_from_yaml, read_logic_model

__all__ = [
    "COLUMNS",
    "ELEMENT_TYPES",
    "FIELDS",
    "GAP_KINDS",
    "TYPE_LABELS",
    "Element",
    "Gap",
    "Link",
    "LogicModel",
    "LogicModelError",
    "Problem",
    "build_logic_model",
    "layout",
    "logic_model_from_frame",
    "logic_model_from_yaml",
    "read_logic_model",
]
