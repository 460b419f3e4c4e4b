/*
 * test_theano.c: what Theano's API stands on, from C. Loops (sg_scan): a
 * running product r_t = r_{t-1} * x_t compiled into a function with its
 * gradient, the same loop eagerly, bad loops refused with messages. Random
 * streams: a draw over a shared (seed, counter) state that a default
 * update advances (sg_random_draw, sg_tensor_set_default_update,
 * sg_function_new_v2).
 */
#include "check.h"

static const double XS[] = {2, -1, 0.5, 3};
static const int64_t SHAPE_4[] = {4};

/* The loop over `x` from `initial`; returns the stacked products. */
static sg_tensor *running_product(const sg_tensor *x, const sg_tensor *initial) {
    sg_tensor *slice = NULL, *state = NULL, *next = NULL, *out = NULL;
    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, NULL, 0, "x_t", &slice));
    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, NULL, 0, "r", &state));
    CHECK_OK(sg_binary(SG_BINARY_MUL, state, slice, &next));
    const sg_tensor *sequences[] = {x}, *slices[] = {slice};
    const sg_tensor *initials[] = {initial}, *states[] = {state}, *outputs[] = {next};
    CHECK_OK(sg_scan(sequences, slices, 1, initials, states, 1, outputs, NULL, 1, NULL, -1, &out));
    sg_tensor_free(slice);
    sg_tensor_free(state);
    sg_tensor_free(next);
    return out;
}

static void test_compiled_loop_and_gradient(void) {
    int64_t open[] = {-1};
    sg_tensor *x = NULL, *products = NULL, *total = NULL, *grad = NULL, *one = scalar64(1);
    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, open, 1, "x", &x));
    products = running_product(x, one);
    CHECK_OK(sg_sum(products, NULL, 0, false, &total));
    const sg_tensor *wrt[] = {x};
    CHECK_OK(sg_grad(total, wrt, 1, &grad));
    const sg_tensor *inputs[] = {x}, *outputs[] = {products, grad};
    sg_function *f = NULL;
    CHECK_OK(sg_function_new(inputs, 1, outputs, 2, NULL, NULL, 0, &f));

    sg_tensor *data = tensor64(XS, SHAPE_4, 1), *results[2] = {NULL, NULL};
    const sg_tensor *args[] = {data};
    CHECK_OK(sg_function_call(f, args, 1, results, 2));
    double values[4], gradient[4], expected[4], running = 1;
    CHECK(tensor_values(results[0], values, 4) == 4);
    CHECK(tensor_values(results[1], gradient, 4) == 4);
    for (int t = 0; t < 4; t++) {
        running *= XS[t];
        CHECK_CLOSE(values[t], running, 1e-15);
    }
    /* d/dx_i of sum_t prod_{s<=t} x_s = sum_{t>=i} prod_{s<=t, s!=i} x_s */
    for (int i = 0; i < 4; i++) {
        expected[i] = 0;
        for (int t = i; t < 4; t++) {
            double p = 1;
            for (int s = 0; s <= t; s++)
                if (s != i) p *= XS[s];
            expected[i] += p;
        }
        CHECK_CLOSE(gradient[i], expected[i], 1e-14);
    }
    sg_tensor_free(results[0]);
    sg_tensor_free(results[1]);
    sg_tensor_free(data);
    sg_function_free(f);
    sg_tensor_free(grad);
    sg_tensor_free(total);
    sg_tensor_free(products);
    sg_tensor_free(x);
    sg_tensor_free(one);
}

static void test_eager_loop(void) {
    sg_tensor *x = tensor64(XS, SHAPE_4, 1), *one = scalar64(1);
    sg_tensor *products = running_product(x, one);
    double values[4];
    CHECK(tensor_values(products, values, 4) == 4);
    CHECK_CLOSE(values[3], 2 * -1 * 0.5 * 3, 1e-15);
    sg_tensor_free(products);
    sg_tensor_free(x);
    sg_tensor_free(one);
}

static void test_bad_loops(void) {
    sg_tensor *slice = NULL, *state = NULL, *cast = NULL, *out = NULL;
    sg_tensor *x = tensor64(XS, SHAPE_4, 1), *zero = scalar64(0);
    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, NULL, 0, NULL, &slice));
    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, NULL, 0, NULL, &state));
    CHECK_OK(sg_astype(state, SG_DTYPE_FLOAT32, &cast));
    const sg_tensor *sequences[] = {x}, *slices[] = {slice};
    const sg_tensor *initials[] = {zero}, *states[] = {state}, *outputs[] = {cast};
    CHECK_STATUS(sg_scan(sequences, slices, 1, initials, states, 1, outputs, NULL, 1, NULL, -1, &out),
                 SG_ERROR_TYPE);
    CHECK_ERROR_HAS("[scan] output 0 of the step function is float32");
    CHECK(out == NULL);
    CHECK_STATUS(sg_scan(NULL, NULL, 0, initials, states, 1, outputs, NULL, 1, NULL, -1, &out),
                 SG_ERROR_VALUE);
    CHECK_ERROR_HAS("sequences or a number of steps");
    CHECK_STATUS(sg_scan(sequences, slices, 1, initials, states, 1, outputs, NULL, 1, NULL, 0, &out),
                 SG_ERROR_VALUE);
    CHECK_ERROR_HAS("truncate_gradient");
    CHECK_STATUS(sg_scan(sequences, NULL, 1, initials, states, 1, outputs, NULL, 1, NULL, -1, &out),
                 SG_ERROR_NULL);
    sg_tensor_free(slice);
    sg_tensor_free(state);
    sg_tensor_free(cast);
    sg_tensor_free(x);
    sg_tensor_free(zero);
}

static void test_random_stream(void) {
    static const uint64_t initial[] = {42, 0}, step[] = {0, 3};
    static const int64_t two[] = {2}, three[] = {3};
    sg_tensor *value = NULL, *state = NULL, *draw = NULL, *increment = NULL, *next = NULL;
    CHECK_OK(sg_tensor_from_data(initial, two, 1, SG_DTYPE_UINT64, &value));
    CHECK_OK(sg_tensor_new_shared(value, "state", &state));
    CHECK_OK(sg_random_draw(SG_DRAW_UNIFORM, state, -1, 1, three, 1, SG_DTYPE_FLOAT64, &draw));
    CHECK_OK(sg_tensor_from_data(step, two, 1, SG_DTYPE_UINT64, &increment));
    CHECK_OK(sg_binary(SG_BINARY_ADD, state, increment, &next));
    CHECK_OK(sg_tensor_set_default_update(state, next));

    const sg_tensor *outputs[] = {draw};
    sg_function *advancing = NULL, *fixed = NULL;
    CHECK_OK(sg_function_new(NULL, 0, outputs, 1, NULL, NULL, 0, &advancing));
    CHECK_OK(sg_function_new_v2(NULL, 0, outputs, 1, NULL, NULL, 0, NULL, NULL, 0,
                                SG_FUNCTION_NO_DEFAULT_UPDATES, &fixed));
    /* The stream of sg_random_uniform(42, counter): 0, then 3. */
    for (uint64_t counter = 0; counter <= 3; counter += 3) {
        sg_tensor *got = NULL, *want = NULL;
        double g[3], w[3];
        CHECK_OK(sg_function_call(advancing, NULL, 0, &got, 1));
        CHECK_OK(sg_random_uniform(42, counter, -1, 1, three, 1, SG_DTYPE_FLOAT64, &want));
        CHECK(tensor_values(got, g, 3) == 3 && tensor_values(want, w, 3) == 3);
        for (int i = 0; i < 3; i++) CHECK_CLOSE(g[i], w[i], 0);
        sg_tensor_free(got);
        sg_tensor_free(want);
    }
    sg_tensor *a = NULL, *b = NULL;
    double av[3], bv[3];
    CHECK_OK(sg_function_call(fixed, NULL, 0, &a, 1));
    CHECK_OK(sg_function_call(fixed, NULL, 0, &b, 1));
    CHECK(tensor_values(a, av, 3) == 3 && tensor_values(b, bv, 3) == 3);
    CHECK(memcmp(av, bv, sizeof av) == 0);

    CHECK_STATUS(sg_tensor_set_default_update(draw, next), SG_ERROR_TYPE);
    CHECK_ERROR_HAS("only shared variables");
    CHECK_STATUS(sg_random_draw(SG_DRAW_UNIFORM, draw, 0, 1, three, 1, SG_DTYPE_FLOAT64, &b), SG_ERROR_TYPE);
    CHECK_ERROR_HAS("uint64");
    CHECK_STATUS(sg_random_draw((sg_distribution)9, state, 0, 1, three, 1, SG_DTYPE_FLOAT64, &b), SG_ERROR_VALUE);
    CHECK_STATUS(sg_function_new_v2(NULL, 0, outputs, 1, NULL, NULL, 0, NULL, NULL, 0, 8, &fixed), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("unknown flags");
    CHECK_OK(sg_tensor_set_default_update(state, NULL));
    sg_tensor_free(a);
    sg_tensor_free(b);
    sg_function_free(advancing);
    sg_function_free(fixed);
    sg_tensor_free(value);
    sg_tensor_free(state);
    sg_tensor_free(draw);
    sg_tensor_free(increment);
    sg_tensor_free(next);
}

int main(void) {
    test_compiled_loop_and_gradient();
    test_eager_loop();
    test_bad_loops();
    test_random_stream();
    return CHECK_DONE();
}
