/*
 * test_threads.c: the library used from several threads at once.
 *
 * One compiled train step (the seed's XOR network, updating the shared
 * variables W, b, W2, b2) runs on NTHREADS threads. Calls that update the
 * same variables are serialized, so no update is lost: the costs the calls
 * return are exactly those of the sequential steps, each once, and the
 * final parameters are those after every call, as a reference copy of the
 * function computes them first. Meanwhile each thread builds and
 * differentiates eager graphs of its own. Then 8 threads each call a
 * counter's increment 1000 times: the counter ends at 8000.
 *
 * SG_THREAD_CALLS sets the calls per thread (default 200).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>

#include "check.h"

#define NTHREADS 4
#define NVALUES 9 /* W (2x2), b (2), W2 (2), b2 () */
#define TOL 1e-7

static const double W0[] = {3, 2, 4, 3}, B0[] = {-2, -4}, W20[] = {5, -5};
static const double B20 = -2;
static const int64_t SHAPE_W[] = {2, 2}, SHAPE_2[] = {2};
static const double DATA_X[] = {0, 0, 0, 1, 1, 0, 1, 1}, DATA_Y[] = {0, 1, 1, 0};
static const int64_t SHAPE_X[] = {4, 2}, SHAPE_Y[] = {4};

/* ------------------------------------------------ graph builders */

/* Failures in threads are noted, not fatal: the main thread reports them.
 * The builders return a new tensor, or NULL after a failed call; NULL
 * inputs give NULL (the failure was noted where it happened). */
typedef struct {
    int failures;
    char first[256]; /* the first failure */
} notes;

static int noted(notes *n, sg_status s, const char *what) {
    if (s == SG_OK) return 1;
    if (n->failures++ == 0) snprintf(n->first, sizeof n->first, "%s: %s", what, sg_last_error());
    return 0;
}

static sg_tensor *op2(notes *n, sg_binary_op op, const sg_tensor *a, const sg_tensor *b) {
    sg_tensor *t = NULL;
    if (a == NULL || b == NULL) return NULL;
    return noted(n, sg_binary(op, a, b, &t), sg_binary_op_name(op)) ? t : NULL;
}

/* sigmoid(a · w + b) */
static sg_tensor *layer(notes *n, const sg_tensor *a, const sg_tensor *w, const sg_tensor *b) {
    sg_tensor *z0 = NULL, *z, *y = NULL;
    if (a == NULL || w == NULL || b == NULL) return NULL;
    if (!noted(n, sg_dot(a, w, &z0), "dot")) z0 = NULL;
    z = op2(n, SG_BINARY_ADD, z0, b);
    if (z != NULL && !noted(n, sg_unary(SG_UNARY_SIGMOID, z, &y), "sigmoid")) y = NULL;
    sg_tensor_free(z0);
    sg_tensor_free(z);
    return y;
}

static sg_tensor *scalar(notes *n, double v) {
    sg_tensor *t = NULL;
    return noted(n, sg_tensor_from_scalar(v, SG_DTYPE_FLOAT64, &t), "from_scalar") ? t : NULL;
}

static sg_tensor *array(notes *n, const double *v, const int64_t *shape, size_t ndim) {
    sg_tensor *t = NULL;
    return noted(n, sg_tensor_from_data(v, shape, ndim, SG_DTYPE_FLOAT64, &t), "from_data") ? t : NULL;
}

/* ------------------------------------------------ the train step */

typedef struct {
    sg_tensor *shared[4];
    sg_function *train;
} model;

/* train(x, y) = mean((y - net(x))^2), updating each shared variable by
 * -0.1 times its gradient: the chapter's Theano listing. */
static void build_model(model *m) {
    static const int64_t open_x[] = {-1, 2}, open_y[] = {-1};
    notes n = {0, ""};
    sg_tensor *values[4], *x = NULL, *y = NULL, *h, *pred, *d, *sq, *cost = NULL;
    sg_tensor *two = scalar(&n, 2), *lr = scalar(&n, 0.1), *grads[4], *steps[4], *news[4];
    const sg_tensor *in[2], *out[1];
    int i;

    values[0] = array(&n, W0, SHAPE_W, 2);
    values[1] = array(&n, B0, SHAPE_2, 1);
    values[2] = array(&n, W20, SHAPE_2, 1);
    values[3] = scalar(&n, B20);
    for (i = 0; i < 4; i++) CHECK_OK(sg_tensor_new_shared(values[i], NULL, &m->shared[i]));
    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, open_x, 2, "x", &x));
    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, open_y, 1, "y", &y));
    h = layer(&n, x, m->shared[0], m->shared[1]);
    pred = layer(&n, h, m->shared[2], m->shared[3]);
    d = op2(&n, SG_BINARY_SUB, y, pred);
    sq = op2(&n, SG_BINARY_POW, d, two);
    if (n.failures) {
        fprintf(stderr, "building the model: %s\n", n.first);
        exit(1);
    }
    CHECK_OK(sg_mean(sq, NULL, 0, false, &cost));
    CHECK_OK(sg_grad(cost, (const sg_tensor *const *)m->shared, 4, grads));
    for (i = 0; i < 4; i++) {
        steps[i] = op2(&n, SG_BINARY_MUL, lr, grads[i]);
        news[i] = op2(&n, SG_BINARY_SUB, m->shared[i], steps[i]);
    }
    CHECK(n.failures == 0);
    in[0] = x;
    in[1] = y;
    out[0] = cost;
    CHECK_OK(sg_function_new(in, 2, out, 1, (const sg_tensor *const *)m->shared,
                             (const sg_tensor *const *)news, 4, &m->train));
    for (i = 0; i < 4; i++) {
        sg_tensor_free(values[i]);
        sg_tensor_free(grads[i]);
        sg_tensor_free(steps[i]);
        sg_tensor_free(news[i]);
    }
    {
        sg_tensor *frees[] = {x, y, h, pred, d, sq, cost, two, lr};
        for (i = 0; i < (int)(sizeof frees / sizeof frees[0]); i++) sg_tensor_free(frees[i]);
    }
}

static void free_model(model *m) {
    int i;
    sg_function_free(m->train);
    for (i = 0; i < 4; i++) sg_tensor_free(m->shared[i]);
}

/* The current W, b, W2, b2 in one array. */
static void read_state(const model *m, double *out) {
    static const size_t counts[] = {4, 2, 2, 1};
    int i;
    for (i = 0; i < 4; i++) {
        sg_tensor *v = NULL;
        CHECK_OK(sg_tensor_get_value(m->shared[i], &v));
        CHECK_OK(sg_tensor_copy_data(v, out, counts[i] * sizeof(double)));
        sg_tensor_free(v);
        out += counts[i];
    }
}

/* One call; the cost, or NaN after a failure (noted). */
static double train_step(notes *n, const model *m, const sg_tensor *x, const sg_tensor *y) {
    const sg_tensor *args[2];
    sg_tensor *cost = NULL;
    double v = NAN;
    args[0] = x;
    args[1] = y;
    if (!noted(n, sg_function_call(m->train, args, 2, &cost, 1), "train")) return NAN;
    noted(n, sg_tensor_item(cost, &v), "item");
    sg_tensor_free(cost);
    return v;
}

/* ------------------------------------------------ eager graphs */

/* The seed's forward and backward pass on a graph of this thread's own;
 * the gradients must be the chapter's. */
static void eager_round(notes *n) {
    static const double x_values[] = {1, 0};
    static const double gW_expected[] = {-0.04838203, 0.02583670, 0, 0};
    static const double gW2_expected[] = {-0.03597961, -0.00586666};
    sg_tensor *x = array(n, x_values, SHAPE_2, 1), *p[4], *h, *y, *t = scalar(n, 1);
    sg_tensor *two = scalar(n, 2), *half = scalar(n, 0.5), *d, *sq, *E, *g = NULL;
    double got[4];
    int i;

    p[0] = array(n, W0, SHAPE_W, 2);
    p[1] = array(n, B0, SHAPE_2, 1);
    p[2] = array(n, W20, SHAPE_2, 1);
    p[3] = scalar(n, B20);
    for (i = 0; i < 4; i++)
        if (p[i] != NULL) noted(n, sg_tensor_set_requires_grad(p[i], true), "set_requires_grad");
    h = layer(n, x, p[0], p[1]);
    y = layer(n, h, p[2], p[3]);
    d = op2(n, SG_BINARY_SUB, t, y);
    sq = op2(n, SG_BINARY_POW, d, two);
    E = op2(n, SG_BINARY_MUL, half, sq);
    if (E != NULL && noted(n, sg_tensor_backward(E, NULL), "backward")) {
        for (i = 0; i < 2; i++) {
            const double *expected = i == 0 ? gW_expected : gW2_expected;
            size_t k, count = i == 0 ? 4 : 2;
            g = NULL;
            if (!noted(n, sg_tensor_grad(p[i == 0 ? 0 : 2], &g), "grad") ||
                !noted(n, sg_tensor_copy_data(g, got, count * sizeof(double)), "copy_data")) {
                sg_tensor_free(g);
                continue;
            }
            for (k = 0; k < count; k++)
                if (!(fabs(got[k] - expected[k]) <= TOL)) noted(n, SG_ERROR_VALUE, "a gradient differs");
            sg_tensor_free(g);
        }
    }
    for (i = 0; i < 4; i++) sg_tensor_free(p[i]);
    {
        sg_tensor *frees[] = {x, h, y, t, two, half, d, sq, E};
        for (i = 0; i < (int)(sizeof frees / sizeof frees[0]); i++) sg_tensor_free(frees[i]);
    }
}

/* ------------------------------------------------ threads */

typedef struct {
    const model *m;
    int calls;
    double *costs; /* the cost each call returned */
    notes n;
} worker;

static void *work(void *arg) {
    worker *w = arg;
    /* Arguments of this thread's own: tensors belong to one thread. */
    sg_tensor *x = array(&w->n, DATA_X, SHAPE_X, 2), *y = array(&w->n, DATA_Y, SHAPE_Y, 1);
    int i;
    for (i = 0; i < w->calls; i++) {
        w->costs[i] = x && y ? train_step(&w->n, w->m, x, y) : NAN;
        if (i % 8 == 0) eager_round(&w->n);
    }
    sg_tensor_free(x);
    sg_tensor_free(y);
    return NULL;
}

static int calls_per_thread(void) {
    const char *s = getenv("SG_THREAD_CALLS");
    int n = s ? atoi(s) : 200;
    return n > 0 ? n : 200;
}

/* ------------------------------------------------ a shared counter */

#define COUNTER_THREADS 8
#define COUNTER_CALLS 1000

static void *count(void *arg) {
    sg_function *increment = arg;
    int k;
    for (k = 0; k < COUNTER_CALLS; k++) {
        sg_tensor *value = NULL;
        if (sg_function_call(increment, NULL, 0, &value, 1) != SG_OK) return arg;
        sg_tensor_free(value);
    }
    return NULL;
}

/* Every increment lands: calls updating one variable are serialized. */
static void test_counter(void) {
    sg_tensor *zero = NULL, *counter = NULL, *one = NULL, *next = NULL;
    sg_function *increment = NULL;
    pthread_t threads[COUNTER_THREADS];
    double total = -1;
    int i;
    void *failed;

    CHECK_OK(sg_tensor_from_scalar(0, SG_DTYPE_FLOAT64, &zero));
    CHECK_OK(sg_tensor_new_shared(zero, "counter", &counter));
    CHECK_OK(sg_tensor_from_scalar(1, SG_DTYPE_FLOAT64, &one));
    CHECK_OK(sg_binary(SG_BINARY_ADD, counter, one, &next));
    CHECK_OK(sg_function_new(NULL, 0, (const sg_tensor *const *)&counter, 1,
                             (const sg_tensor *const *)&counter, (const sg_tensor *const *)&next, 1,
                             &increment));
    for (i = 0; i < COUNTER_THREADS; i++) CHECK(pthread_create(&threads[i], NULL, count, increment) == 0);
    for (i = 0; i < COUNTER_THREADS; i++) {
        CHECK(pthread_join(threads[i], &failed) == 0);
        if (failed) CHECK_FAIL_AT("a counter call failed: %s", sg_last_error());
    }
    sg_tensor *value = NULL;
    CHECK_OK(sg_tensor_get_value(counter, &value));
    CHECK_OK(sg_tensor_item(value, &total));
    CHECK(total == COUNTER_THREADS * COUNTER_CALLS);
    sg_tensor_free(value);
    sg_function_free(increment);
    sg_tensor_free(next);
    sg_tensor_free(one);
    sg_tensor_free(counter);
    sg_tensor_free(zero);
}

int main(void) {
    int calls = calls_per_thread(), total = NTHREADS * calls, i, k, j;
    double *states = malloc(sizeof(double) * NVALUES * (size_t)(total + 1));
    double *costs = malloc(sizeof(double) * (size_t)total), final[NVALUES];
    char *seen = calloc((size_t)total, 1);
    model reference, shared;
    worker workers[NTHREADS];
    pthread_t threads[NTHREADS];
    notes n = {0, ""};
    sg_tensor *x, *y;

    if (states == NULL || costs == NULL || seen == NULL) return 1;
    build_model(&reference);
    build_model(&shared);

    /* The sequential trajectory: states[k] after k steps, costs[k] the
     * cost step k+1 returns (computed from states[k]). */
    x = array(&n, DATA_X, SHAPE_X, 2);
    y = array(&n, DATA_Y, SHAPE_Y, 1);
    read_state(&reference, states);
    for (k = 0; k < total; k++) {
        costs[k] = train_step(&n, &reference, x, y);
        read_state(&reference, states + NVALUES * (k + 1));
    }
    CHECK(n.failures == 0);
    CHECK_CLOSE(costs[0], 0.06948321, 1e-7);
    CHECK_CLOSE(costs[1], 0.06923194, 1e-7);
    CHECK(costs[total - 1] < costs[0]);
    sg_tensor_free(x);
    sg_tensor_free(y);

    for (i = 0; i < NTHREADS; i++) {
        workers[i].m = &shared;
        workers[i].calls = calls;
        workers[i].costs = malloc(sizeof(double) * (size_t)calls);
        workers[i].n.failures = 0;
        workers[i].n.first[0] = '\0';
        if (workers[i].costs == NULL) return 1;
        CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
    }
    for (i = 0; i < NTHREADS; i++) CHECK(pthread_join(threads[i], NULL) == 0);

    /* Each sequential cost is returned by exactly one call. */
    for (i = 0; i < NTHREADS; i++) {
        worker *w = &workers[i];
        if (w->n.failures) CHECK_FAIL_AT("thread %d: %d failed calls, first %s", i, w->n.failures, w->n.first);
        for (k = 0; k < calls; k++) {
            for (j = 0; j < total && !(costs[j] == w->costs[k] && !seen[j]); j++) continue;
            if (j == total) CHECK_FAIL_AT("thread %d: cost %.17g matches no sequential step left", i, w->costs[k]);
            else seen[j] = 1;
        }
        free(w->costs);
    }

    /* The final parameters are those after all the calls. */
    read_state(&shared, final);
    if (memcmp(states + NVALUES * total, final, sizeof final) != 0)
        CHECK_FAIL_AT("the final parameters are not those of %d sequential steps", total);

    free_model(&reference);
    free_model(&shared);
    free(states);
    free(costs);
    free(seen);
    test_counter();
    return CHECK_DONE();
}
