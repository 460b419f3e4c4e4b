/*
 * test_regressions.c: the inputs that once crashed or hung the library,
 * found by the fuzzer (Tests/Fuzz/regressions) and kept here as plain
 * calls, so they keep their meaning whatever the harness's encoding.
 * A hang fails through the alarm instead of stalling the suite.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <unistd.h>

#include "check.h"

/* Empty arrays with huge axes: every call returns at once (a loop over
 * empty rows once took hours). */
static void test_empty_huge(void) {
    static const int64_t shape3[] = {3, (int64_t)1 << 31, 0};
    static const int64_t shape2[] = {(int64_t)1 << 31, (int64_t)1 << 31, 0};
    static const int64_t axis1[] = {1};
    int64_t shape[3] = {-7, -7, -7};
    double total = -7;
    sg_tensor *a = NULL, *b = NULL, *out = NULL;

    CHECK_OK(sg_tensor_from_data(NULL, shape3, 3, SG_DTYPE_FLOAT64, &a));
    CHECK_OK(sg_unary(SG_UNARY_EXP, a, &out));
    CHECK_OK(sg_tensor_shape(out, shape, 3));
    CHECK(shape[0] == 3 && shape[1] == (int64_t)1 << 31 && shape[2] == 0);
    sg_tensor_free(out);

    CHECK_OK(sg_tensor_from_data(NULL, shape2, 3, SG_DTYPE_BOOL, &b));
    CHECK_OK(sg_sum(b, NULL, 0, false, &out));
    CHECK_OK(sg_tensor_item(out, &total));
    CHECK(total == 0);
    sg_tensor_free(out);
    CHECK_OK(sg_sum(b, axis1, 1, false, &out));
    CHECK_OK(sg_tensor_shape(out, shape, 2));
    CHECK(shape[0] == (int64_t)1 << 31 && shape[1] == 0);
    sg_tensor_free(out);
    sg_tensor_free(b);
    sg_tensor_free(a);
}

/* The mean of a placeholder whose element count overflows is refused when
 * the graph is built (an unchecked product once trapped). */
static void test_mean_overflow(void) {
    static const int64_t shape[] = {(int64_t)1 << 32, (int64_t)1 << 32};
    sg_tensor *p = NULL, *out = NULL;

    sg_status s = sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, shape, 2, "x", &p);
    if (s == SG_OK) {
        CHECK_STATUS(sg_mean(p, NULL, 0, false, &out), SG_ERROR_VALUE);
        CHECK(out == NULL);
        sg_tensor_free(p);
    } else {
        CHECK(s == SG_ERROR_VALUE);
        CHECK(strstr(sg_last_error(), "too many elements") != NULL);
    }
}

static int released = 0;
static void count_release(void *context) {
    (void)context;
    released++;
}

/* A borrowed view of 2^62 elements all at one address (stride 0): its byte
 * size overflows, so it is refused before anything copies it. */
static void test_copy_data_overflow(void) {
    static const int64_t shape[] = {(int64_t)1 << 62}, strides[] = {0};
    double x = 1.5;
    sg_tensor *t = NULL;

    CHECK_STATUS(sg_tensor_from_buffer(&x, shape, strides, 1, SG_DTYPE_FLOAT64,
                                       count_release, NULL, &t), SG_ERROR_VALUE);
    CHECK(t == NULL);
    CHECK(released == 0);
    CHECK(x == 1.5);
}

/* A length-1 axis may carry any stride, INT64_MAX included: it is never
 * stepped along, so the view is valid and reads the six elements. */
static void test_huge_stride_on_length_one_axis(void) {
    static const int64_t shape[] = {2, 1, 3}, strides[] = {4, INT64_MAX, 1};
    double buf[7] = {0, 1, 2, -7, 4, 5, 6}, got[6] = {-7, -7, -7, -7, -7, -7};
    /* exp of 0, 1, 2, 4, 5, 6 */
    static const double expected[] = {1, 2.718281828459045, 7.38905609893065,
                                      54.598150033144236, 148.4131591025766, 403.4287934927351};
    sg_tensor *t = NULL, *out = NULL;
    int i;

    CHECK_OK(sg_tensor_from_buffer(buf, shape, strides, 3, SG_DTYPE_FLOAT64, count_release, NULL, &t));
    CHECK_OK(sg_unary(SG_UNARY_EXP, t, &out));
    CHECK_OK(sg_tensor_copy_data(out, got, sizeof got));
    for (i = 0; i < 6; i++) CHECK_CLOSE(got[i], expected[i], 1e-15);
    sg_tensor_free(out);
    sg_tensor_free(t);
    CHECK(released == 1);
}

/* solve with a 1-D A once reported an internal error (a bug) instead of
 * refusing the shapes. */
static void test_solve_of_a_vector(void) {
    static const int64_t a_shape[] = {0}, b_shape[] = {0, 1};
    sg_tensor *a = NULL, *b = NULL, *out = NULL;

    CHECK_OK(sg_tensor_from_data(NULL, a_shape, 1, SG_DTYPE_FLOAT64, &a));
    CHECK_OK(sg_tensor_from_data(NULL, b_shape, 2, SG_DTYPE_FLOAT64, &b));
    CHECK_STATUS(sg_linalg_solve(a, b, &out), SG_ERROR_VALUE);
    CHECK(out == NULL);
    CHECK(strstr(sg_last_error(), "[solve]") != NULL && strstr(sg_last_error(), "(0,)") != NULL);
    sg_tensor_free(b);
    sg_tensor_free(a);
}

/* Every linalg operation over a batch of 2^31 empty 2x0 matrices: it once
 * listed each matrix's offset first (16 GiB) and trapped when that failed;
 * nothing needs computing, so each returns at once or refuses the shape.
 * Square empty matrices have results (det 1), so their batch is smaller. */
static void test_linalg_of_many_empty_matrices(void) {
    static const int64_t shape[] = {(int64_t)1 << 31, 1, 2, 0}, square[] = {1 << 20, 2, 0, 0};
    sg_tensor *x = NULL, *s = NULL, *out = NULL;
    int op;

    CHECK_OK(sg_tensor_from_data(NULL, shape, 4, SG_DTYPE_FLOAT64, &x));
    CHECK_OK(sg_tensor_from_data(NULL, square, 4, SG_DTYPE_FLOAT64, &s));
    for (op = 0; op < 20; op++) {
        sg_status status = sg_linalg((sg_linalg_op)op, x, &out);
        CHECK(status != SG_ERROR_INTERNAL);
        sg_tensor_free(out);
        out = NULL;
        status = sg_linalg((sg_linalg_op)op, s, &out);
        CHECK(status != SG_ERROR_INTERNAL);
        sg_tensor_free(out);
        out = NULL;
    }
    CHECK(sg_linalg_solve(s, s, &out) != SG_ERROR_INTERNAL);
    sg_tensor_free(out);
    sg_tensor_free(s);
    sg_tensor_free(x);
}

/* argmax along a 2^32-long axis of an empty array once swept every slice
 * of that axis (hours); with no lines there is nothing to do. */
static void test_argmax_along_a_huge_empty_axis(void) {
    static const int64_t shape[] = {(int64_t)1 << 32, 4, 0}, axis0[] = {0};
    sg_tensor *x = NULL, *out = NULL;
    int64_t got[2] = {-7, -7};
    double zero = 0;

    CHECK_OK(sg_tensor_full(shape, 3, &zero, SG_DTYPE_FLOAT64, &x));
    CHECK_OK(sg_argmax(x, axis0, false, &out));
    CHECK_OK(sg_tensor_shape(out, got, 2));
    CHECK(got[0] == 4 && got[1] == 0);
    sg_tensor_free(out);
    sg_tensor_free(x);
}

/* The diagonal of (0, 1, 1, INT64_MAX) once added the last two strides
 * (INT64_MAX + 1) and trapped; a one-element diagonal is never stepped. */
static void test_diagonal_of_a_huge_empty_array(void) {
    static const int64_t shape[] = {0, 1, 1, INT64_MAX};
    int64_t offsets[] = {0, 1, -1, INT64_MAX, INT64_MIN};
    sg_tensor *x = NULL, *out = NULL;
    size_t i;

    CHECK_OK(sg_tensor_from_data(NULL, shape, 4, SG_DTYPE_INT8, &x));
    for (i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        CHECK(sg_linalg_trace(x, offsets[i], NULL, &out) == SG_OK);
        sg_tensor_free(out);
        out = NULL;
        CHECK(sg_linalg_diagonal(x, offsets[i], &out) == SG_OK);
        sg_tensor_free(out);
        out = NULL;
    }
    sg_tensor_free(x);
}

/* A NaN or an infinity once reached LAPACK's SVD and eigensolver, which
 * printed "** On entry to DLASCL parameter number 4 had an illegal value"
 * with some OpenBLAS builds, and hung in the SVD's U with others.
 * Now svd refuses NaN (SG_ERROR_VALUE), gives NaNs for infinities, and
 * eigh gives NaNs when the lower triangle it reads is not finite, as NumPy
 * does; nothing is printed on stdout or stderr. */
static FILE *sink = NULL;

/* sg_linalg (or sg_linalg_pinv for op -1) with stdout and stderr going to
 * `sink`. */
static sg_status linalg_quietly(int op, const sg_tensor *x, sg_tensor **out) {
    int saved_out = dup(1), saved_err = dup(2);
    sg_status status;
    fflush(stdout);
    fflush(stderr);
    dup2(fileno(sink), 1);
    dup2(fileno(sink), 2);
    status = op < 0 ? sg_linalg_pinv(x, NULL, out) : sg_linalg((sg_linalg_op)op, x, out);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    return status;
}

static int all_nan(const sg_tensor *t, size_t count) {
    double got[8];
    size_t i;
    if (count > 8 || sg_tensor_copy_data(t, got, count * sizeof(double)) != SG_OK) return 0;
    for (i = 0; i < count; i++) {
        if (got[i] == got[i]) return 0;
    }
    return 1;
}

static void test_linalg_of_non_finite_matrices(void) {
    static const int64_t s22[] = {2, 2};
    const double nan = strtod("nan", NULL), inf = strtod("inf", NULL);
    double with_nan[4] = {1, 0, 0, 3}, with_inf[4] = {1, 0, 0, 3};
    const sg_dtype dtypes[] = {SG_DTYPE_FLOAT64, SG_DTYPE_COMPLEX128};
    sg_tensor *x = NULL, *y = NULL, *out = NULL;
    size_t d;
    int k;

    sink = tmpfile();
    CHECK(sink != NULL);
    if (sink == NULL) return;
    with_nan[2] = nan;
    with_inf[2] = inf;
    for (d = 0; d < 2; d++) {
        CHECK_OK(sg_tensor_from_data(with_nan, s22, 2, SG_DTYPE_FLOAT64, &x));
        CHECK_OK(sg_tensor_from_data(with_inf, s22, 2, SG_DTYPE_FLOAT64, &y));
        if (dtypes[d] != SG_DTYPE_FLOAT64) {
            sg_tensor *cx = NULL, *cy = NULL;
            CHECK_OK(sg_astype(x, dtypes[d], &cx));
            CHECK_OK(sg_astype(y, dtypes[d], &cy));
            sg_tensor_free(x);
            sg_tensor_free(y);
            x = cx;
            y = cy;
        }
        CHECK_STATUS(linalg_quietly(SG_LINALG_SVDVALS, x, &out), SG_ERROR_VALUE);
        CHECK(out == NULL);
        CHECK_ERROR_HAS("[svd] SVD did not converge: the matrix contains NaN (shape (2,2))");
        CHECK_STATUS(linalg_quietly(SG_LINALG_SVD_U, x, &out), SG_ERROR_VALUE);
        CHECK_STATUS(linalg_quietly(-1, x, &out), SG_ERROR_VALUE);
        CHECK_OK(linalg_quietly(SG_LINALG_SVDVALS, y, &out));
        CHECK(all_nan(out, 2));
        sg_tensor_free(out);
        for (k = SG_LINALG_SVD_U; k <= SG_LINALG_SVD_VH_FULL; k++) {
            CHECK_OK(linalg_quietly(k, y, &out));
            CHECK(dtypes[d] != SG_DTYPE_FLOAT64 || all_nan(out, 4));
            sg_tensor_free(out);
        }
        for (k = 0; k < 2; k++) {
            CHECK_OK(linalg_quietly(SG_LINALG_EIGVALSH, k ? y : x, &out));
            CHECK(all_nan(out, 2));
            sg_tensor_free(out);
            CHECK_OK(linalg_quietly(SG_LINALG_EIGH_VECTORS, k ? y : x, &out));
            sg_tensor_free(out);
        }
        out = NULL;
        sg_tensor_free(x);
        sg_tensor_free(y);
    }
    fseek(sink, 0, SEEK_END);
    CHECK(ftell(sink) == 0);
    fclose(sink);
}

int main(void) {
    alarm(60);
    test_linalg_of_non_finite_matrices();
    test_diagonal_of_a_huge_empty_array();
    test_argmax_along_a_huge_empty_axis();
    test_solve_of_a_vector();
    test_linalg_of_many_empty_matrices();
    test_empty_huge();
    test_mean_overflow();
    test_copy_data_overflow();
    test_huge_stride_on_length_one_axis();
    return CHECK_DONE();
}
