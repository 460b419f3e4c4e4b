/* Vectorized elementary functions over contiguous arrays, from SLEEF
 * (1-ulp "u10" variants), picking AVX-512 or AVX2 at run time. */
#ifndef SWIFTGRAD_VECTORMATH_H
#define SWIFTGRAD_VECTORMATH_H

#include <stddef.h>

typedef enum sg_vmath_function {
    SG_VMATH_EXP, SG_VMATH_EXPM1, SG_VMATH_LOG, SG_VMATH_LOG1P, SG_VMATH_LOG2,
    SG_VMATH_LOG10, SG_VMATH_SIN, SG_VMATH_COS, SG_VMATH_TAN, SG_VMATH_ASIN,
    SG_VMATH_ACOS, SG_VMATH_ATAN, SG_VMATH_SINH, SG_VMATH_COSH, SG_VMATH_TANH,
    SG_VMATH_ASINH, SG_VMATH_ACOSH, SG_VMATH_ATANH,
    SG_VMATH_SIGMOID, /* 1 / (1 + exp(-x)), from SLEEF's exp */
    SG_VMATH_COUNT
} sg_vmath_function;

/* y[i] = f(x[i]) for i < n; returns 0 (and writes nothing) when this CPU
 * has neither AVX2 nor AVX-512 or `function` is out of range. */
int sg_vmath_f32(sg_vmath_function function, const float *x, float *y, size_t n);
int sg_vmath_f64(sg_vmath_function function, const double *x, double *y, size_t n);

/* Two NaNs of each floating width (a complex NaN) in static memory, which
 * needs no initialization at run time: what the stand-ins of recorded
 * values view. */
const float *sg_vmath_nan_f32(void);
const double *sg_vmath_nan_f64(void);

#endif
