/* The LAPACK routines swiftgrad calls, as OpenBLAS exports them (Fortran
 * names and conventions: every argument by pointer, column-major arrays,
 * and a hidden length after the character arguments). Debian's OpenBLAS
 * ships LAPACK without lapacke.h, so they are declared here. */
#include <stddef.h>

#define SG_LAPACK_REAL(T, p)                                                   \
    void p##getrf_(const int *m, const int *n, T *a, const int *lda,          \
                   int *ipiv, int *info);                                      \
    void p##getrs_(const char *trans, const int *n, const int *nrhs,          \
                   const T *a, const int *lda, const int *ipiv, T *b,         \
                   const int *ldb, int *info, size_t trans_len);              \
    void p##potrf_(const char *uplo, const int *n, T *a, const int *lda,      \
                   int *info, size_t uplo_len);                                \
    void p##syevd_(const char *jobz, const char *uplo, const int *n, T *a,    \
                   const int *lda, T *w, T *work, const int *lwork,           \
                   int *iwork, const int *liwork, int *info, size_t jobz_len, \
                   size_t uplo_len);                                           \
    void p##gesdd_(const char *jobz, const int *m, const int *n, T *a,        \
                   const int *lda, T *s, T *u, const int *ldu, T *vt,         \
                   const int *ldvt, T *work, const int *lwork, int *iwork,    \
                   int *info, size_t jobz_len);                                \
    void p##geqrf_(const int *m, const int *n, T *a, const int *lda, T *tau,  \
                   T *work, const int *lwork, int *info);                      \
    void p##orgqr_(const int *m, const int *n, const int *k, T *a,            \
                   const int *lda, const T *tau, T *work, const int *lwork,   \
                   int *info);

SG_LAPACK_REAL(float, s)
SG_LAPACK_REAL(double, d)

#undef SG_LAPACK_REAL

/* Complex (c: float, z: double), arrays of interleaved (re, im) pairs. */
#define SG_LAPACK_COMPLEX(p)                                                   \
    void p##getrf_(const int *m, const int *n, void *a, const int *lda,       \
                   int *ipiv, int *info);                                      \
    void p##getrs_(const char *trans, const int *n, const int *nrhs,          \
                   const void *a, const int *lda, const int *ipiv, void *b,   \
                   const int *ldb, int *info, size_t trans_len);              \
    void p##potrf_(const char *uplo, const int *n, void *a, const int *lda,   \
                   int *info, size_t uplo_len);                                \
    void p##geqrf_(const int *m, const int *n, void *a, const int *lda,       \
                   void *tau, void *work, const int *lwork, int *info);        \
    void p##ungqr_(const int *m, const int *n, const int *k, void *a,         \
                   const int *lda, const void *tau, void *work,               \
                   const int *lwork, int *info);

SG_LAPACK_COMPLEX(c)
SG_LAPACK_COMPLEX(z)

/* The Hermitian eigensolver and the SVD take real arrays (w, s, rwork) of
 * the matching precision. */
#define SG_LAPACK_COMPLEX_REAL(T, p)                                           \
    void p##heevd_(const char *jobz, const char *uplo, const int *n, void *a, \
                   const int *lda, T *w, void *work, const int *lwork,        \
                   T *rwork, const int *lrwork, int *iwork, const int *liwork,\
                   int *info, size_t jobz_len, size_t uplo_len);              \
    void p##gesdd_(const char *jobz, const int *m, const int *n, void *a,     \
                   const int *lda, T *s, void *u, const int *ldu, void *vt,   \
                   const int *ldvt, void *work, const int *lwork, T *rwork,   \
                   int *iwork, int *info, size_t jobz_len);

SG_LAPACK_COMPLEX_REAL(float, c)
SG_LAPACK_COMPLEX_REAL(double, z)

#undef SG_LAPACK_COMPLEX_REAL

#undef SG_LAPACK_COMPLEX
