"""The Array API's linalg extension (the parts swiftgrad has so far)."""

from .._linalg import (LinAlgError, matmul, matrix_transpose, outer, tensordot,
                       vecdot)

__all__ = ["LinAlgError", "matmul", "matrix_transpose", "outer", "tensordot", "vecdot"]
