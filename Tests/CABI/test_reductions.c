/*
 * test_reductions.c: the reductions and products of the C ABI against
 * NumPy's values (float64 and int64), a gradient of max with ties, the
 * dtype rules, the linalg extension (LAPACK) with the gradient of det, and
 * errors: NULL pointers, bad axes, empty reductions, unknown operations,
 * mismatched shapes, singular matrices.
 */
#include "check.h"

#define TOL 1e-12

/* X: (2,3) with a tie in row 1 */
static const double X23[] = {0.5, 2.0, -1.0, 3.0, 3.0, 1.5};
static const int64_t S23[] = {2, 3}, S2[] = {2}, S3[] = {3}, S21[] = {2, 1};
static const int64_t S0[] = {1};

static void test_reduce_values(void) {
    sg_tensor *x = tensor64(X23, S23, 2), *y = NULL;
    int64_t axis0 = 0, axis1 = 1, neg = -1;

    CHECK_OK(sg_reduce(SG_REDUCE_PROD, x, NULL, 0, false, NULL, &y));
    { static const double e[] = {-13.5}; CHECK_TENSOR(y, S0, 0, e, TOL); }
    sg_tensor_free(y);

    CHECK_OK(sg_reduce(SG_REDUCE_MAX, x, &axis1, 1, true, NULL, &y));
    { static const double e[] = {2.0, 3.0}; CHECK_TENSOR(y, S21, 2, e, TOL); }
    sg_tensor_free(y);

    CHECK_OK(sg_reduce(SG_REDUCE_MIN, x, &axis0, 1, false, NULL, &y));
    { static const double e[] = {0.5, 2.0, -1.0}; CHECK_TENSOR(y, S3, 1, e, TOL); }
    sg_tensor_free(y);

    CHECK_OK(sg_argmax(x, &neg, false, &y));
    {
        int64_t got[2] = {0, 0};
        sg_dtype dtype;
        CHECK_OK(sg_tensor_dtype(y, &dtype));
        CHECK(dtype == SG_DTYPE_INT64);
        CHECK_OK(sg_tensor_copy_data(y, got, sizeof got));
        CHECK(got[0] == 1 && got[1] == 0); /* first of the tied 3s */
    }
    sg_tensor_free(y);

    CHECK_OK(sg_argmin(x, NULL, false, &y));
    {
        int64_t got = -1;
        CHECK_OK(sg_tensor_copy_data(y, &got, sizeof got));
        CHECK(got == 2);
    }
    sg_tensor_free(y);

    CHECK_OK(sg_reduce(SG_REDUCE_ANY, x, &axis0, 1, false, NULL, &y));
    {
        bool got[3];
        sg_dtype dtype;
        CHECK_OK(sg_tensor_dtype(y, &dtype));
        CHECK(dtype == SG_DTYPE_BOOL);
        CHECK_OK(sg_tensor_copy_data(y, got, sizeof got));
        CHECK(got[0] && got[1] && got[2]);
    }
    sg_tensor_free(y);

    /* np.var(X, axis=1, ddof=1), np.std(X) */
    CHECK_OK(sg_var(x, &axis1, 1, 1.0, false, &y));
    { static const double e[] = {2.25, 0.75}; CHECK_TENSOR(y, S2, 1, e, TOL); }
    sg_tensor_free(y);
    CHECK_OK(sg_std(x, NULL, 0, 0.0, false, &y));
    { static const double e[] = {1.4142135623730951}; CHECK_TENSOR(y, S0, 0, e, 1e-12); }
    sg_tensor_free(y);

    /* np.cumsum(X, axis=1) with a leading zero */
    CHECK_OK(sg_cumulative_sum(x, &axis1, true, NULL, &y));
    {
        static const int64_t s[] = {2, 4};
        static const double e[] = {0, 0.5, 2.5, 1.5, 0, 3, 6, 7.5};
        CHECK_TENSOR(y, s, 2, e, TOL);
    }
    sg_tensor_free(y);
    sg_tensor_free(x);
}

static void test_integer_dtype_rules(void) {
    static const int8_t v[] = {100, 100, 100};
    sg_tensor *x = NULL, *y = NULL;
    int64_t got = 0;
    sg_dtype dtype;
    CHECK_OK(sg_tensor_from_data(v, S3, 1, SG_DTYPE_INT8, &x));
    CHECK_OK(sg_reduce(SG_REDUCE_PROD, x, NULL, 0, false, NULL, &y));
    CHECK_OK(sg_tensor_dtype(y, &dtype));
    CHECK(dtype == SG_DTYPE_INT64);
    CHECK_OK(sg_tensor_copy_data(y, &got, sizeof got));
    CHECK(got == 1000000);
    sg_tensor_free(y);
    CHECK_OK(sg_reduce(SG_REDUCE_MAX, x, NULL, 0, false, NULL, &y));
    CHECK_OK(sg_tensor_dtype(y, &dtype));
    CHECK(dtype == SG_DTYPE_INT8);
    sg_tensor_free(y);
    /* dtype=int8 keeps the sum in int8, where 300 wraps to 44 */
    {
        sg_dtype want = SG_DTYPE_INT8;
        int8_t small = 0;
        CHECK_OK(sg_reduce(SG_REDUCE_SUM, x, NULL, 0, false, &want, &y));
        CHECK_OK(sg_tensor_copy_data(y, &small, sizeof small));
        CHECK(small == 44);
        sg_tensor_free(y);
        CHECK_STATUS(sg_reduce(SG_REDUCE_MAX, x, NULL, 0, false, &want, &y), SG_ERROR_TYPE);
        CHECK_ERROR_HAS("[max] takes no dtype");
        want = (sg_dtype)77;
        CHECK_STATUS(sg_cumulative_sum(x, NULL, false, &want, &y), SG_ERROR_TYPE);
    }
    sg_tensor_free(x);
}

static void test_max_gradient_splits_ties(void) {
    sg_tensor *x = tensor64(X23, S23, 2), *y = NULL, *total = NULL, *g = NULL;
    int64_t axis1 = 1;
    CHECK_OK(sg_tensor_set_requires_grad(x, true));
    CHECK_OK(sg_reduce(SG_REDUCE_MAX, x, &axis1, 1, false, NULL, &y));
    CHECK_OK(sg_sum(y, NULL, 0, false, &total));
    CHECK_OK(sg_tensor_backward(total, NULL));
    CHECK_OK(sg_tensor_grad(x, &g));
    { static const double e[] = {0, 1, 0, 0.5, 0.5, 0}; CHECK_TENSOR(g, S23, 2, e, TOL); }
    sg_tensor_free(g);
    sg_tensor_free(total);
    sg_tensor_free(y);
    sg_tensor_free(x);
}

static void test_products(void) {
    /* A: (2,2,3) = arange(12)/4, B: (3,2) */
    double a[12], b[6];
    int i;
    for (i = 0; i < 12; i++) a[i] = i / 4.0;
    for (i = 0; i < 6; i++) b[i] = 1.0 - i / 2.0;
    static const int64_t sa[] = {2, 2, 3}, sb[] = {3, 2}, s22[] = {2, 2, 2};
    sg_tensor *ta = tensor64(a, sa, 3), *tb = tensor64(b, sb, 2), *y = NULL;
    /* np.matmul(A, B) */
    static const double mm[] = {-0.5, -0.875, -0.5, -2, -0.5, -3.125, -0.5, -4.25};
    CHECK_OK(sg_matmul(ta, tb, &y));
    CHECK_TENSOR(y, s22, 3, mm, TOL);
    sg_tensor_free(y);

    /* tensordot over A's axis 2 and B's axis 0 is the same product */
    int64_t ax = 2, bx = 0;
    CHECK_OK(sg_tensordot(ta, tb, &ax, &bx, 1, &y));
    CHECK_TENSOR(y, s22, 3, mm, TOL);
    sg_tensor_free(y);

    const sg_tensor *ops[2] = {ta, tb};
    CHECK_OK(sg_einsum("bij,jk->bik", ops, 2, &y));
    CHECK_TENSOR(y, s22, 3, mm, TOL);
    sg_tensor_free(y);

    /* vecdot along the last axis of A with B's first column (1, 0, -1) */
    static const double col[] = {1.0, 0.0, -1.0};
    sg_tensor *c = tensor64(col, S3, 1);
    static const double vd[] = {-0.5, -0.5, -0.5, -0.5};
    static const int64_t s2x2[] = {2, 2};
    CHECK_OK(sg_vecdot(ta, c, -1, &y));
    CHECK_TENSOR(y, s2x2, 2, vd, TOL);
    sg_tensor_free(y);

    static const double u[] = {1.0, 2.0};
    sg_tensor *tu = tensor64(u, S2, 1);
    static const int64_t s23[] = {2, 3};
    static const double outer[] = {1, 0, -1, 2, 0, -2};
    CHECK_OK(sg_outer(tu, c, &y));
    CHECK_TENSOR(y, s23, 2, outer, TOL);
    sg_tensor_free(y);

    /* errors */
    CHECK_STATUS(sg_matmul(tb, tb, &y), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("[matmul] shapes (3,2) and (3,2) are not aligned");
    CHECK_STATUS(sg_tensordot(ta, tb, &bx, &bx, 1, &y), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("[tensordot]");
    CHECK_STATUS(sg_einsum("ij,jk", ops, 2, &y), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("[einsum]");
    CHECK_STATUS(sg_einsum(NULL, ops, 2, &y), SG_ERROR_NULL);
    CHECK_STATUS(sg_einsum("ij", NULL, 1, &y), SG_ERROR_NULL);
    CHECK_STATUS(sg_outer(ta, tb, &y), SG_ERROR_VALUE);
    CHECK_STATUS(sg_vecdot(ta, tu, -1, &y), SG_ERROR_VALUE);
    CHECK_STATUS(sg_tensordot(ta, tb, NULL, &bx, 1, &y), SG_ERROR_NULL);
    sg_tensor_free(tu);
    sg_tensor_free(c);
    sg_tensor_free(ta);
    sg_tensor_free(tb);
}

static void test_errors(void) {
    sg_tensor *x = tensor64(X23, S23, 2), *y = NULL;
    int64_t bad = 5, axis0 = 0;
    static const int64_t s0[] = {0, 3};
    sg_tensor *empty = NULL;
    CHECK_STATUS(sg_reduce(SG_REDUCE_MAX, NULL, NULL, 0, false, NULL, &y), SG_ERROR_NULL);
    CHECK_STATUS(sg_reduce(SG_REDUCE_MAX, x, NULL, 0, false, NULL, NULL), SG_ERROR_NULL);
    CHECK_STATUS(sg_reduce((sg_reduce_op)99, x, NULL, 0, false, NULL, &y), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("unknown reduction 99");
    CHECK_STATUS(sg_reduce(SG_REDUCE_PROD, x, &bad, 1, false, NULL, &y), SG_ERROR_INDEX);
    CHECK_ERROR_HAS("[prod] axis 5 is out of bounds");
    CHECK_STATUS(sg_reduce(SG_REDUCE_MIN, x, &axis0, (size_t)-1, false, NULL, &y), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("too large");
    CHECK_STATUS(sg_argmax(x, &bad, false, &y), SG_ERROR_INDEX);
    CHECK_STATUS(sg_cumulative_sum(x, NULL, false, NULL, &y), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("[cumulative_sum] axis must be given");
    CHECK_STATUS(sg_var(NULL, NULL, 0, 0.0, false, &y), SG_ERROR_NULL);

    CHECK_OK(sg_tensor_from_data(X23, s0, 2, SG_DTYPE_FLOAT64, &empty));
    CHECK_STATUS(sg_reduce(SG_REDUCE_MAX, empty, &axis0, 1, false, NULL, &y), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("[max] zero-size array");
    CHECK_STATUS(sg_argmin(empty, NULL, false, &y), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("[argmin] attempt to get argmin of an empty sequence");
    CHECK_OK(sg_reduce(SG_REDUCE_PROD, empty, &axis0, 1, false, NULL, &y));
    { static const double e[] = {1, 1, 1}; CHECK_TENSOR(y, S3, 1, e, TOL); }
    sg_tensor_free(y);
    sg_tensor_free(empty);
    sg_tensor_free(x);
}

static void test_linalg(void) {
    /* A = [[4, 2], [2, 3]]: symmetric positive definite */
    static const double A[] = {4, 2, 2, 3}, ONES[] = {1, 1, 1, 1};
    static const int64_t s22[] = {2, 2}, s2[] = {2};
    sg_tensor *a = tensor64(A, s22, 2), *y = NULL, *g = NULL;
    CHECK_OK(sg_linalg(SG_LINALG_INV, a, &y));
    { static const double e[] = {0.375, -0.25, -0.25, 0.5}; CHECK_TENSOR(y, s22, 2, e, TOL); }
    sg_tensor_free(y);
    CHECK_OK(sg_linalg(SG_LINALG_DET, a, &y));
    { static const double e[] = {8}; CHECK_TENSOR(y, S0, 0, e, 1e-12); }
    sg_tensor_free(y);
    CHECK_OK(sg_linalg(SG_LINALG_CHOLESKY, a, &y));
    { static const double e[] = {2, 0, 1, 1.4142135623730951}; CHECK_TENSOR(y, s22, 2, e, TOL); }
    sg_tensor_free(y);
    CHECK_OK(sg_linalg(SG_LINALG_EIGVALSH, a, &y));
    { static const double e[] = {1.4384471871911697, 5.5615528128088303}; CHECK_TENSOR(y, s2, 1, e, 1e-12); }
    sg_tensor_free(y);
    CHECK_OK(sg_linalg(SG_LINALG_SVDVALS, a, &y));
    { static const double e[] = {5.5615528128088303, 1.4384471871911697}; CHECK_TENSOR(y, s2, 1, e, 1e-12); }
    sg_tensor_free(y);
    {
        /* U, S, V^H from one call: U diag(S) V^H is A */
        static const sg_linalg_op svd[] = {SG_LINALG_SVD_U, SG_LINALG_SVDVALS, SG_LINALG_SVD_VH};
        static const sg_linalg_op mixed[] = {SG_LINALG_SVD_U, SG_LINALG_QR_R};
        sg_tensor *f[3] = {NULL, NULL, NULL};
        double u[4], sv[2], vh[4];
        int i, j;
        CHECK_OK(sg_linalg_factors(svd, 3, a, f));
        CHECK_OK(sg_tensor_copy_data(f[0], u, sizeof u));
        CHECK_OK(sg_tensor_copy_data(f[1], sv, sizeof sv));
        CHECK_OK(sg_tensor_copy_data(f[2], vh, sizeof vh));
        CHECK_CLOSE(sv[0], 5.5615528128088303, 1e-12);
        for (i = 0; i < 2; i++)
            for (j = 0; j < 2; j++)
                CHECK_CLOSE(u[i * 2] * sv[0] * vh[j] + u[i * 2 + 1] * sv[1] * vh[2 + j], A[i * 2 + j], 1e-12);
        for (i = 0; i < 3; i++) sg_tensor_free(f[i]);
        f[0] = f[1] = f[2] = NULL;
        CHECK_STATUS(sg_linalg_factors(mixed, 2, a, f), SG_ERROR_VALUE);
        CHECK_ERROR_HAS("are not outputs of one factorization");
        CHECK(f[0] == NULL && f[1] == NULL);
        CHECK_STATUS(sg_linalg_factors(svd, 3, NULL, f), SG_ERROR_NULL);
        CHECK_STATUS(sg_linalg_factors(NULL, 3, a, f), SG_ERROR_NULL);
        CHECK_OK(sg_linalg_factors(NULL, 0, a, NULL));
    }
    {
        static const double rhs[] = {1, 2};
        sg_tensor *b = tensor64(rhs, s2, 1);
        static const double e[] = {-0.125, 0.75};
        CHECK_OK(sg_linalg_solve(a, b, &y));
        CHECK_TENSOR(y, s2, 1, e, TOL);
        sg_tensor_free(y);
        sg_tensor_free(b);
    }
    CHECK_OK(sg_linalg_matrix_norm(a, "fro", false, &y));
    { static const double e[] = {5.7445626465380286}; CHECK_TENSOR(y, S0, 0, e, 1e-12); }
    sg_tensor_free(y);
    CHECK_OK(sg_linalg_vector_norm(a, NULL, 0, false, 1.0, &y));
    { static const double e[] = {11}; CHECK_TENSOR(y, S0, 0, e, TOL); }
    sg_tensor_free(y);
    CHECK_OK(sg_linalg_trace(a, 0, NULL, &y));
    { static const double e[] = {7}; CHECK_TENSOR(y, S0, 0, e, TOL); }
    sg_tensor_free(y);
    CHECK_OK(sg_linalg_diagonal(a, INT64_MIN, &y));
    CHECK(tensor_count(y) == 0);
    sg_tensor_free(y);
    CHECK_OK(sg_linalg_diagonal(a, INT64_MAX, &y));
    CHECK(tensor_count(y) == 0);
    sg_tensor_free(y);
    CHECK_OK(sg_linalg_diagonal(a, 1, &y));
    { static const double e[] = {2}; static const int64_t s1[] = {1}; CHECK_TENSOR(y, s1, 1, e, TOL); }
    sg_tensor_free(y);
    CHECK_OK(sg_linalg_matrix_power(a, 2, &y));
    { static const double e[] = {20, 14, 14, 13}; CHECK_TENSOR(y, s22, 2, e, TOL); }
    sg_tensor_free(y);
    CHECK_OK(sg_linalg_matrix_rank(a, NULL, &y));
    {
        int64_t rank = 0;
        CHECK_OK(sg_tensor_copy_data(y, &rank, sizeof rank));
        CHECK(rank == 2);
    }
    sg_tensor_free(y);
    {
        static const double u[] = {1, 2, 3}, v[] = {4, 5, 6}, e[] = {-3, 6, -3};
        sg_tensor *tu = tensor64(u, S3, 1), *tv = tensor64(v, S3, 1);
        CHECK_OK(sg_linalg_cross(tu, tv, -1, &y));
        CHECK_TENSOR(y, S3, 1, e, TOL);
        sg_tensor_free(y);
        CHECK_STATUS(sg_linalg_cross(tu, tv, 0, &y), SG_ERROR_INDEX);
        CHECK_STATUS(sg_linalg_cross(tu, tv, INT64_MIN, &y), SG_ERROR_INDEX);
        CHECK_STATUS(sg_vecdot(tu, tv, INT64_MIN, &y), SG_ERROR_INDEX);
        {
            int64_t far = INT64_MIN;
            CHECK_STATUS(sg_argmax(tu, &far, false, &y), SG_ERROR_INDEX);
            CHECK_STATUS(sg_cumulative_sum(tu, &far, false, NULL, &y), SG_ERROR_INDEX);
        }
        sg_tensor_free(tu);
        sg_tensor_free(tv);
    }

    /* d det / dA = det(A) A^-T = [[3, -2], [-2, 4]] */
    CHECK_OK(sg_tensor_set_requires_grad(a, true));
    CHECK_OK(sg_linalg(SG_LINALG_DET, a, &y));
    CHECK_OK(sg_tensor_backward(y, NULL));
    CHECK_OK(sg_tensor_grad(a, &g));
    { static const double e[] = {3, -2, -2, 4}; CHECK_TENSOR(g, s22, 2, e, 1e-12); }
    sg_tensor_free(g);
    sg_tensor_free(y);

    /* complex128: det [[1+i, 2], [0, 3]] = 3 + 3i */
    {
        static const double z[] = {1, 1, 2, 0, 0, 0, 3, 0};
        double det[2] = {0, 0};
        sg_tensor *tz = NULL;
        CHECK_OK(sg_tensor_from_data(z, s22, 2, SG_DTYPE_COMPLEX128, &tz));
        CHECK_OK(sg_linalg(SG_LINALG_DET, tz, &y));
        CHECK_OK(sg_tensor_copy_data(y, det, sizeof det));
        CHECK_CLOSE(det[0], 3, 1e-12);
        CHECK_CLOSE(det[1], 3, 1e-12);
        sg_tensor_free(y);
        /* its singular values are real: sqrt of the eigenvalues of A A^H */
        CHECK_OK(sg_linalg(SG_LINALG_SVDVALS, tz, &y));
        {
            double s[2] = {0, 0};
            sg_dtype dtype = SG_DTYPE_BOOL;
            CHECK_OK(sg_tensor_dtype(y, &dtype));
            CHECK(dtype == SG_DTYPE_FLOAT64);
            CHECK_OK(sg_tensor_copy_data(y, s, sizeof s));
            CHECK_CLOSE(s[0], 3.69927809693006, 1e-12);
            CHECK_CLOSE(s[1], 1.1468834123717675, 1e-12);
        }
        sg_tensor_free(y);
        sg_tensor_free(tz);
    }

    /* errors */
    sg_tensor *singular = tensor64(ONES, s22, 2);
    CHECK_STATUS(sg_linalg(SG_LINALG_INV, singular, &y), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("[inv] singular matrix (shape (2,2))");
    CHECK_STATUS(sg_linalg(SG_LINALG_CHOLESKY, singular, &y), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("[cholesky] matrix is not positive definite");
    CHECK_STATUS(sg_linalg((sg_linalg_op)42, a, &y), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("unknown linalg operation 42");
    CHECK_STATUS(sg_linalg(SG_LINALG_DET, NULL, &y), SG_ERROR_NULL);
    CHECK_STATUS(sg_linalg_matrix_norm(a, NULL, false, &y), SG_ERROR_NULL);
    CHECK_STATUS(sg_linalg_matrix_norm(a, "3", false, &y), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("[matrix_norm] unknown order '3'");
    CHECK_STATUS(sg_linalg_solve(a, NULL, &y), SG_ERROR_NULL);
    {
        sg_tensor *v3 = tensor64(A, S3, 1);
        CHECK_STATUS(sg_linalg(SG_LINALG_DET, v3, &y), SG_ERROR_VALUE);
        CHECK_ERROR_HAS("[det] needs a matrix");
        sg_tensor_free(v3);
    }
    sg_tensor_free(singular);
    sg_tensor_free(a);
}

int main(void) {
    test_reduce_values();
    test_integer_dtype_rules();
    test_max_gradient_splits_ties();
    test_products();
    test_errors();
    test_linalg();
    return CHECK_DONE();
}
