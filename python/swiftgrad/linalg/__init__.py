"""The Array API's linalg extension: factorizations through OpenBLAS's
LAPACK (float32, float64; batched over leading axes), norms and products.

    >>> import swiftgrad as sg
    >>> sg.linalg.det(sg.asarray([[2.0, 1.0], [1.0, 3.0]]))
    array(5.)
"""

from .._linalg import (EighResult, LinAlgError, QRResult, SlogdetResult, SVDResult,
                       cholesky, cross, det, diagonal, eigh, eigvalsh, inv, matmul,
                       matrix_norm, matrix_power, matrix_rank, matrix_transpose, outer,
                       pinv, qr, slogdet, solve, svd, svdvals, tensordot, trace, vecdot,
                       vector_norm)

__all__ = ["LinAlgError", "EighResult", "QRResult", "SlogdetResult", "SVDResult",
           "cholesky", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "matmul",
           "matrix_norm", "matrix_power", "matrix_rank", "matrix_transpose", "outer",
           "pinv", "qr", "slogdet", "solve", "svd", "svdvals", "tensordot", "trace",
           "vecdot", "vector_norm"]
