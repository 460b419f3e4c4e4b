/*
 * seed_xor.c: the chapter's Theano listing, written against swiftgrad's C
 * interface. A 2-2-1 sigmoid network, built as a symbolic graph, learns XOR
 * by gradient descent in a compiled train function.
 *
 *   cc -std=c99 -Iinclude examples/c/seed_xor.c -L.build/release -lswiftgrad \
 *      -Wl,-rpath,$PWD/.build/release -o seed_xor && ./seed_xor
 */
#include <stdio.h>
#include <stdlib.h>

#include "swiftgrad.h"

/* Every call returns a status; on failure, say which call and why. */
#define CHECK(call)                                                          \
    do {                                                                     \
        if ((call) != SG_OK) {                                               \
            fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__,    \
                    #call, sg_last_error());                                 \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

/* The chapter uses 0.1, which needs about 4000 steps; 1.0 needs about 400. */
#define LEARNING_RATE 1.0
#define MAX_STEPS 10000

/* A float64 tensor holding a copy of `values` (row-major). */
static sg_tensor *array(const double *values, const int64_t *shape, size_t ndim) {
    sg_tensor *t;
    CHECK(sg_tensor_from_data(values, shape, ndim, SG_DTYPE_FLOAT64, &t));
    return t;
}

/* A shared variable (theano.shared) starting at `values`. */
static sg_tensor *shared(const char *name, const double *values, const int64_t *shape, size_t ndim) {
    sg_tensor *value = array(values, shape, ndim), *variable;
    CHECK(sg_tensor_new_shared(value, name, &variable));
    sg_tensor_free(value); /* the variable keeps its own reference */
    return variable;
}

/* sigmoid(dot(a, w) + b) */
static sg_tensor *layer(const sg_tensor *a, const sg_tensor *w, const sg_tensor *b) {
    sg_tensor *z, *zb, *y;
    CHECK(sg_dot(a, w, &z));
    CHECK(sg_binary(SG_BINARY_ADD, z, b, &zb));
    CHECK(sg_unary(SG_UNARY_SIGMOID, zb, &y));
    sg_tensor_free(z);
    sg_tensor_free(zb);
    return y;
}

static void print_predictions(const char *label, const sg_tensor *predictions, const sg_tensor *cost) {
    double y[4], c;
    CHECK(sg_tensor_copy_data(predictions, y, sizeof y));
    CHECK(sg_tensor_item(cost, &c));
    printf("%s\n  predictions [%.8f, %.8f, %.8f, %.8f]\n  cost %.8f\n", label, y[0], y[1], y[2], y[3], c);
}

int main(void) {
    /* The data: XOR of two bits. */
    static const double data_x[] = {0, 0, 0, 1, 1, 0, 1, 1}, data_y[] = {0, 1, 1, 0};
    static const int64_t shape_x[] = {4, 2}, shape_y[] = {4};
    /* The chapter's starting parameters. */
    static const double w[] = {3, 2, 4, 3}, b[] = {-2, -4}, w2[] = {5, -5}, b2[] = {-2};
    static const int64_t shape_w[] = {2, 2}, shape_b[] = {2};
    /* Placeholders: x is a float64 matrix with any number of rows, y a vector. */
    static const int64_t any_by_2[] = {-1, 2}, any[] = {-1};

    sg_tensor *x, *y, *params[4], *grads[4], *new_values[4];
    sg_tensor *h, *y_pred, *error, *two, *squared, *cost, *rate;
    sg_tensor *inputs_x, *inputs_y, *results[2];
    sg_function *train;
    int i, step;

    CHECK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, any_by_2, 2, "x", &x));
    CHECK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, any, 1, "y", &y));
    params[0] = shared("W", w, shape_w, 2);
    params[1] = shared("b", b, shape_b, 1);
    params[2] = shared("W2", w2, shape_b, 1);
    params[3] = shared("b2", b2, NULL, 0);

    /* y_pred = sigmoid(dot(sigmoid(dot(x, W) + b), W2) + b2) */
    h = layer(x, params[0], params[1]);
    y_pred = layer(h, params[2], params[3]);

    /* cost = mean((y - y_pred)^2) */
    CHECK(sg_binary(SG_BINARY_SUB, y, y_pred, &error));
    CHECK(sg_tensor_from_scalar(2, SG_DTYPE_FLOAT64, &two));
    CHECK(sg_binary(SG_BINARY_POW, error, two, &squared));
    CHECK(sg_mean(squared, NULL, 0, false, &cost));

    /* gW, gb, gW2, gb2 = grad(cost, [W, b, W2, b2]); each p <- p - rate * gp */
    CHECK(sg_grad(cost, (const sg_tensor *const *)params, 4, grads));
    CHECK(sg_tensor_from_scalar(LEARNING_RATE, SG_DTYPE_FLOAT64, &rate));
    for (i = 0; i < 4; i++) {
        sg_tensor *step_size;
        CHECK(sg_binary(SG_BINARY_MUL, rate, grads[i], &step_size));
        CHECK(sg_binary(SG_BINARY_SUB, params[i], step_size, &new_values[i]));
        sg_tensor_free(step_size);
    }

    /* train = function(inputs=[x, y], outputs=[y_pred, cost], updates=...) */
    {
        const sg_tensor *inputs[2], *outputs[2];
        inputs[0] = x;
        inputs[1] = y;
        outputs[0] = y_pred;
        outputs[1] = cost;
        CHECK(sg_function_new(inputs, 2, outputs, 2, (const sg_tensor *const *)params,
                              (const sg_tensor *const *)new_values, 4, &train));
    }

    /* Train on the four examples until every prediction is within 0.1 of
     * its target (rounding alone would stop at once: the chapter's starting
     * weights already round to [0, 1, 1, 0]). Each call returns what it
     * computed before its update. */
    inputs_x = array(data_x, shape_x, 2);
    inputs_y = array(data_y, shape_y, 1);
    for (step = 0; step < MAX_STEPS; step++) {
        const sg_tensor *args[2];
        double p[4];
        int done = 1;
        args[0] = inputs_x;
        args[1] = inputs_y;
        CHECK(sg_function_call(train, args, 2, results, 2));
        if (step == 0) print_predictions("first train call:", results[0], results[1]);
        CHECK(sg_tensor_copy_data(results[0], p, sizeof p));
        for (i = 0; i < 4; i++)
            if (p[i] - data_y[i] > 0.1 || data_y[i] - p[i] > 0.1) done = 0;
        if (done) {
            char label[64];
            sprintf(label, "after %d updates (learning rate %.1f):", step, LEARNING_RATE);
            print_predictions(label, results[0], results[1]);
            printf("  rounded [%.0f, %.0f, %.0f, %.0f]\n", p[0], p[1], p[2], p[3]);
        }
        sg_tensor_free(results[0]);
        sg_tensor_free(results[1]);
        if (done) break;
    }

    /* Free everything: one free per new. */
    sg_function_free(train);
    for (i = 0; i < 4; i++) {
        sg_tensor_free(params[i]);
        sg_tensor_free(grads[i]);
        sg_tensor_free(new_values[i]);
    }
    sg_tensor_free(x);
    sg_tensor_free(y);
    sg_tensor_free(h);
    sg_tensor_free(y_pred);
    sg_tensor_free(error);
    sg_tensor_free(two);
    sg_tensor_free(squared);
    sg_tensor_free(cost);
    sg_tensor_free(rate);
    sg_tensor_free(inputs_x);
    sg_tensor_free(inputs_y);

    if (step == MAX_STEPS) {
        fprintf(stderr, "XOR not learned in %d steps\n", MAX_STEPS);
        return 1;
    }
    return 0;
}
