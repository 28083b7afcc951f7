"""Exercise 01: the output size formula OW = (W + 2P - FW) / S + 1, checked by counting windows."""
from .checking import CheckFailed, num

NUMBER, STEM, TITLE = "01", "01_output_size", "output size of a convolution: (W + 2P - FW) / S + 1"

# (W, FW, P, S): the deck's worked example, its three pictures on a 5x5 input, sizes that do not
# divide evenly, and AlexNet's first layers.
CASES = [(5, 3, 1, 1), (5, 3, 0, 1), (5, 4, 2, 1), (5, 3, 1, 2),
         (6, 3, 0, 2), (7, 2, 0, 2), (8, 3, 1, 3), (224, 11, 2, 4), (227, 11, 0, 4), (55, 3, 0, 2)]


def count_windows(W: int, FW: int, P: int, S: int) -> int:
    """The truth, without the formula: slide the window and count the places where it fits."""
    count, start = 0, 0
    while start + FW <= W + 2 * P:
        count, start = count + 1, start + S
    return count


def check(ex, ok) -> None:
    for W, FW, P, S in CASES:
        got, want = ex.conv_output_size(W, FW, P, S), count_windows(W, FW, P, S)
        call = f"conv_output_size(W={W}, FW={FW}, P={P}, S={S})"
        if isinstance(got, float) and got != int(got):
            raise CheckFailed(f"{call} returns {num(got)}; the output has a whole number of windows: "
                              f"round down, a window that would stick out of the padded input is dropped")
        if not isinstance(got, int) or isinstance(got, bool):
            raise CheckFailed(f"{call} returns {got!r} ({type(got).__name__}); "
                              "return an int (// divides and rounds down)")
        if got != want:
            raise CheckFailed(f"{call} returns {got}; sliding a {FW}-wide window in steps of {S} over "
                              f"{W} + 2x{P} = {W + 2 * P} pixels fits {want} times")
    ok(f"{len(CASES)} sizes, including the deck's 5x5 example and sizes that do not divide evenly")
    try:
        got = ex.conv_output_size(3, 5, 0, 1)
    except ValueError:
        ok("a 5-wide filter on a 3-wide input without padding raises ValueError")
    else:
        raise CheckFailed(f"conv_output_size(W=3, FW=5, P=0, S=1) returns {got!r}; a 5-wide filter does not "
                          "fit on 3 pixels: raise ValueError saying so")
