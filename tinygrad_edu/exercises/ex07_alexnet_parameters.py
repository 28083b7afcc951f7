"""Exercise 07 (assignment 1): AlexNet's parameter table, checked row by row against hand counts."""
from .alexnet_truth import VARIANTS, WARMUP, count, formula, total
from .checking import CheckFailed, num

NUMBER, STEM, TITLE = "07", "07_alexnet_parameters", "assignment 1: AlexNet's parameters, layer by layer"


def as_count(value, row: str) -> int:
    if value is None or value == "?":
        raise CheckFailed(f"row {row} is still '?': fill it in")
    if isinstance(value, float) and value == int(value):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise CheckFailed(f"row {row} is {value!r}; write a whole number (or the arithmetic that gives it)")
    return value


def check(ex, ok) -> None:
    got = as_count(ex.warmup(), "warm-up")
    if got != WARMUP:
        raise CheckFailed(f"your warm-up says {num(got)}; count (5x5x192+1)x32 again: weights for every kernel "
                          "position and input channel, plus one bias, for each of the 32 filters")
    ok(f"warm-up: (5x5x192 + 1) x 32 = {num(WARMUP)}")
    variant = getattr(ex, "VARIANT", None)
    if variant not in VARIANTS:
        raise CheckFailed(f"VARIANT is {variant!r}; choose one of " + ", ".join(repr(v) for v in VARIANTS))
    table = ex.alexnet_table()
    if not isinstance(table, dict):
        raise CheckFailed(f"alexnet_table() returns a {type(table).__name__}; return the dict of rows")
    for row in VARIANTS[variant]:
        name = row[0]
        if name not in table:
            raise CheckFailed(f"your table has no row {name!r}")
        got = as_count(table[name], name)
        if got != count(row):
            hint = ""
            if got == count(row) - row[4]:
                hint = " (each filter has a bias too)"
            elif variant == "original" and got == (row[1] * row[2] * row[3] * 2 + 1) * row[4]:
                hint = " (on two GPUs, groups=2: each filter sees only half the input channels)"
            raise CheckFailed(f"your table says {num(got)} for {name}; count {formula(row)} again{hint}")
        ok(f"{name:<5} {formula(row):<20} = {num(got):>10}")
    got = as_count(table.get("total"), "total")
    if got != total(variant):
        raise CheckFailed(f"your table's total is {num(got)}; add up the eight rows again")
    ok(f"total for the {variant} variant: {num(got)}")
