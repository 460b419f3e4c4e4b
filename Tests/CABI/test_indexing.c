/*
 * test_indexing.c: views, indexing and joining through the C ABI, against
 * values worked out by hand (NumPy agrees): which results share memory,
 * negative strides and offsets read through a borrowed buffer, in-place
 * writes, gathers and their gradients, errors with their statuses and
 * messages, and NULL arguments.
 */
#include "check.h"

#define TOL 1e-12

/* x = arange(24).reshape(2, 3, 4) */
static sg_tensor *arange24(void) {
    double v[24];
    int64_t shape[] = {2, 3, 4};
    int i;
    for (i = 0; i < 24; i++) v[i] = i;
    return tensor64(v, shape, 3);
}

static sg_tensor *ints(const int64_t *values, size_t n) {
    sg_tensor *t = NULL;
    int64_t shape[1];
    shape[0] = (int64_t)n;
    CHECK_OK(sg_tensor_from_data(values, shape, 1, SG_DTYPE_INT64, &t));
    return t;
}

static sg_index slice(bool has_start, int64_t start, bool has_stop, int64_t stop, int64_t step) {
    sg_index i;
    memset(&i, 0, sizeof i);
    i.kind = SG_INDEX_SLICE;
    i.has_start = has_start;
    i.start = start;
    i.has_stop = has_stop;
    i.stop = stop;
    i.step = step;
    return i;
}

static sg_index entry(sg_index_kind kind, int64_t start, const sg_tensor *array) {
    sg_index i;
    memset(&i, 0, sizeof i);
    i.kind = kind;
    i.start = start;
    i.array = array;
    return i;
}

static const void *data_of(const sg_tensor *t) {
    const void *p = NULL;
    CHECK_OK(sg_tensor_data(t, &p));
    return p;
}

static void test_views(void) {
    sg_tensor *x = arange24(), *y = NULL, *z = NULL, *w = NULL;
    int64_t shape64[] = {6, -1}, flat[] = {-1}, bad[] = {5, -1};
    int64_t s64[] = {6, 4}, s24[] = {24}, s231[] = {2, 3, 4, 1};
    double expected[24];
    int i;

    CHECK_OK(sg_reshape(x, shape64, 2, -1, &y));
    for (i = 0; i < 24; i++) expected[i] = i;
    CHECK_TENSOR(y, s64, 2, expected, TOL);
    CHECK(data_of(x) == data_of(y)); /* a view */

    CHECK_OK(sg_expand_dims(x, -1, &z));
    CHECK_TENSOR(z, s231, 4, expected, TOL);
    sg_tensor_free(y);
    {
        int64_t axes[] = {3};
        CHECK_OK(sg_squeeze(z, axes, 1, &y));
        CHECK(data_of(y) == data_of(x));
        sg_tensor_free(y);
    }
    sg_tensor_free(z);

    /* The transpose cannot be flattened without a copy. */
    CHECK_OK(sg_matrix_transpose(x, &z));
    CHECK_STATUS(sg_reshape(z, flat, 1, 0, &y), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("without a copy");
    CHECK_OK(sg_reshape(z, flat, 1, -1, &y));
    {
        double t[24];
        int a, b, c, k = 0;
        for (a = 0; a < 2; a++)
            for (c = 0; c < 4; c++)
                for (b = 0; b < 3; b++) t[k++] = a * 12 + b * 4 + c;
        CHECK_TENSOR(y, s24, 1, t, TOL);
    }
    CHECK(data_of(y) != data_of(x));
    sg_tensor_free(y);
    sg_tensor_free(z);

    CHECK_STATUS(sg_reshape(x, bad, 2, -1, &y), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("[reshape] cannot reshape (2,3,4) into (5,-1)");

    /* flip: a view with negative strides whose element 0 is the last. */
    CHECK_OK(sg_flip(x, NULL, 0, &w));
    {
        int64_t strides[3];
        CHECK_OK(sg_tensor_strides(w, strides, 3));
        CHECK(strides[0] == -12 && strides[1] == -4 && strides[2] == -1);
        CHECK(*(const double *)data_of(w) == 23);
        for (i = 0; i < 24; i++) expected[i] = 23 - i;
        {
            int64_t s234[] = {2, 3, 4};
            CHECK_TENSOR(w, s234, 3, expected, TOL);
        }
    }
    /* moveaxis and broadcast_to */
    {
        int64_t src[] = {0}, dst[] = {2}, s342[] = {3, 4, 2}, s2[] = {2, 4};
        double m[24], b[8] = {0, 1, 2, 3, 0, 1, 2, 3};
        int a, r, c, k = 0;
        sg_tensor *row = NULL;
        sg_index first[2];
        CHECK_OK(sg_moveaxis(x, src, dst, 1, &y));
        for (r = 0; r < 3; r++)
            for (c = 0; c < 4; c++)
                for (a = 0; a < 2; a++) m[k++] = a * 12 + r * 4 + c;
        CHECK_TENSOR(y, s342, 3, m, TOL);
        sg_tensor_free(y);
        first[0] = entry(SG_INDEX_INTEGER, 0, NULL);
        first[1] = entry(SG_INDEX_INTEGER, 0, NULL);
        CHECK_OK(sg_index_get(x, first, 2, &row));
        CHECK_OK(sg_broadcast_to(row, s2, 2, &y));
        CHECK_TENSOR(y, s2, 2, b, TOL);
        sg_tensor_free(y);
        sg_tensor_free(row);
    }
    sg_tensor_free(w);
    sg_tensor_free(x);
}

/* A borrowed buffer viewed backwards with an offset feeds every kernel. */
static void test_strided_kernels(void) {
    double buffer[12];
    int64_t shape[] = {3, 4}, strides[] = {-4, -1}, s2[] = {2}, s3[] = {3};
    sg_tensor *x = NULL, *s = NULL, *sum = NULL, *y = NULL;
    sg_index key[2];
    int i;
    for (i = 0; i < 12; i++) buffer[i] = i;
    /* Element (0, 0) is the buffer's last; strides walk back. */
    CHECK_OK(sg_tensor_from_buffer(buffer + 11, shape, strides, 2, SG_DTYPE_FLOAT64, NULL, NULL, &x));
    key[0] = slice(true, 1, false, 0, 1);
    key[1] = slice(false, 0, false, 0, -2);
    CHECK_OK(sg_index_get(x, key, 2, &s)); /* [[4, 6], [0, 2]] */
    {
        int64_t axes[] = {0};
        double e[] = {4, 8};
        CHECK_OK(sg_sum(s, axes, 1, false, &sum));
        CHECK_TENSOR(sum, s2, 1, e, TOL);
    }
    {
        double e[] = {16, 36, 0, 4};
        int64_t s22[] = {2, 2};
        CHECK_OK(sg_binary(SG_BINARY_MULTIPLY, s, s, &y));
        CHECK_TENSOR(y, s22, 2, e, TOL);
        sg_tensor_free(y);
    }
    {
        sg_tensor *t = NULL;
        double e[] = {11, 7, 3};
        CHECK_OK(sg_matrix_transpose(x, &t));
        key[0] = entry(SG_INDEX_INTEGER, 0, NULL);
        key[1] = slice(false, 0, false, 0, 1);
        CHECK_OK(sg_index_get(t, key, 2, &y));
        CHECK_TENSOR(y, s3, 1, e, TOL);
        sg_tensor_free(y);
        sg_tensor_free(t);
    }
    sg_tensor_free(sum);
    sg_tensor_free(s);
    sg_tensor_free(x);
}

static void test_indexing(void) {
    sg_tensor *x = arange24(), *y = NULL, *idx = NULL, *mask = NULL;
    sg_index key[4];
    int64_t positions[] = {1, 0};

    /* x[1, None, ..., ::3] */
    key[0] = entry(SG_INDEX_INTEGER, 1, NULL);
    key[1] = entry(SG_INDEX_NEWAXIS, 0, NULL);
    key[2] = entry(SG_INDEX_ELLIPSIS, 0, NULL);
    key[3] = slice(false, 0, false, 0, 3);
    CHECK_OK(sg_index_get(x, key, 4, &y));
    {
        int64_t s[] = {1, 3, 2};
        double e[] = {12, 15, 16, 19, 20, 23};
        CHECK_TENSOR(y, s, 3, e, TOL);
    }
    sg_tensor_free(y);

    /* x[[1, 0], :, 2]: the int joins the array, separated: array axes first */
    idx = ints(positions, 2);
    key[0] = entry(SG_INDEX_ARRAY, 0, idx);
    key[1] = slice(false, 0, false, 0, 1);
    key[2] = entry(SG_INDEX_INTEGER, 2, NULL);
    CHECK_OK(sg_index_get(x, key, 3, &y));
    {
        int64_t s[] = {2, 3};
        double e[] = {14, 18, 22, 2, 6, 10};
        CHECK_TENSOR(y, s, 2, e, TOL);
    }
    sg_tensor_free(y);

    /* Errors name the axis and the length. */
    key[0] = entry(SG_INDEX_INTEGER, 0, NULL);
    key[1] = entry(SG_INDEX_INTEGER, 3, NULL);
    CHECK_STATUS(sg_index_get(x, key, 2, &y), SG_ERROR_INDEX);
    CHECK_ERROR_HAS("[index] index 3 is out of bounds for axis 1 with size 3");
    key[1] = slice(false, 0, false, 0, 0);
    CHECK_STATUS(sg_index_get(x, key, 2, &y), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("slice step cannot be zero");
    key[0] = entry((sg_index_kind)99, 0, NULL);
    CHECK_STATUS(sg_index_get(x, key, 1, &y), SG_ERROR_VALUE);
    key[0] = entry(SG_INDEX_ARRAY, 0, NULL);
    CHECK_STATUS(sg_index_get(x, key, 1, &y), SG_ERROR_NULL);
    CHECK_STATUS(sg_index_get(x, NULL, 1, &y), SG_ERROR_NULL);
    CHECK_STATUS(sg_index_get(NULL, key, 0, &y), SG_ERROR_NULL);
    CHECK_STATUS(sg_index_get(x, key, 0, NULL), SG_ERROR_NULL);
    CHECK_STATUS(sg_index_get(x, key, (size_t)-1, &y), SG_ERROR_VALUE);

    /* take along the last axis, and out of range */
    {
        int64_t axis = -1, s[] = {2, 3, 2};
        double e[] = {1, 0, 5, 4, 9, 8, 13, 12, 17, 16, 21, 20};
        CHECK_OK(sg_take(x, idx, &axis, &y));
        CHECK_TENSOR(y, s, 3, e, TOL);
        sg_tensor_free(y);
        positions[0] = 24;
        sg_tensor_free(idx);
        idx = ints(positions, 2);
        CHECK_STATUS(sg_take(x, idx, NULL, &y), SG_ERROR_INDEX);
        CHECK_ERROR_HAS("index 24 is out of bounds for axis 0 with size 24");
    }

    /* mask and nonzero */
    {
        sg_tensor *limit = scalar64(20.5), *outs[3] = {NULL, NULL, NULL};
        int64_t s3[] = {3};
        double e[] = {21, 22, 23}, e0[] = {1, 1, 1}, e1[] = {2, 2, 2}, e2[] = {1, 2, 3};
        CHECK_OK(sg_binary(SG_BINARY_GREATER, x, limit, &mask));
        key[0] = entry(SG_INDEX_ARRAY, 0, mask);
        CHECK_OK(sg_index_get(x, key, 1, &y));
        CHECK_TENSOR(y, s3, 1, e, TOL);
        sg_tensor_free(y);
        CHECK_STATUS(sg_nonzero(mask, outs, 2), SG_ERROR_VALUE);
        CHECK(outs[0] == NULL);
        CHECK_OK(sg_nonzero(mask, outs, 3));
        {
            sg_tensor *f[3];
            int i;
            for (i = 0; i < 3; i++) CHECK_OK(sg_astype(outs[i], SG_DTYPE_FLOAT64, &f[i]));
            CHECK_TENSOR(f[0], s3, 1, e0, TOL);
            CHECK_TENSOR(f[1], s3, 1, e1, TOL);
            CHECK_TENSOR(f[2], s3, 1, e2, TOL);
            for (i = 0; i < 3; i++) {
                sg_tensor_free(f[i]);
                sg_tensor_free(outs[i]);
            }
        }
        /* where(mask, x, -1) */
        {
            sg_tensor *minus = scalar64(-1), *wh = NULL, *total = NULL;
            double t;
            CHECK_OK(sg_where(mask, x, minus, &wh));
            CHECK_OK(sg_sum(wh, NULL, 0, false, &total));
            CHECK_OK(sg_tensor_item(total, &t));
            CHECK_CLOSE(t, 21 + 22 + 23 - 21, TOL);
            CHECK_STATUS(sg_where(x, x, minus, &y), SG_ERROR_TYPE);
            CHECK_ERROR_HAS("condition must be bool");
            sg_tensor_free(total);
            sg_tensor_free(wh);
            sg_tensor_free(minus);
        }
        sg_tensor_free(limit);
    }
    sg_tensor_free(mask);
    sg_tensor_free(idx);
    sg_tensor_free(x);
}

static void test_setitem(void) {
    sg_tensor *x = arange24(), *view = NULL, *v = NULL, *idx = NULL;
    sg_index key[2];
    int64_t positions[] = {2, 0, 2}, s4[] = {4};
    double row[] = {-1, 5, -1, 7};

    key[0] = entry(SG_INDEX_INTEGER, 0, NULL);
    key[1] = entry(SG_INDEX_INTEGER, 1, NULL);
    CHECK_OK(sg_index_get(x, key, 2, &view)); /* x[0, 1] shares x's memory */
    v = scalar64(-1);
    {
        sg_index k3[3];
        k3[0] = entry(SG_INDEX_INTEGER, 0, NULL);
        k3[1] = entry(SG_INDEX_INTEGER, 1, NULL);
        k3[2] = slice(false, 0, false, 0, 2);
        CHECK_OK(sg_index_set(x, k3, 3, v)); /* x[0, 1, ::2] = -1 */
    }
    CHECK_TENSOR(view, s4, 1, row, TOL); /* the view sees the write */

    /* Advanced: repeated positions keep the last value. */
    idx = ints(positions, 3);
    {
        double vals[] = {100, 200, 300};
        int64_t s3[] = {3}, s2[] = {2};
        sg_tensor *values = tensor64(vals, s3, 1), *got = NULL;
        sg_index k3[3];
        double e[] = {200, 300};
        k3[0] = entry(SG_INDEX_INTEGER, 1, NULL);
        k3[1] = entry(SG_INDEX_INTEGER, 2, NULL);
        k3[2] = entry(SG_INDEX_ARRAY, 0, idx);
        CHECK_OK(sg_index_set(x, k3, 3, values));
        k3[2] = slice(false, 0, true, 3, 2);
        CHECK_OK(sg_index_get(x, k3, 3, &got));
        CHECK_TENSOR(got, s2, 1, e, TOL);
        sg_tensor_free(got);
        /* A value that does not broadcast */
        k3[2] = slice(false, 0, true, 2, 1);
        CHECK_STATUS(sg_index_set(x, k3, 3, values), SG_ERROR_VALUE);
        CHECK_ERROR_HAS("could not broadcast a value of shape (3,) into shape (2,)");
        sg_tensor_free(values);
    }

    /* Tensors that require grad are written only with recording off. */
    {
        bool previous;
        key[0] = entry(SG_INDEX_INTEGER, 0, NULL);
        CHECK_OK(sg_tensor_set_requires_grad(x, true));
        CHECK_STATUS(sg_index_set(x, key, 1, v), SG_ERROR_TYPE);
        CHECK_ERROR_HAS("requires grad");
        CHECK_OK(sg_autograd_set_enabled(false, &previous));
        CHECK_OK(sg_index_set(x, key, 1, v));
        CHECK_OK(sg_autograd_set_enabled(previous, NULL));
        CHECK_STATUS(sg_index_set(x, key, 1, NULL), SG_ERROR_NULL);
    }
    {
        sg_tensor *p = NULL;
        int64_t shape[] = {-1};
        CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, shape, 1, "p", &p));
        CHECK_STATUS(sg_index_set(p, key, 1, v), SG_ERROR_TYPE);
        CHECK_ERROR_HAS("symbolic");
        sg_tensor_free(p);
    }
    sg_tensor_free(idx);
    sg_tensor_free(v);
    sg_tensor_free(view);
    sg_tensor_free(x);
}

static void test_joining(void) {
    double a[] = {1, 2, 3, 4}, b[] = {5, 6};
    int64_t s22[] = {2, 2}, s21[] = {2, 1}, s6[] = {6};
    sg_tensor *x = tensor64(a, s22, 2), *y = tensor64(b, s21, 2), *z = NULL;
    const sg_tensor *pair[2];
    int64_t axis = 1;
    pair[0] = x;
    pair[1] = y;

    CHECK_OK(sg_concat(pair, 2, &axis, &z));
    {
        int64_t s23[] = {2, 3};
        double e[] = {1, 2, 5, 3, 4, 6};
        CHECK_TENSOR(z, s23, 2, e, TOL);
        sg_tensor_free(z);
    }
    CHECK_OK(sg_concat(pair, 2, NULL, &z));
    {
        double e[] = {1, 2, 3, 4, 5, 6};
        CHECK_TENSOR(z, s6, 1, e, TOL);
        sg_tensor_free(z);
    }
    axis = 0;
    CHECK_STATUS(sg_concat(pair, 2, &axis, &z), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("[concat] shapes (2,2) and (2,1) (input 1) differ along axis 1");
    CHECK_STATUS(sg_concat(NULL, 2, &axis, &z), SG_ERROR_NULL);
    CHECK_STATUS(sg_concat(pair, 0, &axis, &z), SG_ERROR_VALUE);

    pair[1] = x;
    CHECK_OK(sg_stack(pair, 2, -1, &z));
    {
        int64_t s222[] = {2, 2, 2};
        double e[] = {1, 1, 2, 2, 3, 3, 4, 4};
        size_t count = 0;
        sg_tensor *parts[2] = {NULL, NULL};
        CHECK_TENSOR(z, s222, 3, e, TOL);
        CHECK_STATUS(sg_unstack(z, 0, parts, 1, &count), SG_ERROR_VALUE);
        CHECK(count == 2 && parts[0] == NULL);
        CHECK_OK(sg_unstack(z, 0, parts, 2, &count));
        {
            double e1[] = {3, 3, 4, 4};
            CHECK_TENSOR(parts[1], s22, 2, e1, TOL);
        }
        sg_tensor_free(parts[0]);
        sg_tensor_free(parts[1]);
        sg_tensor_free(z);
    }
    {
        int64_t shifts[] = {1}, axes[] = {1};
        double e[] = {2, 1, 4, 3}, e2[] = {4, 1, 2, 3};
        CHECK_OK(sg_roll(x, shifts, 1, axes, 1, &z));
        CHECK_TENSOR(z, s22, 2, e, TOL);
        sg_tensor_free(z);
        CHECK_OK(sg_roll(x, shifts, 1, NULL, 0, &z));
        CHECK_TENSOR(z, s22, 2, e2, TOL);
        sg_tensor_free(z);
    }
    {
        int64_t counts[] = {2, 0}, ax = 0, reps[] = {1, 2}, s14[] = {2, 2}, s24[] = {2, 4};
        sg_tensor *r = ints(counts, 2);
        double e[] = {1, 2, 1, 2}, t[] = {1, 2, 1, 2, 3, 4, 3, 4};
        CHECK_OK(sg_repeat(x, r, &ax, &z));
        CHECK_TENSOR(z, s14, 2, e, TOL);
        sg_tensor_free(z);
        CHECK_OK(sg_tile(x, reps, 2, &z));
        CHECK_TENSOR(z, s24, 2, t, TOL);
        sg_tensor_free(z);
        sg_tensor_free(r);
    }
    {
        sg_tensor *outs[2] = {NULL, NULL};
        int64_t s221[] = {2, 2};
        double e[] = {5, 5, 6, 6};
        pair[1] = y;
        CHECK_OK(sg_broadcast_arrays(pair, 2, outs));
        CHECK_TENSOR(outs[1], s221, 2, e, TOL);
        sg_tensor_free(outs[0]);
        sg_tensor_free(outs[1]);
    }
    sg_tensor_free(x);
    sg_tensor_free(y);
}

/* The gradient of a gather adds into repeated positions. */
static void test_gradients(void) {
    double a[] = {1, 2, 3};
    int64_t s3[] = {3}, positions[] = {2, 0, 2};
    sg_tensor *x = tensor64(a, s3, 1), *idx = ints(positions, 3), *y = NULL, *sq = NULL, *total = NULL,
              *g = NULL;
    double e[] = {2, 0, 12}; /* d/dx sum(x[idx]^2) = 2 x * count */
    CHECK_OK(sg_tensor_set_requires_grad(x, true));
    CHECK_OK(sg_take(x, idx, NULL, &y));
    CHECK_OK(sg_binary(SG_BINARY_MULTIPLY, y, y, &sq));
    CHECK_OK(sg_sum(sq, NULL, 0, false, &total));
    CHECK_OK(sg_tensor_backward(total, NULL));
    CHECK_OK(sg_tensor_grad(x, &g));
    CHECK_TENSOR(g, s3, 1, e, TOL);
    sg_tensor_free(g);
    sg_tensor_free(total);
    sg_tensor_free(sq);
    sg_tensor_free(y);
    sg_tensor_free(idx);
    sg_tensor_free(x);
}

/* NULL tensors and out-pointers are refused, never dereferenced. */
static void test_null_arguments(void) {
    sg_tensor *x = arange24(), *out = NULL, *outs[4];
    const sg_tensor *one[1];
    int64_t shape[] = {24}, axis = 0;
    size_t count = 0;
    one[0] = x;
    CHECK_STATUS(sg_reshape(NULL, shape, 1, -1, &out), SG_ERROR_NULL);
    CHECK_STATUS(sg_reshape(x, NULL, 1, -1, &out), SG_ERROR_NULL);
    CHECK_STATUS(sg_reshape(x, shape, 1, -1, NULL), SG_ERROR_NULL);
    CHECK_STATUS(sg_expand_dims(NULL, 0, &out), SG_ERROR_NULL);
    CHECK_STATUS(sg_expand_dims(x, 4, &out), SG_ERROR_INDEX);
    CHECK_STATUS(sg_squeeze(x, NULL, 1, &out), SG_ERROR_NULL);
    CHECK_STATUS(sg_broadcast_to(x, NULL, 2, &out), SG_ERROR_NULL);
    CHECK_STATUS(sg_broadcast_to(x, shape, 1, &out), SG_ERROR_VALUE);
    CHECK_ERROR_HAS("[broadcast_to] cannot broadcast shape (2,3,4) to (24,)");
    CHECK_STATUS(sg_broadcast_arrays(one, 1, NULL), SG_ERROR_NULL);
    CHECK_STATUS(sg_matrix_transpose(NULL, &out), SG_ERROR_NULL);
    CHECK_STATUS(sg_moveaxis(x, NULL, shape, 1, &out), SG_ERROR_NULL);
    CHECK_STATUS(sg_flip(NULL, NULL, 0, &out), SG_ERROR_NULL);
    CHECK_STATUS(sg_take(x, NULL, &axis, &out), SG_ERROR_NULL);
    CHECK_STATUS(sg_take(x, x, &axis, &out), SG_ERROR_TYPE);
    CHECK_STATUS(sg_where(NULL, x, x, &out), SG_ERROR_NULL);
    CHECK_STATUS(sg_nonzero(x, NULL, 3), SG_ERROR_NULL);
    CHECK_STATUS(sg_nonzero(NULL, outs, 3), SG_ERROR_NULL);
    CHECK_STATUS(sg_stack(NULL, 1, 0, &out), SG_ERROR_NULL);
    CHECK_STATUS(sg_unstack(x, 0, outs, 4, NULL), SG_ERROR_NULL);
    CHECK_STATUS(sg_unstack(x, 3, outs, 4, &count), SG_ERROR_INDEX);
    CHECK_STATUS(sg_roll(x, NULL, 1, NULL, 0, &out), SG_ERROR_NULL);
    CHECK_STATUS(sg_repeat(x, NULL, NULL, &out), SG_ERROR_NULL);
    CHECK_STATUS(sg_repeat(x, x, NULL, &out), SG_ERROR_TYPE);
    CHECK_STATUS(sg_tile(x, NULL, 2, &out), SG_ERROR_NULL);
    CHECK_STATUS(sg_index_set(NULL, NULL, 0, x), SG_ERROR_NULL);
    CHECK(out == NULL);
    sg_tensor_free(x);
}

int main(void) {
    test_null_arguments();
    test_views();
    test_strided_kernels();
    test_indexing();
    test_setitem();
    test_joining();
    test_gradients();
    return CHECK_DONE();
}
