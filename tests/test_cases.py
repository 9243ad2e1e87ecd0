"""Tests of implsupport.cases: CFIR ratings and QCA against published and independent results."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sympy import symbols
from sympy.logic.boolalg import And, BooleanTrue, Or, SOPform

from implsupport import cases, data

LIPSET = Path(__file__).parent / "data" / "lipset_crisp.csv"
CONDITIONS = ["DEV", "URB", "LIT", "IND", "STB"]
ORDER = ["Isolated Coastal", "Expanded City", "Metro City"]


@pytest.fixture(scope="module")
def lipset() -> pd.DataFrame:
    return pd.read_csv(LIPSET, index_col="case")


# ---- QCA against the published Lipset solutions (Rihoux & Ragin 2009; R QCA dataset LC) -------


def test_lipset_conservative_solution_and_coverages(lipset):
    sol = cases.minimize(cases.truth_table(lipset, CONDITIONS, "SURV"))
    assert sol.expressions() == ["DEV*~URB*LIT*STB + DEV*LIT*IND*STB"]
    fit = sol.to_frame().set_index("term")
    assert fit.loc["DEV*~URB*LIT*STB", "cov_r"] == pytest.approx(0.50)
    assert fit.loc["DEV*LIT*IND*STB", "cov_r"] == pytest.approx(0.75)
    assert fit.loc["DEV*~URB*LIT*STB", "cov_u"] == pytest.approx(0.25)
    assert fit.loc["DEV*LIT*IND*STB", "cov_u"] == pytest.approx(0.50)
    assert sol.solution_fit.loc["M1", "cov"] == pytest.approx(1.0)
    assert sol.solution_fit.loc["M1", "incl"] == pytest.approx(1.0)


def test_lipset_parsimonious_solution(lipset):
    sol = cases.minimize(cases.truth_table(lipset, CONDITIONS, "SURV"), remainders=True)
    assert sol.expressions() == ["DEV*STB"]


def test_lipset_negated_outcome(lipset):
    tt = cases.truth_table(lipset, CONDITIONS, "~SURV")
    conservative = cases.minimize(tt)
    assert conservative.expressions() == ["~DEV*~URB*~IND + DEV*LIT*IND*~STB"]
    parsimonious = cases.minimize(tt, remainders=True)
    assert parsimonious.expressions() == ["~DEV + ~STB"]
    cov = parsimonious.to_frame().set_index("term")["cov_r"]
    assert cov["~DEV"] == pytest.approx(0.80)
    assert cov["~STB"] == pytest.approx(0.70)


def test_lipset_truth_table_rows(lipset):
    tt = cases.truth_table(lipset, CONDITIONS, "SURV")
    observed = tt.to_frame()
    assert observed["n"].sum() == 18
    assert len(observed) == 9  # nine distinct configurations among the 18 countries
    assert len(tt.to_frame(complete=True)) == 32
    row = observed[observed["cases"] == "BE,CZ,NL,UK"].iloc[0]
    assert (row["OUT"], row["n"]) == ("1", 4)
    assert set(tt.table.loc[tt.table["n"] == 0, "OUT"]) == {"?"}


def test_lipset_necessity(lipset):
    nec = cases.necessity(lipset, CONDITIONS, "SURV").to_frame()
    # DEV is present in all 8 survivors; 10 countries are DEV, so coverage 8/10.
    assert nec.loc["DEV", "inclN"] == pytest.approx(1.0)
    assert nec.loc["DEV", "covN"] == pytest.approx(0.8)
    # Relevance: sum(1 - X) / sum(1 - min(X, Y)) = 8 / (18 - 8).
    assert nec.loc["DEV", "RoN"] == pytest.approx(8 / 10)
    assert nec.loc["~DEV", "inclN"] == pytest.approx(0.0)


# ---- Tied minimal solutions -----------------------------------------------------------------


def _crisp_frame(k, ones, zeros):
    names = [chr(ord("A") + j) for j in range(k)]
    rows = [(*r, 1) for r in ones] + [(*r, 0) for r in zeros]
    frame = pd.DataFrame(rows, columns=[*names, "Y"])
    frame.index = [f"c{i}" for i in range(len(frame))]
    return frame, names


def test_cyclic_chart_returns_both_tied_solutions():
    # f(A,B,C) = sum m(0,1,2,5,6,7): the textbook cyclic prime-implicant chart with exactly
    # two minimal covers, ~A*~B + B*~C + A*C and ~A*~C + ~B*C + A*B.
    minterms = [0, 1, 2, 5, 6, 7]
    ones = [tuple(int(b) for b in f"{m:03b}") for m in minterms]
    zeros = [tuple(int(b) for b in f"{m:03b}") for m in (3, 4)]
    frame, names = _crisp_frame(3, ones, zeros)
    sol = cases.minimize(cases.truth_table(frame, names, "Y"))
    assert {frozenset(s) for s in sol.solutions} == {
        frozenset({"~A*~B", "B*~C", "A*C"}),
        frozenset({"~A*~C", "~B*C", "A*B"}),
    }
    assert len(sol.prime_implicants) == 6


def _brute_force_primes(k, ones, dont_cares):
    allowed = set(ones) | set(dont_cares)
    rows = list(itertools.product((0, 1), repeat=k))
    implicants = []
    for term in itertools.product((0, 1, None), repeat=k):
        covered = [
            r for r in rows if all(t is None or t == v for t, v in zip(term, r, strict=True))
        ]
        if all(r in allowed for r in covered):
            implicants.append((term, frozenset(covered)))
    return [t for t, cov in implicants if not any(cov < other for _, other in implicants)]


def _brute_force_minimal(primes, ones):
    for size in range(1, len(primes) + 1):
        found = []
        for combo in itertools.combinations(primes, size):
            covered = (
                any(all(t is None or t == v for t, v in zip(p, r, strict=True)) for p in combo)
                for r in ones
            )
            if all(covered):
                found.append(frozenset(combo))
        if found:
            return set(found)
    return set()


def _evaluate(solution, names, row):
    if "1" in solution:  # the empty term: always true
        return True
    return any(
        all(
            (row[names.index(lit.lstrip("~"))] == (0 if lit.startswith("~") else 1))
            for lit in term.split("*")
        )
        for term in solution
    )


@pytest.mark.parametrize("seed", range(60))
def test_minimal_solutions_against_brute_force_and_sympy(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 6))
    rows = list(itertools.product((0, 1), repeat=k))
    status = rng.choice(["1", "0", "?"], size=len(rows), p=[0.4, 0.35, 0.25])
    ones = [r for r, s in zip(rows, status, strict=True) if s == "1"]
    zeros = [r for r, s in zip(rows, status, strict=True) if s == "0"]
    remainders = [r for r, s in zip(rows, status, strict=True) if s == "?"]
    if not ones:
        return
    frame, names = _crisp_frame(k, ones, zeros)
    tt = cases.truth_table(frame, names, "Y")
    syms = symbols(" ".join(names))
    syms = syms if isinstance(syms, tuple) else (syms,)
    for use_remainders in (False, True):
        sol = cases.minimize(tt, remainders=use_remainders)
        dont = remainders if use_remainders else []
        # Every tied minimal cover, exactly (independent brute force over all implicants).
        primes = _brute_force_primes(k, ones, dont)
        expected = _brute_force_minimal(primes, ones)
        got = {frozenset(cases.parse_term(t, names) for t in s) for s in sol.solutions}
        assert got == expected
        assert set(sol.prime_implicants) == {cases.term_label(p, names) for p in primes}
        # Each solution reproduces the observed rows (and, without remainders, every row).
        for s in sol.solutions:
            assert all(_evaluate(s, names, r) for r in ones)
            assert not any(_evaluate(s, names, r) for r in zeros)
            if not use_remainders:
                assert not any(_evaluate(s, names, r) for r in remainders)
        # No more terms than sympy's minimiser; as few literals when the term counts tie.
        ref = SOPform(list(syms), [list(r) for r in ones], [list(r) for r in dont])
        if isinstance(ref, BooleanTrue):
            ref_terms = [ref]
            ref_literals = 0
        else:
            ref_terms = list(ref.args) if isinstance(ref, Or) else [ref]
            ref_literals = sum(len(t.args) if isinstance(t, And) else 1 for t in ref_terms)
        n_terms = len(sol.solutions[0])
        assert n_terms <= len(ref_terms)
        fewest_literals = min(sol.to_frame().groupby("solution")["literals"].sum())
        if n_terms == len(ref_terms):
            assert fewest_literals <= ref_literals
        # sympy's expression and ours agree on every observed row.
        for r in ones + zeros:
            value = bool(ref.subs(dict(zip(syms, [bool(v) for v in r], strict=True))))
            assert value == _evaluate(sol.solutions[0], names, r)


# ---- Fuzzy sets: hand-computed parameters of fit ------------------------------------------------

FUZZY = pd.DataFrame(
    {"X": [0.2, 0.6, 0.9, 0.4], "Y": [0.3, 0.8, 0.7, 0.1]}, index=["a", "b", "c", "d"]
)


def test_fuzzy_sufficiency_by_hand():
    # min(X,Y) = .2,.6,.7,.1 (sum 1.6); sum X = 2.1; sum Y = 1.9; min(X,Y,1-Y) = .2,.2,.3,.1 (0.8)
    fit = cases.sufficiency(FUZZY, "X", "Y").to_frame().loc["X"]
    assert fit["incl"] == pytest.approx(1.6 / 2.1)
    assert fit["cov"] == pytest.approx(1.6 / 1.9)
    assert fit["PRI"] == pytest.approx((1.6 - 0.8) / (2.1 - 0.8))


def test_fuzzy_necessity_by_hand():
    nec = cases.necessity(FUZZY, ["X"], "Y").to_frame().loc["X"]
    assert nec["inclN"] == pytest.approx(1.6 / 1.9)
    assert nec["covN"] == pytest.approx(1.6 / 2.1)
    # sum(1-X) = 1.9; sum(1 - min(X,Y)) = .8+.4+.3+.9 = 2.4
    assert nec["RoN"] == pytest.approx(1.9 / 2.4)


def test_fuzzy_truth_table_by_hand():
    frame = pd.DataFrame(
        {"A": [0.8, 0.7, 0.3, 0.1], "B": [0.6, 0.2, 0.9, 0.4], "Y": [0.9, 0.4, 0.6, 0.2]},
        index=["p", "q", "r", "s"],
    )
    tt = cases.truth_table(frame, ["A", "B"], "Y", incl_cut=0.8).table.set_index(["A", "B"])
    # A*B memberships: min(.8,.6)=.6, min(.7,.2)=.2, min(.3,.9)=.3, min(.1,.4)=.1
    # min with Y: .6, .2, .3, .1 -> incl = 1.2 / 1.2 = 1; only p has membership > 0.5.
    assert tt.loc[(1, 1), "cases"] == "p"
    assert tt.loc[(1, 1), "incl"] == pytest.approx(1.0)
    assert tt.loc[(1, 1), "OUT"] == "1"
    # A*~B: min(.8,.4)=.4, min(.7,.8)=.7, min(.3,.1)=.1, min(.1,.6)=.1 -> sum 1.3
    # min with Y: .4, .4, .1, .1 = 1.0 -> incl 1.0/1.3 = 0.769 < 0.8 -> OUT 0 (q is in it)
    assert tt.loc[(1, 0), "incl"] == pytest.approx(1.0 / 1.3)
    assert tt.loc[(1, 0), "OUT"] == "0"
    assert tt.loc[(1, 0), "cases"] == "q"


def test_calibration_anchors_and_shape():
    x = [10, 20, 30, 40, 50]
    m = cases.calibrate(x, exclusion=10, crossover=30, inclusion=50)
    assert m[0] == pytest.approx(0.05)
    assert m[2] == pytest.approx(0.5)
    assert m[4] == pytest.approx(0.95)
    # Halfway between crossover and inclusion the log-odds are half of log(19).
    assert m[3] == pytest.approx(1 / (1 + math.exp(-math.log(19) / 2)))
    down = cases.calibrate(x, exclusion=50, crossover=30, inclusion=10)
    assert down == pytest.approx(1 - m)
    # Asymmetric anchors: each side scaled by its own distance.
    asym = cases.calibrate([0, 10, 100], exclusion=0, crossover=10, inclusion=100)
    assert asym == pytest.approx([0.05, 0.5, 0.95])


def test_calibration_rejects_bad_thresholds():
    with pytest.raises(ValueError, match="crossover must lie strictly between"):
        cases.calibrate([1, 2], exclusion=1, crossover=5, inclusion=3)


def test_membership_outside_unit_interval_names_the_cell():
    frame = FUZZY.copy()
    frame.loc["c", "X"] = 1.3
    with pytest.raises(ValueError, match=r"row 'c', condition 'X'.*1\.3.*outside \[0, 1\]"):
        cases.truth_table(frame, ["X"], "Y")
    with pytest.raises(ValueError, match=r"row 'c', condition 'X'"):
        cases.sufficiency(frame, "X", "Y")


# ---- CFIR ratings -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ratings() -> pd.DataFrame:
    return data.load("mst_cfir_ratings")


def test_ratings_data_are_complete_and_evidenced(ratings):
    clean = cases.validate_ratings(ratings, max_abs=1)
    assert len(clean) == 39 * 3
    assert clean.groupby("service")["construct"].nunique().eq(39).all()
    rated = clean[clean["rating"] != "M"]
    # Each quoted phrase has its slide: the two lists have the same length.
    assert (rated["evidence"].str.count(r" \| ") == rated["source"].str.count(r" \| ")).all()
    assert rated["source"].str.startswith("mstslides2022: slide '").all()


def test_rate_matrix_orders_services_and_marks_distinguishing(ratings):
    matrix = cases.rate_matrix(ratings, order=ORDER, high=["Metro City"], max_abs=1)
    assert list(matrix.codes.columns) == ORDER
    strong = set(matrix.marks[matrix.marks == "**"].index)
    assert strong == {"Networks & Communications", "Relative Priority"}
    # Leadership Engagement is X at Expanded City, so it cannot distinguish under the rule.
    assert matrix.codes.loc["Leadership Engagement", "Expanded City"] == "X"
    assert matrix.marks["Leadership Engagement"] == ""


def test_changing_one_rating_changes_the_marks(ratings):
    edited = ratings.copy()
    cell = (edited["construct"] == "Leadership Engagement") & (edited["service"] == "Expanded City")
    edited.loc[cell, "rating"] = "-1"
    matrix = cases.rate_matrix(edited, order=ORDER, high=["Metro City"], max_abs=1)
    assert matrix.marks["Leadership Engagement"] == "**"
    edited.loc[cell, "rating"] = "0"
    matrix = cases.rate_matrix(edited, order=ORDER, high=["Metro City"], max_abs=1)
    assert matrix.marks["Leadership Engagement"] == "*"


def _one_row(**changes):
    base = {
        "domain": "Inner setting",
        "construct": "Culture",
        "service": "Metro City",
        "rating": "+1",
        "evidence": "a quoted phrase",
        "source": "mstslides2022: slide 'Metro City'",
    }
    base.update(changes)
    return pd.DataFrame([base])


def test_unknown_rating_code_names_the_cell():
    with pytest.raises(
        ValueError, match=r"row 1 \(service 'Metro City', construct 'Culture'\).*unknown rating"
    ):
        cases.validate_ratings(_one_row(rating="+3"))


def test_rating_without_evidence_names_the_cell():
    with pytest.raises(ValueError, match=r"service 'Metro City', construct 'Culture'.*no evidence"):
        cases.validate_ratings(_one_row(evidence="  "))
    # M (missing) needs no evidence.
    assert cases.validate_ratings(_one_row(rating="M", evidence="", source=""))["rating"][0] == "M"


def test_rating_above_the_rules_cap_is_refused():
    with pytest.raises(ValueError, match=r"construct 'Culture'.*exceeds the rule's limit of ±1"):
        cases.validate_ratings(_one_row(rating="+2"), max_abs=1)
    assert cases.validate_ratings(_one_row(rating="2"))["score"][0] == 2


def test_duplicate_and_missing_cells_are_refused(ratings):
    doubled = pd.concat([_one_row(), _one_row()], ignore_index=True)
    with pytest.raises(ValueError, match="duplicate rating"):
        cases.validate_ratings(doubled)
    dropped = ratings.iloc[1:]
    with pytest.raises(ValueError, match="has no row for service"):
        cases.rate_matrix(dropped, order=ORDER, high=["Metro City"])


def test_missing_column_is_named():
    with pytest.raises(ValueError, match=r"missing column\(s\) \['evidence'\]"):
        cases.validate_ratings(_one_row().drop(columns="evidence"))


def test_heat_map_draws_every_cell_in_one_panel_per_domain(ratings):
    matrix = cases.rate_matrix(ratings, order=ORDER, high=["Metro City"], max_abs=1)
    fig = matrix.plot()
    domains = list(dict.fromkeys(matrix.domains))
    assert len(fig.axes) == len(domains) == 5
    from matplotlib.text import Annotation

    codes = [t.get_text() for ax in fig.axes for t in ax.texts if not isinstance(t, Annotation)]
    assert len(codes) == 39 * 3
    assert codes.count("M") == int((matrix.codes == "M").to_numpy().sum())
    assert codes.count("−1") == int((matrix.codes == "-1").to_numpy().sum())
    # each panel is headed by its domain; names read across, wrapped, never cut
    heads = [
        " ".join(t.get_text().split())
        for ax in fig.axes
        for t in ax.texts
        if isinstance(t, Annotation)
    ]
    assert heads == domains
    labels = [" ".join(lab.get_text().split()) for ax in fig.axes for lab in ax.get_yticklabels()]
    assert labels[0] == "Intervention Source"
    assert "Formally Appointed Internal Implementation Leaders" in labels
    assert sum(label.endswith("**") for label in labels) == int((matrix.marks == "**").sum())
    assert all(lab.get_rotation() == 0 for ax in fig.axes for lab in ax.get_xticklabels())
    # the legend names only the codes used (this rule caps ratings at ±1)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["−1 negative", "0 neutral", "+1 positive", "X mixed", "M missing"]


def test_mark_sensitivity_lists_single_changes_that_move_a_mark(ratings):
    matrix = cases.rate_matrix(ratings, order=ORDER, high=["Metro City"], max_abs=1)
    table = cases.mark_sensitivity(matrix, max_abs=1)
    row = table[(table["construct"] == "Leadership Engagement") & (table["changed_to"] == "-1")]
    assert list(row["new_mark"]) == ["**"]
    # Every strongly distinguishing construct loses its mark if one of its cells becomes X.
    for construct in ("Networks & Communications", "Relative Priority"):
        to_x = table[(table["construct"] == construct) & (table["changed_to"] == "X")]
        assert len(to_x) == 3 and set(to_x["new_mark"]) == {""}
    # Cells rated M are never re-rated, and no change exceeds the cap.
    assert not (table["rating"] == "M").any()
    assert not table["changed_to"].isin(["-2", "+2"]).any()


# ---- Command line ---------------------------------------------------------------------------


def test_cli_qca_on_lipset(capsys):
    from implsupport import cli

    code = cli.main(
        ["cases", "qca", str(LIPSET), "--conditions", "DEV,URB,LIT,IND,STB",
         "--outcome", "~SURV", "--case-column", "case", "--remainders"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "M1: ~DEV + ~STB -> ~SURV" in out


def _bad(capsys, argv):
    from implsupport import cli

    code = cli.main(argv)
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err
    return lines[0]


def test_cli_bad_inputs_are_one_line(capsys, tmp_path):
    assert "no such file" in _bad(
        capsys, ["cases", "qca", str(tmp_path / "none.csv"), "--conditions", "A", "--outcome", "Y"]
    )
    fuzzy = tmp_path / "fuzzy.csv"
    fuzzy.write_text("case,A,Y\nx,0.2,1\ny,1.4,0\n")
    message = _bad(
        capsys,
        [
            "cases",
            "qca",
            str(fuzzy),
            "--conditions",
            "A",
            "--outcome",
            "Y",
            "--case-column",
            "case",
        ],
    )
    assert "row 'y', condition 'A'" in message and "outside [0, 1]" in message
    assert "no column 'B'" in _bad(
        capsys, ["cases", "qca", str(fuzzy), "--conditions", "A", "--outcome", "Y",
                 "--case-column", "B"]
    )  # fmt: skip
    ratings = tmp_path / "ratings.csv"
    _one_row(rating="+5").to_csv(ratings, index=False)
    message = _bad(
        capsys, ["cases", "ratings", str(ratings), "--order", "Metro City", "--high", "Metro City"]
    )
    assert "unknown rating code '+5'" in message and "construct 'Culture'" in message
    _one_row(evidence="").to_csv(ratings, index=False)
    message = _bad(
        capsys, ["cases", "ratings", str(ratings), "--order", "Metro City", "--high", "Metro City"]
    )
    assert "no evidence" in message and "service 'Metro City'" in message


def test_cli_usage_mistake_exits_2(capsys):
    from implsupport import cli

    with pytest.raises(SystemExit) as exc:
        cli.main(["cases", "qca"])
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_service_features_keep_evidence_beside_each_code():
    features = data.load("mst_service_features")
    assert len(features) == 3 * 10
    assert set(features["service"]) == set(ORDER)
    silent = features["code"] == "not described"
    assert features.loc[silent, "evidence"].isna().all()
    assert features.loc[silent, "note"].notna().all()  # a silence is explained
    rated = features[~silent]
    assert rated["evidence"].notna().all()
    assert (rated["evidence"].str.count(r" \| ") == rated["source"].str.count(r" \| ")).all()
    years = features[features["feature"] == "years operated"].set_index("service")["code"]
    assert years.to_dict() == {"Isolated Coastal": "2", "Expanded City": "5", "Metro City": "7+"}
