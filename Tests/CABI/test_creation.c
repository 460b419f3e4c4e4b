/*
 * test_creation.c: creation functions, the seeded generator, sorting and
 * sets through the C ABI, with hand-computed values, the same random
 * numbers python/tests/test_random.py checks, gradients of tril and sort,
 * and the errors of bad arguments.
 */
#include <math.h>
#include <stdlib.h>

#include "check.h"

/* t must be int64 with exactly the n values `expected`. */
#define CHECK_INTS(t, expected, n) check_ints_at(__LINE__, (t), (expected), (n))

static void check_ints_at(int line, const sg_tensor *t, const int64_t *expected, size_t n) {
    int64_t got[64];
    sg_dtype dtype;
    CHECK_OK(sg_tensor_dtype(t, &dtype));
    if (dtype != SG_DTYPE_INT64 || tensor_count(t) != n || n > 64) {
        fprintf(stderr, "%s:%d: expected %lu int64 values\n", __FILE__, line, (unsigned long)n);
        check_failures++;
        return;
    }
    CHECK_OK(sg_tensor_copy_data(t, got, n * sizeof(int64_t)));
    for (size_t i = 0; i < n; i++) {
        if (got[i] != expected[i]) {
            fprintf(stderr, "%s:%d: [%lu] = %lld, expected %lld\n", __FILE__, line,
                    (unsigned long)i, (long long)got[i], (long long)expected[i]);
            check_failures++;
        }
    }
}

static void test_constants(void) {
    const int64_t s23[] = {2, 3};
    const double zeros[6] = {0}, ones[] = {1, 1, 1, 1, 1, 1};
    sg_tensor *z = NULL, *o = NULL, *e = NULL;
    CHECK_OK(sg_zeros(s23, 2, SG_DTYPE_FLOAT64, &z));
    CHECK_OK(sg_ones(s23, 2, SG_DTYPE_FLOAT32, &o));
    CHECK_OK(sg_empty(s23, 2, SG_DTYPE_INT8, &e));
    CHECK_TENSOR(z, s23, 2, zeros, 0);
    CHECK_TENSOR(o, s23, 2, ones, 0);
    CHECK(tensor_count(e) == 6);

    /* full_like: of a value now; of a placeholder, symbolic until run. */
    const double sevens[] = {7, 7, 7, 7, 7, 7};
    const int64_t open_shape[] = {-1, 3};
    double seven = 7;
    sg_tensor *f = NULL, *p = NULL, *fp = NULL, *result = NULL;
    sg_function *fn = NULL;
    sg_kind kind;
    CHECK_OK(sg_full_like(z, &seven, SG_DTYPE_FLOAT64, &f));
    CHECK_TENSOR(f, s23, 2, sevens, 0);
    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, open_shape, 2, "x", &p));
    CHECK_OK(sg_full_like(p, &seven, SG_DTYPE_FLOAT64, &fp));
    CHECK_OK(sg_tensor_kind(fp, &kind));
    CHECK(kind == SG_KIND_SYMBOLIC);
    const sg_tensor *ins[] = {p}, *outs[] = {fp}, *args[] = {z};
    CHECK_OK(sg_function_new(ins, 1, outs, 1, NULL, NULL, 0, &fn));
    CHECK_OK(sg_function_call(fn, args, 1, &result, 1));
    CHECK_TENSOR(result, s23, 2, sevens, 0);
    CHECK_STATUS(sg_full_like(z, NULL, SG_DTYPE_FLOAT64, &result), SG_ERROR_NULL);
    sg_tensor_free(result);
    sg_function_free(fn);
    sg_tensor_free(fp);
    sg_tensor_free(p);
    sg_tensor_free(f);
    sg_tensor_free(z);
    sg_tensor_free(o);
    sg_tensor_free(e);
}

static void test_ranges(void) {
    sg_tensor *t = NULL;
    int64_t a = 10, b = 0, d = -3;
    const int64_t down[] = {10, 7, 4, 1};
    CHECK_OK(sg_arange(&a, &b, &d, SG_DTYPE_INT64, SG_DTYPE_INT64, &t));
    CHECK_INTS(t, down, 4);
    sg_tensor_free(t);

    double x0 = 0, x1 = 1, dx = 0.25;
    const double quarters[] = {0, 0.25, 0.5, 0.75};
    const int64_t s4[] = {4}, s5[] = {5};
    CHECK_OK(sg_arange(&x0, &x1, &dx, SG_DTYPE_FLOAT64, SG_DTYPE_FLOAT64, &t));
    CHECK_TENSOR(t, s4, 1, quarters, 0);
    sg_tensor_free(t);

    const double five[] = {0, 0.25, 0.5, 0.75, 1};
    CHECK_OK(sg_linspace(&x0, &x1, SG_DTYPE_FLOAT64, 5, true, SG_DTYPE_FLOAT64, &t));
    CHECK_TENSOR(t, s5, 1, five, 0);
    sg_tensor_free(t);
    CHECK_OK(sg_linspace(&x0, &x1, SG_DTYPE_FLOAT64, 4, false, SG_DTYPE_FLOAT32, &t));
    CHECK_TENSOR(t, s4, 1, quarters, 0);
    sg_tensor_free(t);

    /* ceil((stop - start) / step) elements, checked: 2^64 - 1 is too many. */
    int64_t lo = INT64_MIN, hi = INT64_MAX, one = 1, zero = 0;
    t = NULL;
    CHECK_STATUS(sg_arange(&lo, &hi, &one, SG_DTYPE_INT64, SG_DTYPE_INT64, &t), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("[arange]");
    CHECK(t == NULL);
    CHECK_STATUS(sg_arange(&zero, &one, &zero, SG_DTYPE_INT64, SG_DTYPE_INT64, &t), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("step");
    CHECK_STATUS(sg_arange(NULL, &one, &one, SG_DTYPE_INT64, SG_DTYPE_INT64, &t), SG_ERROR_NULL);
    CHECK_STATUS(sg_arange(&zero, &one, &one, SG_DTYPE_INT64, SG_DTYPE_COMPLEX64, &t), SG_ERROR_TYPE);
    CHECK_STATUS(sg_linspace(&x0, &x1, SG_DTYPE_FLOAT64, -1, true, SG_DTYPE_FLOAT64, &t), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("[linspace]");
    CHECK(t == NULL);
}

static void test_eye_triangles_meshgrid(void) {
    sg_tensor *t = NULL;
    const int64_t s23[] = {2, 3}, s33[] = {3, 3};
    const double eye_k1[] = {0, 1, 0, 0, 0, 1};
    CHECK_OK(sg_eye(2, 3, 1, SG_DTYPE_FLOAT64, &t));
    CHECK_TENSOR(t, s23, 2, eye_k1, 0);
    sg_tensor_free(t);
    CHECK_STATUS(sg_eye(-1, 3, 0, SG_DTYPE_FLOAT64, &t), SG_ERROR_VALUE);

    /* tril and its gradient: the same mask on the cotangent. */
    const double m[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const double low[] = {1, 0, 0, 4, 5, 0, 7, 8, 9}, mask_up1[] = {0, 1, 1, 0, 0, 1, 0, 0, 0};
    sg_tensor *x = tensor64(m, s33, 2), *y = NULL, *s = NULL, *g = NULL;
    CHECK_OK(sg_tril(x, 0, &y));
    CHECK_TENSOR(y, s33, 2, low, 0);
    sg_tensor_free(y);
    CHECK_OK(sg_tensor_set_requires_grad(x, true));
    CHECK_OK(sg_triu(x, 1, &y));
    CHECK_OK(sg_sum(y, NULL, 0, false, &s));
    CHECK_OK(sg_tensor_backward(s, NULL));
    CHECK_OK(sg_tensor_grad(x, &g));
    CHECK_TENSOR(g, s33, 2, mask_up1, 0);
    sg_tensor_free(g);
    sg_tensor_free(s);
    sg_tensor_free(y);
    const int64_t s3[] = {3};
    sg_tensor *v = tensor64(m, s3, 1);
    CHECK_STATUS(sg_tril(v, 0, &y), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("[tril]");
    CHECK_STATUS(sg_tril(NULL, 0, &y), SG_ERROR_NULL);

    /* meshgrid of (1, 2, 3) and (4, 5): "xy" gives 2 x 3 grids. */
    const int64_t s2[] = {2};
    sg_tensor *w = tensor64(m + 3, s2, 1), *outs[2] = {NULL, NULL};
    const sg_tensor *ins[] = {v, w};
    const double gx[] = {1, 2, 3, 1, 2, 3}, gy[] = {4, 4, 4, 5, 5, 5};
    CHECK_OK(sg_meshgrid(ins, 2, false, outs));
    CHECK_TENSOR(outs[0], s23, 2, gx, 0);
    CHECK_TENSOR(outs[1], s23, 2, gy, 0);
    sg_tensor_free(outs[0]);
    sg_tensor_free(outs[1]);
    const int64_t s32[] = {3, 2};
    const double ix[] = {1, 1, 2, 2, 3, 3};
    CHECK_OK(sg_meshgrid(ins, 2, true, outs));
    CHECK_TENSOR(outs[0], s32, 2, ix, 0);
    sg_tensor_free(outs[0]);
    sg_tensor_free(outs[1]);
    CHECK_STATUS(sg_meshgrid(ins, 2, true, NULL), SG_ERROR_NULL);
    const sg_tensor *bad[] = {v, x};
    CHECK_STATUS(sg_meshgrid(bad, 2, true, outs), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("1-D");
    sg_tensor_free(w);
    sg_tensor_free(v);
    sg_tensor_free(x);
}

/* The numbers python/tests/test_random.py checks for the same seed. */
static void test_random(void) {
    sg_tensor *t = NULL;
    const int64_t s3[] = {3}, s7[] = {7}, s4[] = {4};
    double u[3];
    CHECK_OK(sg_random_uniform(42, 0, 0.0, 1.0, s3, 1, SG_DTYPE_FLOAT64, &t));
    CHECK_OK(sg_tensor_copy_data(t, u, sizeof u));
    CHECK(u[0] == 0x1.dfd524ee73abcp-2);
    CHECK(u[1] == 0x1.5d0acf5c4afd4p-2);
    CHECK(u[2] == 0x1.4ee9b3f7f36c8p-2);
    sg_tensor_free(t);

    const int64_t ints[] = {4, 3, 3, 4, 6, 7, 6};
    CHECK_OK(sg_random_integers(42, 0, 0, 10, s7, 1, SG_DTYPE_INT64, &t));
    CHECK_INTS(t, ints, 7);
    sg_tensor_free(t);
    /* Counter 3 continues the same stream. */
    CHECK_OK(sg_random_integers(42, 3, 0, 10, s4, 1, SG_DTYPE_INT64, &t));
    CHECK_INTS(t, ints + 3, 4);
    sg_tensor_free(t);

    const double normals[] = {-0.6076510539335191, 0.9461447819697152, -0.8536440633116089};
    CHECK_OK(sg_random_normal(42, 0, 0.0, 1.0, s3, 1, SG_DTYPE_FLOAT64, &t));
    CHECK_TENSOR(t, s3, 1, normals, 1e-15);
    sg_tensor_free(t);

    /* A permutation holds every index once. */
    int64_t p[7];
    int seen[7] = {0};
    CHECK_OK(sg_random_permutation(42, 0, 7, &t));
    CHECK_OK(sg_tensor_copy_data(t, p, sizeof p));
    for (int i = 0; i < 7; i++)
        if (p[i] >= 0 && p[i] < 7) seen[p[i]]++;
    for (int i = 0; i < 7; i++) CHECK(seen[i] == 1);
    sg_tensor_free(t);

    bool b[3];
    CHECK_OK(sg_random_bernoulli(42, 0, 0.4, s3, 1, SG_DTYPE_BOOL, &t));
    CHECK_OK(sg_tensor_copy_data(t, b, sizeof b));
    CHECK(!b[0] && b[1] && b[2]); /* u < 0.4 for the uniforms above */
    sg_tensor_free(t);

    const double rows[] = {1, 2, 3, 4, 5, 6};
    const int64_t s32[] = {3, 2};
    sg_tensor *x = tensor64(rows, s32, 2);
    CHECK_OK(sg_random_permute(42, 0, x, &t));
    CHECK(tensor_count(t) == 6);
    sg_tensor_free(t);
    sg_tensor_free(x);

    t = NULL;
    CHECK_STATUS(sg_random_integers(1, 0, 5, 5, s3, 1, SG_DTYPE_INT64, &t), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("low < high");
    CHECK_STATUS(sg_random_normal(1, 0, 0, 1, s3, 1, SG_DTYPE_INT32, &t), SG_ERROR_TYPE);
    CHECK_STATUS(sg_random_uniform(1, 0, 0, 1, NULL, 1, SG_DTYPE_FLOAT64, &t), SG_ERROR_NULL);
    const int64_t huge[] = {INT64_MAX, INT64_MAX};
    CHECK_STATUS(sg_random_uniform(1, 0, 0, 1, huge, 2, SG_DTYPE_FLOAT64, &t), SG_ERROR_VALUE);
    CHECK_STATUS(sg_random_bernoulli(1, 0, 2.0, s3, 1, SG_DTYPE_BOOL, &t), SG_ERROR_VALUE);
    CHECK_STATUS(sg_random_permutation(1, 0, -1, &t), SG_ERROR_VALUE);
    CHECK_STATUS(sg_random_permute(1, 0, NULL, &t), SG_ERROR_NULL);
    CHECK(t == NULL);
}

static void test_sorting(void) {
    const double xs[] = {3, NAN, 1, 2, 1};
    const int64_t s5[] = {5};
    sg_tensor *x = tensor64(xs, s5, 1), *t = NULL;
    const int64_t order[] = {2, 4, 3, 0, 1}, down[] = {1, 0, 3, 2, 4};
    CHECK_OK(sg_argsort(x, -1, false, &t));
    CHECK_INTS(t, order, 5);
    sg_tensor_free(t);
    CHECK_OK(sg_argsort(x, 0, true, &t));
    CHECK_INTS(t, down, 5);
    sg_tensor_free(t);

    double sorted[5];
    CHECK_OK(sg_sort(x, 0, false, &t));
    CHECK_OK(sg_tensor_copy_data(t, sorted, sizeof sorted));
    CHECK(sorted[0] == 1 && sorted[1] == 1 && sorted[2] == 2 && sorted[3] == 3 && isnan(sorted[4]));
    sg_tensor_free(t);

    /* The gradient of sum(sort(y) * w) puts w back through the order. */
    const double ys[] = {3, 1, 2}, ws[] = {1, 10, 100}, expected[] = {100, 1, 10};
    const int64_t s3[] = {3};
    sg_tensor *y = tensor64(ys, s3, 1), *w = tensor64(ws, s3, 1), *p = NULL, *s = NULL, *g = NULL;
    CHECK_OK(sg_tensor_set_requires_grad(y, true));
    CHECK_OK(sg_sort(y, 0, false, &t));
    CHECK_OK(sg_binary(SG_BINARY_MULTIPLY, t, w, &p));
    CHECK_OK(sg_sum(p, NULL, 0, false, &s));
    CHECK_OK(sg_tensor_backward(s, NULL));
    CHECK_OK(sg_tensor_grad(y, &g));
    CHECK_TENSOR(g, s3, 1, expected, 0);
    sg_tensor_free(g);
    sg_tensor_free(s);
    sg_tensor_free(p);
    sg_tensor_free(t);

    const double edges[] = {1, 2, 2, 3}, probes[] = {2, 0, 5};
    const int64_t s4[] = {4}, left[] = {1, 0, 4}, right[] = {3, 0, 4};
    sg_tensor *e = tensor64(edges, s4, 1), *q = tensor64(probes, s3, 1);
    CHECK_OK(sg_searchsorted(e, q, false, &t));
    CHECK_INTS(t, left, 3);
    sg_tensor_free(t);
    CHECK_OK(sg_searchsorted(e, q, true, &t));
    CHECK_INTS(t, right, 3);
    sg_tensor_free(t);

    sg_tensor *values = NULL, *indices = NULL, *inverse = NULL, *counts = NULL;
    CHECK_OK(sg_unique_all(x, &values, &indices, &inverse, &counts));
    const int64_t first[] = {2, 3, 0, 1}, inv[] = {2, 3, 0, 1, 0}, cnt[] = {2, 1, 1, 1};
    CHECK(tensor_count(values) == 4);
    CHECK_INTS(indices, first, 4);
    CHECK_INTS(inverse, inv, 5);
    CHECK_INTS(counts, cnt, 4);
    sg_tensor_free(values);
    sg_tensor_free(indices);
    sg_tensor_free(inverse);
    sg_tensor_free(counts);

    t = NULL;
    CHECK_STATUS(sg_sort(x, 1, false, &t), SG_ERROR_INDEX);
    CHECK_ERROR_HAS("[sort]");
    CHECK_STATUS(sg_searchsorted(q, NULL, false, &t), SG_ERROR_NULL);
    CHECK_STATUS(sg_unique_all(x, &values, NULL, &inverse, &counts), SG_ERROR_NULL);
    CHECK(t == NULL);
    sg_tensor_free(e);
    sg_tensor_free(q);
    sg_tensor_free(w);
    sg_tensor_free(y);
    sg_tensor_free(x);
}

/* Draws and sorts large enough to be split across the worker pool give
 * what small ones do (and, under ThreadSanitizer, race on nothing). */
static void test_large(void) {
    enum { N = 200000, ROWS = 64, COLS = 1024 };
    const int64_t big[] = {N}, two[] = {2}, grid[] = {ROWS, COLS};
    sg_tensor *t = NULL, *tail = NULL, *order = NULL;
    double *all = malloc(N * sizeof(double)), last[2];
    CHECK(all != NULL);
    CHECK_OK(sg_random_normal(7, 5, 0.0, 1.0, big, 1, SG_DTYPE_FLOAT64, &t));
    CHECK_OK(sg_tensor_copy_data(t, all, N * sizeof(double)));
    CHECK_OK(sg_random_normal(7, 5 + N - 2, 0.0, 1.0, two, 1, SG_DTYPE_FLOAT64, &tail));
    CHECK_OK(sg_tensor_copy_data(tail, last, sizeof last));
    CHECK(all[N - 2] == last[0] && all[N - 1] == last[1]);
    sg_tensor_free(tail);
    sg_tensor_free(t);

    /* Each of 64 rows of 1024 uniforms sorts into order. */
    CHECK_OK(sg_random_uniform(3, 0, 0.0, 1.0, grid, 2, SG_DTYPE_FLOAT64, &t));
    CHECK_OK(sg_sort(t, -1, false, &order));
    CHECK_OK(sg_tensor_copy_data(order, all, ROWS * COLS * sizeof(double)));
    int sorted = 1;
    for (int r = 0; r < ROWS; r++)
        for (int c = 1; c < COLS; c++)
            if (all[r * COLS + c - 1] > all[r * COLS + c]) sorted = 0;
    CHECK(sorted);
    sg_tensor_free(order);
    sg_tensor_free(t);
    free(all);
}

int main(void) {
    test_constants();
    test_ranges();
    test_eye_triangles_meshgrid();
    test_random();
    test_sorting();
    test_large();
    CHECK_DONE();
}
