/*
 * swiftgrad.h — the C interface to swiftgrad, an automatic-differentiation
 * library built on computation graphs.
 *
 * A tutorial
 * ----------
 * Everything is a tensor (sg_tensor*): an opaque handle to an array of one
 * of thirteen dtypes (bool, signed and unsigned integers of 8 to 64 bits,
 * float32, float64, complex64, complex128) with a shape. A tensor either holds a value (a concrete,
 * NumPy-like array) or is symbolic: an expression over placeholders and
 * shared variables, evaluated later by a compiled function.
 *
 *     sg_tensor *x, *w, *y;
 *     double xs[] = {1, 0}, ws[] = {3, 2, 4, 3};
 *     int64_t xshape[] = {2}, wshape[] = {2, 2};
 *     sg_tensor_from_data(xs, xshape, 1, SG_DTYPE_FLOAT64, &x);
 *     sg_tensor_from_data(ws, wshape, 2, SG_DTYPE_FLOAT64, &w);
 *     sg_tensor_set_requires_grad(w, true);
 *     if (sg_dot(x, w, &y) != SG_OK)          // y = x · w, computed now
 *         fprintf(stderr, "%s\n", sg_last_error());
 *
 * Eager autograd (PyTorch style): operations on tensors that require grad
 * record the graph; sg_tensor_backward() walks it and accumulates into the
 * leaves' gradients, read with sg_tensor_grad().
 *
 * Custom operations (sg_custom_op_new) are a forward and a vjp callback,
 * recorded like any operation; sg_gradcheck compares a function's
 * gradients with central differences.
 *
 * Symbolic graphs (Theano style): sg_tensor_new_placeholder() and
 * sg_tensor_new_shared() make leaves without a fixed value; the same
 * operations then build graph nodes; sg_grad() differentiates a graph into
 * new graph nodes; sg_function_new() compiles inputs, outputs and updates
 * into a function that sg_function_call() runs in one call.
 *
 * The rules
 * ---------
 * - Every call that can fail returns sg_status; results come back through
 *   out-pointers, written only on success. On failure sg_last_error() gives
 *   a message that names the operation and the shapes, e.g.
 *   "[matmul] shapes (2,3) and (4,5) are not aligned".
 * - Every sg_tensor* or sg_function* that a call writes to an out-pointer is
 *   a new reference owned by the caller, released with exactly one
 *   sg_tensor_free() / sg_function_free(). Freeing NULL does nothing.
 *   Arguments are borrowed: a call never takes over the caller's reference.
 * - Tensors are values that only sg_index_set writes into (shared variables
 *   aside), so one tensor may be an input to many calls. Compiled functions may run on several threads
 *   at once: shared variables are read and updated under a lock. Otherwise a
 *   graph and its tensors belong to one thread at a time.
 * - Bad arguments (NULL handles, wrong shapes or dtypes, out-of-range axes)
 *   give an error status, never an abort.
 */
#ifndef SWIFTGRAD_H
#define SWIFTGRAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this interface; sg_abi_version() gives the library's. A
 * signature never changes once released: new behaviour gets a new name. */
#define SG_ABI_VERSION 2

/* ---------------------------------------------------------------- Basics */

typedef enum sg_status {
    SG_OK = 0,
    /* A bad value or shape: shapes that do not match, an unknown operation
     * enum, a size that does not fit (Python: ValueError). */
    SG_ERROR_VALUE = 1,
    /* A wrong dtype (or an unknown dtype enum), the wrong kind of tensor (a
     * symbolic one where a value is needed, a non-leaf where a leaf is), or
     * the wrong number of arguments to a function (TypeError). */
    SG_ERROR_TYPE = 2,
    SG_ERROR_INDEX = 3,    /* axis or index out of range (IndexError) */
    SG_ERROR_MEMORY = 4,   /* an allocation failed (MemoryError) */
    SG_ERROR_NULL = 5,     /* a required pointer argument was NULL */
    SG_ERROR_INTERNAL = 6  /* a bug in swiftgrad: please report it */
} sg_status;

/* Element types. Complex elements are pairs (real, imaginary) of floats,
 * laid out as C99's float _Complex and double _Complex. */
typedef enum sg_dtype {
    SG_DTYPE_FLOAT32 = 0,
    SG_DTYPE_FLOAT64 = 1,
    SG_DTYPE_BOOL = 2,        /* one byte, 0 or 1 */
    SG_DTYPE_INT8 = 3,
    SG_DTYPE_INT16 = 4,
    SG_DTYPE_INT32 = 5,
    SG_DTYPE_INT64 = 6,
    SG_DTYPE_UINT8 = 7,
    SG_DTYPE_UINT16 = 8,
    SG_DTYPE_UINT32 = 9,
    SG_DTYPE_UINT64 = 10,
    SG_DTYPE_COMPLEX64 = 11,
    SG_DTYPE_COMPLEX128 = 12,
    SG_DTYPE_COUNT = 13
} sg_dtype;

/* The families of dtypes (the Array API's kinds). */
typedef enum sg_dtype_kind {
    SG_DTYPE_KIND_BOOL = 0,
    SG_DTYPE_KIND_SIGNED_INTEGER = 1,
    SG_DTYPE_KIND_UNSIGNED_INTEGER = 2,
    SG_DTYPE_KIND_REAL_FLOATING = 3,
    SG_DTYPE_KIND_COMPLEX_FLOATING = 4
} sg_dtype_kind;

/* The library's version string, e.g. "0.1.0". Static; never NULL. */
const char *sg_version(void);

/* The library's ABI version; compare with SG_ABI_VERSION. */
int sg_abi_version(void);

/* The message of the last failed call on this thread; "" if none failed.
 * Owned by the library, valid until the next failed call on this thread. */
const char *sg_last_error(void);

/* ---------------------------------------------------------------- Dtypes */

/* The dtype's name ("float32", "int64", …), or NULL for an unknown value. */
const char *sg_dtype_name(sg_dtype dtype);

/* Bytes per element, or 0 for an unknown value. */
size_t sg_dtype_itemsize(sg_dtype dtype);

sg_status sg_dtype_kind_of(sg_dtype dtype, sg_dtype_kind *out);

/* The dtype two operands promote to, by the Array API 2023.12 table;
 * SG_ERROR_TYPE where the standard leaves it undefined (mixed kinds such
 * as int32 with float32, or int64 with uint64). */
sg_status sg_dtype_promote(sg_dtype a, sg_dtype b, sg_dtype *out);

/* Whether `from` casts to `to` without loss by the promotion rules (the
 * Array API's can_cast). sg_astype converts between any two dtypes. */
sg_status sg_dtype_can_cast(sg_dtype from, sg_dtype to, bool *out);

/* Limits of a floating dtype; a complex dtype gives those of its parts. */
typedef struct sg_finfo {
    int bits;
    double eps;             /* the gap between 1 and the next value */
    double max;             /* the largest finite value */
    double min;             /* the most negative finite value */
    double smallest_normal; /* the smallest positive normal value */
} sg_finfo;

sg_status sg_dtype_finfo(sg_dtype dtype, sg_finfo *out);

/* Limits of an integer dtype. */
typedef struct sg_iinfo {
    int bits;
    int64_t min;
    uint64_t max;
} sg_iinfo;

sg_status sg_dtype_iinfo(sg_dtype dtype, sg_iinfo *out);

/* ------------------------------------------------------- Making tensors */

typedef struct sg_tensor sg_tensor;

/* A new tensor holding a copy of `data`: prod(shape) elements of `dtype` in
 * C (row-major) order. `shape` may be NULL when ndim is 0 (a scalar). */
sg_status sg_tensor_from_data(const void *data, const int64_t *shape,
                              size_t ndim, sg_dtype dtype, sg_tensor **out);

/* A new tensor over the caller's memory, without a copy. `strides` counts
 * elements per step along each axis (NULL: C order); they may be zero or
 * negative. The library calls release(context) once, when the last tensor
 * using the memory is freed; release may be NULL. On failure release is not
 * called and the memory stays the caller's. The memory must stay valid and
 * unchanged until release is called. */
sg_status sg_tensor_from_buffer(void *data, const int64_t *shape,
                                const int64_t *strides, size_t ndim,
                                sg_dtype dtype, void (*release)(void *),
                                void *context, sg_tensor **out);

/* Flags of sg_tensor_from_buffer_v2. */
typedef enum sg_buffer_flag {
    /* The library never writes into the memory: in-place writes into the
     * tensor (sg_index_set, sg_binary_update) fail with SG_ERROR_VALUE. */
    SG_BUFFER_READ_ONLY = 1
} sg_buffer_flag;

/* sg_tensor_from_buffer with `flags`, sg_buffer_flag values or-ed together
 * (0 is sg_tensor_from_buffer); unknown flags fail with SG_ERROR_VALUE. */
sg_status sg_tensor_from_buffer_v2(void *data, const int64_t *shape,
                                   const int64_t *strides, size_t ndim,
                                   sg_dtype dtype, unsigned flags,
                                   void (*release)(void *), void *context,
                                   sg_tensor **out);

/* A new 0-dimensional tensor holding `value` converted to `dtype`. For a
 * scalar of any dtype without going through double (an int64 above 2^53,
 * a complex number), call sg_tensor_from_data with ndim 0, or
 * sg_tensor_full. */
sg_status sg_tensor_from_scalar(double value, sg_dtype dtype, sg_tensor **out);

/* A new tensor of `shape` whose every element is *value, one element of
 * `dtype` (read as that C type: int64_t, double _Complex, …). */
sg_status sg_tensor_full(const int64_t *shape, size_t ndim, const void *value,
                         sg_dtype dtype, sg_tensor **out);

/* A new symbolic input of a compiled function (Theano's T.dmatrix('x')).
 * shape[i] == -1 leaves axis i's length open until the function is called.
 * `name` is copied and may be NULL. */
sg_status sg_tensor_new_placeholder(sg_dtype dtype, const int64_t *shape,
                                    size_t ndim, const char *name,
                                    sg_tensor **out);

/* A new shared variable (Theano's theano.shared) starting at a copy of the
 * value of the concrete tensor `value`. Operations on it build symbolic graphs that
 * read its current value when a function runs; functions may update it.
 * `name` is copied and may be NULL. */
sg_status sg_tensor_new_shared(const sg_tensor *value, const char *name,
                               sg_tensor **out);

/* Releases a reference. NULL does nothing. */
void sg_tensor_free(sg_tensor *tensor);

/* ---------------------------------------------------- Reading tensors */

typedef enum sg_kind {
    SG_KIND_VALUE = 0,        /* a concrete array */
    SG_KIND_PLACEHOLDER = 1,  /* a symbolic input */
    SG_KIND_SHARED = 2,       /* a shared variable */
    SG_KIND_SYMBOLIC = 3      /* an expression with no value yet */
} sg_kind;

sg_status sg_tensor_kind(const sg_tensor *tensor, sg_kind *out);
sg_status sg_tensor_dtype(const sg_tensor *tensor, sg_dtype *out);
sg_status sg_tensor_ndim(const sg_tensor *tensor, size_t *out);

/* Writes ndim lengths to `shape`, which holds `capacity` entries; -1 marks
 * a length a symbolic tensor does not know yet. */
sg_status sg_tensor_shape(const sg_tensor *tensor, int64_t *shape,
                          size_t capacity);

/* The name given to a placeholder or shared variable, or NULL. Owned by the
 * library; valid until the next sg_tensor_name call on this thread. */
sg_status sg_tensor_name(const sg_tensor *tensor, const char **out);

/* Writes ndim strides, in elements, of a tensor with a value (a shared
 * variable gives its current value's). */
sg_status sg_tensor_strides(const sg_tensor *tensor, int64_t *strides,
                            size_t capacity);

/* A pointer to the element at index (0, …, 0) of a tensor with a value;
 * with sg_tensor_shape and sg_tensor_strides it reads every element. Owned by
 * the tensor: valid while `tensor` lives (for a shared variable, until its
 * value is next set) and read-only. */
sg_status sg_tensor_data(const sg_tensor *tensor, const void **out);

/* Copies the value in C order into `dst`, which holds `nbytes` bytes; nbytes
 * must be the element count times the element size. */
sg_status sg_tensor_copy_data(const sg_tensor *tensor, void *dst,
                              size_t nbytes);

/* The only element of a one-element tensor, as a double (a complex
 * tensor gives its real part). */
sg_status sg_tensor_item(const sg_tensor *tensor, double *out);

/* The only element of a one-element tensor converted to `dtype` (by
 * sg_astype's rules) and written to `out`, which holds one element of
 * `dtype`: exact for every dtype. */
sg_status sg_tensor_item_as(const sg_tensor *tensor, sg_dtype dtype,
                            void *out);

/* A shared variable's current value, or the value of a concrete tensor, as
 * a new concrete tensor without graph history. */
sg_status sg_tensor_get_value(const sg_tensor *tensor, sg_tensor **out);

/* Replaces a shared variable's value with a copy of the concrete tensor
 * `value`, which must have the variable's dtype and number of dimensions. */
sg_status sg_tensor_set_value(sg_tensor *shared, const sg_tensor *value);

/* ------------------------------------------------------------- Autograd */

/* Marks a concrete leaf tensor as a parameter: operations on it are then
 * recorded for sg_tensor_backward(). */
sg_status sg_tensor_set_requires_grad(sg_tensor *tensor, bool requires_grad);
sg_status sg_tensor_requires_grad(const sg_tensor *tensor, bool *out);

/* Back-propagates from `tensor` and adds the gradients to those of the leaf
 * tensors that require grad. `seed` is the gradient of `tensor` itself; NULL
 * means 1 and needs a one-element tensor. */
sg_status sg_tensor_backward(const sg_tensor *tensor, const sg_tensor *seed);

/* The gradient accumulated in a leaf, or NULL in *out if there is none. */
sg_status sg_tensor_grad(const sg_tensor *tensor, sg_tensor **out);

/* Replaces the accumulated gradient; NULL clears it. */
sg_status sg_tensor_set_grad(sg_tensor *tensor, const sg_tensor *grad);

/* The same value without graph history and not requiring grad. */
sg_status sg_tensor_detach(const sg_tensor *tensor, sg_tensor **out);

/* The name of the operation that made `tensor` and that its graph records
 * (PyTorch's grad_fn, Theano's owner.op): "" for leaves, placeholders,
 * shared variables and values computed without recording. The text is
 * copied as by sg_function_describe. */
sg_status sg_tensor_op_name(const sg_tensor *tensor, char *buffer,
                            size_t capacity, size_t *length);

/* The gradients of the one-element tensor `cost` with respect to each of
 * wrt[0 … n-1], written to grads[0 … n-1]. Symbolic graphs give symbolic
 * gradients (Theano's T.grad); eager graphs give values. Fails if cost does
 * not depend on one of wrt. */
sg_status sg_grad(const sg_tensor *cost, const sg_tensor *const *wrt,
                  size_t n, sg_tensor **grads);

/* Flags of sg_gradients. */
typedef enum {
    /* Eager gradients record graphs of their own, so they can be
     * differentiated again (PyTorch's create_graph=True). */
    SG_GRAD_CREATE_GRAPH = 1,
    /* A tensor of wrt the cost does not depend on gets zeros instead of
     * an error (Theano's disconnected_inputs='ignore'). */
    SG_GRAD_ALLOW_UNUSED = 2
} sg_grad_flags;

/* sg_grad with `flags`, a bitwise or of sg_grad_flags (0: as sg_grad). */
sg_status sg_gradients(const sg_tensor *cost, const sg_tensor *const *wrt,
                       size_t n, unsigned flags, sg_tensor **grads);

/* Reverse mode with given cotangents (Theano's Lop, PyTorch's
 * autograd.grad with grad_outputs): writes to grads[j] the sum over i of
 * cotangents[i] times the Jacobian of outputs[i] with respect to wrt[j],
 * for nwrt tensors; cotangents[i] has outputs[i]'s dtype and shape. flags
 * as sg_gradients'. Seeding the outputs directly leaves their shapes out
 * of a symbolic result. */
sg_status sg_vjp(const sg_tensor *const *outputs, const sg_tensor *const *cotangents,
                 size_t noutputs, const sg_tensor *const *wrt, size_t nwrt,
                 unsigned flags, sg_tensor **grads);

/* Forward mode (Theano's Rop, JAX's jvp): writes to results[i] how much
 * outputs[i] moves, to first order, when each inputs[j] moves by
 * tangents[j] (of inputs[j]'s shape), for noutputs outputs. Eager outputs
 * must have been computed from inputs that require grad (so the graph was
 * recorded); symbolic ones give symbolic results. Inputs must be real
 * floating point; an output that does not depend on them gets zeros. */
sg_status sg_jvp(const sg_tensor *const *outputs, size_t noutputs,
                 const sg_tensor *const *inputs,
                 const sg_tensor *const *tangents, size_t ninputs,
                 sg_tensor **results);

/* Turns recording of eager graphs on or off for this thread (PyTorch's
 * no_grad); writes the previous setting to `previous` unless it is NULL. */
sg_status sg_autograd_set_enabled(bool enabled, bool *previous);

/* A new reference to `tensor` itself (not a copy): how a callback keeps a
 * tensor it was lent. */
sg_status sg_tensor_retain(const sg_tensor *tensor, sg_tensor **out);

/* Flags of sg_tensor_backward_v2. */
typedef enum {
    /* The gradients record graphs of their own, so a leaf's gradient can be
     * differentiated again (PyTorch's create_graph=True). The leaf's
     * gradient then holds a graph that holds the leaf: clearing it with
     * sg_tensor_set_grad(leaf, NULL) frees both. */
    SG_BACKWARD_CREATE_GRAPH = 1
} sg_backward_flags;

/* sg_tensor_backward with `flags`, a bitwise or of sg_backward_flags (0: as
 * sg_tensor_backward). Graphs are never consumed by a backward, so it may
 * run again over the same graph (PyTorch's retain_graph is always on). */
sg_status sg_tensor_backward_v2(const sg_tensor *tensor, const sg_tensor *seed,
                                unsigned flags);

/* Makes backward passes also accumulate the gradient of the non-leaf
 * `tensor`, read with sg_tensor_grad (PyTorch's retain_grad). A leaf keeps
 * its gradient anyway; a tensor that does not require grad is an error. */
sg_status sg_tensor_retain_grad(sg_tensor *tensor);
sg_status sg_tensor_retains_grad(const sg_tensor *tensor, bool *out);

/* Callbacks. A callback returns SG_OK, or another status to fail the call
 * that ran it; it may describe the failure with sg_callback_error (a
 * failed swiftgrad call inside it already has). The library then fails
 * with the callback's status and a message naming the operation, the
 * callback and that description. Tensors a callback receives are borrowed
 * for the call (sg_tensor_retain keeps one); tensors it writes to its
 * out-pointers are new references the library takes over, even when it
 * fails. Callbacks run on the thread of the call that runs them. */
void sg_callback_error(const char *message);

/* A function of tensors: writes a new tensor computed from inputs[0 …
 * n-1] to *out. */
typedef sg_status (*sg_tensor_fn)(void *user_data,
                                  const sg_tensor *const *inputs, size_t n,
                                  sg_tensor **out);

/* A gradient hook: may write a tensor of grad's dtype and shape to
 * *replacement to replace the gradient; leaving it NULL keeps it. */
typedef sg_status (*sg_hook_fn)(void *user_data, const sg_tensor *grad,
                                sg_tensor **replacement);

/* Calls hook(user_data, g, …) with the gradient g of `tensor` each time a
 * backward pass or sg_grad computes it, before it is used or accumulated
 * (PyTorch's register_hook). Writes an id for sg_tensor_remove_hook to
 * *id. destroy(user_data), unless destroy is NULL, runs once when the hook
 * is removed or the tensor freed; on failure it is not called. The tensor
 * must require grad or be symbolic. */
sg_status sg_tensor_register_hook(sg_tensor *tensor, sg_hook_fn hook,
                                  void *user_data, void (*destroy)(void *),
                                  int64_t *id);

/* Removes a hook; SG_ERROR_VALUE if `tensor` has no hook `id`. */
sg_status sg_tensor_remove_hook(sg_tensor *tensor, int64_t id);

/* ---------------------------------------------------- Custom operations */

/* An operation defined by two callbacks (PyTorch's autograd.Function, JAX's
 * custom_vjp), recorded in graphs like any other:
 *
 *     sg_custom_op *square;
 *     sg_custom_op_new("square", square_forward, square_vjp, NULL, NULL,
 *                      &square);
 *     sg_custom_op_apply(square, &x, 1, &y);   // y = square(x), recorded
 *
 * forward(user_data, inputs, n, &out) writes the result for inputs[0 …
 * n-1]. It runs with recording off; on concrete inputs it must give a
 * concrete result. On symbolic inputs (and while a compiled function is
 * built) it runs on placeholders, to learn the result's dtype and shape:
 * a forward written with swiftgrad operations then works in symbolic
 * graphs and compiled functions, one that reads data fails there.
 *
 * vjp(user_data, inputs, n, output, cotangent, grads) writes to grads[i]
 * the gradient of input i when `output` receives `cotangent`, or leaves
 * it NULL where none flows. Each gradient must have input i's shape and a
 * floating dtype of its kind (it is converted to input i's dtype). A vjp
 * written with swiftgrad operations runs on values in a backward pass,
 * builds graphs under sg_grad of a symbolic cost, and is differentiated
 * again under SG_GRAD_CREATE_GRAPH. A vjp that breaks these rules fails
 * the backward pass with a message naming the op and the shapes. */
typedef sg_status (*sg_vjp_fn)(void *user_data,
                               const sg_tensor *const *inputs, size_t n,
                               const sg_tensor *output,
                               const sg_tensor *cotangent, sg_tensor **grads);

typedef struct sg_custom_op sg_custom_op;

/* A new custom operation called `name` (copied; errors begin with
 * "[name]"). `vjp` may be NULL: differentiating the op is then an error.
 * destroy(user_data), unless destroy is NULL, runs once when the op and
 * every graph recording it are freed; on failure it is not called and
 * user_data stays the caller's. */
sg_status sg_custom_op_new(const char *name, sg_tensor_fn forward,
                           sg_vjp_fn vjp, void *user_data,
                           void (*destroy)(void *), sg_custom_op **out);

/* Applies `op` to inputs[0 … n-1]: computes it now when every input has a
 * value (recording it when one requires grad), else builds a symbolic
 * node. */
sg_status sg_custom_op_apply(const sg_custom_op *op,
                             const sg_tensor *const *inputs, size_t n,
                             sg_tensor **out);

/* Releases a reference to an op; graphs that recorded it keep it alive.
 * NULL does nothing. */
void sg_custom_op_free(sg_custom_op *op);

/* Flags of sg_gradcheck. */
typedef enum {
    /* Also check second derivatives: the gradient of the vjp (at a fixed
     * cotangent) against central differences (PyTorch's gradgradcheck). */
    SG_GRADCHECK_GRAD_GRAD = 1
} sg_gradcheck_flags;

/* Checks the gradients of f at the float64 tensors inputs[0 … n-1]
 * against central differences with step eps: every analytic entry a must
 * be within atol + rtol * |numeric| (PyTorch's gradcheck). f(user_data,
 * xs, n, &out) builds the output from fresh leaves xs that require grad,
 * with swiftgrad operations. SG_OK when the gradients agree; otherwise
 * SG_ERROR_VALUE and a message naming the worst output and input
 * elements, both values, and how many entries differ. */
sg_status sg_gradcheck(sg_tensor_fn f, void *user_data,
                       const sg_tensor *const *inputs, size_t n, double eps,
                       double atol, double rtol, unsigned flags);

/* ----------------------------------------------------------- Operations */

/* Each operation writes a new tensor to *out. Binary operations broadcast
 * as NumPy does and promote their operands by sg_dtype_promote (divide
 * computes integers in float64). An operation given a dtype it does not
 * define fails with SG_ERROR_TYPE: "[sin] integer inputs are not
 * supported (got int32)". Comparisons and predicates give bool tensors.
 *
 * The operations are numbered in the order the library declares them;
 * numbers are never reused or reordered. sg_unary_op_name() and
 * sg_binary_op_name() give their names (the Array API's), and NULL past
 * the last one. */

/* BEGIN GENERATED: ops (tools/gen_ops.py; make check-generated) */
typedef enum sg_unary_op {
    SG_UNARY_NEGATIVE = 0,
    SG_UNARY_EXP = 1,
    SG_UNARY_LOG = 2,
    SG_UNARY_SIGMOID = 3,
    SG_UNARY_ABS = 4,
    SG_UNARY_ACOS = 5,
    SG_UNARY_ACOSH = 6,
    SG_UNARY_ASIN = 7,
    SG_UNARY_ASINH = 8,
    SG_UNARY_ATAN = 9,
    SG_UNARY_ATANH = 10,
    SG_UNARY_BITWISE_INVERT = 11,
    SG_UNARY_CEIL = 12,
    SG_UNARY_CONJ = 13,
    SG_UNARY_COS = 14,
    SG_UNARY_COSH = 15,
    SG_UNARY_EXPM1 = 16,
    SG_UNARY_FLOOR = 17,
    SG_UNARY_IMAG = 18,
    SG_UNARY_ISFINITE = 19,
    SG_UNARY_ISINF = 20,
    SG_UNARY_ISNAN = 21,
    SG_UNARY_LOG1P = 22,
    SG_UNARY_LOG2 = 23,
    SG_UNARY_LOG10 = 24,
    SG_UNARY_LOGICAL_NOT = 25,
    SG_UNARY_POSITIVE = 26,
    SG_UNARY_REAL = 27,
    SG_UNARY_RELU = 28,
    SG_UNARY_ROUND = 29,
    SG_UNARY_SIGN = 30,
    SG_UNARY_SIGNBIT = 31,
    SG_UNARY_SIN = 32,
    SG_UNARY_SINH = 33,
    SG_UNARY_SOFTPLUS = 34,
    SG_UNARY_SQRT = 35,
    SG_UNARY_SQUARE = 36,
    SG_UNARY_TAN = 37,
    SG_UNARY_TANH = 38,
    SG_UNARY_TRUNC = 39,
    SG_UNARY_OP_COUNT = 40
} sg_unary_op;

typedef enum sg_binary_op {
    SG_BINARY_ADD = 0,
    SG_BINARY_SUBTRACT = 1,
    SG_BINARY_MULTIPLY = 2,
    SG_BINARY_DIVIDE = 3,
    SG_BINARY_POW = 4,
    SG_BINARY_ATAN2 = 5,
    SG_BINARY_BITWISE_AND = 6,
    SG_BINARY_BITWISE_LEFT_SHIFT = 7,
    SG_BINARY_BITWISE_OR = 8,
    SG_BINARY_BITWISE_RIGHT_SHIFT = 9,
    SG_BINARY_BITWISE_XOR = 10,
    SG_BINARY_COPYSIGN = 11,
    SG_BINARY_EQUAL = 12,
    SG_BINARY_FLOOR_DIVIDE = 13,
    SG_BINARY_GREATER = 14,
    SG_BINARY_GREATER_EQUAL = 15,
    SG_BINARY_HYPOT = 16,
    SG_BINARY_LESS = 17,
    SG_BINARY_LESS_EQUAL = 18,
    SG_BINARY_LOGADDEXP = 19,
    SG_BINARY_LOGICAL_AND = 20,
    SG_BINARY_LOGICAL_OR = 21,
    SG_BINARY_LOGICAL_XOR = 22,
    SG_BINARY_MAXIMUM = 23,
    SG_BINARY_MINIMUM = 24,
    SG_BINARY_NEXTAFTER = 25,
    SG_BINARY_NOT_EQUAL = 26,
    SG_BINARY_REMAINDER = 27,
    SG_BINARY_OP_COUNT = 28
} sg_binary_op;
/* END GENERATED: ops */

/* The names of ABI version 1. */
#define SG_UNARY_NEG SG_UNARY_NEGATIVE
#define SG_BINARY_SUB SG_BINARY_SUBTRACT
#define SG_BINARY_MUL SG_BINARY_MULTIPLY
#define SG_BINARY_DIV SG_BINARY_DIVIDE

/* The operation's name ("sigmoid", "add", …), or NULL if out of range. */
const char *sg_unary_op_name(sg_unary_op op);
const char *sg_binary_op_name(sg_binary_op op);

sg_status sg_unary(sg_unary_op op, const sg_tensor *x, sg_tensor **out);
sg_status sg_binary(sg_binary_op op, const sg_tensor *a, const sg_tensor *b,
                    sg_tensor **out);

/* x = x op other, written into x's own memory (x += y): views of x see
 * the change and its storage's version counter moves on. The result must
 * keep x's dtype and shape (other broadcasts to x). x must be a concrete
 * tensor in writable memory; one that requires grad only while recording
 * is off (sg_autograd_set_enabled(false), as under PyTorch's no_grad). */
sg_status sg_binary_update(sg_binary_op op, sg_tensor *x,
                           const sg_tensor *other);

/* Each element of x limited to [min, max] (the Array API's clip); either
 * bound may be NULL for none. Bounds broadcast against x and are
 * converted to x's dtype. */
sg_status sg_clip(const sg_tensor *x, const sg_tensor *min,
                  const sg_tensor *max, sg_tensor **out);

/* Matrix product with NumPy's rules (numpy.matmul): stacks of matrices whose
 * leading axes broadcast; a 1-D operand is a vector whose axis is removed
 * from the result; 0-D operands are refused. */
sg_status sg_matmul(const sg_tensor *a, const sg_tensor *b, sg_tensor **out);

/* numpy.dot for operands of up to two dimensions; 0-D operands multiply. */
sg_status sg_dot(const sg_tensor *a, const sg_tensor *b, sg_tensor **out);

/* Sum or mean over `axes` (negative counts from the end), or over all axes
 * when `axes` is NULL. keepdims keeps reduced axes with length 1. */
sg_status sg_sum(const sg_tensor *x, const int64_t *axes, size_t naxes,
                 bool keepdims, sg_tensor **out);
sg_status sg_mean(const sg_tensor *x, const int64_t *axes, size_t naxes,
                  bool keepdims, sg_tensor **out);

/* Reorders the axes: output axis i is input axis axes[i]. A view. */
sg_status sg_permute_dims(const sg_tensor *x, const int64_t *axes,
                          size_t naxes, sg_tensor **out);

/* Converts to another dtype. */
sg_status sg_astype(const sg_tensor *x, sg_dtype dtype, sg_tensor **out);

/* ------------------------------------------- Reductions and statistics */

/* The reductions of sg_reduce. */
typedef enum sg_reduce_op {
    SG_REDUCE_SUM = 0,  /* integers and bools sum in int64 (uint64) */
    SG_REDUCE_PROD = 1, /* as sum; 1 over no elements */
    SG_REDUCE_MEAN = 2, /* floating dtypes */
    SG_REDUCE_MAX = 3,  /* real dtypes; NaN propagates; an empty axis fails */
    SG_REDUCE_MIN = 4,
    SG_REDUCE_ALL = 5,  /* bool result: every element nonzero */
    SG_REDUCE_ANY = 6   /* bool result: some element nonzero */
} sg_reduce_op;

/* `op` over `axes` (negative counts from the end), or over all axes when
 * `axes` is NULL; keepdims keeps reduced axes with length 1. For sum, prod
 * and mean, a non-NULL `dtype` converts x first and gives the result that
 * dtype (NumPy's dtype=); the others refuse one. The result is a new
 * reference. The gradient of max and min is split evenly among the
 * elements equal to the result. */
sg_status sg_reduce(sg_reduce_op op, const sg_tensor *x, const int64_t *axes,
                    size_t naxes, bool keepdims, const sg_dtype *dtype,
                    sg_tensor **out);

/* The int64 index of the first largest (argmax) or smallest (argmin)
 * element along *axis, or in the flattened tensor when axis is NULL; the
 * first NaN counts as the extreme. Real dtypes; an empty axis fails. */
sg_status sg_argmax(const sg_tensor *x, const int64_t *axis, bool keepdims,
                    sg_tensor **out);
sg_status sg_argmin(const sg_tensor *x, const int64_t *axis, bool keepdims,
                    sg_tensor **out);

/* Variance and standard deviation over `axes` (NULL: all), dividing by
 * N - correction; real floating dtypes. Differentiable. */
sg_status sg_var(const sg_tensor *x, const int64_t *axes, size_t naxes,
                 double correction, bool keepdims, sg_tensor **out);
sg_status sg_std(const sg_tensor *x, const int64_t *axes, size_t naxes,
                 double correction, bool keepdims, sg_tensor **out);

/* Running sums along *axis (NULL only for a 1-D x); include_initial puts a
 * zero first. In *dtype when given, else integers and bools sum in int64
 * (uint64). */
sg_status sg_cumulative_sum(const sg_tensor *x, const int64_t *axis,
                            bool include_initial, const sg_dtype *dtype,
                            sg_tensor **out);

/* ------------------------------------------- Numerically stable functions */

/* log(sum(exp(x))) over `axes` (negative counts from the end), or over all
 * axes when `axes` is NULL, computed as m + log(sum(exp(x - m))) with m the
 * maximum, so no exp overflows; an empty axis gives -inf. Its gradient is
 * the softmax. Integers and bools become float64; complex fails. */
sg_status sg_logsumexp(const sg_tensor *x, const int64_t *axes, size_t naxes,
                       bool keepdims, sg_tensor **out);

/* exp(x) / sum(exp(x)) along `axis`, as exp(x - logsumexp(x)). */
sg_status sg_softmax(const sg_tensor *x, int64_t axis, sg_tensor **out);

/* log(softmax(x)) along `axis`, as x - logsumexp(x): finite where the
 * softmax underflows to 0. */
sg_status sg_log_softmax(const sg_tensor *x, int64_t axis, sg_tensor **out);

/* log(sigmoid(x)) as -softplus(-x), finite for every finite x. */
sg_status sg_log_sigmoid(const sg_tensor *x, sg_tensor **out);

/* How a loss combines its elementwise values (PyTorch's reduction=). */
typedef enum sg_loss_reduction {
    SG_LOSS_NONE = 0, /* the elementwise losses */
    SG_LOSS_MEAN = 1,
    SG_LOSS_SUM = 2
} sg_loss_reduction;

/* The binary cross-entropy of `targets` (probabilities) under
 * sigmoid(`logits`), as (1 - y) * x + softplus(-x), which never takes
 * log(0); its gradient is sigmoid(x) - y. The two broadcast together. */
sg_status sg_binary_cross_entropy_with_logits(const sg_tensor *logits,
                                              const sg_tensor *targets,
                                              sg_loss_reduction reduction,
                                              sg_tensor **out);

/* ------------------------------------------------------- Linear algebra */

/* numpy.tensordot: contracts axes_a[i] of a with axes_b[i] of b for i <
 * naxes; the result has a's other axes, then b's. */
sg_status sg_tensordot(const sg_tensor *a, const sg_tensor *b,
                       const int64_t *axes_a, const int64_t *axes_b,
                       size_t naxes, sg_tensor **out);

/* The Array API's vecdot: sum(conj(a) * b) along `axis` (negative),
 * broadcasting the other axes. */
sg_status sg_vecdot(const sg_tensor *a, const sg_tensor *b, int64_t axis,
                    sg_tensor **out);

/* The outer product of two 1-D tensors. */
sg_status sg_outer(const sg_tensor *a, const sg_tensor *b, sg_tensor **out);

/* numpy.einsum over operands[0 … noperands-1] with letters as labels,
 * explicit ("ij,jk->ik") or implicit ("ij,jk") output; a label repeated in
 * one operand takes its diagonal ("ii" is the trace); "..." stands for the
 * same leading axes in each operand (equal lengths, not broadcast). The
 * subscripts string is read, not kept. */
sg_status sg_einsum(const char *subscripts, const sg_tensor *const *operands,
                    size_t noperands, sg_tensor **out);

/* The linalg extension, float32, float64, complex64 and complex128
 * (integers are converted to float64), over stacks of matrices: leading
 * axes are batch axes. Eigenvalues and singular values are real (float32
 * or float64). A singular or non-positive-definite matrix gives
 * SG_ERROR_VALUE with "[inv] singular matrix" / "[cholesky] matrix is not
 * positive definite" in sg_last_error(); so does a matrix with NaN for the
 * SVD ("[svd] SVD did not converge: the matrix contains NaN"), while
 * infinities give NaNs, and eigh gives NaNs when the lower triangle it
 * reads is not finite (NumPy's behaviour). */
typedef enum sg_linalg_op {
    SG_LINALG_INV = 0,
    SG_LINALG_DET = 1,
    SG_LINALG_SLOGDET_SIGN = 2,      /* -1, 0 or 1 */
    SG_LINALG_SLOGDET_LOGABSDET = 3, /* log |det| (-inf when singular) */
    SG_LINALG_CHOLESKY = 4,          /* lower L, A = L L^T */
    SG_LINALG_CHOLESKY_UPPER = 5,    /* L^T */
    SG_LINALG_EIGVALSH = 6,          /* symmetric (lower triangle read), ascending */
    SG_LINALG_EIGH_VECTORS = 7,      /* eigenvectors in columns */
    SG_LINALG_SVDVALS = 8,           /* descending */
    SG_LINALG_SVD_U = 9,             /* reduced U (m x k), k = min(m, n) */
    SG_LINALG_SVD_VH = 10,           /* reduced V^H (k x n) */
    SG_LINALG_SVD_U_FULL = 11,       /* m x m */
    SG_LINALG_SVD_VH_FULL = 12,      /* n x n */
    SG_LINALG_QR_Q = 13,             /* reduced Q (m x k) */
    SG_LINALG_QR_R = 14,             /* reduced R (k x n) */
    SG_LINALG_QR_Q_COMPLETE = 15,    /* m x m */
    SG_LINALG_QR_R_COMPLETE = 16     /* m x n */
} sg_linalg_op;

/* One output of a factorization of each matrix of x, as a new reference.
 * Differentiable, all but the sign: eigenvectors and singular vectors for
 * losses that do not depend on their signs (phases, for complex); the full
 * SVD's and complete QR's extra columns for losses that see them only
 * through their span. */
sg_status sg_linalg(sg_linalg_op op, const sg_tensor *x, sg_tensor **out);

/* Several outputs of one factorization of x, ops[i]'s written to outs[i]
 * as new references: slogdet's two, eigh's two, svd's three of one
 * fullness or qr's two of one mode (any other mix is SG_ERROR_VALUE, and
 * SG_LINALG_CHOLESKY_UPPER is not a factor). When x has a value and
 * nothing records a gradient, one LAPACK call per matrix gives them all;
 * otherwise each is what sg_linalg gives. On failure outs is untouched. */
sg_status sg_linalg_factors(const sg_linalg_op *ops, size_t nops,
                            const sg_tensor *x, sg_tensor **outs);

/* X with A X = B: A (..., n, n), B (..., n, k) or (n,); batch axes
 * broadcast. Differentiable in both. */
sg_status sg_linalg_solve(const sg_tensor *a, const sg_tensor *b,
                          sg_tensor **out);

/* The ord-norm of vectors along `axes` (NULL: all): 2 Euclidean, INFINITY
 * and -INFINITY the largest and smallest magnitude, 0 the nonzero count,
 * else (sum |x|^ord)^(1/ord). */
sg_status sg_linalg_vector_norm(const sg_tensor *x, const int64_t *axes,
                                size_t naxes, bool keepdims, double ord,
                                sg_tensor **out);

/* The norm of each matrix; ord is "fro", "nuc", "1", "-1", "2", "-2",
 * "inf" or "-inf" (read, not kept). */
sg_status sg_linalg_matrix_norm(const sg_tensor *x, const char *ord,
                                bool keepdims, sg_tensor **out);

/* The diagonal at `offset` of each matrix (a view), and its sum (trace; in
 * *dtype when given, else as sg_sum chooses). */
sg_status sg_linalg_diagonal(const sg_tensor *x, int64_t offset,
                             sg_tensor **out);
sg_status sg_linalg_trace(const sg_tensor *x, int64_t offset,
                          const sg_dtype *dtype, sg_tensor **out);

/* Each square matrix to the integer power n (negative: of the inverse). */
sg_status sg_linalg_matrix_power(const sg_tensor *x, int64_t n,
                                 sg_tensor **out);

/* The pseudo-inverse and the rank, counting singular values above *rtol
 * times the largest (NULL: max(m, n) * eps); the rank is int64. */
sg_status sg_linalg_pinv(const sg_tensor *x, const double *rtol,
                         sg_tensor **out);
sg_status sg_linalg_matrix_rank(const sg_tensor *x, const double *rtol,
                                sg_tensor **out);

/* The cross product of 3-vectors along `axis` (negative); the other axes
 * broadcast. */
sg_status sg_linalg_cross(const sg_tensor *a, const sg_tensor *b,
                          int64_t axis, sg_tensor **out);

/* -------------------------------------- Creation, random, sorting, sets
 * Every tensor written to an out-pointer is a new reference the caller
 * frees with sg_tensor_free(); input tensors are borrowed. */

/* Tensors of `shape` filled with 0, 1, or (for empty) unspecified values. */
sg_status sg_zeros(const int64_t *shape, size_t ndim, sg_dtype dtype,
                   sg_tensor **out);
sg_status sg_ones(const int64_t *shape, size_t ndim, sg_dtype dtype,
                  sg_tensor **out);
sg_status sg_empty(const int64_t *shape, size_t ndim, sg_dtype dtype,
                   sg_tensor **out);

/* A tensor of x's shape with every element the one `dtype` element at
 * `value`. x may be symbolic: the result is then symbolic too, its shape
 * read when a compiled function runs (zeros_like, ones_like, full_like). */
sg_status sg_full_like(const sg_tensor *x, const void *value, sg_dtype dtype,
                       sg_tensor **out);

/* start, start + step, ... below stop: ceil((stop - start) / step) values of
 * `dtype` (a real number type). start, stop and step each point to one
 * element of `args_dtype` (int64, uint64 or float64 for exact arguments); a
 * zero step, a length that overflows or values that do not fit `dtype` give
 * SG_ERROR_VALUE. */
sg_status sg_arange(const void *start, const void *stop, const void *step,
                    sg_dtype args_dtype, sg_dtype dtype, sg_tensor **out);

/* sg_arange over 0-d real tensors, read when the graph runs (Theano's
 * T.arange(x.shape[0])): symbolic when any of them is. */
sg_status sg_arange_dynamic(const sg_tensor *start, const sg_tensor *stop,
                            const sg_tensor *step, sg_dtype dtype,
                            sg_tensor **out);

/* The length of `axis` of x as a 0-d int64 tensor (Theano's x.shape[i]),
 * symbolic when x is. */
sg_status sg_length(const sg_tensor *x, int64_t axis, sg_tensor **out);

/* `num` evenly spaced values from start to stop (included if `endpoint`);
 * start and stop point to one element of `args_dtype` (float64 or
 * complex128); `dtype` is floating. */
sg_status sg_linspace(const void *start, const void *stop,
                      sg_dtype args_dtype, int64_t num, bool endpoint,
                      sg_dtype dtype, sg_tensor **out);

/* An n_rows x n_cols matrix with ones on diagonal k (k > 0: above the main
 * one), zeros elsewhere. */
sg_status sg_eye(int64_t n_rows, int64_t n_cols, int64_t k, sg_dtype dtype,
                 sg_tensor **out);

/* The lower (upper) triangle of the last two axes, from diagonal k on;
 * other elements are zero. Differentiable. */
sg_status sg_tril(const sg_tensor *x, int64_t k, sg_tensor **out);
sg_status sg_triu(const sg_tensor *x, int64_t k, sg_tensor **out);

/* Coordinate grids of the n 1-D tensors xs (one dtype), written to
 * outs[0 ... n-1]: with `ij`, xs[i] runs along axis i; otherwise (NumPy's
 * default "xy") the first two axes are swapped. Views; differentiable. */
sg_status sg_meshgrid(const sg_tensor *const *xs, size_t n, bool ij,
                      sg_tensor **outs);

/* Seeded random tensors. Each draw is a pure function of (seed, counter):
 * element i is at stream position e = counter + i and reads half e & 1 of
 * the Philox4x32-10 block of key (lo32(seed), hi32(seed)) and counter
 * words (lo32(e >> 1), hi32(e >> 1), 0, 0), so streams are the same on
 * every machine and thread count. A caller that keeps a generator
 * advances its counter by the number of elements drawn (n for the
 * permutations). The exact conversions are documented on the Swift type
 * Generator: uniform from the top 53 (float32: 24) bits; normal by
 * Box-Muller (cosine for half 0, sine for half 1); integers in [low, high)
 * unbiased by Lemire's method; bernoulli as uniform < p. */
sg_status sg_random_uniform(uint64_t seed, uint64_t counter, double low,
                            double high, const int64_t *shape, size_t ndim,
                            sg_dtype dtype, sg_tensor **out);
sg_status sg_random_normal(uint64_t seed, uint64_t counter, double loc,
                           double scale, const int64_t *shape, size_t ndim,
                           sg_dtype dtype, sg_tensor **out);
sg_status sg_random_integers(uint64_t seed, uint64_t counter, int64_t low,
                             int64_t high, const int64_t *shape, size_t ndim,
                             sg_dtype dtype, sg_tensor **out);
sg_status sg_random_bernoulli(uint64_t seed, uint64_t counter, double p,
                              const int64_t *shape, size_t ndim,
                              sg_dtype dtype, sg_tensor **out);
/* A random ordering of 0 ... n-1 (int64). */
sg_status sg_random_permutation(uint64_t seed, uint64_t counter, int64_t n,
                                sg_tensor **out);
/* x with its first axis randomly reordered (differentiable). */
sg_status sg_random_permute(uint64_t seed, uint64_t counter,
                            const sg_tensor *x, sg_tensor **out);

/* What sg_random_draw samples, with its two parameters a and b. */
typedef enum sg_distribution {
    SG_DRAW_UNIFORM = 0,   /* in [a, b) */
    SG_DRAW_NORMAL = 1,    /* mean a, standard deviation b */
    SG_DRAW_INTEGERS = 2,  /* whole numbers in [a, b) */
    SG_DRAW_BERNOULLI = 3  /* true with probability a */
} sg_distribution;

/* A draw of `shape` whose seed and counter are read, when the graph runs,
 * from `state`: a uint64 tensor (seed, counter), usually a shared variable
 * whose default update advances the counter by the draw's size (Theano's
 * RandomStreams). The numbers are those of the sg_random_* call with that
 * seed and counter. Not differentiable. */
sg_status sg_random_draw(sg_distribution distribution, const sg_tensor *state,
                         double a, double b, const int64_t *shape, size_t ndim,
                         sg_dtype dtype, sg_tensor **out);

/* x sorted along `axis` (negative counts from the end), stably; NaNs go
 * last, or first when `descending`. sg_sort is differentiable; sg_argsort
 * gives the int64 indices that sort. Real and bool dtypes. */
sg_status sg_sort(const sg_tensor *x, int64_t axis, bool descending,
                  sg_tensor **out);
sg_status sg_argsort(const sg_tensor *x, int64_t axis, bool descending,
                     sg_tensor **out);

/* For each element of x2, its insertion index (int64) in the sorted 1-D
 * x1: before equal elements, or after them when `right`. */
sg_status sg_searchsorted(const sg_tensor *x1, const sg_tensor *x2,
                          bool right, sg_tensor **out);

/* The distinct values of a concrete x (sorted; each NaN distinct), the flat
 * index of each one's first occurrence, the position in values of every
 * element (x's shape) and the counts. All four pointers are required. The
 * values are differentiable: each one's gradient goes to its first
 * occurrence. */
sg_status sg_unique_all(const sg_tensor *x, sg_tensor **values,
                        sg_tensor **indices, sg_tensor **inverse_indices,
                        sg_tensor **counts);
/* BEGIN views and indexing */
/* ------------------------------------------------- Views and indexing */

/* Each writes new tensors to its out-pointers, owned by the caller. Results
 * that only re-view their input (reshape where strides allow, expand_dims,
 * squeeze, broadcast_to, matrix_transpose, moveaxis, flip, basic indexing)
 * share its memory, so sg_index_set on one is seen through the others.
 * Every one is differentiable where its input is (flip and slices have
 * negative strides; kernels accept any strides). */

/* The elements in C order seen as shape[0 … ndim-1], where one length may
 * be -1 (inferred). copy: -1 copies only where strides need it, 1 always
 * copies, 0 never does (SG_ERROR_VALUE where a view is impossible). */
sg_status sg_reshape(const sg_tensor *x, const int64_t *shape, size_t ndim,
                     int copy, sg_tensor **out);

/* A length-1 axis inserted at `axis` (-ndim-1 … ndim). */
sg_status sg_expand_dims(const sg_tensor *x, int64_t axis, sg_tensor **out);

/* The length-1 axes axes[0 … naxes-1] removed. */
sg_status sg_squeeze(const sg_tensor *x, const int64_t *axes, size_t naxes,
                     sg_tensor **out);

/* x broadcast to shape[0 … ndim-1] by NumPy's rules. */
sg_status sg_broadcast_to(const sg_tensor *x, const int64_t *shape,
                          size_t ndim, sg_tensor **out);

/* xs[0 … n-1] broadcast against each other, written to outs[0 … n-1]. */
sg_status sg_broadcast_arrays(const sg_tensor *const *xs, size_t n,
                              sg_tensor **outs);

/* The last two axes swapped. */
sg_status sg_matrix_transpose(const sg_tensor *x, sg_tensor **out);

/* Axes source[i] moved to destination[i], the others kept in order. */
sg_status sg_moveaxis(const sg_tensor *x, const int64_t *source,
                      const int64_t *destination, size_t n, sg_tensor **out);

/* The elements reversed along axes[0 … naxes-1]; all axes when axes is NULL. */
sg_status sg_flip(const sg_tensor *x, const int64_t *axes, size_t naxes,
                  sg_tensor **out);

/* One entry of an index, as in NumPy's x[2, 1:5:2, None, ..., idx]. */
typedef enum sg_index_kind {
    SG_INDEX_INTEGER = 0,  /* the position `start`; drops the axis */
    SG_INDEX_SLICE = 1,    /* start:stop:step, clamped as Python's slices */
    SG_INDEX_NEWAXIS = 2,  /* a new length-1 axis */
    SG_INDEX_ELLIPSIS = 3, /* as many full slices as the rest leaves */
    SG_INDEX_ARRAY = 4     /* `array`: integer positions or a bool mask */
} sg_index_kind;

typedef struct sg_index {
    sg_index_kind kind;
    bool has_start, has_stop; /* SLICE: false leaves start or stop open */
    int64_t start, stop, step; /* step must not be 0 */
    const sg_tensor *array;    /* borrowed */
} sg_index;

/* x[index[0], …, index[n-1]] by NumPy's rules: integers and slices give
 * views; integer arrays (broadcast together) and masks gather copies. An
 * integer out of range fails with SG_ERROR_INDEX naming the axis. */
sg_status sg_index_get(const sg_tensor *x, const sg_index *index, size_t n,
                       sg_tensor **out);

/* x[index…] = value, written into x's own memory (and so seen by views of
 * it); value is broadcast and converted to x's dtype. x must have a value
 * and must not require grad while recording is on (SG_ERROR_TYPE). */
sg_status sg_index_set(sg_tensor *x, const sg_index *index, size_t n,
                       const sg_tensor *value);

/* The elements at integer `indices` along *axis, or of the flattened x
 * when axis is NULL; negative indices count from the end. Its gradient
 * adds into repeated positions. */
sg_status sg_take(const sg_tensor *x, const sg_tensor *indices,
                  const int64_t *axis, sg_tensor **out);

/* condition ? x1 : x2 elementwise, all three broadcast; condition is bool,
 * x1 and x2 promote to a common dtype. */
sg_status sg_where(const sg_tensor *condition, const sg_tensor *x1,
                   const sg_tensor *x2, sg_tensor **out);

/* The coordinates of x's nonzero elements: ndim int64 tensors written to
 * outs, which holds `capacity` >= ndim entries. */
sg_status sg_nonzero(const sg_tensor *x, sg_tensor **outs, size_t capacity);

/* xs[0 … n-1] joined along *axis (promoted to a common dtype), or
 * flattened and joined when axis is NULL. */
sg_status sg_concat(const sg_tensor *const *xs, size_t n, const int64_t *axis,
                    sg_tensor **out);

/* xs[0 … n-1], all of one shape, joined along a new axis `axis`. */
sg_status sg_stack(const sg_tensor *const *xs, size_t n, int64_t axis,
                   sg_tensor **out);

/* The slices of x along `axis`: writes their number to *count, then, if
 * `capacity` is at least that, the slices to outs (else SG_ERROR_VALUE). */
sg_status sg_unstack(const sg_tensor *x, int64_t axis, sg_tensor **outs,
                     size_t capacity, size_t *count);

/* The elements shifted by shifts[i] along axes[i], wrapping around; one
 * shift applies to every axis. axes NULL: the flattened x, one shift. */
sg_status sg_roll(const sg_tensor *x, const int64_t *shifts, size_t nshifts,
                  const int64_t *axes, size_t naxes, sg_tensor **out);

/* Each element repeated along *axis (the flattened x when axis is NULL):
 * `repeats` is a concrete integer tensor, 0-d (every element as often) or
 * 1-d with one count per element. */
sg_status sg_repeat(const sg_tensor *x, const sg_tensor *repeats,
                    const int64_t *axis, sg_tensor **out);

/* x repeated reps[i] times along each axis (the Array API's tile). */
sg_status sg_tile(const sg_tensor *x, const int64_t *reps, size_t n,
                  sg_tensor **out);
/* x[start:stop:step] along `axis`, where start and stop are 0-d integer
 * tensors (NULL leaves a bound open) whose values are read when the graph
 * runs, so they can be placeholders: Theano's minibatch idiom
 * data[i * n:(i + 1) * n]. Bounds clamp as Python's slices do. A view. */
sg_status sg_slice_dynamic(const sg_tensor *x, int64_t axis,
                           const sg_tensor *start, const sg_tensor *stop,
                           int64_t step, sg_tensor **out);
/* END views and indexing */

/* ---------------------------------------------------- Compiled functions */

typedef struct sg_function sg_function;

/* Compiles a function (Theano's theano.function) from placeholders
 * inputs[0 … ninputs-1] to outputs[0 … noutputs-1]. Each call also sets
 * shared variable update_vars[i] to update_values[i]; all outputs and update
 * values are computed from the values before the call, then written. */
sg_status sg_function_new(const sg_tensor *const *inputs, size_t ninputs,
                          const sg_tensor *const *outputs, size_t noutputs,
                          const sg_tensor *const *update_vars,
                          const sg_tensor *const *update_values,
                          size_t nupdates, sg_function **out);

/* sg_function_new with Theano's givens: before compiling, every use of
 * given_vars[i] (a placeholder, shared variable or expression that is not
 * an input) in the outputs and update values is replaced by
 * given_values[i], which must have its dtype and rank and agree on the
 * lengths both know (else SG_ERROR_TYPE naming both). Replacements are not
 * looked into, so given_values[i] may itself use given_vars[i]. */
sg_status sg_function_new_with_givens(const sg_tensor *const *inputs, size_t ninputs,
                                      const sg_tensor *const *outputs, size_t noutputs,
                                      const sg_tensor *const *update_vars,
                                      const sg_tensor *const *update_values,
                                      size_t nupdates,
                                      const sg_tensor *const *given_vars,
                                      const sg_tensor *const *given_values,
                                      size_t ngivens, sg_function **out);

/* Runs the function on concrete tensors args[0 … nargs-1], whose dtypes must
 * match the placeholders', and writes noutputs new tensors to results. On
 * failure nothing is written and no shared variable changes. */
sg_status sg_function_call(sg_function *function,
                           const sg_tensor *const *args, size_t nargs,
                           sg_tensor **results, size_t nresults);

sg_status sg_function_num_inputs(const sg_function *function, size_t *out);
sg_status sg_function_num_outputs(const sg_function *function, size_t *out);

/* The placeholder of input i, as a new reference. */
sg_status sg_function_input(const sg_function *function, size_t i,
                            sg_tensor **out);

/* Flags of sg_function_new_v2. */
typedef enum sg_function_flags {
    /* Apply no default updates (Theano's no_default_updates=True). */
    SG_FUNCTION_NO_DEFAULT_UPDATES = 1
} sg_function_flags;

/* sg_function_new_with_givens with `flags`, a bitwise or of
 * sg_function_flags. Unless told otherwise, every function (this one and
 * the others) applies the default update of each shared variable its
 * graph reads and does not update itself (sg_tensor_set_default_update). */
sg_status sg_function_new_v2(const sg_tensor *const *inputs, size_t ninputs,
                             const sg_tensor *const *outputs, size_t noutputs,
                             const sg_tensor *const *update_vars,
                             const sg_tensor *const *update_values,
                             size_t nupdates,
                             const sg_tensor *const *given_vars,
                             const sg_tensor *const *given_values,
                             size_t ngivens, unsigned flags, sg_function **out);

/* The update compiled functions apply to the shared variable `shared`
 * when they do not update it themselves (Theano's default_update): an
 * expression of its dtype and rank, usually over `shared` itself. NULL
 * removes it. */
sg_status sg_tensor_set_default_update(sg_tensor *shared, const sg_tensor *update);

/* Releases a function. NULL does nothing. */
void sg_function_free(sg_function *function);

/* Theano's scan: a loop whose step is a symbolic graph, compiled once and
 * run in the library (not unrolled). Each step reads slice t (along the
 * first axis) of every sequences[i] through the placeholder
 * sequence_slices[i], the state before the step through states[j]
 * (initial_states[j] at the first step), and any other tensor the step's
 * graph uses (hoisted out of the loop and read once). outputs[0 … nstates-1]
 * are the new states (each of its state's dtype and shape), the rest
 * per-step outputs. results[i] stacks outputs[i] over the steps along a
 * new first axis; where stacked is not NULL and stacked[i] is false (states
 * only), results[i] is the last state alone. The loop runs over the
 * shortest sequence, or n_steps times (an integer scalar, or NULL) which
 * may not exceed it. It is differentiable (backpropagation through time,
 * carried back at most truncate_gradient steps; -1: all of them) and works
 * eagerly on values as well as on symbolic tensors. */
sg_status sg_scan(const sg_tensor *const *sequences,
                  const sg_tensor *const *sequence_slices, size_t nsequences,
                  const sg_tensor *const *initial_states,
                  const sg_tensor *const *states, size_t nstates,
                  const sg_tensor *const *outputs, const bool *stacked,
                  size_t noutputs, const sg_tensor *n_steps,
                  int64_t truncate_gradient, sg_tensor **results);

/* ------------------------------------------------------------- Printing */

/* Text, copied into the caller's buffer as snprintf does: at most
 * capacity - 1 bytes and a NUL (nothing when capacity is 0; buffer may
 * then be NULL), with the full length, NUL excluded, written to *length.
 * A length >= capacity means the text was cut: call again with
 * length + 1 bytes. */

/* The compiled program (Theano's debugprint): its inputs, shared
 * variables and constants, each operation with its operands and type, the
 * outputs and updates, the operation count as given and after rewrites,
 * and what each rewrite replaced. */
sg_status sg_function_describe(const sg_function *function, char *buffer,
                               size_t capacity, size_t *length);

/* The expression a tensor computes, in Python's syntax (Theano's pp):
 * sigmoid((x @ W) + b). */
sg_status sg_tensor_expression(const sg_tensor *tensor, char *buffer,
                               size_t capacity, size_t *length);

#ifdef __cplusplus
}
#endif

#endif /* SWIFTGRAD_H */
