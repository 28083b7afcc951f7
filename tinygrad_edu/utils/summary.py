"""Look inside a model: ``summary`` (a torchinfo-style table) and ``count_parameters`` (the lecture's formula).

    import tinygrad_edu as tg
    model = tg.models.alexnet()
    tg.count_parameters(model)          # assignment 1: every layer's ((kh x kw x in_ch) + 1) x out_ch
    tg.summary(model, (1, 3, 224, 224)) # assignment 2: the whole structure with output shapes

How ``summary`` works: before running the model once, it registers two hooks on every submodule.
The *pre* hook fires when a module's forward starts and adds a row for it (so rows come out in the
order the layers run, nested modules after their parent); the *forward* hook fires when it ends and
records the output's shape and the layer's mult-adds. The pass runs under ``no_grad`` in eval mode,
and all hooks are removed afterwards. Without an input it only walks the module tree (no shapes).

Column and total definitions follow torchinfo (https://github.com/TylerYep/torchinfo), so numbers can
be compared with a PyTorch model's summary:

* Param #: parameters of the layer (a container shows the ones not already shown in its children).
* Mult-Adds: each weight and bias is used once per image for a Linear layer, and once per output
  position for a conv layer: ``N x OH x OW x (out_ch x in_ch/groups x kh x kw + out_ch)``; that is
  out_elements x (in_ch/groups x kh x kw) plus one add per output for the bias. Layers without
  parameters (ReLU, pooling) count 0.
* Forward/backward pass size: the outputs of the layers with parameters, twice (once for the
  activations kept for backward, once for their gradients).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, NamedTuple, Optional, Sequence

from ..autograd import no_grad
from ..creation import rand

COLUMNS = {  # name -> header, in torchinfo's spelling
    "kernel_size": "Kernel Shape",
    "input_size": "Input Shape",
    "output_size": "Output Shape",
    "num_params": "Param #",
    "params_percent": "Param %",
    "mult_adds": "Mult-Adds",
    "trainable": "Trainable",
}
NEEDS_INPUT = {"input_size", "output_size", "mult_adds"}
ROW_SETTINGS = {"depth", "var_names", "ascii_only"}


def _prod(xs) -> int:
    n = 1
    for x in xs:
        n *= int(x)
    return n


def _is_tensor(x) -> bool:
    return hasattr(x, "shape") and hasattr(x, "element_size") and hasattr(x, "numel")


def _first_tensor(obj):
    """The tensor a row reports for an output: the output itself, or the first tensor in a tuple/list/dict."""
    if _is_tensor(obj):
        return obj
    if isinstance(obj, dict):
        obj = list(obj.values())
    if isinstance(obj, (list, tuple)):
        for item in obj:
            t = _first_tensor(item)
            if t is not None:
                return t
    return None


def _unique_params(module):
    """Each parameter once, even when two layers share it."""
    seen, out = set(), []
    for p in module.parameters():
        if id(p) not in seen:
            seen.add(id(p))
            out.append(p)
    return out


# ----------------------------------------------------------------------------------- rows
@dataclass
class LayerRow:
    """One row of the table: one module (one call of it, when a forward pass ran)."""
    name: str                    # dotted path in the model, e.g. "features.0" ("" for the model)
    var_name: str                # last part of the path, e.g. "0" (the class name for the model)
    class_name: str              # "Conv2d"
    depth: int                   # 0 for the model, 1 for its children, ...
    index: Optional[int] = None  # torchinfo's depth index: "Conv2d: 2-1" is depth 2, index 1
    input_shape: List[int] = field(default_factory=list)
    output_shape: List[int] = field(default_factory=list)
    num_params: int = 0          # all parameters of this module and its children
    trainable_params: int = 0
    kernel_shape: Any = None     # the module's kernel_size, if it has one
    mult_adds: int = 0           # for a container: the sum over the layers inside it
    is_leaf: bool = True         # no child modules
    is_recursive: bool = False   # a module called (or listed) a second time: its parameters count once
    executed: bool = False
    param_bytes: int = 0
    output_bytes: int = 0
    module: Any = field(default=None, repr=False, compare=False)
    children: list = field(default_factory=list, repr=False, compare=False)  # rows nested below

    def to_dict(self) -> dict:
        return {"name": self.name, "class": self.class_name, "depth": self.depth, "index": self.index,
                "input_shape": self.input_shape, "output_shape": self.output_shape,
                "num_params": self.num_params, "trainable_params": self.trainable_params,
                "kernel_shape": self.kernel_shape, "mult_adds": self.mult_adds}

    def __getitem__(self, key):
        return self.to_dict()[key]

    def leftover_params(self) -> int:
        """Parameters of this container that no row below it shows (its own direct parameters)."""
        return self.num_params - sum(c.num_params if c.is_leaf else c.leftover_params()
                                     for c in self.children if not c.is_recursive)

    def leftover_trainable_params(self) -> int:
        return self.trainable_params - sum(c.trainable_params if c.is_leaf else c.leftover_trainable_params()
                                           for c in self.children if not c.is_recursive)

    def label(self, show_var_name: bool = False, show_depth: bool = True) -> str:
        """``Conv2d: 2-1`` (with var_names: ``Conv2d (0): 2-1``)."""
        s = self.class_name
        if show_var_name and self.var_name:
            s += f" ({self.var_name})"
        if show_depth and self.depth > 0:
            s += f": {self.depth}" + (f"-{self.index}" if self.index is not None else "")
        return s


def _new_row(name: str, module, depth: int) -> LayerRow:
    params = _unique_params(module)
    kernel = getattr(module, "kernel_size", None)
    if isinstance(kernel, (tuple, list)):
        kernel = list(kernel)
    children = list(module.named_children())
    return LayerRow(
        name=name, var_name=name.rsplit(".", 1)[-1] if name else type(module).__name__,
        class_name=type(module).__name__, depth=depth, kernel_shape=kernel,
        num_params=sum(p.numel() for p in params),
        trainable_params=sum(p.numel() for p in params if p.requires_grad),
        param_bytes=sum(p.numel() * p.element_size() for p in params),
        is_leaf=not children, module=module)


def _layer_mult_adds(row: LayerRow) -> int:
    """torchinfo's count for one leaf layer, from its own parameters and its output shape."""
    out = row.output_shape
    if not out:
        return 0
    total = 0
    for name, p in row.module.named_parameters(recurse=False):
        n = p.numel()
        if name in ("weight", "bias"):
            if "Conv" in row.class_name:   # every weight is used once at each output position
                total += n * _prod(out[:1] + out[2:])
            else:                          # Linear, norms: every weight once per sample
                total += n * out[0]
        elif "weight" in name or "bias" in name:   # RNN-style weight_ih_l0: once per step
            total += n * _prod(out[:2])
    return total


def _tree(model):
    """Every module once, depth-first in registration order: {id: (path, module, depth, parent_id)}."""
    nodes, stack = {}, [("", model, 0, None)]
    while stack:
        name, module, depth, parent = stack.pop()
        if id(module) in nodes:
            continue
        nodes[id(module)] = (name, module, depth, parent)
        kids = [(f"{name}.{n}" if name else n, m, depth + 1, id(module))
                for n, m in module.named_children() if m is not None]
        stack.extend(reversed(kids))
    return nodes


def _rows_from_tree(nodes) -> List[LayerRow]:
    return [_new_row(name, module, depth) for name, module, depth, _ in nodes.values()]


def _rows_from_forward(model, nodes, args) -> List[LayerRow]:
    """Run ``model(*args)`` once with hooks on every module, one row per module call."""
    rows: List[LayerRow] = []
    open_rows: List[LayerRow] = []   # rows whose forward has started but not ended (a stack)
    shown = {}                       # depth -> id of the module whose row was added last at that depth
    called = set()

    def show(module_id):
        """Add a row for a module (and for its containers not yet shown above it, e.g. a ModuleList
        whose own forward never runs) and make it the current one at its depth."""
        name, module, depth, parent = nodes[module_id]
        chain = []
        while parent is not None and nodes[parent][2] > 0 and shown.get(nodes[parent][2]) != parent:
            chain.append(parent)
            parent = nodes[parent][3]
        for pid in reversed(chain):
            pname, pmod, pdepth, _ = nodes[pid]
            rows.append(_new_row(pname, pmod, pdepth))
            rows[-1].is_recursive = pid in called
            called.add(pid)
            _make_current(pid, pdepth)
        row = _new_row(name, module, depth)
        row.is_recursive = module_id in called
        called.add(module_id)
        rows.append(row)
        _make_current(module_id, depth)
        return row

    def _make_current(module_id, depth):
        shown[depth] = module_id
        for d in [d for d in shown if d > depth]:
            del shown[d]

    def pre_hook(module, inputs):
        open_rows.append(show(id(module)))

    def hook(module, inputs, output):
        row = open_rows.pop()
        row.executed = True
        t = _first_tensor(inputs)
        row.input_shape = list(t.shape) if t is not None else []
        t = _first_tensor(output)
        if t is not None:
            row.output_shape = list(t.shape)
            row.output_bytes = t.numel() * t.element_size()
        if row.is_leaf:
            row.mult_adds = _layer_mult_adds(row)

    handles = []
    was_training = model.training
    try:
        for _, module, _, _ in nodes.values():
            handles.append(module.register_forward_pre_hook(pre_hook))
            handles.append(module.register_forward_hook(hook))
        model.eval()
        with no_grad():
            model(*args)
    except Exception as e:
        done = ", ".join(f"{r.class_name} ({r.name or 'model'})" for r in rows if r.executed)
        raise RuntimeError(f"summary(): the forward pass failed ({type(e).__name__}: {e}); layers that "
                           f"ran before it: {done or 'none'}") from e
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return rows


def _link_rows(rows: List[LayerRow]) -> None:
    """Number the rows per depth (torchinfo's "2-1", "2-2", ... counting across the whole model),
    give each row the rows nested below it, and a container the mult-adds of its layers."""
    counters: dict = {}
    for i, row in enumerate(rows):
        counters[row.depth] = counters.get(row.depth, 0) + 1
        row.index = counters[row.depth]
        j = i + 1
        while j < len(rows) and rows[j].depth > row.depth:
            j += 1
        row.children = rows[i + 1:j]
        if not row.is_leaf:
            row.mult_adds = sum(c.mult_adds for c in row.children if c.is_leaf)


# ----------------------------------------------------------------------------------- statistics
def _readable(num: float, units: str = "auto") -> str:
    """torchinfo's ``: 61,100,840`` or ``(M): 714.68``."""
    if units == "auto":
        units, num = ("T", num / 1e12) if num >= 1e12 else ("G", num / 1e9) if num >= 1e9 else ("M", num / 1e6)
    if float(num).is_integer():
        num = int(num)
    unit = f" ({units})" if units else ""
    return f"{unit}: {num:,d}" if isinstance(num, int) else f"{unit}: {num:,.2f}"


class ModelStatistics:
    """What ``summary`` found: totals as attributes, one ``LayerRow`` per row, and the table as ``str()``."""

    def __init__(self, rows: List[LayerRow], model, input_size, input_bytes: int, col_names: Sequence[str],
                 depth: int, col_width: int = 25, row_settings=("depth",), verbose: int = 1):
        self.rows = self.summary_list = rows
        self.input_size = input_size
        self.col_names, self.depth, self.col_width = tuple(col_names), depth, col_width
        self.row_settings, self.verbose = set(row_settings), verbose
        params = _unique_params(model)
        self.total_params = sum(p.numel() for p in params)
        self.trainable_params = sum(p.numel() for p in params if p.requires_grad)
        self.non_trainable_params = self.total_params - self.trainable_params
        self.total_param_bytes = sum(p.numel() * p.element_size() for p in params)
        leaves = [r for r in rows if r.is_leaf]
        self.total_mult_adds = sum(r.mult_adds for r in leaves)
        self.total_input = input_bytes
        self.total_output_bytes = sum(2 * r.output_bytes for r in leaves if r.num_params > 0)

    # sizes in MB (10^6 bytes), as torchinfo prints them
    @property
    def input_size_mb(self) -> float:
        return self.total_input / 1e6

    @property
    def forward_backward_size_mb(self) -> float:
        return self.total_output_bytes / 1e6

    @property
    def params_size_mb(self) -> float:
        return self.total_param_bytes / 1e6

    @property
    def total_size_mb(self) -> float:
        return (self.total_input + self.total_output_bytes + self.total_param_bytes) / 1e6

    # ------------------------------------------------------------------------------- the table
    def _cells(self, row: LayerRow, at_max_depth: bool) -> dict:
        def dash(v):
            return str(v) if v else "--"

        if row.num_params == 0:
            params = "--"
        elif row.is_recursive:
            params = "(recursive)"
        elif at_max_depth or row.is_leaf:
            params = f"{row.num_params:,}" if row.trainable_params else f"({row.num_params:,})"
        else:
            left = row.leftover_params()
            params = f"{left:,}" if left > 0 else "--"
        shown = row.num_params if (at_max_depth or row.is_leaf) else row.leftover_params()
        percent = ("(recursive)" if row.is_recursive and self.total_params else
                   f"{shown / self.total_params:>7.2%}" if self.total_params and shown else "     --")
        if row.mult_adds <= 0 or not (row.is_leaf or at_max_depth):
            macs = "--"
        else:
            macs = f"{row.mult_adds:,}"
        trainable = ("--" if row.num_params == 0 else "False" if row.trainable_params == 0 else
                     "True" if row.trainable_params == row.num_params else "Partial")
        return {"kernel_size": dash(row.kernel_shape), "input_size": dash(row.input_shape),
                "output_size": dash(row.output_shape), "num_params": params, "params_percent": percent,
                "mult_adds": macs, "trainable": trainable}

    def _format(self, name: str, cells: dict, width: int) -> str:
        line = f"{name:<{width}} " + "".join(f"{cells.get(c, ''):<{self.col_width}} " for c in self.col_names)
        return line.rstrip() + "\n"

    def _prefix(self, depth: int) -> str:
        ascii_only = "ascii_only" in self.row_settings
        if depth == 0:
            return ""
        branch = "+ " if ascii_only else "└─"
        if depth == 1:
            return "+ " if ascii_only else "├─"
        return ("|    " if ascii_only else "│    ") * (depth - 1) + branch

    def __str__(self) -> str:
        show_var, show_depth = "var_names" in self.row_settings, "depth" in self.row_settings
        width = 40
        longest = max((len(r.label(show_var, show_depth)) + r.depth * 5 + 1 for r in self.rows), default=0)
        if longest >= width:
            width = -(-longest // 5) * 5
        divider = "=" * (len(self.col_names) * self.col_width + width)
        title = "Layer (type" + (" (var_name)" if show_var else "") + (":depth-idx" if show_depth else "") + ")"
        lines = [divider + "\n", self._format(title, COLUMNS, width), divider + "\n"]
        for row in self.rows:
            if row.depth > self.depth:
                continue
            name = self._prefix(row.depth) + row.label(show_var, show_depth)
            lines.append(self._format(name, self._cells(row, row.depth == self.depth), width))
            if self.verbose == 2 and row.module is not None:   # one line per own weight/bias
                own = list(row.module.named_parameters(recurse=False))
                for k, (pname, p) in enumerate(own):
                    shape = list(p.shape)
                    if pname == "weight" and len(shape) > 1:
                        shape[0], shape[1] = shape[1], shape[0]
                    mark = "└─" if k == len(own) - 1 else "├─"
                    lines.append(self._format(self._prefix(row.depth + 1) + pname,
                                              {"kernel_size": str(shape), "num_params": f"{mark}{p.numel():,}"},
                                              width))
        lines.append(divider + "\n")
        lines.append(f"Total params{_readable(self.total_params, '')}\n")
        lines.append(f"Trainable params{_readable(self.trainable_params, '')}\n")
        lines.append(f"Non-trainable params{_readable(self.non_trainable_params, '')}\n")
        if self.input_size:
            lines.append(f"Total mult-adds{_readable(self.total_mult_adds)}\n{divider}\n")
            lines.append(f"Input size (MB): {self.input_size_mb:0.2f}\n")
            lines.append(f"Forward/backward pass size (MB): {self.forward_backward_size_mb:0.2f}\n")
            lines.append(f"Params size (MB): {self.params_size_mb:0.2f}\n")
            lines.append(f"Estimated Total Size (MB): {self.total_size_mb:0.2f}\n")
        lines.append(divider)
        return "".join(lines)

    __repr__ = __str__


# ----------------------------------------------------------------------------------- summary()
def _input_sizes(input_size) -> list:
    """``(1, 3, 224, 224)`` -> one input; ``[(1, 10), (1, 20)]`` -> two inputs (torchinfo's rules)."""
    if not isinstance(input_size, (list, tuple)) or not input_size:
        raise TypeError(f"summary(): input_size must be a tuple of ints like (1, 3, 224, 224), or a list of "
                        f"such tuples for a model with several inputs, but got {input_size!r}")
    sizes = [tuple(input_size)] if isinstance(input_size[0], int) else [tuple(s) for s in input_size]
    for s in sizes:
        if not s or any(not isinstance(d, int) or isinstance(d, bool) or d <= 0 for d in s):
            raise ValueError(f"summary(): every size in input_size must be a positive int, but got {list(s)}")
    return sizes


def _model_device(model):
    for p in model.parameters():
        return p.device
    return None


def summary(model, input_size=None, input_data=None, depth: int = 3, col_names: Optional[Sequence[str]] = None,
            batch_dim: Optional[int] = None, device=None, dtypes=None, verbose: int = 1, col_width: int = 25,
            row_settings: Sequence[str] = ("depth",)) -> ModelStatistics:
    """Print (and return) a table of the model's layers, like ``torchinfo.summary``.

    Args:
        model: an ``nn.Module``.
        input_size: the shape of an input, batch included, e.g. ``(1, 3, 224, 224)``; a list of
            shapes for a model with several inputs. A random input of that shape is run once.
        input_data: or the input itself (a Tensor, or a list/tuple of the forward's arguments).
            Give neither to list the layers and their parameters without running the model.
        depth: how many levels of nested modules to show (deeper rows are summed into their parent).
        col_names: columns among "input_size", "output_size", "num_params", "params_percent",
            "kernel_size", "mult_adds", "trainable". Default ("output_size", "num_params"), or only
            ("num_params",) when no input is given.
        batch_dim: if given, ``input_size`` has no batch dimension and a batch of 1 is inserted here.
        device: where to run (the model is moved there); default: where the model's parameters are.
        dtypes: one dtype per input made from ``input_size`` (default float32).
        verbose: 0 prints nothing, 1 prints the table, 2 also lists each layer's weight and bias.
        col_width: width of each column; row_settings: any of "depth", "var_names", "ascii_only".

    Returns a ``ModelStatistics``: ``total_params``, ``trainable_params``, ``total_mult_adds``,
    ``rows`` (one ``LayerRow`` each), and ``str()`` is the table.
    """
    cols = tuple(col_names) if col_names is not None else (
        ("output_size", "num_params") if input_size is not None or input_data is not None else ("num_params",))
    for c in cols:
        if c not in COLUMNS:
            raise ValueError(f"summary(): unknown column {c!r}; choose from {', '.join(COLUMNS)}")
    for s in row_settings:
        if s not in ROW_SETTINGS:
            raise ValueError(f"summary(): unknown row setting {s!r}; choose from {', '.join(sorted(ROW_SETTINGS))}")
    if verbose not in (0, 1, 2):
        raise ValueError("summary(): verbose must be 0 (quiet), 1 (default) or 2 (show weights and biases)")
    if col_width <= 0:
        raise ValueError(f"summary(): col_width must be greater than 0, but got {col_width}")
    if input_size is not None and input_data is not None:
        raise RuntimeError("summary(): give only one of input_size and input_data")
    if input_size is None and input_data is None and NEEDS_INPUT & set(cols):
        raise ValueError(f"summary(): the columns {sorted(NEEDS_INPUT & set(cols))} need an input: "
                         "pass input_size=(1, 3, 224, 224) or input_data=tensor")
    if not hasattr(model, "named_children") or not hasattr(model, "register_forward_hook"):
        raise TypeError(f"summary(): model must be an nn.Module, but got {type(model).__name__}")

    if device is not None:
        model = model.to(device)
    args, sizes, input_bytes = None, None, 0
    if input_size is not None:
        sizes = _input_sizes(input_size)
        dtypes = list(dtypes) if dtypes is not None else [None] * len(sizes)
        if len(dtypes) != len(sizes):
            raise ValueError(f"summary(): got {len(dtypes)} dtypes for {len(sizes)} inputs")
        dev = device if device is not None else _model_device(model)
        args = []
        for size, dt in zip(sizes, dtypes):
            x = rand(*size, device=dev)
            if batch_dim is not None:
                x = x.unsqueeze(batch_dim)
            args.append(x if dt is None else x.to(dt))
    elif input_data is not None:
        args = list(input_data) if isinstance(input_data, (list, tuple)) else [input_data]
        if device is not None:
            args = [a.to(device) if _is_tensor(a) else a for a in args]
        sizes = [list(a.shape) for a in args if _is_tensor(a)]
    if args is not None:
        input_bytes = sum(a.numel() * a.element_size() for a in args if _is_tensor(a))

    nodes = _tree(model)
    rows = _rows_from_tree(nodes) if args is None else _rows_from_forward(model, nodes, args)
    _link_rows(rows)
    stats = ModelStatistics(rows, model, sizes, input_bytes, cols, depth, col_width, row_settings, verbose)
    if verbose:
        print(stats)
    return stats


# ----------------------------------------------------------------------------------- count_parameters()
class ParamRow(NamedTuple):
    """One parameterised layer: ``features.0  Conv2d  (11x11x3 + 1) x 64 = 23,296``."""
    name: str          # dotted path, "" for the model itself
    class_name: str
    expression: str    # "(11x11x3 + 1) x 64"
    count: int         # 23296
    trainable: int     # how many of them require grad

    @property
    def formula(self) -> str:
        return f"{self.expression} = {self.count:,}"


class ParameterCount(NamedTuple):
    """``total, rows = count_parameters(model)``, or ``.total``; ``str()`` is the printed table."""
    total: int
    rows: List[ParamRow]

    @property
    def trainable(self) -> int:
        return sum(r.trainable for r in self.rows)

    def __str__(self) -> str:
        names = [r.name or "(model)" for r in self.rows]
        w_name = max([len("Layer")] + [len(n) for n in names])
        w_cls = max([len("Type")] + [len(r.class_name) for r in self.rows])
        w_expr = max([len("((kh x kw x in_ch) + 1) x out_ch")] + [len(r.expression) for r in self.rows])
        w_num = max([len(f"{self.total:,}")] + [len(f"{r.count:,}") for r in self.rows])
        head = f"{'Layer':<{w_name}}  {'Type':<{w_cls}}  {'((kh x kw x in_ch) + 1) x out_ch':<{w_expr}}   " \
               f"{'Params':>{w_num}}"
        rule = "-" * len(head)
        lines = [head, rule]
        lines += [f"{n:<{w_name}}  {r.class_name:<{w_cls}}  {r.expression:<{w_expr}} = {r.count:>{w_num},}"
                  for n, r in zip(names, self.rows)]
        lines.append(rule)
        lines.append(f"{'Total':<{w_name + w_cls + w_expr + 4}} = {self.total:>{w_num},}")
        if self.trainable != self.total:
            lines.append(f"{'Trainable':<{w_name + w_cls + w_expr + 4}} = {self.trainable:>{w_num},}")
        return "\n".join(lines)


def _expression(module, params) -> str:
    """The lecture's formula for one layer's own parameters, filled in with its sizes.

    Conv:   ((kh x kw x in_ch/groups) + 1) x out_ch  -- each filter spans in_ch/groups input maps
    Linear: (in_features + 1) x out_features        -- a Linear layer is a 1x1 conv over a vector
    others: the sizes of its tensors added up (BatchNorm2d(64): weight 64 + bias 64)
    """
    by_name = dict(params)
    w, b = by_name.get("weight"), by_name.get("bias")
    total = sum(p.numel() for p in by_name.values())
    cls = type(module).__name__
    expr = None
    if w is not None and set(by_name) <= {"weight", "bias"}:
        shape = list(w.shape)
        if "Conv" in cls and len(shape) >= 3:
            groups = int(getattr(module, "groups", 1) or 1)
            if "Transpose" in cls:     # weight: in_ch x out_ch/groups x kernel
                fan_in, out = shape[0] // groups, shape[1] * groups
            else:                      # weight: out_ch x in_ch/groups x kernel
                fan_in, out = shape[1], shape[0]
            expr = f"{'x'.join(str(k) for k in shape[2:])}x{fan_in}"
            expr = f"({expr} + 1) x {out}" if b is not None else f"{expr} x {out}"
            count = (_prod(shape[2:]) * fan_in + (1 if b is not None else 0)) * out
        elif len(shape) == 2 and ("Linear" in cls or (b is not None and b.numel() == shape[0])):
            expr = f"({shape[1]} + 1) x {shape[0]}" if b is not None else f"{shape[1]} x {shape[0]}"
            count = (shape[1] + (1 if b is not None else 0)) * shape[0]
        if expr is not None and count != total:   # an unusual layer: fall back to plain sums
            expr = None
    if expr is None:
        expr = " + ".join(f"{n} {p.numel():,}" for n, p in by_name.items())
    return expr


def count_parameters(model, verbose: bool = True) -> ParameterCount:
    """Count the parameters layer by layer with the lecture's formula (assignment 1), and in total.

    >>> from tinygrad_edu import nn
    >>> total, rows = count_parameters(nn.Conv2d(192, 32, 5), verbose=False)
    >>> total, rows[0].expression
    (153632, '(5x5x192 + 1) x 32')

    Shared parameters are counted once, at the first layer that has them.
    """
    if not hasattr(model, "named_modules"):
        raise TypeError(f"count_parameters(): model must be an nn.Module, but got {type(model).__name__}")
    seen, rows = set(), []
    for name, module in model.named_modules():
        own = [(n, p) for n, p in module.named_parameters(recurse=False) if id(p) not in seen]
        if not own:
            continue
        seen.update(id(p) for _, p in own)
        rows.append(ParamRow(name, type(module).__name__, _expression(module, own),
                             sum(p.numel() for _, p in own),
                             sum(p.numel() for _, p in own if p.requires_grad)))
    result = ParameterCount(sum(r.count for r in rows), rows)
    if verbose:
        print(result)
    return result
