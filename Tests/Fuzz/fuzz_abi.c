/*
 * fuzz_abi.c: a libFuzzer harness over the whole C ABI.
 *
 * The input is a byte program. Each step picks a call from CALLS below and
 * draws its arguments from the following bytes: tensors from a pool of
 * NSLOTS handles (or NULL), lengths, strides, axes, counts, dtypes and
 * operation enums from tables of ordinary and hostile values. New tensors
 * and functions go back into the pools; everything is freed (once) at the
 * end of the input. The library must never crash, leak, trip a sanitizer,
 * return a status outside sg_status, write an out-pointer on failure or
 * call a borrowed buffer's release other than exactly once.
 *
 * The harness stays within the contract: it never passes memory smaller
 * than the call may touch. Real data is at most CAP elements; huge shapes
 * go only where the library must refuse them (overflow, allocation) or
 * where they are empty or borrowed with stride 0. Tensors with more than
 * CAP elements are kept away from calls that may legitimately loop over
 * every element without allocating (reductions, backward, function calls).
 *
 * -DFUZZ_SKIP_KNOWN keeps away from the crashes already reported against
 * the library (Tests/Fuzz/README.md), so that a run can look for new ones;
 * -DFUZZ_SKIP_<name> keeps away from one of them.
 *
 * Adding an ABI call: one X(...) line in CALLS.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swiftgrad.h"

#ifdef FUZZ_SKIP_KNOWN
#define FUZZ_SKIP_EMPTY_HUGE    /* empty arrays with huge lengths hang */
#define FUZZ_SKIP_MEAN_OVERFLOW /* mean's divisor overflows */
#define FUZZ_SKIP_HUGE_STRIDE   /* a huge stride on a length-1 axis */
#define FUZZ_SKIP_COPY_OVERFLOW /* copy_data's byte count overflows */
#endif

#define NSLOTS 8      /* tensor pool */
#define NFUNCS 2      /* compiled-function pool */
#define CAP 4096      /* elements the harness backs with real memory */
#define ARR 128       /* entries of every array handed to the library */
#define MAXITEM 16    /* the largest element size (complex128) */
#define NBORROW 64    /* borrowed buffers per input */

/* How many dtype enum values to expect. Start-up probes 0 … FUZZ_NDTYPES+7
 * for the ones the library accepts; hostile draws span -1 … FUZZ_NDTYPES+1
 * and INT_MAX. */
#ifdef SG_DTYPE_COUNT
#define FUZZ_NDTYPES SG_DTYPE_COUNT
#else
#define FUZZ_NDTYPES 13
#endif

/* Under AddressSanitizer an impossible allocation fails as malloc does (so
 * the library can report SG_ERROR_MEMORY), and anything over MAXALLOC
 * bytes counts as impossible: copying in more than that many elements must
 * then fail instead of reading past the harness's buffers. */
#define MAXALLOC ((uint64_t)64 << 20)
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
    return "allocator_may_return_null=1:max_allocation_size_mb=64";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ------------------------------------------------------------ input */

static const uint8_t *in_p;
static size_t in_n;

static unsigned byte(void) {
    if (in_n == 0) return 0;
    in_n--;
    return *in_p++;
}

static uint64_t bytes8(void) {
    uint64_t v = 0;
    int i;
    for (i = 0; i < 8; i++) v = v << 8 | byte();
    return v;
}

#define PICK(table) (table[byte() % (sizeof table / sizeof table[0])])

static void fail(const char *what) {
    fprintf(stderr, "fuzz_abi: %s\n", what);
    abort();
}

static int trace = -1; /* FUZZ_TRACE set: print each call and its arguments */
#define MAXCALLS 96
static unsigned long tally[MAXCALLS][8];

static void trace_array(const char *what, const int64_t *a, size_t n) {
    size_t i;
    if (!trace) return;
    fprintf(stderr, "  %s:", what);
    for (i = 0; i < n && i < 64; i++) fprintf(stderr, " %lld", (long long)a[i]);
    fprintf(stderr, "\n");
}

/* ------------------------------------------------------------ tables */

#define P2(n) ((int64_t)1 << (n))

/* Lengths: mostly small, then the ones that overflow or must be refused. */
static const int64_t LENGTHS[] = {
    0, 1, 1, 2, 2, 3, 3, 4, 0, 1, 2, 5, 7, -1,
    P2(31), P2(32), P2(62), INT64_MAX, INT64_MIN, -2,
};
static const int64_t STRIDES[] = {
    0, 1, 1, 2, -1, 3, -2, 7, 0, 1, -7, 64,
    INT64_MAX, INT64_MIN, P2(40), -P2(40), P2(62), INT64_MAX / 8,
};
static const int64_t AXES[] = {
    0, 1, 2, 3, -1, -2, -3, 0, 1, 4, 64, -65, INT64_MAX, INT64_MIN,
};
/* Counts of array arguments: within ARR, or too large to be an array. */
static const size_t COUNTS[] = {
    0, 1, 2, 3, 1, 2, 3, 4, 0, 1, 2, 5, 8, 64, 65, ARR,
    SIZE_MAX, (SIZE_MAX >> 1) + 1,
};
static const double SCALARS[] = {
    0.0, 1.0, -1.0, 0.5, 2.0, -0.0, 3.0, 1e308, -1e308, 1e-310,
    9007199254740993.0, 1e30, -1e-30, 100.0,
};
static const char *const NAMES[] = {
    NULL, "x", "", "W", "a name with spaces and \xc3\xa9",
};

/* ------------------------------------------------------------ pools */

static sg_tensor *slots[NSLOTS];
static sg_function *funcs[NFUNCS];

static void put(sg_tensor *t) {
    unsigned i = byte() % NSLOTS;
    if (trace) fprintf(stderr, "  slot %u <- %s\n", i, t ? "result" : "freed");
    sg_tensor_free(slots[i]);
    slots[i] = t;
}

static void put_function(sg_function *f) {
    unsigned i = byte() % NFUNCS;
    sg_function_free(funcs[i]);
    funcs[i] = f;
}

/* ------------------------------------------------------------ facts */

/* What the harness knows of a tensor, read through the ABI. */
typedef struct {
    int ok;              /* ndim and shape could be read */
    int has_value;       /* a value or a shared variable */
    size_t ndim;
    int64_t shape[ARR];
    uint64_t count;      /* saturates at UINT64_MAX */
    uint64_t nonzero;    /* product of the nonzero known lengths, saturating */
} facts;

static uint64_t mul_sat(uint64_t a, uint64_t b) {
    if (a != 0 && b > UINT64_MAX / a) return UINT64_MAX;
    return a * b;
}

static void read_facts(const sg_tensor *t, facts *f) {
    sg_kind kind;
    size_t i;
    memset(f, 0, sizeof *f);
    if (t == NULL || sg_tensor_ndim(t, &f->ndim) != SG_OK || f->ndim > ARR ||
        sg_tensor_shape(t, f->shape, ARR) != SG_OK || sg_tensor_kind(t, &kind) != SG_OK)
        return;
    f->ok = 1;
    f->has_value = kind == SG_KIND_VALUE || kind == SG_KIND_SHARED;
    f->count = f->nonzero = 1;
    for (i = 0; i < f->ndim; i++) {
        uint64_t n = f->shape[i] < 0 ? 1 : (uint64_t)f->shape[i];
        f->count = mul_sat(f->count, n);
        if (n != 0) f->nonzero = mul_sat(f->nonzero, n);
    }
}

/* Too big to be visited element by element. */
static int costly(const sg_tensor *t) {
    facts f;
    read_facts(t, &f);
    return f.ok && f.has_value && f.count > CAP;
}

/* ------------------------------------------------------------ arguments */

/* A pool tensor: an empty slot gives the next full one, so that calls
 * mostly get tensors; one in sixteen is NULL. */
static sg_tensor *T(void) {
    unsigned b = byte(), i = b % NSLOTS, k;
    sg_tensor *t = NULL;
    for (k = 0; b % 16 != 15 && k < NSLOTS && t == NULL; k++) t = slots[(i + k) % NSLOTS];
    if (trace && t) fprintf(stderr, "  tensor: slot %u\n", (i + k - 1) % NSLOTS);
    if (trace && !t) fprintf(stderr, "  tensor: NULL\n");
#ifdef FUZZ_SKIP_EMPTY_HUGE
    /* Known: empty arrays with huge other lengths hang the strided loops. */
    facts f;
    read_facts(t, &f);
    if (f.ok && f.count == 0 && f.nonzero > CAP) t = NULL;
#endif
    return t;
}

/* A tensor that may be computed on element by element. */
static sg_tensor *TC(void) {
    sg_tensor *t = T();
    return costly(t) ? NULL : t;
}

/* Two operands of an elementwise or product call. */
static sg_tensor *pa, *pb;
static int PAIR(void) {
    pa = T();
    pb = T();
#ifdef FUZZ_SKIP_EMPTY_HUGE
    /* Known: a huge operand broadcast against an empty one gives an empty
     * result with huge lengths, which hangs the strided loops. */
    {
        facts a, b;
        read_facts(pa, &a);
        read_facts(pb, &b);
        if (a.ok && b.ok && ((a.count == 0 && b.nonzero > CAP) || (b.count == 0 && a.nonzero > CAP)))
            pa = NULL;
    }
#endif
    return 0;
}

/* Two operands of a product. Borrowed views with zero strides can be huge
 * and valid; multiplying them is legitimately long work (k steps per
 * output element), not a hang, so such pairs are not multiplied. */
static int PRODUCT(void) {
    facts a, b;
    PAIR();
    read_facts(pa, &a);
    read_facts(pb, &b);
    if ((a.ok && a.nonzero > (1u << 20)) || (b.ok && b.nonzero > (1u << 20))) pa = NULL;
    return 0;
}

/* A tensor for mean: known lengths whose product overflows trap there. */
static sg_tensor *TM(void) {
    sg_tensor *t = TC();
#ifdef FUZZ_SKIP_MEAN_OVERFLOW
    facts f;
    read_facts(t, &f);
    if (f.ok && f.nonzero > (uint64_t)INT64_MAX) t = NULL;
#endif
    return t;
}

/* The dtypes the library accepts, found at start-up, and their sizes. */
static int dtypes[FUZZ_NDTYPES + 8], ndtypes;
static size_t dtype_sizes[FUZZ_NDTYPES + 8];

static void find_dtypes(void) {
    static const size_t sizes[] = {1, 2, 4, 8, 16};
    unsigned char buf[MAXITEM];
    int d;
    size_t i;
    for (d = 0; d < FUZZ_NDTYPES + 8; d++) {
        sg_tensor *t = NULL;
        if (sg_tensor_from_scalar(1, (sg_dtype)d, &t) != SG_OK) continue;
        for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            if (sg_tensor_copy_data(t, buf, sizes[i]) == SG_OK) dtype_sizes[d] = sizes[i];
        sg_tensor_free(t);
        if (dtype_sizes[d] == 0) fail("no element size fits a one-element tensor");
        dtypes[ndtypes++] = d;
    }
    if (ndtypes == 0) fail("the library accepts no dtype");
}

/* Mostly a dtype the library accepts; otherwise any value near the range
 * of the enum, or far outside it. */
static sg_dtype DTYPE(void) {
    unsigned b = byte();
    if (b == 255) return (sg_dtype)INT_MAX;
    if (b % 4 != 0) return (sg_dtype)dtypes[(b / 4) % ndtypes];
    return (sg_dtype)((int)(b / 4 % (FUZZ_NDTYPES + 3)) - 1);
}

/* The operation enums likewise: mostly in range. */
static int enum_value(int count) {
    unsigned b = byte();
    if (b == 255) return INT_MAX;
    if (b % 4 != 0) return (int)(b / 4 % (unsigned)count);
    return (int)(b / 4 % (unsigned)(count + 3)) - 1;
}
#define UNOP() ((sg_unary_op)enum_value(SG_UNARY_OP_COUNT))
#define BINOP() ((sg_binary_op)enum_value(SG_BINARY_OP_COUNT))

static bool FLAG(void) { return byte() & 1; }
static size_t COUNT(void) {
    size_t n = PICK(COUNTS);
    if (trace) fprintf(stderr, "  count: %zu\n", n);
    return n;
}
static const char *NAME(void) { return PICK(NAMES); }

static double SCALAR(void) {
    unsigned b = byte();
    if (b % 4 == 3) {
        uint64_t bits = bytes8();
        double d;
        memcpy(&d, &bits, sizeof d);
        return d;
    }
    return SCALARS[b % (sizeof SCALARS / sizeof SCALARS[0])];
}

/* Arrays are ARR entries long, so any count up to ARR reads initialized
 * memory; one in sixteen is NULL. */
static int64_t axes_buf[ARR], shape_buf[ARR], strides_buf[ARR];

static const int64_t *AXES_(void) {
    size_t i, n = byte() % 6;
    if (n == 5) return NULL;
    for (i = 0; i < ARR; i++) axes_buf[i] = i < 8 ? PICK(AXES) : (int64_t)i;
    trace_array("axes", axes_buf, 8);
    return axes_buf;
}

/* Fills shape_buf; returns ndim (mostly small). */
static size_t fill_shape(void) {
    size_t i, n = byte() % 16;
    size_t ndim = n < 12 ? n % 5 : PICK(COUNTS);
    for (i = 0; i < ARR; i++) shape_buf[i] = i < 8 ? PICK(LENGTHS) : 1;
    if (trace) fprintf(stderr, "  ndim: %zu\n", ndim);
    trace_array("shape", shape_buf, ndim);
    return ndim;
}

/* Reductions and linear algebra: an optional dtype, an einsum spec. */
static sg_dtype dtype_slot;
static const sg_dtype *DTYPE_OR_NULL(void) {
    if (byte() % 2) return NULL;
    dtype_slot = DTYPE();
    return &dtype_slot;
}
static const char *const EINSUMS[] = {"ij,jk->ik", "ij,jk", "i,i", "ii", "ij->", "", "a,b->ab", "...", "i->j", "ij,ij,ij"};
static const char *EINSUM(void) { return EINSUMS[byte() % (sizeof EINSUMS / sizeof EINSUMS[0])]; }

static sg_tensor **OUT_(void);
static sg_tensor *res;
static sg_tensor **res_ptr;
static char sentinel_storage;
#define SENTINEL ((sg_tensor *)(void *)&sentinel_storage)

/* The out-pointer of the call being made: &res, or NULL one time in 16. */
static sg_tensor **OUT_(void) {
    res = SENTINEL;
    res_ptr = byte() % 16 == 15 ? NULL : &res;
    return res_ptr;
}
#define OUT() OUT_()
#define AXES() AXES_()

/* Scratch destinations for calls that write plain values. */
static union {
    sg_kind kind;
    sg_dtype dtype;
    size_t n;
    double d;
    bool flag;
    const char *name;
    const void *data;
    sg_dtype_kind dtype_kind;
    sg_finfo finfo;
    sg_iinfo iinfo;
    unsigned char item[16];
} sink;
#define SINK(field) (byte() % 16 == 15 ? NULL : &sink.field)

/* ------------------------------------------------------------ checks */

static int status_ok(sg_status s) { return s >= SG_OK && s <= SG_ERROR_INTERNAL; }

static size_t current;      /* the call being made */

/* Feedback for libFuzzer that needs no coverage of the library: which call
 * returned which status. */
__attribute__((used, section("__libfuzzer_extra_counters")))
static uint8_t outcome[MAXCALLS][8];

/* Checks a call's status and, when it had a tensor out-pointer, takes the
 * result into the pool. */
static void done(sg_status s, int may_be_null) {
    if (!status_ok(s)) fail("status outside sg_status");
    outcome[current][s] = 1;
    tally[current][s]++;
    if (trace) fprintf(stderr, "  -> %d %s\n", (int)s, s == SG_OK ? "" : sg_last_error());
#ifndef FUZZ_ALLOW_INTERNAL
    if (s == SG_ERROR_INTERNAL) {
        fprintf(stderr, "fuzz_abi: SG_ERROR_INTERNAL: %s\n", sg_last_error());
        abort();
    }
#endif
    if (s != SG_OK) {
        const char *m = sg_last_error();
        if (m == NULL || m[0] == '\0') fail("failure without a message");
    }
    if (res_ptr == NULL) return;
    res_ptr = NULL;
    if (s != SG_OK) {
        if (res != SENTINEL) fail("out-pointer written on failure");
        return;
    }
    if (res == SENTINEL) fail("success without writing the out-pointer");
    if (res == NULL && !may_be_null) fail("success with a NULL result");
    if (res != NULL) put(res);
}

/* ------------------------------------------------------------ data */

static union {
    double align;
    unsigned char bytes[CAP * MAXITEM];
} data_buf;

/* Memory lent with sg_tensor_from_buffer: never written after start-up,
 * and its bytes are valid for every dtype (0 and 1). */
static union {
    double align;
    unsigned char bytes[CAP * MAXITEM];
} lent;

typedef struct {
    int used;     /* handed to a call */
    int ok;       /* the call succeeded */
    int released; /* times release ran */
} borrow;

static borrow borrows[NBORROW];
static size_t nborrows;

static void release(void *context) { ((borrow *)context)->released++; }

/* Element sizes: exact for dtypes the library accepts; for the others the
 * bounds that hold whatever the size. */
static size_t known_size(sg_dtype d) {
    return (int)d >= 0 && (int)d < FUZZ_NDTYPES + 8 ? dtype_sizes[(int)d] : 0;
}
static size_t item_hi(sg_dtype d) { return known_size(d) ? known_size(d) : MAXITEM; }
static size_t item_lo(sg_dtype d) { return known_size(d) ? known_size(d) : 1; }

/* Whether shape_buf[0 … ndim-1] may be copied in: the element count fits
 * the data buffer, or the library must refuse it (a negative length, an
 * overflowing count, or more bytes than may be allocated). */
static int data_shape_ok(size_t ndim, sg_dtype dtype) {
    uint64_t count = 1;
    size_t i;
    if (ndim > ARR) return 1; /* no array is that long: must be refused */
    for (i = 0; i < ndim; i++) {
        if (shape_buf[i] < 0) return 1;
        count = mul_sat(count, (uint64_t)shape_buf[i]);
    }
    return count <= CAP || mul_sat(count, item_lo(dtype)) > MAXALLOC;
}

static sg_status call_from_data(void) {
    sg_dtype dtype = DTYPE();
    size_t ndim = fill_shape(), i;
    unsigned mode = byte() % 4;
    const void *data = data_buf.bytes;
    if (!data_shape_ok(ndim, dtype)) return SG_OK;
    /* Floats get raw bytes (NaN, infinities, denormals); other dtypes get
     * bytes valid for all of them. */
    for (i = 0; i < sizeof data_buf.bytes; i++) {
        unsigned char b = mode == 0 ? 0 : (unsigned char)(i * 7 + mode);
        data_buf.bytes[i] = (dtype == SG_DTYPE_FLOAT32 || dtype == SG_DTYPE_FLOAT64) ? b : (b & 1);
    }
    if (mode == 3 && (dtype == SG_DTYPE_FLOAT32 || dtype == SG_DTYPE_FLOAT64))
        for (i = 0; i < 64 && in_n > 0; i++) data_buf.bytes[i] = (unsigned char)byte();
    if (byte() % 16 == 15) data = NULL;
    return sg_tensor_from_data(data, byte() % 16 == 15 ? NULL : shape_buf, ndim, dtype, OUT());
}

/* The span of a borrowed view, in elements: how far it reaches below and
 * above element (0, …, 0). Returns 0 if the byte reach overflows int64
 * (the library must refuse it). */
static int view_span(size_t ndim, size_t item, uint64_t *below, uint64_t *above) {
    size_t i;
    uint64_t total = 0;
    *below = *above = 0;
    for (i = 0; i < ndim; i++) {
        int64_t n = shape_buf[i], s = strides_buf[i];
        uint64_t mag, span;
        if (n <= 0) continue;
        mag = s == INT64_MIN ? (uint64_t)INT64_MAX : (uint64_t)(s < 0 ? -s : s);
        span = mul_sat((uint64_t)(n - 1), mag);
        if (span > (uint64_t)INT64_MAX) return 0;
        total += span;
        if (total > (uint64_t)INT64_MAX) return 0;
        if (s < 0) *below += span; else *above += span;
    }
    return mul_sat(total, item) <= (uint64_t)INT64_MAX;
}

static sg_status call_from_buffer(void) {
    sg_dtype dtype = DTYPE();
    size_t ndim = fill_shape(), i, item = item_hi(dtype);
    int strided = byte() % 4 != 0, all_zero = byte() % 4 == 0;
    int has_release = byte() % 8 != 0;
    uint64_t below, above, count = 1;
    int must_refuse = 0, huge_stride = 0;
    unsigned char *base = lent.bytes;
    borrow *b;
    sg_status s;

    for (i = 0; i < ARR; i++) strides_buf[i] = all_zero ? 0 : PICK(STRIDES);
    if (!strided) /* C order */
        for (i = ndim < ARR ? ndim : ARR; i-- > 0;) {
            strides_buf[i] = (int64_t)(count > (uint64_t)INT64_MAX ? INT64_MAX : count);
            count = mul_sat(count, shape_buf[i] < 0 ? 0 : (uint64_t)shape_buf[i]);
        }
    count = 1;
    for (i = 0; i < ndim && i < ARR; i++) {
        if (shape_buf[i] < 0) must_refuse = 1;
        count = mul_sat(count, shape_buf[i] < 0 ? 0 : (uint64_t)shape_buf[i]);
        if (strides_buf[i] > P2(32) || strides_buf[i] < -P2(32)) huge_stride = 1;
    }
    if (strided) trace_array("strides", strides_buf, ndim);
    if (ndim > ARR) must_refuse = 1;
    if (!must_refuse && !view_span(ndim, item_lo(dtype), &below, &above)) must_refuse = 1;
    if (!must_refuse && count != 0) {
        /* The whole view must lie in `lent`. */
        if (below + above + 1 > CAP || (below + above + 1) * item > sizeof lent.bytes) return SG_OK;
        base += below * item;
    }
#ifdef FUZZ_SKIP_HUGE_STRIDE
    /* Known: walking a view with a huge stride on a length-1 (or empty)
     * axis overflows. */
    if (!must_refuse && huge_stride) return SG_OK;
#else
    (void)huge_stride;
#endif
    if (nborrows == NBORROW) return SG_OK;
    b = &borrows[nborrows++];
    b->used = 1;
    s = sg_tensor_from_buffer(byte() % 16 == 15 ? NULL : base, byte() % 16 == 15 ? NULL : shape_buf,
                              strided ? strides_buf : NULL, ndim, dtype, has_release ? release : NULL, b,
                              OUT());
    b->ok = s == SG_OK;
    if (s != SG_OK && b->released) fail("release called for a refused buffer");
    if (!has_release) b->used = 0;
    return s;
}

static sg_status call_placeholder(void) {
    size_t ndim = fill_shape(), i;
    for (i = 0; i < 8; i++)
        if (byte() % 3 == 0) shape_buf[i] = -1;
    trace_array("open shape", shape_buf, ndim);
    return sg_tensor_new_placeholder(DTYPE(), byte() % 16 == 15 ? NULL : shape_buf, ndim, NAME(), OUT());
}

/* ------------------------------------------------------------ reading */

static int64_t read_buf[ARR];

static sg_status call_shape(void) {
    size_t cap = byte() % 4 == 0 ? SIZE_MAX : byte() % 9;
    return sg_tensor_shape(T(), byte() % 16 == 15 ? NULL : read_buf, cap);
}

static sg_status call_strides(void) {
    size_t cap = byte() % 4 == 0 ? SIZE_MAX : byte() % 9;
    return sg_tensor_strides(T(), byte() % 16 == 15 ? NULL : read_buf, cap);
}

static sg_status call_name(void) {
    sg_status s = sg_tensor_name(T(), SINK(name));
    if (s == SG_OK && sink.name != NULL) (void)strlen(sink.name);
    sink.name = NULL;
    return s;
}

/* Reads one byte of element (0, …, 0) of a non-empty tensor. */
static sg_status call_data(void) {
    sg_tensor *t = T();
    const void **out = SINK(data);
    facts f;
    sg_status s;
    read_facts(t, &f);
    sink.data = NULL;
    s = sg_tensor_data(t, out);
    if (s == SG_OK && out != NULL && f.ok && f.count > 0) {
        volatile unsigned char c;
        if (sink.data == NULL) fail("sg_tensor_data gave NULL for a non-empty tensor");
        c = *(const unsigned char *)sink.data;
        (void)c;
    }
    return s;
}

static sg_status call_copy_data(void) {
    sg_tensor *t = T();
    facts f;
    sg_dtype dtype = SG_DTYPE_FLOAT64;
    size_t nbytes;
    unsigned b = byte() % 8;
    read_facts(t, &f);
#ifdef FUZZ_SKIP_COPY_OVERFLOW
    /* Known: a byte count that overflows traps before it is checked. */
    if (f.ok && f.count > CAP) return SG_OK;
#endif
    if (t != NULL) (void)sg_tensor_dtype(t, &dtype);
    /* The right size when it fits the buffer, otherwise wrong ones. */
    nbytes = f.ok && f.count <= CAP ? (size_t)f.count * item_hi(dtype) : 0;
    if (b == 1) nbytes = SIZE_MAX;
    if (b == 2) nbytes = byte() % 64;
    if (b == 3 && nbytes > 0) nbytes -= 1;
    if (b == 4) nbytes = f.ok && f.count <= CAP ? (size_t)f.count * item_lo(dtype) : 0;
    if (nbytes > sizeof data_buf.bytes && nbytes != SIZE_MAX) nbytes = 0;
    if (nbytes == SIZE_MAX && f.ok && f.count > CAP) nbytes = 0;
    return sg_tensor_copy_data(t, byte() % 16 == 15 ? NULL : data_buf.bytes, nbytes);
}

static sg_status call_op_names(void) {
    const char *u = sg_unary_op_name(UNOP()), *b = sg_binary_op_name(BINOP());
    if (u != NULL) (void)strlen(u);
    if (b != NULL) (void)strlen(b);
    if (strlen(sg_version()) == 0) fail("empty version");
    if (sg_abi_version() != SG_ABI_VERSION) fail("ABI version differs");
    (void)strlen(sg_last_error());
    return SG_OK;
}

/* ------------------------------------------------------------ autograd */

static sg_tensor *handles[ARR];
static sg_tensor *handles2[ARR];

/* A tensor array of ARR entries drawn from the pool, or NULL. */
static const sg_tensor *const *TENSORS(sg_tensor **buf, int compute) {
    size_t i;
    if (byte() % 16 == 15) return NULL;
    for (i = 0; i < ARR; i++) buf[i] = i < 8 ? (compute ? TC() : T()) : buf[i % 8];
    return (const sg_tensor *const *)buf;
}

/* Results written to an array: on success count of them, else none. */
static sg_tensor *results[ARR];

static void take_results(sg_status s, size_t n, int may_be_null) {
    size_t i;
    for (i = 0; i < ARR; i++) {
        if (s == SG_OK && i < n) {
            if (results[i] == SENTINEL) fail("success without writing every result");
            if (results[i] == NULL && !may_be_null) fail("a NULL result");
            if (results[i] != NULL) put(results[i]);
        } else if (results[i] != SENTINEL) {
            fail("a result written on failure or past the count");
        }
    }
}

static sg_status call_grad_all(void) {
    sg_tensor *cost = TC();
    const sg_tensor *const *wrt = TENSORS(handles, 0);
    size_t n = COUNT(), i;
    int have = byte() % 16 != 15;
    sg_status s;
    for (i = 0; i < ARR; i++) results[i] = SENTINEL;
    s = sg_grad(cost, wrt, n, have ? results : NULL);
    take_results(s, have ? n : 0, 0);
    return s;
}

static sg_status call_set_enabled(void) {
    return sg_autograd_set_enabled(FLAG(), SINK(flag));
}

/* ------------------------------------------------------------ functions */

static sg_function *fres;

static sg_function *F(void) {
    unsigned b = byte();
    sg_function *f = b % 16 == 15 ? NULL : funcs[b % NFUNCS];
    return f != NULL || b % 16 == 15 ? f : funcs[(b + 1) % NFUNCS];
}

static sg_status call_function_new(void) {
    const sg_tensor *const *in = TENSORS(handles, 0), *const *out = TENSORS(handles2, 0);
    static sg_tensor *vars[ARR], *vals[ARR];
    const sg_tensor *const *v = TENSORS(vars, 1), *const *w = TENSORS(vals, 0);
    int have = byte() % 16 != 15;
    sg_status s;
    size_t ni = COUNT(), no = COUNT(), nu = COUNT();
    fres = (sg_function *)(void *)&sentinel_storage;
    s = sg_function_new(in, ni, out, no, v, w, nu, have ? &fres : NULL);
    if (s == SG_OK && have) {
        if (fres == NULL || fres == (sg_function *)(void *)&sentinel_storage) fail("sg_function_new wrote no function");
        put_function(fres);
    } else if (fres != (sg_function *)(void *)&sentinel_storage) {
        fail("sg_function_new wrote on failure");
    }
    return s;
}

/* As call_function_new, with givens drawn from the pool too. */
static sg_status call_function_new_givens(void) {
    const sg_tensor *const *in = TENSORS(handles, 0), *const *out = TENSORS(handles2, 0);
    static sg_tensor *gvars[ARR], *gvals[ARR];
    const sg_tensor *const *v = TENSORS(gvars, 1), *const *w = TENSORS(gvals, 0);
    int have = byte() % 16 != 15;
    sg_status s;
    size_t ni = COUNT(), no = COUNT(), ng = COUNT();
    fres = (sg_function *)(void *)&sentinel_storage;
    s = sg_function_new_with_givens(in, ni, out, no, NULL, NULL, 0, v, w, ng, have ? &fres : NULL);
    if (s == SG_OK && have) {
        if (fres == NULL || fres == (sg_function *)(void *)&sentinel_storage) fail("sg_function_new_with_givens wrote no function");
        put_function(fres);
    } else if (fres != (sg_function *)(void *)&sentinel_storage) {
        fail("sg_function_new_with_givens wrote on failure");
    }
    return s;
}

static sg_status call_vjp(void) {
    static sg_tensor *seeds[ARR];
    const sg_tensor *const *outs = TENSORS(handles, 1), *const *cot = TENSORS(seeds, 0);
    const sg_tensor *const *wrt = TENSORS(handles2, 0);
    size_t no = COUNT(), nw = COUNT(), i;
    int have = byte() % 16 != 15;
    sg_status s;
    for (i = 0; i < ARR; i++) results[i] = SENTINEL;
    s = sg_vjp(outs, cot, no, wrt, nw, byte() % 4, have ? results : NULL);
    take_results(s, have ? nw : 0, 0);
    return s;
}

/* A loop over tensors drawn from the pool (placeholders or not). */
static sg_status call_scan(void) {
    static sg_tensor *initial[ARR], *state[ARR], *outputs[ARR];
    static bool stacked[ARR];
    const sg_tensor *const *seqs = TENSORS(handles, 0), *const *slices = TENSORS(handles2, 0);
    const sg_tensor *const *init = TENSORS(initial, 0), *const *states = TENSORS(state, 0);
    const sg_tensor *const *outs = TENSORS(outputs, 0);
    size_t ns = COUNT(), nk = COUNT(), no = COUNT(), i;
    int have = byte() % 16 != 15;
    sg_status s;
    for (i = 0; i < ARR; i++) {
        stacked[i] = byte() % 4 != 0;
        results[i] = SENTINEL;
    }
    s = sg_scan(seqs, slices, ns, init, states, nk, outs, byte() % 4 ? stacked : NULL, no,
                byte() % 2 ? T() : NULL, (int64_t)(byte() % 5) - 2, have ? results : NULL);
    take_results(s, have ? no : 0, 0);
    return s;
}

static sg_status call_function_call(void) {
    sg_function *f = F();
    const sg_tensor *const *args = TENSORS(handles, 1);
    size_t nargs = COUNT(), nres = COUNT(), i;
    int have = byte() % 16 != 15;
    sg_status s;
    /* Often the right counts, so that calls get to run. */
    if (f != NULL && byte() % 2) {
        (void)sg_function_num_inputs(f, &nargs);
        (void)sg_function_num_outputs(f, &nres);
    }
    for (i = 0; i < ARR; i++) results[i] = SENTINEL;
    s = sg_function_call(f, args, nargs, have ? results : NULL, nres);
    take_results(s, have ? nres : 0, 0);
    return s;
}

/* A call with arguments made to fit the placeholders (dtype and known
 * lengths; open lengths get small ones), so that programs run. */
static sg_status call_function_run(void) {
    sg_function *f = F();
    size_t nargs = 0, nres = 0, i, k;
    sg_status s;
    if (f == NULL || sg_function_num_inputs(f, &nargs) != SG_OK || sg_function_num_outputs(f, &nres) != SG_OK ||
        nargs > 8 || nres > ARR)
        return SG_OK;
    for (i = 0; i < nargs; i++) {
        sg_tensor *p = NULL;
        sg_dtype dtype;
        size_t ndim;
        uint64_t count = 1;
        handles[i] = NULL;
        if (sg_function_input(f, i, &p) != SG_OK) fail("sg_function_input refused an index below num_inputs");
        if (sg_tensor_dtype(p, &dtype) == SG_OK && sg_tensor_ndim(p, &ndim) == SG_OK && ndim <= 8 &&
            sg_tensor_shape(p, shape_buf, ARR) == SG_OK) {
            for (k = 0; k < ndim; k++) {
                if (shape_buf[k] < 0) shape_buf[k] = byte() % 4;
                count = mul_sat(count, (uint64_t)shape_buf[k]);
            }
            if (count <= CAP) {
                for (k = 0; k < count * item_hi(dtype); k++) data_buf.bytes[k] = (unsigned char)(k % 3 == 1);
                (void)sg_tensor_from_data(data_buf.bytes, shape_buf, ndim, dtype, &handles[i]);
            }
        }
        sg_tensor_free(p);
    }
    for (i = 0; i < ARR; i++) results[i] = SENTINEL;
    s = sg_function_call(f, (const sg_tensor *const *)handles, nargs, results, nres);
    for (i = 0; i < nargs; i++) sg_tensor_free(handles[i]);
    take_results(s, nres, 0);
    return s;
}

/* The dtype calls, on any enum value. */
static sg_status call_dtype_info(void) {
    sg_dtype a = DTYPE(), b = DTYPE();
    sg_status s;
    (void)sg_dtype_name(a);
    (void)sg_dtype_itemsize(a);
    switch (byte() % 5) {
    case 0: return sg_dtype_kind_of(a, SINK(dtype_kind));
    case 1: return sg_dtype_promote(a, b, SINK(dtype));
    case 2: return sg_dtype_can_cast(a, b, SINK(flag));
    case 3: return sg_dtype_finfo(a, SINK(finfo));
    default: s = sg_dtype_iinfo(a, SINK(iinfo)); return s;
    }
}

/* A filled tensor; the value's bytes (0 and 1) are valid for every dtype. */
static sg_status call_full(void) {
    sg_dtype dtype = DTYPE();
    size_t ndim = fill_shape();
    if (!data_shape_ok(ndim, dtype)) return SG_OK;
    return sg_tensor_full(byte() % 16 == 15 ? NULL : shape_buf, ndim, byte() % 16 == 15 ? NULL : lent.bytes,
                          dtype, OUT());
}

static sg_status call_function_input(void) {
    size_t i = byte() % 4 == 0 ? SIZE_MAX : byte() % 4;
    return sg_function_input(F(), i, OUT());
}

/* ------------------------------------------------------------ the calls */

/* Text into a small buffer of any capacity (NULL when 0), or a NULL or
 * huge capacity. */
static sg_status call_describe(void) {
    char buf[32];
    size_t capacity = byte() % 34, *length = SINK(n);
    if (capacity == 33) capacity = SIZE_MAX;
    return byte() % 2 ? sg_tensor_expression(T(), capacity ? buf : NULL, capacity, length)
                      : sg_function_describe(F(), capacity ? buf : NULL, capacity, length);
}

/*
 * X(name, expression): the expression makes one ABI call and gives its
 * status. T() is a pool tensor (or NULL), TC() one that may be computed on,
 * OUT() a tensor out-pointer (or NULL) whose result joins the pool, SINK(f)
 * a scratch out-pointer. XN marks calls whose result may be NULL.
 */
#define CALLS(X, XN)                                                           \
    X(from_data, call_from_data())                                             \
    X(from_buffer, call_from_buffer())                                         \
    X(from_scalar, sg_tensor_from_scalar(SCALAR(), DTYPE(), OUT()))            \
    X(placeholder, call_placeholder())                                         \
    X(shared, sg_tensor_new_shared(TC(), NAME(), OUT()))                       \
    X(kind, sg_tensor_kind(T(), SINK(kind)))                                   \
    X(dtype, sg_tensor_dtype(T(), SINK(dtype)))                                \
    X(ndim, sg_tensor_ndim(T(), SINK(n)))                                      \
    X(shape, call_shape())                                                     \
    X(name, call_name())                                                       \
    X(strides, call_strides())                                                 \
    X(data, call_data())                                                       \
    X(copy_data, call_copy_data())                                             \
    X(item, sg_tensor_item(T(), SINK(d)))                                      \
    X(item_as, sg_tensor_item_as(T(), DTYPE(), SINK(item)))                    \
    X(dtype_info, call_dtype_info())                                           \
    X(full, call_full())                                                       \
    X(clip, (PAIR(), sg_clip(T(), byte() % 2 ? pa : NULL, byte() % 2 ? pb : NULL, OUT()))) \
    X(get_value, sg_tensor_get_value(T(), OUT()))                              \
    X(set_value, sg_tensor_set_value(T(), TC()))                               \
    X(set_requires_grad, sg_tensor_set_requires_grad(T(), FLAG()))             \
    X(requires_grad, sg_tensor_requires_grad(T(), SINK(flag)))                 \
    X(backward, sg_tensor_backward(TC(), byte() % 2 ? TC() : NULL))            \
    XN(grad, sg_tensor_grad(T(), OUT()))                                       \
    X(set_grad, sg_tensor_set_grad(T(), byte() % 2 ? T() : NULL))              \
    X(detach, sg_tensor_detach(T(), OUT()))                                    \
    X(grad_all, call_grad_all())                                               \
    X(set_enabled, call_set_enabled())                                         \
    X(op_names, call_op_names())                                               \
    X(unary, sg_unary(UNOP(), T(), OUT()))                                     \
    X(binary, (PAIR(), sg_binary(BINOP(), pa, pb, OUT())))                     \
    X(matmul, (PRODUCT(), sg_matmul(pa, pb, OUT())))                           \
    X(dot, (PRODUCT(), sg_dot(pa, pb, OUT())))                                 \
    X(sum, sg_sum(TC(), AXES(), COUNT(), FLAG(), OUT()))                       \
    X(mean, sg_mean(TM(), AXES(), COUNT(), FLAG(), OUT()))                     \
    X(permute_dims, sg_permute_dims(T(), AXES(), COUNT(), OUT()))              \
    X(reduce, sg_reduce((sg_reduce_op)(byte() % 8), TC(), AXES(), COUNT(), FLAG(), DTYPE_OR_NULL(), OUT())) \
    X(argmax, sg_argmax(TC(), AXES(), FLAG(), OUT()))                           \
    X(argmin, sg_argmin(TC(), AXES(), FLAG(), OUT()))                           \
    X(var, sg_var(TM(), AXES(), COUNT(), SCALAR(), FLAG(), OUT()))             \
    X(std, sg_std(TM(), AXES(), COUNT(), SCALAR(), FLAG(), OUT()))             \
    X(cumulative_sum, sg_cumulative_sum(TC(), AXES(), FLAG(), DTYPE_OR_NULL(), OUT())) \
    X(tensordot, (PRODUCT(), sg_tensordot(pa, pb, AXES(), AXES(), COUNT(), OUT()))) \
    X(vecdot, (PRODUCT(), sg_vecdot(pa, pb, -(int64_t)(byte() % 4), OUT())))   \
    X(outer, (PRODUCT(), sg_outer(pa, pb, OUT())))                             \
    X(einsum, (PRODUCT(), sg_einsum(EINSUM(), (const sg_tensor *const[]){pa, pb, pa}, byte() % 4, OUT()))) \
    X(linalg, sg_linalg((sg_linalg_op)(byte() % 20), TC(), OUT()))            \
    X(linalg_solve, (PRODUCT(), sg_linalg_solve(pa, pb, OUT())))               \
    X(vector_norm, sg_linalg_vector_norm(TM(), AXES(), COUNT(), FLAG(), SCALAR(), OUT())) \
    X(matrix_norm, sg_linalg_matrix_norm(TM(), byte() % 2 ? "nuc" : "fro", FLAG(), OUT())) \
    X(diagonal, sg_linalg_diagonal(T(), (int64_t)(byte() % 7) - 3, OUT()))     \
    X(trace, sg_linalg_trace(TC(), (int64_t)(byte() % 7) - 3, DTYPE_OR_NULL(), OUT())) \
    X(matrix_power, sg_linalg_matrix_power(TC(), (int64_t)(byte() % 7) - 3, OUT())) \
    X(cross, (PRODUCT(), sg_linalg_cross(pa, pb, -(int64_t)(byte() % 3), OUT()))) \
    X(astype, sg_astype(T(), DTYPE(), OUT()))                                  \
    X(function_new, call_function_new())                                       \
    X(function_call, call_function_call())                                     \
    X(function_run, call_function_run())                                       \
    X(function_num_inputs, sg_function_num_inputs(F(), SINK(n)))               \
    X(function_num_outputs, sg_function_num_outputs(F(), SINK(n)))             \
    X(function_input, call_function_input())                                   \
    X(free_tensor, (put(NULL), SG_OK))                                         \
    X(free_function, (put_function(NULL), SG_OK))                              \
    X(describe, call_describe())                                               \
    X(binary_update, sg_binary_update(BINOP(), T(), TC()))                    \
    X(jvp, sg_jvp((const sg_tensor *const[]){TC()}, 1, (const sg_tensor *const[]){T()}, \
                  (const sg_tensor *const[]){T()}, 1, OUT()))                    \
    X(logsumexp, sg_logsumexp(TC(), AXES(), COUNT(), FLAG(), OUT()))           \
    X(softmax, sg_softmax(TC(), (int64_t)(byte() % 7) - 3, OUT()))             \
    X(log_softmax, sg_log_softmax(TC(), (int64_t)(byte() % 7) - 3, OUT()))     \
    X(log_sigmoid, sg_log_sigmoid(TC(), OUT()))                                \
    X(bce_with_logits, (PAIR(), sg_binary_cross_entropy_with_logits(pa, pb, (sg_loss_reduction)(byte() % 4), OUT()))) \
    X(slice_dynamic, sg_slice_dynamic(T(), (int64_t)(byte() % 7) - 3, byte() % 2 ? T() : NULL, byte() % 2 ? T() : NULL, (int64_t)(byte() % 5) - 2, OUT())) \
    X(function_new_givens, call_function_new_givens())                          \
    X(scan, call_scan())                                                       \
    X(arange_dynamic, sg_arange_dynamic(T(), T(), T(), DTYPE(), OUT()))        \
    X(length, sg_length(T(), (int64_t)(byte() % 7) - 3, OUT()))                \
    X(random_draw, sg_random_draw((sg_distribution)(byte() % 5), T(), (double)(byte() % 5) - 1, \
                                  (double)(byte() % 5), AXES(), COUNT() % 4, DTYPE(), OUT())) \
    X(set_default_update, sg_tensor_set_default_update(T(), byte() % 2 ? T() : NULL)) \
    X(vjp, call_vjp())

#define DEFINE(name, expr) \
    static void op_##name(void) { done((expr), 0); }
#define DEFINE_N(name, expr) \
    static void op_##name(void) { done((expr), 1); }
CALLS(DEFINE, DEFINE_N)

#define ROW(name, expr) {op_##name, #name},
static const struct {
    void (*run)(void);
    const char *name;
} calls[] = {CALLS(ROW, ROW)};
#define NCALLS (sizeof calls / sizeof calls[0])

typedef char calls_fit_outcome[NCALLS <= MAXCALLS ? 1 : -1];

/* ------------------------------------------------------------ driver */

/* FUZZ_STATS set: at exit, how often each call gave each status (to see
 * that a corpus reaches success paths, not only argument errors). */
static void print_tally(void) {
    size_t k;
    int s;
    for (k = 0; k < NCALLS; k++) {
        fprintf(stderr, "%-22s", calls[k].name);
        for (s = 0; s <= SG_ERROR_INTERNAL; s++) fprintf(stderr, " %8lu", tally[k][s]);
        fprintf(stderr, "\n");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t i;
    if (ndtypes == 0) find_dtypes();
    if (trace < 0) {
        trace = getenv("FUZZ_TRACE") != NULL;
        if (getenv("FUZZ_STATS") != NULL) atexit(print_tally);
    }
    if (lent.bytes[1] == 0)
        for (i = 0; i < sizeof lent.bytes; i++) lent.bytes[i] = (unsigned char)(i % 3 == 1);
    in_p = data;
    in_n = size;
    nborrows = 0;
    memset(borrows, 0, sizeof borrows);
    while (in_n > 0) {
        current = byte() % NCALLS;
        if (trace) fprintf(stderr, "%s\n", calls[current].name);
        calls[current].run();
    }
    for (i = 0; i < NSLOTS; i++) {
        sg_tensor_free(slots[i]);
        slots[i] = NULL;
    }
    for (i = 0; i < NFUNCS; i++) {
        sg_function_free(funcs[i]);
        funcs[i] = NULL;
    }
    (void)sg_autograd_set_enabled(true, NULL);
    for (i = 0; i < nborrows; i++) {
        borrow *b = &borrows[i];
        if (b->used && b->ok && b->released != 1) fail("a borrowed buffer was not released exactly once");
        if (b->used && !b->ok && b->released != 0) fail("a refused buffer was released");
    }
    return 0;
}
