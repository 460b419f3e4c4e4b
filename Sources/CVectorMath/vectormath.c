/* SLEEF's vector functions applied to arrays. Each loop is compiled for
 * its instruction set with a target attribute, so the library still runs
 * on CPUs without it: the dispatch below checks the CPU once. */
#include <immintrin.h>
#include <string.h>
#include <math.h>

#include "vectormath.h"

#define FUNCTIONS(X) X(exp) X(expm1) X(log) X(log1p) X(log2) X(log10) X(sin) X(cos) X(tan) \
    X(asin) X(acos) X(atan) X(sinh) X(cosh) X(tanh) X(asinh) X(acosh) X(atanh)

/* A loop over whole vectors, then the tail through a padded vector. */
#define LOOP(NAME, TARGET, T, V, W, LOAD, STORE, F)                               \
    __attribute__((target(TARGET))) static void NAME(const T *x, T *y, size_t n) { \
        size_t i = 0;                                                              \
        for (; i + W <= n; i += W) STORE(y + i, F(LOAD(x + i)));                   \
        if (i < n) {                                                               \
            T a[W], b[W];                                                          \
            memset(a, 0, sizeof a);                                                \
            memcpy(a, x + i, (n - i) * sizeof(T));                                 \
            STORE(b, F(LOAD(a)));                                                  \
            memcpy(y + i, b, (n - i) * sizeof(T));                                 \
        }                                                                          \
    }

/* sleef.h declares each instruction set's functions only when the whole
 * file is compiled for it; these loops are compiled for it one by one. */
#define DECLARE(f)                                        \
    __attribute__((target("avx512f"))) __m512 Sleef_##f##f16_u10avx512f(__m512);   \
    __attribute__((target("avx512f"))) __m512d Sleef_##f##d8_u10avx512f(__m512d);  \
    __attribute__((target("avx2,fma"))) __m256 Sleef_##f##f8_u10avx2(__m256);      \
    __attribute__((target("avx2,fma"))) __m256d Sleef_##f##d4_u10avx2(__m256d);
FUNCTIONS(DECLARE)

#define LOOPS(f)                                                                                   \
    LOOP(f##_f32_512, "avx512f", float, __m512, 16, _mm512_loadu_ps, _mm512_storeu_ps, Sleef_##f##f16_u10avx512f) \
    LOOP(f##_f64_512, "avx512f", double, __m512d, 8, _mm512_loadu_pd, _mm512_storeu_pd, Sleef_##f##d8_u10avx512f) \
    LOOP(f##_f32_256, "avx2,fma", float, __m256, 8, _mm256_loadu_ps, _mm256_storeu_ps, Sleef_##f##f8_u10avx2)     \
    LOOP(f##_f64_256, "avx2,fma", double, __m256d, 4, _mm256_loadu_pd, _mm256_storeu_pd, Sleef_##f##d4_u10avx2)
FUNCTIONS(LOOPS)

/* sigmoid from SLEEF's exp: with e = exp(-|x|), 1 / (1 + e) for x >= 0 and
 * e / (1 + e) below, so exp never overflows and tiny results keep their
 * precision. The select is on bits, with GCC/Clang vector operators. */
typedef int iv16 __attribute__((vector_size(64)));
typedef long long lv8 __attribute__((vector_size(64)));
typedef int iv8 __attribute__((vector_size(32)));
typedef long long lv4 __attribute__((vector_size(32)));
#define SIGMOID(NAME, TARGET, V, IV, ONE, SIGN, EXPF)                                  \
    __attribute__((target(TARGET))) static V NAME(V x) {                              \
        IV negative = (IV)(x < 0);                                                     \
        V e = EXPF((V)((IV)x | (SIGN)));  /* the sign bit set: exp(-|x|) */             \
        V r = ONE / (ONE + e);                                                         \
        return (V)(((IV)(e * r) & negative) | ((IV)r & ~negative));                    \
    }
SIGMOID(sigmoid_f16_avx512, "avx512f", __m512, iv16, 1.0f, (-2147483647 - 1), Sleef_expf16_u10avx512f)
SIGMOID(sigmoid_d8_avx512, "avx512f", __m512d, lv8, 1.0, (-9223372036854775807LL - 1), Sleef_expd8_u10avx512f)
SIGMOID(sigmoid_f8_avx2, "avx2,fma", __m256, iv8, 1.0f, (-2147483647 - 1), Sleef_expf8_u10avx2)
SIGMOID(sigmoid_d4_avx2, "avx2,fma", __m256d, lv4, 1.0, (-9223372036854775807LL - 1), Sleef_expd4_u10avx2)
LOOP(sigmoid_f32_512, "avx512f", float, __m512, 16, _mm512_loadu_ps, _mm512_storeu_ps, sigmoid_f16_avx512)
LOOP(sigmoid_f64_512, "avx512f", double, __m512d, 8, _mm512_loadu_pd, _mm512_storeu_pd, sigmoid_d8_avx512)
LOOP(sigmoid_f32_256, "avx2,fma", float, __m256, 8, _mm256_loadu_ps, _mm256_storeu_ps, sigmoid_f8_avx2)
LOOP(sigmoid_f64_256, "avx2,fma", double, __m256d, 4, _mm256_loadu_pd, _mm256_storeu_pd, sigmoid_d4_avx2)

typedef void (*loop_f32)(const float *, float *, size_t);
typedef void (*loop_f64)(const double *, double *, size_t);

#define ENTRY_F32_512(f) f##_f32_512,
#define ENTRY_F64_512(f) f##_f64_512,
#define ENTRY_F32_256(f) f##_f32_256,
#define ENTRY_F64_256(f) f##_f64_256,
static const loop_f32 f32_512[] = {FUNCTIONS(ENTRY_F32_512) sigmoid_f32_512};
static const loop_f64 f64_512[] = {FUNCTIONS(ENTRY_F64_512) sigmoid_f64_512};
static const loop_f32 f32_256[] = {FUNCTIONS(ENTRY_F32_256) sigmoid_f32_256};
static const loop_f64 f64_256[] = {FUNCTIONS(ENTRY_F64_256) sigmoid_f64_256};

_Static_assert(sizeof f32_512 / sizeof *f32_512 == SG_VMATH_COUNT, "one loop per function");

/* 2: AVX-512, 1: AVX2 with FMA, 0: neither. */
/* Threads may race to fill the cache; they store the same value, and the
 * atomics make that race well defined. */
static int level(void) {
    static int cached = -1;
    int l = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (l < 0) {
        __builtin_cpu_init();
        l = __builtin_cpu_supports("avx512f") ? 2
          : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
        __atomic_store_n(&cached, l, __ATOMIC_RELAXED);
    }
    return l;
}

int sg_vmath_f32(sg_vmath_function function, const float *x, float *y, size_t n) {
    int l = level();
    if ((unsigned)function >= SG_VMATH_COUNT || l == 0) return 0;
    (l == 2 ? f32_512 : f32_256)[function](x, y, n);
    return 1;
}

int sg_vmath_f64(sg_vmath_function function, const double *x, double *y, size_t n) {
    int l = level();
    if ((unsigned)function >= SG_VMATH_COUNT || l == 0) return 0;
    (l == 2 ? f64_512 : f64_256)[function](x, y, n);
    return 1;
}

static const float nan_f32[2] = {NAN, NAN};
static const double nan_f64[2] = {NAN, NAN};

const float *sg_vmath_nan_f32(void) { return nan_f32; }
const double *sg_vmath_nan_f64(void) { return nan_f64; }
