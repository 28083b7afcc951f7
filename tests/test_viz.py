"""tinygrad_edu.viz: the computation graph as DOT / picture / text tree, and GradientFlow."""
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as torch
from tinygrad_edu import viz
from tinygrad_edu.viz import GradientFlow, draw_graph, format_graph, grad_stats, to_dot
from tinygrad_edu.viz import graph as graph_mod

REPO = Path(__file__).resolve().parent.parent
HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz 'dot' is not installed")


def expression():
    """f = tanh(a * b + c) with a = 2, b = -3, c = 6.5, as in examples/08."""
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(-3.0, requires_grad=True)
    c = torch.tensor(6.5, requires_grad=True)
    return a, b, c, (a * b + c).tanh()


def parse_dot(text):
    """{node_id: (label, attrs)} and [(src, dst)] from our DOT output."""
    nodes, edges = {}, []
    for line in text.splitlines():
        m = re.match(r'\s*(\w+) \[label="((?:[^"\\]|\\.)*)"(.*)\];$', line)
        if m:
            nodes[m.group(1)] = (m.group(2).replace("\\n", "\n"), m.group(3))
            continue
        m = re.match(r"\s*(\w+) -> (\w+)", line)
        if m:
            edges.append((m.group(1), m.group(2)))
    return nodes, edges


def by_label(nodes, label):
    found = [k for k, (lab, _) in nodes.items() if lab == label]
    assert len(found) == 1, (label, nodes)
    return found[0]


def dot_to_svg(text):
    done = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "<svg" in done.stdout
    return done.stdout


# ----------------------------------------------------------------------------- DOT
def test_to_dot_known_graph_ops_leaves_and_edges():
    a, b, c, f = expression()
    text = to_dot(f, params={"a": a, "b": b, "c": c})
    assert text.startswith("digraph") and text.rstrip().endswith("}")
    nodes, edges = parse_dot(text)
    mul, add, tanh = (by_label(nodes, f"{op}Backward0\n()") for op in ("Mul", "Add", "Tanh"))
    la, lb, lc = (by_label(nodes, f"{n}\n()") for n in "abc")
    out = by_label(nodes, "output\n()")
    assert set(edges) == {(la, mul), (lb, mul), (mul, add), (lc, add), (add, tanh), (tanh, out)}
    for leaf in (la, lb, lc):
        assert "shape=box" in nodes[leaf][1] and "fillcolor=lightblue" in nodes[leaf][1]
    assert "fillcolor=darkolivegreen1" in nodes[out][1]
    assert "shape=ellipse" in nodes[mul][1]


def test_to_dot_shapes_constants_and_names_from_a_model():
    class Model:  # anything with named_parameters() will do
        def __init__(self):
            self.w = torch.randn(4, 2, requires_grad=True)

        def named_parameters(self):
            return iter([("fc.weight", self.w)])

    m = Model()
    x = torch.randn(3, 4)
    y = (x @ m.w).sigmoid().sum()
    nodes, edges = parse_dot(to_dot(y, params=m))
    mm = by_label(nodes, "MatMulBackward0\n(3, 2)")
    by_label(nodes, "SigmoidBackward0\n(3, 2)")
    by_label(nodes, "SumBackward0\n()")
    w = by_label(nodes, "fc.weight\n(4, 2)")
    const = by_label(nodes, "no grad")
    assert "fillcolor=lightgray" in nodes[const][1]
    assert (w, mm) in edges and (const, mm) in edges
    # without constants the data input disappears
    nodes2, _ = parse_dot(to_dot(y, params=m, show_constants=False))
    assert not any(lab.startswith("no grad") for lab, _ in nodes2.values())


def test_tensor_name_attribute_and_params_dict_precedence():
    a, b, c, f = expression()
    a.name = "alpha"
    text = to_dot(f, params={"bee": b})
    assert "alpha\\n()" in text and "bee\\n()" in text


def test_show_saved_before_and_after_backward():
    a, b, c, f = expression()
    text = to_dot(f, params={"a": a, "b": b}, show_saved=True)
    assert "saved: a\\n()" in text and "saved: b\\n()" in text and "saved: output\\n()" in text
    assert "style=dashed" in text
    f.backward()
    after = to_dot(f, show_saved=True)
    assert "(saved values freed)" in after and "saved:" not in after
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    assert "p=3" in to_dot(x ** 3, show_saved=True)  # what forward stored on ctx


def test_leaf_alone_and_list_of_outputs():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    nodes, edges = parse_dot(to_dot(x, params={"x": x}))
    assert list(nodes.values())[0][0] == "x\n(2,)" and "darkolivegreen1" in list(nodes.values())[0][1]
    assert edges == []
    h = x.exp()
    nodes, edges = parse_dot(to_dot([h, (h * h).sum()]))
    outs = [k for k, (_, attrs) in nodes.items() if "darkolivegreen1" in attrs]
    assert len(outs) == 2
    assert sum(1 for _, (lab, _) in nodes.items() if lab.startswith("ExpBackward0")) == 1  # shared once


class TwoOut(torch.autograd.Function):
    """(y1, y2) = (2x, 3x): an op with two outputs."""

    @staticmethod
    def forward(ctx, x):
        return x.array * 2, x.array * 3

    @staticmethod
    def backward(ctx, g1, g2):
        return g1 * 2 + g2 * 3


def test_multi_output_op_edges_are_labelled():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y1, y2 = TwoOut.apply(x)
    text = to_dot((y1 * y2).sum())
    assert "TwoOutBackward0\\n(2,), (2,)" in text
    assert 'label="output 0"' in text and 'label="output 1"' in text
    assert 'label="output 1"' in to_dot(y2)
    tree = format_graph((y1 * y2).sum())
    assert "TwoOutBackward0 (output 0 of 2) -> (2,), (2,)" in tree
    assert "TwoOutBackward0 (output 1 of 2) -> (2,), (2,)  (already shown above)" in tree
    if HAS_DOT:
        dot_to_svg(text)


def test_to_dot_rejects_non_tensors():
    with pytest.raises(TypeError, match="Tensor"):
        to_dot([1, 2, 3])
    with pytest.raises(TypeError, match="named_parameters"):
        to_dot(torch.tensor(1.0), params=3)


def test_deep_chain_is_iterative():
    x = torch.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0001
    text = to_dot(y, show_constants=False)
    assert text.count("MulBackward0") == 3000
    tree = format_graph(y, max_depth=10)
    assert "deeper levels not shown" in tree and len(tree.splitlines()) < 30


@needs_dot
def test_dot_output_is_valid_graphviz():
    a, b, c, f = expression()
    dot_to_svg(to_dot(f, params={"a": a, "b": b, "c": c}, show_saved=True))
    x = torch.randn(3, 4)
    w = torch.randn(4, 2, requires_grad=True)
    w.name = 'weird "name" \\ here'
    loss = ((x @ w).sigmoid() - 1).pow(2).mean()
    dot_to_svg(to_dot(loss, show_saved=True))
    parts = torch.randn(4, 3, requires_grad=True).split(2)
    dot_to_svg(to_dot(parts[0].sum() * parts[1].sum(), show_saved=True))
    y1, y2 = TwoOut.apply(torch.tensor([1.0, 2.0], requires_grad=True))
    dot_to_svg(to_dot([y1, y2, y1 + y2], show_saved=True))


# ----------------------------------------------------------------------------- show_data
def labels_by_first_line(text):
    nodes, _ = parse_dot(text)
    return {lab.split("\n")[0]: lab for lab, _ in nodes.values()}


def test_show_data_values_and_gradients_match_hand_computation():
    a, b, c, _ = expression()
    e = a * b
    d = e + c
    f = d.tanh()
    for t in (e, d, f):
        t.retain_grad()
    params = {"a": a, "b": b, "c": c}
    # before backward: values, and no gradients yet
    before = labels_by_first_line(to_dot(f, params=params, show_data=True))
    assert before["a"] == "a\n()\ndata 2.0000\ngrad None"
    assert before["MulBackward0"] == "MulBackward0\n()\ndata -6.0000\ngrad None"
    f.backward()
    # by hand: e = -6, d = 0.5, f = tanh(0.5); df/dd = 1 - f^2; an add copies it, a multiply swaps
    fv = math.tanh(0.5)
    dd = 1 - fv ** 2
    want = {"a": (2.0, dd * -3.0), "b": (-3.0, dd * 2.0), "c": (6.5, dd),
            "MulBackward0": (-6.0, dd), "AddBackward0": (0.5, dd), "TanhBackward0": (fv, 1.0)}
    got = labels_by_first_line(to_dot(f, params=params, show_data=True))
    for key, (value, grad) in want.items():
        assert got[key].endswith(f"\ndata {value:.4f}\ngrad {grad:.4f}"), (key, got[key])
    assert got["output"] == f"output\n()\ndata {fv:.4f}\ngrad 1.0000"
    assert "data" not in to_dot(f, params=params)        # off by default
    e.name = "e"
    named = labels_by_first_line(to_dot(f, params=params, show_data=True))
    assert named["MulBackward0"].startswith("MulBackward0\ne ()\ndata -6.0000")


def test_show_data_summarises_large_tensors_and_says_what_is_not_kept():
    torch.manual_seed(0)
    w = torch.randn(3, 4, requires_grad=True)
    v = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
    h = w * 2                                   # not retained: nothing keeps its value
    loss = h.sum() + (v * v).sum()
    loss.backward()
    got = labels_by_first_line(to_dot(loss, params={"w": w, "v": v}, show_data=True))
    arr = w.detach().numpy().astype(np.float64)
    mean, norm = arr.mean(), np.sqrt((arr ** 2).sum())
    assert got["w"] == f"w\n(3, 4)\ndata mean {mean:.4f}, norm {norm:.4f}\ngrad mean 2.0000, norm {np.sqrt(12 * 4):.4f}"
    assert got["v"] == "v\n(3,)\ndata [1.0000, -2.0000, 0.5000]\ngrad [2.0000, -4.0000, 1.0000]"
    muls = [lab for lab, _ in parse_dot(to_dot(loss, show_data=True))[0].values() if lab.startswith("MulBackward0")]
    assert any("retain_grad" in lab for lab in muls)
    assert graph_mod._number(1.5e-7) == "1.500e-07" and graph_mod._number(3) == "3"


def test_show_data_multi_output_op():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y1, y2 = TwoOut.apply(x)
    y2.retain_grad()
    (y1 * y2).sum().backward()
    label = [lab for lab, _ in parse_dot(to_dot((y1 * y2).sum(), show_data=True))[0].values()
             if lab.startswith("TwoOut")][0]
    # y2 = 3x = [3, 6]; d sum(y1 * y2) / d y2 = y1 = 2x = [2, 4]; y1 was not kept
    assert "output 0:\n(data, grad: call .retain_grad() to keep)" in label
    assert "output 1:\ndata [3.0000, 6.0000]\ngrad [2.0000, 4.0000]" in label


def test_draw_graph_show_data_without_graphviz(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(graph_mod.shutil, "which", lambda name: None)
    a, b, c, f = expression()
    f.backward()
    out = draw_graph(f, str(tmp_path / "g.png"), params={"a": a}, show_data=True)
    assert out == str(tmp_path / "g.dot")
    assert "grad -2.3593" in Path(out).read_text()
    assert capsys.readouterr().out.startswith("Graphviz 'dot' not found")


@needs_dot
def test_show_data_dot_is_valid_graphviz():
    a, b, c, f = expression()
    f.backward()
    dot_to_svg(to_dot(f, params={"a": a, "b": b, "c": c}, show_data=True, show_saved=True))


# ----------------------------------------------------------------------------- draw_graph
@needs_dot
def test_draw_graph_renders_svg_and_png(tmp_path):
    a, b, c, f = expression()
    out = draw_graph(f, str(tmp_path / "g"), params={"a": a})
    assert out == str(tmp_path / "g.svg")
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    assert "<svg" in (tmp_path / "g.svg").read_text()
    png = draw_graph(f, str(tmp_path / "sub" / "pic.png"))
    assert png.endswith("pic.png") and Path(png).read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "sub" / "pic.dot").exists()


def test_draw_graph_without_graphviz_writes_dot_and_hints(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(graph_mod.shutil, "which", lambda name: None)
    a, b, c, f = expression()
    base = str(tmp_path / "graph")
    out = draw_graph(f, base)
    assert out == base + ".dot" and Path(out).read_text().startswith("digraph")
    assert not (tmp_path / "graph.svg").exists()
    msg = capsys.readouterr().out.strip()
    assert msg == (f"Graphviz 'dot' not found: wrote {base}.dot; install graphviz "
                   f"(apt install graphviz / brew install graphviz) to get {base}.svg")


def test_draw_graph_rejects_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="format"):
        draw_graph(expression()[3], str(tmp_path / "g"), format="gif")


# ----------------------------------------------------------------------------- text tree
def test_format_graph_tree():
    a, b, c, f = expression()
    f.name = "f"
    assert format_graph(f, params={"a": a, "b": b, "c": c}) == "\n".join([
        "TanhBackward0 -> ()  [output f]",
        "`-- AddBackward0 -> ()",
        "    +-- MulBackward0 -> ()",
        "    |   +-- a: leaf (), requires grad",
        "    |   `-- b: leaf (), requires grad",
        "    `-- c: leaf (), requires grad",
    ])


def test_format_graph_shared_node_shown_once(capsys):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    y = (h * h).sum()
    lines = format_graph(y, params={"x": x}).splitlines()
    assert sum("ExpBackward0" in ln for ln in lines) == 2
    assert sum("already shown above" in ln for ln in lines) == 1
    viz.print_graph(y)
    assert "SumBackward0 -> ()  [output]" in capsys.readouterr().out
    assert format_graph(x, params={"x": x}) == "x: leaf (2,), requires grad  [output]"


# ----------------------------------------------------------------------------- GradientFlow
def chain(width=5, layers=3, seed=0):
    torch.manual_seed(seed)
    return {f"l{i}.weight": torch.randn(width, width, requires_grad=True) for i in range(layers)}


def forward(params, x):
    h = x
    for w in params.values():
        h = (h @ w).sigmoid()
    return (h * h).mean()


def np_stats(g):
    a = np.abs(g.numpy().astype(np.float64))
    return a.mean(), a.max(), float(np.sqrt((a * a).sum()))


def test_gradient_flow_matches_direct_grads():
    params = chain()
    flow = GradientFlow(params)
    x = torch.randn(4, 5)
    expected = []
    for step in range(3):
        for p in params.values():
            p.grad = None
        forward(params, x).backward()
        expected.append({n: np_stats(p.grad) for n, p in params.items()})
        with torch.no_grad():
            for p in params.values():
                p -= 0.5 * p.grad
    recs = flow.records
    assert [r["step"] for r in recs] == [0, 1, 2]
    for rec, exp in zip(recs, expected):
        assert list(rec["params"]) == list(reversed(list(params)))  # backward reaches l2 first
        for name, (mean, mx, norm) in exp.items():
            got = rec["params"][name]
            assert got["shape"] == (5, 5)
            assert math.isclose(got["mean_abs"], mean, rel_tol=1e-6)
            assert math.isclose(got["max_abs"], mx, rel_tol=1e-6)
            assert math.isclose(got["norm"], norm, rel_tol=1e-6)
    assert flow.history("l0.weight") == [r["params"]["l0.weight"]["norm"] for r in recs]
    flow.remove()


def test_gradient_flow_accepts_pairs_and_named_parameters_and_skips_frozen():
    params = chain()
    frozen = torch.randn(2, 2)

    class M:
        def named_parameters(self):
            return iter(list(params.items()) + [("frozen", frozen)])

    for model in (M(), list(params.items()) + [("frozen", frozen)]):
        flow = GradientFlow(model)
        assert flow.names == list(params)
        flow.remove()
    with pytest.raises(ValueError, match="requires grad"):
        GradientFlow({"x": torch.randn(3)})
    with pytest.raises(TypeError, match="Tensor"):
        GradientFlow({"x": [1.0, 2.0]})
    with pytest.raises(ValueError, match="no parameters"):
        GradientFlow({})


def test_gradient_flow_watch_activation_and_remove():
    params = chain()
    flow = GradientFlow(params)
    x = torch.randn(4, 5)
    h = flow.watch((x @ params["l0.weight"]).sigmoid(), "h0")
    h.retain_grad()
    y = (h @ params["l1.weight"]).sigmoid()
    ((y @ params["l2.weight"]).sigmoid() ** 2).mean().backward()
    rec = flow.records[-1]
    mean, mx, norm = np_stats(h.grad)
    assert math.isclose(rec["activations"]["h0"]["norm"], norm, rel_tol=1e-6)
    assert math.isclose(rec["activations"]["h0"]["max_abs"], mx, rel_tol=1e-6)
    text = flow.summary()
    assert "h0" in text and "l0.weight" in text and "activations" in text
    flow.remove()
    forward(params, x).backward()
    assert len(flow.records) == 1  # nothing recorded after remove()


def test_gradient_flow_steps_and_manual_mode_for_shared_weights():
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    flow = GradientFlow({"w": w}, auto_step=False)
    for _ in range(2):
        w.grad = None
        (w * w * 3 + w.exp()).sum().backward()  # w is used several times in one backward
        flow.step()
    assert len(flow.records) == 2
    assert math.isclose(flow.records[0]["params"]["w"]["norm"], float(np.linalg.norm(w.grad.numpy())),
                        rel_tol=1e-6)
    flow.clear()
    assert flow.records == []


def test_gradient_flow_with_broadcast_bias():
    torch.manual_seed(1)
    w = torch.randn(3, 2, requires_grad=True)
    b = torch.zeros(2, requires_grad=True)
    flow = GradientFlow({"fc.weight": w, "fc.bias": b})
    ((torch.randn(4, 3) @ w + b).tanh() ** 2).sum().backward()
    rec = flow.records[0]["params"]
    assert rec["fc.bias"]["shape"] == (2,)
    assert math.isclose(rec["fc.bias"]["norm"], float(np.linalg.norm(b.grad.numpy())), rel_tol=1e-6)
    fig_rows = flow._rows(-1, include_bias=False)[1]
    assert [n for n, _ in fig_rows] == ["fc.weight"]
    flow.remove()
    assert GradientFlow({"fc.weight": w, "fc.bias": b}, include_bias=False).names == ["fc.weight"]


def test_gradient_flow_and_graph_on_an_nn_model():
    nn = pytest.importorskip("tinygrad_edu.nn")
    if not all(hasattr(nn, k) for k in ("Sequential", "Linear", "Sigmoid")):
        pytest.skip("nn layers are not available yet")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Sigmoid(), nn.Linear(8, 8), nn.Sigmoid(), nn.Linear(8, 1))
    names = [n for n, _ in model.named_parameters()]
    flow = GradientFlow(model)
    x = torch.randn(16, 4)
    loss = (model(x) ** 2).mean()
    text = to_dot(loss, params=model)
    for n, p in model.named_parameters():
        assert f"{n}\\n{tuple(p.shape)}" in text
    tree = format_graph(loss, params=dict(model.named_parameters()))
    assert all(n + ": leaf" in tree for n in names)
    model.zero_grad()
    loss.backward()
    rec = flow.records[-1]["params"]
    assert set(rec) == set(names)
    for n, p in model.named_parameters():
        assert math.isclose(rec[n]["norm"], float(np.linalg.norm(p.grad.numpy())), rel_tol=1e-5)
    flow.remove()


def test_grad_stats_and_summary_table():
    g = torch.tensor([[3.0, -4.0], [0.0, 0.0]])
    assert grad_stats(g) == {"mean_abs": 1.75, "max_abs": 4.0, "norm": 5.0}
    assert grad_stats(torch.zeros(0)) == {"mean_abs": 0.0, "max_abs": 0.0, "norm": 0.0}
    params = chain(layers=4)
    with GradientFlow(params) as flow:
        with pytest.raises(RuntimeError, match="nothing recorded"):
            flow.summary()
        forward(params, torch.randn(3, 5)).backward()
        lines = flow.summary().splitlines()
    assert lines[0].startswith("gradient flow, step 0")
    rows = [ln for ln in lines if ln.startswith("l") and ".weight" in ln]
    assert [r.split()[0] for r in rows] == list(params)
    bars = [len(r.split()[-1]) for r in rows]
    assert bars == sorted(bars)  # sigmoid chain: the gradient shrinks towards the input


def test_gradient_flow_plot(tmp_path):
    pytest.importorskip("matplotlib")
    params = chain()
    flow = GradientFlow(params)
    x = torch.randn(4, 5)
    for _ in range(2):
        flow.watch((x @ params["l0.weight"]).sigmoid(), "h0")
        forward(params, x).backward()
    fig = flow.plot(str(tmp_path / "flow.png"))
    assert (tmp_path / "flow.png").read_bytes()[:4] == b"\x89PNG"
    assert len(fig.axes) == 2 and fig.axes[0].get_yscale() == "log"
    with pytest.raises(ValueError, match="stat"):
        flow.plot(stat="median")


def test_gradient_flow_plot_without_matplotlib(monkeypatch):
    params = chain()
    flow = GradientFlow(params)
    forward(params, torch.randn(2, 5)).backward()
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        flow.plot()


def test_viz_imports_no_array_library_or_matplotlib_at_module_level():
    for path in (REPO / "tinygrad_edu" / "viz").glob("*.py"):
        for line in path.read_text().splitlines():
            if line.startswith(("import ", "from ")):
                assert not re.search(r"\b(numpy|cupy|matplotlib|graphviz)\b", line), (path.name, line)
