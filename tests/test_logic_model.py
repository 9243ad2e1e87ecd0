"""The logic model builder: reading, validation, gaps, the diagram and the command line."""

from __future__ import annotations

import io
import itertools
import json
import random
import re
from pathlib import Path

import matplotlib
import matplotlib.text
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from implsupport import cli, data, plotting
from implsupport import logic_model as lm

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "mst_metro_city_logic_model.csv"
TEMPLATE = ROOT / "data" / "logic_model_template.csv"

GOOD_YAML = """\
title: A small plan
elements:
  - id: D1
    type: determinant
    label: Referral pipeline difficult
    links: [S1]
  - id: S1
    type: strategy
    label: Steering group
    links: [M1]
  - id: M1
    type: mechanism
    label: Problem solving together
    links: [O1]
  - id: O1
    type: Implementation outcome
    label: Referrals reach the team
    measure: Referrals per month
    links: [O2]
  - id: O2
    type: clinical outcome
    label: Fewer young people in care
    measure: Placements at 18 months
"""


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems_of(call) -> list[str]:
    with pytest.raises(lm.LogicModelError) as caught:
        call()
    return [str(p) for p in caught.value.problems]


def record(id_, type_, label="x", **fields):
    return {"id": id_, "type": type_, "label": label, **fields}


# ---- reading a good model --------------------------------------------------------------------


def test_yaml_model_is_read_with_its_links_and_no_gaps(tmp_path):
    model = lm.read_logic_model(write(tmp_path, "plan.yaml", GOOD_YAML))
    assert model.title == "A small plan"
    assert model.ids == ("D1", "S1", "M1", "O1", "O2")
    assert [e.type for e in model.elements] == [
        "determinant",
        "strategy",
        "mechanism",
        "implementation_outcome",
        "clinical_outcome",
    ]
    assert [(k.source, k.target) for k in model.links] == [
        ("D1", "S1"),
        ("S1", "M1"),
        ("M1", "O1"),
        ("O1", "O2"),
    ]
    assert model.complete and model.gaps == ()
    assert repr(model) == (
        "LogicModel('A small plan', 1 determinant, 1 implementation strategy, 1 mechanism, "
        "1 implementation outcome, 1 clinical outcome; 4 links; 0 gaps)"
    )
    assert model.element("O1").measure == "Referrals per month"
    assert model.element("D1").where == f"{tmp_path / 'plan.yaml'}, line 3"


def test_csv_and_yaml_of_the_same_model_agree(tmp_path):
    from_yaml = lm.read_logic_model(write(tmp_path, "plan.yaml", GOOD_YAML))
    csv_path = tmp_path / "plan.csv"
    from_yaml.to_frame().to_csv(csv_path, index=False)
    from_csv = lm.read_logic_model(csv_path, title="A small plan")
    pd.testing.assert_frame_equal(from_csv.to_frame(), from_yaml.to_frame())
    assert from_csv.links == from_yaml.links and from_csv.title == from_yaml.title


def test_european_csv_with_semicolons_blank_lines_and_latin1(tmp_path):
    text = (
        "id;type;label;links;measure\n"
        "\n"
        "D1;determinant;Équipe réduite;S1\n"
        "S1;strategy;Coaching;M1, O1\n"  # links separated by a comma inside the cell
        "M1;mechanism;Confiance;O1\n"
        "O1;implementation outcome;Fidélité;;score\n"
    )
    model = lm.read_logic_model(write(tmp_path, "euro.csv", text.encode("latin-1")))
    assert model.element("D1").label == "Équipe réduite"
    assert [k.target for k in model.links_from("S1")] == ["M1", "O1"]
    assert model.element("O1").where.endswith("euro.csv, line 6")  # the blank line counts
    assert model.complete


def test_quoted_cell_over_two_lines_keeps_line_numbers(tmp_path):
    text = 'id,type,label,links\nD1,determinant,"two\nlines",S9\n'
    (problem,) = problems_of(lambda: lm.read_logic_model(write(tmp_path, "q.csv", text)))
    assert "q.csv, line 2: element 'D1': links to 'S9'" in problem


def test_frame_input_names_rows(tmp_path):
    frame = pd.DataFrame([record("D1", "determinant", links="S1"), record("S1", "strategy")])
    model = lm.logic_model_from_frame(frame, title="t", name="table")
    assert model.element("S1").where == "table, row 2"
    with pytest.raises(TypeError, match="expected a pandas DataFrame"):
        lm.logic_model_from_frame([{"id": "x"}])


def test_evidence_lists_in_yaml_are_joined_like_the_csv_files(tmp_path):
    text = (
        "elements:\n"
        "  - id: D1\n    type: determinant\n    label: L\n"
        "    evidence: [first phrase, second phrase]\n    source: [slide A, slide B]\n"
    )
    element = lm.logic_model_from_yaml(text).element("D1")
    assert element.evidence == "first phrase | second phrase"
    assert element.source == "slide A | slide B"


# ---- gaps ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        (
            [record("D1", "determinant"), record("S1", "strategy", links="M1"),
             record("M1", "mechanism", links="O1"),
             record("O1", "implementation_outcome", measure="m")],
            [("determinant_unaddressed", "D1")],
        ),
        (
            [record("S1", "strategy", links="O1"),
             record("O1", "implementation_outcome", measure="m")],
            [("strategy_without_mechanism", "S1")],
        ),
        (
            [record("S1", "strategy", links="M1"), record("M1", "mechanism")],
            [("mechanism_without_outcome", "M1")],
        ),
        (
            [record("M1", "mechanism", links="O1"),
             record("O1", "implementation_outcome", measure="m")],
            [("mechanism_without_strategy", "M1")],
        ),
        (
            [record("S1", "strategy", links="M1"), record("M1", "mechanism", links="O1"),
             record("O1", "service_outcome")],
            [("outcome_without_measure", "O1")],
        ),
        (
            [record("O1", "clinical_outcome", measure="m")],
            [("outcome_unreached", "O1")],
        ),
    ],
)  # fmt: skip
def test_each_kind_of_gap_is_found(records, expected):
    model = lm.build_logic_model(records)
    assert [(g.kind, g.element) for g in model.gaps] == expected
    assert not model.complete
    assert set(model.gaps_frame()["kind"]) <= set(lm.GAP_KINDS)


def test_a_mechanism_chain_is_not_a_gap():
    model = lm.build_logic_model(
        [
            record("S1", "strategy", links="M1"),
            record("M1", "mechanism", links="M2"),
            record("M2", "mechanism", links="O1"),
            record("O1", "implementation_outcome", measure="m"),
        ]
    )
    assert model.complete


# ---- errors ----------------------------------------------------------------------------------


def test_dangling_link_names_file_line_element_and_a_likely_id(tmp_path):
    text = GOOD_YAML.replace("links: [M1]", "links: [M01]")
    (problem,) = problems_of(lambda: lm.read_logic_model(write(tmp_path, "p.yaml", text)))
    assert problem == (
        f"{tmp_path / 'p.yaml'}, line 7: element 'S1': links to 'M01', which is not an element "
        "of the model (did you mean 'M1'?)"
    )


def test_duplicate_id_names_both_lines(tmp_path):
    text = GOOD_YAML.replace("  - id: M1\n", "  - id: S1\n")
    problems = problems_of(lambda: lm.read_logic_model(write(tmp_path, "p.yaml", text)))
    path = tmp_path / "p.yaml"
    assert f"{path}, line 11: element 'S1': duplicate id: already used at {path}, line 7" in (
        problems
    )


def test_unknown_type_suggests_the_nearest(tmp_path):
    text = GOOD_YAML.replace("type: mechanism", "type: mechansim")
    problems = problems_of(lambda: lm.read_logic_model(write(tmp_path, "p.yaml", text)))
    # the links to M1 are not reported again: the element's own problem is enough
    assert len(problems) == 1
    assert (
        "line 11: element 'M1': unknown type 'mechansim' (did you mean 'mechanism'?)"
        in (problems[0])
    )


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([{"id": "D1", "type": "determinant"}], "element 'D1': missing label"),
        ([{"type": "determinant", "label": "x"}], "element 1: missing id"),
        ([record("D 1", "determinant")], "no spaces"),
        ([record("D1", "determinant", mesure="m")],
         "unknown field 'mesure' (did you mean 'measure'?)"),
        ([record("D1", "determinant", links="D1")], "links to itself"),
        ([record("D1", "determinant", links="S1; S1"), record("S1", "strategy")],
         "links to 'S1' more than once"),
        ([record("S1", "strategy", links="D1"), record("D1", "determinant")],
         "links run left to right: put 'S1' in the links of 'D1' instead"),
        ([record("D1", "determinant", links="M1"), record("M1", "mechanism")],
         "a determinant cannot link to a mechanism ('M1'); it may link to: implementation "
         "strategy"),
        ([record("M1", "mechanism", links="M2"), record("M2", "mechanism", links="M1")],
         "links form a loop (M1 -> M2 -> M1)"),
        (["just text"], "expected an element with fields"),
        ([], "the model has no elements"),
    ],
)  # fmt: skip
def test_each_error_says_what_is_wrong(records, message):
    problems = problems_of(lambda: lm.build_logic_model(records))
    assert any(message in p for p in problems), problems


def test_every_problem_is_reported_at_once_on_one_line(tmp_path):
    text = GOOD_YAML.replace("links: [S1]", "links: [S9]").replace(
        "type: clinical outcome", "type: patient outcome"
    )
    with pytest.raises(lm.LogicModelError) as caught:
        lm.read_logic_model(write(tmp_path, "p.yaml", text))
    assert len(caught.value.problems) == 2
    assert "\n" not in str(caught.value) and "S9" in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("m.txt", "x", "must end in .yaml, .yml or .csv"),
        ("m.yaml", "", "the file is empty"),
        ("m.yaml", "elements: [\n", "not valid YAML"),
        ("m.yaml", "title: x\nelement: []\n", "unknown top-level key(s) 'element'"),
        ("m.yaml", "title: x\n", "no 'elements' list"),
        ("m.yaml", "elements: D1\n", "'elements' must be a list"),
        ("m.yaml", "just a sentence\n", "expected a mapping with 'title' and 'elements'"),
        ("m.yaml", "elements:\n  - id: D1\n    id: D2\n", "line 3: the field 'id' is given twice"),
        ("m.csv", "", "the file is empty"),
        ("m.csv", "id,type,label\n", "a header but no elements"),
        ("m.csv", "id,kind,label\nD1,determinant,x\n", "no column 'type'"),
        ("m.csv", "id,type,label\nD1,determinant,x,y\n", "line 2: 4 cells but the header"),
        ("m.csv", b"\x00\x01binary", "contains binary data"),
    ],
)
def test_bad_files_are_refused_with_a_reason(tmp_path, name, content, message):
    path = write(tmp_path, name, content)
    problems = problems_of(lambda: lm.read_logic_model(path))
    assert any(message in p for p in problems), problems
    assert all(p.startswith(str(path)) for p in problems)


def test_missing_file_and_folder(tmp_path):
    assert "no such file" in problems_of(lambda: lm.read_logic_model(tmp_path / "x.yaml"))[0]
    folder = tmp_path / "dir.yaml"
    folder.mkdir()
    assert "is a folder" in problems_of(lambda: lm.read_logic_model(folder))[0]


def test_yaml_syntax_error_gives_the_line(tmp_path):
    text = GOOD_YAML.replace("    label: Steering group\n", "    label: [Steering group\n")
    (problem,) = problems_of(lambda: lm.read_logic_model(write(tmp_path, "p.yaml", text)))
    assert re.match(rf"{re.escape(str(tmp_path / 'p.yaml'))}, line \d+: not valid YAML", problem)


# ---- properties ------------------------------------------------------------------------------

TYPES = lm.ELEMENT_TYPES


@st.composite
def valid_records(draw):
    """A random valid model: elements of random types, links only where the rules allow."""
    n = draw(st.integers(1, 12))
    kinds = [draw(st.sampled_from(TYPES)) for _ in range(n)]
    ids = [f"E{i}" for i in range(n)]
    rank = {t: i for i, t in enumerate(TYPES)}
    records = []
    for i, kind in enumerate(kinds):
        # targets strictly later in the type order, or a later element of the same chainable
        # type (mechanism, outcomes), so no loop can arise
        options = [
            ids[j]
            for j in range(n)
            if j != i
            and kinds[j] in lm.model.ALLOWED_LINKS[kind]
            and (rank[kinds[j]] > rank[kind] or j > i)
        ]
        links = draw(st.lists(st.sampled_from(options), unique=True)) if options else []
        measure = draw(st.sampled_from(["", "a measure"]))
        records.append(
            {"id": ids[i], "type": kind, "label": f"label {i}", "links": links, "measure": measure}
        )
    return records


def oracle_gaps(records) -> set[tuple[str, str]]:
    """The gaps, recomputed from the rules in words, independently of the package."""
    types = {r["id"]: r["type"] for r in records}
    outcomes = {"implementation_outcome", "service_outcome", "clinical_outcome"}
    gaps = set()
    for r in records:
        out = {types[t] for t in r["links"]}
        into = {types[s["id"]] for s in records if r["id"] in s["links"]}
        if r["type"] == "determinant" and "strategy" not in out:
            gaps.add(("determinant_unaddressed", r["id"]))
        if r["type"] == "strategy" and "mechanism" not in out:
            gaps.add(("strategy_without_mechanism", r["id"]))
        if r["type"] == "mechanism":
            if not into & {"strategy", "mechanism"}:
                gaps.add(("mechanism_without_strategy", r["id"]))
            if not out & (outcomes | {"mechanism"}):
                gaps.add(("mechanism_without_outcome", r["id"]))
        if r["type"] in outcomes:
            if not r["measure"]:
                gaps.add(("outcome_without_measure", r["id"]))
            if not into:
                gaps.add(("outcome_unreached", r["id"]))
    return gaps


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(valid_records())
def test_property_valid_models_build_and_their_gaps_match_the_rules(records):
    model = lm.build_logic_model(records)
    assert len(model.elements) == len(records)
    assert len(model.links) == sum(len(r["links"]) for r in records)
    assert {(g.kind, g.element) for g in model.gaps} == oracle_gaps(records)


@SETTINGS
@given(valid_records(), st.randoms(use_true_random=False))
def test_property_element_order_does_not_change_the_gaps(records, rng):
    shuffled = list(records)
    rng.shuffle(shuffled)
    first = {(g.kind, g.element) for g in lm.build_logic_model(records).gaps}
    assert {(g.kind, g.element) for g in lm.build_logic_model(shuffled).gaps} == first


@SETTINGS
@given(valid_records())
def test_property_csv_and_yaml_round_trips_give_the_same_model(records):
    model = lm.build_logic_model(records, title="round trip")
    again = lm.logic_model_from_yaml(model.to_yaml())
    assert again.to_frame().equals(model.to_frame()) and again.title == "round trip"
    buffer = io.StringIO()
    model.to_frame().to_csv(buffer, index=False)
    table = pd.read_csv(io.StringIO(buffer.getvalue()), dtype=str, keep_default_na=False)
    assert lm.logic_model_from_frame(table).to_frame().equals(model.to_frame())


@SETTINGS
@given(valid_records(), st.data())
def test_property_a_dangling_link_is_always_named(records, extra):
    victim = extra.draw(st.integers(0, len(records) - 1))
    broken = [dict(r, links=list(r["links"])) for r in records]
    broken[victim]["links"].append("NOPE")
    problems = problems_of(lambda: lm.build_logic_model(broken))
    assert problems == [
        f"<records>, element {victim + 1}: element '{records[victim]['id']}': links to 'NOPE', "
        "which is not an element of the model"
    ]


@SETTINGS
@given(valid_records(), st.data())
def test_property_a_duplicated_id_is_always_caught(records, extra):
    source = extra.draw(st.integers(0, len(records) - 1))
    copy = dict(records[source], links=[])
    broken = [*records, copy]
    problems = problems_of(lambda: lm.build_logic_model(broken))
    assert (
        f"<records>, element {len(broken)}: element '{copy['id']}': duplicate id: already used "
        f"at <records>, element {source + 1}"
    ) in problems


@SETTINGS
@given(valid_records())
def test_property_layout_gives_each_element_one_box_and_boxes_do_not_overlap(records):
    model = lm.build_logic_model(records)
    boxes = lm.layout(model)
    assert [b.id for b in boxes] == list(model.ids)
    for column in {b.column for b in boxes}:
        stack = sorted((b for b in boxes if b.column == column), key=lambda b: b.y)
        for low, high in itertools.pairwise(stack):
            assert low.y + low.height / 2 < high.y - high.height / 2


# ---- the diagram -----------------------------------------------------------------------------


def drawn(fig):
    ax = fig.axes[0]
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    return boxes, arrows


def test_plot_has_a_box_per_element_an_arrow_per_link_and_dashes_where_inferred():
    model = lm.read_logic_model(EXAMPLE)
    fig = model.plot()
    boxes, arrows = drawn(fig)
    assert sorted(b.get_gid() for b in boxes) == sorted(f"box-{i}" for i in model.ids)
    assert sorted(a.get_gid() for a in arrows) == sorted(
        f"link-{k.source}-{k.target}" for k in model.links
    )
    dashed = {a.get_gid() for a in arrows if a.get_linestyle() != "-"}
    assert dashed == {f"link-{k.source}-{k.target}" for k in model.links if k.inferred}
    gap_boxes = {b.get_gid() for b in boxes if b.get_linestyle() != "-"}
    assert gap_boxes == {f"box-{g.element}" for g in model.gaps}
    matplotlib.pyplot.close(fig)


def test_svg_is_the_same_bytes_every_time(tmp_path):
    model = lm.read_logic_model(EXAMPLE)
    outputs = []
    for name in ("a.svg", "b.svg"):
        assert cli.main(["logic-model", str(EXAMPLE), "--plot", str(tmp_path / name)]) == 0
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1] and b"<svg" in outputs[0]
    assert len(model.links) == 11


# ---- the worked example and the template -----------------------------------------------------


def test_worked_example_validates_and_its_gaps_are_the_slides_silences():
    frame = data.load("mst_metro_city_logic_model")
    model = lm.logic_model_from_frame(frame, name="mst_metro_city_logic_model")
    assert [(g.kind, g.element) for g in model.gaps] == [
        ("determinant_unaddressed", "D2"),
        ("strategy_without_mechanism", "S3"),
        ("mechanism_without_strategy", "M2"),
        ("outcome_without_measure", "O1"),
        ("outcome_without_measure", "O3"),
    ]
    # read from the file directly, it is the same model
    assert lm.read_logic_model(EXAMPLE).to_frame().equals(model.to_frame())


def test_every_element_of_the_worked_example_carries_quoted_evidence_and_its_slide():
    model = lm.read_logic_model(EXAMPLE)
    for element in model.elements:
        quotes = element.evidence.split(" | ")
        sources = element.source.split(" | ")
        assert all(quotes) and len(quotes) == len(sources), element.id
        assert all(re.fullmatch(r"mstslides2022: slide '[^']+'", s) for s in sources), element.id
    # an element with an inferred link says, in its note, that the link is the book's reading
    for element in model.elements:
        if any(k.inferred for k in model.links_from(element.id)):
            assert "book's reading" in element.note, element.id


def test_template_validates_without_gaps():
    template = lm.logic_model_from_frame(data.load("logic_model_template"))
    assert template.complete
    assert {e.type for e in template.elements} >= {"determinant", "strategy", "mechanism"}


# ---- command line ----------------------------------------------------------------------------


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_text_report_and_json(capsys, tmp_path):
    code, out, err = run(capsys, "logic-model", str(EXAMPLE))
    assert code == 0 and err == ""
    heading, counts, blank, table_head = out.splitlines()[:4]
    assert heading == "Logic model: mst_metro_city_logic_model" and blank == ""
    assert counts.startswith("4 determinants, 3 strategies") and counts.endswith("; 5 gaps")
    assert table_head.split()[:3] == ["id", "type", "label"] and "LogicModel(" not in out
    assert "Gaps (5):" in out and "No strategy addresses determinant D2" in out
    code, out, _ = run(capsys, "logic-model", str(EXAMPLE), "--json", "--title", "Metro City")
    document = json.loads(out)
    assert code == 0 and document["command"] == "logic-model" and document["title"] == "Metro City"
    assert document["counts"]["strategy"] == 3 and document["figure"] is None
    assert document["elements"][4]["links"] == ["M1", "M3"]
    assert len(document["gaps"]) == 5 and document["complete"] is False


def test_cli_strict_fails_only_with_gaps(capsys, tmp_path):
    assert run(capsys, "logic-model", str(EXAMPLE), "--strict")[0] == 1
    code, out, _ = run(capsys, "logic-model", str(TEMPLATE), "--strict")
    assert code == 0 and "No gaps" in out


def test_cli_writes_the_figure(capsys, tmp_path):
    target = tmp_path / "model.svg"
    code, out, _ = run(capsys, "logic-model", str(EXAMPLE), "--plot", str(target))
    assert code == 0 and target.read_bytes().startswith(b"<?xml") and str(target) in out


@pytest.mark.parametrize(
    "content",
    [
        GOOD_YAML.replace("links: [M1]", "links: [M9]"),
        GOOD_YAML.replace("type: mechanism", "type: gadget"),
        GOOD_YAML.replace("  - id: M1\n", "  - id: S1\n"),
        "elements: [\n",
    ],
)
def test_cli_bad_input_one_line_exit_2_nothing_written(capsys, tmp_path, content):
    path = write(tmp_path, "bad.yaml", content)
    figure = tmp_path / "out.svg"
    code, out, err = run(capsys, "logic-model", str(path), "--plot", str(figure), "--json")
    assert code == 2 and out == ""
    assert err.startswith("implsupport: error: ") and err.count("\n") == 1
    assert "Traceback" not in err and str(path) in err
    assert not figure.exists()
    kept = write(tmp_path, "kept.svg", "old figure")
    assert run(capsys, "logic-model", str(path), "--plot", str(kept))[0] == 2
    assert kept.read_text() == "old figure"


def test_cli_refuses_a_bad_figure_name_before_reading(capsys, tmp_path):
    code, out, err = run_exit(capsys, "logic-model", str(EXAMPLE), "--plot", "x.pdf")
    assert code == 2 and out == "" and "must end in .svg or .png" in err


def run_exit(capsys, *argv):
    try:
        code = cli.main(list(argv))
    except SystemExit as stop:
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


def test_random_shuffles_of_the_example_keep_the_same_gaps():
    model = lm.read_logic_model(EXAMPLE)
    records = model.to_frame().to_dict(orient="records")
    rng = random.Random(7)
    for _ in range(5):
        rng.shuffle(records)
        again = lm.build_logic_model(records)
        assert {(g.kind, g.element) for g in again.gaps} == {
            (g.kind, g.element) for g in model.gaps
        }


def test_drawn_down_it_fits_the_text_column_at_the_book_s_text_size():
    model = lm.read_logic_model(EXAMPLE)
    fig = model.plot(width=plotting.COLUMN_INCHES, direction="down")
    boxes, arrows = drawn(fig)
    assert sorted(b.get_gid() for b in boxes) == sorted(f"box-{i}" for i in model.ids)
    assert sorted(a.get_gid() for a in arrows) == sorted(
        f"link-{k.source}-{k.target}" for k in model.links
    )
    dashed = {a.get_gid() for a in arrows if a.get_linestyle() != "-"}
    assert dashed == {f"link-{k.source}-{k.target}" for k in model.links if k.inferred}
    fig.draw_without_rendering()
    assert fig.get_tightbbox().width <= plotting.COLUMN_INCHES * 1.001
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
    assert min(sizes) >= plotting.MIN_FONT_POINTS
    # No two boxes overlap, and the text written in a box stays inside it.
    renderer = fig.canvas.get_renderer()
    extents = [b.get_window_extent(renderer) for b in boxes]
    for i, a in enumerate(extents):
        for b in extents[i + 1 :]:
            assert not a.overlaps(b)
    ax = fig.axes[0]
    inside = 0
    for text in ax.texts:
        anchor = ax.transData.transform(text.get_position())
        for box in extents:
            if box.contains(*anchor):
                written = text.get_window_extent(renderer)
                assert box.x0 - 1 <= written.x0 and written.x1 <= box.x1 + 1, text.get_text()
                assert box.y0 - 1 <= written.y0 and written.y1 <= box.y1 + 1, text.get_text()
                inside += 1
    assert inside >= len(boxes)
    with pytest.raises(ValueError, match="direction"):
        model.plot(direction="sideways")
    matplotlib.pyplot.close(fig)
