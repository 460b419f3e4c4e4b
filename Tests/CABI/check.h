/*
 * check.h: the assertions of the C ABI tests.
 *
 * CHECK_OK stops the program (the result it should have written is
 * missing); the other checks report, count a failure and go on, so one run
 * shows every broken expectation. End main with `return CHECK_DONE();`.
 */
#ifndef SWIFTGRAD_CHECK_H
#define SWIFTGRAD_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swiftgrad.h"

static int check_failures = 0;

#define CHECK_FAIL_AT(...)                                                   \
    do {                                                                     \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                      \
        fprintf(stderr, __VA_ARGS__);                                        \
        fputc('\n', stderr);                                                 \
        check_failures++;                                                    \
    } while (0)

/* The call must succeed; otherwise print it with sg_last_error() and exit. */
#define CHECK_OK(call)                                                       \
    do {                                                                     \
        sg_status check_s_ = (call);                                         \
        if (check_s_ != SG_OK) {                                             \
            fprintf(stderr, "%s:%d: %s\n  returned %d: %s\n", __FILE__,      \
                    __LINE__, #call, (int)check_s_, sg_last_error());        \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

/* The call must return `expected` (an sg_status). */
#define CHECK_STATUS(call, expected)                                         \
    do {                                                                     \
        sg_status check_s_ = (call);                                         \
        if (check_s_ != (expected))                                          \
            CHECK_FAIL_AT("%s\n  returned %d, expected %s (%d); last error: %s", \
                          #call, (int)check_s_, #expected, (int)(expected),  \
                          sg_last_error());                                  \
    } while (0)

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) CHECK_FAIL_AT("check failed: %s", #cond);               \
    } while (0)

/* |actual - expected| <= tol * max(1, |expected|) */
#define CHECK_CLOSE(actual, expected, tol)                                   \
    do {                                                                     \
        double check_a_ = (actual), check_e_ = (expected);                   \
        double check_d_ = check_a_ - check_e_;                               \
        double check_m_ = check_e_ < 0 ? -check_e_ : check_e_;               \
        if (check_d_ < 0) check_d_ = -check_d_;                              \
        if (!(check_d_ <= (tol) * (check_m_ > 1 ? check_m_ : 1)))            \
            CHECK_FAIL_AT("%s = %.12g, expected %.12g (tol %g)", #actual,    \
                          check_a_, check_e_, (double)(tol));                \
    } while (0)

/* sg_last_error() must contain `text`. */
#define CHECK_ERROR_HAS(text)                                                \
    do {                                                                     \
        const char *check_m_ = sg_last_error();                              \
        if (check_m_ == NULL || strstr(check_m_, (text)) == NULL)            \
            CHECK_FAIL_AT("last error \"%s\" lacks \"%s\"",                  \
                          check_m_ ? check_m_ : "(NULL)", (text));           \
    } while (0)

#define CHECK_DONE()                                                         \
    (check_failures == 0                                                     \
         ? (printf("%s: all checks passed\n", __FILE__), 0)                  \
         : (fprintf(stderr, "%s: %d check(s) failed\n", __FILE__,            \
                    check_failures), 1))

/* ------------------------------------------------------------ helpers */

/* A new float64 tensor from row-major values. */
static inline sg_tensor *tensor64(const double *values, const int64_t *shape,
                                  size_t ndim) {
    sg_tensor *t = NULL;
    CHECK_OK(sg_tensor_from_data(values, shape, ndim, SG_DTYPE_FLOAT64, &t));
    return t;
}

static inline sg_tensor *scalar64(double value) {
    sg_tensor *t = NULL;
    CHECK_OK(sg_tensor_from_scalar(value, SG_DTYPE_FLOAT64, &t));
    return t;
}

/* The number of elements of a tensor with a value. */
static inline size_t tensor_count(const sg_tensor *t) {
    int64_t shape[16];
    size_t ndim = 0, n = 1, i;
    CHECK_OK(sg_tensor_ndim(t, &ndim));
    CHECK_OK(sg_tensor_shape(t, shape, 16));
    for (i = 0; i < ndim; i++) n *= (size_t)shape[i];
    return n;
}

/* Copies up to `capacity` elements, as doubles, into `out`; returns the
 * element count. Works for both dtypes. */
static inline size_t tensor_values(const sg_tensor *t, double *out,
                                   size_t capacity) {
    sg_dtype dtype;
    size_t n = tensor_count(t), i;
    CHECK_OK(sg_tensor_dtype(t, &dtype));
    if (n > capacity) {
        fprintf(stderr, "tensor_values: %lu elements, room for %lu\n",
                (unsigned long)n, (unsigned long)capacity);
        exit(1);
    }
    if (dtype == SG_DTYPE_FLOAT64) {
        CHECK_OK(sg_tensor_copy_data(t, out, n * sizeof(double)));
    } else {
        float tmp[256];
        if (n > 256) exit(1);
        CHECK_OK(sg_tensor_copy_data(t, tmp, n * sizeof(float)));
        for (i = 0; i < n; i++) out[i] = tmp[i];
    }
    return n;
}

/* Each element of `t` must be close to expected[i]; its shape must be
 * shape[0 … ndim-1]. */
#define CHECK_TENSOR(t, shape, ndim, expected, tol)                          \
    check_tensor_at(__FILE__, __LINE__, #t, (t), (shape), (ndim),            \
                    (expected), (tol))

static inline void check_tensor_at(const char *file, int line,
                                   const char *what, const sg_tensor *t,
                                   const int64_t *shape, size_t ndim,
                                   const double *expected, double tol) {
    int64_t got_shape[16];
    double got[256];
    size_t got_ndim = 0, n, i;
    CHECK_OK(sg_tensor_ndim(t, &got_ndim));
    CHECK_OK(sg_tensor_shape(t, got_shape, 16));
    if (got_ndim != ndim) {
        fprintf(stderr, "%s:%d: %s has %lu dimensions, expected %lu\n", file,
                line, what, (unsigned long)got_ndim, (unsigned long)ndim);
        check_failures++;
        return;
    }
    for (i = 0; i < ndim; i++) {
        if (got_shape[i] != shape[i]) {
            fprintf(stderr, "%s:%d: %s axis %lu has length %lld, expected %lld\n",
                    file, line, what, (unsigned long)i,
                    (long long)got_shape[i], (long long)shape[i]);
            check_failures++;
            return;
        }
    }
    n = tensor_values(t, got, 256);
    for (i = 0; i < n; i++) {
        double d = got[i] - expected[i], m = expected[i] < 0 ? -expected[i] : expected[i];
        if (d < 0) d = -d;
        if (!(d <= tol * (m > 1 ? m : 1))) {
            fprintf(stderr, "%s:%d: %s[%lu] = %.12g, expected %.12g (tol %g)\n",
                    file, line, what, (unsigned long)i, got[i], expected[i], tol);
            check_failures++;
        }
    }
}

#endif /* SWIFTGRAD_CHECK_H */
