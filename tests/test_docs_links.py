"""The documentation as a path a reader can follow, in English and Korean.

* Every relative link in docs/**/*.md and both READMEs points at a file that exists, and a link's
  ``#anchor`` at a heading of that file (GitHub's heading ids). Web links are not followed; pictures
  under docs/images/ are checked by the figures' own test.
* Every tutorial page has a Korean twin, README.ko.md exists, and each README links the other at its top.
* The reading order follows the file numbers: both indexes list 01..07 then backprop, one row each,
  and every unit page ends with "previous / next" links along that chain.
* A Korean page that links an English-only page says so ("영어").
* A time in a tutorial ("3 s", "3초") names the threads it was measured with.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from doc_tools import DOCS, ROOT

KO = DOCS / "ko"
UNITS = ["01_images_as_tensors.md", "02_convolution.md", "03_cnns.md", "04_counting_parameters.md",
         "05_alexnet.md", "06_training.md", "07_vanishing_gradients.md"]
AFTER_UNITS = "backprop.md"                    # the reading path goes on here after unit 07
AFTER_BACKPROP = "08_data_parallel.md"         # ... and then to data parallelism (row 09, issue 16)
TUTORIALS = UNITS + [AFTER_UNITS, AFTER_BACKPROP, "09_sequences.md", "index.md"]   # pages that must have a Korean twin
IMAGES = DOCS / "images"
PAGES = sorted(DOCS.rglob("*.md")) + [ROOT / "README.md", ROOT / "README.ko.md"]
NAV = {DOCS: ("**Previous:**", "**Next:**"), KO: ("**이전:**", "**다음:**")}


# ----------------------------------------------------------------------------------- reading markdown
def _prose(text: str) -> str:
    """The page without fenced code blocks, inline code and math (links there are not links)."""
    text = re.sub(r"^(```|~~~).*?^\1", "", text, flags=re.S | re.M)
    text = re.sub(r"\$\$.*?\$\$", "", text, flags=re.S)
    return re.sub(r"`[^`\n]*`|\$[^$\n]+\$", "", text)


def _links(text: str):
    """``(target, offset)`` of every markdown link and image in the prose."""
    prose = _prose(text)
    return [(m.group(1), m.end()) for m in re.finditer(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", prose)], prose


def _slug(heading: str) -> str:
    """GitHub's id for a heading: markup dropped, lower case, punctuation removed, spaces to '-'."""
    heading = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)      # [text](url) -> text
    heading = heading.replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", heading).replace(" ", "-")


def _anchors(path: Path) -> set:
    text = re.sub(r"^(```|~~~).*?^\1", "", path.read_text(encoding="utf-8"), flags=re.S | re.M)
    seen: dict = {}
    anchors = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.M):
        slug = _slug(heading)
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        anchors.add(slug if n == 0 else f"{slug}-{n}")
    anchors.update(re.findall(r"<a\s+(?:name|id)=\"([^\"]+)\"", text))
    return anchors


def _is_web(target: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+.-]*:", target))      # http:, https:, mailto:, ...


def _resolve(page: Path, target: str):
    """``(file, anchor)`` a relative link points at."""
    file_part, _, anchor = target.partition("#")
    return ((page.parent / file_part).resolve() if file_part else page), anchor


# ----------------------------------------------------------------------------------- tests
def test_slug_matches_github():
    assert _slug("3. The worked example, by hand and with `F.conv2d`") == "3-the-worked-example-by-hand-and-with-fconv2d"
    assert _slug("3. C×H×W와 H×W×C: 형식 바꾸기") == "3-chw와-hwc-형식-바꾸기"
    assert _slug("`tinygrad_edu.optim.lr_scheduler`") == "tinygrad_eduoptimlr_scheduler"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    assert page.is_file(), f"{page.relative_to(ROOT)} is missing"
    links, _ = _links(page.read_text(encoding="utf-8"))
    broken = []
    for target, _ in links:
        if _is_web(target):
            continue
        path, anchor = _resolve(page, target)
        if path == IMAGES or IMAGES in path.parents:
            continue                                       # the figures' test checks these
        if not path.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
            broken.append(f"{target} (no heading #{anchor} in {path.relative_to(ROOT)})")
    assert not broken, f"{page.relative_to(ROOT)} has broken links: {broken}"


@pytest.mark.parametrize("name", TUTORIALS)
def test_every_tutorial_has_a_korean_twin(name):
    assert (DOCS / name).is_file(), f"docs/{name} is missing"
    assert (KO / name).is_file(), f"docs/ko/{name} is missing: every tutorial page has a Korean twin"
    head_en = "\n".join((DOCS / name).read_text(encoding="utf-8").splitlines()[:8])
    head_ko = "\n".join((KO / name).read_text(encoding="utf-8").splitlines()[:8])
    assert f"(ko/{name})" in head_en, f"docs/{name} should link its Korean twin near the top"
    assert f"(../{name})" in head_ko, f"docs/ko/{name} should link its English twin near the top"


def test_readmes_link_each_other_at_the_top():
    top_en = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:5])
    top_ko = "\n".join((ROOT / "README.ko.md").read_text(encoding="utf-8").splitlines()[:5])
    assert "(README.ko.md)" in top_en, "README.md should link README.ko.md at its very top"
    assert "(README.md)" in top_ko, "README.ko.md should link README.md back at its top"
    assert re.search(r"[\uac00-\ud7a3]{20}", (ROOT / "README.ko.md").read_text(encoding="utf-8").replace(" ", ""))


def _later(folder: Path) -> list:
    """The numbered lessons after backprop (08 data parallel, 09 sequences, ...), in file order."""
    return sorted(p.name for p in folder.glob("*.md") if re.match(r"(0[89]|[1-9]\d)_", p.name))


def _chain(folder: Path) -> list:
    after = AFTER_UNITS if (folder / AFTER_UNITS).is_file() else f"../{AFTER_UNITS}"
    return ["index.md"] + UNITS + [after] + _later(folder)


@pytest.mark.parametrize("folder", [DOCS, KO], ids=["en", "ko"])
def test_index_lists_the_pages_in_file_order(folder):
    """The reading-path table: one row per page, 01..07, backprop, then the later lessons."""
    rows = [line for line in (folder / "index.md").read_text(encoding="utf-8").splitlines()
            if re.match(r"^\|\s*\d\d\s*\|", line)]
    firsts = [re.search(r"\]\(([^)#]+)", row).group(1) for row in rows]
    assert firsts == _chain(folder)[1:], f"{folder.relative_to(ROOT)}/index.md lists {firsts}"


def _nav_link(text: str, label: str) -> str:
    """The first link of the last paragraph that starts with ``label``."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.lstrip().startswith(label)]
    assert paragraphs, f"no '{label}' paragraph"
    m = re.search(r"\]\(([^)#\s]+)", paragraphs[-1])
    assert m, f"the '{label}' paragraph has no link"
    return m.group(1)


@pytest.mark.parametrize("folder", [DOCS, KO], ids=["en", "ko"])
@pytest.mark.parametrize("i", range(len(UNITS)), ids=UNITS)
def test_unit_pages_link_previous_and_next_in_order(folder, i):
    chain = _chain(folder)
    text = (folder / UNITS[i]).read_text(encoding="utf-8")
    previous, following = NAV[folder]
    tail = text[-1200:]                                          # the links sit at the bottom
    assert _nav_link(tail, previous) == chain[i], f"{folder.name}/{UNITS[i]}: previous should be {chain[i]}"
    assert _nav_link(tail, following) == chain[i + 2], f"{folder.name}/{UNITS[i]}: next should be {chain[i + 2]}"
    assert f"examples/{UNITS[i][:3]}" in text, f"{folder.name}/{UNITS[i]} does not point to its example script"


@pytest.mark.parametrize("folder", [DOCS, KO], ids=["en", "ko"])
def test_pages_after_the_units_link_previous_and_next_in_order(folder):
    """backprop and the later lessons continue the chain; the last one links back to the index."""
    chain = _chain(folder)
    previous, following = NAV[folder]
    for i in range(len(UNITS) + 1, len(chain)):
        if chain[i].startswith("../"):
            continue                                             # an English page seen from ko/
        tail = (folder / chain[i]).read_text(encoding="utf-8")[-1200:]
        assert _nav_link(tail, previous).endswith(chain[i - 1].lstrip("./")), f"{folder.name}/{chain[i]}: previous"
        nxt = chain[i + 1] if i + 1 < len(chain) else "index.md"
        assert _nav_link(tail, following).endswith(nxt.lstrip("./")), f"{folder.name}/{chain[i]}: next should be {nxt}"


@pytest.mark.parametrize("page", sorted(KO.glob("*.md")) + [ROOT / "README.ko.md"], ids=lambda p: p.name)
def test_korean_pages_say_when_a_link_is_english(page):
    """A link from a Korean page to a page with no Korean twin says "(영어)" right after it (or its
    section heading does); the "English:" line that names the twin is exempt."""
    text = page.read_text(encoding="utf-8")
    links, prose = _links(text)
    unmarked = []
    for target, end in links:
        if _is_web(target):
            continue
        path, _ = _resolve(page, target)
        if path.suffix != ".md" or KO in path.parents or path.name == "README.ko.md":
            continue
        line_start = prose.rfind("\n", 0, end) + 1
        if prose[line_start:].startswith("English:"):
            continue
        headings = re.findall(r"^#+ .*$", prose[:end], re.M)
        if "영어" in prose[end:end + 40] or (headings and "영어" in headings[-1]):
            continue
        unmarked.append(target)
    assert not unmarked, f"{page.name} links English-only pages without saying so ('(영어)'): {unmarked}"


TIME = re.compile(r"\b\d+(?:\.\d+)?\s?(?:s|ms|seconds?|minutes?)\b|\d+(?:\.\d+)?\s?(?:초|분)(?![가-힣])")


@pytest.mark.parametrize("page", [DOCS / n for n in TUTORIALS] + [KO / n for n in TUTORIALS]
                         + [ROOT / "README.md", ROOT / "README.ko.md"], ids=lambda p: str(p.relative_to(ROOT)))
def test_times_name_the_threads(page):
    """A time is a property of a machine: the paragraph (or the one before a table) says which."""
    paragraphs = re.split(r"\n\s*\n", _prose(page.read_text(encoding="utf-8")))
    bare = []
    for k, paragraph in enumerate(paragraphs):
        for m in TIME.finditer(paragraph):
            context = paragraph + (paragraphs[k - 1] if k else "")
            if not re.search(r"threads?|스레드", context):
                bare.append(m.group(0))
    assert not bare, f"{page.relative_to(ROOT)} states times without the machine and threads: {bare}"


@pytest.mark.parametrize("folder", [DOCS, KO], ids=["en", "ko"])
def test_the_later_lessons_point_to_their_scripts(folder):
    assert "examples/09_data_parallel.py" in (folder / AFTER_BACKPROP).read_text(encoding="utf-8")
    assert "examples/10_sequences.py" in (folder / "09_sequences.md").read_text(encoding="utf-8")
