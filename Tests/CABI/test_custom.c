/*
 * test_custom.c: custom operations defined by callbacks, gradient hooks,
 * retain_grad, backward with SG_BACKWARD_CREATE_GRAPH and sg_gradcheck.
 * Values and gradients against analytic ones; callbacks that misbehave
 * (no output, failures, wrong shapes and dtypes) give errors naming the
 * op, leak nothing, and leave the tensors usable.
 */
#include "check.h"

static const double X3[] = {1, -2, 0.5};
static const int64_t S3[] = {3}, S2[] = {2};

static double sum_of(const sg_tensor *t) {
    sg_tensor *s = NULL;
    double v = 0;
    CHECK_OK(sg_sum(t, NULL, 0, false, &s));
    CHECK_OK(sg_tensor_item(s, &v));
    sg_tensor_free(s);
    return v;
}

static sg_tensor *sum_all(const sg_tensor *t) {
    sg_tensor *s = NULL;
    CHECK_OK(sg_sum(t, NULL, 0, false, &s));
    return s;
}

/* user_data of the ops: counts calls and its own destruction. */
typedef struct {
    int forwards, vjps, destroyed;
    double factor; /* the vjp's factor: 3 is right for the cube, 6 wrong */
} counts;

static void destroy_counts(void *data) { ((counts *)data)->destroyed++; }

/* cube: x * x * x, with swiftgrad operations (so it also traces). */
static sg_status cube_forward(void *data, const sg_tensor *const *in, size_t n,
                              sg_tensor **out) {
    sg_tensor *sq = NULL;
    sg_status s;
    ((counts *)data)->forwards++;
    if (n != 1) {
        sg_callback_error("cube takes one input");
        return SG_ERROR_TYPE;
    }
    s = sg_binary(SG_BINARY_MULTIPLY, in[0], in[0], &sq);
    if (s == SG_OK) s = sg_binary(SG_BINARY_MULTIPLY, sq, in[0], out);
    sg_tensor_free(sq);
    return s;
}

/* factor * x² * g, in operations, so it differentiates again. */
static sg_status cube_vjp(void *data, const sg_tensor *const *in, size_t n,
                          const sg_tensor *output, const sg_tensor *g,
                          sg_tensor **grads) {
    counts *c = data;
    sg_tensor *sq = NULL, *k = NULL, *t = NULL;
    sg_status s;
    (void)n;
    (void)output;
    c->vjps++;
    s = sg_binary(SG_BINARY_MULTIPLY, in[0], in[0], &sq);
    if (s == SG_OK) s = sg_tensor_from_scalar(c->factor, SG_DTYPE_FLOAT64, &k);
    if (s == SG_OK) s = sg_binary(SG_BINARY_MULTIPLY, sq, k, &t);
    if (s == SG_OK) s = sg_binary(SG_BINARY_MULTIPLY, t, g, &grads[0]);
    sg_tensor_free(sq);
    sg_tensor_free(k);
    sg_tensor_free(t);
    return s;
}

static void test_eager_values_gradients_and_second_order(void) {
    counts c = {0, 0, 0, 3};
    sg_custom_op *cube = NULL;
    sg_tensor *x = tensor64(X3, S3, 1), *y = NULL, *cost = NULL, *g = NULL;
    sg_tensor *gsum = NULL, *gg = NULL;
    const double y_expected[] = {1, -8, 0.125}, g_expected[] = {3, 12, 0.75};
    const double gg_expected[] = {6, -12, 3};
    char name[32];
    size_t length = 0;

    CHECK_OK(sg_custom_op_new("cube", cube_forward, cube_vjp, &c, destroy_counts, &cube));
    CHECK_OK(sg_tensor_set_requires_grad(x, true));
    CHECK_OK(sg_custom_op_apply(cube, (const sg_tensor *const *)&x, 1, &y));
    CHECK_TENSOR(y, S3, 1, y_expected, 1e-15);
    CHECK_OK(sg_tensor_op_name(y, name, sizeof name, &length));
    CHECK(strcmp(name, "cube") == 0);
    cost = sum_all(y);
    CHECK_OK(sg_tensor_backward(cost, NULL));
    CHECK_OK(sg_tensor_grad(x, &g));
    CHECK_TENSOR(g, S3, 1, g_expected, 1e-15);
    CHECK(c.forwards == 1 && c.vjps == 1);
    sg_tensor_free(g);

    /* d/dx sum(3x²) = 6x, through the vjp's own graph. */
    CHECK_OK(sg_gradients(cost, (const sg_tensor *const *)&x, 1, SG_GRAD_CREATE_GRAPH, &g));
    gsum = sum_all(g);
    CHECK_OK(sg_grad(gsum, (const sg_tensor *const *)&x, 1, &gg));
    CHECK_TENSOR(gg, S3, 1, gg_expected, 1e-14);

    /* The op lives while a graph records it; then user_data is destroyed once. */
    sg_custom_op_free(cube);
    sg_custom_op_free(NULL);
    CHECK(c.destroyed == 0);
    sg_tensor_free(gg);
    sg_tensor_free(gsum);
    sg_tensor_free(g);
    sg_tensor_free(cost);
    sg_tensor_free(y);
    CHECK(c.destroyed == 1);
    sg_tensor_free(x);
}

static void test_symbolic_graphs_and_compiled_functions(void) {
    counts c = {0, 0, 0, 3};
    sg_custom_op *cube = NULL;
    sg_tensor *x = NULL, *y = NULL, *cost = NULL, *g = NULL, *arg = NULL;
    sg_tensor *results[2] = {NULL, NULL};
    sg_function *f = NULL;
    const int64_t open[] = {-1};
    const double args[] = {1, 2}, g_expected[] = {3, 12}, cost_expected[] = {9};
    const sg_tensor *outputs[2];
    sg_kind kind;

    CHECK_OK(sg_custom_op_new("cube", cube_forward, cube_vjp, &c, destroy_counts, &cube));
    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, open, 1, "x", &x));
    CHECK_OK(sg_custom_op_apply(cube, (const sg_tensor *const *)&x, 1, &y));
    CHECK_OK(sg_tensor_kind(y, &kind));
    CHECK(kind == SG_KIND_SYMBOLIC);
    cost = sum_all(y);
    CHECK_OK(sg_grad(cost, (const sg_tensor *const *)&x, 1, &g));
    outputs[0] = cost;
    outputs[1] = g;
    CHECK_OK(sg_function_new((const sg_tensor *const *)&x, 1, outputs, 2, NULL, NULL, 0, &f));
    arg = tensor64(args, S2, 1);
    CHECK_OK(sg_function_call(f, (const sg_tensor *const *)&arg, 1, results, 2));
    CHECK_TENSOR(results[0], NULL, 0, cost_expected, 1e-15);
    CHECK_TENSOR(results[1], S2, 1, g_expected, 1e-15);
    sg_tensor_free(results[0]);
    sg_tensor_free(results[1]);
    sg_function_free(f);
    sg_tensor_free(arg);
    sg_tensor_free(g);
    sg_tensor_free(cost);
    sg_tensor_free(y);
    sg_tensor_free(x);
    sg_custom_op_free(cube);
    CHECK(c.destroyed == 1);
}

/* Forwards and vjps that break the rules. */
static sg_status forward_nothing(void *data, const sg_tensor *const *in, size_t n,
                                 sg_tensor **out) {
    (void)data, (void)in, (void)n, (void)out;
    return SG_OK;
}

static sg_status forward_fails(void *data, const sg_tensor *const *in, size_t n,
                               sg_tensor **out) {
    (void)data, (void)in, (void)n;
    /* A half-made result is still the library's to free. */
    CHECK_OK(sg_tensor_from_scalar(1, SG_DTYPE_FLOAT64, out));
    sg_callback_error("the input was not to my liking");
    return SG_ERROR_VALUE;
}

static sg_status forward_identity(void *data, const sg_tensor *const *in, size_t n,
                                  sg_tensor **out) {
    (void)data, (void)n;
    return sg_tensor_retain(in[0], out);
}

static sg_status forward_symbolic(void *data, const sg_tensor *const *in, size_t n,
                                  sg_tensor **out) {
    (void)data, (void)in, (void)n;
    return sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, NULL, 0, "p", out);
}

static sg_status forward_silent_failure(void *data, const sg_tensor *const *in, size_t n,
                                        sg_tensor **out) {
    (void)data, (void)in, (void)n, (void)out;
    return SG_ERROR_VALUE;
}

static sg_status vjp_scalar(void *data, const sg_tensor *const *in, size_t n,
                            const sg_tensor *output, const sg_tensor *g,
                            sg_tensor **grads) {
    (void)data, (void)in, (void)n, (void)output;
    return sg_sum(g, NULL, 0, false, &grads[0]);
}

static sg_status vjp_integer(void *data, const sg_tensor *const *in, size_t n,
                             const sg_tensor *output, const sg_tensor *g,
                             sg_tensor **grads) {
    (void)data, (void)in, (void)n, (void)output;
    return sg_astype(g, SG_DTYPE_INT64, &grads[0]);
}

static sg_status vjp_fails(void *data, const sg_tensor *const *in, size_t n,
                           const sg_tensor *output, const sg_tensor *g,
                           sg_tensor **grads) {
    sg_tensor *bad = NULL;
    const int64_t axis = 5;
    (void)data, (void)in, (void)n, (void)output;
    CHECK_OK(sg_tensor_retain(g, &grads[0]));
    /* A failed call inside leaves its own message. */
    return sg_sum(g, &axis, 1, false, &bad);
}

static void expect_backward_fails(const char *name, sg_tensor_fn forward, sg_vjp_fn vjp,
                                  sg_status status, const char *text1, const char *text2) {
    sg_custom_op *op = NULL;
    sg_tensor *x = tensor64(X3, S3, 1), *y = NULL, *cost = NULL, *g = NULL;
    const double g_expected[] = {1, 1, 1};
    CHECK_OK(sg_custom_op_new(name, forward, vjp, NULL, NULL, &op));
    CHECK_OK(sg_tensor_set_requires_grad(x, true));
    CHECK_OK(sg_custom_op_apply(op, (const sg_tensor *const *)&x, 1, &y));
    cost = sum_all(y);
    CHECK_STATUS(sg_tensor_backward(cost, NULL), status);
    CHECK_ERROR_HAS(name);
    CHECK_ERROR_HAS(text1);
    CHECK_ERROR_HAS(text2);
    /* Nothing was accumulated, and the graph still works without the op. */
    CHECK_OK(sg_tensor_grad(x, &g));
    CHECK(g == NULL);
    sg_tensor_free(cost);
    cost = sum_all(x);
    CHECK_OK(sg_tensor_backward(cost, NULL));
    CHECK_OK(sg_tensor_grad(x, &g));
    CHECK_TENSOR(g, S3, 1, g_expected, 0);
    sg_tensor_free(g);
    sg_tensor_free(cost);
    sg_tensor_free(y);
    sg_tensor_free(x);
    sg_custom_op_free(op);
}

static void test_misbehaving_callbacks(void) {
    counts c = {0, 0, 0, 3};
    sg_custom_op *op = NULL;
    sg_tensor *x = tensor64(X3, S3, 1), *y = NULL;

    CHECK_STATUS(sg_custom_op_new(NULL, cube_forward, NULL, &c, destroy_counts, &op), SG_ERROR_NULL);
    CHECK_STATUS(sg_custom_op_new("f", NULL, NULL, &c, destroy_counts, &op), SG_ERROR_NULL);
    CHECK_STATUS(sg_custom_op_new("", cube_forward, NULL, &c, destroy_counts, &op), SG_ERROR_VALUE);
    CHECK_STATUS(sg_custom_op_new("f", cube_forward, NULL, &c, destroy_counts, NULL), SG_ERROR_NULL);
    CHECK(op == NULL && c.destroyed == 0); /* on failure user_data stays ours */

    CHECK_OK(sg_custom_op_new("nothing", forward_nothing, NULL, NULL, NULL, &op));
    CHECK_STATUS(sg_custom_op_apply(op, (const sg_tensor *const *)&x, 1, &y), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("[nothing] the forward callback returned SG_OK without writing a tensor");
    CHECK(y == NULL);
    CHECK_STATUS(sg_custom_op_apply(NULL, (const sg_tensor *const *)&x, 1, &y), SG_ERROR_NULL);
    CHECK_STATUS(sg_custom_op_apply(op, NULL, 1, &y), SG_ERROR_NULL);
    sg_custom_op_free(op);

    CHECK_OK(sg_custom_op_new("picky", forward_fails, NULL, NULL, NULL, &op));
    CHECK_STATUS(sg_custom_op_apply(op, (const sg_tensor *const *)&x, 1, &y), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("[picky] the forward callback failed with status 1: the input was not to my liking");
    sg_custom_op_free(op);

    CHECK_OK(sg_custom_op_new("symbolic", forward_symbolic, NULL, NULL, NULL, &op));
    CHECK_STATUS(sg_custom_op_apply(op, (const sg_tensor *const *)&x, 1, &y), SG_ERROR_TYPE);
    CHECK_ERROR_HAS("[symbolic] the custom op's forward returned a float64 placeholder");
    sg_custom_op_free(op);

    /* A failing callback that says nothing gets no stale message, and a
     * successful one leaves the last error (and the pointer to it) alone. */
    {
        const char *kept;
        CHECK_STATUS(sg_custom_op_apply(NULL, (const sg_tensor *const *)&x, 1, &y), SG_ERROR_NULL);
        kept = sg_last_error();
        CHECK_OK(sg_custom_op_new("cube", cube_forward, cube_vjp, &c, destroy_counts, &op));
        CHECK_OK(sg_custom_op_apply(op, (const sg_tensor *const *)&x, 1, &y));
        CHECK(strcmp(kept, "[sg_custom_op_apply] op is NULL") == 0);
        CHECK(kept == sg_last_error());
        sg_tensor_free(y);
        y = NULL;
        sg_custom_op_free(op);
        CHECK_OK(sg_custom_op_new("silent", forward_silent_failure, NULL, NULL, NULL, &op));
        CHECK_STATUS(sg_custom_op_apply(op, (const sg_tensor *const *)&x, 1, &y), SG_ERROR_VALUE);
        CHECK(strcmp(sg_last_error(), "[silent] the forward callback failed with status 1") == 0);
        sg_custom_op_free(op);
    }

    /* Too many inputs: the callback's own error. */
    CHECK_OK(sg_custom_op_new("cube", cube_forward, cube_vjp, &c, destroy_counts, &op));
    {
        const sg_tensor *two[2];
        two[0] = x;
        two[1] = x;
        CHECK_STATUS(sg_custom_op_apply(op, two, 2, &y), SG_ERROR_TYPE);
        CHECK_ERROR_HAS("[cube] the forward callback failed with status 2: cube takes one input");
    }
    sg_custom_op_free(op);
    CHECK(c.destroyed == 2);

    expect_backward_fails("to_scalar", forward_identity, vjp_scalar, SG_ERROR_VALUE,
                          "gradient of shape ()", "input 0 of shape (3,)");
    expect_backward_fails("to_integer", forward_identity, vjp_integer, SG_ERROR_TYPE,
                          "int64 gradient", "float64");
    expect_backward_fails("failing_vjp", forward_identity, vjp_fails, SG_ERROR_INDEX,
                          "the vjp callback failed with status 3", "[sum] axis 5");
    expect_backward_fails("no_vjp", forward_identity, NULL, SG_ERROR_TYPE, "no vjp", "differentiated");
    sg_tensor_free(x);
}

/* A hook that doubles the gradient and records what it saw. */
static double hook_seen[3];
static sg_status double_it(void *data, const sg_tensor *g, sg_tensor **replacement) {
    sg_tensor *two = NULL;
    sg_status s;
    ((counts *)data)->forwards++;
    tensor_values(g, hook_seen, 3);
    s = sg_tensor_from_scalar(2, SG_DTYPE_FLOAT64, &two);
    if (s == SG_OK) s = sg_binary(SG_BINARY_MULTIPLY, g, two, replacement);
    sg_tensor_free(two);
    return s;
}

static sg_status wrong_shape_hook(void *data, const sg_tensor *g, sg_tensor **replacement) {
    (void)data, (void)g;
    return sg_tensor_from_scalar(2, SG_DTYPE_FLOAT64, replacement);
}

static void test_hooks_retain_grad_and_create_graph(void) {
    counts c = {0, 0, 0, 0};
    sg_tensor *x = tensor64(X3, S3, 1), *three = scalar64(3), *y = NULL, *yy = NULL;
    sg_tensor *cost = NULL, *g = NULL, *gsum = NULL;
    int64_t id = -1, id2 = -1;
    bool retains = true;
    const double y_grad[] = {12, -24, 6}, x_grad[] = {36, -72, 18};
    const double x_grad_plain[] = {18, -36, 9}, seen[] = {6, -12, 3};
    const double cube_grad[] = {3, 12, 0.75}, cube_grad_grad[] = {6, -12, 3};

    CHECK_OK(sg_tensor_set_requires_grad(x, true));
    CHECK_OK(sg_binary(SG_BINARY_MULTIPLY, x, three, &y));
    CHECK_OK(sg_tensor_retains_grad(y, &retains));
    CHECK(!retains);
    CHECK_OK(sg_tensor_retain_grad(y));
    CHECK_OK(sg_tensor_retains_grad(y, &retains));
    CHECK(retains);
    CHECK_OK(sg_tensor_register_hook(y, double_it, &c, destroy_counts, &id));
    CHECK_OK(sg_binary(SG_BINARY_MULTIPLY, y, y, &yy));
    cost = sum_all(yy);
    CHECK_OK(sg_tensor_backward(cost, NULL));
    CHECK(c.forwards == 1);
    CHECK_CLOSE(hook_seen[0], seen[0], 0);
    CHECK_CLOSE(hook_seen[1], seen[1], 0);
    CHECK_OK(sg_tensor_grad(y, &g));
    CHECK_TENSOR(g, S3, 1, y_grad, 1e-15);
    sg_tensor_free(g);
    CHECK_OK(sg_tensor_grad(x, &g));
    CHECK_TENSOR(g, S3, 1, x_grad, 1e-15);
    sg_tensor_free(g);

    CHECK_OK(sg_tensor_remove_hook(y, id));
    CHECK(c.destroyed == 1);
    CHECK_STATUS(sg_tensor_remove_hook(y, id), SG_ERROR_VALUE);
    CHECK_OK(sg_tensor_set_grad(x, NULL));
    CHECK_OK(sg_tensor_backward(cost, NULL));
    CHECK_OK(sg_tensor_grad(x, &g));
    CHECK_TENSOR(g, S3, 1, x_grad_plain, 1e-15);
    sg_tensor_free(g);

    CHECK_OK(sg_tensor_register_hook(y, wrong_shape_hook, NULL, NULL, &id2));
    CHECK_STATUS(sg_tensor_backward(cost, NULL), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("[hook]");
    CHECK_ERROR_HAS("shape ()");
    CHECK_STATUS(sg_tensor_register_hook(three, double_it, &c, destroy_counts, &id), SG_ERROR_VALUE);
    CHECK_STATUS(sg_tensor_register_hook(y, NULL, &c, destroy_counts, &id), SG_ERROR_NULL);
    CHECK_STATUS(sg_tensor_retain_grad(three), SG_ERROR_VALUE);
    CHECK(c.destroyed == 1);
    sg_tensor_free(cost);
    sg_tensor_free(yy);
    sg_tensor_free(y);

    /* backward with SG_BACKWARD_CREATE_GRAPH: the gradient differentiates again. */
    {
        counts k = {0, 0, 0, 3};
        sg_custom_op *cube = NULL;
        CHECK_OK(sg_custom_op_new("cube", cube_forward, cube_vjp, &k, destroy_counts, &cube));
        CHECK_OK(sg_tensor_set_grad(x, NULL));
        CHECK_OK(sg_custom_op_apply(cube, (const sg_tensor *const *)&x, 1, &y));
        cost = sum_all(y);
        CHECK_STATUS(sg_tensor_backward_v2(cost, NULL, 4), SG_ERROR_VALUE);
        CHECK_OK(sg_tensor_backward_v2(cost, NULL, SG_BACKWARD_CREATE_GRAPH));
        CHECK_OK(sg_tensor_grad(x, &g));
        CHECK_TENSOR(g, S3, 1, cube_grad, 1e-15);
        CHECK_OK(sg_tensor_set_grad(x, NULL)); /* breaks the leaf-graph cycle */
        gsum = sum_all(g);
        CHECK_OK(sg_tensor_backward(gsum, NULL));
        sg_tensor_free(g);
        CHECK_OK(sg_tensor_grad(x, &g));
        CHECK_TENSOR(g, S3, 1, cube_grad_grad, 1e-14);
        sg_tensor_free(g);
        sg_tensor_free(gsum);
        sg_tensor_free(cost);
        sg_tensor_free(y);
        sg_custom_op_free(cube);
        CHECK(k.destroyed == 1);
    }
    sg_tensor_free(three);
    sg_tensor_free(x);
}

/* gradcheck's function: sum(op(x)) for the op in user_data. */
static sg_status apply_op(void *data, const sg_tensor *const *in, size_t n, sg_tensor **out) {
    sg_tensor *y = NULL;
    sg_status s = sg_custom_op_apply(data, in, n, &y);
    if (s == SG_OK) s = sg_sum(y, NULL, 0, false, out);
    sg_tensor_free(y);
    return s;
}

static void test_gradcheck(void) {
    counts right = {0, 0, 0, 3}, wrong = {0, 0, 0, 6};
    sg_custom_op *cube = NULL, *bad = NULL;
    sg_tensor *x = tensor64(X3, S3, 1);
    sg_tensor *x32 = NULL;

    CHECK_OK(sg_custom_op_new("cube", cube_forward, cube_vjp, &right, destroy_counts, &cube));
    CHECK_OK(sg_custom_op_new("bad_cube", cube_forward, cube_vjp, &wrong, destroy_counts, &bad));
    CHECK_OK(sg_gradcheck(apply_op, cube, (const sg_tensor *const *)&x, 1, 1e-6, 1e-5, 1e-3,
                          SG_GRADCHECK_GRAD_GRAD));
    CHECK_STATUS(sg_gradcheck(apply_op, bad, (const sg_tensor *const *)&x, 1, 1e-6, 1e-5, 1e-3, 0),
                 SG_ERROR_VALUE);
    CHECK_ERROR_HAS("[gradcheck] ∂output[]/∂input 0[1] is 24.0 by the vjp but");
    CHECK_ERROR_HAS("3 of 3 entries differ");
    CHECK_STATUS(sg_gradcheck(apply_op, cube, (const sg_tensor *const *)&x, 1, 0, 1e-5, 1e-3, 0),
                 SG_ERROR_VALUE);
    CHECK_STATUS(sg_gradcheck(apply_op, cube, (const sg_tensor *const *)&x, 1, 1e-6, 1e-5, 1e-3, 8),
                 SG_ERROR_VALUE);
    CHECK_STATUS(sg_gradcheck(NULL, cube, (const sg_tensor *const *)&x, 1, 1e-6, 1e-5, 1e-3, 0),
                 SG_ERROR_NULL);
    CHECK_OK(sg_astype(x, SG_DTYPE_FLOAT32, &x32));
    CHECK_STATUS(sg_gradcheck(apply_op, cube, (const sg_tensor *const *)&x32, 1, 1e-6, 1e-5, 1e-3, 0),
                 SG_ERROR_TYPE);
    CHECK_ERROR_HAS("float64");
    /* The function's failure names the function. */
    CHECK_STATUS(sg_gradcheck(forward_nothing, NULL, (const sg_tensor *const *)&x, 1, 1e-6, 1e-5, 1e-3, 0),
                 SG_ERROR_VALUE);
    CHECK_ERROR_HAS("[gradcheck] the function callback returned SG_OK without writing a tensor");
    CHECK_CLOSE(sum_of(x), -0.5, 0); /* the inputs are left alone */
    sg_tensor_free(x32);
    sg_tensor_free(x);
    sg_custom_op_free(cube);
    sg_custom_op_free(bad);
    CHECK(right.destroyed == 1 && wrong.destroyed == 1);
}

int main(void) {
    test_eager_values_gradients_and_second_order();
    test_symbolic_graphs_and_compiled_functions();
    test_misbehaving_callbacks();
    test_hooks_retain_grad_and_create_graph();
    test_gradcheck();
    return CHECK_DONE();
}
