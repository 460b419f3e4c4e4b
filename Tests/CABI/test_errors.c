/*
 * test_errors.c: bad input never aborts. Each call below fails with the
 * documented status and a message that names the operation and the shapes
 * or dtypes; it writes nothing to its out-pointers; and afterwards the same
 * tensors, functions and shared variables still work and are unchanged.
 * Also: sg_last_error() is per-thread.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "check.h"

/* Under AddressSanitizer an impossible allocation must fail (as malloc
 * does) rather than abort, so that SG_ERROR_MEMORY can be tested. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }

/* A pointer no call may write to an out-pointer on failure. */
static char sentinel_storage;
#define SENTINEL_T ((sg_tensor *)(void *)&sentinel_storage)
#define SENTINEL_F ((sg_function *)(void *)&sentinel_storage)
#define SENTINEL_C ((const char *)&sentinel_storage)

/* The call fails with `status`, its message names `text`, and `out` (a
 * variable set to a sentinel) is not written. */
#define EXPECT_FAIL(call, status, text)                                      \
    do {                                                                     \
        CHECK_STATUS(call, status);                                          \
        CHECK_ERROR_HAS(text);                                               \
    } while (0)

static const double M23[] = {0.5, 1, 1.5, 2, 2.5, 3}; /* sum 10.5 */
static const double N34[] = {-1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75};
static const double MM_22[] = {1, 1.75, 2.5, 3.25, 1, 2.875, 4.75, 6.625};
static const int64_t S23[] = {2, 3}, S34[] = {3, 4}, S45[] = {4, 5}, S24[] = {2, 4};
static const int64_t S2[] = {2}, S3[] = {3}, S4[] = {4};

static double sum_of(const sg_tensor *t) {
    sg_tensor *s = NULL;
    double v = 0;
    CHECK_OK(sg_sum(t, NULL, 0, false, &s));
    CHECK_OK(sg_tensor_item(s, &v));
    sg_tensor_free(s);
    return v;
}

/* The message starts with `prefix`. */
static void check_prefix(const char *prefix, int line) {
    const char *m = sg_last_error();
    if (strncmp(m, prefix, strlen(prefix)) != 0) {
        fprintf(stderr, "%s:%d: last error \"%s\" does not start with \"%s\"\n", __FILE__,
                line, m, prefix);
        check_failures++;
    }
}
#define CHECK_PREFIX(p) check_prefix(p, __LINE__)

/* ------------------------------------------------ NULL arguments */

static void test_nulls(void) {
    double d = 1, dv = -1;
    int64_t shape[2] = {0, 0}, axes[1] = {0};
    sg_tensor *t = tensor64(M23, S23, 2), *p = NULL, *s = NULL, *out = SENTINEL_T;
    sg_tensor *wrt[1], *grads[1] = {SENTINEL_T};
    sg_function *f = NULL, *fout = SENTINEL_F;
    const sg_tensor *in1[1], *out1[1], *null1[1] = {NULL};
    sg_kind kind = SG_KIND_SYMBOLIC;
    sg_dtype dtype = SG_DTYPE_FLOAT32;
    size_t n = 99;
    const char *name = SENTINEL_C;
    const void *data = NULL;
    bool flag = true;
    int released = 0;

    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, S2, 1, "p", &p));
    CHECK_OK(sg_tensor_new_shared(t, "s", &s));
    in1[0] = p;
    out1[0] = p;
    CHECK_OK(sg_function_new(in1, 1, out1, 1, NULL, NULL, 0, &f));
    wrt[0] = t;

    /* making tensors */
    EXPECT_FAIL(sg_tensor_from_data(NULL, S23, 2, SG_DTYPE_FLOAT64, &out), SG_ERROR_NULL, "sg_tensor_from_data");
    EXPECT_FAIL(sg_tensor_from_data(M23, NULL, 2, SG_DTYPE_FLOAT64, &out), SG_ERROR_NULL, "shape");
    EXPECT_FAIL(sg_tensor_from_data(M23, S23, 2, SG_DTYPE_FLOAT64, NULL), SG_ERROR_NULL, "out");
    EXPECT_FAIL(sg_tensor_from_buffer(NULL, S23, NULL, 2, SG_DTYPE_FLOAT64, NULL, NULL, &out), SG_ERROR_NULL, "sg_tensor_from_buffer");
    EXPECT_FAIL(sg_tensor_from_buffer(&d, NULL, NULL, 1, SG_DTYPE_FLOAT64, NULL, NULL, &out), SG_ERROR_NULL, "shape");
    EXPECT_FAIL(sg_tensor_from_buffer(&d, NULL, NULL, 0, SG_DTYPE_FLOAT64, NULL, &released, NULL), SG_ERROR_NULL, "out");
    CHECK(released == 0);
    EXPECT_FAIL(sg_tensor_from_scalar(1, SG_DTYPE_FLOAT64, NULL), SG_ERROR_NULL, "sg_tensor_from_scalar");
    EXPECT_FAIL(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, NULL, 2, "x", &out), SG_ERROR_NULL, "shape");
    EXPECT_FAIL(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, S2, 1, "x", NULL), SG_ERROR_NULL, "sg_tensor_new_placeholder");
    EXPECT_FAIL(sg_tensor_new_shared(NULL, "x", &out), SG_ERROR_NULL, "sg_tensor_new_shared");
    EXPECT_FAIL(sg_tensor_new_shared(t, "x", NULL), SG_ERROR_NULL, "out");

    /* reading tensors */
    EXPECT_FAIL(sg_tensor_kind(NULL, &kind), SG_ERROR_NULL, "sg_tensor_kind");
    EXPECT_FAIL(sg_tensor_kind(t, NULL), SG_ERROR_NULL, "sg_tensor_kind");
    EXPECT_FAIL(sg_tensor_dtype(NULL, &dtype), SG_ERROR_NULL, "sg_tensor_dtype");
    EXPECT_FAIL(sg_tensor_dtype(t, NULL), SG_ERROR_NULL, "sg_tensor_dtype");
    EXPECT_FAIL(sg_tensor_ndim(NULL, &n), SG_ERROR_NULL, "sg_tensor_ndim");
    EXPECT_FAIL(sg_tensor_ndim(t, NULL), SG_ERROR_NULL, "sg_tensor_ndim");
    EXPECT_FAIL(sg_tensor_shape(NULL, shape, 2), SG_ERROR_NULL, "sg_tensor_shape");
    EXPECT_FAIL(sg_tensor_shape(t, NULL, 2), SG_ERROR_NULL, "sg_tensor_shape");
    EXPECT_FAIL(sg_tensor_name(NULL, &name), SG_ERROR_NULL, "sg_tensor_name");
    EXPECT_FAIL(sg_tensor_name(p, NULL), SG_ERROR_NULL, "sg_tensor_name");
    EXPECT_FAIL(sg_tensor_strides(NULL, shape, 2), SG_ERROR_NULL, "sg_tensor_strides");
    EXPECT_FAIL(sg_tensor_strides(t, NULL, 2), SG_ERROR_NULL, "sg_tensor_strides");
    EXPECT_FAIL(sg_tensor_data(NULL, &data), SG_ERROR_NULL, "sg_tensor_data");
    EXPECT_FAIL(sg_tensor_data(t, NULL), SG_ERROR_NULL, "sg_tensor_data");
    EXPECT_FAIL(sg_tensor_copy_data(NULL, &d, sizeof d), SG_ERROR_NULL, "sg_tensor_copy_data");
    EXPECT_FAIL(sg_tensor_copy_data(t, NULL, 6 * sizeof(double)), SG_ERROR_NULL, "sg_tensor_copy_data");
    EXPECT_FAIL(sg_tensor_item(NULL, &dv), SG_ERROR_NULL, "sg_tensor_item");
    EXPECT_FAIL(sg_tensor_item(t, NULL), SG_ERROR_NULL, "sg_tensor_item");
    EXPECT_FAIL(sg_tensor_get_value(NULL, &out), SG_ERROR_NULL, "sg_tensor_get_value");
    EXPECT_FAIL(sg_tensor_get_value(s, NULL), SG_ERROR_NULL, "sg_tensor_get_value");
    EXPECT_FAIL(sg_tensor_set_value(NULL, t), SG_ERROR_NULL, "sg_tensor_set_value");
    EXPECT_FAIL(sg_tensor_set_value(s, NULL), SG_ERROR_NULL, "sg_tensor_set_value");

    /* autograd */
    EXPECT_FAIL(sg_tensor_set_requires_grad(NULL, true), SG_ERROR_NULL, "sg_tensor_set_requires_grad");
    EXPECT_FAIL(sg_tensor_requires_grad(NULL, &flag), SG_ERROR_NULL, "sg_tensor_requires_grad");
    EXPECT_FAIL(sg_tensor_requires_grad(t, NULL), SG_ERROR_NULL, "sg_tensor_requires_grad");
    EXPECT_FAIL(sg_tensor_backward(NULL, NULL), SG_ERROR_NULL, "sg_tensor_backward");
    EXPECT_FAIL(sg_tensor_grad(NULL, &out), SG_ERROR_NULL, "sg_tensor_grad");
    EXPECT_FAIL(sg_tensor_grad(t, NULL), SG_ERROR_NULL, "sg_tensor_grad");
    EXPECT_FAIL(sg_tensor_set_grad(NULL, t), SG_ERROR_NULL, "sg_tensor_set_grad");
    EXPECT_FAIL(sg_tensor_detach(NULL, &out), SG_ERROR_NULL, "sg_tensor_detach");
    EXPECT_FAIL(sg_tensor_detach(t, NULL), SG_ERROR_NULL, "sg_tensor_detach");
    EXPECT_FAIL(sg_grad(NULL, (const sg_tensor *const *)wrt, 1, grads), SG_ERROR_NULL, "sg_grad");
    EXPECT_FAIL(sg_grad(t, NULL, 1, grads), SG_ERROR_NULL, "sg_grad");
    EXPECT_FAIL(sg_grad(t, null1, 1, grads), SG_ERROR_NULL, "wrt[0]");
    EXPECT_FAIL(sg_grad(t, (const sg_tensor *const *)wrt, 1, NULL), SG_ERROR_NULL, "sg_grad");
    CHECK(grads[0] == SENTINEL_T);

    /* operations */
    EXPECT_FAIL(sg_unary(SG_UNARY_EXP, NULL, &out), SG_ERROR_NULL, "sg_unary");
    EXPECT_FAIL(sg_unary(SG_UNARY_EXP, t, NULL), SG_ERROR_NULL, "sg_unary");
    EXPECT_FAIL(sg_binary(SG_BINARY_ADD, NULL, t, &out), SG_ERROR_NULL, "sg_binary");
    EXPECT_FAIL(sg_binary(SG_BINARY_ADD, t, NULL, &out), SG_ERROR_NULL, "sg_binary");
    EXPECT_FAIL(sg_binary(SG_BINARY_ADD, t, t, NULL), SG_ERROR_NULL, "sg_binary");
    EXPECT_FAIL(sg_matmul(NULL, t, &out), SG_ERROR_NULL, "sg_matmul");
    EXPECT_FAIL(sg_matmul(t, NULL, &out), SG_ERROR_NULL, "sg_matmul");
    EXPECT_FAIL(sg_matmul(t, t, NULL), SG_ERROR_NULL, "sg_matmul");
    EXPECT_FAIL(sg_dot(NULL, t, &out), SG_ERROR_NULL, "sg_dot");
    EXPECT_FAIL(sg_dot(t, NULL, &out), SG_ERROR_NULL, "sg_dot");
    EXPECT_FAIL(sg_dot(t, t, NULL), SG_ERROR_NULL, "sg_dot");
    EXPECT_FAIL(sg_sum(NULL, axes, 1, false, &out), SG_ERROR_NULL, "sg_sum");
    EXPECT_FAIL(sg_sum(t, axes, 1, false, NULL), SG_ERROR_NULL, "sg_sum");
    EXPECT_FAIL(sg_mean(NULL, NULL, 0, false, &out), SG_ERROR_NULL, "sg_mean");
    EXPECT_FAIL(sg_mean(t, NULL, 0, false, NULL), SG_ERROR_NULL, "sg_mean");
    EXPECT_FAIL(sg_permute_dims(NULL, axes, 1, &out), SG_ERROR_NULL, "sg_permute_dims");
    EXPECT_FAIL(sg_permute_dims(t, NULL, 2, &out), SG_ERROR_NULL, "sg_permute_dims");
    EXPECT_FAIL(sg_permute_dims(t, axes, 1, NULL), SG_ERROR_NULL, "sg_permute_dims");
    EXPECT_FAIL(sg_astype(NULL, SG_DTYPE_FLOAT32, &out), SG_ERROR_NULL, "sg_astype");
    EXPECT_FAIL(sg_astype(t, SG_DTYPE_FLOAT32, NULL), SG_ERROR_NULL, "sg_astype");

    /* functions */
    EXPECT_FAIL(sg_function_new(NULL, 1, out1, 1, NULL, NULL, 0, &fout), SG_ERROR_NULL, "inputs");
    EXPECT_FAIL(sg_function_new(null1, 1, out1, 1, NULL, NULL, 0, &fout), SG_ERROR_NULL, "inputs[0]");
    EXPECT_FAIL(sg_function_new(in1, 1, NULL, 1, NULL, NULL, 0, &fout), SG_ERROR_NULL, "outputs");
    EXPECT_FAIL(sg_function_new(in1, 1, null1, 1, NULL, NULL, 0, &fout), SG_ERROR_NULL, "outputs[0]");
    {
        const sg_tensor *vars[1], *vals[1];
        vars[0] = s;
        vals[0] = s;
        EXPECT_FAIL(sg_function_new(in1, 1, out1, 1, NULL, vals, 1, &fout), SG_ERROR_NULL, "update_vars");
        EXPECT_FAIL(sg_function_new(in1, 1, out1, 1, vars, NULL, 1, &fout), SG_ERROR_NULL, "update_values");
        EXPECT_FAIL(sg_function_new(in1, 1, out1, 1, vars, null1, 1, &fout), SG_ERROR_NULL, "update_values[0]");
    }
    EXPECT_FAIL(sg_function_new(in1, 1, out1, 1, NULL, NULL, 0, NULL), SG_ERROR_NULL, "sg_function_new");
    CHECK(fout == SENTINEL_F);
    {
        sg_tensor *arg = tensor64(M23, S2, 1), *res[1] = {SENTINEL_T};
        const sg_tensor *args[1];
        args[0] = arg;
        EXPECT_FAIL(sg_function_call(NULL, args, 1, res, 1), SG_ERROR_NULL, "sg_function_call");
        EXPECT_FAIL(sg_function_call(f, NULL, 1, res, 1), SG_ERROR_NULL, "args");
        EXPECT_FAIL(sg_function_call(f, null1, 1, res, 1), SG_ERROR_NULL, "args[0]");
        EXPECT_FAIL(sg_function_call(f, args, 1, NULL, 1), SG_ERROR_NULL, "results");
        CHECK(res[0] == SENTINEL_T);
        /* f still works: it is the identity */
        CHECK_OK(sg_function_call(f, args, 1, res, 1));
        CHECK_TENSOR(res[0], S2, 1, M23, 0);
        sg_tensor_free(res[0]);
        sg_tensor_free(arg);
    }
    EXPECT_FAIL(sg_function_num_inputs(NULL, &n), SG_ERROR_NULL, "sg_function_num_inputs");
    EXPECT_FAIL(sg_function_num_inputs(f, NULL), SG_ERROR_NULL, "sg_function_num_inputs");
    EXPECT_FAIL(sg_function_num_outputs(NULL, &n), SG_ERROR_NULL, "sg_function_num_outputs");
    EXPECT_FAIL(sg_function_num_outputs(f, NULL), SG_ERROR_NULL, "sg_function_num_outputs");
    EXPECT_FAIL(sg_function_input(NULL, 0, &out), SG_ERROR_NULL, "sg_function_input");
    EXPECT_FAIL(sg_function_input(f, 0, NULL), SG_ERROR_NULL, "sg_function_input");

    /* Nothing was written. */
    CHECK(out == SENTINEL_T);
    CHECK(kind == SG_KIND_SYMBOLIC && dtype == SG_DTYPE_FLOAT32 && n == 99);
    CHECK(name == SENTINEL_C && data == NULL && flag == true && dv == -1);
    CHECK(shape[0] == 0 && shape[1] == 0);

    /* free(NULL) does nothing */
    sg_tensor_free(NULL);
    sg_function_free(NULL);

    /* Everything still works. */
    CHECK_CLOSE(sum_of(t), 10.5, 0);
    {
        sg_tensor *v = NULL;
        CHECK_OK(sg_tensor_get_value(s, &v));
        CHECK_CLOSE(sum_of(v), 10.5, 0);
        sg_tensor_free(v);
    }
    CHECK_OK(sg_function_num_inputs(f, &n));
    CHECK(n == 1);
    sg_function_free(f);
    sg_tensor_free(t);
    sg_tensor_free(p);
    sg_tensor_free(s);
}

/* ------------------------------------------------ shapes and dtypes */

static void test_products(void) {
    sg_tensor *a = tensor64(M23, S23, 2), *b = NULL, *n = tensor64(N34, S34, 2);
    sg_tensor *v3 = tensor64(M23, S3, 1), *v4 = tensor64(N34, S4, 1), *s = scalar64(2);
    sg_tensor *t3 = NULL, *out = SENTINEL_T;
    static const double zeros[20] = {0};
    static const int64_t s222[] = {2, 2, 2};

    b = tensor64(zeros, S45, 2);
    EXPECT_FAIL(sg_matmul(a, b, &out), SG_ERROR_VALUE, "(4,5)");
    CHECK_PREFIX("[matmul] shapes (2,3) and (4,5) are not aligned");
    EXPECT_FAIL(sg_dot(a, b, &out), SG_ERROR_VALUE, "(4,5)");
    CHECK_PREFIX("[dot] shapes (2,3) and (4,5) are not aligned");
    EXPECT_FAIL(sg_matmul(v3, v4, &out), SG_ERROR_VALUE, "(4,)");
    CHECK_PREFIX("[matmul] shapes (3,) and (4,)");
    EXPECT_FAIL(sg_dot(a, v4, &out), SG_ERROR_VALUE, "(4,)");
    CHECK_PREFIX("[dot] shapes (2,3) and (4,)");
    EXPECT_FAIL(sg_matmul(v4, n, &out), SG_ERROR_VALUE, "(3,4)");
    CHECK_PREFIX("[matmul] shapes (4,) and (3,4)");
    /* 0-d operands: matmul refuses (numpy does too), dot multiplies */
    EXPECT_FAIL(sg_matmul(a, s, &out), SG_ERROR_VALUE, "()");
    CHECK_PREFIX("[matmul]");
    /* stacks of matrices: inner lengths must agree; dot stays 2-D */
    CHECK_OK(sg_tensor_from_data(zeros, s222, 3, SG_DTYPE_FLOAT64, &t3));
    EXPECT_FAIL(sg_matmul(t3, n, &out), SG_ERROR_VALUE, "(2,2,2)");
    CHECK_PREFIX("[matmul]");
    EXPECT_FAIL(sg_dot(a, t3, &out), SG_ERROR_VALUE, "(2,2,2)");
    CHECK_PREFIX("[dot]");
    CHECK(out == SENTINEL_T);

    /* The operands still work. */
    CHECK_OK(sg_matmul(a, n, &out));
    CHECK_TENSOR(out, S24, 2, MM_22, 1e-12);
    sg_tensor_free(out);
    CHECK_OK(sg_dot(a, s, &out));
    CHECK_CLOSE(sum_of(out), 21, 1e-12);
    sg_tensor_free(out);
    CHECK_CLOSE(sum_of(b), 0, 0);

    /* broadcasting */
    out = SENTINEL_T;
    EXPECT_FAIL(sg_binary(SG_BINARY_ADD, a, v4, &out), SG_ERROR_VALUE, "(2,3)");
    CHECK_ERROR_HAS("(4,)");
    CHECK_PREFIX("[add]");
    EXPECT_FAIL(sg_binary(SG_BINARY_POW, a, b, &out), SG_ERROR_VALUE, "(4,5)");
    CHECK_ERROR_HAS("(2,3)");
    CHECK_PREFIX("[pow]");
    EXPECT_FAIL(sg_binary(SG_BINARY_DIV, n, v3, &out), SG_ERROR_VALUE, "(3,4)");
    CHECK_PREFIX("[divide]");
    CHECK(out == SENTINEL_T);
    CHECK_OK(sg_binary(SG_BINARY_ADD, a, v3, &out));
    CHECK_CLOSE(sum_of(out), 10.5 + 2 * 3, 1e-12);
    sg_tensor_free(out);

    /* symbolic operands: the same checks when the graph is built */
    {
        static const int64_t open[] = {-1, 3};
        sg_tensor *p = NULL;
        out = SENTINEL_T;
        CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, open, 2, "x", &p));
        EXPECT_FAIL(sg_matmul(p, b, &out), SG_ERROR_VALUE, "(?,3) and (4,5)");
        CHECK_PREFIX("[matmul]");
        EXPECT_FAIL(sg_binary(SG_BINARY_SUB, p, v4, &out), SG_ERROR_VALUE, "(?,3)");
        CHECK_PREFIX("[subtract]");
        CHECK(out == SENTINEL_T);
        sg_tensor_free(p);
    }

    sg_tensor_free(a);
    sg_tensor_free(b);
    sg_tensor_free(n);
    sg_tensor_free(v3);
    sg_tensor_free(v4);
    sg_tensor_free(s);
    sg_tensor_free(t3);
}

static void test_enums(void) {
    sg_tensor *t = tensor64(M23, S23, 2), *out = SENTINEL_T;
    sg_dtype dtype;
    double d = 1;
    int released = 0;
    const sg_dtype bad_dtypes[] = {SG_DTYPE_COUNT, (sg_dtype)1000, (sg_dtype)-1};
    size_t i;

    for (i = 0; i < 3; i++) {
        sg_dtype bad = bad_dtypes[i];
        EXPECT_FAIL(sg_tensor_from_data(M23, S23, 2, bad, &out), SG_ERROR_TYPE, "sg_tensor_from_data");
        CHECK_ERROR_HAS("dtype");
        EXPECT_FAIL(sg_tensor_from_buffer(&d, NULL, NULL, 0, bad, NULL, &released, &out), SG_ERROR_TYPE, "dtype");
        EXPECT_FAIL(sg_tensor_from_scalar(1, bad, &out), SG_ERROR_TYPE, "dtype");
        EXPECT_FAIL(sg_tensor_new_placeholder(bad, S2, 1, "x", &out), SG_ERROR_TYPE, "dtype");
        EXPECT_FAIL(sg_astype(t, bad, &out), SG_ERROR_TYPE, "sg_astype");
        CHECK_ERROR_HAS("dtype");
    }
    EXPECT_FAIL(sg_tensor_from_data(M23, S23, 2, (sg_dtype)13, &out), SG_ERROR_TYPE, "13");

    EXPECT_FAIL(sg_unary(SG_UNARY_OP_COUNT, t, &out), SG_ERROR_VALUE, "sg_unary");
    CHECK(sg_unary_op_name(SG_UNARY_OP_COUNT) == NULL);
    EXPECT_FAIL(sg_unary((sg_unary_op)-1, t, &out), SG_ERROR_VALUE, "sg_unary");
    EXPECT_FAIL(sg_binary(SG_BINARY_OP_COUNT, t, t, &out), SG_ERROR_VALUE, "sg_binary");
    CHECK(sg_binary_op_name(SG_BINARY_OP_COUNT) == NULL);
    EXPECT_FAIL(sg_binary((sg_binary_op)1000, t, t, &out), SG_ERROR_VALUE, "1000");
    CHECK(out == SENTINEL_T);
    CHECK(released == 0);

    /* t still works, and so does astype with a good dtype */
    CHECK_OK(sg_astype(t, SG_DTYPE_FLOAT32, &out));
    CHECK_OK(sg_tensor_dtype(out, &dtype));
    CHECK(dtype == SG_DTYPE_FLOAT32);
    CHECK_CLOSE(sum_of(out), 10.5, 0);
    sg_tensor_free(out);
    sg_tensor_free(t);
}

static void test_axes_and_shapes(void) {
    sg_tensor *t = tensor64(M23, S23, 2), *out = SENTINEL_T;
    static const int64_t ax2[] = {2}, axm3[] = {-3}, ax00[] = {0, 0}, ax0m2[] = {0, -2},
                         ax012[] = {0, 1, 2}, p10[] = {1, 0}, p0[] = {0}, p02[] = {0, 2},
                         p11[] = {1, 1}, p012[] = {0, 1, 2};
    static const int64_t neg[] = {2, -1}, neg_open[] = {-2, 3}, huge[] = {INT64_MAX, 2};
    int64_t shape[2] = {-7, -7}, strides[2] = {-7, -7}, too_many[65];
    double buf[6] = {-7, -7, -7, -7, -7, -7}, item = -7;
    size_t i;

    EXPECT_FAIL(sg_sum(t, ax2, 1, false, &out), SG_ERROR_INDEX, "axis 2");
    CHECK_PREFIX("[sum]");
    CHECK_ERROR_HAS("2");
    EXPECT_FAIL(sg_sum(t, axm3, 1, true, &out), SG_ERROR_INDEX, "-3");
    EXPECT_FAIL(sg_mean(t, ax2, 1, false, &out), SG_ERROR_INDEX, "2");
    CHECK_PREFIX("[mean]");
    EXPECT_FAIL(sg_sum(t, ax012, 3, false, &out), SG_ERROR_INDEX, "2");
    EXPECT_FAIL(sg_sum(t, ax00, 2, false, &out), SG_ERROR_VALUE, "repeated axis");
    CHECK_PREFIX("[sum]");
    EXPECT_FAIL(sg_mean(t, ax0m2, 2, false, &out), SG_ERROR_VALUE, "repeated axis");
    EXPECT_FAIL(sg_permute_dims(t, p02, 2, &out), SG_ERROR_INDEX, "2");
    CHECK_PREFIX("[permute_dims]");
    EXPECT_FAIL(sg_permute_dims(t, p11, 2, &out), SG_ERROR_VALUE, "[permute_dims]");
    EXPECT_FAIL(sg_permute_dims(t, p0, 1, &out), SG_ERROR_VALUE, "[permute_dims]");
    EXPECT_FAIL(sg_permute_dims(t, p012, 3, &out), SG_ERROR_INDEX, "[permute_dims]");
    CHECK(out == SENTINEL_T);
    CHECK_OK(sg_permute_dims(t, p10, 2, &out));
    CHECK_OK(sg_tensor_shape(out, shape, 2));
    CHECK(shape[0] == 3 && shape[1] == 2);
    sg_tensor_free(out);
    out = SENTINEL_T;

    /* negative and overflowing shapes */
    EXPECT_FAIL(sg_tensor_from_data(M23, neg, 2, SG_DTYPE_FLOAT64, &out), SG_ERROR_VALUE, "(2,-1)");
    EXPECT_FAIL(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, neg_open, 2, "x", &out), SG_ERROR_VALUE, "(-2,3)");
    EXPECT_FAIL(sg_tensor_from_data(M23, huge, 2, SG_DTYPE_FLOAT64, &out), SG_ERROR_VALUE, "too many");
    /* more dimensions than supported; a size_t that is not a count */
    for (i = 0; i < 65; i++) too_many[i] = 1;
    EXPECT_FAIL(sg_tensor_from_data(M23, too_many, 65, SG_DTYPE_FLOAT64, &out), SG_ERROR_VALUE, "65");
    CHECK_STATUS(sg_tensor_from_data(M23, too_many, (size_t)-1, SG_DTYPE_FLOAT64, &out), SG_ERROR_VALUE);
    if (out != SENTINEL_T) {
        CHECK_FAIL_AT("sg_tensor_from_data with ndim SIZE_MAX made a tensor");
        sg_tensor_free(out);
        out = SENTINEL_T;
    }
    CHECK(out == SENTINEL_T);

    /* too-small capacity: nothing written */
    shape[0] = shape[1] = -7;
    EXPECT_FAIL(sg_tensor_shape(t, shape, 1), SG_ERROR_VALUE, "sg_tensor_shape");
    CHECK_ERROR_HAS("1");
    EXPECT_FAIL(sg_tensor_shape(t, shape, 0), SG_ERROR_VALUE, "sg_tensor_shape");
    EXPECT_FAIL(sg_tensor_strides(t, strides, 1), SG_ERROR_VALUE, "sg_tensor_strides");
    CHECK(shape[0] == -7 && shape[1] == -7 && strides[0] == -7 && strides[1] == -7);

    /* wrong byte counts: nothing written */
    EXPECT_FAIL(sg_tensor_copy_data(t, buf, 5 * sizeof(double)), SG_ERROR_VALUE, "sg_tensor_copy_data");
    CHECK_ERROR_HAS("48");
    EXPECT_FAIL(sg_tensor_copy_data(t, buf, 7 * sizeof(double)), SG_ERROR_VALUE, "48");
    EXPECT_FAIL(sg_tensor_copy_data(t, buf, 6 * sizeof(float)), SG_ERROR_VALUE, "48");
    EXPECT_FAIL(sg_tensor_copy_data(t, buf, 0), SG_ERROR_VALUE, "48");
    /* a size_t is reported as the caller passed it, not as a signed -1 */
    EXPECT_FAIL(sg_tensor_copy_data(t, buf, (size_t)-1), SG_ERROR_VALUE, "18446744073709551615");
    for (i = 0; i < 6; i++) CHECK(buf[i] == -7);

    /* item of several elements */
    EXPECT_FAIL(sg_tensor_item(t, &item), SG_ERROR_VALUE, "(2,3)");
    CHECK_PREFIX("[item]");
    CHECK(item == -7);

    /* t still works */
    CHECK_OK(sg_tensor_shape(t, shape, 2));
    CHECK(shape[0] == 2 && shape[1] == 3);
    CHECK_OK(sg_tensor_copy_data(t, buf, sizeof buf));
    CHECK(buf[5] == 3);
    CHECK_OK(sg_sum(t, p0, 1, false, &out));
    CHECK_TENSOR(out, S3, 1, ((double[]){2.5, 3.5, 4.5}), 0);
    sg_tensor_free(out);
    sg_tensor_free(t);
}

/* Placeholders and symbolic tensors have no value to read. */
static void test_no_value(void) {
    sg_tensor *p = NULL, *y = NULL, *t = tensor64(M23, S2, 1), *out = SENTINEL_T;
    const void *data = SENTINEL_C;
    int64_t strides[1] = {-7};
    double buf[2] = {-7, -7}, item = -7;
    sg_tensor *kinds[2];
    size_t i;

    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, S2, 1, "x", &p));
    CHECK_OK(sg_binary(SG_BINARY_MUL, p, t, &y));
    kinds[0] = p;
    kinds[1] = y;
    for (i = 0; i < 2; i++) {
        sg_tensor *k = kinds[i];
        EXPECT_FAIL(sg_tensor_data(k, &data), SG_ERROR_TYPE, i == 0 ? "placeholder" : "symbolic");
        CHECK_PREFIX("[sg_tensor_data]");
        EXPECT_FAIL(sg_tensor_strides(k, strides, 1), SG_ERROR_TYPE, "sg_tensor_strides");
        EXPECT_FAIL(sg_tensor_copy_data(k, buf, sizeof buf), SG_ERROR_TYPE, "sg_tensor_copy_data");
        EXPECT_FAIL(sg_tensor_item(k, &item), SG_ERROR_TYPE, "item");
        EXPECT_FAIL(sg_tensor_get_value(k, &out), SG_ERROR_TYPE, "sg_tensor_get_value");
        EXPECT_FAIL(sg_tensor_detach(k, &out), SG_ERROR_TYPE, "detach");
        EXPECT_FAIL(sg_tensor_new_shared(k, "s", &out), SG_ERROR_TYPE, "sg_tensor_new_shared");
        EXPECT_FAIL(sg_tensor_set_requires_grad(k, true), SG_ERROR_TYPE, "requires_grad");
        EXPECT_FAIL(sg_tensor_backward(k, NULL), SG_ERROR_TYPE, "backward");
    }
    CHECK(data == SENTINEL_C && strides[0] == -7 && buf[0] == -7 && item == -7);
    CHECK(out == SENTINEL_T);

    /* The graph still compiles and runs. */
    {
        const sg_tensor *in[1], *outs[1];
        sg_tensor *res = NULL;
        sg_function *f = NULL;
        in[0] = p;
        outs[0] = y;
        CHECK_OK(sg_function_new(in, 1, outs, 1, NULL, NULL, 0, &f));
        CHECK_OK(sg_function_call(f, (const sg_tensor *const *)&t, 1, &res, 1));
        CHECK_TENSOR(res, S2, 1, ((double[]){0.25, 1}), 0);
        sg_tensor_free(res);
        sg_function_free(f);
    }
    sg_tensor_free(p);
    sg_tensor_free(y);
    sg_tensor_free(t);
}

/* ------------------------------------------------ autograd misuse */

static void test_autograd_errors(void) {
    sg_tensor *a = tensor64(M23, S23, 2), *b = tensor64(M23, S23, 2), *two = scalar64(2);
    sg_tensor *y = NULL, *loss = NULL, *c = NULL, *out = SENTINEL_T, *g = NULL, *seed;
    sg_tensor *grads[2] = {SENTINEL_T, SENTINEL_T}, *wrt[2];
    static const double ones[6] = {1, 1, 1, 1, 1, 1}, twos[6] = {2, 2, 2, 2, 2, 2};
    bool flag = false;

    /* backward of a tensor that does not require grad */
    CHECK_OK(sg_binary(SG_BINARY_MUL, a, two, &c));
    EXPECT_FAIL(sg_tensor_backward(c, NULL), SG_ERROR_VALUE, "[backward]");
    CHECK_ERROR_HAS("require");
    sg_tensor_free(c);

    CHECK_OK(sg_tensor_set_requires_grad(a, true));
    CHECK_OK(sg_binary(SG_BINARY_MUL, a, two, &y)); /* (2,3), requires grad */
    /* set_requires_grad on a non-leaf */
    EXPECT_FAIL(sg_tensor_set_requires_grad(y, false), SG_ERROR_TYPE, "requires_grad");
    CHECK_OK(sg_tensor_requires_grad(y, &flag));
    CHECK(flag);
    /* non-scalar without a seed; a seed of the wrong shape */
    EXPECT_FAIL(sg_tensor_backward(y, NULL), SG_ERROR_VALUE, "(2,3)");
    CHECK_PREFIX("[backward]");
    seed = tensor64(ones, S3, 1);
    EXPECT_FAIL(sg_tensor_backward(y, seed), SG_ERROR_VALUE, "(3,)");
    CHECK_ERROR_HAS("(2,3)");
    sg_tensor_free(seed);
    CHECK_OK(sg_tensor_grad(a, &g));
    CHECK(g == NULL); /* failed backwards left no gradient */
    /* with a good seed it works */
    seed = tensor64(ones, S23, 2);
    CHECK_OK(sg_tensor_backward(y, seed));
    sg_tensor_free(seed);
    CHECK_OK(sg_tensor_grad(a, &g));
    CHECK(g != NULL);
    if (g) CHECK_TENSOR(g, S23, 2, twos, 0);
    sg_tensor_free(g);

    /* set_grad with a wrong shape or dtype */
    seed = tensor64(ones, S3, 1);
    EXPECT_FAIL(sg_tensor_set_grad(a, seed), SG_ERROR_VALUE, "[set_grad]");
    CHECK_ERROR_HAS("(2,3)");
    CHECK_ERROR_HAS("(3,)");
    sg_tensor_free(seed);
    CHECK_OK(sg_tensor_from_data((float[]){1, 1, 1, 1, 1, 1}, S23, 2, SG_DTYPE_FLOAT32, &seed));
    EXPECT_FAIL(sg_tensor_set_grad(a, seed), SG_ERROR_VALUE, "float64");
    CHECK_ERROR_HAS("float32");
    sg_tensor_free(seed);
    CHECK_OK(sg_tensor_grad(a, &g));
    if (g) CHECK_TENSOR(g, S23, 2, twos, 0);
    sg_tensor_free(g);

    /* sg_grad: non-scalar cost, cost independent of a wrt, no graph */
    CHECK_OK(sg_sum(y, NULL, 0, false, &loss));
    wrt[0] = a;
    wrt[1] = b;
    EXPECT_FAIL(sg_grad(y, (const sg_tensor *const *)wrt, 1, grads), SG_ERROR_VALUE, "(2,3)");
    CHECK_PREFIX("[grad]");
    EXPECT_FAIL(sg_grad(loss, (const sg_tensor *const *)wrt, 2, grads), SG_ERROR_VALUE, "wrt[1]");
    CHECK_PREFIX("[grad]");
    {
        sg_tensor *plain = scalar64(3);
        EXPECT_FAIL(sg_grad(plain, (const sg_tensor *const *)wrt, 1, grads), SG_ERROR_VALUE, "[grad]");
        sg_tensor_free(plain);
    }
    CHECK(grads[0] == SENTINEL_T && grads[1] == SENTINEL_T);
    /* n larger than any array: a size_t that does not fit the library's
     * signed count must not be taken for 0 */
    CHECK_STATUS(sg_grad(loss, (const sg_tensor *const *)wrt, (size_t)-1, grads), SG_ERROR_VALUE);
    CHECK(grads[0] == SENTINEL_T);
    /* and it works for the right wrt */
    CHECK_OK(sg_grad(loss, (const sg_tensor *const *)wrt, 1, grads));
    CHECK_TENSOR(grads[0], S23, 2, twos, 0);
    sg_tensor_free(grads[0]);

    /* set_requires_grad on a shared variable */
    CHECK_OK(sg_tensor_new_shared(b, "s", &out));
    EXPECT_FAIL(sg_tensor_set_requires_grad(out, true), SG_ERROR_TYPE, "requires_grad");
    sg_tensor_free(out);

    sg_tensor_free(loss);
    sg_tensor_free(y);
    sg_tensor_free(a);
    sg_tensor_free(b);
    sg_tensor_free(two);
}

/* sg_grad on symbolic graphs */
static void test_symbolic_grad_errors(void) {
    static const int64_t open[] = {-1, 3};
    sg_tensor *x = NULL, *W = NULL, *V = NULL, *value = tensor64(M23, S3, 1);
    sg_tensor *y = NULL, *cost = NULL, *grads[2] = {SENTINEL_T, SENTINEL_T}, *wrt[2];

    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, open, 2, "x", &x));
    CHECK_OK(sg_tensor_new_shared(value, "W", &W));
    CHECK_OK(sg_tensor_new_shared(value, "V", &V));
    CHECK_OK(sg_matmul(x, W, &y)); /* (?,) */
    CHECK_OK(sg_mean(y, NULL, 0, false, &cost));
    wrt[0] = W;
    wrt[1] = V;
    EXPECT_FAIL(sg_grad(y, (const sg_tensor *const *)wrt, 1, grads), SG_ERROR_VALUE, "(?,)");
    CHECK_PREFIX("[grad]");
    EXPECT_FAIL(sg_grad(cost, (const sg_tensor *const *)wrt, 2, grads), SG_ERROR_VALUE, "wrt[1]");
    CHECK_ERROR_HAS("'V'");
    CHECK(grads[0] == SENTINEL_T && grads[1] == SENTINEL_T);
    CHECK_OK(sg_grad(cost, (const sg_tensor *const *)wrt, 1, grads));
    {
        /* d mean(x·W) / dW = mean of x's rows */
        const sg_tensor *in[1], *out[1];
        sg_tensor *arg = tensor64(M23, S23, 2), *res = NULL;
        sg_function *f = NULL;
        in[0] = x;
        out[0] = grads[0];
        CHECK_OK(sg_function_new(in, 1, out, 1, NULL, NULL, 0, &f));
        CHECK_OK(sg_function_call(f, (const sg_tensor *const *)&arg, 1, &res, 1));
        CHECK_TENSOR(res, S3, 1, ((double[]){1.25, 1.75, 2.25}), 1e-12);
        sg_tensor_free(res);
        sg_tensor_free(arg);
        sg_function_free(f);
    }
    sg_tensor_free(grads[0]);
    sg_tensor_free(x);
    sg_tensor_free(W);
    sg_tensor_free(V);
    sg_tensor_free(value);
    sg_tensor_free(y);
    sg_tensor_free(cost);
}

/* ------------------------------------------------ compiled functions */

static void check_shared(const sg_tensor *s, const double *expected, const int64_t *shape, size_t ndim) {
    sg_tensor *v = NULL;
    CHECK_OK(sg_tensor_get_value(s, &v));
    CHECK_TENSOR(v, shape, ndim, expected, 0);
    sg_tensor_free(v);
}

static void test_functions(void) {
    static const int64_t open[] = {-1, 2}, open2[] = {-1, -1}, s22[] = {2, 2}, s42[] = {4, 2};
    static const int64_t s43[] = {4, 3}, s33[] = {3, 3};
    static const double W0[] = {3, 2, 4, 3}, X[] = {0, 0, 0, 1, 1, 0, 1, 1};
    static const double XW[] = {0, 0, 4, 3, 3, 2, 7, 5}, W1[] = {4, 3, 5, 4};
    static const double zeros[12] = {0};
    sg_tensor *x = NULL, *q = NULL, *z = NULL, *wv = tensor64(W0, s22, 2), *W = NULL, *one = scalar64(1);
    sg_tensor *y = NULL, *y2 = NULL, *upd = NULL, *res[2] = {SENTINEL_T, SENTINEL_T};
    sg_tensor *data = tensor64(X, s42, 2), *bad_shape = tensor64(zeros, s43, 2), *vec = tensor64(X, S4, 1);
    sg_tensor *data32 = NULL, *out = SENTINEL_T;
    sg_function *f = NULL, *g = NULL, *fout = SENTINEL_F;
    const sg_tensor *in[2], *outs[2], *vars[2], *vals[2], *args[2];
    size_t n;

    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, open, 2, "x", &x));
    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, open2, 2, "q", &q));
    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, NULL, 0, "z", &z));
    CHECK_OK(sg_tensor_new_shared(wv, "W", &W));
    CHECK_OK(sg_matmul(x, W, &y));
    CHECK_OK(sg_binary(SG_BINARY_ADD, W, one, &upd));

    /* f(x) = x·W, and W += 1 each call */
    in[0] = x;
    outs[0] = y;
    vars[0] = W;
    vals[0] = upd;
    CHECK_OK(sg_function_new(in, 1, outs, 1, vars, vals, 1, &f));

    /* bad compilations */
    in[1] = x; /* an input given twice */
    EXPECT_FAIL(sg_function_new(in, 2, outs, 1, NULL, NULL, 0, &fout), SG_ERROR_VALUE, "twice");
    CHECK_PREFIX("[function]");
    in[1] = W;
    EXPECT_FAIL(sg_function_new(in, 2, outs, 1, NULL, NULL, 0, &fout), SG_ERROR_TYPE, "'W'");
    CHECK_ERROR_HAS("placeholder");
    in[1] = wv;
    EXPECT_FAIL(sg_function_new(in, 2, outs, 1, NULL, NULL, 0, &fout), SG_ERROR_TYPE, "input 1");
    /* outputs need a placeholder that is not an input */
    in[0] = z;
    EXPECT_FAIL(sg_function_new(in, 1, outs, 1, NULL, NULL, 0, &fout), SG_ERROR_VALUE, "'x'");
    CHECK_PREFIX("[function]");
    CHECK_ERROR_HAS("(?,2)");
    in[0] = x;
    /* updates of what is not a shared variable */
    vars[0] = wv;
    EXPECT_FAIL(sg_function_new(in, 1, outs, 1, vars, vals, 1, &fout), SG_ERROR_TYPE, "shared");
    CHECK_PREFIX("[function]");
    vars[0] = x;
    EXPECT_FAIL(sg_function_new(in, 1, outs, 1, vars, vals, 1, &fout), SG_ERROR_TYPE, "placeholder 'x'");
    vars[0] = y;
    EXPECT_FAIL(sg_function_new(in, 1, outs, 1, vars, vals, 1, &fout), SG_ERROR_TYPE, "symbolic");
    /* an update twice; an update of the wrong rank or dtype */
    vars[0] = W;
    vars[1] = W;
    vals[1] = upd;
    EXPECT_FAIL(sg_function_new(in, 1, outs, 1, vars, vals, 2, &fout), SG_ERROR_VALUE, "'W'");
    {
        sg_tensor *scalar_upd = NULL, *f32_upd = NULL;
        CHECK_OK(sg_sum(W, NULL, 0, false, &scalar_upd));
        vals[0] = scalar_upd;
        EXPECT_FAIL(sg_function_new(in, 1, outs, 1, vars, vals, 1, &fout), SG_ERROR_TYPE, "'W'");
        CHECK_ERROR_HAS("()");
        CHECK_OK(sg_astype(upd, SG_DTYPE_FLOAT32, &f32_upd));
        vals[0] = f32_upd;
        EXPECT_FAIL(sg_function_new(in, 1, outs, 1, vars, vals, 1, &fout), SG_ERROR_TYPE, "float32");
        CHECK_ERROR_HAS("float64");
        /* the update value needs a placeholder that is not an input */
        CHECK_OK(sg_binary(SG_BINARY_MUL, W, z, &out));
        vals[0] = out;
        EXPECT_FAIL(sg_function_new(in, 1, outs, 1, vars, vals, 1, &fout), SG_ERROR_VALUE, "'z'");
        sg_tensor_free(out);
        out = SENTINEL_T;
        sg_tensor_free(scalar_upd);
        sg_tensor_free(f32_upd);
        vals[0] = upd;
    }
    CHECK(fout == SENTINEL_F);
    check_shared(W, W0, s22, 2);

    /* bad calls: nothing returned, W unchanged */
    CHECK_OK(sg_tensor_from_data((float[]){0, 0, 0, 1, 1, 0, 1, 1}, s42, 2, SG_DTYPE_FLOAT32, &data32));
    args[0] = data;
    args[1] = data;
    EXPECT_FAIL(sg_function_call(f, args, 2, res, 1), SG_ERROR_TYPE, "2");
    CHECK_PREFIX("[function]");
    EXPECT_FAIL(sg_function_call(f, args, 0, res, 1), SG_ERROR_TYPE, "0");
    args[0] = data32;
    EXPECT_FAIL(sg_function_call(f, args, 1, res, 1), SG_ERROR_TYPE, "float32");
    CHECK_ERROR_HAS("float64");
    CHECK_ERROR_HAS("'x'");
    args[0] = bad_shape;
    EXPECT_FAIL(sg_function_call(f, args, 1, res, 1), SG_ERROR_VALUE, "(4,3)");
    CHECK_ERROR_HAS("(?,2)");
    args[0] = vec;
    EXPECT_FAIL(sg_function_call(f, args, 1, res, 1), SG_ERROR_VALUE, "(4,)");
    args[0] = x;
    EXPECT_FAIL(sg_function_call(f, args, 1, res, 1), SG_ERROR_TYPE, "symbolic");
    args[0] = data;
    EXPECT_FAIL(sg_function_call(f, args, 1, res, 2), SG_ERROR_VALUE, "sg_function_call");
    EXPECT_FAIL(sg_function_call(f, args, 1, res, 0), SG_ERROR_VALUE, "sg_function_call");
    CHECK(res[0] == SENTINEL_T && res[1] == SENTINEL_T);
    check_shared(W, W0, s22, 2);
    EXPECT_FAIL(sg_function_input(f, 1, &out), SG_ERROR_INDEX, "1");
    EXPECT_FAIL(sg_function_input(f, (size_t)-1, &out), SG_ERROR_INDEX, "18446744073709551615");
    CHECK(out == SENTINEL_T);

    /* f still works, and updates W */
    CHECK_OK(sg_function_num_inputs(f, &n));
    CHECK(n == 1);
    CHECK_OK(sg_function_call(f, args, 1, res, 1));
    CHECK_TENSOR(res[0], s42, 2, XW, 0);
    sg_tensor_free(res[0]);
    res[0] = SENTINEL_T;
    check_shared(W, W1, s22, 2);

    /* A failure while running (a length known only at the call) leaves the
     * shared variables as they were: g(q) = q·W, W += 1. */
    CHECK_OK(sg_matmul(q, W, &y2));
    in[0] = q;
    outs[0] = y2;
    vars[0] = W;
    vals[0] = upd;
    CHECK_OK(sg_function_new(in, 1, outs, 1, vars, vals, 1, &g));
    {
        sg_tensor *b33 = tensor64(zeros, s33, 2);
        args[0] = b33;
        EXPECT_FAIL(sg_function_call(g, args, 1, res, 1), SG_ERROR_VALUE, "matmul");
        CHECK_ERROR_HAS("(3,3)");
        CHECK_ERROR_HAS("(2,2)");
        CHECK(res[0] == SENTINEL_T);
        check_shared(W, W1, s22, 2);
        sg_tensor_free(b33);
    }
    args[0] = data;
    CHECK_OK(sg_function_call(g, args, 1, res, 1));
    check_shared(W, ((double[]){5, 4, 6, 5}), s22, 2);
    sg_tensor_free(res[0]);

    /* set_value: only shared variables, same dtype and rank */
    EXPECT_FAIL(sg_tensor_set_value(wv, data), SG_ERROR_TYPE, "set_value");
    EXPECT_FAIL(sg_tensor_set_value(W, vec), SG_ERROR_TYPE, "(4,)");
    EXPECT_FAIL(sg_tensor_set_value(W, data32), SG_ERROR_TYPE, "float32");
    EXPECT_FAIL(sg_tensor_set_value(W, y), SG_ERROR_TYPE, "sg_tensor_set_value");
    check_shared(W, ((double[]){5, 4, 6, 5}), s22, 2);
    CHECK_TENSOR(wv, s22, 2, W0, 0);

    /* A function with no outputs, only updates, takes results NULL. */
    {
        sg_function *h = NULL;
        in[0] = x;
        CHECK_OK(sg_function_new(in, 0, NULL, 0, vars, vals, 1, &h));
        CHECK_OK(sg_function_call(h, NULL, 0, NULL, 0));
        check_shared(W, ((double[]){6, 5, 7, 6}), s22, 2);
        sg_function_free(h);
    }

    sg_function_free(f);
    sg_function_free(g);
    {
        sg_tensor *frees[] = {x, q, z, wv, W, one, y, y2, upd, data, bad_shape, vec, data32};
        size_t i;
        for (i = 0; i < sizeof frees / sizeof frees[0]; i++) sg_tensor_free(frees[i]);
    }
}

/* An allocation that cannot succeed (2^62 bytes) gives SG_ERROR_MEMORY. */
static void test_memory(void) {
    double one = 1;
    static const int64_t huge[] = {(int64_t)1 << 59}, zero_stride[] = {0};
    sg_tensor *t = NULL, *out = SENTINEL_T;
    /* every element is `one`: no memory behind it but one double */
    CHECK_OK(sg_tensor_from_buffer(&one, huge, zero_stride, 1, SG_DTYPE_FLOAT64, NULL, NULL, &t));
    EXPECT_FAIL(sg_unary(SG_UNARY_NEG, t, &out), SG_ERROR_MEMORY, "[negative]");
    CHECK_ERROR_HAS("4611686018427387904");
    EXPECT_FAIL(sg_tensor_from_data(&one, huge, 1, SG_DTYPE_FLOAT64, &out), SG_ERROR_MEMORY, "4611686018427387904");
    CHECK(out == SENTINEL_T);
    sg_tensor_free(t);
}

/* ------------------------------------------------ threads */

typedef struct {
    int ok;
    bool recorded;
    char before[64];
    char after[256];
    double result;
} thread_report;

static void *thread_main(void *arg) {
    thread_report *r = arg;
    sg_tensor *t = NULL, *s = NULL;
    double v = -7;
    int i;
    strncpy(r->before, sg_last_error(), sizeof r->before - 1);
    if (sg_tensor_from_data(M23, S23, 2, SG_DTYPE_FLOAT64, &t) != SG_OK) return NULL;
    r->ok = sg_tensor_item(t, &v) == SG_ERROR_VALUE;
    strncpy(r->after, sg_last_error(), sizeof r->after - 1);
    /* grad mode is per thread: the main thread turned it off, not this one */
    if (sg_tensor_set_requires_grad(t, true) != SG_OK) r->ok = 0;
    if (sg_unary(SG_UNARY_EXP, t, &s) != SG_OK) r->ok = 0;
    if (sg_tensor_requires_grad(s, &r->recorded) != SG_OK) r->ok = 0;
    sg_tensor_free(s);
    /* a computation of this thread's own graph */
    for (i = 0; i < 20; i++) {
        if (sg_mean(t, NULL, 0, false, &s) != SG_OK) r->ok = 0;
        if (sg_tensor_item(s, &r->result) != SG_OK) r->ok = 0;
        sg_tensor_free(s);
    }
    sg_tensor_free(t);
    return NULL;
}

static void test_threads(void) {
    static const double zeros[20] = {0};
    sg_tensor *a = tensor64(M23, S23, 2), *b = tensor64(zeros, S45, 2), *out = SENTINEL_T;
    thread_report reports[2];
    pthread_t threads[2];
    char mine[256];
    int i;

    memset(reports, 0, sizeof reports);
    EXPECT_FAIL(sg_matmul(a, b, &out), SG_ERROR_VALUE, "[matmul]");
    strncpy(mine, sg_last_error(), sizeof mine - 1);
    mine[sizeof mine - 1] = '\0';
    CHECK_OK(sg_autograd_set_enabled(false, NULL));
    for (i = 0; i < 2; i++) CHECK(pthread_create(&threads[i], NULL, thread_main, &reports[i]) == 0);
    for (i = 0; i < 2; i++) CHECK(pthread_join(threads[i], NULL) == 0);
    {
        bool previous = true;
        CHECK_OK(sg_autograd_set_enabled(true, &previous));
        CHECK(previous == false);
    }
    for (i = 0; i < 2; i++) {
        CHECK(reports[i].ok);
        CHECK(reports[i].recorded);
        CHECK(strcmp(reports[i].before, "") == 0); /* a new thread starts clean */
        CHECK(strstr(reports[i].after, "[item]") != NULL);
        CHECK(strstr(reports[i].after, "(2,3)") != NULL);
        CHECK_CLOSE(reports[i].result, 1.75, 1e-15);
    }
    /* this thread's message did not change */
    CHECK(strcmp(sg_last_error(), mine) == 0);
    CHECK_PREFIX("[matmul] shapes (2,3) and (4,5)");
    CHECK(out == SENTINEL_T);
    sg_tensor_free(a);
    sg_tensor_free(b);
}

int main(void) {
    test_nulls();
    test_products();
    test_enums();
    test_axes_and_shapes();
    test_no_value();
    test_autograd_errors();
    test_symbolic_grad_errors();
    test_functions();
    test_memory();
    test_threads();
    return CHECK_DONE();
}
