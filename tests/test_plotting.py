from __future__ import annotations

import re

import matplotlib as mpl
import matplotlib.text
import pytest

from implsupport import plotting


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of a #RRGGBB colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_against_known_values() -> None:
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize(("name", "colour"), plotting.PALETTE.items())
def test_palette_colour_has_3_to_1_contrast_on_white(name: str, colour: str) -> None:
    assert contrast(colour, "#FFFFFF") >= 3.0, f"{name} {colour}"


def test_palette_colours_are_distinct() -> None:
    colours = list(plotting.PALETTE.values())
    assert len(set(colours)) == len(colours)


def test_house_style_sets_the_colour_cycle() -> None:
    with mpl.rc_context():
        plotting.use_house_style()
        cycle = [c["color"] for c in mpl.rcParams["axes.prop_cycle"]]
        assert cycle == list(plotting.PALETTE.values())


def test_figure_and_glue_name_checks() -> None:
    fig, _ax = plotting.figure(width=3, height=2)
    assert tuple(fig.get_size_inches()) == (3, 2)
    with pytest.raises(ValueError, match="figure name"):
        plotting.glue_figure("bad name!", fig)


def _drawn(width: float = 10.0) -> object:
    fig, ax = plotting.figure(width=width, height=4)
    ax.plot([0, 1, 2], [0.1, 0.4, 0.2], label="adoption")
    ax.annotate("small note", (1, 0.4), fontsize=6)
    ax.set_title("Adoption over time")
    ax.legend()
    return fig


def test_stored_svg_is_the_same_every_time_and_keeps_text_as_text() -> None:
    first = plotting.figure_svg(_drawn())
    second = plotting.figure_svg(_drawn())
    assert first == second
    assert "<dc:date>" not in first
    assert "Adoption over time" in first  # text as text, not glyph outlines


def test_wide_figures_fit_the_column_and_small_text_is_enlarged() -> None:
    fig = plotting.fit_to_column(_drawn(width=10))
    width, height = fig.get_size_inches()
    fig.draw_without_rendering()
    drawn = fig.get_tightbbox().width
    assert drawn <= plotting.COLUMN_INCHES * 1.001
    assert width / height == pytest.approx(10 / 4)  # shrunk, not distorted
    sizes = [t.get_fontsize() for t in fig.findobj(mpl.text.Text) if t.get_text()]
    assert min(sizes) >= plotting.MIN_FONT_POINTS
    narrow = plotting.fit_to_column(_drawn(width=4))
    assert narrow.get_size_inches()[0] == pytest.approx(4)


def test_level_stretches_keep_their_ends_only() -> None:
    x, y = plotting.without_flat_runs([0, 1, 2, 3, 4, 5, 6], [0, 0, 0, 1, 1, 1, 2])
    assert x.tolist() == [0, 2, 3, 5, 6]
    assert y.tolist() == [0, 0, 1, 1, 2]
    with pytest.raises(ValueError, match="one length"):
        plotting.without_flat_runs([0, 1], [0])


def test_stored_svg_keeps_geometry_to_a_tenth_of_a_point_and_no_unused_parts() -> None:
    svg = plotting.figure_svg(_drawn())
    assert "<metadata>" not in svg and 'transform="rotate(-0 ' not in svg
    paths = re.findall(r' d="([^"]*)"', svg)
    assert paths and not any(re.search(r"\d\.\d\d", d) for d in paths)
    assert "'Computer Modern Sans Serif'" not in svg
    # the fonts are named once, in the file's style sheet, not on every text element
    assert svg.count("font-family") == 1 and "text{font-family:'DejaVu Sans'" in svg


def test_stored_svg_is_compact_and_draws_everything_matplotlib_drew() -> None:
    import io
    import xml.etree.ElementTree as ET

    fig, ax = plotting.figure()
    ax.plot([0, 1, 2], [0.1, 0.4, 0.2], marker="o", label="adopters")
    ax.bar([0.5], [0.3], hatch="xx", label="hatched")
    ax.set_title("Adoption over time")
    ax.legend()
    raw = io.StringIO()  # what matplotlib writes, text as text, before the book tidies it
    with mpl.rc_context({"svg.fonttype": "none"}):
        fig.savefig(raw, format="svg", bbox_inches="tight")
    stored = plotting.figure_svg(fig)
    tree = ET.fromstring(stored)  # still well-formed

    def drawn(root: ET.Element) -> list[str]:
        return sorted(
            e.tag.split("}")[-1]
            for e in root.iter()
            if e.tag.split("}")[-1]
            in {"path", "use", "text", "image", "rect", "pattern", "clipPath"}
        )

    assert drawn(tree) == drawn(ET.fromstring(raw.getvalue()))
    texts = [e.text for e in tree.iter() if e.tag.endswith("text")]
    assert {"Adoption over time", "adopters", "hatched"} <= set(texts)
    # every id referred to is still there, and no group is left that only names itself
    ids = {e.get("id") for e in tree.iter()}
    assert set(re.findall(r'(?:url\(#|href="#)([^)"]+)', stored)) <= ids
    assert not re.search(r'<g id="[^"]*">', stored.replace('<g id="figure_1">', ""))
    assert ">\n" not in stored.rstrip() and "  L " not in stored
    assert len(stored) < 0.8 * len(raw.getvalue())


def test_stored_svg_does_not_change_with_last_bit_differences_in_the_geometry() -> None:
    # Another CPU computes the axes' box a few ulps apart; matplotlib's clip-path and marker
    # ids hash that box, so the stored file numbers them in order instead.
    def drawn(width: float) -> str:
        fig, ax = plotting.figure(width=width, height=3)
        ax.plot([0, 1, 2], [0.1, 0.4, 0.2], marker="o")
        return plotting.figure_svg(fig)

    first, second = drawn(5.0), drawn(5.0 + 1e-12)
    assert 'clip-path="url(#clip' in first and 'xlink:href="#marker' in first
    assert first == second


def test_stored_svg_keeps_the_digits_of_the_words_a_reader_sees() -> None:
    fig, ax = plotting.figure()
    ax.plot([0, 1], [0.0012345, 0.5], label="mostly pull (p = 0.005, q = 0.405)")
    ax.set_yticks([0.0025, 0.0125])
    ax.legend()
    svg = plotting.figure_svg(fig)
    assert "mostly pull (p = 0.005, q = 0.405)" in svg
    assert "0.0025" in svg and "0.0125" in svg  # tick labels as matplotlib wrote them
    markup = " ".join(re.findall(r"<[^>]*>", svg))
    assert not re.search(r"\d\.\d{3}", markup)  # the markup's numbers are still cut short
