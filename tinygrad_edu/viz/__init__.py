"""Seeing inside: the computation graph (``to_dot``, ``draw_graph``, ``print_graph``) and the
gradients flowing back through a model (``GradientFlow``).

Nothing here needs extra packages to import. ``draw_graph`` renders pictures when Graphviz's
``dot`` program is installed (otherwise it writes the ``.dot`` text); ``GradientFlow.plot``
imports matplotlib when called (``pip install matplotlib``, or the 'viz' extra).
"""
from .graph import draw_graph, format_graph, named_tensors, print_graph, to_dot
from .gradflow import GradientFlow, grad_stats

__all__ = ["to_dot", "draw_graph", "format_graph", "print_graph", "named_tensors", "GradientFlow",
           "grad_stats"]
