/*
 * test_optable.c: walks the shared op table (Tests/OpTable/ops.tsv)
 * through the C ABI. For every row: the op is in the library's registry
 * under its name; each of the 13 dtypes works exactly when the row lists
 * it (otherwise SG_ERROR_TYPE naming the op); and for differentiable rows,
 * float64 gradients from sg_tensor_backward and forward-mode products
 * from sg_jvp match central differences.
 */
#include <math.h>

#include "check.h"

#define MAX_ROWS 128
#define N 3

typedef struct {
    char op[32], dtypes[64], domain[64];
    int arity, grad;
    int code; /* its sg_unary_op or sg_binary_op number */
} row;

static int kinds_include(const char *dtypes, sg_dtype dtype) {
    sg_dtype_kind kind;
    CHECK_OK(sg_dtype_kind_of(dtype, &kind));
    if (strstr(dtypes, "all")) return 1;
    switch (kind) {
    case SG_DTYPE_KIND_BOOL: return strstr(dtypes, "bool") != NULL;
    case SG_DTYPE_KIND_SIGNED_INTEGER:
    case SG_DTYPE_KIND_UNSIGNED_INTEGER: return strstr(dtypes, "int") != NULL;
    case SG_DTYPE_KIND_REAL_FLOATING: return strstr(dtypes, "float") != NULL;
    case SG_DTYPE_KIND_COMPLEX_FLOATING: return strstr(dtypes, "complex") != NULL;
    }
    return 0;
}

/* The code of the op named `name` among `arity`-ary ops, or -1. */
static int find_op(const char *name, int arity) {
    int i;
    const char *n;
    for (i = 0; (n = arity == 1 ? sg_unary_op_name((sg_unary_op)i) : sg_binary_op_name((sg_binary_op)i)); i++)
        if (strcmp(n, name) == 0) return i;
    return -1;
}

static sg_status apply(const row *r, sg_tensor *const *x, sg_tensor **out) {
    return r->arity == 1 ? sg_unary((sg_unary_op)r->code, x[0], out)
                         : sg_binary((sg_binary_op)r->code, x[0], x[1], out);
}

/* The domain of operand i: "lo:hi" or "lo:hi,lo:hi". */
static void domain(const row *r, int i, double *lo, double *hi) {
    const char *part = r->domain;
    if (i == 1 && strchr(part, ',')) part = strchr(part, ',') + 1;
    if (sscanf(part, "%lf:%lf", lo, hi) != 2) CHECK_FAIL_AT("bad domain %s", r->domain);
}

static double uniform(unsigned *state, double lo, double hi) {
    *state = *state * 1103515245u + 12345u;
    return lo + (hi - lo) * ((*state >> 8) & 0xffff) / 65535.0;
}

/* sum(f(x) * w) for float64 operands. */
static double loss(const row *r, double x[2][N], const double *w) {
    static const int64_t shape[] = {N};
    sg_tensor *t[2] = {NULL, NULL}, *y, *wt, *yw, *s;
    double value;
    int i;
    for (i = 0; i < r->arity; i++) CHECK_OK(sg_tensor_from_data(x[i], shape, 1, SG_DTYPE_FLOAT64, &t[i]));
    CHECK_OK(sg_tensor_from_data(w, shape, 1, SG_DTYPE_FLOAT64, &wt));
    CHECK_OK(apply(r, t, &y));
    CHECK_OK(sg_binary(SG_BINARY_MULTIPLY, y, wt, &yw));
    CHECK_OK(sg_sum(yw, NULL, 0, false, &s));
    CHECK_OK(sg_tensor_item(s, &value));
    sg_tensor_free(s); sg_tensor_free(yw); sg_tensor_free(wt); sg_tensor_free(y);
    for (i = 0; i < r->arity; i++) sg_tensor_free(t[i]);
    return value;
}

static void check_gradient(const row *r, unsigned *state) {
    static const int64_t shape[] = {N};
    double x[2][N], w[N], g[N], lo, hi;
    sg_tensor *t[2] = {NULL, NULL}, *y, *wt, *yw, *s, *grad;
    int i, j;
    for (i = 0; i < r->arity; i++) {
        domain(r, i, &lo, &hi);
        for (j = 0; j < N; j++) x[i][j] = uniform(state, lo, hi);
    }
    for (j = 0; j < N; j++) w[j] = uniform(state, -1, 1);
    for (i = 0; i < r->arity; i++) {
        CHECK_OK(sg_tensor_from_data(x[i], shape, 1, SG_DTYPE_FLOAT64, &t[i]));
        CHECK_OK(sg_tensor_set_requires_grad(t[i], true));
    }
    CHECK_OK(sg_tensor_from_data(w, shape, 1, SG_DTYPE_FLOAT64, &wt));
    CHECK_OK(apply(r, t, &y));
    CHECK_OK(sg_binary(SG_BINARY_MULTIPLY, y, wt, &yw));
    CHECK_OK(sg_sum(yw, NULL, 0, false, &s));
    CHECK_OK(sg_tensor_backward(s, NULL));
    for (i = 0; i < r->arity; i++) {
        CHECK_OK(sg_tensor_grad(t[i], &grad));
        CHECK(grad != NULL);
        if (grad == NULL) continue;
        CHECK_OK(sg_tensor_copy_data(grad, g, sizeof g));
        for (j = 0; j < N; j++) {
            const double h = 1e-6, saved = x[i][j];
            double up, down;
            x[i][j] = saved + h;
            up = loss(r, x, w);
            x[i][j] = saved - h;
            down = loss(r, x, w);
            x[i][j] = saved;
            if (!(fabs(g[j] - (up - down) / (2 * h)) <= 1e-6 * (1 + fabs(g[j]))))
                CHECK_FAIL_AT("[%s] d/dx%d[%d] = %.10g, central differences give %.10g", r->op, i, j,
                              g[j], (up - down) / (2 * h));
        }
        sg_tensor_free(grad);
    }
    sg_tensor_free(s); sg_tensor_free(yw); sg_tensor_free(wt); sg_tensor_free(y);
    for (i = 0; i < r->arity; i++) sg_tensor_free(t[i]);
}

/* f(x) into y, for float64 operands. */
static void values(const row *r, double x[2][N], double *y) {
    static const int64_t shape[] = {N};
    sg_tensor *t[2] = {NULL, NULL}, *out;
    int i;
    for (i = 0; i < r->arity; i++) CHECK_OK(sg_tensor_from_data(x[i], shape, 1, SG_DTYPE_FLOAT64, &t[i]));
    CHECK_OK(apply(r, t, &out));
    CHECK_OK(sg_tensor_copy_data(out, y, N * sizeof(double)));
    sg_tensor_free(out);
    for (i = 0; i < r->arity; i++) sg_tensor_free(t[i]);
}

/* Forward mode: sg_jvp of f at x along tangents v against central
 * differences (f(x + hv) - f(x - hv)) / 2h. */
static void check_jvp(const row *r, unsigned *state) {
    static const int64_t shape[] = {N};
    double x[2][N], v[2][N], moved[2][N], up[N], down[N], pushed[N], lo, hi;
    const double h = 1e-6;
    sg_tensor *t[2] = {NULL, NULL}, *tv[2] = {NULL, NULL}, *y, *result = NULL;
    int i, j;
    for (i = 0; i < r->arity; i++) {
        domain(r, i, &lo, &hi);
        for (j = 0; j < N; j++) {
            x[i][j] = uniform(state, lo, hi);
            v[i][j] = uniform(state, -1, 1);
        }
        CHECK_OK(sg_tensor_from_data(x[i], shape, 1, SG_DTYPE_FLOAT64, &t[i]));
        CHECK_OK(sg_tensor_set_requires_grad(t[i], true));
        CHECK_OK(sg_tensor_from_data(v[i], shape, 1, SG_DTYPE_FLOAT64, &tv[i]));
    }
    CHECK_OK(apply(r, t, &y));
    CHECK_OK(sg_jvp((const sg_tensor *const[]){y}, 1, (const sg_tensor *const *)t,
                    (const sg_tensor *const *)tv, (size_t)r->arity, &result));
    CHECK_OK(sg_tensor_copy_data(result, pushed, sizeof pushed));
    for (i = 0; i < r->arity; i++)
        for (j = 0; j < N; j++) moved[i][j] = x[i][j] + h * v[i][j];
    values(r, moved, up);
    for (i = 0; i < r->arity; i++)
        for (j = 0; j < N; j++) moved[i][j] = x[i][j] - h * v[i][j];
    values(r, moved, down);
    for (j = 0; j < N; j++)
        if (!(fabs(pushed[j] - (up[j] - down[j]) / (2 * h)) <= 1e-6 * (1 + fabs(pushed[j]))))
            CHECK_FAIL_AT("[%s] jvp[%d] = %.10g, central differences give %.10g", r->op, j, pushed[j],
                          (up[j] - down[j]) / (2 * h));
    sg_tensor_free(result);
    sg_tensor_free(y);
    for (i = 0; i < r->arity; i++) {
        sg_tensor_free(t[i]);
        sg_tensor_free(tv[i]);
    }
}

static void check_dtypes(const row *r) {
    static const int64_t shape[] = {2};
    static const unsigned char zeros[2 * 16] = {0};
    int d, i;
    for (d = 0; d < SG_DTYPE_COUNT; d++) {
        sg_tensor *x[2] = {NULL, NULL}, *out = NULL;
        sg_status status;
        int integer_divide = strcmp(r->op, "divide") == 0 && d != SG_DTYPE_BOOL && !kinds_include("float,complex", (sg_dtype)d);
        for (i = 0; i < r->arity; i++) CHECK_OK(sg_tensor_from_data(zeros, shape, 1, (sg_dtype)d, &x[i]));
        status = apply(r, x, &out);
        if (kinds_include(r->dtypes, (sg_dtype)d) || integer_divide) {
            if (status != SG_OK) CHECK_FAIL_AT("[%s] %s fails: %s", r->op, sg_dtype_name((sg_dtype)d), sg_last_error());
        } else {
            if (status != SG_ERROR_TYPE) CHECK_FAIL_AT("[%s] %s gives %d, not SG_ERROR_TYPE", r->op, sg_dtype_name((sg_dtype)d), (int)status);
            else {
                char prefix[40];
                snprintf(prefix, sizeof prefix, "[%s]", r->op);
                CHECK_ERROR_HAS(prefix);
                CHECK_ERROR_HAS(sg_dtype_name((sg_dtype)d));
            }
        }
        sg_tensor_free(out);
        for (i = 0; i < r->arity; i++) sg_tensor_free(x[i]);
    }
}

int main(int argc, char **argv) {
    static row rows[MAX_ROWS];
    const char *path = argc > 1 ? argv[1] : "Tests/OpTable/ops.tsv";
    FILE *file = fopen(path, "r");
    char line[512];
    int count = 0, unary = 0, binary = 0, i;
    unsigned state = 12345;

    if (!file) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    while (fgets(line, sizeof line, file) && count < MAX_ROWS) {
        row *r = &rows[count];
        char rtol[32], numpy[32];
        if (line[0] == '#' || line[0] == '\n') continue;
        if (sscanf(line, "%31s %d %63s %63s %d %31s %31s", r->op, &r->arity, r->dtypes, r->domain, &r->grad,
                   rtol, numpy) != 7) {
            CHECK_FAIL_AT("unreadable row: %s", line);
            continue;
        }
        r->code = find_op(r->op, r->arity);
        if (r->code < 0) {
            CHECK_FAIL_AT("%s is not an op of the library", r->op);
            continue;
        }
        if (r->arity == 1) unary++; else binary++;
        count++;
    }
    fclose(file);
    /* The table has a row for every op. */
    CHECK(unary == SG_UNARY_OP_COUNT);
    CHECK(binary == SG_BINARY_OP_COUNT);

    for (i = 0; i < count; i++) {
        check_dtypes(&rows[i]);
        if (rows[i].grad >= 1) {
            check_gradient(&rows[i], &state);
            check_jvp(&rows[i], &state);
        }
    }
    return CHECK_DONE();
}
