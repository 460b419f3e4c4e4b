/*
 * test_seed.c: every number of the seed's worked example (EXAMPLE.md),
 * through the C ABI: the forward pass, eager gradients, symbolic gradients
 * (sg_grad + sg_function_new) and the chapter's Theano listing on XOR.
 */
#include "check.h"

#define TOL 1e-7

static const double W0[] = {3, 2, 4, 3}, B0[] = {-2, -4}, W20[] = {5, -5};
static const double B20 = -2;
static const int64_t SHAPE_W[] = {2, 2}, SHAPE_2[] = {2};

static const double DATA_X[] = {0, 0, 0, 1, 1, 0, 1, 1}, DATA_Y[] = {0, 1, 1, 0};
static const int64_t SHAPE_X[] = {4, 2}, SHAPE_Y[] = {4};

/* ---------------------------------------------------- small builders */

static sg_tensor *unary(sg_unary_op op, const sg_tensor *x) {
    sg_tensor *out = NULL;
    CHECK_OK(sg_unary(op, x, &out));
    return out;
}

static sg_tensor *binary(sg_binary_op op, const sg_tensor *a, const sg_tensor *b) {
    sg_tensor *out = NULL;
    CHECK_OK(sg_binary(op, a, b, &out));
    return out;
}

static sg_tensor *dot(const sg_tensor *a, const sg_tensor *b) {
    sg_tensor *out = NULL;
    CHECK_OK(sg_dot(a, b, &out));
    return out;
}

/* sigmoid(a · w + b); frees nothing it is given. */
static sg_tensor *layer(const sg_tensor *a, const sg_tensor *w, const sg_tensor *b) {
    sg_tensor *z0 = dot(a, w), *z = binary(SG_BINARY_ADD, z0, b);
    sg_tensor *y = unary(SG_UNARY_SIGMOID, z);
    sg_tensor_free(z0);
    sg_tensor_free(z);
    return y;
}

/* (a - b)^2 */
static sg_tensor *squared_difference(const sg_tensor *a, const sg_tensor *b) {
    sg_tensor *d = binary(SG_BINARY_SUB, a, b), *two = scalar64(2);
    sg_tensor *s = binary(SG_BINARY_POW, d, two);
    sg_tensor_free(d);
    sg_tensor_free(two);
    return s;
}

static double item(const sg_tensor *t) {
    double v = 0;
    CHECK_OK(sg_tensor_item(t, &v));
    return v;
}

/* ------------------------------------------- forward + eager backward */

static void test_eager(void) {
    static const double x_values[] = {1, 0};
    static const double h_expected[] = {0.73105858, 0.11920292};
    static const double gW2_expected[] = {-0.03597961, -0.00586666};
    static const double gW_expected[] = {-0.04838203, 0.02583670, 0, 0};
    static const double gb_expected[] = {-0.04838203, 0.02583670};
    sg_tensor *x = tensor64(x_values, SHAPE_2, 1);
    sg_tensor *W = tensor64(W0, SHAPE_W, 2), *b = tensor64(B0, SHAPE_2, 1);
    sg_tensor *W2 = tensor64(W20, SHAPE_2, 1), *b2 = scalar64(B20);
    sg_tensor *params[4];
    sg_tensor *h, *z0, *z, *y, *t, *sq, *half, *E, *g;
    bool flag = false;
    int i;

    params[0] = W; params[1] = b; params[2] = W2; params[3] = b2;
    for (i = 0; i < 4; i++) {
        CHECK_OK(sg_tensor_set_requires_grad(params[i], true));
        CHECK_OK(sg_tensor_requires_grad(params[i], &flag));
        CHECK(flag);
    }

    h = layer(x, W, b);
    CHECK_TENSOR(h, SHAPE_2, 1, h_expected, TOL);
    z0 = dot(h, W2);
    z = binary(SG_BINARY_ADD, z0, b2);
    CHECK_TENSOR(z, NULL, 0, (double[]){1.05927828}, TOL);
    y = unary(SG_UNARY_SIGMOID, z);
    CHECK_CLOSE(item(y), 0.74255260, TOL);
    CHECK_OK(sg_tensor_requires_grad(y, &flag));
    CHECK(flag);

    /* E = 1/2 (t - y)^2 with t = 1 */
    t = scalar64(1);
    sq = squared_difference(t, y);
    half = scalar64(0.5);
    E = binary(SG_BINARY_MUL, half, sq);
    CHECK_CLOSE(item(E), 0.5 * (1 - 0.74255260) * (1 - 0.74255260), 1e-7);

    /* No gradient before backward. */
    g = (sg_tensor *)&g;
    CHECK_OK(sg_tensor_grad(W, &g));
    CHECK(g == NULL);

    CHECK_OK(sg_tensor_backward(E, NULL));

    CHECK_OK(sg_tensor_grad(W2, &g));
    CHECK(g != NULL);
    if (g) CHECK_TENSOR(g, SHAPE_2, 1, gW2_expected, TOL);
    sg_tensor_free(g);
    CHECK_OK(sg_tensor_grad(b2, &g));
    CHECK(g != NULL);
    if (g) CHECK_TENSOR(g, NULL, 0, (double[]){-0.04921577}, TOL);
    sg_tensor_free(g);
    CHECK_OK(sg_tensor_grad(W, &g));
    CHECK(g != NULL);
    if (g) CHECK_TENSOR(g, SHAPE_W, 2, gW_expected, TOL);
    sg_tensor_free(g);
    CHECK_OK(sg_tensor_grad(b, &g));
    CHECK(g != NULL);
    if (g) CHECK_TENSOR(g, SHAPE_2, 1, gb_expected, TOL);
    sg_tensor_free(g);

    /* x does not require grad: no gradient. */
    g = (sg_tensor *)&g;
    CHECK_OK(sg_tensor_grad(x, &g));
    CHECK(g == NULL);

    /* A second backward accumulates: the gradients double. */
    CHECK_OK(sg_tensor_backward(E, NULL));
    CHECK_OK(sg_tensor_grad(b2, &g));
    if (g) CHECK_CLOSE(item(g), 2 * -0.04921577, TOL);
    sg_tensor_free(g);

    /* sg_grad on the eager graph gives the same values, without touching
     * the accumulated .grad. */
    {
        sg_tensor *grads[4] = {NULL, NULL, NULL, NULL};
        CHECK_OK(sg_grad(E, (const sg_tensor *const *)params, 4, grads));
        CHECK_TENSOR(grads[0], SHAPE_W, 2, gW_expected, TOL);
        CHECK_TENSOR(grads[1], SHAPE_2, 1, gb_expected, TOL);
        CHECK_TENSOR(grads[2], SHAPE_2, 1, gW2_expected, TOL);
        CHECK_TENSOR(grads[3], NULL, 0, (double[]){-0.04921577}, TOL);
        for (i = 0; i < 4; i++) sg_tensor_free(grads[i]);
        CHECK_OK(sg_tensor_grad(b2, &g));
        if (g) CHECK_CLOSE(item(g), 2 * -0.04921577, TOL);
        sg_tensor_free(g);
    }

    /* set_grad(NULL) clears. */
    CHECK_OK(sg_tensor_set_grad(b2, NULL));
    g = (sg_tensor *)&g;
    CHECK_OK(sg_tensor_grad(b2, &g));
    CHECK(g == NULL);

    sg_tensor *frees[] = {x, W, b, W2, b2, h, z0, z, y, t, sq, half, E};
    for (i = 0; i < (int)(sizeof frees / sizeof frees[0]); i++) sg_tensor_free(frees[i]);
}

/* ---------------------------------------- symbolic gradients (sg_grad) */

static void test_symbolic_grad(void) {
    static const double x_values[] = {1, 0};
    static const double gW2_expected[] = {-0.03597961, -0.00586666};
    static const double gW_expected[] = {-0.04838203, 0.02583670, 0, 0};
    static const double gb_expected[] = {-0.04838203, 0.02583670};
    sg_tensor *x, *t, *vW = tensor64(W0, SHAPE_W, 2), *vb = tensor64(B0, SHAPE_2, 1);
    sg_tensor *vW2 = tensor64(W20, SHAPE_2, 1), *vb2 = scalar64(B20);
    sg_tensor *W, *b, *W2, *b2, *h, *y, *sq, *half, *E;
    sg_tensor *wrt[4], *grads[4] = {NULL, NULL, NULL, NULL}, *results[5];
    sg_tensor *args[2];
    sg_function *f = NULL;
    sg_kind kind;
    int i;

    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, SHAPE_2, 1, "x", &x));
    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, NULL, 0, "t", &t));
    CHECK_OK(sg_tensor_new_shared(vW, "W", &W));
    CHECK_OK(sg_tensor_new_shared(vb, "b", &b));
    CHECK_OK(sg_tensor_new_shared(vW2, "W2", &W2));
    CHECK_OK(sg_tensor_new_shared(vb2, "b2", &b2));

    h = layer(x, W, b);
    y = layer(h, W2, b2);
    CHECK_OK(sg_tensor_kind(y, &kind));
    CHECK(kind == SG_KIND_SYMBOLIC);
    sq = squared_difference(t, y);
    half = scalar64(0.5);
    E = binary(SG_BINARY_MUL, sq, half);

    wrt[0] = W; wrt[1] = b; wrt[2] = W2; wrt[3] = b2;
    CHECK_OK(sg_grad(E, (const sg_tensor *const *)wrt, 4, grads));
    for (i = 0; i < 4; i++) {
        CHECK_OK(sg_tensor_kind(grads[i], &kind));
        CHECK(kind == SG_KIND_SYMBOLIC);
    }

    {
        const sg_tensor *inputs[2];
        const sg_tensor *outputs[5];
        inputs[0] = x; inputs[1] = t;
        outputs[0] = y;
        for (i = 0; i < 4; i++) outputs[i + 1] = grads[i];
        CHECK_OK(sg_function_new(inputs, 2, outputs, 5, NULL, NULL, 0, &f));
    }
    args[0] = tensor64(x_values, SHAPE_2, 1);
    args[1] = scalar64(1);
    CHECK_OK(sg_function_call(f, (const sg_tensor *const *)args, 2, results, 5));
    CHECK_CLOSE(item(results[0]), 0.74255260, TOL);
    CHECK_TENSOR(results[1], SHAPE_W, 2, gW_expected, TOL);
    CHECK_TENSOR(results[2], SHAPE_2, 1, gb_expected, TOL);
    CHECK_TENSOR(results[3], SHAPE_2, 1, gW2_expected, TOL);
    CHECK_TENSOR(results[4], NULL, 0, (double[]){-0.04921577}, TOL);
    for (i = 0; i < 5; i++) {
        CHECK_OK(sg_tensor_kind(results[i], &kind));
        CHECK(kind == SG_KIND_VALUE);
        sg_tensor_free(results[i]);
    }

    /* Calling again gives the same numbers (no hidden state). */
    CHECK_OK(sg_function_call(f, (const sg_tensor *const *)args, 2, results, 5));
    CHECK_CLOSE(item(results[4]), -0.04921577, TOL);
    for (i = 0; i < 5; i++) sg_tensor_free(results[i]);

    sg_function_free(f);
    for (i = 0; i < 4; i++) sg_tensor_free(grads[i]);
    for (i = 0; i < 2; i++) sg_tensor_free(args[i]);
    {
        sg_tensor *frees[] = {x, t, vW, vb, vW2, vb2, W, b, W2, b2, h, y, sq, half, E};
        for (i = 0; i < (int)(sizeof frees / sizeof frees[0]); i++) sg_tensor_free(frees[i]);
    }
}

/* ------------------------------------------------ the Theano listing */

static void check_input(const sg_function *f, size_t i, const char *name,
                        const int64_t *shape, size_t ndim) {
    sg_tensor *p = NULL;
    sg_kind kind;
    sg_dtype dtype;
    const char *got_name = NULL;
    int64_t got_shape[4];
    size_t got_ndim = 99, k;

    CHECK_OK(sg_function_input(f, i, &p));
    CHECK_OK(sg_tensor_kind(p, &kind));
    CHECK(kind == SG_KIND_PLACEHOLDER);
    CHECK_OK(sg_tensor_dtype(p, &dtype));
    CHECK(dtype == SG_DTYPE_FLOAT64);
    CHECK_OK(sg_tensor_name(p, &got_name));
    CHECK(got_name != NULL && strcmp(got_name, name) == 0);
    CHECK_OK(sg_tensor_ndim(p, &got_ndim));
    CHECK(got_ndim == ndim);
    CHECK_OK(sg_tensor_shape(p, got_shape, 4));
    for (k = 0; k < ndim && k < got_ndim; k++) CHECK(got_shape[k] == shape[k]);
    sg_tensor_free(p);
}

static void check_counts(const sg_function *f, size_t inputs, size_t outputs) {
    size_t n = 99;
    CHECK_OK(sg_function_num_inputs(f, &n));
    CHECK(n == inputs);
    CHECK_OK(sg_function_num_outputs(f, &n));
    CHECK(n == outputs);
}

static void test_theano_listing(void) {
    static const int64_t open_x[] = {-1, 2}, open_y[] = {-1};
    static const int64_t SHAPE_1x2[] = {1, 2}, SHAPE_1[] = {1};
    static const double one_zero[] = {1, 0};
    static const double h_expected[] = {0.73105858, 0.11920292};
    static const double predict_expected[] = {0.18333462, 0.7425526, 0.7425526, 0.33430961};
    static const double train2_expected[] = {0.18353091, 0.74260499, 0.74321824, 0.33324929};
    sg_tensor *x, *y, *vW = tensor64(W0, SHAPE_W, 2), *vb = tensor64(B0, SHAPE_2, 1);
    sg_tensor *vW2 = tensor64(W20, SHAPE_2, 1), *vb2 = scalar64(B20);
    sg_tensor *W, *b, *W2, *b2, *h, *y_pred, *sq, *cost, *lr;
    sg_tensor *shared[4], *grads[4], *steps[4], *new_values[4];
    sg_tensor *data_x = tensor64(DATA_X, SHAPE_X, 2), *data_y = tensor64(DATA_Y, SHAPE_Y, 1);
    sg_tensor *x10 = tensor64(one_zero, SHAPE_1x2, 2);
    sg_tensor *results[4], *before[4], *after[4], *expected_grads[4];
    sg_function *h_function = NULL, *predict = NULL, *train = NULL, *gradients = NULL;
    const sg_tensor *train_args[2];
    int i, call;

    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, open_x, 2, "x", &x));
    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, open_y, 1, "y", &y));
    CHECK_OK(sg_tensor_new_shared(vW, "W", &W));
    CHECK_OK(sg_tensor_new_shared(vb, "b", &b));
    CHECK_OK(sg_tensor_new_shared(vW2, "W2", &W2));
    CHECK_OK(sg_tensor_new_shared(vb2, "b2", &b2));
    shared[0] = W; shared[1] = b; shared[2] = W2; shared[3] = b2;

    h = layer(x, W, b);
    y_pred = layer(h, W2, b2);
    sq = squared_difference(y, y_pred);
    CHECK_OK(sg_mean(sq, NULL, 0, false, &cost));
    CHECK_OK(sg_grad(cost, (const sg_tensor *const *)shared, 4, grads));

    lr = scalar64(0.1);
    for (i = 0; i < 4; i++) {
        steps[i] = binary(SG_BINARY_MUL, lr, grads[i]);
        new_values[i] = binary(SG_BINARY_SUB, shared[i], steps[i]);
    }

    {
        const sg_tensor *in1[1], *in2[2], *out_h[1], *out_p[1], *out_t[2];
        in1[0] = x;
        in2[0] = x; in2[1] = y;
        out_h[0] = h;
        out_p[0] = y_pred;
        out_t[0] = y_pred; out_t[1] = cost;
        CHECK_OK(sg_function_new(in1, 1, out_h, 1, NULL, NULL, 0, &h_function));
        CHECK_OK(sg_function_new(in1, 1, out_p, 1, NULL, NULL, 0, &predict));
        CHECK_OK(sg_function_new(in2, 2, out_t, 2, (const sg_tensor *const *)shared,
                                 (const sg_tensor *const *)new_values, 4, &train));
        CHECK_OK(sg_function_new(in2, 2, (const sg_tensor *const *)grads, 4,
                                 NULL, NULL, 0, &gradients));
    }
    check_counts(h_function, 1, 1);
    check_counts(predict, 1, 1);
    check_counts(train, 2, 2);
    check_counts(gradients, 2, 4);
    check_input(train, 0, "x", open_x, 2);
    check_input(train, 1, "y", open_y, 1);
    check_input(predict, 0, "x", open_x, 2);

    /* h_function([[1, 0]]) */
    CHECK_OK(sg_function_call(h_function, (const sg_tensor *const *)&x10, 1, results, 1));
    CHECK_TENSOR(results[0], SHAPE_1x2, 2, h_expected, TOL);
    sg_tensor_free(results[0]);

    /* predict([[1, 0]]) */
    CHECK_OK(sg_function_call(predict, (const sg_tensor *const *)&x10, 1, results, 1));
    CHECK_TENSOR(results[0], SHAPE_1, 1, (double[]){0.7425526}, TOL);
    sg_tensor_free(results[0]);

    /* predict(DATA_X) */
    CHECK_OK(sg_function_call(predict, (const sg_tensor *const *)&data_x, 1, results, 1));
    CHECK_TENSOR(results[0], SHAPE_Y, 1, predict_expected, TOL);
    sg_tensor_free(results[0]);

    /* Two train calls: each returns what it computed before its updates. */
    train_args[0] = data_x;
    train_args[1] = data_y;
    for (call = 0; call < 2; call++) {
        /* The gradients at the current values, to predict the updates. */
        CHECK_OK(sg_function_call(gradients, train_args, 2, expected_grads, 4));
        for (i = 0; i < 4; i++) CHECK_OK(sg_tensor_get_value(shared[i], &before[i]));

        CHECK_OK(sg_function_call(train, train_args, 2, results, 2));
        CHECK_TENSOR(results[0], SHAPE_Y, 1, call == 0 ? predict_expected : train2_expected, TOL);
        CHECK_CLOSE(item(results[1]), call == 0 ? 0.06948321 : 0.06923194, TOL);
        sg_tensor_free(results[0]);
        sg_tensor_free(results[1]);

        /* Each shared variable moved by -0.1 * its gradient. */
        for (i = 0; i < 4; i++) {
            double old_v[4], g[4], expected[4];
            int64_t shape[2];
            size_t ndim, n, k;
            sg_kind kind;
            CHECK_OK(sg_tensor_get_value(shared[i], &after[i]));
            CHECK_OK(sg_tensor_kind(after[i], &kind));
            CHECK(kind == SG_KIND_VALUE);
            n = tensor_values(before[i], old_v, 4);
            CHECK(tensor_values(expected_grads[i], g, 4) == n);
            for (k = 0; k < n; k++) expected[k] = old_v[k] - 0.1 * g[k];
            CHECK_OK(sg_tensor_ndim(before[i], &ndim));
            CHECK_OK(sg_tensor_shape(before[i], shape, 2));
            CHECK_TENSOR(after[i], shape, ndim, expected, 1e-12);
            sg_tensor_free(before[i]);
            sg_tensor_free(after[i]);
            sg_tensor_free(expected_grads[i]);
        }
    }

    /* The values after two steps (numpy, float64). */
    {
        static const double W_2[] = {3.004576212285, 2.004710669146, 4.002333343363, 3.002451951419};
        static const double b_2[] = {-1.994288458559, -3.999886346954};
        static const double W2_2[] = {5.000227292264, -5.003568145128};
        sg_tensor *v;
        CHECK_OK(sg_tensor_get_value(W, &v));
        CHECK_TENSOR(v, SHAPE_W, 2, W_2, 1e-11);
        sg_tensor_free(v);
        CHECK_OK(sg_tensor_get_value(b, &v));
        CHECK_TENSOR(v, SHAPE_2, 1, b_2, 1e-11);
        sg_tensor_free(v);
        CHECK_OK(sg_tensor_get_value(W2, &v));
        CHECK_TENSOR(v, SHAPE_2, 1, W2_2, 1e-11);
        sg_tensor_free(v);
        CHECK_OK(sg_tensor_get_value(b2, &v));
        CHECK_TENSOR(v, NULL, 0, (double[]){-2.0003380183837907}, 1e-11);
        sg_tensor_free(v);
    }

    /* predict sees the updated parameters (the third train call's outputs). */
    {
        static const double predict3[] = {0.183727202644, 0.742664933064, 0.743879662628, 0.332209869579};
        CHECK_OK(sg_function_call(predict, (const sg_tensor *const *)&data_x, 1, results, 1));
        CHECK_TENSOR(results[0], SHAPE_Y, 1, predict3, 1e-11);
        sg_tensor_free(results[0]);
    }

    /* The value tensors given to sg_tensor_new_shared are not changed. */
    CHECK_TENSOR(vW, SHAPE_W, 2, W0, 0);
    CHECK_CLOSE(item(vb2), B20, 0);

    /* set_value puts the chapter's values back; predict agrees again. */
    CHECK_OK(sg_tensor_set_value(W, vW));
    CHECK_OK(sg_tensor_set_value(b, vb));
    CHECK_OK(sg_tensor_set_value(W2, vW2));
    CHECK_OK(sg_tensor_set_value(b2, vb2));
    CHECK_OK(sg_function_call(predict, (const sg_tensor *const *)&data_x, 1, results, 1));
    CHECK_TENSOR(results[0], SHAPE_Y, 1, predict_expected, TOL);
    sg_tensor_free(results[0]);

    sg_function_free(h_function);
    sg_function_free(predict);
    sg_function_free(train);
    sg_function_free(gradients);
    for (i = 0; i < 4; i++) {
        sg_tensor_free(grads[i]);
        sg_tensor_free(steps[i]);
        sg_tensor_free(new_values[i]);
    }
    {
        sg_tensor *frees[] = {x, y, vW, vb, vW2, vb2, W, b, W2, b2, h, y_pred, sq,
                              cost, lr, data_x, data_y, x10};
        for (i = 0; i < (int)(sizeof frees / sizeof frees[0]); i++) sg_tensor_free(frees[i]);
    }
}

int main(void) {
    CHECK(sg_abi_version() == SG_ABI_VERSION);
    CHECK(sg_version() != NULL && sg_version()[0] != '\0');
    CHECK(sg_last_error() != NULL && strcmp(sg_last_error(), "") == 0);
    test_eager();
    test_symbolic_grad();
    test_theano_listing();
    return CHECK_DONE();
}
