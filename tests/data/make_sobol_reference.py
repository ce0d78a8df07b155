#!/usr/bin/env python3
"""Write tests/data/sobol_scipy_reference.txt, the expected values of tests/cpp/test_sobol_sequence.cpp.

The values come from scipy.stats.qmc.Sobol(scramble=False), an implementation independent of
sim/sweep/src/sobol_sequence.cpp: the first 1024 points of the 64-dimensional unscrambled Sobol
sequence, one point per line, each coordinate as the 32-bit integer value * 2^32.

bits=32 makes scipy's integers exactly those of SobolSequence. For these indices they are also
4 times those of scipy's default bits=30 (the low two bits of the first 2^30 points are zero);
the script checks that, so the file equally stands for Sobol(d, scramble=False).random(n).

Usage: python3 tests/data/make_sobol_reference.py   (from the repository root; needs scipy)
"""

from pathlib import Path

import numpy as np
import scipy
from scipy.stats import qmc

N_POINTS = 1024
N_DIMS = 64
OUT = Path(__file__).with_name("sobol_scipy_reference.txt")


def main() -> None:
    x32 = qmc.Sobol(d=N_DIMS, scramble=False, bits=32).random(N_POINTS)
    ints = np.ldexp(x32, 32)
    assert np.array_equal(ints, np.floor(ints)) and ints.max() < 2.0**32
    ints = ints.astype(np.uint64)
    default_bits = qmc.Sobol(d=N_DIMS, scramble=False).random(N_POINTS)
    assert np.array_equal(np.ldexp(default_bits, 32).astype(np.uint64), ints)

    with OUT.open("w") as f:
        f.write(f"# {N_POINTS} points x {N_DIMS} dims of scipy.stats.qmc.Sobol(d={N_DIMS}, "
                f"scramble=False, bits=32).random({N_POINTS}) * 2^32, scipy {scipy.__version__}\n")
        f.write("# written by tests/data/make_sobol_reference.py; one point per line\n")
        for row in ints:
            f.write(" ".join(str(v) for v in row) + "\n")


if __name__ == "__main__":
    main()
