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

int main(void) {
    alarm(60);
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
