"""The pictures in docs/: every embedded image exists, the figure scripts run (a fast subset here;
``make figures`` makes them all), and the pictures show what the text says they show."""
import importlib
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

REPO = Path(__file__).resolve().parent.parent
FIGURES = REPO / "docs" / "figures"
IMAGES = REPO / "docs" / "images"
sys.path.insert(0, str(FIGURES))

CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)   # examples inside code are not embeds
IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|<img[^>]*\bsrc=\"([^\"]+)\"")


def markdown_files():
    return sorted(REPO.glob("docs/**/*.md")) + sorted(REPO.glob("README*.md"))


def embedded_images():
    """(markdown file, link, resolved path) for every local image a page embeds."""
    out = []
    for md in markdown_files():
        for m in IMAGE_LINK.finditer(CODE.sub("", md.read_text(encoding="utf-8"))):
            link = m.group(1) or m.group(2)
            if not link.startswith(("http://", "https://", "data:")):
                out.append((md, link, (md.parent / link.split("#")[0]).resolve()))
    return out


def module(name):
    return importlib.import_module(name)


# ----------------------------------------------------------------------------- the docs and the files
def test_every_embedded_image_exists():
    found = embedded_images()
    missing = [f"{md.relative_to(REPO)}: {link}" for md, link, path in found if not path.is_file()]
    assert not missing, "embedded images that do not exist:\n" + "\n".join(missing)


def test_every_unit_page_embeds_a_picture_in_both_languages():
    by_page = {}
    for md, _, path in embedded_images():
        by_page.setdefault(md.relative_to(REPO).as_posix(), set()).add(path.name)
    pages = [p.relative_to(REPO).as_posix() for p in sorted((REPO / "docs").glob("0*.md"))]
    pages += ["docs/backprop.md"]
    # every Korean unit page there is (01-04 at least; docs/images/README.md lists what to embed)
    pages += [p.relative_to(REPO).as_posix() for p in sorted((REPO / "docs" / "ko").glob("0*.md"))]
    pages += ["docs/ko/backprop.md"] if (REPO / "docs" / "ko" / "backprop.md").exists() else []
    assert len(pages) >= 12
    missing = [p for p in pages if not by_page.get(p)]
    assert missing == [], f"pages without a picture (see docs/images/README.md for which to embed): {missing}"
    for ko in (REPO / "docs" / "ko").glob("0*.md"):   # a Korean page shows the English page's pictures
        en = f"docs/{ko.name}"
        if by_page.get(en) and by_page.get(f"docs/ko/{ko.name}"):
            assert by_page[en] <= by_page[f"docs/ko/{ko.name}"], ko.name


def test_images_are_listed_made_by_a_script_and_modest():
    listing = (IMAGES / "README.md").read_text(encoding="utf-8")
    # made by docs/figures/, or by a lesson script that draws its own (08_*: run under mpiexec)
    sources = "".join(p.read_text(encoding="utf-8") for p in [*FIGURES.glob("*.py"), *(REPO / "examples").glob("*.py")])
    files = sorted(p for p in IMAGES.iterdir() if p.suffix in (".png", ".gif"))
    assert len(files) >= 14 and any(p.suffix == ".gif" for p in files)
    for p in files:
        assert p.name in listing, f"{p.name} is not in docs/images/README.md"
        assert f'"{p.name}"' in sources or f"{p.stem}" in sources, f"no script in docs/figures/ or examples/ makes {p.name}"
        assert p.stat().st_size < (300_000 if p.suffix == ".gif" else 200_000), p.name


# ----------------------------------------------------------------------------- what the pictures show
def test_rgb_channels_bright_means_high():
    unit01 = module("unit01")
    fig, (r, g, b), images = unit01.rgb_channels_figure()
    try:
        # the red square (rows 6-15, columns 18-27) is R = 255, G = B = 0; R is 0 elsewhere
        assert (r[6:16, 18:28] == 255).all() and (g[6:16, 18:28] == 0).all() and (b[6:16, 18:28] == 0).all()
        assert (r[:6] == 0).all() and g[-1, 0] == 255 and b[-1, 0] == 255
        for im in images:   # grey colour map: 0 is drawn black, 255 white (no Reds/Greens/Blues)
            assert im.get_cmap().name == "gray" and im.get_clim() == (0, 255)
            assert tuple(im.to_rgba(255.0)[:3]) == (1.0, 1.0, 1.0) and tuple(im.to_rgba(0.0)[:3]) == (0.0, 0.0, 0.0)
        assert any(ax.get_label() == "<colorbar>" for ax in fig.axes)   # a colour bar explains the greys
    finally:
        unit01.plt.close(fig)


def test_worked_convolution_matches_the_deck():
    padded, kernel, out = module("unit02").worked_example()
    assert out[0] == [21, 59, 37, -19, 2]
    assert padded[0] == [0] * 7 and padded[1] == [0, 2, 4, 9, 1, 4, 0]
    # output[0][0] by hand: 2*7 + 4*4 + 2*(-5) + 1*1 (the rest of the window is padding)
    assert out[0][0] == 2 * 7 + 4 * 4 + 2 * -5 + 1 * 1


def test_padding_stride_configurations_are_the_decks():
    unit02 = module("unit02")
    sizes = [(w + 2 * p - fw) // s + 1 for w, fw, p, s in unit02.CONFIGS]
    assert [(fw, p, s) for _, fw, p, s in unit02.CONFIGS] == [(3, 0, 1), (4, 2, 1), (3, 1, 2)]
    assert sizes == [2, 6, 3]


def test_warp_moves_zooms_and_rotates():
    warp = module("unit06").warp
    rng = np.random.default_rng(0)
    x = np.zeros((2, 12, 12))
    x[:, 3:9, 3:9] = rng.random((2, 6, 6))
    assert np.allclose(warp(x), x)
    assert np.allclose(warp(x, shift=(2, 1)), np.roll(x, (2, 1), axis=(1, 2)))
    assert np.allclose(warp(x, angle=90), np.rot90(x, k=-1, axes=(1, 2)), atol=1e-9)
    assert np.allclose(warp(x, scale=1.0, angle=360), x, atol=1e-9)


# ----------------------------------------------------------------------------- the scripts run
CHEAP = ["digit_grid", "conv_worked_gif", "multichannel", "pipeline", "computation_graph"]


def test_cheap_figures_run(tmp_path):
    make_all = module("make_all")
    written = make_all.main(["--fast", "--out", str(tmp_path), "--only", *CHEAP])
    names = {p.name for p in written}
    assert {"01_digit_grid.png", "02_conv_worked.gif", "02_conv_worked.png", "02_multichannel.png",
            "03_cnn_pipeline.png"} <= names
    for p in written:
        head = p.read_bytes()[:6]
        assert head.startswith(b"\x89PNG") or head in (b"GIF89a", b"GIF87a") or head.startswith(b"digraph"), p


def test_graph_figure_without_graphviz_writes_dot_and_says_so(tmp_path, monkeypatch, capsys):
    backprop = module("backprop")
    monkeypatch.setattr(backprop.shutil, "which", lambda name: None)
    from tinygrad_edu.viz import graph as graph_mod

    monkeypatch.setattr(graph_mod.shutil, "which", lambda name: None)
    paths = backprop.computation_graph(tmp_path)
    assert [p.name for p in paths] == ["backprop_graph.dot"]
    text = paths[0].read_text()
    assert "grad -2.3593" in text and "data 0.4621" in text
    assert "skipped" in capsys.readouterr().out


@pytest.mark.slow
def test_other_figures_run_in_fast_mode(tmp_path):
    """The rest, shrunk (about 9 s of CPU: training, AlexNet, many small axes); ``make figures``
    runs them in full. Deselect with ``-m "not slow"``."""
    make_all = module("make_all")
    # (the sequence lesson's pictures come from its script, which tests/test_sequences_lesson.py runs)
    rest = [fn.__name__ for _, fn in make_all.figure_functions() if fn.__name__ not in CHEAP + ["sequence_lesson"]]
    written = make_all.main(["--fast", "--out", str(tmp_path), "--only", *rest])
    assert {p.name for p in written} == {"01_rgb_channels.png", "02_padding_stride.png", "03_activations.png",
                                         "03_max_pool.png", "04_alexnet.png", "06_training_curves.png",
                                         "06_conv1_filters.png", "06_feature_maps.png", "06_fc_vs_cnn.png",
                                         "07_gradient_flow.png"}
    acc = module("unit06").fc_vs_cnn.accuracy
    assert set(acc) == {"FC net", "CNN"} and all(0 <= a <= 100 for v in acc.values() for a in v)


def test_make_all_command_line(tmp_path):
    done = subprocess.run([sys.executable, str(FIGURES / "make_all.py"), "--fast", "--out", str(tmp_path),
                           "--only", "pipeline"], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "03_cnn_pipeline.png").read_bytes()[:4] == b"\x89PNG"
    assert "1 files in" in done.stdout
