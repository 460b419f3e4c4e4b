/*
 * test_ops.c: each operation of the C ABI against hand-computed values
 * (numpy, float64), and each operation's eager gradient against central
 * finite differences of loss = sum(op(inputs) * w) with fixed weights w.
 * Also: operation names, float32, borrowed (strided) buffers and their
 * release callbacks, and reading data out.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "check.h"

#define TOL 1e-12
#define FD_EPS 1e-6
#define FD_TOL 1e-6

/* ------------------------------------------------------------ values */

static const double X23[] = {0.5, 1.2, 2.0, 0.3, 0.8, 1.7};
static const int64_t S23[] = {2, 3};

static const double U_NEG[] = {-0.5, -1.2, -2, -0.29999999999999999, -0.80000000000000004, -1.7};
static const double U_EXP[] = {1.6487212707001282, 3.3201169227365472, 7.3890560989306504, 1.3498588075760032, 2.2255409284924679, 5.4739473917271999};
static const double U_LOG[] = {-0.69314718055994529, 0.18232155679395459, 0.69314718055994529, -1.2039728043259361, -0.22314355131420971, 0.53062825106217038};
static const double U_SIG[] = {0.62245933120185459, 0.76852478349901754, 0.88079707797788231, 0.57444251681165903, 0.6899744811276125, 0.84553473491646525};

/* a: (3,1), b: (4,) broadcast to (3,4) */
static const double A31[] = {1.5, 2.0, 0.5}, B4[] = {0.5, 1.0, 2.0, 3.0};
static const int64_t S31[] = {3, 1}, S4[] = {4}, S34[] = {3, 4};
static const double B_ADD[] = {2, 2.5, 3.5, 4.5, 2.5, 3, 4, 5, 1, 1.5, 2.5, 3.5};
static const double B_SUB[] = {1, 0.5, -0.5, -1.5, 1.5, 1, 0, -1, 0, -0.5, -1.5, -2.5};
static const double B_MUL[] = {0.75, 1.5, 3, 4.5, 1, 2, 4, 6, 0.25, 0.5, 1, 1.5};
static const double B_DIV[] = {3, 1.5, 0.75, 0.5, 4, 2, 1, 0.66666666666666663, 1, 0.5, 0.25, 0.16666666666666666};
static const double B_POW[] = {1.2247448713915889, 1.5, 2.25, 3.375, 1.4142135623730951, 2, 4, 8, 0.70710678118654757, 0.5, 0.25, 0.125};

/* X23 op 2.5 and 2.5 op X23 (a 0-dimensional operand) */
static const double S25[] = {2.5};
static const double S_ADD[] = {3, 3.7000000000000002, 4.5, 2.7999999999999998, 3.2999999999999998, 4.2000000000000002};
static const double S_SUB[] = {-2, -1.3, -0.5, -2.2000000000000002, -1.7, -0.80000000000000004};
static const double S_MUL[] = {1.25, 3, 5, 0.75, 2, 4.25};
static const double S_DIV[] = {0.20000000000000001, 0.47999999999999998, 0.80000000000000004, 0.12, 0.32000000000000001, 0.67999999999999994};
static const double S_POW[] = {0.17677669529663689, 1.5774409656148782, 5.6568542494923806, 0.049295030175464945, 0.57243340223994621, 3.7680989902071307};
static const double R_ADD[] = {3, 3.7000000000000002, 4.5, 2.7999999999999998, 3.2999999999999998, 4.2000000000000002};
static const double R_SUB[] = {2, 1.3, 0.5, 2.2000000000000002, 1.7, 0.80000000000000004};
static const double R_MUL[] = {1.25, 3, 5, 0.75, 2, 4.25};
static const double R_DIV[] = {5, 2.0833333333333335, 1.25, 8.3333333333333339, 3.125, 1.4705882352941178};
static const double R_POW[] = {1.5811388300841898, 3.0028110849535778, 6.25, 1.3163822043342375, 2.0813830185046829, 4.7478612058273368};

/* M: (2,3), N: (3,4), v, u: (3,) */
static const double M23[] = {0.5, 1, 1.5, 2, 2.5, 3};
static const double N34[] = {-1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75};
static const double V3[] = {0.5, -1.0, 2.0}, U3[] = {1.0, 0.25, -0.5};
static const int64_t S3[] = {3}, S2[] = {2}, S24[] = {2, 4};
static const double MM_22[] = {1, 1.75, 2.5, 3.25, 1, 2.875, 4.75, 6.625};
static const double MM_21[] = {2.25, 4.5};
static const double MM_12[] = {1.5, 1.875, 2.25, 2.625};
static const double MM_11[] = {-0.75};
static const double DOT_0D[] = {1.25, 3, 5, 0.75, 2, 4.25}; /* X23 · 2.5 */

/* T: (2,3,4) = arange(24)/10 - 1 */
static const double T24[] = {-1, -0.90000000000000002, -0.80000000000000004, -0.69999999999999996, -0.59999999999999998, -0.5, -0.40000000000000002, -0.30000000000000004, -0.19999999999999996, -0.099999999999999978, 0, 0.10000000000000009, 0.19999999999999996, 0.30000000000000004, 0.39999999999999991, 0.5, 0.60000000000000009, 0.69999999999999996, 0.80000000000000004, 0.89999999999999991, 1, 1.1000000000000001, 1.2000000000000002, 1.2999999999999998};
static const int64_t S234[] = {2, 3, 4}, S34_[] = {3, 4}, S231[] = {2, 3, 1}, S423[] = {4, 2, 3};
static const double SUM_ALL[] = {3.6000000000000005};
static const double SUM_0[] = {-0.80000000000000004, -0.59999999999999998, -0.40000000000000013, -0.19999999999999996, 1.1102230246251565e-16, 0.19999999999999996, 0.40000000000000002, 0.59999999999999987, 0.80000000000000004, 1, 1.2000000000000002, 1.3999999999999999};
static const double SUM_M1K[] = {-3.4000000000000004, -1.8, -0.19999999999999984, 1.3999999999999999, 3, 4.5999999999999996};
static const double SUM_02[] = {-2.0000000000000004, 1.2, 4.3999999999999995};
static const double MEAN_ALL[] = {0.15000000000000002};
static const double MEAN_0[] = {-0.40000000000000002, -0.29999999999999999, -0.20000000000000007, -0.099999999999999978, 5.5511151231257827e-17, 0.099999999999999978, 0.20000000000000001, 0.29999999999999993, 0.40000000000000002, 0.5, 0.60000000000000009, 0.69999999999999996};
static const double MEAN_M1K[] = {-0.85000000000000009, -0.45000000000000001, -0.049999999999999961, 0.34999999999999998, 0.75, 1.1499999999999999};
static const double MEAN_02[] = {-0.25000000000000006, 0.14999999999999999, 0.54999999999999993};
static const double PERM_201[] = {-1, -0.59999999999999998, -0.19999999999999996, 0.19999999999999996, 0.60000000000000009, 1, -0.90000000000000002, -0.5, -0.099999999999999978, 0.30000000000000004, 0.69999999999999996, 1.1000000000000001, -0.80000000000000004, -0.40000000000000002, 0, 0.39999999999999991, 0.80000000000000004, 1.2000000000000002, -0.69999999999999996, -0.30000000000000004, 0.10000000000000009, 0.5, 0.89999999999999991, 1.2999999999999998};

/* ------------------------------------------------ the table of cases */

typedef sg_status (*build_fn)(const void *ctx, sg_tensor *const *in, sg_tensor **out);

typedef struct {
    bool mean, keepdims;
    const int64_t *axes;
    size_t naxes;
} reduce_args;

typedef struct {
    const int64_t *axes;
    size_t naxes;
} permute_args;

static sg_status build_unary(const void *ctx, sg_tensor *const *in, sg_tensor **out) {
    return sg_unary(*(const sg_unary_op *)ctx, in[0], out);
}

static sg_status build_binary(const void *ctx, sg_tensor *const *in, sg_tensor **out) {
    return sg_binary(*(const sg_binary_op *)ctx, in[0], in[1], out);
}

static sg_status build_matmul(const void *ctx, sg_tensor *const *in, sg_tensor **out) {
    (void)ctx;
    return sg_matmul(in[0], in[1], out);
}

static sg_status build_dot(const void *ctx, sg_tensor *const *in, sg_tensor **out) {
    (void)ctx;
    return sg_dot(in[0], in[1], out);
}

static sg_status build_reduce(const void *ctx, sg_tensor *const *in, sg_tensor **out) {
    const reduce_args *r = ctx;
    return (r->mean ? sg_mean : sg_sum)(in[0], r->axes, r->naxes, r->keepdims, out);
}

static sg_status build_permute(const void *ctx, sg_tensor *const *in, sg_tensor **out) {
    const permute_args *p = ctx;
    return sg_permute_dims(in[0], p->axes, p->naxes, out);
}

typedef struct {
    const char *name;
    build_fn build;
    const void *ctx;
    size_t nin;
    const double *values[2];
    const int64_t *shapes[2];
    size_t ndims[2];
    const double *expected;
    const int64_t *out_shape;
    size_t out_ndim;
} op_case;

static const sg_unary_op NEG = SG_UNARY_NEG, EXP = SG_UNARY_EXP, LOG = SG_UNARY_LOG,
                         SIG = SG_UNARY_SIGMOID;
static const sg_binary_op ADD = SG_BINARY_ADD, SUB = SG_BINARY_SUB, MUL = SG_BINARY_MUL,
                          DIV = SG_BINARY_DIV, POW = SG_BINARY_POW;
static const int64_t AX0[] = {0}, AXM1[] = {-1}, AX02[] = {0, 2}, AX_M3_M1[] = {-3, -1},
                     AX201[] = {2, 0, 1};
static const reduce_args SUM_ALL_ARGS = {false, false, NULL, 0},
                         SUM_0_ARGS = {false, false, AX0, 1},
                         SUM_M1K_ARGS = {false, true, AXM1, 1},
                         SUM_02_ARGS = {false, false, AX02, 2},
                         SUM_NEG02_ARGS = {false, false, AX_M3_M1, 2},
                         SUM_ALLK_ARGS = {false, true, NULL, 0},
                         MEAN_NONE_ARGS = {true, false, AX0, 0},
                         MEAN_ALL_ARGS = {true, false, NULL, 0},
                         MEAN_0_ARGS = {true, false, AX0, 1},
                         MEAN_M1K_ARGS = {true, true, AXM1, 1},
                         MEAN_02_ARGS = {true, false, AX02, 2};
static const permute_args PERM_ARGS = {AX201, 3};
static const int64_t S111[] = {1, 1, 1};

#define UNARY(op, exp) {#op, build_unary, &op, 1, {X23, NULL}, {S23, NULL}, {2, 0}, exp, S23, 2}
#define BCAST(op, exp) {#op " (3,1) (4,)", build_binary, &op, 2, {A31, B4}, {S31, S4}, {2, 1}, exp, S34, 2}
#define SCAL(op, exp) {#op " (2,3) ()", build_binary, &op, 2, {X23, S25}, {S23, NULL}, {2, 0}, exp, S23, 2}
#define RSCAL(op, exp) {#op " () (2,3)", build_binary, &op, 2, {S25, X23}, {NULL, S23}, {0, 2}, exp, S23, 2}
#define REDUCE(name, args, exp, shape, ndim) \
    {name, build_reduce, &args, 1, {T24, NULL}, {S234, NULL}, {3, 0}, exp, shape, ndim}

static const op_case CASES[] = {
    UNARY(NEG, U_NEG), UNARY(EXP, U_EXP), UNARY(LOG, U_LOG), UNARY(SIG, U_SIG),
    BCAST(ADD, B_ADD), BCAST(SUB, B_SUB), BCAST(MUL, B_MUL), BCAST(DIV, B_DIV), BCAST(POW, B_POW),
    SCAL(ADD, S_ADD), SCAL(SUB, S_SUB), SCAL(MUL, S_MUL), SCAL(DIV, S_DIV), SCAL(POW, S_POW),
    RSCAL(ADD, R_ADD), RSCAL(SUB, R_SUB), RSCAL(MUL, R_MUL), RSCAL(DIV, R_DIV), RSCAL(POW, R_POW),
    {"matmul (2,3) (3,4)", build_matmul, NULL, 2, {M23, N34}, {S23, S34_}, {2, 2}, MM_22, S24, 2},
    {"matmul (2,3) (3,)", build_matmul, NULL, 2, {M23, V3}, {S23, S3}, {2, 1}, MM_21, S2, 1},
    {"matmul (3,) (3,4)", build_matmul, NULL, 2, {V3, N34}, {S3, S34_}, {1, 2}, MM_12, S4, 1},
    {"matmul (3,) (3,)", build_matmul, NULL, 2, {V3, U3}, {S3, S3}, {1, 1}, MM_11, NULL, 0},
    {"dot (2,3) (3,4)", build_dot, NULL, 2, {M23, N34}, {S23, S34_}, {2, 2}, MM_22, S24, 2},
    {"dot (2,3) (3,)", build_dot, NULL, 2, {M23, V3}, {S23, S3}, {2, 1}, MM_21, S2, 1},
    {"dot (3,) (3,4)", build_dot, NULL, 2, {V3, N34}, {S3, S34_}, {1, 2}, MM_12, S4, 1},
    {"dot (3,) (3,)", build_dot, NULL, 2, {V3, U3}, {S3, S3}, {1, 1}, MM_11, NULL, 0},
    {"dot (2,3) ()", build_dot, NULL, 2, {X23, S25}, {S23, NULL}, {2, 0}, DOT_0D, S23, 2},
    {"dot () (2,3)", build_dot, NULL, 2, {S25, X23}, {NULL, S23}, {0, 2}, DOT_0D, S23, 2},
    REDUCE("sum all", SUM_ALL_ARGS, SUM_ALL, NULL, 0),
    REDUCE("sum axis 0", SUM_0_ARGS, SUM_0, S34_, 2),
    REDUCE("sum axis -1 keepdims", SUM_M1K_ARGS, SUM_M1K, S231, 3),
    REDUCE("sum axes (0,2)", SUM_02_ARGS, SUM_02, S3, 1),
    REDUCE("sum axes (-3,-1)", SUM_NEG02_ARGS, SUM_02, S3, 1),
    REDUCE("sum all keepdims", SUM_ALLK_ARGS, SUM_ALL, S111, 3),
    REDUCE("mean over no axes (axes non-NULL, naxes 0)", MEAN_NONE_ARGS, T24, S234, 3),
    REDUCE("mean all", MEAN_ALL_ARGS, MEAN_ALL, NULL, 0),
    REDUCE("mean axis 0", MEAN_0_ARGS, MEAN_0, S34_, 2),
    REDUCE("mean axis -1 keepdims", MEAN_M1K_ARGS, MEAN_M1K, S231, 3),
    REDUCE("mean axes (0,2)", MEAN_02_ARGS, MEAN_02, S3, 1),
    {"permute_dims (2,0,1)", build_permute, &PERM_ARGS, 1, {T24, NULL}, {S234, NULL}, {3, 0},
     PERM_201, S423, 3},
};

/* --------------------------------------------------------- machinery */

static size_t count_of(const int64_t *shape, size_t ndim) {
    size_t n = 1, i;
    for (i = 0; i < ndim; i++) n *= (size_t)shape[i];
    return n;
}

/* Fixed weights, different for each element, some negative. */
static double weight(size_t k) { return 0.25 * (double)((k * 7) % 11) - 1.1; }

static sg_tensor *weights_for(const int64_t *shape, size_t ndim) {
    size_t n = count_of(shape, ndim), k;
    double w[256];
    for (k = 0; k < n && k < 256; k++) w[k] = weight(k);
    return tensor64(w, shape, ndim);
}

static sg_tensor *weights_like(const sg_tensor *t) {
    int64_t shape[16];
    size_t ndim;
    CHECK_OK(sg_tensor_ndim(t, &ndim));
    CHECK_OK(sg_tensor_shape(t, shape, 16));
    return weights_for(shape, ndim);
}

/* sum(out * w); frees out. */
static sg_tensor *weighted_loss(sg_tensor *out) {
    sg_tensor *w = weights_like(out), *prod = NULL, *loss = NULL;
    CHECK_OK(sg_binary(SG_BINARY_MUL, out, w, &prod));
    CHECK_OK(sg_sum(prod, NULL, 0, false, &loss));
    sg_tensor_free(w);
    sg_tensor_free(prod);
    sg_tensor_free(out);
    return loss;
}

/* The loss at the given input values, without recording a graph. */
static double loss_at(const op_case *c, double *const *values) {
    sg_tensor *in[2] = {NULL, NULL}, *out = NULL, *loss;
    double v = 0;
    size_t i;
    for (i = 0; i < c->nin; i++) in[i] = tensor64(values[i], c->shapes[i], c->ndims[i]);
    CHECK_OK(c->build(c->ctx, in, &out));
    loss = weighted_loss(out);
    CHECK_OK(sg_tensor_item(loss, &v));
    sg_tensor_free(loss);
    for (i = 0; i < c->nin; i++) sg_tensor_free(in[i]);
    return v;
}

/* The same operation on placeholders of unknown lengths, compiled with its
 * sg_grad gradients: the same values and gradients as eagerly. */
static void run_symbolic(const op_case *c, double fd[2][64]) {
    static const int64_t open[3] = {-1, -1, -1};
    sg_tensor *p[2] = {NULL, NULL}, *out = NULL, *w, *prod = NULL, *loss = NULL;
    sg_tensor *grads[2] = {NULL, NULL}, *args[2] = {NULL, NULL}, *res[3] = {NULL, NULL, NULL};
    const sg_tensor *outputs[3];
    sg_function *f = NULL;
    size_t i;

    for (i = 0; i < c->nin; i++)
        CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, open, c->ndims[i], "in", &p[i]));
    if (c->build(c->ctx, p, &out) != SG_OK) {
        CHECK_FAIL_AT("symbolic %s failed: %s", c->name, sg_last_error());
        for (i = 0; i < c->nin; i++) sg_tensor_free(p[i]);
        return;
    }
    w = weights_for(c->out_shape, c->out_ndim);
    CHECK_OK(sg_binary(SG_BINARY_MUL, out, w, &prod));
    CHECK_OK(sg_sum(prod, NULL, 0, false, &loss));
    CHECK_OK(sg_grad(loss, (const sg_tensor *const *)p, c->nin, grads));
    outputs[0] = out;
    for (i = 0; i < c->nin; i++) outputs[1 + i] = grads[i];
    CHECK_OK(sg_function_new((const sg_tensor *const *)p, c->nin, outputs, 1 + c->nin, NULL, NULL, 0, &f));
    for (i = 0; i < c->nin; i++) args[i] = tensor64(c->values[i], c->shapes[i], c->ndims[i]);
    if (sg_function_call(f, (const sg_tensor *const *)args, c->nin, res, 1 + c->nin) != SG_OK) {
        CHECK_FAIL_AT("calling symbolic %s failed: %s", c->name, sg_last_error());
    } else {
        CHECK_TENSOR(res[0], c->out_shape, c->out_ndim, c->expected, TOL);
        for (i = 0; i < c->nin; i++) CHECK_TENSOR(res[1 + i], c->shapes[i], c->ndims[i], fd[i], FD_TOL);
        for (i = 0; i < 1 + c->nin; i++) sg_tensor_free(res[i]);
    }
    sg_function_free(f);
    for (i = 0; i < c->nin; i++) {
        sg_tensor_free(p[i]);
        sg_tensor_free(grads[i]);
        sg_tensor_free(args[i]);
    }
    sg_tensor_free(out);
    sg_tensor_free(w);
    sg_tensor_free(prod);
    sg_tensor_free(loss);
}

static void run_case(const op_case *c) {
    int failures_before = check_failures;
    sg_tensor *in[2] = {NULL, NULL}, *out = NULL, *loss;
    double work0[64], work1[64], *work[2], fd_all[2][64];
    size_t i, k;
    sg_dtype dtype;

    work[0] = work0;
    work[1] = work1;
    for (i = 0; i < c->nin; i++) {
        in[i] = tensor64(c->values[i], c->shapes[i], c->ndims[i]);
        CHECK_OK(sg_tensor_set_requires_grad(in[i], true));
    }

    /* The value. */
    if (c->build(c->ctx, in, &out) != SG_OK) {
        CHECK_FAIL_AT("%s failed: %s", c->name, sg_last_error());
        for (i = 0; i < c->nin; i++) sg_tensor_free(in[i]);
        return;
    }
    CHECK_OK(sg_tensor_dtype(out, &dtype));
    CHECK(dtype == SG_DTYPE_FLOAT64);
    CHECK_TENSOR(out, c->out_shape, c->out_ndim, c->expected, TOL);

    /* The gradient of every input against central differences. */
    loss = weighted_loss(out);
    CHECK_OK(sg_tensor_backward(loss, NULL));
    sg_tensor_free(loss);
    for (i = 0; i < c->nin; i++) {
        size_t n = count_of(c->shapes[i], c->ndims[i]);
        double *fd = fd_all[i];
        sg_tensor *g = NULL;
        for (k = 0; k < c->nin; k++)
            memcpy(work[k], c->values[k], count_of(c->shapes[k], c->ndims[k]) * sizeof(double));
        for (k = 0; k < n; k++) {
            double plus, minus;
            work[i][k] = c->values[i][k] + FD_EPS;
            plus = loss_at(c, work);
            work[i][k] = c->values[i][k] - FD_EPS;
            minus = loss_at(c, work);
            work[i][k] = c->values[i][k];
            fd[k] = (plus - minus) / (2 * FD_EPS);
        }
        CHECK_OK(sg_tensor_grad(in[i], &g));
        if (g == NULL) {
            CHECK_FAIL_AT("%s: input %lu has no gradient", c->name, (unsigned long)i);
            continue;
        }
        /* The gradient has the input's shape (broadcasting undone). */
        CHECK_TENSOR(g, c->shapes[i], c->ndims[i], fd, FD_TOL);
        sg_tensor_free(g);
    }
    for (i = 0; i < c->nin; i++) sg_tensor_free(in[i]);
    run_symbolic(c, fd_all);
    if (check_failures != failures_before) fprintf(stderr, "  (in case \"%s\")\n", c->name);
}

/* ------------------------------------------------------------- tests */

static void test_names(void) {
    /* The numbers of ABI version 1 never change. */
    static const char *unary_names[] = {"negative", "exp", "log", "sigmoid"};
    static const char *binary_names[] = {"add", "subtract", "multiply", "divide", "pow"};
    int i;
    CHECK(SG_UNARY_NEG == 0 && SG_UNARY_SIGMOID == 3);
    CHECK(SG_BINARY_SUB == 1 && SG_BINARY_POW == 4);
    for (i = 0; i < 4; i++) {
        const char *name = sg_unary_op_name((sg_unary_op)i);
        CHECK(name != NULL && strcmp(name, unary_names[i]) == 0);
    }
    for (i = 0; i < 5; i++) {
        const char *name = sg_binary_op_name((sg_binary_op)i);
        CHECK(name != NULL && strcmp(name, binary_names[i]) == 0);
    }
    CHECK(sg_unary_op_name(SG_UNARY_OP_COUNT) == NULL);
    CHECK(sg_binary_op_name(SG_BINARY_OP_COUNT) == NULL);
    CHECK(sg_unary_op_name((sg_unary_op)-1) == NULL);
    CHECK(sg_binary_op_name((sg_binary_op)-1) == NULL);
    CHECK(sg_unary_op_name((sg_unary_op)1000) == NULL);
}

/* sigmoid and exp far from 0: no overflow to NaN, and finite gradients. */
static void test_extremes(void) {
    static const double x[] = {-800, 800, 0};
    static const int64_t s[] = {3};
    static const double sig_expected[] = {0, 1, 0.5}, exp_expected[] = {0, 0, 1};
    sg_tensor *t = tensor64(x, s, 1), *y = NULL, *loss = NULL, *g = NULL;
    double gv[3];
    CHECK_OK(sg_tensor_set_requires_grad(t, true));
    CHECK_OK(sg_unary(SG_UNARY_SIGMOID, t, &y));
    CHECK_TENSOR(y, s, 1, sig_expected, TOL);
    CHECK_OK(sg_sum(y, NULL, 0, false, &loss));
    CHECK_OK(sg_tensor_backward(loss, NULL));
    CHECK_OK(sg_tensor_grad(t, &g));
    tensor_values(g, gv, 3);
    CHECK(gv[0] == gv[0] && gv[1] == gv[1]); /* not NaN */
    CHECK_CLOSE(gv[0], 0, TOL);
    CHECK_CLOSE(gv[1], 0, TOL);
    CHECK_CLOSE(gv[2], 0.25, TOL);
    sg_tensor_free(y);
    sg_tensor_free(loss);
    sg_tensor_free(g);
    /* exp(-800) underflows to 0; exp(800) is +inf as in numpy */
    CHECK_OK(sg_unary(SG_UNARY_EXP, t, &y));
    tensor_values(y, gv, 3);
    CHECK_CLOSE(gv[0], exp_expected[0], TOL);
    CHECK(gv[1] > 1e308);
    CHECK_CLOSE(gv[2], exp_expected[2], TOL);
    sg_tensor_free(y);
    sg_tensor_free(t);
}

static void test_astype(void) {
    static const double x[] = {0.1, -2.5, 3.0, 1e-3, 7.25, -0.0};
    sg_tensor *t = tensor64(x, S23, 2), *f = NULL, *d = NULL, *same = NULL, *w, *prod, *loss, *g;
    sg_dtype dtype;
    float f32[6];
    double back[6], expected_grad[6];
    size_t k;

    CHECK_OK(sg_astype(t, SG_DTYPE_FLOAT32, &f));
    CHECK_OK(sg_tensor_dtype(f, &dtype));
    CHECK(dtype == SG_DTYPE_FLOAT32);
    CHECK_OK(sg_tensor_copy_data(f, f32, sizeof f32));
    for (k = 0; k < 6; k++) CHECK(f32[k] == (float)x[k]);
    CHECK_OK(sg_astype(f, SG_DTYPE_FLOAT64, &d));
    CHECK_OK(sg_tensor_dtype(d, &dtype));
    CHECK(dtype == SG_DTYPE_FLOAT64);
    CHECK_OK(sg_tensor_copy_data(d, back, sizeof back));
    for (k = 0; k < 6; k++) CHECK(back[k] == (double)(float)x[k]);
    /* the same dtype: the same values */
    CHECK_OK(sg_astype(t, SG_DTYPE_FLOAT64, &same));
    CHECK_TENSOR(same, S23, 2, x, 0);
    sg_tensor_free(f);
    sg_tensor_free(d);
    sg_tensor_free(same);

    /* d/dx of astype is the identity: the gradient of sum(f64(f32(x)) * w)
     * is w, in x's dtype. */
    CHECK_OK(sg_tensor_set_requires_grad(t, true));
    CHECK_OK(sg_astype(t, SG_DTYPE_FLOAT32, &f));
    CHECK_OK(sg_astype(f, SG_DTYPE_FLOAT64, &d));
    w = weights_like(d);
    CHECK_OK(sg_binary(SG_BINARY_MUL, d, w, &prod));
    CHECK_OK(sg_sum(prod, NULL, 0, false, &loss));
    CHECK_OK(sg_tensor_backward(loss, NULL));
    CHECK_OK(sg_tensor_grad(t, &g));
    for (k = 0; k < 6; k++) expected_grad[k] = weight(k);
    CHECK(g != NULL);
    if (g) {
        CHECK_OK(sg_tensor_dtype(g, &dtype));
        CHECK(dtype == SG_DTYPE_FLOAT64);
        CHECK_TENSOR(g, S23, 2, expected_grad, 1e-7);
    }
    sg_tensor_free(g);
    sg_tensor_free(loss);
    sg_tensor_free(prod);
    sg_tensor_free(w);
    sg_tensor_free(f);
    sg_tensor_free(d);
    sg_tensor_free(t);
}

static sg_tensor *tensor32(const double *values, const int64_t *shape, size_t ndim) {
    float f[64];
    size_t n = count_of(shape, ndim), k;
    sg_tensor *t = NULL;
    for (k = 0; k < n; k++) f[k] = (float)values[k];
    CHECK_OK(sg_tensor_from_data(f, shape, ndim, SG_DTYPE_FLOAT32, &t));
    return t;
}

static void check_dtype(const sg_tensor *t, sg_dtype expected) {
    sg_dtype dtype;
    CHECK_OK(sg_tensor_dtype(t, &dtype));
    CHECK(dtype == expected);
}

static void test_float32(void) {
    static const double *unary_expected[] = {U_NEG, U_EXP, U_LOG, U_SIG};
    sg_tensor *x = tensor32(X23, S23, 2), *a = tensor32(A31, S31, 2), *b = tensor32(B4, S4, 1);
    sg_tensor *b64 = tensor64(B4, S4, 1), *m = tensor32(M23, S23, 2), *n = tensor32(N34, S34_, 2);
    sg_tensor *t = tensor32(T24, S234, 3), *y = NULL, *s = NULL, *loss = NULL, *g = NULL, *w;
    double v = 0, expected_grad[6];
    int op;
    size_t k;

    for (op = 0; op <= SG_UNARY_SIGMOID; op++) {
        CHECK_OK(sg_unary((sg_unary_op)op, x, &y));
        check_dtype(y, SG_DTYPE_FLOAT32);
        CHECK_TENSOR(y, S23, 2, unary_expected[op], 1e-6);
        sg_tensor_free(y);
    }
    /* float32 with float32 stays float32; with float64 it promotes. */
    CHECK_OK(sg_binary(SG_BINARY_MUL, a, b, &y));
    check_dtype(y, SG_DTYPE_FLOAT32);
    CHECK_TENSOR(y, S34, 2, B_MUL, 0);
    sg_tensor_free(y);
    CHECK_OK(sg_binary(SG_BINARY_DIV, a, b64, &y));
    check_dtype(y, SG_DTYPE_FLOAT64);
    CHECK_TENSOR(y, S34, 2, B_DIV, TOL);
    sg_tensor_free(y);
    CHECK_OK(sg_binary(SG_BINARY_POW, b64, a, &y));
    check_dtype(y, SG_DTYPE_FLOAT64);
    sg_tensor_free(y);
    CHECK_OK(sg_matmul(m, n, &y));
    check_dtype(y, SG_DTYPE_FLOAT32);
    CHECK_TENSOR(y, S24, 2, MM_22, 0);
    sg_tensor_free(y);
    CHECK_OK(sg_dot(m, n, &y));
    check_dtype(y, SG_DTYPE_FLOAT32);
    CHECK_TENSOR(y, S24, 2, MM_22, 0);
    sg_tensor_free(y);
    CHECK_OK(sg_sum(t, AX02, 2, false, &y));
    check_dtype(y, SG_DTYPE_FLOAT32);
    CHECK_TENSOR(y, S3, 1, SUM_02, 1e-6);
    sg_tensor_free(y);
    CHECK_OK(sg_mean(t, NULL, 0, false, &y));
    check_dtype(y, SG_DTYPE_FLOAT32);
    CHECK_OK(sg_tensor_item(y, &v));
    CHECK_CLOSE(v, MEAN_ALL[0], 1e-6);
    sg_tensor_free(y);
    CHECK_OK(sg_permute_dims(t, AX201, 3, &y));
    check_dtype(y, SG_DTYPE_FLOAT32);
    CHECK_TENSOR(y, S423, 3, PERM_201, 1e-7);
    sg_tensor_free(y);
    CHECK_OK(sg_tensor_from_scalar(0.1, SG_DTYPE_FLOAT32, &y));
    check_dtype(y, SG_DTYPE_FLOAT32);
    CHECK_OK(sg_tensor_item(y, &v));
    CHECK(v == (double)0.1f);
    sg_tensor_free(y);

    /* The gradient of a float32 leaf is float32, also when the graph
     * promoted to float64 on the way: loss = sum(sigmoid(x) * w64). */
    CHECK_OK(sg_tensor_set_requires_grad(x, true));
    CHECK_OK(sg_unary(SG_UNARY_SIGMOID, x, &y));
    w = weights_like(y);
    CHECK_OK(sg_binary(SG_BINARY_MUL, y, w, &s));
    check_dtype(s, SG_DTYPE_FLOAT64);
    CHECK_OK(sg_sum(s, NULL, 0, false, &loss));
    CHECK_OK(sg_tensor_backward(loss, NULL));
    CHECK_OK(sg_tensor_grad(x, &g));
    for (k = 0; k < 6; k++) expected_grad[k] = U_SIG[k] * (1 - U_SIG[k]) * weight(k);
    CHECK(g != NULL);
    if (g) {
        check_dtype(g, SG_DTYPE_FLOAT32);
        CHECK_TENSOR(g, S23, 2, expected_grad, 1e-6);
    }
    sg_tensor_free(g);
    sg_tensor_free(loss);
    sg_tensor_free(s);
    sg_tensor_free(w);
    sg_tensor_free(y);

    {
        sg_tensor *frees[] = {x, a, b, b64, m, n, t};
        for (k = 0; k < sizeof frees / sizeof frees[0]; k++) sg_tensor_free(frees[k]);
    }
}

/* Without recording: no_grad leaves results without history. */
static void test_autograd_enabled(void) {
    sg_tensor *x = tensor64(X23, S23, 2), *y = NULL;
    bool previous = false, flag = true;
    CHECK_OK(sg_tensor_set_requires_grad(x, true));
    CHECK_OK(sg_autograd_set_enabled(false, &previous));
    CHECK(previous == true);
    CHECK_OK(sg_unary(SG_UNARY_EXP, x, &y));
    CHECK_OK(sg_tensor_requires_grad(y, &flag));
    CHECK(flag == false);
    CHECK_TENSOR(y, S23, 2, U_EXP, TOL);
    sg_tensor_free(y);
    CHECK_OK(sg_autograd_set_enabled(true, &previous));
    CHECK(previous == false);
    CHECK_OK(sg_autograd_set_enabled(true, NULL));
    CHECK_OK(sg_unary(SG_UNARY_EXP, x, &y));
    CHECK_OK(sg_tensor_requires_grad(y, &flag));
    CHECK(flag == true);
    sg_tensor_free(y);
    /* detach: the value, without history */
    CHECK_OK(sg_tensor_detach(x, &y));
    CHECK_OK(sg_tensor_requires_grad(y, &flag));
    CHECK(flag == false);
    CHECK_TENSOR(y, S23, 2, X23, 0);
    sg_tensor_free(y);
    sg_tensor_free(x);
}

/* -------------------------------------------------- borrowed buffers */

static void count_release(void *context) { (*(int *)context)++; }

/* Heap memory that the release callback frees, so that a read after
 * release is caught by AddressSanitizer and valgrind. */
typedef struct {
    int released;
    double *memory;
} heap_buffer;

static double *heap_copy(heap_buffer *h, const double *values, size_t n) {
    h->released = 0;
    h->memory = malloc(n * sizeof(double));
    if (h->memory == NULL) exit(1);
    memcpy(h->memory, values, n * sizeof(double));
    return h->memory;
}

static void heap_release(void *context) {
    heap_buffer *h = context;
    h->released++;
    free(h->memory);
    h->memory = NULL;
}

static void test_borrowed_c_order(void) {
    static const double values[6] = {1, 2, 3, 4, 5, 6};
    static const int64_t s32[] = {3, 2}, perm[] = {1, 0};
    static const double col_sums[] = {5, 7, 9}, transposed[] = {1, 4, 2, 5, 3, 6};
    heap_buffer h;
    double *buf = heap_copy(&h, values, 6);
    sg_tensor *t = NULL, *view = NULL, *sums = NULL;
    const void *data = NULL;
    int64_t strides[2];

    CHECK_OK(sg_tensor_from_buffer(buf, S23, NULL, 2, SG_DTYPE_FLOAT64, heap_release, &h, &t));
    CHECK_TENSOR(t, S23, 2, values, 0);
    CHECK_OK(sg_tensor_data(t, &data));
    CHECK(data == (const void *)buf); /* no copy */
    CHECK_OK(sg_tensor_strides(t, strides, 2));
    CHECK(strides[0] == 3 && strides[1] == 1);

    CHECK_OK(sg_sum(t, AX0, 1, false, &sums));
    CHECK_TENSOR(sums, S3, 1, col_sums, 0);
    CHECK_OK(sg_permute_dims(t, perm, 2, &view)); /* a view of the same memory */
    CHECK_TENSOR(view, s32, 2, transposed, 0);
    {
        const void *view_data = NULL;
        CHECK_OK(sg_tensor_data(view, &view_data));
        CHECK(view_data == (const void *)buf);
        CHECK_OK(sg_tensor_strides(view, strides, 2));
        CHECK(strides[0] == 1 && strides[1] == 3);
    }

    sg_tensor_free(t);
    sg_tensor_free(sums);
    /* The view still reads the memory: not released yet. */
    CHECK(h.released == 0);
    CHECK_TENSOR(view, s32, 2, transposed, 0);
    sg_tensor_free(view);
    CHECK(h.released == 1);
}

static void test_borrowed_strided(void) {
    /* (3,2) in C order, read as its (2,3) transpose. */
    double buf[6] = {1, 2, 3, 4, 5, 6};
    static const int64_t st[] = {1, 2};
    static const double tr[] = {1, 3, 5, 2, 4, 6}, row_sums[] = {9, 12};
    /* reversed: data at the last element, stride -1 */
    double rev[5] = {1, 2, 3, 4, 5};
    static const int64_t s5[] = {5}, sneg[] = {-1};
    static const double rev_expected[] = {5, 4, 3, 2, 1}, rev_exp[] = {148.4131591025766, 54.598150033144236, 20.085536923187668, 7.38905609893065, 2.718281828459045};
    /* both axes reversed */
    static const int64_t sneg2[] = {-3, -1};
    static const double rev2_expected[] = {6, 5, 4, 3, 2, 1};
    /* zero stride: every row is the same memory */
    double row[4] = {1, 2, 3, 4};
    static const int64_t s34[] = {3, 4}, szero[] = {0, 1};
    static const double bcast[] = {1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4}, bcast_sum0[] = {3, 6, 9, 12};
    /* float32, transposed */
    float buf32[6] = {1, 2, 3, 4, 5, 6};
    int released = 0;
    sg_tensor *t = NULL, *y = NULL, *w = NULL;
    const void *data = NULL;
    int64_t strides[2];
    double copied[6];
    sg_dtype dtype;

    CHECK_OK(sg_tensor_from_buffer(buf, S23, st, 2, SG_DTYPE_FLOAT64, count_release, &released, &t));
    CHECK_TENSOR(t, S23, 2, tr, 0); /* copy_data gives C order */
    CHECK_OK(sg_tensor_strides(t, strides, 2));
    CHECK(strides[0] == 1 && strides[1] == 2);
    CHECK_OK(sg_tensor_data(t, &data));
    CHECK(data == (const void *)buf);
    CHECK_OK(sg_sum(t, AXM1, 1, false, &y));
    CHECK_TENSOR(y, S2, 1, row_sums, 0);
    sg_tensor_free(y);
    w = tensor64(V3, S3, 1);
    CHECK_OK(sg_matmul(t, w, &y)); /* [1,3,5]·[.5,-1,2] = 7.5; [2,4,6]·… = 9 */
    CHECK_TENSOR(y, S2, 1, ((double[]){7.5, 9}), 0);
    sg_tensor_free(y);
    sg_tensor_free(w);
    /* Eager gradients flow to a strided leaf, in its shape. */
    CHECK_OK(sg_tensor_set_requires_grad(t, true));
    {
        sg_tensor *wt = weights_like(t), *p = NULL, *loss = NULL, *g = NULL;
        double expected[6];
        size_t k;
        for (k = 0; k < 6; k++) expected[k] = weight(k);
        CHECK_OK(sg_binary(SG_BINARY_MUL, t, wt, &p));
        CHECK_OK(sg_sum(p, NULL, 0, false, &loss));
        CHECK_OK(sg_tensor_backward(loss, NULL));
        CHECK_OK(sg_tensor_grad(t, &g));
        CHECK(g != NULL);
        if (g) CHECK_TENSOR(g, S23, 2, expected, 0);
        sg_tensor_free(g);
        sg_tensor_free(loss);
        sg_tensor_free(p);
        sg_tensor_free(wt);
    }
    CHECK(released == 0);
    sg_tensor_free(t);
    CHECK(released == 1);

    released = 0;
    CHECK_OK(sg_tensor_from_buffer(rev + 4, s5, sneg, 1, SG_DTYPE_FLOAT64, count_release, &released, &t));
    CHECK_TENSOR(t, s5, 1, rev_expected, 0);
    CHECK_OK(sg_tensor_strides(t, strides, 1));
    CHECK(strides[0] == -1);
    CHECK_OK(sg_tensor_data(t, &data));
    CHECK(data == (const void *)(rev + 4));
    CHECK_OK(sg_unary(SG_UNARY_EXP, t, &y));
    CHECK_TENSOR(y, s5, 1, rev_exp, 1e-14);
    sg_tensor_free(y);
    w = tensor64(rev, s5, 1); /* 5*1 + 4*2 + 3*3 + 2*4 + 1*5 = 35 */
    CHECK_OK(sg_dot(t, w, &y));
    CHECK_TENSOR(y, NULL, 0, ((double[]){35}), 0);
    sg_tensor_free(y);
    sg_tensor_free(w);
    sg_tensor_free(t);
    CHECK(released == 1);

    released = 0;
    CHECK_OK(sg_tensor_from_buffer(buf + 5, S23, sneg2, 2, SG_DTYPE_FLOAT64, count_release, &released, &t));
    CHECK_TENSOR(t, S23, 2, rev2_expected, 0);
    CHECK_OK(sg_sum(t, AX0, 1, false, &y));
    CHECK_TENSOR(y, S3, 1, ((double[]){9, 7, 5}), 0);
    sg_tensor_free(y);
    sg_tensor_free(t);
    CHECK(released == 1);

    released = 0;
    CHECK_OK(sg_tensor_from_buffer(row, s34, szero, 2, SG_DTYPE_FLOAT64, count_release, &released, &t));
    CHECK_TENSOR(t, s34, 2, bcast, 0);
    CHECK_OK(sg_sum(t, AX0, 1, false, &y));
    CHECK_TENSOR(y, S4, 1, bcast_sum0, 0);
    sg_tensor_free(y);
    sg_tensor_free(t);
    CHECK(released == 1);

    released = 0;
    CHECK_OK(sg_tensor_from_buffer(buf32, S23, st, 2, SG_DTYPE_FLOAT32, count_release, &released, &t));
    CHECK_OK(sg_tensor_dtype(t, &dtype));
    CHECK(dtype == SG_DTYPE_FLOAT32);
    CHECK_TENSOR(t, S23, 2, tr, 0);
    CHECK_OK(sg_astype(t, SG_DTYPE_FLOAT64, &y));
    CHECK_OK(sg_tensor_copy_data(y, copied, sizeof copied));
    CHECK(copied[1] == 3 && copied[3] == 2);
    sg_tensor_free(y);
    sg_tensor_free(t);
    CHECK(released == 1);

    /* release may be NULL */
    CHECK_OK(sg_tensor_from_buffer(buf, S23, NULL, 2, SG_DTYPE_FLOAT64, NULL, NULL, &t));
    CHECK_TENSOR(t, S23, 2, buf, 0);
    sg_tensor_free(t);
}

/* The memory stays in use as long as a compiled function or a function's
 * result holds it, and is released once, after the last. A shared
 * variable holds a copy of the value it is given (Theano's shared and
 * set_value without borrow), so borrowed memory goes with its tensor. */
static void test_borrowed_lifetime(void) {
    static const double values[6] = {1, 2, 3, 4, 5, 6}, ones[3] = {1, 1, 1};
    static const double row_sums[] = {6, 15}, doubled[] = {12, 30};
    heap_buffer h, hw;
    double *buf = heap_copy(&h, values, 6), *wbuf = heap_copy(&hw, ones, 3);
    sg_tensor *t = NULL, *shared = NULL, *w = NULL, *p = NULL, *y = NULL, *r = NULL, *arg;
    sg_function *f = NULL;
    const sg_tensor *inputs[1], *outputs[1];

    CHECK_OK(sg_tensor_from_buffer(buf, S23, NULL, 2, SG_DTYPE_FLOAT64, heap_release, &h, &t));
    CHECK_OK(sg_tensor_new_shared(t, "borrowed", &shared));
    sg_tensor_free(t);
    CHECK_OK(sg_tensor_from_buffer(wbuf, S3, NULL, 1, SG_DTYPE_FLOAT64, heap_release, &hw, &w));
    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, NULL, 0, "k", &p));
    {
        sg_tensor *prod = NULL;
        CHECK_OK(sg_matmul(shared, w, &prod)); /* a graph holding w */
        CHECK_OK(sg_binary(SG_BINARY_MUL, prod, p, &y));
        sg_tensor_free(prod);
    }
    sg_tensor_free(w);
    inputs[0] = p;
    outputs[0] = y;
    CHECK_OK(sg_function_new(inputs, 1, outputs, 1, NULL, NULL, 0, &f));
    sg_tensor_free(y);
    sg_tensor_free(p);
    CHECK(h.released == 1 && hw.released == 0);

    arg = scalar64(2);
    CHECK_OK(sg_function_call(f, (const sg_tensor *const *)&arg, 1, &r, 1));
    CHECK_TENSOR(r, S2, 1, doubled, 0);
    sg_tensor_free(r);
    sg_tensor_free(arg);

    {
        sg_tensor *v = NULL;
        CHECK_OK(sg_tensor_get_value(shared, &v));
        CHECK_OK(sg_sum(v, AXM1, 1, false, &r));
        CHECK_TENSOR(r, S2, 1, row_sums, 0);
        sg_tensor_free(r);
        sg_tensor_free(v);
    }
    sg_tensor_free(shared);
    /* The function's graph still reads the shared variable and w. */
    CHECK(hw.released == 0);
    arg = scalar64(1);
    CHECK_OK(sg_function_call(f, (const sg_tensor *const *)&arg, 1, &r, 1));
    CHECK_TENSOR(r, S2, 1, row_sums, 0);
    sg_tensor_free(r);
    sg_tensor_free(arg);
    sg_function_free(f);
    CHECK(h.released == 1);
    CHECK(hw.released == 1);

    /* set_value copies too: the borrowed memory goes with its tensor, and
     * the variable keeps the values. */
    t = tensor64(values, S23, 2);
    CHECK_OK(sg_tensor_new_shared(t, NULL, &shared));
    sg_tensor_free(t);
    t = tensor64(doubled, S2, 1);
    CHECK_STATUS(sg_tensor_set_value(shared, t), SG_ERROR_TYPE); /* wrong rank */
    sg_tensor_free(t);
    buf = heap_copy(&h, values, 6);
    CHECK_OK(sg_tensor_from_buffer(buf, S23, NULL, 2, SG_DTYPE_FLOAT64, heap_release, &h, &t));
    CHECK_OK(sg_tensor_set_value(shared, t));
    sg_tensor_free(t);
    CHECK(h.released == 1);
    {
        sg_tensor *v = NULL;
        CHECK_OK(sg_tensor_get_value(shared, &v));
        CHECK_TENSOR(v, S23, 2, values, 0);
        sg_tensor_free(v);
    }
    sg_tensor_free(shared);

    /* A borrowed argument of a compiled function: the results may share
     * its memory, which then stays until they are freed too. */
    {
        static const int64_t s1[] = {-1};
        sg_tensor *x = NULL, *twice = NULL, *two = scalar64(2), *res[2];
        const sg_tensor *outs[2];
        static const double twice_values[] = {2, 4, 6, 8, 10, 12};
        buf = heap_copy(&h, values, 6);
        CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, s1, 1, "x", &x));
        CHECK_OK(sg_binary(SG_BINARY_MUL, x, two, &twice));
        inputs[0] = x;
        outs[0] = x; /* the identity */
        outs[1] = twice;
        CHECK_OK(sg_function_new(inputs, 1, outs, 2, NULL, NULL, 0, &f));
        CHECK_OK(sg_tensor_from_buffer(buf, ((int64_t[]){6}), NULL, 1, SG_DTYPE_FLOAT64,
                                       heap_release, &h, &arg));
        CHECK_OK(sg_function_call(f, (const sg_tensor *const *)&arg, 1, res, 2));
        sg_tensor_free(arg);
        sg_function_free(f);
        CHECK_TENSOR(res[0], ((int64_t[]){6}), 1, values, 0);
        CHECK_TENSOR(res[1], ((int64_t[]){6}), 1, twice_values, 0);
        sg_tensor_free(res[1]);
        sg_tensor_free(res[0]);
        CHECK(h.released == 1);
        sg_tensor_free(x);
        sg_tensor_free(twice);
        sg_tensor_free(two);
    }
}

/* Failures leave the memory to the caller: release is not called. */
static void test_borrowed_failures(void) {
    double buf[6] = {1, 2, 3, 4, 5, 6};
    static const int64_t negative[] = {2, -3}, huge[] = {INT64_MAX, 1}, big_stride[] = {INT64_MAX, 1};
    int released = 0;
    sg_tensor *t = (sg_tensor *)&released;
    sg_tensor *const sentinel = t;

    CHECK_STATUS(sg_tensor_from_buffer(buf, negative, NULL, 2, SG_DTYPE_FLOAT64, count_release,
                                       &released, &t), SG_ERROR_VALUE);
    CHECK_STATUS(sg_tensor_from_buffer(buf, S23, big_stride, 2, SG_DTYPE_FLOAT64, count_release,
                                       &released, &t), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("(2,3)");
    CHECK_STATUS(sg_tensor_from_buffer(buf, huge, NULL, 2, SG_DTYPE_FLOAT64, count_release,
                                       &released, &t), SG_ERROR_VALUE);
    CHECK_STATUS(sg_tensor_from_buffer(buf, S23, NULL, 2, SG_DTYPE_COUNT, count_release,
                                       &released, &t), SG_ERROR_TYPE);
    CHECK_STATUS(sg_tensor_from_buffer(NULL, S23, NULL, 2, SG_DTYPE_FLOAT64, count_release,
                                       &released, &t), SG_ERROR_NULL);
    CHECK_STATUS(sg_tensor_from_buffer(buf, NULL, NULL, 2, SG_DTYPE_FLOAT64, count_release,
                                       &released, &t), SG_ERROR_NULL);
    CHECK_STATUS(sg_tensor_from_buffer(buf, S23, NULL, 2, SG_DTYPE_FLOAT64, count_release,
                                       &released, NULL), SG_ERROR_NULL);
    CHECK(t == sentinel);
    CHECK(released == 0);
}

/* A read-only borrowed buffer refuses writes and keeps its values; unknown
 * flags are refused without taking the buffer. */
static void test_borrowed_read_only(void) {
    double buf[6] = {1, 2, 3, 4, 5, 6};
    const double before[6] = {1, 2, 3, 4, 5, 6};
    int released = 0;
    sg_tensor *t = NULL, *one = NULL, *y = NULL;
    sg_index all = {SG_INDEX_ELLIPSIS, false, false, 0, 0, 0, NULL};

    CHECK_STATUS(sg_tensor_from_buffer_v2(buf, S23, NULL, 2, SG_DTYPE_FLOAT64, 2, count_release,
                                          &released, &t), SG_ERROR_VALUE);
    CHECK(t == NULL && released == 0);
    CHECK_OK(sg_tensor_from_buffer_v2(buf, S23, NULL, 2, SG_DTYPE_FLOAT64, SG_BUFFER_READ_ONLY,
                                      count_release, &released, &t));
    CHECK_OK(sg_tensor_from_scalar(1.0, SG_DTYPE_FLOAT64, &one));
    CHECK_STATUS(sg_binary_update(SG_BINARY_ADD, t, one), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("read-only");
    CHECK_STATUS(sg_index_set(t, &all, 1, one), SG_ERROR_VALUE);
    CHECK(memcmp(buf, before, sizeof buf) == 0);
    /* reading works as for any tensor */
    CHECK_OK(sg_binary(SG_BINARY_ADD, t, one, &y));
    {
        static const double want[] = {2, 3, 4, 5, 6, 7};
        CHECK_TENSOR(y, S23, 2, want, 0);
    }
    sg_tensor_free(y);
    sg_tensor_free(one);
    sg_tensor_free(t);
    CHECK(released == 1);
}

/* ------------------------------------------------------- data out */

static void test_data_out(void) {
    static const int64_t perm[] = {1, 0};
    sg_tensor *t = tensor64(X23, S23, 2), *v = NULL, *s = NULL, *e = NULL;
    const void *data = NULL;
    const double *p;
    int64_t strides[3], shape[3];
    double out[6];
    float out32[6];
    int i, j;

    CHECK_OK(sg_tensor_data(t, &data));
    CHECK_OK(sg_tensor_strides(t, strides, 3)); /* more room than needed is fine */
    CHECK(strides[0] == 3 && strides[1] == 1);
    p = data;
    for (i = 0; i < 2; i++)
        for (j = 0; j < 3; j++) CHECK(p[i * strides[0] + j * strides[1]] == X23[i * 3 + j]);
    CHECK_OK(sg_tensor_copy_data(t, out, sizeof out));
    for (i = 0; i < 6; i++) CHECK(out[i] == X23[i]);

    /* A permuted view: pointer + strides read the transposed layout. */
    CHECK_OK(sg_permute_dims(t, perm, 2, &v));
    CHECK_OK(sg_tensor_shape(v, shape, 2));
    CHECK(shape[0] == 3 && shape[1] == 2);
    CHECK_OK(sg_tensor_data(v, &data));
    CHECK_OK(sg_tensor_strides(v, strides, 2));
    p = data;
    for (i = 0; i < 3; i++)
        for (j = 0; j < 2; j++) CHECK(p[i * strides[0] + j * strides[1]] == X23[j * 3 + i]);
    CHECK_OK(sg_tensor_copy_data(v, out, sizeof out));
    for (i = 0; i < 3; i++)
        for (j = 0; j < 2; j++) CHECK(out[i * 2 + j] == X23[j * 3 + i]);

    /* float32 */
    CHECK_OK(sg_astype(v, SG_DTYPE_FLOAT32, &e));
    CHECK_OK(sg_tensor_copy_data(e, out32, sizeof out32));
    for (i = 0; i < 3; i++)
        for (j = 0; j < 2; j++) CHECK(out32[i * 2 + j] == (float)X23[j * 3 + i]);
    sg_tensor_free(e);

    /* A shared variable gives its current value. */
    CHECK_OK(sg_tensor_new_shared(t, "s", &s));
    CHECK_OK(sg_tensor_data(s, &data));
    CHECK(((const double *)data)[4] == X23[4]);
    CHECK_OK(sg_tensor_strides(s, strides, 2));
    CHECK(strides[1] == 1);
    CHECK_OK(sg_tensor_copy_data(s, out, sizeof out));
    CHECK(out[5] == X23[5]);

    /* 0-dimensional: no strides, one element. */
    e = scalar64(-3.5);
    CHECK_OK(sg_tensor_strides(e, NULL, 0));
    CHECK_OK(sg_tensor_shape(e, NULL, 0));
    CHECK_OK(sg_tensor_data(e, &data));
    CHECK(*(const double *)data == -3.5);
    CHECK_OK(sg_tensor_copy_data(e, out, sizeof(double)));
    CHECK(out[0] == -3.5);
    sg_tensor_free(e);

    /* Empty: data may be NULL; nothing to copy; sums to 0. */
    {
        static const int64_t s03[] = {0, 3};
        sg_tensor *z = NULL, *zs = NULL;
        double total = 1;
        size_t ndim = 0;
        CHECK_OK(sg_tensor_from_data(NULL, s03, 2, SG_DTYPE_FLOAT64, &z));
        CHECK_OK(sg_tensor_ndim(z, &ndim));
        CHECK(ndim == 2);
        CHECK_OK(sg_tensor_copy_data(z, NULL, 0));
        CHECK_OK(sg_sum(z, NULL, 0, false, &zs));
        CHECK_OK(sg_tensor_item(zs, &total));
        CHECK(total == 0);
        sg_tensor_free(zs);
        CHECK_OK(sg_sum(z, AX0, 1, false, &zs));
        CHECK_TENSOR(zs, S3, 1, ((double[]){0, 0, 0}), 0);
        sg_tensor_free(zs);
        sg_tensor_free(z);
    }

    sg_tensor_free(s);
    sg_tensor_free(v);
    sg_tensor_free(t);
}

/* Kinds, names and the shape of symbolic tensors. */
static void test_kinds(void) {
    static const int64_t open[] = {-1, 3};
    sg_tensor *p = NULL, *v = tensor64(X23, S23, 2), *s = NULL, *y = NULL;
    sg_kind kind;
    const char *name = "unset";
    int64_t shape[2];

    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, open, 2, "p", &p));
    CHECK_OK(sg_tensor_kind(p, &kind));
    CHECK(kind == SG_KIND_PLACEHOLDER);
    CHECK_OK(sg_tensor_shape(p, shape, 2));
    CHECK(shape[0] == -1 && shape[1] == 3);
    CHECK_OK(sg_tensor_name(p, &name));
    CHECK(name != NULL && strcmp(name, "p") == 0);
    CHECK_OK(sg_tensor_kind(v, &kind));
    CHECK(kind == SG_KIND_VALUE);
    CHECK_OK(sg_tensor_name(v, &name));
    CHECK(name == NULL);
    CHECK_OK(sg_tensor_new_shared(v, NULL, &s));
    CHECK_OK(sg_tensor_kind(s, &kind));
    CHECK(kind == SG_KIND_SHARED);
    CHECK_OK(sg_tensor_name(s, &name));
    CHECK(name == NULL);
    /* symbolic: p * v broadcasts (?,3) with (2,3) to (2,3) */
    CHECK_OK(sg_binary(SG_BINARY_MUL, p, v, &y));
    CHECK_OK(sg_tensor_kind(y, &kind));
    CHECK(kind == SG_KIND_SYMBOLIC);
    CHECK_OK(sg_tensor_shape(y, shape, 2));
    CHECK(shape[0] == 2 && shape[1] == 3);
    sg_tensor_free(y);
    CHECK_OK(sg_sum(p, AX0, 1, false, &y));
    CHECK_OK(sg_tensor_shape(y, shape, 1));
    CHECK(shape[0] == 3);
    sg_tensor_free(y);
    {
        sg_tensor *n = tensor64(N34, S34_, 2);
        CHECK_OK(sg_matmul(p, n, &y)); /* (?,3) @ (3,4) is (?,4) */
        CHECK_OK(sg_tensor_kind(y, &kind));
        CHECK(kind == SG_KIND_SYMBOLIC);
        CHECK_OK(sg_tensor_shape(y, shape, 2));
        CHECK(shape[0] == -1 && shape[1] == 4);
        sg_tensor_free(y);
        sg_tensor_free(n);
    }
    sg_tensor_free(p);
    sg_tensor_free(v);
    sg_tensor_free(s);
}

/* x^2 at negative x: the value and gradient numpy gives, no NaN from the
 * exponent's side (the exponent does not require grad). */
static void test_pow_negative_base(void) {
    static const double x[] = {-1.5, 2, -0.5}, sq[] = {2.25, 4, 0.25}, g2[] = {-3, 4, -1};
    sg_tensor *t = tensor64(x, S3, 1), *two = scalar64(2), *y = NULL, *loss = NULL, *g = NULL;
    CHECK_OK(sg_tensor_set_requires_grad(t, true));
    CHECK_OK(sg_binary(SG_BINARY_POW, t, two, &y));
    CHECK_TENSOR(y, S3, 1, sq, 0);
    CHECK_OK(sg_sum(y, NULL, 0, false, &loss));
    CHECK_OK(sg_tensor_backward(loss, NULL));
    CHECK_OK(sg_tensor_grad(t, &g));
    CHECK(g != NULL);
    if (g) CHECK_TENSOR(g, S3, 1, g2, 0);
    sg_tensor_free(g);
    sg_tensor_free(loss);
    sg_tensor_free(y);
    sg_tensor_free(two);
    sg_tensor_free(t);
}

/* 0-dimensional tensors: from_data with no shape, reductions and
 * permutations with no axes. */
static void test_scalars(void) {
    static const double v[] = {-2.5};
    sg_tensor *t = NULL, *y = NULL;
    size_t ndim = 9;
    double d = 0;
    CHECK_OK(sg_tensor_from_data(v, NULL, 0, SG_DTYPE_FLOAT64, &t));
    CHECK_OK(sg_tensor_ndim(t, &ndim));
    CHECK(ndim == 0);
    CHECK_OK(sg_tensor_item(t, &d));
    CHECK(d == -2.5);
    CHECK_OK(sg_sum(t, NULL, 0, false, &y));
    CHECK_TENSOR(y, NULL, 0, v, 0);
    sg_tensor_free(y);
    CHECK_OK(sg_mean(t, NULL, 0, true, &y));
    CHECK_TENSOR(y, NULL, 0, v, 0);
    sg_tensor_free(y);
    CHECK_OK(sg_permute_dims(t, NULL, 0, &y));
    CHECK_TENSOR(y, NULL, 0, v, 0);
    sg_tensor_free(y);
    CHECK_OK(sg_unary(SG_UNARY_NEG, t, &y));
    CHECK_TENSOR(y, NULL, 0, ((double[]){2.5}), 0);
    sg_tensor_free(y);
    sg_tensor_free(t);
}

/* What a compiled function returns: new concrete tensors, also for outputs
 * that are an input, a shared variable (its value before the call's
 * updates), a constant, or the same tensor twice. */
static void test_function_outputs(void) {
    sg_tensor *v = tensor64(B4, S4, 1), *W = NULL, *p = NULL, *one = scalar64(1), *upd = NULL;
    sg_tensor *c = scalar64(7), *r[5], *after = NULL;
    static const double B4_plus1[] = {1.5, 2, 3, 4};
    const sg_tensor *in[1], *outs[5], *vars[1], *vals[1];
    sg_function *f = NULL;
    sg_kind kind;
    size_t i;

    CHECK_OK(sg_tensor_new_shared(v, "W", &W));
    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, S4, 1, "p", &p));
    CHECK_OK(sg_binary(SG_BINARY_ADD, W, one, &upd));
    in[0] = p;
    outs[0] = W; outs[1] = p; outs[2] = p; outs[3] = c; outs[4] = upd;
    vars[0] = W;
    vals[0] = upd;
    CHECK_OK(sg_function_new(in, 1, outs, 5, vars, vals, 1, &f));
    CHECK_OK(sg_function_call(f, (const sg_tensor *const *)&v, 1, r, 5));
    for (i = 0; i < 5; i++) {
        CHECK_OK(sg_tensor_kind(r[i], &kind));
        CHECK(kind == SG_KIND_VALUE);
    }
    CHECK_TENSOR(r[0], S4, 1, B4, 0); /* W before the update */
    CHECK_TENSOR(r[1], S4, 1, B4, 0);
    CHECK_TENSOR(r[2], S4, 1, B4, 0);
    CHECK_TENSOR(r[3], NULL, 0, ((double[]){7}), 0);
    CHECK_TENSOR(r[4], S4, 1, B4_plus1, 0);
    CHECK_OK(sg_tensor_get_value(W, &after));
    CHECK_TENSOR(after, S4, 1, B4_plus1, 0);
    /* results are independent of later updates */
    for (i = 0; i < 5; i++) sg_tensor_free(r[i]);
    CHECK_OK(sg_function_call(f, (const sg_tensor *const *)&v, 1, r, 5));
    CHECK_TENSOR(r[0], S4, 1, B4_plus1, 0);
    CHECK_TENSOR(after, S4, 1, B4_plus1, 0);
    for (i = 0; i < 5; i++) sg_tensor_free(r[i]);
    sg_tensor_free(after);

    /* get_value of a tensor that requires grad has no history */
    {
        bool flag = true;
        CHECK_OK(sg_tensor_set_requires_grad(v, true));
        CHECK_OK(sg_tensor_get_value(v, &after));
        CHECK_OK(sg_tensor_requires_grad(after, &flag));
        CHECK(!flag);
        sg_tensor_free(after);
    }
    sg_function_free(f);
    sg_tensor_free(v);
    sg_tensor_free(W);
    sg_tensor_free(p);
    sg_tensor_free(one);
    sg_tensor_free(upd);
    sg_tensor_free(c);
}

/* Empty inner or outer lengths, and operands with zero or negative
 * strides, in matrix products. */
static void test_matmul_edges(void) {
    double v[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const int64_t s20[] = {2, 0}, s03[] = {0, 3}, s02[] = {0, 2}, s30[] = {3, 0};
    static const int64_t s22[] = {2, 2}, zero_rows[] = {0, 1}, reversed[] = {-2, -1}, zero_cols[] = {1, 0};
    static const double zeros6[6] = {0};
    sg_tensor *a = NULL, *b = NULL, *c = NULL, *o = NULL;
    int64_t shape[2];

    CHECK_OK(sg_tensor_from_data(v, s20, 2, SG_DTYPE_FLOAT64, &a));
    CHECK_OK(sg_tensor_from_data(v, s03, 2, SG_DTYPE_FLOAT64, &b));
    CHECK_OK(sg_matmul(a, b, &o)); /* (2,0) @ (0,3): zeros */
    CHECK_TENSOR(o, S23, 2, zeros6, 0);
    sg_tensor_free(o);
    sg_tensor_free(a);
    sg_tensor_free(b);
    CHECK_OK(sg_tensor_from_data(v, s02, 2, SG_DTYPE_FLOAT64, &a));
    b = tensor64(v, S23, 2);
    CHECK_OK(sg_matmul(a, b, &o));
    CHECK_OK(sg_tensor_shape(o, shape, 2));
    CHECK(shape[0] == 0 && shape[1] == 3);
    sg_tensor_free(o);
    sg_tensor_free(a);
    CHECK_OK(sg_tensor_from_data(v, s30, 2, SG_DTYPE_FLOAT64, &a));
    CHECK_OK(sg_dot(b, a, &o));
    CHECK_OK(sg_tensor_shape(o, shape, 2));
    CHECK(shape[0] == 2 && shape[1] == 0);
    sg_tensor_free(o);
    sg_tensor_free(a);
    sg_tensor_free(b);

    /* a = [[1,2],[1,2]] (row stride 0), b = [[4,3],[2,1]] (both reversed),
     * c = [[1,1],[2,2]] (column stride 0) */
    CHECK_OK(sg_tensor_from_buffer(v, s22, zero_rows, 2, SG_DTYPE_FLOAT64, NULL, NULL, &a));
    CHECK_OK(sg_tensor_from_buffer(v + 3, s22, reversed, 2, SG_DTYPE_FLOAT64, NULL, NULL, &b));
    CHECK_OK(sg_tensor_from_buffer(v, s22, zero_cols, 2, SG_DTYPE_FLOAT64, NULL, NULL, &c));
    CHECK_OK(sg_matmul(a, b, &o));
    CHECK_TENSOR(o, s22, 2, ((double[]){8, 5, 8, 5}), 0);
    sg_tensor_free(o);
    CHECK_OK(sg_matmul(b, a, &o));
    CHECK_TENSOR(o, s22, 2, ((double[]){7, 14, 3, 6}), 0);
    sg_tensor_free(o);
    CHECK_OK(sg_dot(c, c, &o));
    CHECK_TENSOR(o, s22, 2, ((double[]){3, 3, 6, 6}), 0);
    sg_tensor_free(o);
    sg_tensor_free(a);
    sg_tensor_free(b);
    sg_tensor_free(c);
}

/* Gradients stored in a leaf must not keep the leaf alive: setting or
 * seeding a gradient with a tensor computed from the leaf itself must not
 * make a reference cycle. The leaf's memory is borrowed, so the release
 * callback shows whether it was freed (and valgrind/ASan see the leak). */
static void test_gradient_cycles(void) {
    int scenario;
    for (scenario = 0; scenario < 4; scenario++) {
        double buf[2] = {1, 2};
        int released = 0;
        sg_tensor *x = NULL, *k = scalar64(2), *y = NULL, *z = NULL, *g = NULL;
        CHECK_OK(sg_tensor_from_buffer(buf, S2, NULL, 1, SG_DTYPE_FLOAT64, count_release, &released, &x));
        CHECK_OK(sg_tensor_set_requires_grad(x, true));
        CHECK_OK(sg_binary(SG_BINARY_MUL, x, k, &y)); /* y = 2x, has history */
        switch (scenario) {
        case 0: /* set_grad(x, 2x) */
            CHECK_OK(sg_tensor_set_grad(x, y));
            break;
        case 1: /* backward(x, seed = 2x) */
            CHECK_OK(sg_tensor_backward(x, y));
            break;
        case 2: /* backward(x + 2, seed = 2x) */
            CHECK_OK(sg_binary(SG_BINARY_ADD, x, k, &z));
            CHECK_OK(sg_tensor_backward(z, y));
            break;
        default: /* set_grad(x, x) */
            CHECK_OK(sg_tensor_set_grad(x, x));
            break;
        }
        CHECK_OK(sg_tensor_grad(x, &g));
        CHECK(g != NULL);
        if (g) CHECK_TENSOR(g, S2, 1, scenario == 3 ? buf : ((double[]){2, 4}), 0);
        sg_tensor_free(g);
        sg_tensor_free(z);
        sg_tensor_free(y);
        sg_tensor_free(k);
        sg_tensor_free(x);
        if (released != 1)
            CHECK_FAIL_AT("scenario %d: the leaf was not freed (a reference cycle through its grad)", scenario);
    }
}

/* Long chains (eager and symbolic) are built, differentiated, compiled,
 * run and freed without deep recursion: on a thread with a 256 KiB stack. */
#define DEEP 20000

static void *deep_graphs(void *arg) {
    int *ok = arg, i;
    sg_tensor *x = scalar64(0.5), *step = scalar64(1e-3), *cur, *next = NULL, *g = NULL;
    sg_tensor *p = NULL, *res = NULL;
    sg_function *f = NULL;
    const sg_tensor *in[1], *out[1];
    double v = 0;

    *ok = 1;
    CHECK_OK(sg_tensor_set_requires_grad(x, true));
    for (cur = x, i = 0; i < DEEP; i++) {
        CHECK_OK(sg_binary(SG_BINARY_ADD, cur, step, &next));
        if (cur != x) sg_tensor_free(cur);
        cur = next;
    }
    CHECK_OK(sg_tensor_item(cur, &v));
    CHECK_CLOSE(v, 0.5 + DEEP * 1e-3, 1e-9);
    CHECK_OK(sg_tensor_backward(cur, NULL));
    CHECK_OK(sg_tensor_grad(x, &g));
    CHECK_OK(sg_tensor_item(g, &v));
    CHECK(v == 1);
    sg_tensor_free(g);
    CHECK_OK(sg_grad(cur, (const sg_tensor *const *)&x, 1, &g));
    sg_tensor_free(g);
    sg_tensor_free(cur);

    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, NULL, 0, "p", &p));
    for (cur = p, i = 0; i < DEEP; i++) {
        CHECK_OK(sg_binary(SG_BINARY_ADD, cur, step, &next));
        if (cur != p) sg_tensor_free(cur);
        cur = next;
    }
    CHECK_OK(sg_grad(cur, (const sg_tensor *const *)&p, 1, &g));
    in[0] = p;
    out[0] = cur;
    CHECK_OK(sg_function_new(in, 1, out, 1, NULL, NULL, 0, &f));
    sg_tensor_free(cur);
    CHECK_OK(sg_function_call(f, (const sg_tensor *const *)&x, 1, &res, 1));
    CHECK_OK(sg_tensor_item(res, &v));
    CHECK_CLOSE(v, 0.5 + DEEP * 1e-3, 1e-9);
    sg_tensor_free(res);
    sg_function_free(f);
    sg_tensor_free(g);
    sg_tensor_free(p);
    sg_tensor_free(x);
    sg_tensor_free(step);
    *ok = 2;
    return NULL;
}

static void test_deep_graphs(void) {
    pthread_attr_t attr;
    pthread_t thread;
    int ok = 0;
    CHECK(pthread_attr_init(&attr) == 0);
    CHECK(pthread_attr_setstacksize(&attr, 256 * 1024) == 0);
    CHECK(pthread_create(&thread, &attr, deep_graphs, &ok) == 0);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(ok == 2);
    pthread_attr_destroy(&attr);
}

/* sg_binary_update writes x op other into x's memory: views see it, the
 * operand broadcasts, an overlapping operand is read before it is
 * overwritten, and what cannot be written in place is refused with x
 * unchanged. */
static void test_binary_update(void) {
    static const double x0[] = {1, 2, 3, 4, 5, 6}, row[] = {10, 20, 30};
    static const int64_t s3[] = {3};
    double got[6];
    sg_tensor *x = tensor64(x0, S23, 2), *r = tensor64(row, s3, 1), *view = NULL, *two = NULL;
    sg_tensor *wide = NULL, *ph = NULL, *i32 = NULL, *half = NULL, *lead = NULL, *tail = NULL;
    sg_index second_row = {SG_INDEX_INTEGER, false, false, 1, 0, 0, NULL};
    sg_index from1 = {SG_INDEX_SLICE, true, false, 1, 0, 1, NULL};
    sg_index upto2 = {SG_INDEX_SLICE, false, true, 0, 2, 1, NULL};
    int32_t ints[] = {1, 2, 3};
    bool previous;

    CHECK_OK(sg_index_get(x, &second_row, 1, &view));
    CHECK_OK(sg_binary_update(SG_BINARY_ADD, x, r)); /* (2,3) += (3,) */
    {
        static const double want[] = {11, 22, 33, 14, 25, 36}, want_view[] = {14, 25, 36};
        CHECK_TENSOR(x, S23, 2, want, 0);
        CHECK_TENSOR(view, s3, 1, want_view, 0);
    }
    /* into a view: only its elements change */
    CHECK_OK(sg_tensor_from_scalar(2.0, SG_DTYPE_FLOAT64, &two));
    CHECK_OK(sg_binary_update(SG_BINARY_MULTIPLY, view, two));
    {
        static const double want[] = {11, 22, 33, 28, 50, 72};
        CHECK_TENSOR(x, S23, 2, want, 0);
    }
    /* x[1:] -= x[:2] along one row of the view: NumPy reads the operand first */
    CHECK_OK(sg_index_get(view, &from1, 1, &tail));
    CHECK_OK(sg_index_get(view, &upto2, 1, &lead));
    CHECK_OK(sg_binary_update(SG_BINARY_SUBTRACT, tail, lead));
    {
        static const double want[] = {11, 22, 33, 28, 22, 22};
        CHECK_TENSOR(x, S23, 2, want, 0);
    }
    /* refusals leave x as it was */
    CHECK_OK(sg_tensor_copy_data(x, got, sizeof got));
    {
        static const int64_t s23x[] = {2, 2, 3};
        double big[12] = {0};
        CHECK_OK(sg_tensor_from_data(big, s23x, 3, SG_DTYPE_FLOAT64, &wide));
    }
    CHECK_STATUS(sg_binary_update(SG_BINARY_ADD, x, wide), SG_ERROR_VALUE); /* would grow x */
    CHECK(strstr(sg_last_error(), "add_") != NULL);
    CHECK_OK(sg_tensor_from_data(ints, s3, 1, SG_DTYPE_INT32, &i32));
    CHECK_STATUS(sg_binary_update(SG_BINARY_DIVIDE, i32, i32), SG_ERROR_TYPE); /* float result */
    CHECK_STATUS(sg_binary_update((sg_binary_op)1000, x, r), SG_ERROR_VALUE);
    CHECK_STATUS(sg_binary_update(SG_BINARY_ADD, NULL, r), SG_ERROR_NULL);
    CHECK_STATUS(sg_binary_update(SG_BINARY_ADD, x, NULL), SG_ERROR_NULL);
    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, S23, 2, "p", &ph));
    CHECK_STATUS(sg_binary_update(SG_BINARY_ADD, ph, r), SG_ERROR_TYPE);
    CHECK_STATUS(sg_binary_update(SG_BINARY_ADD, x, ph), SG_ERROR_TYPE);
    CHECK_OK(sg_tensor_set_requires_grad(x, true));
    CHECK_STATUS(sg_binary_update(SG_BINARY_ADD, x, r), SG_ERROR_TYPE); /* recording */
    CHECK_TENSOR(x, S23, 2, got, 0);
    /* with recording off, as under no_grad, a leaf that requires grad updates */
    CHECK_OK(sg_autograd_set_enabled(false, &previous));
    CHECK_OK(sg_tensor_from_scalar(0.5, SG_DTYPE_FLOAT64, &half));
    CHECK_OK(sg_binary_update(SG_BINARY_MULTIPLY, x, half));
    CHECK_OK(sg_autograd_set_enabled(previous, NULL));
    {
        static const double want[] = {5.5, 11, 16.5, 14, 11, 11};
        CHECK_TENSOR(x, S23, 2, want, 0);
    }
    sg_tensor_free(x); sg_tensor_free(r); sg_tensor_free(view); sg_tensor_free(two);
    sg_tensor_free(wide); sg_tensor_free(ph); sg_tensor_free(i32); sg_tensor_free(half);
    sg_tensor_free(lead); sg_tensor_free(tail);
}

/* sg_jvp refuses what it cannot push, naming what is wrong; an output that
 * does not depend on the inputs gets zeros. */
static void test_jvp_errors(void) {
    static const int64_t s3[] = {3}, s2[] = {2};
    static const double zeros[] = {0, 0, 0};
    double x[] = {1, 2, 3};
    int64_t k[] = {1, 2, 3};
    sg_tensor *t = NULL, *wrong = NULL, *ints = NULL, *y = NULL, *other = NULL, *out = NULL;

    CHECK_OK(sg_tensor_from_data(x, s3, 1, SG_DTYPE_FLOAT64, &t));
    CHECK_OK(sg_tensor_set_requires_grad(t, true));
    CHECK_OK(sg_tensor_from_data(x, s2, 1, SG_DTYPE_FLOAT64, &wrong));
    CHECK_OK(sg_tensor_from_data(k, s3, 1, SG_DTYPE_INT64, &ints));
    CHECK_OK(sg_unary(SG_UNARY_EXP, t, &y));
    CHECK_STATUS(sg_jvp((const sg_tensor *const[]){y}, 1, (const sg_tensor *const[]){t},
                        (const sg_tensor *const[]){wrong}, 1, &out), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("tangent 0");
    CHECK_STATUS(sg_jvp((const sg_tensor *const[]){y}, 1, (const sg_tensor *const[]){ints},
                        (const sg_tensor *const[]){ints}, 1, &out), SG_ERROR_TYPE);
    CHECK_STATUS(sg_jvp((const sg_tensor *const[]){y}, 1, (const sg_tensor *const[]){t},
                        (const sg_tensor *const[]){t}, 1, NULL), SG_ERROR_NULL);
    CHECK_STATUS(sg_jvp(NULL, 1, (const sg_tensor *const[]){t}, (const sg_tensor *const[]){t}, 1, &out),
                 SG_ERROR_NULL);
    CHECK(out == NULL);
    /* exp(other) does not depend on t */
    CHECK_OK(sg_tensor_from_data(x, s3, 1, SG_DTYPE_FLOAT64, &other));
    sg_tensor_free(y);
    CHECK_OK(sg_unary(SG_UNARY_EXP, other, &y));
    CHECK_OK(sg_jvp((const sg_tensor *const[]){y}, 1, (const sg_tensor *const[]){t},
                    (const sg_tensor *const[]){t}, 1, &out));
    CHECK_TENSOR(out, s3, 1, zeros, 0);
    sg_tensor_free(out); sg_tensor_free(y); sg_tensor_free(other);
    sg_tensor_free(t); sg_tensor_free(wrong); sg_tensor_free(ints);
}

int main(void) {
    size_t i;
    test_names();
    for (i = 0; i < sizeof CASES / sizeof CASES[0]; i++) run_case(&CASES[i]);
    test_extremes();
    test_astype();
    test_float32();
    test_autograd_enabled();
    test_borrowed_c_order();
    test_borrowed_strided();
    test_borrowed_lifetime();
    test_borrowed_failures();
    test_borrowed_read_only();
    test_data_out();
    test_kinds();
    test_pow_negative_base();
    test_scalars();
    test_function_outputs();
    test_matmul_edges();
    test_gradient_cycles();
    test_deep_graphs();
    test_binary_update();
    test_jvp_errors();
    return CHECK_DONE();
}
