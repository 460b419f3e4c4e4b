/*
 * test_stable.c: the numerically stable functions of the C ABI at ±1000
 * (values and gradients against hand-computed float64 references), the
 * log(softmax) rewrite in a compiled function, Theano's givens with a
 * slice whose bounds are an input (the minibatch idiom), and errors:
 * NULL pointers, bad axes and reductions, givens whose types differ.
 */
#include <math.h>

#include "check.h"

#define TOL 1e-14
/* Results that pass through logsumexp of ±1000: it carries an error of
 * half an ulp of 1000 (6e-14), as in any float64 implementation. */
#define TOL_LSE 2e-13

static const int64_t S3[] = {3}, S23[] = {2, 3}, S21[] = {2, 1}, S2[] = {2};
static const int64_t S0[] = {1};
/* Row 0: 1000, -1000, 1000; row 1: -1000, -999, -1000. */
static const double X23[] = {1000.0, -1000.0, 1000.0, -1000.0, -999.0, -1000.0};

static void test_logsumexp(void) {
    sg_tensor *x = tensor64(X23, S23, 2), *y = NULL, *g = NULL;
    int64_t axis1 = 1;
    double l1 = -999.0 + log(1 + 2 * exp(-1.0));
    CHECK_OK(sg_tensor_set_requires_grad(x, true));
    CHECK_OK(sg_logsumexp(x, &axis1, 1, true, &y));
    {
        const double e[] = {1000.0 + log(2.0), l1};
        CHECK_TENSOR(y, S21, 2, e, TOL);
    }
    /* the gradient of sum(lse) is the softmax of each row */
    {
        sg_tensor *s = NULL;
        CHECK_OK(sg_reduce(SG_REDUCE_SUM, y, NULL, 0, false, NULL, &s));
        CHECK_OK(sg_tensor_backward(s, NULL));
        sg_tensor_free(s);
    }
    CHECK_OK(sg_tensor_grad(x, &g));
    {
        const double p = exp(-1.0) / (1 + 2 * exp(-1.0)), q = 1 / (1 + 2 * exp(-1.0));
        const double e[] = {0.5, 0.0, 0.5, p, q, p};
        CHECK_TENSOR(g, S23, 2, e, TOL_LSE);
    }
    sg_tensor_free(g);
    sg_tensor_free(y);
    /* all axes (NULL) */
    CHECK_OK(sg_logsumexp(x, NULL, 0, false, &y));
    {
        const double e[] = {1000.0 + log(2.0)};
        CHECK_TENSOR(y, S0, 0, e, TOL);
    }
    sg_tensor_free(y);
    y = (sg_tensor *)&y;
    CHECK_STATUS(sg_logsumexp(x, &axis1, 65, false, &y), SG_ERROR_VALUE);
    axis1 = 2;
    CHECK_STATUS(sg_logsumexp(x, &axis1, 1, false, &y), SG_ERROR_INDEX);
    CHECK_ERROR_HAS("[logsumexp] axis 2 is out of bounds");
    CHECK(y == (sg_tensor *)&y);
    CHECK_STATUS(sg_logsumexp(NULL, NULL, 0, false, &y), SG_ERROR_NULL);
    CHECK_STATUS(sg_logsumexp(x, NULL, 0, false, NULL), SG_ERROR_NULL);
    sg_tensor_free(x);
}

static void test_softmax(void) {
    sg_tensor *x = tensor64(X23, S23, 2), *y = NULL;
    const double p = exp(-1.0) / (1 + 2 * exp(-1.0)), q = 1 / (1 + 2 * exp(-1.0));
    CHECK_OK(sg_softmax(x, -1, &y));
    {
        const double e[] = {0.5, 0.0, 0.5, p, q, p};
        CHECK_TENSOR(y, S23, 2, e, TOL_LSE);
    }
    sg_tensor_free(y);
    CHECK_OK(sg_log_softmax(x, 1, &y));
    {
        const double l = log(2.0), m = log(1 + 2 * exp(-1.0));
        const double e[] = {-l, -2000.0 - l, -l, -1.0 - m, -m, -1.0 - m};
        CHECK_TENSOR(y, S23, 2, e, TOL_LSE);
    }
    sg_tensor_free(y);
    CHECK_STATUS(sg_softmax(x, 2, &y), SG_ERROR_INDEX);
    CHECK_ERROR_HAS("[softmax] axis 2 is out of bounds for a tensor of dimension 2");
    CHECK_STATUS(sg_log_softmax(NULL, 0, &y), SG_ERROR_NULL);
    sg_tensor_free(x);
}

static void test_log_sigmoid_and_bce(void) {
    static const double xs[] = {1000.0, -1000.0, 0.0}, ys[] = {0.0, 1.0, 1.0};
    sg_tensor *x = tensor64(xs, S3, 1), *t = tensor64(ys, S3, 1), *y = NULL, *g = NULL;
    CHECK_OK(sg_log_sigmoid(x, &y));
    {
        const double e[] = {0.0, -1000.0, -log(2.0)};
        CHECK_TENSOR(y, S3, 1, e, TOL);
    }
    sg_tensor_free(y);
    CHECK_OK(sg_tensor_set_requires_grad(x, true));
    CHECK_OK(sg_binary_cross_entropy_with_logits(x, t, SG_LOSS_NONE, &y));
    {
        const double e[] = {1000.0, 1000.0, log(2.0)};
        CHECK_TENSOR(y, S3, 1, e, TOL);
    }
    sg_tensor_free(y);
    CHECK_OK(sg_binary_cross_entropy_with_logits(x, t, SG_LOSS_MEAN, &y));
    {
        const double e[] = {(2000.0 + log(2.0)) / 3};
        CHECK_TENSOR(y, S0, 0, e, TOL);
    }
    CHECK_OK(sg_tensor_backward(y, NULL));
    CHECK_OK(sg_tensor_grad(x, &g));
    {
        const double e[] = {1.0 / 3, -1.0 / 3, -0.5 / 3}; /* (sigmoid(x) - y) / 3 */
        CHECK_TENSOR(g, S3, 1, e, TOL);
    }
    sg_tensor_free(g);
    sg_tensor_free(y);
    CHECK_STATUS(sg_binary_cross_entropy_with_logits(x, t, (sg_loss_reduction)7, &y), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("unknown reduction 7");
    {
        sg_tensor *t2 = tensor64(ys, S2, 1);
        CHECK_STATUS(sg_binary_cross_entropy_with_logits(x, t2, SG_LOSS_SUM, &y), SG_ERROR_VALUE);
        CHECK_ERROR_HAS("[binary_cross_entropy_with_logits]");
        sg_tensor_free(t2);
    }
    CHECK_STATUS(sg_binary_cross_entropy_with_logits(x, NULL, SG_LOSS_SUM, &y), SG_ERROR_NULL);
    sg_tensor_free(x);
    sg_tensor_free(t);
}

/* log(exp(x) / sum(exp(x))) compiles to x - logsumexp(x): finite at ±1000. */
static void test_log_softmax_rewrite(void) {
    int64_t open[] = {-1, -1}, axis1 = 1;
    sg_tensor *x = NULL, *e = NULL, *s = NULL, *q = NULL, *l = NULL, *r = NULL;
    sg_function *f = NULL;
    char text[4096];
    size_t length = 0;
    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, open, 2, "x", &x));
    CHECK_OK(sg_unary(SG_UNARY_EXP, x, &e));
    CHECK_OK(sg_reduce(SG_REDUCE_SUM, e, &axis1, 1, true, NULL, &s));
    CHECK_OK(sg_binary(SG_BINARY_DIVIDE, e, s, &q));
    CHECK_OK(sg_unary(SG_UNARY_LOG, q, &l));
    CHECK_OK(sg_function_new((const sg_tensor *const *)&x, 1, (const sg_tensor *const *)&l, 1,
                             NULL, NULL, 0, &f));
    CHECK_OK(sg_function_describe(f, text, sizeof text, &length));
    CHECK(strstr(text, "rewrite log(softmax(x)) = log_softmax(x): 1") != NULL);
    {
        sg_tensor *arg = tensor64(X23, S23, 2);
        const double l2 = log(2.0), m = log(1 + 2 * exp(-1.0));
        const double want[] = {-l2, -2000.0 - l2, -l2, -1.0 - m, -m, -1.0 - m};
        CHECK_OK(sg_function_call(f, (const sg_tensor *const *)&arg, 1, &r, 1));
        CHECK_TENSOR(r, S23, 2, want, TOL_LSE);
        sg_tensor_free(arg);
    }
    sg_tensor_free(r);
    sg_function_free(f);
    sg_tensor_free(l);
    sg_tensor_free(q);
    sg_tensor_free(s);
    sg_tensor_free(e);
    sg_tensor_free(x);
}

/* sum(x) with x given as data[i:i + 2], data shared and i an int64 input. */
static void test_givens_minibatch(void) {
    static const double d[] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const int64_t S42[] = {4, 2}, open[] = {-1, -1};
    sg_tensor *value = tensor64(d, S42, 2), *data = NULL, *i = NULL, *x = NULL, *two = NULL;
    sg_tensor *stop = NULL, *batch = NULL, *cost = NULL, *r = NULL, *bad = NULL;
    sg_function *f = NULL;
    CHECK_OK(sg_tensor_new_shared(value, "data", &data));
    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_INT64, NULL, 0, "i", &i));
    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, open, 2, "x", &x));
    CHECK_OK(sg_tensor_from_scalar(2, SG_DTYPE_INT64, &two));
    CHECK_OK(sg_binary(SG_BINARY_ADD, i, two, &stop));
    CHECK_OK(sg_slice_dynamic(data, 0, i, stop, 1, &batch));
    CHECK_OK(sg_reduce(SG_REDUCE_SUM, x, NULL, 0, false, NULL, &cost));
    CHECK_OK(sg_function_new_with_givens((const sg_tensor *const *)&i, 1,
                                         (const sg_tensor *const *)&cost, 1, NULL, NULL, 0,
                                         (const sg_tensor *const *)&x,
                                         (const sg_tensor *const *)&batch, 1, &f));
    {
        static const double want[][1] = {{10}, {18}, {26}, {15}, {0}};
        int64_t k;
        for (k = 0; k < 5; k++) {
            sg_tensor *arg = NULL;
            CHECK_OK(sg_tensor_from_scalar((double)(k == 4 ? 9 : k), SG_DTYPE_INT64, &arg));
            CHECK_OK(sg_function_call(f, (const sg_tensor *const *)&arg, 1, &r, 1));
            CHECK_TENSOR(r, S0, 0, want[k], TOL);
            sg_tensor_free(r);
            sg_tensor_free(arg);
        }
    }
    sg_function_free(f);
    /* a replacement of another dtype or rank is refused by name */
    CHECK_OK(sg_tensor_from_data(d, S2, 1, SG_DTYPE_FLOAT64, &bad));
    f = (sg_function *)&f;
    CHECK_STATUS(sg_function_new_with_givens((const sg_tensor *const *)&i, 1,
                                             (const sg_tensor *const *)&cost, 1, NULL, NULL, 0,
                                             (const sg_tensor *const *)&x,
                                             (const sg_tensor *const *)&bad, 1, &f),
                 SG_ERROR_TYPE);
    CHECK_ERROR_HAS("given 0 replaces a float64 placeholder 'x' of shape (?,?) by a float64 tensor of shape (2,)");
    CHECK(f == (sg_function *)&f);
    CHECK_STATUS(sg_function_new_with_givens((const sg_tensor *const *)&i, 1,
                                             (const sg_tensor *const *)&cost, 1, NULL, NULL, 0,
                                             NULL, NULL, 1, &f),
                 SG_ERROR_NULL);
    /* slice bounds must be 0-d integers */
    CHECK_STATUS(sg_slice_dynamic(data, 0, x, NULL, 1, &r), SG_ERROR_TYPE);
    CHECK_ERROR_HAS("must be a 0-d integer tensor");
    CHECK_STATUS(sg_slice_dynamic(data, 0, NULL, i, 0, &r), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("slice step cannot be zero");
    CHECK_STATUS(sg_slice_dynamic(data, 5, NULL, NULL, 1, &r), SG_ERROR_INDEX);
    sg_tensor_free(bad);
    sg_tensor_free(cost);
    sg_tensor_free(batch);
    sg_tensor_free(stop);
    sg_tensor_free(two);
    sg_tensor_free(x);
    sg_tensor_free(i);
    sg_tensor_free(data);
    sg_tensor_free(value);
}

int main(void) {
    test_logsumexp();
    test_softmax();
    test_log_sigmoid_and_bce();
    test_log_softmax_rewrite();
    test_givens_minibatch();
    return CHECK_DONE();
}
