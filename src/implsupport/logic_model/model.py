"""The elements of a logic model, the rules that link them, and the validated model.

:func:`build_logic_model` takes plain records (one mapping per element) and either returns a
:class:`LogicModel` or raises a :class:`LogicModelError` that lists every problem found, each
naming where it is (file and line, or row) and which element. Problems that make the model
meaningless (an unknown type, a duplicated id, a link to an id that does not exist) are
errors; what a planner has left open (a strategy with no mechanism, an outcome with no
measure, a determinant no strategy addresses) is a :class:`Gap`, reported on the model.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

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
]

#: The element types, left to right in the diagram.
ELEMENT_TYPES: tuple[str, ...] = (
    "determinant",
    "strategy",
    "mechanism",
    "implementation_outcome",
    "service_outcome",
    "clinical_outcome",
)
#: Plural names, for counts.
_PLURALS = {
    "determinant": "determinants",
    "strategy": "strategies",
    "mechanism": "mechanisms",
    "implementation_outcome": "implementation outcomes",
    "service_outcome": "service outcomes",
    "clinical_outcome": "clinical outcomes",
}
#: Plain names of the types, for tables and messages.
TYPE_LABELS: dict[str, str] = {
    "determinant": "determinant",
    "strategy": "implementation strategy",
    "mechanism": "mechanism",
    "implementation_outcome": "implementation outcome",
    "service_outcome": "service outcome",
    "clinical_outcome": "clinical outcome",
}
#: The diagram's columns and the types each one holds.
COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Determinants", ("determinant",)),
    ("Implementation strategies", ("strategy",)),
    ("Mechanisms", ("mechanism",)),
    ("Implementation outcomes", ("implementation_outcome",)),
    ("Service and clinical outcomes", ("service_outcome", "clinical_outcome")),
)
_OUTCOMES = ("implementation_outcome", "service_outcome", "clinical_outcome")
#: Which types an element of each type may link to. Links run left to right: a determinant to
#: the strategies that address it, a strategy to the mechanisms through which it works (or, if
#: no mechanism is known, straight to an outcome, which is reported as a gap), a mechanism to
#: other mechanisms or to outcomes, an outcome to the outcomes further right that it serves.
ALLOWED_LINKS: dict[str, tuple[str, ...]] = {
    "determinant": ("strategy",),
    "strategy": ("mechanism", *_OUTCOMES),
    "mechanism": ("mechanism", *_OUTCOMES),
    "implementation_outcome": _OUTCOMES,
    "service_outcome": ("service_outcome", "clinical_outcome"),
    "clinical_outcome": ("clinical_outcome",),
}
#: The fields an element may have. ``id``, ``type`` and ``label`` are required.
FIELDS: tuple[str, ...] = (
    "id",
    "type",
    "label",
    "links",
    "inferred_links",
    "measure",
    "evidence",
    "source",
    "note",
)
_REQUIRED = ("id", "type", "label")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
#: The kinds of gap the builder reports, with what each means.
GAP_KINDS: dict[str, str] = {
    "determinant_unaddressed": "a determinant that no strategy addresses",
    "strategy_without_mechanism": "a strategy with no mechanism through which it works",
    "mechanism_without_strategy": "a mechanism that no strategy leads to",
    "mechanism_without_outcome": "a mechanism that leads to no outcome",
    "outcome_without_measure": "an outcome with no measure",
    "outcome_unreached": "an outcome that nothing in the model leads to",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is, which element, and what is wrong."""

    where: str
    element: str | None
    message: str

    def __str__(self) -> str:
        element = f"element {self.element!r}: " if self.element else ""
        return " ".join(f"{self.where}: {element}{self.message}".split())  # always one line


class LogicModelError(ValueError):
    """The input cannot be read as a logic model; ``problems`` lists every reason found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        first = str(self.problems[0]) if self.problems else "invalid logic model"
        more = len(self.problems) - 1
        text = "; ".join(str(p) for p in self.problems[:5])
        if more >= 5:
            text += f"; and {more - 4} more problems"
        super().__init__(text if self.problems else first)


@dataclass(frozen=True)
class Link:
    """An arrow between two elements; ``inferred``: the modeller's reading, not the source's."""

    source: str
    target: str
    inferred: bool = False


@dataclass(frozen=True)
class Element:
    """One box of the logic model."""

    id: str
    type: str
    label: str
    measure: str = ""
    evidence: str = ""
    source: str = ""
    note: str = ""
    where: str = ""

    @property
    def is_outcome(self) -> bool:
        return self.type in _OUTCOMES


@dataclass(frozen=True)
class Gap:
    """Something the model leaves open: its kind, the element concerned and a sentence."""

    kind: str
    element: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class LogicModel:
    """A validated implementation research logic model.

    ``elements`` in the order given, ``links`` between them and the ``gaps`` found. ``to_frame()``
    gives one row per element, ``links_frame()`` one per link, ``gaps_frame()`` one per gap;
    ``plot()`` draws the diagram; ``to_dict()`` is plain JSON.
    """

    title: str
    elements: tuple[Element, ...]
    links: tuple[Link, ...]
    gaps: tuple[Gap, ...] = field(default=())
    origin: str = ""

    def summary(self) -> str:
        """What the model holds, in words: "4 determinants, 3 strategies, ...; 11 links; 5 gaps"."""
        counts = ", ".join(
            f"{n} {TYPE_LABELS[t] if n == 1 else _PLURALS[t]}"
            for t in ELEMENT_TYPES
            if (n := sum(e.type == t for e in self.elements))
        )
        links, gaps = len(self.links), len(self.gaps)
        return (
            f"{counts}; {links} link{'' if links == 1 else 's'}; "
            f"{gaps} gap{'' if gaps == 1 else 's'}"
        )

    def __repr__(self) -> str:
        name = f"{self.title!r}, " if self.title else ""
        return f"LogicModel({name}{self.summary()})"

    @property
    def complete(self) -> bool:
        """True when the builder found no gap."""
        return not self.gaps

    def element(self, element_id: str) -> Element:
        """The element with this id (a ValueError naming the known ids if there is none)."""
        for item in self.elements:
            if item.id == element_id:
                return item
        raise ValueError(f"no element {element_id!r}; ids: {', '.join(self.ids)}")

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.elements)

    def links_from(self, element_id: str) -> tuple[Link, ...]:
        return tuple(link for link in self.links if link.source == element_id)

    def links_to(self, element_id: str) -> tuple[Link, ...]:
        return tuple(link for link in self.links if link.target == element_id)

    def to_frame(self) -> pd.DataFrame:
        """One row per element, in the file's columns; links joined by ``"; "``.

        Saved as CSV, the table reads back as the same model.
        """
        rows = []
        for e in self.elements:
            out = self.links_from(e.id)
            rows.append(
                {
                    "id": e.id,
                    "type": e.type,
                    "label": e.label,
                    "links": "; ".join(link.target for link in out if not link.inferred),
                    "inferred_links": "; ".join(link.target for link in out if link.inferred),
                    "measure": e.measure,
                    "evidence": e.evidence,
                    "source": e.source,
                    "note": e.note,
                }
            )
        return pd.DataFrame(rows, columns=list(FIELDS))

    def links_frame(self) -> pd.DataFrame:
        """One row per link: from, to, their types, and whether it is inferred."""
        types = {e.id: e.type for e in self.elements}
        return pd.DataFrame(
            [
                {
                    "from": link.source,
                    "from_type": types[link.source],
                    "to": link.target,
                    "to_type": types[link.target],
                    "inferred": link.inferred,
                }
                for link in self.links
            ],
            columns=["from", "from_type", "to", "to_type", "inferred"],
        )

    def gaps_frame(self) -> pd.DataFrame:
        """One row per gap: element, kind and what is missing, in a sentence."""
        return pd.DataFrame(
            [{"element": g.element, "kind": g.kind, "gap": g.message} for g in self.gaps],
            columns=["element", "kind", "gap"],
        )

    def to_dict(self) -> dict[str, Any]:
        """The model as plain JSON-ready data (elements, links, gaps)."""
        return {
            "title": self.title,
            "complete": self.complete,
            "counts": {t: sum(e.type == t for e in self.elements) for t in ELEMENT_TYPES},
            "elements": [
                {
                    **row,
                    "links": [t for t in row["links"].split("; ") if t],
                    "inferred_links": [t for t in row["inferred_links"].split("; ") if t],
                }
                for row in self.to_frame().to_dict(orient="records")
            ],
            "links": [
                {"from": link.source, "to": link.target, "inferred": link.inferred}
                for link in self.links
            ],
            "gaps": [
                {"element": g.element, "kind": g.kind, "message": g.message} for g in self.gaps
            ],
        }

    def to_yaml(self) -> str:
        """The model as YAML text, in the form :func:`logic_model_from_yaml` reads.

        Empty fields are left out.
        """
        import yaml

        frame = self.to_frame()
        items = []
        for row in frame.to_dict(orient="records"):
            item: dict[str, Any] = {}
            for key in FIELDS:
                value = row[key]
                if key in ("links", "inferred_links"):
                    value = [v.strip() for v in value.split(";") if v.strip()]
                if value:
                    item[key] = value
            items.append(item)
        document: dict[str, Any] = {"title": self.title} if self.title else {}
        document["elements"] = items
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=88)

    def plot(self, *, width: float = 10.0, wrap: int = 24, direction: str = "across"):
        """Draw the model: a column (or, ``direction="down"``, a row) per element type, an
        arrow per link (see ``drawing``)."""
        from .drawing import draw

        return draw(self, width=width, wrap=wrap, direction=direction)


# ---- building and validating ----------------------------------------------------------------


def normalise_type(text: str) -> str:
    """'Implementation outcome', 'implementation-outcome' -> 'implementation_outcome'."""
    return re.sub(r"[\s\-]+", "_", str(text).strip().casefold())


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _split_ids(value: Any) -> list[str]:
    """A list of ids from a list or a string separated by ';' or ','."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[;,]", value) if part.strip()]
    if isinstance(value, list | tuple):
        return [str(part).strip() for part in value if str(part).strip()]
    return [str(value).strip()]


def _text(value: Any) -> str:
    """A text field: None -> '', a list of quotes -> joined by ' | ', numbers as written."""
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from a table
        return ""
    if isinstance(value, list | tuple):
        return " | ".join(_text(v) for v in value if _text(v))
    return " ".join(str(value).split())


def build_logic_model(
    records: Sequence[Mapping[str, Any]],
    *,
    title: str = "",
    origin: str = "<records>",
    where: Sequence[str] | None = None,
) -> LogicModel:
    """Validate ``records`` (one mapping per element) and return the :class:`LogicModel`.

    ``where`` gives, for each record, where it was read (``"model.yaml, line 12"``); without it
    records are named ``"<origin>, element 3"``. Every problem found is collected and raised
    together as one :class:`LogicModelError`.
    """
    if isinstance(records, Mapping | str | bytes):
        raise TypeError(f"records: expected a list of mappings, found {type(records).__name__}")
    records = list(records)
    if where is None:
        where = [f"{origin}, element {i}" for i in range(1, len(records) + 1)]
    if len(where) != len(records):
        raise ValueError(f"where: expected {len(records)} locations, found {len(where)}")
    if not records:
        raise LogicModelError([Problem(origin, None, "the model has no elements")])

    problems: list[Problem] = []
    elements: list[Element] = []
    raw_links: list[tuple[int, str, bool]] = []  # (element index, target id, inferred)
    seen: dict[str, str] = {}
    for place, record in zip(where, records, strict=True):
        if not isinstance(record, Mapping):
            problems.append(
                Problem(place, None, f"expected an element with fields, found {record!r}")
            )
            continue
        keys = {str(k).strip().casefold(): v for k, v in record.items() if k is not None}
        raw_id = _text(keys.get("id"))
        name = raw_id or None
        for key in keys:
            if key not in FIELDS:
                problems.append(
                    Problem(
                        place,
                        name,
                        f"unknown field {key!r}{_suggest(key, FIELDS)}; "
                        f"fields are {', '.join(FIELDS)}",
                    )
                )
        missing = [f for f in _REQUIRED if not _text(keys.get(f))]
        if missing:
            problems.append(Problem(place, name, f"missing {' and '.join(missing)}"))
            continue
        if not _ID.match(raw_id):
            problems.append(
                Problem(
                    place,
                    name,
                    "an id must start with a letter or digit and hold only letters, digits, "
                    "'.', '_' or '-' (no spaces)",
                )
            )
            continue
        if raw_id in seen:
            problems.append(Problem(place, name, f"duplicate id: already used at {seen[raw_id]}"))
            continue
        kind = normalise_type(keys["type"])
        if kind not in ELEMENT_TYPES:
            problems.append(
                Problem(
                    place,
                    name,
                    f"unknown type {_text(keys['type'])!r}{_suggest(kind, ELEMENT_TYPES)}; "
                    f"types are {', '.join(ELEMENT_TYPES)}",
                )
            )
            continue
        seen[raw_id] = place
        index = len(elements)
        elements.append(
            Element(
                id=raw_id,
                type=kind,
                label=_text(keys["label"]),
                measure=_text(keys.get("measure")),
                evidence=_text(keys.get("evidence")),
                source=_text(keys.get("source")),
                note=_text(keys.get("note")),
                where=place,
            )
        )
        for target in _split_ids(keys.get("links")):
            raw_links.append((index, target, False))
        for target in _split_ids(keys.get("inferred_links")):
            raw_links.append((index, target, True))

    by_id = {e.id: e for e in elements}
    links: list[Link] = []
    pairs: set[tuple[str, str]] = set()
    for index, target, inferred in raw_links:
        origin_element = elements[index]
        place, name = origin_element.where, origin_element.id
        if target not in by_id:
            if any(target == p.element for p in problems):
                continue  # the target's own definition is already reported as a problem
            problems.append(
                Problem(
                    place,
                    name,
                    f"links to {target!r}, which is not an element of the model"
                    f"{_suggest(target, by_id)}",
                )
            )
            continue
        if target == name:
            problems.append(Problem(place, name, "links to itself"))
            continue
        if (name, target) in pairs:
            problems.append(Problem(place, name, f"links to {target!r} more than once"))
            continue
        to_type = by_id[target].type
        if to_type not in ALLOWED_LINKS[origin_element.type]:
            problems.append(Problem(place, name, _direction_message(origin_element, by_id[target])))
            continue
        pairs.add((name, target))
        links.append(Link(name, target, inferred))

    cycle = _find_cycle([e.id for e in elements], links)
    if cycle:
        problems.append(
            Problem(
                by_id[cycle[0]].where,
                cycle[0],
                "links form a loop (" + " -> ".join([*cycle, cycle[0]]) + "); a logic model "
                "reads left to right",
            )
        )
    if problems:
        raise LogicModelError(problems)
    model = LogicModel(title=title, elements=tuple(elements), links=tuple(links), origin=origin)
    return LogicModel(
        title=title,
        elements=model.elements,
        links=model.links,
        gaps=find_gaps(model),
        origin=origin,
    )


def _direction_message(origin: Element, target: Element) -> str:
    allowed = ALLOWED_LINKS[target.type]
    if origin.type in allowed:
        return (
            f"links to {target.id!r} ({TYPE_LABELS[target.type]}), but links run left to right: "
            f"put {origin.id!r} in the links of {target.id!r} instead"
        )
    options = ", ".join(TYPE_LABELS[t] for t in dict.fromkeys(ALLOWED_LINKS[origin.type]))
    return (
        f"a {TYPE_LABELS[origin.type]} cannot link to a {TYPE_LABELS[target.type]} "
        f"({target.id!r}); it may link to: {options}"
    )


def _find_cycle(ids: list[str], links: list[Link]) -> list[str]:
    """One loop among the links, as a list of ids, or [] if there is none (depth-first)."""
    children: dict[str, list[str]] = {i: [] for i in ids}
    for link in links:
        children[link.source].append(link.target)
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for child in children[node]:
            if state.get(child) == 1:
                return path[path.index(child) :]
            if child not in state:
                found = visit(child)
                if found:
                    return found
        state[node] = 2
        path.pop()
        return []

    for node in ids:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def find_gaps(model: LogicModel) -> tuple[Gap, ...]:
    """The gaps of a model, in the order of its elements."""
    types = {e.id: e.type for e in model.elements}
    gaps: list[Gap] = []
    for e in model.elements:
        out = {types[link.target] for link in model.links_from(e.id)}
        into = {types[link.source] for link in model.links_to(e.id)}
        label = f"{e.id} ({e.label})"
        if e.type == "determinant" and "strategy" not in out:
            gaps.append(
                Gap("determinant_unaddressed", e.id, f"No strategy addresses determinant {label}.")
            )
        if e.type == "strategy" and "mechanism" not in out:
            gaps.append(
                Gap(
                    "strategy_without_mechanism",
                    e.id,
                    f"Strategy {label} has no mechanism: say how it is expected to work.",
                )
            )
        if e.type == "mechanism" and not into & {"strategy", "mechanism"}:
            gaps.append(
                Gap(
                    "mechanism_without_strategy",
                    e.id,
                    f"No strategy leads to mechanism {label}.",
                )
            )
        if e.type == "mechanism" and not out & set(_OUTCOMES):
            leads_on = any(types[link.target] == "mechanism" for link in model.links_from(e.id))
            if not leads_on:
                gaps.append(
                    Gap(
                        "mechanism_without_outcome",
                        e.id,
                        f"Mechanism {label} leads to no outcome.",
                    )
                )
        if e.is_outcome and not e.measure:
            gaps.append(
                Gap(
                    "outcome_without_measure",
                    e.id,
                    f"Outcome {label} has no measure: say how you will know it changed.",
                )
            )
        if e.is_outcome and not into:
            gaps.append(
                Gap("outcome_unreached", e.id, f"Nothing in the model leads to outcome {label}.")
            )
    return tuple(gaps)
