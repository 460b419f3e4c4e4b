/*
 * _swiftgrad.c: the CPython binding of swiftgrad.
 *
 * It calls nothing but the C ABI in swiftgrad.h. Like CPython's
 * Modules/xxlimited.c it uses multi-phase initialisation, heap types and
 * module state, so no Python object lives in a static variable and the
 * module can be loaded in several interpreters.
 *
 * Sections: module state, errors, tensor handles, dtypes, scalars,
 * conversion, Tensor type, Function type, module functions, printing,
 * DLPack, callbacks, module definition.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "swiftgrad.h"

/* The most dimensions handled here; the same limit as NumPy's. */
#define MAX_NDIM 64

/* "No particular dtype": data keeps its own dtype (Python numbers and
 * lists: bool, int64, float64 or complex128 by what they hold). */
#define DTYPE_ANY (-1)

/* ========================================================= module state */

/* The last Python number converted for an operation on tensors of each
 * dtype, kept because loops repeat them (x * 2.0, p - lr * g). Only
 * operands of operations use it: the tensor never reaches the caller,
 * so nothing can write to it. */
typedef struct {
    PyObject *tensor;
    PyTypeObject *type; /* float or int */
    int64_t bits;       /* the double's bits or the int's value */
} scalar_slot;

#define SCALAR_SLOTS 16

typedef struct {
    PyTypeObject *tensor_base;   /* _Tensor */
    PyTypeObject *tensor_class;  /* class of new tensors: swiftgrad.Tensor */
    PyTypeObject *function_type; /* Function */
    scalar_slot scalars[SCALAR_SLOTS]; /* by the other operand's dtype */
} module_state;

static struct PyModuleDef module_def;

static inline module_state *
get_state(PyObject *module)
{
    return (module_state *)PyModule_GetState(module);
}

/* The state of the module that defined `type` or one of its bases. */
static module_state *
state_of_type(PyTypeObject *type)
{
    PyObject *module = PyType_GetModuleByDef(type, &module_def);
    return module == NULL ? NULL : get_state(module);
}

/* Number slots run for either operand, so either may be the tensor. */
static module_state *
state_of_operands(PyObject *a, PyObject *b)
{
    PyObject *module = PyType_GetModuleByDef(Py_TYPE(a), &module_def);
    if (module == NULL) {
        PyErr_Clear();
        module = PyType_GetModuleByDef(Py_TYPE(b), &module_def);
    }
    return module == NULL ? NULL : get_state(module);
}

/* =============================================================== errors */

/* Python callbacks (custom ops, hooks, gradcheck's function) that raise
 * leave their exception in the thread's state dict under this key; the
 * failed call that ran them raises it again, so the caller sees the
 * original exception, with the library's message added as a note. */
#define PENDING_KEY "swiftgrad._callback_exception"

/* Moves the exception being raised into the thread's state dict. */
static void
stash_exception(void)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value != NULL && tb != NULL)
        PyException_SetTraceback(value, tb);
    PyObject *dict = PyThreadState_GetDict();
    if (value != NULL && (dict == NULL || PyDict_SetItemString(dict, PENDING_KEY, value) < 0))
        PyErr_Clear();
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
}

/* Raises a stashed callback exception, if there is one: 1 if it did. */
static int
raise_pending_exception(const char *message)
{
    PyObject *dict = PyThreadState_GetDict();
    PyObject *value = dict == NULL ? NULL : PyDict_GetItemString(dict, PENDING_KEY);
    if (value == NULL)
        return 0;
    Py_INCREF(value);
    if (PyDict_DelItemString(dict, PENDING_KEY) < 0)
        PyErr_Clear();
    if (message != NULL && message[0] != '\0') {
        PyObject *note = PyObject_CallMethod(value, "add_note", "s", message);
        if (note == NULL)
            PyErr_Clear();  /* before Python 3.11: no notes */
        Py_XDECREF(note);
    }
    PyErr_Restore(Py_NewRef((PyObject *)Py_TYPE(value)), value, PyException_GetTraceback(value));
    return 1;
}

/* Raises the exception for a failed swiftgrad call, with the library's
 * message, and returns NULL. */
static PyObject *
raise_status(sg_status status)
{
    if (raise_pending_exception(sg_last_error()))
        return NULL;
    PyObject *type;
    switch (status) {
    case SG_ERROR_VALUE: type = PyExc_ValueError; break;
    case SG_ERROR_TYPE: type = PyExc_TypeError; break;
    case SG_ERROR_INDEX: type = PyExc_IndexError; break;
    case SG_ERROR_MEMORY: type = PyExc_MemoryError; break;
    default: type = PyExc_RuntimeError; break; /* NULL, INTERNAL, unknown */
    }
    const char *message = sg_last_error();
    if (message == NULL || message[0] == '\0') {
        PyErr_Format(type, "swiftgrad call failed with status %d",
                     (int)status);
        return NULL;
    }
    PyObject *text = PyUnicode_DecodeUTF8(message, (Py_ssize_t)strlen(message),
                                          "replace");
    if (text != NULL) {
        PyErr_SetObject(type, text);
        Py_DECREF(text);
    }
    return NULL;
}

/* raise_status for a message that begins "[<name>]", shown as "[<shown>]"
 * (in-place operators name the operator written: "[+=]"). */
static PyObject *
raise_status_as(sg_status status, const char *name, const char *shown)
{
    raise_status(status);
    const char *message = sg_last_error();
    size_t n = strlen(name);
    if (message == NULL || message[0] != '[' || strncmp(message + 1, name, n) != 0 ||
        message[n + 1] != ']')
        return NULL;
    PyObject *type = PyErr_Occurred();
    if (type == NULL)
        return NULL;
    Py_INCREF(type);
    PyErr_Clear();
    PyErr_Format(type, "[%s]%s", shown, message + n + 2);
    Py_DECREF(type);
    return NULL;
}

/* raise_status for functions that return -1 on error. */
static int
fail(sg_status status)
{
    raise_status(status);
    return -1;
}

/* Writes "(2, 3)" (NumPy's spelling; None for unknown lengths) to buf. */
static void
format_shape(char *buf, size_t cap, const int64_t *shape, size_t ndim)
{
    size_t used = (size_t)snprintf(buf, cap, "(");
    for (size_t i = 0; i < ndim && used < cap; i++) {
        const char *sep = i == 0 ? "" : ", ";
        if (shape[i] < 0)
            used += (size_t)snprintf(buf + used, cap - used, "%sNone", sep);
        else
            used += (size_t)snprintf(buf + used, cap - used, "%s%lld", sep,
                                     (long long)shape[i]);
    }
    if (used < cap)
        snprintf(buf + used, cap - used, ndim == 1 ? ",)" : ")");
}

/* An int argument (an axis, a length) as int64_t. Anything that is not an
 * int is a TypeError and an int beyond 64 bits a ValueError, both naming
 * the operation (never an OverflowError). */
static int
as_int64(PyObject *obj, int64_t *out, const char *op, const char *what)
{
    PyObject *index = PyNumber_Index(obj);
    if (index == NULL) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "[%s] %s must be an int, not %.100s",
                         op, what, Py_TYPE(obj)->tp_name);
        }
        return -1;
    }
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(index, &overflow);
    Py_DECREF(index);
    if (overflow != 0) {
        PyErr_Format(PyExc_ValueError, "[%s] %s does not fit in 64 bits", op,
                     what);
        return -1;
    }
    if (v == -1 && PyErr_Occurred())
        return -1;
    *out = (int64_t)v;
    return 0;
}

/* ======================================================= tensor handles */

typedef struct {
    PyObject_HEAD
    sg_tensor *handle; /* owned; NULL only after tensor_new took it over */
    PyObject *weakrefs;
} TensorObject;

#define HANDLE(obj) (((TensorObject *)(obj))->handle)

static inline int
is_tensor(module_state *st, PyObject *obj)
{
    return PyObject_TypeCheck(obj, st->tensor_base);
}

/* A new Python tensor that owns `handle`; frees the handle on failure. */
static PyObject *
wrap_tensor(module_state *st, sg_tensor *handle)
{
    PyTypeObject *cls = st->tensor_class;
    if (cls == NULL) { /* the module is being torn down */
        sg_tensor_free(handle);
        PyErr_SetString(PyExc_RuntimeError, "swiftgrad has been unloaded");
        return NULL;
    }
    TensorObject *obj = (TensorObject *)cls->tp_alloc(cls, 0);
    if (obj == NULL) {
        sg_tensor_free(handle);
        return NULL;
    }
    obj->handle = handle;
    return (PyObject *)obj;
}

/* The Python result of an sg_* call that wrote `out` if it succeeded. */
static PyObject *
tensor_result(module_state *st, sg_status status, sg_tensor *out)
{
    if (status != SG_OK)
        return raise_status(status);
    return wrap_tensor(st, out);
}

static int
get_dtype(const sg_tensor *t, sg_dtype *out)
{
    sg_status status = sg_tensor_dtype(t, out);
    return status == SG_OK ? 0 : fail(status);
}

static int
get_kind(const sg_tensor *t, sg_kind *out)
{
    sg_status status = sg_tensor_kind(t, out);
    return status == SG_OK ? 0 : fail(status);
}

/* Reads the shape into shape[MAX_NDIM]. */
static int
get_shape(const sg_tensor *t, int64_t *shape, size_t *ndim)
{
    sg_status status = sg_tensor_ndim(t, ndim);
    if (status != SG_OK)
        return fail(status);
    if (*ndim > MAX_NDIM) {
        PyErr_Format(PyExc_ValueError,
                     "tensor has %zu dimensions; at most %d are supported",
                     *ndim, MAX_NDIM);
        return -1;
    }
    status = sg_tensor_shape(t, shape, MAX_NDIM);
    return status == SG_OK ? 0 : fail(status);
}

/* A new tensor: `t` converted to `dtype` (a new reference to `t` itself
 * when it has that dtype already). */
static PyObject *
convert_tensor(module_state *st, PyObject *t, sg_dtype dtype)
{
    sg_dtype have;
    if (get_dtype(HANDLE(t), &have) < 0)
        return NULL;
    if (have == dtype)
        return Py_NewRef(t);
    sg_tensor *out = NULL;
    sg_status status = sg_astype(HANDLE(t), dtype, &out);
    return tensor_result(st, status, out);
}

/* =============================================================== dtypes */

/* The core describes every dtype (name, size, kind, promotion); what the
 * binding adds is how elements meet Python: the buffer format of each dtype
 * and how one element becomes a Python object. */

static PyObject *box_bool(const void *p) { return PyBool_FromLong(*(const char *)p != 0); }
#define BOX_INT(name, ctype, make)                                           \
    static PyObject *name(const void *p)                                     \
    {                                                                        \
        ctype v;                                                             \
        memcpy(&v, p, sizeof v);                                             \
        return make(v);                                                      \
    }
BOX_INT(box_int8, int8_t, PyLong_FromLong)
BOX_INT(box_int16, int16_t, PyLong_FromLong)
BOX_INT(box_int32, int32_t, PyLong_FromLong)
BOX_INT(box_int64, int64_t, PyLong_FromLongLong)
BOX_INT(box_uint8, uint8_t, PyLong_FromUnsignedLong)
BOX_INT(box_uint16, uint16_t, PyLong_FromUnsignedLong)
BOX_INT(box_uint32, uint32_t, PyLong_FromUnsignedLong)
BOX_INT(box_uint64, uint64_t, PyLong_FromUnsignedLongLong)
BOX_INT(box_float32, float, PyFloat_FromDouble)
BOX_INT(box_float64, double, PyFloat_FromDouble)
#undef BOX_INT
static PyObject *box_complex64(const void *p)
{
    float v[2];
    memcpy(v, p, sizeof v);
    return PyComplex_FromDoubles(v[0], v[1]);
}
static PyObject *box_complex128(const void *p)
{
    double v[2];
    memcpy(v, p, sizeof v);
    return PyComplex_FromDoubles(v[0], v[1]);
}

static const struct {
    const char *format; /* the struct-module / PEP 3118 format */
    PyObject *(*box)(const void *);
} elements[SG_DTYPE_COUNT] = {
    [SG_DTYPE_FLOAT32] = {"f", box_float32},
    [SG_DTYPE_FLOAT64] = {"d", box_float64},
    [SG_DTYPE_BOOL] = {"?", box_bool},
    [SG_DTYPE_INT8] = {"b", box_int8},
    [SG_DTYPE_INT16] = {"h", box_int16},
    [SG_DTYPE_INT32] = {"i", box_int32},
    [SG_DTYPE_INT64] = {"q", box_int64},
    [SG_DTYPE_UINT8] = {"B", box_uint8},
    [SG_DTYPE_UINT16] = {"H", box_uint16},
    [SG_DTYPE_UINT32] = {"I", box_uint32},
    [SG_DTYPE_UINT64] = {"Q", box_uint64},
    [SG_DTYPE_COMPLEX64] = {"Zf", box_complex64},
    [SG_DTYPE_COMPLEX128] = {"Zd", box_complex128},
};

/* Whether this build of the extension knows how to show `dtype` to
 * Python (a newer library may have more dtypes); raises TypeError if not. */
static int
check_element(sg_dtype dtype, const char *op)
{
    if ((int)dtype >= 0 && (int)dtype < SG_DTYPE_COUNT && elements[dtype].box != NULL)
        return 0;
    PyErr_Format(PyExc_TypeError,
                 "[%s] dtype %d is not supported by this build of the Python "
                 "extension; rebuild it",
                 op, (int)dtype);
    return -1;
}

static int
is_dtype(int code)
{
    return code >= 0 && code < SG_DTYPE_COUNT && sg_dtype_name((sg_dtype)code) != NULL;
}

static const char *
dtype_name(sg_dtype dtype)
{
    const char *name = sg_dtype_name(dtype);
    return name != NULL ? name : "unknown";
}

static sg_dtype_kind
dtype_kind(sg_dtype dtype)
{
    sg_dtype_kind kind = SG_DTYPE_KIND_BOOL;
    sg_dtype_kind_of(dtype, &kind);
    return kind;
}

/* bool < integers < real floats < complex: the kinds a value moves up
 * without losing what kind of number it is. */
static int
kind_rank(sg_dtype_kind kind)
{
    switch (kind) {
    case SG_DTYPE_KIND_BOOL: return 0;
    case SG_DTYPE_KIND_SIGNED_INTEGER:
    case SG_DTYPE_KIND_UNSIGNED_INTEGER: return 1;
    case SG_DTYPE_KIND_REAL_FLOATING: return 2;
    case SG_DTYPE_KIND_COMPLEX_FLOATING: return 3;
    }
    return 0;
}

static int
is_integer_kind(sg_dtype_kind kind)
{
    return kind == SG_DTYPE_KIND_SIGNED_INTEGER ||
           kind == SG_DTYPE_KIND_UNSIGNED_INTEGER;
}

static int
check_dtype_code(int code, int allow_any)
{
    if (is_dtype(code) || (allow_any && code == DTYPE_ANY))
        return 0;
    PyErr_Format(PyExc_ValueError, "unknown dtype code %d", code);
    return -1;
}

/* Bits of the value (of each part, for complex dtypes). */
static size_t
value_bits(sg_dtype dtype)
{
    size_t bits = 8 * sg_dtype_itemsize(dtype);
    return dtype_kind(dtype) == SG_DTYPE_KIND_COMPLEX_FLOATING ? bits / 2 : bits;
}

/* NumPy's "safe" casting, for data that must not lose precision
 * (compiled-function arguments, shared-variable values): bools go
 * anywhere, integers to wider integers and to floats that hold them
 * (float32 holds 16-bit integers; float64 is trusted with all, as NumPy
 * does), floats to wider floats and complex. */
static int
can_cast_safely(sg_dtype from, sg_dtype to)
{
    if (from == to)
        return 1;
    sg_dtype_kind kf = dtype_kind(from), kt = dtype_kind(to);
    size_t bf = value_bits(from), bt = value_bits(to);
    switch (kf) {
    case SG_DTYPE_KIND_BOOL:
        return 1;
    case SG_DTYPE_KIND_SIGNED_INTEGER:
    case SG_DTYPE_KIND_UNSIGNED_INTEGER:
        if (kt == SG_DTYPE_KIND_SIGNED_INTEGER)
            return kf == SG_DTYPE_KIND_SIGNED_INTEGER ? bt >= bf : bt > bf;
        if (kt == SG_DTYPE_KIND_UNSIGNED_INTEGER)
            return kf == SG_DTYPE_KIND_UNSIGNED_INTEGER && bt >= bf;
        if (kt == SG_DTYPE_KIND_BOOL)
            return 0;
        return bt >= 64 || 2 * bf <= bt;
    case SG_DTYPE_KIND_REAL_FLOATING:
        return kind_rank(kt) >= 2 && bt >= bf;
    case SG_DTYPE_KIND_COMPLEX_FLOATING:
        return kt == SG_DTYPE_KIND_COMPLEX_FLOATING && bt >= bf;
    }
    return 0;
}

/* The dtype of a tensor of `dtype` combined with a Python number of
 * `kind` (the core's DType.promoted(withScalar:)): the tensor's where the
 * number's kind fits in it, else the default dtype of the number's kind,
 * sized to the tensor for complex numbers with floating tensors. */
static sg_dtype
promoted_with_scalar(sg_dtype dtype, sg_dtype_kind kind)
{
    sg_dtype_kind have = dtype_kind(dtype);
    if (kind_rank(kind) <= kind_rank(have))
        return dtype;
    switch (kind) {
    case SG_DTYPE_KIND_SIGNED_INTEGER:
    case SG_DTYPE_KIND_UNSIGNED_INTEGER:
        return SG_DTYPE_INT64;
    case SG_DTYPE_KIND_REAL_FLOATING:
        return SG_DTYPE_FLOAT64;
    case SG_DTYPE_KIND_COMPLEX_FLOATING:
        return have == SG_DTYPE_KIND_REAL_FLOATING && sg_dtype_itemsize(dtype) == 4
                   ? SG_DTYPE_COMPLEX64
                   : SG_DTYPE_COMPLEX128;
    case SG_DTYPE_KIND_BOOL:
        break;
    }
    return dtype;
}

/* ============================================================== scalars */

/* One number, held without loss: a bool or an integer in v.i, an integer
 * above INT64_MAX in v.u, a float in v.f, a complex number in v.c. */
typedef struct {
    sg_dtype_kind kind;
    union {
        int64_t i;
        uint64_t u;
        double f;
        double c[2];
    } v;
} scalar;

/* double to float with IEEE rounding: values at or beyond the midpoint
 * between FLT_MAX and 2^128 become ±inf (as in NumPy); converting them is
 * undefined in plain C. */
static float
to_float(double v)
{
    const double overflow = 0x1.ffffffp+127;
    if (v >= overflow)
        return HUGE_VALF;
    if (v <= -overflow)
        return -HUGE_VALF;
    return (float)v;
}

/* The scalar held by one element of `dtype` at p (native layout). */
static void
scalar_from_element(const void *p, sg_dtype dtype, scalar *out)
{
    switch (dtype) {
#define INT_CASE(code, ctype)                                                \
    case code: {                                                             \
        ctype v;                                                             \
        memcpy(&v, p, sizeof v);                                             \
        out->kind = SG_DTYPE_KIND_SIGNED_INTEGER;                            \
        out->v.i = (int64_t)v;                                               \
        return;                                                              \
    }
        INT_CASE(SG_DTYPE_INT8, int8_t)
        INT_CASE(SG_DTYPE_INT16, int16_t)
        INT_CASE(SG_DTYPE_INT32, int32_t)
        INT_CASE(SG_DTYPE_INT64, int64_t)
        INT_CASE(SG_DTYPE_UINT8, uint8_t)
        INT_CASE(SG_DTYPE_UINT16, uint16_t)
        INT_CASE(SG_DTYPE_UINT32, uint32_t)
#undef INT_CASE
    case SG_DTYPE_UINT64: {
        uint64_t v;
        memcpy(&v, p, sizeof v);
        if (v <= INT64_MAX) {
            out->kind = SG_DTYPE_KIND_SIGNED_INTEGER;
            out->v.i = (int64_t)v;
        }
        else {
            out->kind = SG_DTYPE_KIND_UNSIGNED_INTEGER;
            out->v.u = v;
        }
        return;
    }
    case SG_DTYPE_BOOL:
        out->kind = SG_DTYPE_KIND_BOOL;
        out->v.i = *(const char *)p != 0;
        return;
    case SG_DTYPE_FLOAT32: {
        float v;
        memcpy(&v, p, sizeof v);
        out->kind = SG_DTYPE_KIND_REAL_FLOATING;
        out->v.f = v;
        return;
    }
    case SG_DTYPE_FLOAT64:
        out->kind = SG_DTYPE_KIND_REAL_FLOATING;
        memcpy(&out->v.f, p, sizeof(double));
        return;
    case SG_DTYPE_COMPLEX64: {
        float v[2];
        memcpy(v, p, sizeof v);
        out->kind = SG_DTYPE_KIND_COMPLEX_FLOATING;
        out->v.c[0] = v[0];
        out->v.c[1] = v[1];
        return;
    }
    case SG_DTYPE_COMPLEX128:
        out->kind = SG_DTYPE_KIND_COMPLEX_FLOATING;
        memcpy(out->v.c, p, 2 * sizeof(double));
        return;
    default:
        out->kind = SG_DTYPE_KIND_REAL_FLOATING;
        out->v.f = NAN;
        return;
    }
}

/* The value of any scalar as a complex number. */
static void
scalar_parts(const scalar *s, double *re, double *im)
{
    *im = 0.0;
    switch (s->kind) {
    case SG_DTYPE_KIND_BOOL:
    case SG_DTYPE_KIND_SIGNED_INTEGER: *re = (double)s->v.i; return;
    case SG_DTYPE_KIND_UNSIGNED_INTEGER: *re = (double)s->v.u; return;
    case SG_DTYPE_KIND_REAL_FLOATING: *re = s->v.f; return;
    case SG_DTYPE_KIND_COMPLEX_FLOATING: break;
    }
    *re = s->v.c[0];
    *im = s->v.c[1];
}

/* Writes `s` as one element of `dtype`, a dtype of the same kind or a
 * higher one (integers whose range the caller checked). */
static void
store_scalar(const scalar *s, sg_dtype dtype, char *dst)
{
    uint64_t u = s->kind == SG_DTYPE_KIND_UNSIGNED_INTEGER ? s->v.u : (uint64_t)s->v.i;
    int64_t i = (int64_t)u;
    double re, im;
    scalar_parts(s, &re, &im);
    switch (dtype) {
#define STORE(code, ctype, value)                                            \
    case code: {                                                             \
        ctype v = (ctype)(value);                                            \
        memcpy(dst, &v, sizeof v);                                           \
        return;                                                              \
    }
        STORE(SG_DTYPE_INT8, int8_t, i)
        STORE(SG_DTYPE_INT16, int16_t, i)
        STORE(SG_DTYPE_INT32, int32_t, i)
        STORE(SG_DTYPE_INT64, int64_t, i)
        STORE(SG_DTYPE_UINT8, uint8_t, u)
        STORE(SG_DTYPE_UINT16, uint16_t, u)
        STORE(SG_DTYPE_UINT32, uint32_t, u)
        STORE(SG_DTYPE_UINT64, uint64_t, u)
        STORE(SG_DTYPE_FLOAT64, double, re)
#undef STORE
    case SG_DTYPE_BOOL:
        *dst = (char)(i != 0);
        return;
    case SG_DTYPE_FLOAT32: {
        float v = to_float(re);
        memcpy(dst, &v, sizeof v);
        return;
    }
    case SG_DTYPE_COMPLEX64: {
        float v[2] = {to_float(re), to_float(im)};
        memcpy(dst, v, sizeof v);
        return;
    }
    case SG_DTYPE_COMPLEX128: {
        double v[2] = {re, im};
        memcpy(dst, v, sizeof v);
        return;
    }
    default:
        return;
    }
}

/* A Python int as a scalar; beyond 64 bits a ValueError, not the
 * OverflowError CPython raises. */
static int
read_int(PyObject *obj, scalar *out, const char *op)
{
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (overflow == 0) {
        out->kind = SG_DTYPE_KIND_SIGNED_INTEGER;
        out->v.i = v;
        return 0;
    }
    if (overflow > 0) {
        unsigned long long u = PyLong_AsUnsignedLongLong(obj);
        if (!(u == (unsigned long long)-1 && PyErr_Occurred())) {
            out->kind = SG_DTYPE_KIND_UNSIGNED_INTEGER;
            out->v.u = u;
            return 0;
        }
        if (!PyErr_ExceptionMatches(PyExc_OverflowError))
            return -1;
        PyErr_Clear();
    }
    PyErr_Format(PyExc_ValueError,
                 "[%s] integer %s is out of range: swiftgrad integers have "
                 "at most 64 bits",
                 op, overflow > 0 ? "above 2**64 - 1" : "below -2**63");
    return -1;
}

/* =========================================================== conversion */

/* The dtype and layout of buffer data, from its PEP 3118 format. */
typedef struct {
    sg_dtype dtype;
    int swap; /* the bytes of each value are in the other order */
    int half; /* float16 data, read as float32 */
} buffer_format;

static int
parse_format(const Py_buffer *view, buffer_format *out, const char *op)
{
    static const sg_dtype ints[] = {SG_DTYPE_INT8, SG_DTYPE_INT16, 0,
                                    SG_DTYPE_INT32, 0, 0, 0, SG_DTYPE_INT64};
    static const sg_dtype uints[] = {SG_DTYPE_UINT8, SG_DTYPE_UINT16, 0,
                                     SG_DTYPE_UINT32, 0, 0, 0, SG_DTYPE_UINT64};
    const char *format = view->format != NULL ? view->format : "B";
    const char *f = format;
    int little = PY_LITTLE_ENDIAN;
    switch (*f) {
    case '@': case '=': f++; break;
    case '<': little = 1; f++; break;
    case '>': case '!': little = 0; f++; break;
    }
    /* The item size decides the width, so '=l' and '@l' both work. */
    Py_ssize_t size = view->itemsize;
    int int_size = size == 1 || size == 2 || size == 4 || size == 8;
    int complex = f[0] == 'Z';
    if (complex)
        f++;
    int ok = f[0] != '\0' && f[1] == '\0';
    out->half = 0;
    switch (ok ? f[0] : '\0') {
    case '?':
        out->dtype = SG_DTYPE_BOOL; ok = size == 1 && !complex; break;
    case 'b': case 'h': case 'i': case 'l': case 'q': case 'n':
        ok = int_size && !complex;
        out->dtype = ok ? ints[size - 1] : SG_DTYPE_INT8;
        break;
    case 'B': case 'H': case 'I': case 'L': case 'Q': case 'N':
        ok = int_size && !complex;
        out->dtype = ok ? uints[size - 1] : SG_DTYPE_UINT8;
        break;
    case 'e':
        out->dtype = SG_DTYPE_FLOAT32; out->half = 1; ok = size == 2 && !complex; break;
    case 'f':
        out->dtype = complex ? SG_DTYPE_COMPLEX64 : SG_DTYPE_FLOAT32;
        ok = size == (complex ? 8 : 4);
        break;
    case 'd':
        out->dtype = complex ? SG_DTYPE_COMPLEX128 : SG_DTYPE_FLOAT64;
        ok = size == (complex ? 16 : 8);
        break;
    default: ok = 0; break;
    }
    if (!ok) {
        PyErr_Format(PyExc_TypeError,
                     "[%s] unsupported buffer format '%s' (item size %zd)",
                     op, format, size);
        return -1;
    }
    out->swap = little != PY_LITTLE_ENDIAN && size > 1;
    return 0;
}

/* Reads one buffer element at p into native layout at dst. */
static void
read_buffer_element(const char *p, const buffer_format *f, Py_ssize_t size,
                    char *dst)
{
    if (f->half) {
        float v = (float)PyFloat_Unpack2(p, f->swap ? !PY_LITTLE_ENDIAN
                                                    : PY_LITTLE_ENDIAN);
        memcpy(dst, &v, sizeof v);
    }
    else if (f->swap) {
        /* Each part of a complex value is swapped on its own. */
        Py_ssize_t part = dtype_kind(f->dtype) == SG_DTYPE_KIND_COMPLEX_FLOATING
                              ? size / 2
                              : size;
        for (Py_ssize_t start = 0; start < size; start += part)
            for (Py_ssize_t k = 0; k < part; k++)
                dst[start + k] = p[start + part - 1 - k];
    }
    else {
        memcpy(dst, p, (size_t)size);
    }
}

/* Copies `count` elements of any strides into C-ordered native `dst`. */
static void
copy_elements(const Py_buffer *view, const buffer_format *f, char *dst,
              Py_ssize_t count)
{
    int ndim = view->ndim;
    Py_ssize_t index[MAX_NDIM] = {0};
    Py_ssize_t cstrides[MAX_NDIM];
    const Py_ssize_t *strides = view->strides;
    if (strides == NULL) {
        Py_ssize_t step = view->itemsize;
        for (int ax = ndim - 1; ax >= 0; ax--) {
            cstrides[ax] = step;
            step *= view->shape[ax];
        }
        strides = cstrides;
    }
    size_t out_size = sg_dtype_itemsize(f->dtype);
    const char *p = (const char *)view->buf;
    for (Py_ssize_t k = 0; k < count; k++) {
        read_buffer_element(p, f, view->itemsize, dst + (size_t)k * out_size);
        /* Step the multi-index, last axis fastest. */
        for (int ax = ndim - 1; ax >= 0; ax--) {
            p += strides[ax];
            if (++index[ax] < view->shape[ax])
                break;
            p -= strides[ax] * view->shape[ax];
            index[ax] = 0;
        }
    }
}

/* How a tensor is made from buffer data (asarray's `copy`). */
enum { COPY_IF_NEEDED = -1, COPY_NEVER = 0, COPY_ALWAYS = 1 };

/* Called when the last tensor over a borrowed buffer goes, possibly on a
 * thread without the GIL. */
static void
buffer_release(void *context)
{
    Py_buffer *view = context;
    if (Py_IsInitialized()) {
        PyGILState_STATE gil = PyGILState_Ensure();
        PyBuffer_Release(view);
        PyGILState_Release(gil);
    }
    PyMem_RawFree(view);
}

/* The buffer's strides in elements, if each is a whole number of them. */
static int
element_strides(const Py_buffer *view, int64_t *out)
{
    for (int i = 0; i < view->ndim; i++) {
        Py_ssize_t step = view->strides != NULL ? view->strides[i] : 0;
        if (view->strides == NULL) {
            step = view->itemsize;
            for (int j = i + 1; j < view->ndim; j++)
                step *= view->shape[j];
        }
        if (step % view->itemsize != 0)
            return 0;
        out[i] = step / view->itemsize;
    }
    return 1;
}

/* A tensor for buffer data in its own dtype, converted to `force` unless
 * that is DTYPE_ANY. Native data is shared, not copied (NumPy's
 * np.asarray), unless `copy` is COPY_ALWAYS: the tensor then takes over
 * `view` (leaving view->obj NULL, so the caller's release does nothing)
 * and is read-only where the buffer is. */
static PyObject *
tensor_from_view(module_state *st, Py_buffer *view, int force, int copy,
                 const char *op)
{
    buffer_format f;
    if (parse_format(view, &f, op) < 0)
        return NULL;
    Py_ssize_t elsize = (Py_ssize_t)sg_dtype_itemsize(f.dtype);

    int64_t shape[MAX_NDIM], strides[MAX_NDIM];
    Py_ssize_t count = 1;
    int overflow = 0;
    for (int i = 0; i < view->ndim; i++) {
        Py_ssize_t n = view->shape[i];
        shape[i] = n;
        if (n != 0 && count > PY_SSIZE_T_MAX / elsize / n)
            overflow = 1; /* possible with zero strides */
        count *= n;
    }
    if (count == 0)
        overflow = 0;
    if (overflow)
        return PyErr_NoMemory();

    int native = !f.swap && !f.half && element_strides(view, strides);
    int shareable = native && (force == DTYPE_ANY || force == (int)f.dtype);
    if (copy == COPY_NEVER && !shareable) {
        PyErr_Format(PyExc_ValueError,
                     "[%s] this buffer's data must be copied (converted or "
                     "realigned), and copy=False", op);
        return NULL;
    }
    sg_tensor *out = NULL;
    sg_status status;
    if (shareable && copy != COPY_ALWAYS) {
        Py_buffer *kept = PyMem_RawMalloc(sizeof *kept);
        if (kept == NULL)
            return PyErr_NoMemory();
        *kept = *view;
        status = sg_tensor_from_buffer_v2(
            view->buf, shape, strides, (size_t)view->ndim, f.dtype,
            view->readonly ? SG_BUFFER_READ_ONLY : 0, buffer_release, kept,
            &out);
        if (status == SG_OK)
            view->obj = NULL; /* released with the tensor */
        else
            PyMem_RawFree(kept);
        return tensor_result(st, status, out);
    }
    if (!f.swap && !f.half && PyBuffer_IsContiguous(view, 'C')) {
        status = sg_tensor_from_data(view->buf, shape, (size_t)view->ndim,
                                     f.dtype, &out);
    }
    else {
        size_t bytes = count > 0 ? (size_t)(count * elsize) : 1;
        char *data = PyMem_Malloc(bytes);
        if (data == NULL)
            return PyErr_NoMemory();
        sg_tensor *strided = NULL;
        if (native && sg_tensor_from_buffer_v2(view->buf, shape, strides,
                                               (size_t)view->ndim, f.dtype,
                                               SG_BUFFER_READ_ONLY, NULL, NULL,
                                               &strided) == SG_OK) {
            /* the core's strided copy, far faster than one element at a time */
            status = sg_tensor_copy_data(strided, data, bytes);
            sg_tensor_free(strided);
            if (status != SG_OK) {
                PyMem_Free(data);
                return raise_status(status);
            }
        }
        else {
            copy_elements(view, &f, data, count);
        }
        status = sg_tensor_from_data(data, shape, (size_t)view->ndim, f.dtype,
                                     &out);
        PyMem_Free(data);
    }
    PyObject *t = tensor_result(st, status, out);
    if (t == NULL || force == DTYPE_ANY || force == (int)f.dtype)
        return t;
    PyObject *converted = convert_tensor(st, t, (sg_dtype)force);
    Py_DECREF(t);
    return converted;
}

/* bytes would be read as uint8 arrays; NumPy treats them as strings. */
static int
is_buffer(PyObject *obj)
{
    return PyObject_CheckBuffer(obj) && !PyBytes_Check(obj) &&
           !PyByteArray_Check(obj);
}

static int
is_sequence(PyObject *obj)
{
    return PyList_Check(obj) || PyTuple_Check(obj);
}

/* Python's own numbers (not NumPy's, which subclass float and complex). */
static int
is_python_number(PyObject *obj)
{
    return PyFloat_CheckExact(obj) || PyLong_CheckExact(obj) ||
           PyBool_Check(obj) || PyComplex_CheckExact(obj);
}

/* Python numbers and lists are "weak" (the Array API's rule): they take the
 * dtype of the tensor or array they meet where their kind fits. NumPy
 * scalars and arrays are not. */
static int
is_weak(PyObject *obj)
{
    return is_python_number(obj) || is_sequence(obj);
}

/* Objects that convert to one number: numbers.Number and the like. */
static int
is_number_like(PyObject *obj)
{
    PyNumberMethods *nb = Py_TYPE(obj)->tp_as_number;
    return (nb != NULL && (nb->nb_float != NULL || nb->nb_index != NULL)) ||
           PyObject_HasAttrString(obj, "__complex__");
}

static int
is_convertible(module_state *st, PyObject *obj)
{
    return is_tensor(st, obj) || is_weak(obj) || is_buffer(obj);
}

/* The number held by a one-element tensor or buffer (a NumPy scalar). */
static int
read_tensor_scalar(PyObject *t, scalar *out)
{
    sg_dtype dtype;
    if (get_dtype(HANDLE(t), &dtype) < 0)
        return -1;
    sg_dtype natural;
    switch (dtype_kind(dtype)) {
    case SG_DTYPE_KIND_BOOL: natural = SG_DTYPE_BOOL; break;
    case SG_DTYPE_KIND_SIGNED_INTEGER: natural = SG_DTYPE_INT64; break;
    case SG_DTYPE_KIND_UNSIGNED_INTEGER: natural = SG_DTYPE_UINT64; break;
    case SG_DTYPE_KIND_REAL_FLOATING: natural = SG_DTYPE_FLOAT64; break;
    default: natural = SG_DTYPE_COMPLEX128; break;
    }
    double buf[2];
    sg_status status = sg_tensor_item_as(HANDLE(t), natural, buf);
    if (status != SG_OK)
        return fail(status);
    scalar_from_element(buf, natural, out);
    return 0;
}

static int
read_buffer_scalar(PyObject *obj, scalar *out, const char *op)
{
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_RECORDS_RO) < 0)
        return -1;
    buffer_format f;
    int rc = parse_format(&view, &f, op);
    if (rc == 0 && view.len != view.itemsize) {
        PyErr_Format(PyExc_ValueError,
                     "[%s] expected a number, got %.100s with %zd elements", op,
                     Py_TYPE(obj)->tp_name, view.len / view.itemsize);
        rc = -1;
    }
    if (rc == 0) {
        double buf[2];
        read_buffer_element(view.buf, &f, view.itemsize, (char *)buf);
        scalar_from_element(buf, f.dtype, out);
    }
    PyBuffer_Release(&view);
    return rc;
}

/* Reads one number of a nested list (or a lone number). */
static int
read_scalar(module_state *st, PyObject *obj, scalar *out, const char *op)
{
    if (PyBool_Check(obj)) {
        out->kind = SG_DTYPE_KIND_BOOL;
        out->v.i = obj == Py_True;
        return 0;
    }
    if (PyLong_Check(obj))
        return read_int(obj, out, op);
    if (PyFloat_Check(obj)) {
        out->kind = SG_DTYPE_KIND_REAL_FLOATING;
        out->v.f = PyFloat_AS_DOUBLE(obj);
        return 0;
    }
    if (PyComplex_Check(obj)) {
        out->kind = SG_DTYPE_KIND_COMPLEX_FLOATING;
        out->v.c[0] = PyComplex_RealAsDouble(obj);
        out->v.c[1] = PyComplex_ImagAsDouble(obj);
        return 0;
    }
    if (is_tensor(st, obj))
        return read_tensor_scalar(obj, out);
    if (is_buffer(obj))
        return read_buffer_scalar(obj, out, op);
    PyNumberMethods *nb = Py_TYPE(obj)->tp_as_number;
    if (nb != NULL && nb->nb_index != NULL) {
        PyObject *index = PyNumber_Index(obj);
        if (index == NULL)
            return -1;
        int rc = read_int(index, out, op);
        Py_DECREF(index);
        return rc;
    }
    if (nb != NULL && nb->nb_float != NULL) {
        double v = PyFloat_AsDouble(obj);
        if (v == -1.0 && PyErr_Occurred())
            return -1;
        out->kind = SG_DTYPE_KIND_REAL_FLOATING;
        out->v.f = v;
        return 0;
    }
    if (PyObject_HasAttrString(obj, "__complex__")) {
        Py_complex c = PyComplex_AsCComplex(obj);
        if (c.real == -1.0 && PyErr_Occurred())
            return -1;
        out->kind = SG_DTYPE_KIND_COMPLEX_FLOATING;
        out->v.c[0] = c.real;
        out->v.c[1] = c.imag;
        return 0;
    }
    PyErr_Format(PyExc_TypeError, "[%s] cannot convert %.100s to a number", op,
                 Py_TYPE(obj)->tp_name);
    return -1;
}

/* The numbers of a nested list (or of one number): its shape (from the
 * first items), where the walk is, and what kinds of number it met. */
typedef struct {
    module_state *st;
    const char *op;
    size_t ndim;
    int64_t shape[MAX_NDIM];
    Py_ssize_t index[MAX_NDIM];
    scalar *items; /* count numbers in C order */
    size_t count, filled;
    int rank;      /* the highest kind_rank met; -1 if none */
    int64_t imin;  /* the most negative integer met, or 0 */
    uint64_t umax; /* the largest non-negative integer met, or 0 */
    scalar one;    /* the storage of a single number */
} numbers;

static void
numbers_free(numbers *n)
{
    if (n->items != &n->one)
        PyMem_Free(n->items);
    n->items = NULL;
}

static int
nested_shape(PyObject *obj, numbers *w)
{
    size_t ndim = 0;
    Py_INCREF(obj);
    while (is_sequence(obj)) {
        if (ndim == MAX_NDIM) {
            Py_DECREF(obj);
            PyErr_Format(PyExc_ValueError,
                         "[%s] nested sequence has more than %d levels",
                         w->op, MAX_NDIM);
            return -1;
        }
        Py_ssize_t n = PySequence_Fast_GET_SIZE(obj);
        w->shape[ndim++] = n;
        if (n == 0)
            break;
        PyObject *first = PySequence_GetItem(obj, 0);
        Py_DECREF(obj);
        if (first == NULL)
            return -1;
        obj = first;
    }
    Py_DECREF(obj);
    w->ndim = ndim;
    return 0;
}

/* Raises the ValueError for a ragged nested sequence at depth `depth`. */
static int
ragged(numbers *w, size_t depth, const char *problem)
{
    char where[256], shape[256];
    size_t used = 0;
    for (size_t i = 0; i < depth && used < sizeof where; i++)
        used += (size_t)snprintf(where + used, sizeof where - used, "[%zd]",
                                 w->index[i]);
    format_shape(shape, sizeof shape, w->shape, w->ndim);
    PyErr_Format(PyExc_ValueError,
                 "[%s] ragged nested sequence: item %s %s (the first items "
                 "give shape %s)",
                 w->op, depth == 0 ? "" : where, problem, shape);
    return -1;
}

static int
nested_fill(PyObject *obj, size_t depth, numbers *w)
{
    char problem[128];
    if (depth == w->ndim) {
        if (is_sequence(obj))
            return ragged(w, depth, "is a sequence, expected a number");
        scalar *s = &w->items[w->filled];
        if (read_scalar(w->st, obj, s, w->op) < 0)
            return -1;
        w->filled++;
        int rank = kind_rank(s->kind);
        if (rank > w->rank)
            w->rank = rank;
        if (s->kind == SG_DTYPE_KIND_SIGNED_INTEGER) {
            if (s->v.i < w->imin)
                w->imin = s->v.i;
            else if (s->v.i > 0 && (uint64_t)s->v.i > w->umax)
                w->umax = (uint64_t)s->v.i;
        }
        else if (s->kind == SG_DTYPE_KIND_UNSIGNED_INTEGER && s->v.u > w->umax) {
            w->umax = s->v.u;
        }
        return 0;
    }
    if (!is_sequence(obj)) {
        snprintf(problem, sizeof problem,
                 "is %.60s, expected a sequence of length %lld",
                 Py_TYPE(obj)->tp_name, (long long)w->shape[depth]);
        return ragged(w, depth, problem);
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(obj);
    if (n != w->shape[depth]) {
        snprintf(problem, sizeof problem, "has length %zd, expected %lld", n,
                 (long long)w->shape[depth]);
        return ragged(w, depth, problem);
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        w->index[depth] = i;
        /* A new reference: a number's __float__ may change the list. */
        PyObject *item = PySequence_GetItem(obj, i);
        if (item == NULL)
            return -1;
        int rc = nested_fill(item, depth + 1, w);
        Py_DECREF(item);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Reads a number or a nested list of numbers into `w` (numbers_free it). */
static int
read_numbers(module_state *st, PyObject *obj, numbers *w, const char *op)
{
    w->st = st;
    w->op = op;
    w->items = NULL;
    w->filled = 0;
    w->rank = -1;
    w->imin = 0;
    w->umax = 0;
    if (nested_shape(obj, w) < 0)
        return -1;
    size_t count = 1;
    for (size_t i = 0; i < w->ndim; i++) {
        size_t n = (size_t)w->shape[i];
        if (n != 0 && count > (size_t)PY_SSIZE_T_MAX / sizeof(scalar) / n) {
            PyErr_NoMemory();
            return -1;
        }
        count *= n;
    }
    w->count = count;
    w->items = count == 1 ? &w->one : PyMem_New(scalar, count > 0 ? count : 1);
    if (w->items == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (nested_fill(obj, 0, w) < 0) {
        numbers_free(w);
        return -1;
    }
    return 0;
}

/* The kind of the numbers read: the highest met (bool for none). */
static sg_dtype_kind
numbers_kind(const numbers *w)
{
    switch (w->rank) {
    case 1:
        return w->umax > INT64_MAX ? SG_DTYPE_KIND_UNSIGNED_INTEGER
                                   : SG_DTYPE_KIND_SIGNED_INTEGER;
    case 2: return SG_DTYPE_KIND_REAL_FLOATING;
    case 3: return SG_DTYPE_KIND_COMPLEX_FLOATING;
    default: return SG_DTYPE_KIND_BOOL;
    }
}

static const char *
kind_noun(sg_dtype_kind kind)
{
    switch (kind) {
    case SG_DTYPE_KIND_BOOL: return "bool";
    case SG_DTYPE_KIND_SIGNED_INTEGER:
    case SG_DTYPE_KIND_UNSIGNED_INTEGER: return "int";
    case SG_DTYPE_KIND_REAL_FLOATING: return "float";
    case SG_DTYPE_KIND_COMPLEX_FLOATING: return "complex";
    }
    return "number";
}

/* The dtype of numbers read with no dtype asked for, as in NumPy: bool,
 * int64 (uint64 for integers above INT64_MAX), float64 or complex128 by
 * the highest kind met; float64 for none. */
static int
natural_dtype(const numbers *w, sg_dtype *out)
{
    switch (w->rank) {
    case -1: *out = SG_DTYPE_FLOAT64; return 0;
    case 0: *out = SG_DTYPE_BOOL; return 0;
    case 2: *out = SG_DTYPE_FLOAT64; return 0;
    case 3: *out = SG_DTYPE_COMPLEX128; return 0;
    default: break;
    }
    if (w->umax <= INT64_MAX) {
        *out = SG_DTYPE_INT64;
        return 0;
    }
    if (w->imin >= 0) {
        *out = SG_DTYPE_UINT64;
        return 0;
    }
    PyErr_Format(PyExc_ValueError,
                 "[%s] no integer dtype holds both %lld and %llu", w->op,
                 (long long)w->imin, (unsigned long long)w->umax);
    return -1;
}

/* A tensor of `target` (DTYPE_ANY: the natural dtype) holding the numbers.
 * Integers must fit an integer target (a ValueError otherwise, as NumPy's
 * OverflowError); a target of a lower kind (floats to an integer dtype)
 * converts by sg_astype's rules. */
static PyObject *
tensor_from_numbers(module_state *st, const numbers *w, int target)
{
    sg_dtype natural;
    if (natural_dtype(w, &natural) < 0)
        return NULL;
    sg_dtype dtype = target == DTYPE_ANY ? natural : (sg_dtype)target;
    sg_dtype_kind kind = dtype_kind(dtype);
    if (w->rank > kind_rank(kind)) {
        PyObject *t = tensor_from_numbers(st, w, (int)natural);
        if (t == NULL)
            return NULL;
        PyObject *converted = convert_tensor(st, t, dtype);
        Py_DECREF(t);
        return converted;
    }
    if (w->rank == 1 && is_integer_kind(kind)) {
        sg_iinfo info;
        sg_status status = sg_dtype_iinfo(dtype, &info);
        if (status != SG_OK)
            return raise_status(status);
        if (w->imin < info.min) {
            PyErr_Format(PyExc_ValueError, "[%s] integer %lld is out of range for %s",
                         w->op, (long long)w->imin, dtype_name(dtype));
            return NULL;
        }
        if (w->umax > info.max) {
            PyErr_Format(PyExc_ValueError, "[%s] integer %llu is out of range for %s",
                         w->op, (unsigned long long)w->umax, dtype_name(dtype));
            return NULL;
        }
    }
    size_t size = sg_dtype_itemsize(dtype);
    char one[16];
    char *data = w->count <= 1 ? one : PyMem_Malloc(w->count * size);
    if (data == NULL)
        return PyErr_NoMemory();
    for (size_t i = 0; i < w->count; i++)
        store_scalar(&w->items[i], dtype, data + i * size);
    sg_tensor *out = NULL;
    sg_status status = sg_tensor_from_data(data, w->shape, w->ndim, dtype, &out);
    if (data != one)
        PyMem_Free(data);
    return tensor_result(st, status, out);
}

/* A tensor for `obj`, as a new reference. A tensor is itself; buffer data
 * keeps its dtype and is shared where `copy` allows (tensor_from_view);
 * Python numbers and nested lists take `weak` where their kind fits
 * (promoted_with_scalar), else their natural dtype. Unless `force` is
 * DTYPE_ANY, the result is converted to `force`. */
static PyObject *
to_tensor_copying(module_state *st, PyObject *obj, int weak, int force,
                  int copy, const char *op)
{
    if (is_tensor(st, obj))
        return force == DTYPE_ANY ? Py_NewRef(obj)
                                  : convert_tensor(st, obj, (sg_dtype)force);
    if (!is_python_number(obj) && is_buffer(obj)) {
        Py_buffer view;
        if (PyObject_GetBuffer(obj, &view, PyBUF_RECORDS_RO) < 0)
            return NULL;
        PyObject *result = tensor_from_view(st, &view, force, copy, op);
        PyBuffer_Release(&view);
        return result;
    }
    if (copy == COPY_NEVER) {
        PyErr_Format(PyExc_ValueError,
                     "[%s] a %.100s is copied into swiftgrad's memory; "
                     "copy=False cannot be honoured", op, Py_TYPE(obj)->tp_name);
        return NULL;
    }
    if (!is_weak(obj) && !is_number_like(obj)) {
        PyErr_Format(PyExc_TypeError, "[%s] cannot convert %.100s to a tensor",
                     op, Py_TYPE(obj)->tp_name);
        return NULL;
    }
    numbers w;
    if (read_numbers(st, obj, &w, op) < 0)
        return NULL;
    int target = force;
    if (target == DTYPE_ANY && weak != DTYPE_ANY)
        target = w.rank < 0 ? weak
                            : (int)promoted_with_scalar((sg_dtype)weak,
                                                        numbers_kind(&w));
    PyObject *result = tensor_from_numbers(st, &w, target);
    numbers_free(&w);
    return result;
}

static PyObject *
to_tensor(module_state *st, PyObject *obj, int weak, int force,
          const char *op)
{
    return to_tensor_copying(st, obj, weak, force, COPY_IF_NEEDED, op);
}

/* `obj` converted as the operand of an operation with a tensor of
 * dtype `other`, through the module's cache for Python floats and ints. */
static PyObject *
scalar_operand(module_state *st, PyObject *obj, sg_dtype other, const char *op)
{
    int64_t bits;
    if (PyFloat_CheckExact(obj)) {
        double x = PyFloat_AS_DOUBLE(obj);
        memcpy(&bits, &x, sizeof bits);
    }
    else if (PyLong_CheckExact(obj)) {
        int overflow;
        bits = PyLong_AsLongLongAndOverflow(obj, &overflow);
        if (overflow || (bits == -1 && PyErr_Occurred())) {
            PyErr_Clear();
            return to_tensor(st, obj, (int)other, DTYPE_ANY, op);
        }
    }
    else {
        return to_tensor(st, obj, (int)other, DTYPE_ANY, op);
    }
    if ((unsigned)other >= SCALAR_SLOTS)
        return to_tensor(st, obj, (int)other, DTYPE_ANY, op);
    scalar_slot *slot = &st->scalars[other];
    if (slot->tensor != NULL && slot->type == Py_TYPE(obj) && slot->bits == bits)
        return Py_NewRef(slot->tensor);
    PyObject *t = to_tensor(st, obj, (int)other, DTYPE_ANY, op);
    if (t != NULL) {
        Py_XSETREF(slot->tensor, Py_NewRef(t));
        slot->type = Py_TYPE(obj);
        slot->bits = bits;
    }
    return t;
}

/* Converts both operands of a binary operation. Strong operands (tensors,
 * arrays) go first so that weak ones can take their dtype (the Array
 * API's rule for Python scalars). Where the core has no promotion between
 * the two (an integer tensor and a float), the tensor takes the number's
 * dtype too: int * 0.5 is float64, as in NumPy. */
static int
to_tensor_pair(module_state *st, PyObject *a, PyObject *b, PyObject **ta,
               PyObject **tb, const char *op)
{
    int swap = is_weak(a) && !is_weak(b);
    PyObject *first = swap ? b : a, *second = swap ? a : b;
    PyObject *t1 = to_tensor(st, first, DTYPE_ANY, DTYPE_ANY, op);
    if (t1 == NULL)
        return -1;
    sg_dtype d1, d2, promoted;
    if (get_dtype(HANDLE(t1), &d1) < 0) {
        Py_DECREF(t1);
        return -1;
    }
    PyObject *t2 = scalar_operand(st, second, d1, op);
    if (t2 == NULL || get_dtype(HANDLE(t2), &d2) < 0) {
        Py_DECREF(t1);
        Py_XDECREF(t2);
        return -1;
    }
    if (d2 != d1 && is_weak(second) && sg_dtype_promote(d1, d2, &promoted) != SG_OK) {
        Py_SETREF(t1, convert_tensor(st, t1, d2));
        if (t1 == NULL) {
            Py_DECREF(t2);
            return -1;
        }
    }
    *ta = swap ? t2 : t1;
    *tb = swap ? t1 : t2;
    return 0;
}

/* A tensor of exactly `want` for an input that must not lose precision:
 * compiled-function arguments and shared-variable values. Data converts
 * when NumPy's safe casting allows (float32 widens, integers go to
 * float64, as Theano does; float64 never narrows); Python numbers and
 * lists when their kind fits (ints and floats into a float input, not
 * floats into an integer one). Refused data returns NULL with *lossy
 * naming its dtype and no exception set, so the caller can name the input
 * in the message (raise_lossy). */
static PyObject *
to_tensor_exact(module_state *st, PyObject *obj, sg_dtype want,
                const char *op, const char **lossy)
{
    *lossy = NULL;
    if (is_tensor(st, obj)) {
        sg_dtype have;
        if (get_dtype(HANDLE(obj), &have) < 0)
            return NULL;
        if (!can_cast_safely(have, want)) {
            *lossy = dtype_name(have);
            return NULL;
        }
        return convert_tensor(st, obj, want);
    }
    if (!is_python_number(obj) && is_buffer(obj)) {
        Py_buffer view;
        if (PyObject_GetBuffer(obj, &view, PyBUF_RECORDS_RO) < 0)
            return NULL;
        buffer_format f;
        PyObject *result = NULL;
        if (parse_format(&view, &f, op) == 0) {
            if (can_cast_safely(f.dtype, want))
                result = tensor_from_view(st, &view, (int)want, COPY_IF_NEEDED, op);
            else
                *lossy = f.half ? "float16" : dtype_name(f.dtype);
        }
        PyBuffer_Release(&view);
        return result;
    }
    if (!is_weak(obj) && !is_number_like(obj))
        return to_tensor(st, obj, DTYPE_ANY, (int)want, op); /* the TypeError */
    numbers w;
    if (read_numbers(st, obj, &w, op) < 0)
        return NULL;
    PyObject *result = NULL;
    if (w.rank > kind_rank(dtype_kind(want)))
        *lossy = kind_noun(numbers_kind(&w));
    else
        result = tensor_from_numbers(st, &w, (int)want);
    numbers_free(&w);
    return result;
}

static PyObject *
raise_lossy(const char *op, const char *what, sg_dtype want, const char *have)
{
    PyErr_Format(PyExc_TypeError,
                 "[%s] %s is %s and cannot take %s data without losing "
                 "precision; convert it with astype() first",
                 op, what, dtype_name(want), have);
    return NULL;
}

/* Reads axes for sum/mean/permute_dims: None (all), an int or a sequence
 * of ints. Returns the count, -1 for None, -2 on error. */
static Py_ssize_t
parse_axes(PyObject *obj, int64_t *axes, const char *op)
{
    if (obj == Py_None)
        return -1;
    if (PyIndex_Check(obj))
        return as_int64(obj, &axes[0], op, "axis") < 0 ? -2 : 1;
    PyObject *seq = PySequence_Fast(obj, "");
    if (seq == NULL) {
        PyErr_Format(PyExc_TypeError,
                     "[%s] axis must be None, an int or a tuple of ints, "
                     "not %.100s",
                     op, Py_TYPE(obj)->tp_name);
        return -2;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n > MAX_NDIM) {
        Py_DECREF(seq);
        PyErr_Format(PyExc_ValueError, "[%s] too many axes (%zd)", op, n);
        return -2;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (as_int64(PySequence_Fast_GET_ITEM(seq, i), &axes[i], op, "axis") < 0) {
            Py_DECREF(seq);
            return -2;
        }
    }
    Py_DECREF(seq);
    return n;
}
/* BEGIN views and indexing ============================================ */

/* Indexing (x[key], x[key] = v) and the view, gather and join functions.
 * A key becomes an array of sg_index entries; tensors it names are kept
 * alive in `keep` until the call returns. */

static int check_nargs(const char *name, Py_ssize_t nargs, Py_ssize_t expected);

typedef struct {
    sg_index items[MAX_NDIM];
    PyObject *keep[MAX_NDIM];
    size_t n;
} parsed_index;

static void
index_release(parsed_index *p)
{
    for (size_t i = 0; i < p->n; i++)
        Py_XDECREF(p->keep[i]);
    p->n = 0;
}

/* An optional slice bound: None leaves it open. Bounds beyond 64 bits
 * clamp, as Python's slices do, since no length reaches them. */
static int
slice_bound(PyObject *v, bool *has, int64_t *out, const char *what)
{
    *has = v != Py_None;
    if (!*has)
        return 0;
    PyObject *index = PyNumber_Index(v);
    if (index == NULL) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "[index] %s must be an int or None, not %.100s",
                         what, Py_TYPE(v)->tp_name);
        }
        return -1;
    }
    int overflow = 0;
    long long x = PyLong_AsLongLongAndOverflow(index, &overflow);
    Py_DECREF(index);
    if (x == -1 && PyErr_Occurred())
        return -1;
    *out = overflow > 0 ? INT64_MAX : overflow < 0 ? INT64_MIN + 1 : (int64_t)x;
    return 0;
}

static int
index_entry(module_state *st, PyObject *obj, sg_index *item, PyObject **keep)
{
    memset(item, 0, sizeof *item);
    *keep = NULL;
    if (PyLong_CheckExact(obj) || (PyIndex_Check(obj) && !PyBool_Check(obj) &&
                                   !is_tensor(st, obj))) {
        item->kind = SG_INDEX_INTEGER;
        return as_int64(obj, &item->start, "index", "an index");
    }
    if (PySlice_Check(obj)) {
        PySliceObject *s = (PySliceObject *)obj;
        bool has_step;
        item->kind = SG_INDEX_SLICE;
        item->step = 1;
        if (slice_bound(s->start, &item->has_start, &item->start, "slice start") < 0 ||
            slice_bound(s->stop, &item->has_stop, &item->stop, "slice stop") < 0 ||
            slice_bound(s->step, &has_step, &item->step, "slice step") < 0)
            return -1;
        if (!has_step)
            item->step = 1;
        return 0;
    }
    if (obj == Py_None) {
        item->kind = SG_INDEX_NEWAXIS;
        return 0;
    }
    if (obj == Py_Ellipsis) {
        item->kind = SG_INDEX_ELLIPSIS;
        return 0;
    }
    if (PyBool_Check(obj)) {
        PyErr_SetString(PyExc_IndexError,
                        "[index] a Python bool is not supported as an index; "
                        "use a boolean tensor");
        return -1;
    }
    if (!PyUnicode_Check(obj) && !PyBytes_Check(obj) &&
        (is_tensor(st, obj) || PySequence_Check(obj) || PyObject_CheckBuffer(obj))) {
        /* An empty list holds no ints, but NumPy reads it as positions. */
        int empty = !is_tensor(st, obj) && PyList_Check(obj) && PyList_GET_SIZE(obj) == 0;
        PyObject *t = to_tensor(st, obj, DTYPE_ANY, empty ? (int)SG_DTYPE_INT64 : DTYPE_ANY, "index");
        if (t == NULL)
            return -1;
        item->kind = SG_INDEX_ARRAY;
        item->array = HANDLE(t);
        *keep = t;
        return 0;
    }
    PyErr_Format(PyExc_IndexError,
                 "[index] only integers, slices, ellipsis, None and integer or "
                 "boolean arrays are valid indices, not %.100s",
                 Py_TYPE(obj)->tp_name);
    return -1;
}

static int
parse_index(module_state *st, PyObject *key, parsed_index *p)
{
    p->n = 0;
    if (!PyTuple_CheckExact(key)) {
        if (index_entry(st, key, &p->items[0], &p->keep[0]) < 0)
            return -1;
        p->n = 1;
        return 0;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(key);
    if (n > MAX_NDIM) {
        PyErr_Format(PyExc_IndexError, "[index] too many indices (%zd)", n);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (index_entry(st, PyTuple_GET_ITEM(key, i), &p->items[i], &p->keep[i]) < 0) {
            index_release(p);
            return -1;
        }
        p->n = (size_t)i + 1;
    }
    return 0;
}

/* Whether `item` is a slice with a tensor bound, which only the graph's
 * run can read (Theano's data[i * n:(i + 1) * n]). */
static int
is_tensor_slice(module_state *st, PyObject *item)
{
    if (!PySlice_Check(item))
        return 0;
    PySliceObject *s = (PySliceObject *)item;
    return is_tensor(st, s->start) || is_tensor(st, s->stop);
}

static PyObject *
tensor_getitem(PyObject *self, PyObject *key)
{
    module_state *st = state_of_type(Py_TYPE(self));
    if (st == NULL)
        return NULL;
    int dynamic = is_tensor_slice(st, key);
    if (PyTuple_CheckExact(key)) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(key) && !dynamic; i++)
            dynamic = is_tensor_slice(st, PyTuple_GET_ITEM(key, i));
    }
    if (dynamic) {
        /* Rare: swiftgrad._indexing splits the key (sg_slice_dynamic). */
        PyObject *indexing = PyImport_ImportModule("swiftgrad._indexing");
        if (indexing == NULL)
            return NULL;
        PyObject *result = PyObject_CallMethod(indexing, "_dynamic_getitem", "OO", self, key);
        Py_DECREF(indexing);
        return result;
    }
    parsed_index p;
    if (parse_index(st, key, &p) < 0)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = sg_index_get(HANDLE(self), p.items, p.n, &out);
    index_release(&p);
    return tensor_result(st, status, out);
}

static int
tensor_setitem(PyObject *self, PyObject *key, PyObject *value)
{
    if (value == NULL) {
        PyErr_SetString(PyExc_TypeError, "tensor elements cannot be deleted");
        return -1;
    }
    module_state *st = state_of_type(Py_TYPE(self));
    sg_dtype dtype;
    if (st == NULL || get_dtype(HANDLE(self), &dtype) < 0)
        return -1;
    PyObject *v = to_tensor(st, value, (int)dtype, DTYPE_ANY, "setitem");
    if (v == NULL)
        return -1;
    parsed_index p;
    if (parse_index(st, key, &p) < 0) {
        Py_DECREF(v);
        return -1;
    }
    sg_status status = sg_index_set(HANDLE(self), p.items, p.n, HANDLE(v));
    index_release(&p);
    Py_DECREF(v);
    return status == SG_OK ? 0 : fail(status);
}

/* Ints from None (returns -1), an int (1) or a sequence; -2 on error. */
static Py_ssize_t
parse_ints(PyObject *obj, int64_t *out, const char *op, const char *what)
{
    if (obj == Py_None)
        return -1;
    if (PyIndex_Check(obj))
        return as_int64(obj, &out[0], op, what) < 0 ? -2 : 1;
    PyObject *seq = PySequence_Fast(obj, "");
    if (seq == NULL) {
        PyErr_Format(PyExc_TypeError, "[%s] %s must be an int or a tuple of ints, not %.100s",
                     op, what, Py_TYPE(obj)->tp_name);
        return -2;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n > MAX_NDIM) {
        Py_DECREF(seq);
        PyErr_Format(PyExc_ValueError, "[%s] %s has %zd entries; at most %d are supported",
                     op, what, n, MAX_NDIM);
        return -2;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (as_int64(PySequence_Fast_GET_ITEM(seq, i), &out[i], op, what) < 0) {
            Py_DECREF(seq);
            return -2;
        }
    }
    Py_DECREF(seq);
    return n;
}

/* Tensors for each item of a sequence: *objs (PyMem) holds n new refs. */
static Py_ssize_t
tensor_list(module_state *st, PyObject *obj, PyObject ***objs, sg_tensor ***handles,
            const char *op)
{
    PyObject *seq = PySequence_Fast(obj, "");
    if (seq == NULL) {
        PyErr_Format(PyExc_TypeError, "[%s] expected a sequence of tensors, not %.100s",
                     op, Py_TYPE(obj)->tp_name);
        return -1;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    *objs = PyMem_Calloc((size_t)n + 1, sizeof(PyObject *));
    *handles = PyMem_Calloc((size_t)n + 1, sizeof(sg_tensor *));
    if (*objs == NULL || *handles == NULL) {
        PyMem_Free(*objs);
        PyMem_Free(*handles);
        Py_DECREF(seq);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *t = to_tensor(st, PySequence_Fast_GET_ITEM(seq, i), DTYPE_ANY, DTYPE_ANY, op);
        if (t == NULL) {
            for (Py_ssize_t j = 0; j < i; j++)
                Py_DECREF((*objs)[j]);
            PyMem_Free(*objs);
            PyMem_Free(*handles);
            Py_DECREF(seq);
            return -1;
        }
        (*objs)[i] = t;
        (*handles)[i] = HANDLE(t);
    }
    Py_DECREF(seq);
    return n;
}

static void
tensor_list_free(PyObject **objs, sg_tensor **handles, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++)
        Py_DECREF(objs[i]);
    PyMem_Free(objs);
    PyMem_Free(handles);
}

/* A tuple of the n handles in outs, each wrapped (or freed on failure). */
static PyObject *
tensor_tuple(module_state *st, sg_tensor **outs, size_t n)
{
    PyObject *tuple = PyTuple_New((Py_ssize_t)n);
    for (size_t i = 0; i < n; i++) {
        if (tuple == NULL) {
            sg_tensor_free(outs[i]);
            continue;
        }
        PyObject *t = wrap_tensor(st, outs[i]);
        if (t == NULL)
            Py_CLEAR(tuple);
        else
            PyTuple_SET_ITEM(tuple, (Py_ssize_t)i, t);
    }
    return tuple;
}

/* x converted to a tensor; the call fn(x, ints, n, out). */
typedef sg_status (*ints_fn)(const sg_tensor *, const int64_t *, size_t, sg_tensor **);

static PyObject *
with_ints(PyObject *module, PyObject *x_obj, PyObject *ints_obj, ints_fn fn,
          const char *op, const char *what, int none_ok)
{
    module_state *st = get_state(module);
    int64_t ints[MAX_NDIM];
    Py_ssize_t n = parse_ints(ints_obj, ints, op, what);
    if (n == -2)
        return NULL;
    if (n == -1 && !none_ok) {
        PyErr_Format(PyExc_TypeError, "[%s] %s must not be None", op, what);
        return NULL;
    }
    PyObject *x = to_tensor(st, x_obj, DTYPE_ANY, DTYPE_ANY, op);
    if (x == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = fn(HANDLE(x), n < 0 ? NULL : ints, n < 0 ? 0 : (size_t)n, &out);
    Py_DECREF(x);
    return tensor_result(st, status, out);
}

/* reshape(x, shape, copy): copy is None, True or False. */
static PyObject *
m_reshape(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("reshape", nargs, 3) < 0)
        return NULL;
    module_state *st = get_state(module);
    int64_t shape[MAX_NDIM];
    Py_ssize_t n = parse_ints(args[1], shape, "reshape", "shape");
    if (n == -2)
        return NULL;
    if (n == -1) {
        PyErr_SetString(PyExc_TypeError, "[reshape] shape must be an int or a tuple of ints");
        return NULL;
    }
    int copy = -1;
    if (args[2] != Py_None && (copy = PyObject_IsTrue(args[2])) < 0)
        return NULL;
    PyObject *x = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY, "reshape");
    if (x == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = sg_reshape(HANDLE(x), shape, (size_t)n, copy, &out);
    Py_DECREF(x);
    return tensor_result(st, status, out);
}

static PyObject *
m_expand_dims(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int64_t axis;
    if (check_nargs("expand_dims", nargs, 2) < 0 ||
        as_int64(args[1], &axis, "expand_dims", "axis") < 0)
        return NULL;
    module_state *st = get_state(module);
    PyObject *x = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY, "expand_dims");
    if (x == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = sg_expand_dims(HANDLE(x), axis, &out);
    Py_DECREF(x);
    return tensor_result(st, status, out);
}

static PyObject *
m_squeeze(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("squeeze", nargs, 2) < 0)
        return NULL;
    return with_ints(module, args[0], args[1], sg_squeeze, "squeeze", "axis", 0);
}

static PyObject *
m_broadcast_to(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("broadcast_to", nargs, 2) < 0)
        return NULL;
    return with_ints(module, args[0], args[1], sg_broadcast_to, "broadcast_to", "shape", 0);
}

static PyObject *
m_flip(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("flip", nargs, 2) < 0)
        return NULL;
    return with_ints(module, args[0], args[1], sg_flip, "flip", "axis", 1);
}

static PyObject *
m_tile(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("tile", nargs, 2) < 0)
        return NULL;
    return with_ints(module, args[0], args[1], sg_tile, "tile", "reps", 0);
}

/* fn(x) for a call that takes one tensor and makes one. */
static PyObject *
one_tensor_call(PyObject *module, PyObject *x_obj,
                sg_status (*fn)(const sg_tensor *, sg_tensor **), const char *name)
{
    module_state *st = get_state(module);
    PyObject *x = to_tensor(st, x_obj, DTYPE_ANY, DTYPE_ANY, name);
    if (x == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = fn(HANDLE(x), &out);
    Py_DECREF(x);
    return tensor_result(st, status, out);
}

static PyObject *
m_matrix_transpose(PyObject *module, PyObject *x_obj)
{
    return one_tensor_call(module, x_obj, sg_matrix_transpose, "matrix_transpose");
}

/* moveaxis(x, source, destination) */
static PyObject *
m_moveaxis(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("moveaxis", nargs, 3) < 0)
        return NULL;
    module_state *st = get_state(module);
    int64_t src[MAX_NDIM], dst[MAX_NDIM];
    Py_ssize_t n = parse_ints(args[1], src, "moveaxis", "source");
    Py_ssize_t m = n < 0 ? n : parse_ints(args[2], dst, "moveaxis", "destination");
    if (n < 0 || m < 0) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "[moveaxis] source and destination must be ints or tuples of ints");
        return NULL;
    }
    if (n != m) {
        PyErr_SetString(PyExc_ValueError,
                        "[moveaxis] source and destination must have the same number of axes");
        return NULL;
    }
    PyObject *x = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY, "moveaxis");
    if (x == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = sg_moveaxis(HANDLE(x), src, dst, (size_t)n, &out);
    Py_DECREF(x);
    return tensor_result(st, status, out);
}

/* An optional axis: None gives NULL. */
static int
optional_axis(PyObject *obj, int64_t *axis, const int64_t **ptr, const char *op)
{
    *ptr = NULL;
    if (obj == Py_None)
        return 0;
    if (as_int64(obj, axis, op, "axis") < 0)
        return -1;
    *ptr = axis;
    return 0;
}

/* take(x, indices, axis) */
static PyObject *
m_take(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int64_t axis;
    const int64_t *axis_ptr;
    if (check_nargs("take", nargs, 3) < 0 || optional_axis(args[2], &axis, &axis_ptr, "take") < 0)
        return NULL;
    module_state *st = get_state(module);
    PyObject *x = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY, "take");
    if (x == NULL)
        return NULL;
    PyObject *i = to_tensor(st, args[1], DTYPE_ANY, DTYPE_ANY, "take");
    if (i == NULL) {
        Py_DECREF(x);
        return NULL;
    }
    sg_tensor *out = NULL;
    sg_status status = sg_take(HANDLE(x), HANDLE(i), axis_ptr, &out);
    Py_DECREF(x);
    Py_DECREF(i);
    return tensor_result(st, status, out);
}

/* repeat(x, repeats, axis) */
static PyObject *
m_repeat(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int64_t axis;
    const int64_t *axis_ptr;
    if (check_nargs("repeat", nargs, 3) < 0 || optional_axis(args[2], &axis, &axis_ptr, "repeat") < 0)
        return NULL;
    module_state *st = get_state(module);
    PyObject *x = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY, "repeat");
    if (x == NULL)
        return NULL;
    PyObject *r = to_tensor(st, args[1], DTYPE_ANY, DTYPE_ANY, "repeat");
    if (r == NULL) {
        Py_DECREF(x);
        return NULL;
    }
    sg_tensor *out = NULL;
    sg_status status = sg_repeat(HANDLE(x), HANDLE(r), axis_ptr, &out);
    Py_DECREF(x);
    Py_DECREF(r);
    return tensor_result(st, status, out);
}

/* where(condition, x1, x2): numbers take the other operand's dtype. */
static PyObject *
m_where(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("where", nargs, 3) < 0)
        return NULL;
    module_state *st = get_state(module);
    PyObject *c = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY, "where");
    if (c == NULL)
        return NULL;
    PyObject *a, *b;
    if (to_tensor_pair(st, args[1], args[2], &a, &b, "where") < 0) {
        Py_DECREF(c);
        return NULL;
    }
    sg_tensor *out = NULL;
    sg_status status = sg_where(HANDLE(c), HANDLE(a), HANDLE(b), &out);
    Py_DECREF(c);
    Py_DECREF(a);
    Py_DECREF(b);
    return tensor_result(st, status, out);
}

static PyObject *
m_nonzero(PyObject *module, PyObject *x_obj)
{
    module_state *st = get_state(module);
    PyObject *x = to_tensor(st, x_obj, DTYPE_ANY, DTYPE_ANY, "nonzero");
    if (x == NULL)
        return NULL;
    sg_tensor *outs[MAX_NDIM];
    size_t ndim = 0;
    sg_status status = sg_tensor_ndim(HANDLE(x), &ndim);
    if (status == SG_OK)
        status = sg_nonzero(HANDLE(x), outs, MAX_NDIM);
    Py_DECREF(x);
    if (status != SG_OK)
        return raise_status(status);
    return tensor_tuple(st, outs, ndim);
}

/* concat(xs, axis), stack(xs, axis) */
static PyObject *
join(PyObject *module, PyObject *const *args, Py_ssize_t nargs, int stack)
{
    const char *op = stack ? "stack" : "concat";
    int64_t axis;
    const int64_t *axis_ptr;
    if (check_nargs(op, nargs, 2) < 0 || optional_axis(args[1], &axis, &axis_ptr, op) < 0)
        return NULL;
    if (stack && axis_ptr == NULL) {
        PyErr_SetString(PyExc_TypeError, "[stack] axis must be an int");
        return NULL;
    }
    module_state *st = get_state(module);
    PyObject **objs;
    sg_tensor **handles;
    Py_ssize_t n = tensor_list(st, args[0], &objs, &handles, op);
    if (n < 0)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = stack ? sg_stack((const sg_tensor *const *)handles, (size_t)n, axis, &out)
                             : sg_concat((const sg_tensor *const *)handles, (size_t)n, axis_ptr, &out);
    tensor_list_free(objs, handles, n);
    return tensor_result(st, status, out);
}

static PyObject *
m_concat(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    return join(module, args, nargs, 0);
}

static PyObject *
m_stack(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    return join(module, args, nargs, 1);
}

static PyObject *
m_broadcast_arrays(PyObject *module, PyObject *xs)
{
    module_state *st = get_state(module);
    PyObject **objs;
    sg_tensor **handles;
    Py_ssize_t n = tensor_list(st, xs, &objs, &handles, "broadcast_arrays");
    if (n < 0)
        return NULL;
    sg_tensor **outs = PyMem_Calloc((size_t)n + 1, sizeof(sg_tensor *));
    if (outs == NULL) {
        tensor_list_free(objs, handles, n);
        return PyErr_NoMemory();
    }
    sg_status status = sg_broadcast_arrays((const sg_tensor *const *)handles, (size_t)n, outs);
    tensor_list_free(objs, handles, n);
    PyObject *result = status == SG_OK ? tensor_tuple(st, outs, (size_t)n) : raise_status(status);
    PyMem_Free(outs);
    return result;
}

/* unstack(x, axis) */
static PyObject *
m_unstack(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int64_t axis;
    if (check_nargs("unstack", nargs, 2) < 0 || as_int64(args[1], &axis, "unstack", "axis") < 0)
        return NULL;
    module_state *st = get_state(module);
    PyObject *x = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY, "unstack");
    if (x == NULL)
        return NULL;
    size_t count = 0;
    sg_status status = sg_unstack(HANDLE(x), axis, NULL, 0, &count);
    sg_tensor **outs = NULL;
    if (status == SG_ERROR_VALUE && count > 0) {
        outs = PyMem_Calloc(count, sizeof(sg_tensor *));
        if (outs == NULL) {
            Py_DECREF(x);
            return PyErr_NoMemory();
        }
        status = sg_unstack(HANDLE(x), axis, outs, count, &count);
    }
    Py_DECREF(x);
    PyObject *result = status == SG_OK ? tensor_tuple(st, outs, count) : raise_status(status);
    PyMem_Free(outs);
    return result;
}

/* roll(x, shift, axis) */
static PyObject *
m_roll(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("roll", nargs, 3) < 0)
        return NULL;
    module_state *st = get_state(module);
    int64_t shifts[MAX_NDIM], axes[MAX_NDIM];
    Py_ssize_t ns = parse_ints(args[1], shifts, "roll", "shift");
    if (ns == -2)
        return NULL;
    if (ns == -1) {
        PyErr_SetString(PyExc_TypeError, "[roll] shift must be an int or a tuple of ints");
        return NULL;
    }
    Py_ssize_t na = parse_ints(args[2], axes, "roll", "axis");
    if (na == -2)
        return NULL;
    PyObject *x = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY, "roll");
    if (x == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = sg_roll(HANDLE(x), shifts, (size_t)ns, na < 0 ? NULL : axes,
                               na < 0 ? 0 : (size_t)na, &out);
    Py_DECREF(x);
    return tensor_result(st, status, out);
}

#define VIEWS_METHODS                                                              \
    {"reshape", (PyCFunction)(void (*)(void))m_reshape, METH_FASTCALL,             \
     "reshape(x, shape, copy)"},                                                   \
    {"expand_dims", (PyCFunction)(void (*)(void))m_expand_dims, METH_FASTCALL,     \
     "expand_dims(x, axis)"},                                                      \
    {"squeeze", (PyCFunction)(void (*)(void))m_squeeze, METH_FASTCALL,             \
     "squeeze(x, axis)"},                                                          \
    {"broadcast_to", (PyCFunction)(void (*)(void))m_broadcast_to, METH_FASTCALL,   \
     "broadcast_to(x, shape)"},                                                    \
    {"broadcast_arrays", m_broadcast_arrays, METH_O, "broadcast_arrays(xs)"},      \
    {"matrix_transpose", m_matrix_transpose, METH_O, "matrix_transpose(x)"},       \
    {"moveaxis", (PyCFunction)(void (*)(void))m_moveaxis, METH_FASTCALL,           \
     "moveaxis(x, source, destination)"},                                          \
    {"flip", (PyCFunction)(void (*)(void))m_flip, METH_FASTCALL, "flip(x, axis)"}, \
    {"take", (PyCFunction)(void (*)(void))m_take, METH_FASTCALL,                   \
     "take(x, indices, axis)"},                                                    \
    {"where", (PyCFunction)(void (*)(void))m_where, METH_FASTCALL,                 \
     "where(condition, x1, x2)"},                                                  \
    {"nonzero", m_nonzero, METH_O, "nonzero(x)"},                                  \
    {"concat", (PyCFunction)(void (*)(void))m_concat, METH_FASTCALL,               \
     "concat(xs, axis)"},                                                          \
    {"stack", (PyCFunction)(void (*)(void))m_stack, METH_FASTCALL,                 \
     "stack(xs, axis)"},                                                           \
    {"unstack", (PyCFunction)(void (*)(void))m_unstack, METH_FASTCALL,             \
     "unstack(x, axis)"},                                                          \
    {"roll", (PyCFunction)(void (*)(void))m_roll, METH_FASTCALL,                   \
     "roll(x, shift, axis)"},                                                      \
    {"repeat", (PyCFunction)(void (*)(void))m_repeat, METH_FASTCALL,               \
     "repeat(x, repeats, axis)"},                                                  \
    {"tile", (PyCFunction)(void (*)(void))m_tile, METH_FASTCALL, "tile(x, reps)"},

/* END views and indexing ============================================== */

/* ========================================================== Tensor type */

static void
tensor_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    if (((TensorObject *)self)->weakrefs != NULL)
        PyObject_ClearWeakRefs(self);
    sg_tensor_free(HANDLE(self));
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* _Tensor(data, dtype=-1): a tensor holding a copy of data (any object
 * asarray takes); given a tensor, the same value without its history. */
static PyObject *
tensor_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"data", "dtype", NULL};
    PyObject *data;
    int dtype = DTYPE_ANY;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|i:Tensor", keywords,
                                     &data, &dtype))
        return NULL;
    module_state *st = state_of_type(type);
    if (st == NULL || check_dtype_code(dtype, 1) < 0)
        return NULL;
    PyObject *t = to_tensor(st, data, dtype, dtype, "Tensor");
    if (t == NULL)
        return NULL;
    sg_tensor *handle = NULL;
    if (!is_tensor(st, data)) {
        /* A fresh conversion nobody else sees: take its handle over. */
        handle = HANDLE(t);
        HANDLE(t) = NULL;
    }
    else {
        sg_status status = sg_tensor_detach(HANDLE(t), &handle);
        if (status != SG_OK) {
            Py_DECREF(t);
            return raise_status(status);
        }
    }
    Py_DECREF(t);
    TensorObject *self = (TensorObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        sg_tensor_free(handle);
        return NULL;
    }
    self->handle = handle;
    return (PyObject *)self;
}

/* ---- properties */

static PyObject *
tensor_get_shape(PyObject *self, void *closure)
{
    int64_t shape[MAX_NDIM];
    size_t ndim;
    if (get_shape(HANDLE(self), shape, &ndim) < 0)
        return NULL;
    PyObject *tuple = PyTuple_New((Py_ssize_t)ndim);
    if (tuple == NULL)
        return NULL;
    for (size_t i = 0; i < ndim; i++) {
        PyObject *n = shape[i] < 0 ? Py_NewRef(Py_None)
                                   : PyLong_FromLongLong(shape[i]);
        if (n == NULL) {
            Py_DECREF(tuple);
            return NULL;
        }
        PyTuple_SET_ITEM(tuple, (Py_ssize_t)i, n);
    }
    return tuple;
}

static PyObject *
tensor_get_ndim(PyObject *self, void *closure)
{
    size_t ndim;
    sg_status status = sg_tensor_ndim(HANDLE(self), &ndim);
    return status == SG_OK ? PyLong_FromSize_t(ndim) : raise_status(status);
}

static PyObject *
tensor_get_dtype_code(PyObject *self, void *closure)
{
    sg_dtype dtype;
    return get_dtype(HANDLE(self), &dtype) < 0 ? NULL
                                               : PyLong_FromLong((long)dtype);
}

static PyObject *
tensor_get_kind(PyObject *self, void *closure)
{
    sg_kind kind;
    return get_kind(HANDLE(self), &kind) < 0 ? NULL
                                             : PyLong_FromLong((long)kind);
}

static PyObject *
tensor_get_name(PyObject *self, void *closure)
{
    const char *name = NULL;
    sg_status status = sg_tensor_name(HANDLE(self), &name);
    if (status != SG_OK)
        return raise_status(status);
    if (name == NULL)
        Py_RETURN_NONE;
    return PyUnicode_DecodeUTF8(name, (Py_ssize_t)strlen(name), "replace");
}

static PyObject *
tensor_get_requires_grad(PyObject *self, void *closure)
{
    bool flag;
    sg_status status = sg_tensor_requires_grad(HANDLE(self), &flag);
    return status == SG_OK ? PyBool_FromLong(flag) : raise_status(status);
}

static int
tensor_set_requires_grad(PyObject *self, PyObject *value, void *closure)
{
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete requires_grad");
        return -1;
    }
    int flag = PyObject_IsTrue(value);
    if (flag < 0)
        return -1;
    sg_status status = sg_tensor_set_requires_grad(HANDLE(self), flag != 0);
    return status == SG_OK ? 0 : fail(status);
}

static PyObject *
tensor_get_grad(PyObject *self, void *closure)
{
    module_state *st = state_of_type(Py_TYPE(self));
    if (st == NULL)
        return NULL;
    sg_tensor *grad = NULL;
    sg_status status = sg_tensor_grad(HANDLE(self), &grad);
    if (status != SG_OK)
        return raise_status(status);
    if (grad == NULL)
        Py_RETURN_NONE;
    return wrap_tensor(st, grad);
}

/* t.grad = None clears it; anything else becomes a tensor of t's dtype. */
static int
tensor_set_grad(PyObject *self, PyObject *value, void *closure)
{
    if (value == NULL || value == Py_None) {
        sg_status status = sg_tensor_set_grad(HANDLE(self), NULL);
        return status == SG_OK ? 0 : fail(status);
    }
    module_state *st = state_of_type(Py_TYPE(self));
    sg_dtype dtype;
    if (st == NULL || get_dtype(HANDLE(self), &dtype) < 0)
        return -1;
    PyObject *grad = to_tensor(st, value, (int)dtype, DTYPE_ANY, "grad");
    if (grad == NULL)
        return -1;
    sg_status status = sg_tensor_set_grad(HANDLE(self), HANDLE(grad));
    Py_DECREF(grad);
    return status == SG_OK ? 0 : fail(status);
}

static PyGetSetDef tensor_getset[] = {
    {"shape", tensor_get_shape, NULL,
     "Lengths of the axes; None where a symbolic tensor does not know one.",
     NULL},
    {"ndim", tensor_get_ndim, NULL, "Number of axes.", NULL},
    {"_dtype", tensor_get_dtype_code, NULL, "sg_dtype code.", NULL},
    {"_kind", tensor_get_kind, NULL, "sg_kind code.", NULL},
    {"name", tensor_get_name, NULL,
     "Name of a placeholder or shared variable, or None.", NULL},
    {"requires_grad", tensor_get_requires_grad, tensor_set_requires_grad,
     "Whether operations on this leaf are recorded for backward().", NULL},
    {"grad", tensor_get_grad, tensor_set_grad,
     "Gradient accumulated by backward(), or None.", NULL},
    {NULL}};

/* ---- methods */

static PyObject *
tensor_backward(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"gradient", "retain_graph", "create_graph", NULL};
    PyObject *gradient = Py_None, *retain_graph = Py_None;
    int create_graph = 0;
    /* Graphs outlive backward passes: retain_graph is accepted, always on. */
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OOp:backward", keywords,
                                     &gradient, &retain_graph, &create_graph))
        return NULL;
    PyObject *seed = NULL;
    if (gradient != Py_None) {
        module_state *st = state_of_type(Py_TYPE(self));
        sg_dtype dtype;
        if (st == NULL || get_dtype(HANDLE(self), &dtype) < 0)
            return NULL;
        seed = to_tensor(st, gradient, (int)dtype, DTYPE_ANY, "backward");
        if (seed == NULL)
            return NULL;
    }
    /* Keeps the GIL: backward writes the leaves' gradients, which other
     * Python threads may be reading. */
    sg_status status = sg_tensor_backward_v2(HANDLE(self), seed ? HANDLE(seed) : NULL,
                                             create_graph ? SG_BACKWARD_CREATE_GRAPH : 0);
    Py_XDECREF(seed);
    if (status != SG_OK)
        return raise_status(status);
    Py_RETURN_NONE;
}

static PyObject *
tensor_detach(PyObject *self, PyObject *unused)
{
    module_state *st = state_of_type(Py_TYPE(self));
    if (st == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = sg_tensor_detach(HANDLE(self), &out);
    return tensor_result(st, status, out);
}
static PyObject *
tensor_get_value(PyObject *self, PyObject *unused)
{
    module_state *st = state_of_type(Py_TYPE(self));
    if (st == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = sg_tensor_get_value(HANDLE(self), &out);
    return tensor_result(st, status, out);
}

/* Writes "shared variable 'W'" for error messages. */
static void
describe_shared(const sg_tensor *t, char *buf, size_t cap)
{
    const char *name = NULL;
    if (sg_tensor_name(t, &name) == SG_OK && name != NULL)
        snprintf(buf, cap, "shared variable '%.100s'", name);
    else
        snprintf(buf, cap, "the shared variable");
}

static PyObject *
tensor_set_value(PyObject *self, PyObject *value)
{
    module_state *st = state_of_type(Py_TYPE(self));
    sg_dtype dtype;
    if (st == NULL || get_dtype(HANDLE(self), &dtype) < 0)
        return NULL;
    const char *lossy;
    PyObject *t = to_tensor_exact(st, value, dtype, "set_value", &lossy);
    if (t == NULL) {
        if (lossy != NULL) {
            char what[160];
            describe_shared(HANDLE(self), what, sizeof what);
            raise_lossy("set_value", what, dtype, lossy);
        }
        return NULL;
    }
    /* Waits for compiled functions that update the variable, which may be
     * running Python callbacks (custom ops) that need the GIL. */
    sg_status status;
    Py_BEGIN_ALLOW_THREADS
    status = sg_tensor_set_value(HANDLE(self), HANDLE(t));
    Py_END_ALLOW_THREADS
    Py_DECREF(t);
    if (status != SG_OK)
        return raise_status(status);
    Py_RETURN_NONE;
}


/* ---- the value as Python objects */

/* The only element, read exactly (sg_tensor_item_as) as the Python number
 * of its dtype's kind: bool, int, float or complex. */
static PyObject *
tensor_item(PyObject *self, PyObject *unused)
{
    scalar s;
    if (read_tensor_scalar(self, &s) < 0)
        return NULL;
    switch (s.kind) {
    case SG_DTYPE_KIND_BOOL: return PyBool_FromLong((long)s.v.i);
    case SG_DTYPE_KIND_SIGNED_INTEGER: return PyLong_FromLongLong(s.v.i);
    case SG_DTYPE_KIND_UNSIGNED_INTEGER: return PyLong_FromUnsignedLongLong(s.v.u);
    case SG_DTYPE_KIND_REAL_FLOATING: return PyFloat_FromDouble(s.v.f);
    case SG_DTYPE_KIND_COMPLEX_FLOATING: break;
    }
    return PyComplex_FromDoubles(s.v.c[0], s.v.c[1]);
}

static PyObject *
tensor_float(PyObject *self)
{
    scalar s;
    double re, im;
    if (read_tensor_scalar(self, &s) < 0)
        return NULL;
    if (s.kind == SG_DTYPE_KIND_COMPLEX_FLOATING) {
        PyErr_SetString(PyExc_TypeError,
                        "[float] cannot convert a complex tensor to float; "
                        "take real() or abs() first");
        return NULL;
    }
    scalar_parts(&s, &re, &im);
    return PyFloat_FromDouble(re);
}

/* int(t): integers exactly, floats truncated toward zero. */
static PyObject *
tensor_int(PyObject *self)
{
    scalar s;
    if (read_tensor_scalar(self, &s) < 0)
        return NULL;
    switch (s.kind) {
    case SG_DTYPE_KIND_BOOL:
    case SG_DTYPE_KIND_SIGNED_INTEGER: return PyLong_FromLongLong(s.v.i);
    case SG_DTYPE_KIND_UNSIGNED_INTEGER: return PyLong_FromUnsignedLongLong(s.v.u);
    case SG_DTYPE_KIND_REAL_FLOATING:
        if (!isfinite(s.v.f)) {
            PyErr_Format(PyExc_ValueError, "[int] cannot convert %s to an integer",
                         isnan(s.v.f) ? "nan" : "infinity");
            return NULL;
        }
        return PyLong_FromDouble(s.v.f);
    case SG_DTYPE_KIND_COMPLEX_FLOATING: break;
    }
    PyErr_SetString(PyExc_TypeError,
                    "[int] cannot convert a complex tensor to int; take real() "
                    "or abs() first");
    return NULL;
}

/* operator.index(t): only integer tensors are indices, as in NumPy. */
static PyObject *
tensor_index(PyObject *self)
{
    sg_dtype dtype;
    if (get_dtype(HANDLE(self), &dtype) < 0)
        return NULL;
    if (!is_integer_kind(dtype_kind(dtype))) {
        PyErr_Format(PyExc_TypeError,
                     "[index] only integer tensors can be used as an index "
                     "(got %s)",
                     dtype_name(dtype));
        return NULL;
    }
    return tensor_int(self);
}

static PyObject *
tensor_complex(PyObject *self, PyObject *unused)
{
    scalar s;
    double re, im;
    if (read_tensor_scalar(self, &s) < 0)
        return NULL;
    scalar_parts(&s, &re, &im);
    return PyComplex_FromDoubles(re, im);
}

/* Truth of one element only, as in NumPy; symbolic tensors refuse. */
static int
tensor_bool(PyObject *self)
{
    char value;
    sg_status status = sg_tensor_item_as(HANDLE(self), SG_DTYPE_BOOL, &value);
    return status == SG_OK ? value != 0 : fail(status);
}

/* A tensor with a value for reading elements: the tensor itself, or a
 * shared variable's current value; symbolic tensors raise TypeError. */
static PyObject *
value_of(module_state *st, PyObject *self, const char *op)
{
    sg_kind kind;
    if (get_kind(HANDLE(self), &kind) < 0)
        return NULL;
    if (kind == SG_KIND_VALUE)
        return Py_NewRef(self);
    if (kind != SG_KIND_SHARED) {
        PyErr_Format(PyExc_TypeError,
                     "[%s] a symbolic tensor has no value yet; compile it "
                     "with swiftgrad.function",
                     op);
        return NULL;
    }
    sg_tensor *value = NULL;
    sg_status status = sg_tensor_get_value(HANDLE(self), &value);
    return tensor_result(st, status, value);
}

typedef struct {
    const char *data;
    size_t ndim;
    int64_t shape[MAX_NDIM], strides[MAX_NDIM]; /* strides in bytes */
    PyObject *(*box)(const void *);
    Py_ssize_t edgeitems; /* -1: every element */
} list_walk;

/* The axes from `depth` on as nested lists; an axis longer than
 * 2 * edgeitems keeps only its first and last edgeitems items. */
static PyObject *
build_list(const list_walk *w, size_t depth, const char *p)
{
    if (depth == w->ndim)
        return w->box(p);
    int64_t n = w->shape[depth], edge = w->edgeitems;
    int summary = edge >= 0 && n > 2 * edge;
    Py_ssize_t len = summary ? (Py_ssize_t)(2 * edge) : (Py_ssize_t)n;
    PyObject *list = PyList_New(len);
    if (list == NULL)
        return NULL;
    for (Py_ssize_t k = 0; k < len; k++) {
        int64_t i = summary && k >= edge ? n - 2 * edge + k : k;
        PyObject *item = build_list(w, depth + 1, p + i * w->strides[depth]);
        if (item == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, k, item);
    }
    return list;
}

/* The values as nested lists of Python numbers (edgeitems: see
 * build_list). */
static PyObject *
tolist(module_state *st, PyObject *self, Py_ssize_t edgeitems)
{
    PyObject *value = value_of(st, self, "tolist");
    if (value == NULL)
        return NULL;
    list_walk w;
    sg_dtype dtype;
    const void *data = NULL;
    sg_status status = SG_OK;
    PyObject *result = NULL;
    if (get_dtype(HANDLE(value), &dtype) < 0 ||
        check_element(dtype, "tolist") < 0 ||
        get_shape(HANDLE(value), w.shape, &w.ndim) < 0)
        goto done;
    if ((status = sg_tensor_strides(HANDLE(value), w.strides, MAX_NDIM)) != SG_OK ||
        (status = sg_tensor_data(HANDLE(value), &data)) != SG_OK) {
        raise_status(status);
        goto done;
    }
    size_t itemsize = sg_dtype_itemsize(dtype);
    for (size_t i = 0; i < w.ndim; i++)
        w.strides[i] *= (int64_t)itemsize;
    w.data = data;
    w.box = elements[dtype].box;
    w.edgeitems = edgeitems;
    result = build_list(&w, 0, data);
done:
    Py_DECREF(value);
    return result;
}

static PyObject *
tensor_tolist(PyObject *self, PyObject *unused)
{
    module_state *st = state_of_type(Py_TYPE(self));
    return st == NULL ? NULL : tolist(st, self, -1);
}

static PyMethodDef tensor_methods[] = {
    {"backward", (PyCFunction)(void (*)(void))tensor_backward,
     METH_VARARGS | METH_KEYWORDS,
     "backward(gradient=None, retain_graph=None, create_graph=False)\n--\n\n"
     "Back-propagates from this tensor into the .grad of the leaves that "
     "require grad (and of tensors that retain theirs). gradient defaults "
     "to 1 for a one-element tensor. With create_graph the gradients record "
     "graphs, so .grad can be differentiated again. Graphs are kept, so "
     "retain_graph has no effect."},
    {"detach", tensor_detach, METH_NOARGS,
     "The same value without graph history, not requiring grad."},
    {"item", tensor_item, METH_NOARGS,
     "The only element of a one-element tensor, as the Python number of its "
     "dtype (bool, int, float or complex), exactly."},
    {"tolist", tensor_tolist, METH_NOARGS,
     "The values as nested lists of Python numbers (one number for a 0-d "
     "tensor)."},
    {"__complex__", tensor_complex, METH_NOARGS,
     "The only element as a Python complex."},
    {"get_value", tensor_get_value, METH_NOARGS,
     "A shared variable's current value (or a tensor's value) as a new "
     "tensor."},
    {"set_value", tensor_set_value, METH_O,
     "Replaces a shared variable's value."},
    {NULL}};

/* ---- number protocol */

static PyObject *
binary(module_state *st, sg_binary_op op, PyObject *a, PyObject *b)
{
    const char *name = sg_binary_op_name(op);
    if (name == NULL) {
        PyErr_Format(PyExc_ValueError, "unknown binary op %d", (int)op);
        return NULL;
    }
    PyObject *ta, *tb;
    if (to_tensor_pair(st, a, b, &ta, &tb, name) < 0)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = sg_binary(op, HANDLE(ta), HANDLE(tb), &out);
    Py_DECREF(ta);
    Py_DECREF(tb);
    return tensor_result(st, status, out);
}

static PyObject *
unary(module_state *st, sg_unary_op op, PyObject *x)
{
    const char *name = sg_unary_op_name(op);
    if (name == NULL) {
        PyErr_Format(PyExc_ValueError, "unknown unary op %d", (int)op);
        return NULL;
    }
    PyObject *tx = to_tensor(st, x, DTYPE_ANY, DTYPE_ANY, name);
    if (tx == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = sg_unary(op, HANDLE(tx), &out);
    Py_DECREF(tx);
    return tensor_result(st, status, out);
}

typedef sg_status (*product_fn)(const sg_tensor *, const sg_tensor *,
                                sg_tensor **);

/* matmul and dot can be long: they run without the GIL. */
static PyObject *
product(module_state *st, product_fn fn, const char *name, PyObject *a,
        PyObject *b)
{
    PyObject *ta, *tb;
    if (to_tensor_pair(st, a, b, &ta, &tb, name) < 0)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status;
    Py_BEGIN_ALLOW_THREADS
    status = fn(HANDLE(ta), HANDLE(tb), &out);
    Py_END_ALLOW_THREADS
    Py_DECREF(ta);
    Py_DECREF(tb);
    return tensor_result(st, status, out);
}

static PyObject *
binary_slot(PyObject *a, PyObject *b, sg_binary_op op)
{
    module_state *st = state_of_operands(a, b);
    if (st == NULL)
        return NULL;
    if (!is_convertible(st, a) || !is_convertible(st, b))
        Py_RETURN_NOTIMPLEMENTED;
    return binary(st, op, a, b);
}

/* x op= y: written into x's memory when x holds a value
 * (sg_binary_update), else a new node, as x = x op y. */
static PyObject *
inplace_slot(PyObject *a, PyObject *b, sg_binary_op op, const char *symbol)
{
    module_state *st = state_of_operands(a, b);
    if (st == NULL)
        return NULL;
    if (!is_convertible(st, b))
        Py_RETURN_NOTIMPLEMENTED;
    sg_kind kind;
    if (!is_tensor(st, a) || sg_tensor_kind(HANDLE(a), &kind) != SG_OK || kind != SG_KIND_VALUE)
        return binary(st, op, a, b);
    sg_dtype dtype;
    if (get_dtype(HANDLE(a), &dtype) < 0)
        return NULL;
    const char *name = sg_binary_op_name(op);
    PyObject *other = scalar_operand(st, b, dtype, name);
    if (other == NULL)
        return NULL;
    sg_status status = sg_binary_update(op, HANDLE(a), HANDLE(other));
    Py_DECREF(other);
    if (status != SG_OK) {
        char inplace_name[64];
        snprintf(inplace_name, sizeof inplace_name, "%s_", name);
        return raise_status_as(status, inplace_name, symbol);
    }
    return Py_NewRef(a);
}

#define INPLACE_SLOT(name, op, symbol)                                       \
    static PyObject *name(PyObject *a, PyObject *b)                          \
    {                                                                        \
        return inplace_slot(a, b, op, symbol);                               \
    }
INPLACE_SLOT(tensor_iadd, SG_BINARY_ADD, "+=")
INPLACE_SLOT(tensor_isub, SG_BINARY_SUBTRACT, "-=")
INPLACE_SLOT(tensor_imul, SG_BINARY_MULTIPLY, "*=")
INPLACE_SLOT(tensor_itruediv, SG_BINARY_DIVIDE, "/=")
INPLACE_SLOT(tensor_ifloordiv, SG_BINARY_FLOOR_DIVIDE, "//=")
INPLACE_SLOT(tensor_imod, SG_BINARY_REMAINDER, "%=")
INPLACE_SLOT(tensor_iand, SG_BINARY_BITWISE_AND, "&=")
INPLACE_SLOT(tensor_ior, SG_BINARY_BITWISE_OR, "|=")
INPLACE_SLOT(tensor_ixor, SG_BINARY_BITWISE_XOR, "^=")
INPLACE_SLOT(tensor_ilshift, SG_BINARY_BITWISE_LEFT_SHIFT, "<<=")
INPLACE_SLOT(tensor_irshift, SG_BINARY_BITWISE_RIGHT_SHIFT, ">>=")
#undef INPLACE_SLOT

static PyObject *
tensor_ipow(PyObject *a, PyObject *b, PyObject *mod)
{
    if (mod != Py_None)
        Py_RETURN_NOTIMPLEMENTED;
    return inplace_slot(a, b, SG_BINARY_POW, "**=");
}

/* The operators, each the Array API's elementwise function of its name. */
#define BINARY_SLOT(name, op)                                                \
    static PyObject *name(PyObject *a, PyObject *b)                          \
    {                                                                        \
        return binary_slot(a, b, op);                                        \
    }
BINARY_SLOT(tensor_add, SG_BINARY_ADD)
BINARY_SLOT(tensor_sub, SG_BINARY_SUBTRACT)
BINARY_SLOT(tensor_mul, SG_BINARY_MULTIPLY)
BINARY_SLOT(tensor_truediv, SG_BINARY_DIVIDE)
BINARY_SLOT(tensor_floordiv, SG_BINARY_FLOOR_DIVIDE)
BINARY_SLOT(tensor_mod, SG_BINARY_REMAINDER)
BINARY_SLOT(tensor_and, SG_BINARY_BITWISE_AND)
BINARY_SLOT(tensor_or, SG_BINARY_BITWISE_OR)
BINARY_SLOT(tensor_xor, SG_BINARY_BITWISE_XOR)
BINARY_SLOT(tensor_lshift, SG_BINARY_BITWISE_LEFT_SHIFT)
BINARY_SLOT(tensor_rshift, SG_BINARY_BITWISE_RIGHT_SHIFT)
#undef BINARY_SLOT

static PyObject *
tensor_pow(PyObject *a, PyObject *b, PyObject *mod)
{
    if (mod != Py_None)
        Py_RETURN_NOTIMPLEMENTED;
    return binary_slot(a, b, SG_BINARY_POW);
}

static PyObject *
tensor_matmul(PyObject *a, PyObject *b)
{
    module_state *st = state_of_operands(a, b);
    if (st == NULL)
        return NULL;
    if (!is_convertible(st, a) || !is_convertible(st, b))
        Py_RETURN_NOTIMPLEMENTED;
    return product(st, sg_matmul, "matmul", a, b);
}

#define UNARY_SLOT(name, op)                                                 \
    static PyObject *name(PyObject *x)                                       \
    {                                                                        \
        module_state *st = state_of_type(Py_TYPE(x));                        \
        return st == NULL ? NULL : unary(st, op, x);                         \
    }
UNARY_SLOT(tensor_neg, SG_UNARY_NEGATIVE)
UNARY_SLOT(tensor_pos, SG_UNARY_POSITIVE)
UNARY_SLOT(tensor_abs, SG_UNARY_ABS)
UNARY_SLOT(tensor_invert, SG_UNARY_BITWISE_INVERT)
#undef UNARY_SLOT

/* == != < <= > >= give bool tensors; anything that does not convert to a
 * tensor compares by identity (NotImplemented). */
static PyObject *
tensor_richcompare(PyObject *self, PyObject *other, int op)
{
    static const sg_binary_op ops[] = {
        [Py_LT] = SG_BINARY_LESS, [Py_LE] = SG_BINARY_LESS_EQUAL,
        [Py_EQ] = SG_BINARY_EQUAL, [Py_NE] = SG_BINARY_NOT_EQUAL,
        [Py_GT] = SG_BINARY_GREATER, [Py_GE] = SG_BINARY_GREATER_EQUAL};
    return binary_slot(self, other, ops[op]);
}

/* Hashed by identity, as Python objects are by default: tensors are dict
 * keys (Theano's updates), whatever == computes. */
static Py_hash_t
tensor_hash(PyObject *self)
{
    return _Py_HashPointer(self);
}

static Py_ssize_t
tensor_length(PyObject *self)
{
    int64_t shape[MAX_NDIM];
    size_t ndim;
    if (get_shape(HANDLE(self), shape, &ndim) < 0)
        return -1;
    if (ndim == 0) {
        PyErr_SetString(PyExc_TypeError, "len() of a 0-d tensor");
        return -1;
    }
    if (shape[0] < 0) {
        PyErr_SetString(PyExc_TypeError,
                        "len() of a symbolic tensor whose first length is "
                        "not known yet");
        return -1;
    }
    return (Py_ssize_t)shape[0];
}

/* ---- buffer protocol */

static int
is_c_contiguous(const int64_t *shape, const int64_t *strides, size_t ndim)
{
    int64_t step = 1;
    for (size_t i = ndim; i-- > 0;) {
        if (shape[i] == 0)
            return 1;
        if (shape[i] != 1 && strides[i] != step)
            return 0;
        step *= shape[i];
    }
    return 1;
}

static int
is_f_contiguous(const int64_t *shape, const int64_t *strides, size_t ndim)
{
    int64_t step = 1;
    for (size_t i = 0; i < ndim; i++) {
        if (shape[i] == 0)
            return 1;
        if (shape[i] != 1 && strides[i] != step)
            return 0;
        step *= shape[i];
    }
    return 1;
}

/* Exports a read-only view of a tensor with a value (kind checked by the
 * caller), so numpy.asarray(t) shares its memory. */
static int
export_value(PyObject *self, Py_buffer *view, int flags)
{
    if ((flags & PyBUF_WRITABLE) == PyBUF_WRITABLE) {
        PyErr_SetString(PyExc_BufferError, "[buffer] tensors are read-only");
        return -1;
    }
    sg_dtype dtype;
    int64_t shape[MAX_NDIM], strides[MAX_NDIM];
    size_t ndim;
    const void *data = NULL;
    sg_status status;
    if (get_dtype(HANDLE(self), &dtype) < 0 ||
        check_element(dtype, "buffer") < 0 ||
        get_shape(HANDLE(self), shape, &ndim) < 0)
        return -1;
    if ((status = sg_tensor_strides(HANDLE(self), strides, MAX_NDIM)) != SG_OK ||
        (status = sg_tensor_data(HANDLE(self), &data)) != SG_OK)
        return fail(status);

    int c_order = is_c_contiguous(shape, strides, ndim);
    int f_order = is_f_contiguous(shape, strides, ndim);
    const char *problem = NULL;
    if ((flags & PyBUF_C_CONTIGUOUS) == PyBUF_C_CONTIGUOUS && !c_order)
        problem = "is not C-contiguous";
    else if ((flags & PyBUF_F_CONTIGUOUS) == PyBUF_F_CONTIGUOUS && !f_order)
        problem = "is not Fortran-contiguous";
    else if ((flags & PyBUF_ANY_CONTIGUOUS) == PyBUF_ANY_CONTIGUOUS &&
             !c_order && !f_order)
        problem = "is not contiguous";
    else if ((flags & PyBUF_STRIDES) != PyBUF_STRIDES && !c_order)
        problem = "is not C-contiguous and strides were not requested";
    if (problem != NULL) {
        PyErr_Format(PyExc_BufferError, "[buffer] the tensor %s", problem);
        return -1;
    }

    Py_ssize_t itemsize = (Py_ssize_t)sg_dtype_itemsize(dtype);
    Py_ssize_t count = 1;
    for (size_t i = 0; i < ndim; i++)
        count *= (Py_ssize_t)shape[i];
    Py_ssize_t *dims = NULL;
    if (ndim > 0) {
        /* shape then strides; freed in tensor_releasebuffer */
        dims = PyMem_New(Py_ssize_t, 2 * ndim);
        if (dims == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        for (size_t i = 0; i < ndim; i++) {
            dims[i] = (Py_ssize_t)shape[i];
            dims[ndim + i] = (Py_ssize_t)strides[i] * itemsize;
        }
    }
    static char empty; /* a valid address for zero-size tensors */
    view->buf = data != NULL ? (void *)data : (void *)&empty;
    view->obj = Py_NewRef(self);
    view->len = count * itemsize;
    view->itemsize = itemsize;
    view->readonly = 1;
    view->format = (flags & PyBUF_FORMAT) == PyBUF_FORMAT
                       ? (char *)elements[dtype].format
                       : NULL;
    if ((flags & PyBUF_ND) == PyBUF_ND) {
        view->ndim = (int)ndim;
        view->shape = dims;
    }
    else {
        view->ndim = 1; /* the consumer sees bytes */
        view->shape = NULL;
    }
    view->strides =
        (flags & PyBUF_STRIDES) == PyBUF_STRIDES && dims ? dims + ndim : NULL;
    view->suboffsets = NULL;
    view->internal = dims;
    return 0;
}

/* A shared variable exports a snapshot of its current value, which the view
 * keeps alive: the variable itself may change while the view exists. */
static int
tensor_getbuffer(PyObject *self, Py_buffer *view, int flags)
{
    view->obj = NULL;
    module_state *st = state_of_type(Py_TYPE(self));
    if (st == NULL)
        return -1;
    PyObject *value = value_of(st, self, "buffer");
    if (value == NULL)
        return -1;
    int rc = export_value(value, view, flags);
    Py_DECREF(value); /* the view holds its own reference */
    return rc;
}

static void
tensor_releasebuffer(PyObject *self, Py_buffer *view)
{
    PyMem_Free(view->internal);
}

static PyMemberDef tensor_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(TensorObject, weakrefs),
     READONLY},
    {NULL}};

static PyType_Slot tensor_slots[] = {
    {Py_tp_doc,
     "_Tensor(data, dtype=-1)\n--\n\n"
     "The C base of swiftgrad.Tensor: one swiftgrad tensor handle."},
    {Py_tp_new, tensor_new},
    {Py_tp_dealloc, tensor_dealloc},
    {Py_tp_getset, tensor_getset},
    {Py_tp_methods, tensor_methods},
    {Py_tp_members, tensor_members},
    {Py_tp_richcompare, tensor_richcompare},
    {Py_tp_hash, tensor_hash},
    {Py_nb_add, tensor_add},
    {Py_nb_subtract, tensor_sub},
    {Py_nb_multiply, tensor_mul},
    {Py_nb_true_divide, tensor_truediv},
    {Py_nb_floor_divide, tensor_floordiv},
    {Py_nb_remainder, tensor_mod},
    {Py_nb_power, tensor_pow},
    {Py_nb_matrix_multiply, tensor_matmul},
    {Py_nb_and, tensor_and},
    {Py_nb_or, tensor_or},
    {Py_nb_xor, tensor_xor},
    {Py_nb_lshift, tensor_lshift},
    {Py_nb_rshift, tensor_rshift},
    {Py_nb_inplace_add, tensor_iadd},
    {Py_nb_inplace_subtract, tensor_isub},
    {Py_nb_inplace_multiply, tensor_imul},
    {Py_nb_inplace_true_divide, tensor_itruediv},
    {Py_nb_inplace_floor_divide, tensor_ifloordiv},
    {Py_nb_inplace_remainder, tensor_imod},
    {Py_nb_inplace_power, tensor_ipow},
    {Py_nb_inplace_and, tensor_iand},
    {Py_nb_inplace_or, tensor_ior},
    {Py_nb_inplace_xor, tensor_ixor},
    {Py_nb_inplace_lshift, tensor_ilshift},
    {Py_nb_inplace_rshift, tensor_irshift},
    {Py_nb_negative, tensor_neg},
    {Py_nb_positive, tensor_pos},
    {Py_nb_absolute, tensor_abs},
    {Py_nb_invert, tensor_invert},
    {Py_nb_float, tensor_float},
    {Py_nb_int, tensor_int},
    {Py_nb_index, tensor_index},
    {Py_nb_bool, tensor_bool},
    {Py_mp_length, tensor_length},
    {Py_mp_subscript, tensor_getitem},       /* views and indexing */
    {Py_mp_ass_subscript, tensor_setitem},   /* views and indexing */
    {Py_bf_getbuffer, tensor_getbuffer},
    {Py_bf_releasebuffer, tensor_releasebuffer},
    {0, NULL}};

static PyType_Spec tensor_spec = {
    .name = "swiftgrad._swiftgrad._Tensor",
    .basicsize = sizeof(TensorObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE |
             Py_TPFLAGS_IMMUTABLETYPE,
    .slots = tensor_slots,
};
/* ======================================================== Function type */

typedef struct {
    PyObject_HEAD
    sg_function *handle;
    size_t ninputs, noutputs;
    sg_dtype *input_dtypes; /* the placeholders', to convert arguments */
    int unpack;             /* return the single output, not a list */
    vectorcallfunc vectorcall;
} FunctionObject;

static void
function_dealloc(PyObject *self)
{
    FunctionObject *fn = (FunctionObject *)self;
    PyTypeObject *tp = Py_TYPE(self);
    sg_function_free(fn->handle);
    PyMem_Free(fn->input_dtypes);
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* "input 0 ('x')", for error messages. */
static void
describe_input(const FunctionObject *fn, size_t i, char *buf, size_t cap)
{
    sg_tensor *placeholder = NULL;
    const char *name = NULL;
    if (sg_function_input(fn->handle, i, &placeholder) == SG_OK &&
        sg_tensor_name(placeholder, &name) == SG_OK && name != NULL)
        snprintf(buf, cap, "input %zu ('%.100s')", i, name);
    else
        snprintf(buf, cap, "input %zu", i);
    sg_tensor_free(placeholder);
}

/* Wraps results[0 … n-1]; on failure frees those not yet wrapped. */
static PyObject *
wrap_results(module_state *st, sg_tensor **results, size_t n, int unpack)
{
    if (unpack)
        return wrap_tensor(st, results[0]);
    PyObject *list = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; i < n; i++) {
        PyObject *t = list != NULL ? wrap_tensor(st, results[i]) : NULL;
        if (t == NULL) {
            /* wrap_tensor freed results[i] itself */
            for (size_t j = list != NULL ? i + 1 : i; j < n; j++)
                sg_tensor_free(results[j]);
            Py_XDECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, t);
    }
    return list;
}

static PyObject *
function_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf,
                    PyObject *kwnames)
{
    FunctionObject *fn = (FunctionObject *)self;
    size_t nargs = (size_t)PyVectorcall_NARGS(nargsf);
    if (kwnames != NULL && PyTuple_GET_SIZE(kwnames) > 0) {
        PyErr_SetString(PyExc_TypeError,
                        "[function] takes positional arguments only");
        return NULL;
    }
    if (nargs != fn->ninputs) {
        PyErr_Format(PyExc_TypeError,
                     "[function] expected %zu argument%s, got %zu",
                     fn->ninputs, fn->ninputs == 1 ? "" : "s", nargs);
        return NULL;
    }
    module_state *st = PyType_GetModuleState(Py_TYPE(self));
    if (st == NULL)
        return NULL;

    /* Small calls (the common case) need no allocation. */
    enum { SMALL = 8 };
    PyObject *small_args[SMALL];
    const sg_tensor *small_handles[SMALL];
    sg_tensor *small_results[SMALL];
    PyObject **targs = small_args;
    const sg_tensor **handles = small_handles;
    sg_tensor **results = small_results;
    PyObject *ret = NULL;
    size_t converted = 0;
    if (nargs > SMALL) {
        targs = PyMem_New(PyObject *, nargs);
        handles = PyMem_New(const sg_tensor *, nargs);
    }
    if (fn->noutputs > SMALL)
        results = PyMem_New(sg_tensor *, fn->noutputs);
    if (targs == NULL || handles == NULL || results == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (; converted < nargs; converted++) {
        sg_dtype want = fn->input_dtypes[converted];
        const char *lossy;
        PyObject *t = to_tensor_exact(st, args[converted], want, "function",
                                      &lossy);
        if (t == NULL) {
            if (lossy != NULL) {
                char what[160];
                describe_input(fn, converted, what, sizeof what);
                raise_lossy("function", what, want, lossy);
            }
            goto done;
        }
        targs[converted] = t;
        handles[converted] = HANDLE(t);
    }

    sg_status status;
    Py_BEGIN_ALLOW_THREADS
    status = sg_function_call(fn->handle, handles, nargs, results,
                              fn->noutputs);
    Py_END_ALLOW_THREADS
    if (status != SG_OK)
        raise_status(status);
    else
        ret = wrap_results(st, results, fn->noutputs, fn->unpack);

done:
    for (size_t i = 0; i < converted; i++)
        Py_DECREF(targs[i]);
    if (targs != small_args)
        PyMem_Free(targs);
    if (handles != small_handles)
        PyMem_Free((void *)handles);
    if (results != small_results)
        PyMem_Free(results);
    return ret;
}

static PyObject *
function_get_num_inputs(PyObject *self, void *closure)
{
    return PyLong_FromSize_t(((FunctionObject *)self)->ninputs);
}

static PyObject *
function_get_num_outputs(PyObject *self, void *closure)
{
    return PyLong_FromSize_t(((FunctionObject *)self)->noutputs);
}

static PyGetSetDef function_getset[] = {
    {"num_inputs", function_get_num_inputs, NULL, "Number of inputs.", NULL},
    {"num_outputs", function_get_num_outputs, NULL, "Number of outputs.",
     NULL},
    {NULL}};

static PyMemberDef function_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(FunctionObject, vectorcall),
     READONLY},
    {NULL}};

static PyType_Slot function_slots[] = {
    {Py_tp_doc,
     "A compiled swiftgrad function (Theano's theano.function); made by "
     "swiftgrad.function(inputs, outputs, updates)."},
    {Py_tp_dealloc, function_dealloc},
    {Py_tp_call, PyVectorcall_Call},
    {Py_tp_getset, function_getset},
    {Py_tp_members, function_members},
    {0, NULL}};

static PyType_Spec function_spec = {
    .name = "swiftgrad._swiftgrad.Function",
    .basicsize = sizeof(FunctionObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE |
             Py_TPFLAGS_DISALLOW_INSTANTIATION | Py_TPFLAGS_HAVE_VECTORCALL,
    .slots = function_slots,
};

/* ===================================================== module functions */

static int
check_nargs(const char *name, Py_ssize_t nargs, Py_ssize_t expected)
{
    if (nargs == expected)
        return 0;
    PyErr_Format(PyExc_TypeError, "%s() takes %zd arguments (%zd given)", name,
                 expected, nargs);
    return -1;
}

/* An enum argument (an op or dtype code) from the Python layer. */
static int
parse_int(PyObject *obj, int *out, const char *op)
{
    int64_t v;
    if (as_int64(obj, &v, op, "code") < 0)
        return -1;
    if (v < INT_MIN || v > INT_MAX) {
        PyErr_Format(PyExc_ValueError, "[%s] code %lld is out of range", op,
                     (long long)v);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* A dtype code argument, checked. */
static int
parse_dtype(PyObject *obj, sg_dtype *out, const char *op)
{
    int code;
    if (parse_int(obj, &code, op) < 0 || check_dtype_code(code, 0) < 0)
        return -1;
    *out = (sg_dtype)code;
    return 0;
}

static PyObject *
require_tensor(module_state *st, PyObject *obj, const char *op,
               const char *what)
{
    if (is_tensor(st, obj))
        return obj;
    PyErr_Format(PyExc_TypeError, "[%s] %s must be a Tensor, not %.100s", op,
                 what, Py_TYPE(obj)->tp_name);
    return NULL;
}

/* _set_tensor_class(cls): the class of every tensor made from now on. */
static PyObject *
m_set_tensor_class(PyObject *module, PyObject *cls)
{
    module_state *st = get_state(module);
    if (!PyType_Check(cls) ||
        !PyType_IsSubtype((PyTypeObject *)cls, st->tensor_base)) {
        PyErr_SetString(PyExc_TypeError,
                        "_set_tensor_class() needs a subclass of _Tensor");
        return NULL;
    }
    Py_SETREF(st->tensor_class, (PyTypeObject *)Py_NewRef(cls));
    Py_RETURN_NONE;
}

/* ---- dtypes, read from the core */

/* dtypes() -> ((code, name, itemsize, kind), ...) for every dtype. */
static PyObject *
m_dtypes(PyObject *module, PyObject *unused)
{
    PyObject *list = PyList_New(0);
    for (int code = 0; list != NULL && code < SG_DTYPE_COUNT; code++) {
        const char *name = sg_dtype_name((sg_dtype)code);
        sg_dtype_kind kind;
        if (name == NULL || elements[code].box == NULL ||
            sg_dtype_kind_of((sg_dtype)code, &kind) != SG_OK)
            continue;
        PyObject *row = Py_BuildValue("(isni)", code, name,
                                      (Py_ssize_t)sg_dtype_itemsize((sg_dtype)code),
                                      (int)kind);
        if (row == NULL || PyList_Append(list, row) < 0)
            Py_CLEAR(list);
        Py_XDECREF(row);
    }
    if (list == NULL)
        return NULL;
    Py_SETREF(list, PyList_AsTuple(list));
    return list;
}

/* promote_types(a, b) -> code, by the Array API's table (TypeError where
 * it has no entry). */
static PyObject *
m_promote_types(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    sg_dtype a, b, out;
    if (check_nargs("promote_types", nargs, 2) < 0 ||
        parse_dtype(args[0], &a, "result_type") < 0 ||
        parse_dtype(args[1], &b, "result_type") < 0)
        return NULL;
    sg_status status = sg_dtype_promote(a, b, &out);
    return status == SG_OK ? PyLong_FromLong((long)out) : raise_status(status);
}

/* promote_scalar(code, kind) -> code: a dtype combined with a Python
 * number of sg_dtype_kind `kind`. */
static PyObject *
m_promote_scalar(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    sg_dtype dtype;
    int kind;
    if (check_nargs("promote_scalar", nargs, 2) < 0 ||
        parse_dtype(args[0], &dtype, "result_type") < 0 ||
        parse_int(args[1], &kind, "result_type") < 0)
        return NULL;
    if (kind < SG_DTYPE_KIND_BOOL || kind > SG_DTYPE_KIND_COMPLEX_FLOATING) {
        PyErr_Format(PyExc_ValueError, "unknown dtype kind %d", kind);
        return NULL;
    }
    return PyLong_FromLong((long)promoted_with_scalar(dtype, (sg_dtype_kind)kind));
}

static PyObject *
m_can_cast(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    sg_dtype from, to;
    bool out;
    if (check_nargs("can_cast", nargs, 2) < 0 ||
        parse_dtype(args[0], &from, "can_cast") < 0 ||
        parse_dtype(args[1], &to, "can_cast") < 0)
        return NULL;
    sg_status status = sg_dtype_can_cast(from, to, &out);
    return status == SG_OK ? PyBool_FromLong(out) : raise_status(status);
}

/* finfo(code) -> (bits, eps, max, min, smallest_normal) */
static PyObject *
m_finfo(PyObject *module, PyObject *code)
{
    sg_dtype dtype;
    sg_finfo info;
    if (parse_dtype(code, &dtype, "finfo") < 0)
        return NULL;
    sg_status status = sg_dtype_finfo(dtype, &info);
    if (status != SG_OK)
        return raise_status(status);
    return Py_BuildValue("(idddd)", info.bits, info.eps, info.max, info.min,
                         info.smallest_normal);
}

/* iinfo(code) -> (bits, min, max) */
static PyObject *
m_iinfo(PyObject *module, PyObject *code)
{
    sg_dtype dtype;
    sg_iinfo info;
    if (parse_dtype(code, &dtype, "iinfo") < 0)
        return NULL;
    sg_status status = sg_dtype_iinfo(dtype, &info);
    if (status != SG_OK)
        return raise_status(status);
    return Py_BuildValue("(iLK)", info.bits, (long long)info.min,
                         (unsigned long long)info.max);
}

/* ---- operations */

static PyObject *
op_names(const char *(*name_of)(int))
{
    PyObject *list = PyList_New(0);
    for (int i = 0; list != NULL; i++) {
        const char *name = name_of(i);
        if (name == NULL)
            break;
        PyObject *text = PyUnicode_FromString(name);
        if (text == NULL || PyList_Append(list, text) < 0)
            Py_CLEAR(list);
        Py_XDECREF(text);
    }
    if (list == NULL)
        return NULL;
    Py_SETREF(list, PyList_AsTuple(list));
    return list;
}

static const char *unary_name(int i) { return sg_unary_op_name((sg_unary_op)i); }
static const char *binary_name(int i) { return sg_binary_op_name((sg_binary_op)i); }

/* unary_op_names() -> the names of the unary operations, by number. */
static PyObject *
m_unary_op_names(PyObject *module, PyObject *unused)
{
    return op_names(unary_name);
}

static PyObject *
m_binary_op_names(PyObject *module, PyObject *unused)
{
    return op_names(binary_name);
}

/* asarray(obj, dtype=-1) */
static PyObject *
m_asarray(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int dtype = DTYPE_ANY, copy = COPY_IF_NEEDED;
    if (nargs < 1 || nargs > 3) {
        PyErr_Format(PyExc_TypeError,
                     "asarray() takes 1 to 3 arguments (%zd given)", nargs);
        return NULL;
    }
    if (nargs >= 2 && (parse_int(args[1], &dtype, "asarray") < 0 ||
                       check_dtype_code(dtype, 1) < 0))
        return NULL;
    if (nargs == 3 && parse_int(args[2], &copy, "asarray") < 0)
        return NULL;
    return to_tensor_copying(get_state(module), args[0], DTYPE_ANY, dtype,
                             copy, "asarray");
}

/* unary(op, x) */
static PyObject *
m_unary(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int op;
    if (check_nargs("unary", nargs, 2) < 0 || parse_int(args[0], &op, "unary") < 0)
        return NULL;
    return unary(get_state(module), (sg_unary_op)op, args[1]);
}

/* binary(op, a, b) */
static PyObject *
m_binary(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int op;
    if (check_nargs("binary", nargs, 3) < 0 || parse_int(args[0], &op, "binary") < 0)
        return NULL;
    return binary(get_state(module), (sg_binary_op)op, args[1], args[2]);
}

/* clip(x, min, max): None for no bound; numbers take x's dtype. */
static PyObject *
m_clip(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("clip", nargs, 3) < 0)
        return NULL;
    module_state *st = get_state(module);
    PyObject *x = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY, "clip");
    sg_dtype dtype;
    if (x == NULL || get_dtype(HANDLE(x), &dtype) < 0) {
        Py_XDECREF(x);
        return NULL;
    }
    PyObject *bounds[2] = {NULL, NULL};
    PyObject *ret = NULL;
    for (int i = 0; i < 2; i++) {
        if (args[i + 1] != Py_None &&
            (bounds[i] = to_tensor(st, args[i + 1], (int)dtype, DTYPE_ANY,
                                   "clip")) == NULL)
            goto done;
    }
    sg_tensor *out = NULL;
    sg_status status = sg_clip(HANDLE(x), bounds[0] ? HANDLE(bounds[0]) : NULL,
                               bounds[1] ? HANDLE(bounds[1]) : NULL, &out);
    ret = tensor_result(st, status, out);
done:
    Py_DECREF(x);
    Py_XDECREF(bounds[0]);
    Py_XDECREF(bounds[1]);
    return ret;
}

static PyObject *
m_matmul(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("matmul", nargs, 2) < 0)
        return NULL;
    return product(get_state(module), sg_matmul, "matmul", args[0], args[1]);
}

static PyObject *
m_dot(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("dot", nargs, 2) < 0)
        return NULL;
    return product(get_state(module), sg_dot, "dot", args[0], args[1]);
}

typedef sg_status (*reduce_fn)(const sg_tensor *, const int64_t *, size_t,
                               bool, sg_tensor **);

static PyObject *
reduce(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
       reduce_fn fn, const char *name)
{
    if (check_nargs(name, nargs, 3) < 0)
        return NULL;
    module_state *st = get_state(module);
    int64_t axes[MAX_NDIM];
    Py_ssize_t naxes = parse_axes(args[1], axes, name);
    int keepdims = PyObject_IsTrue(args[2]);
    if (naxes == -2 || keepdims < 0)
        return NULL;
    PyObject *x = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY, name);
    if (x == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = fn(HANDLE(x), naxes < 0 ? NULL : axes,
                          naxes < 0 ? 0 : (size_t)naxes, keepdims != 0, &out);
    Py_DECREF(x);
    return tensor_result(st, status, out);
}

/* sum(x, axis, keepdims) */
static PyObject *
m_sum(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    return reduce(module, args, nargs, sg_sum, "sum");
}

/* mean(x, axis, keepdims) */
static PyObject *
m_mean(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    return reduce(module, args, nargs, sg_mean, "mean");
}

/* permute_dims(x, axes) */
static PyObject *
m_permute_dims(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("permute_dims", nargs, 2) < 0)
        return NULL;
    module_state *st = get_state(module);
    int64_t axes[MAX_NDIM];
    Py_ssize_t naxes = parse_axes(args[1], axes, "permute_dims");
    if (naxes == -2)
        return NULL;
    if (naxes == -1) {
        PyErr_SetString(PyExc_TypeError,
                        "[permute_dims] axes must be a tuple of ints");
        return NULL;
    }
    PyObject *x = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY, "permute_dims");
    if (x == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = sg_permute_dims(HANDLE(x), axes, (size_t)naxes, &out);
    Py_DECREF(x);
    return tensor_result(st, status, out);
}

/* astype(x, dtype) */
static PyObject *
m_astype(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    sg_dtype dtype;
    if (check_nargs("astype", nargs, 2) < 0 ||
        parse_dtype(args[1], &dtype, "astype") < 0)
        return NULL;
    module_state *st = get_state(module);
    PyObject *x = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY, "astype");
    if (x == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = sg_astype(HANDLE(x), dtype, &out);
    Py_DECREF(x);
    return tensor_result(st, status, out);
}

/* _tolist(t, edgeitems): nested lists of the values; axes longer than
 * 2 * edgeitems keep only their first and last edgeitems (for printing). */
static PyObject *
m_tolist(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int64_t edgeitems;
    if (check_nargs("_tolist", nargs, 2) < 0 ||
        as_int64(args[1], &edgeitems, "tolist", "edgeitems") < 0)
        return NULL;
    module_state *st = get_state(module);
    if (require_tensor(st, args[0], "tolist", "the argument") == NULL)
        return NULL;
    return tolist(st, args[0], edgeitems < 0 ? -1 : (Py_ssize_t)edgeitems);
}

/* grad(cost, wrt, flags=0) -> list, for a sequence wrt; flags are
 * sg_gradients' */
static PyObject *
m_grad(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    unsigned flags = 0;
    if (nargs == 3) {
        int f;
        if (parse_int(args[2], &f, "grad") < 0)
            return NULL;
        flags = (unsigned)f;
        nargs = 2;
    }
    if (check_nargs("grad", nargs, 2) < 0)
        return NULL;
    module_state *st = get_state(module);
    if (require_tensor(st, args[0], "grad", "cost") == NULL)
        return NULL;
    PyObject *seq = PySequence_Fast(args[1], "[grad] wrt must be a sequence");
    if (seq == NULL)
        return NULL;
    size_t n = (size_t)PySequence_Fast_GET_SIZE(seq);
    const sg_tensor **wrt = PyMem_New(const sg_tensor *, n + 1);
    sg_tensor **grads = PyMem_New(sg_tensor *, n + 1);
    PyObject *ret = NULL;
    if (wrt == NULL || grads == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, (Py_ssize_t)i);
        if (require_tensor(st, item, "grad", "each of wrt") == NULL)
            goto done;
        wrt[i] = HANDLE(item);
    }
    sg_status status = sg_gradients(HANDLE(args[0]), wrt, n, flags, grads);
    if (status != SG_OK)
        raise_status(status);
    else
        ret = wrap_results(st, grads, n, 0);
done:
    PyMem_Free((void *)wrt);
    PyMem_Free(grads);
    Py_DECREF(seq);
    return ret;
}

/* The handles of a sequence of tensors, borrowed into a PyMem array with
 * at least one slot (so an empty sequence still gives a valid pointer);
 * NULL with an exception set on failure. */
static const sg_tensor **
tensor_array(module_state *st, PyObject *seq, const char *op, const char *what)
{
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    const sg_tensor **out = PyMem_New(const sg_tensor *, (size_t)n + 1);
    if (out == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        if (require_tensor(st, item, op, what) == NULL) {
            PyMem_Free((void *)out);
            return NULL;
        }
        out[i] = HANDLE(item);
    }
    return out;
}

/* The products of both modes, over three sequences of tensors: forward
 * jvp(outputs, inputs, tangents) -> sg_jvp, one result per output; reverse
 * vjp(outputs, cotangents, wrt, flags) -> sg_vjp, one result per wrt. */
static PyObject *
products(PyObject *module, PyObject *const *args, Py_ssize_t nargs, int reverse)
{
    const char *name = reverse ? "vjp" : "jvp";
    if (check_nargs(name, nargs, reverse ? 4 : 3) < 0)
        return NULL;
    unsigned long flags = 0;
    if (reverse && (flags = PyLong_AsUnsignedLong(args[3])) == (unsigned long)-1 && PyErr_Occurred())
        return NULL;
    module_state *st = get_state(module);
    PyObject *seqs[3] = {NULL, NULL, NULL}, *ret = NULL;
    const sg_tensor **arrays[3] = {NULL, NULL, NULL};
    static const char *what[2][3] = {{"each output", "each input", "each tangent"},
                                     {"each output", "each cotangent", "each wrt"}};
    sg_tensor **results = NULL;
    for (int k = 0; k < 3; k++) {
        seqs[k] = PySequence_Fast(args[k], reverse ? "[vjp] outputs, cotangents and wrt must be sequences"
                                                   : "[jvp] outputs, inputs and tangents must be sequences");
        if (seqs[k] == NULL || (arrays[k] = tensor_array(st, seqs[k], name, what[reverse][k])) == NULL)
            goto done;
    }
    size_t n[3];
    for (int k = 0; k < 3; k++)
        n[k] = (size_t)PySequence_Fast_GET_SIZE(seqs[k]);
    /* Forward pairs inputs with tangents, reverse outputs with cotangents. */
    if (n[reverse ? 0 : 1] != n[reverse ? 1 : 2]) {
        PyErr_Format(PyExc_ValueError, reverse ? "[vjp] %zu outputs but %zu cotangents"
                                               : "[jvp] %zu inputs but %zu tangents",
                     n[reverse ? 0 : 1], n[reverse ? 1 : 2]);
        goto done;
    }
    size_t nresults = reverse ? n[2] : n[0];
    results = PyMem_New(sg_tensor *, nresults + 1);
    if (results == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    sg_status status = reverse ? sg_vjp(arrays[0], arrays[1], n[0], arrays[2], n[2], (unsigned)flags, results)
                               : sg_jvp(arrays[0], n[0], arrays[1], arrays[2], n[1], results);
    if (status != SG_OK)
        raise_status(status);
    else
        ret = wrap_results(st, results, nresults, 0);
done:
    for (int k = 0; k < 3; k++) {
        PyMem_Free((void *)arrays[k]);
        Py_XDECREF(seqs[k]);
    }
    PyMem_Free(results);
    return ret;
}

static PyObject *
m_jvp(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    return products(module, args, nargs, 0);
}

static PyObject *
m_vjp(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    return products(module, args, nargs, 1);
}


/* scan(sequences, slices, initial_states, states, outputs, stacked, n_steps,
 * truncate_gradient) -> list: sg_scan */
static PyObject *
m_scan(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("scan", nargs, 8) < 0)
        return NULL;
    module_state *st = get_state(module);
    enum { NSEQ = 6 };
    PyObject *seqs[NSEQ] = {NULL}, *ret = NULL;
    const sg_tensor **arrays[5] = {NULL};
    static const char *what[5] = {"each sequence", "each sequence slice", "each initial state",
                                  "each state", "each output"};
    bool *stacked = NULL;
    sg_tensor **results = NULL;
    for (int k = 0; k < NSEQ; k++) {
        seqs[k] = PySequence_Fast(args[k], "[scan] the loop's parts must be sequences");
        if (seqs[k] == NULL || (k < 5 && (arrays[k] = tensor_array(st, seqs[k], "scan", what[k])) == NULL))
            goto done;
    }
    Py_ssize_t nseq = PySequence_Fast_GET_SIZE(seqs[0]), nstate = PySequence_Fast_GET_SIZE(seqs[2]);
    Py_ssize_t nout = PySequence_Fast_GET_SIZE(seqs[4]);
    if (PySequence_Fast_GET_SIZE(seqs[1]) != nseq || PySequence_Fast_GET_SIZE(seqs[3]) != nstate
        || PySequence_Fast_GET_SIZE(seqs[5]) != nout) {
        PyErr_SetString(PyExc_ValueError, "[scan] sequences and slices, initial states and states, "
                        "outputs and stacked must pair up");
        goto done;
    }
    const sg_tensor *n_steps = NULL;
    if (args[6] != Py_None) {
        if (require_tensor(st, args[6], "scan", "n_steps") == NULL)
            goto done;
        n_steps = HANDLE(args[6]);
    }
    long long truncate = PyLong_AsLongLong(args[7]);
    if (truncate == -1 && PyErr_Occurred())
        goto done;
    stacked = PyMem_New(bool, (size_t)nout + 1);
    results = PyMem_New(sg_tensor *, (size_t)nout + 1);
    if (stacked == NULL || results == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < nout; i++) {
        int flag = PyObject_IsTrue(PySequence_Fast_GET_ITEM(seqs[5], i));
        if (flag < 0)
            goto done;
        stacked[i] = flag;
    }
    sg_status status;
    Py_BEGIN_ALLOW_THREADS
    status = sg_scan(arrays[0], arrays[1], (size_t)nseq, arrays[2], arrays[3], (size_t)nstate,
                     arrays[4], stacked, (size_t)nout, n_steps, truncate, results);
    Py_END_ALLOW_THREADS
    if (status != SG_OK)
        raise_status(status);
    else
        ret = wrap_results(st, results, (size_t)nout, 0);
done:
    for (int k = 0; k < NSEQ; k++) {
        if (k < 5)
            PyMem_Free((void *)arrays[k]);
        Py_XDECREF(seqs[k]);
    }
    PyMem_Free(stacked);
    PyMem_Free(results);
    return ret;
}

/* A name argument: None (NULL) or a str. */
static int
parse_name(PyObject *obj, const char **out, const char *op)
{
    *out = NULL;
    if (obj == Py_None)
        return 0;
    if (!PyUnicode_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "[%s] name must be a str or None, not %.100s",
                     op, Py_TYPE(obj)->tp_name);
        return -1;
    }
    *out = PyUnicode_AsUTF8(obj);
    return *out == NULL ? -1 : 0;
}

/* placeholder(dtype, shape, name): None in shape leaves a length open. */
static PyObject *
m_placeholder(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    sg_dtype dtype;
    if (check_nargs("placeholder", nargs, 3) < 0 ||
        parse_dtype(args[0], &dtype, "placeholder") < 0)
        return NULL;
    PyObject *seq = PySequence_Fast(args[1], "[placeholder] shape must be a sequence");
    if (seq == NULL)
        return NULL;
    Py_ssize_t ndim = PySequence_Fast_GET_SIZE(seq);
    int64_t shape[MAX_NDIM];
    if (ndim > MAX_NDIM) {
        Py_DECREF(seq);
        PyErr_Format(PyExc_ValueError, "[placeholder] more than %d dimensions",
                     MAX_NDIM);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < ndim; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        if (item == Py_None)
            shape[i] = -1;
        else if (as_int64(item, &shape[i], "placeholder", "a length") < 0) {
            Py_DECREF(seq);
            return NULL;
        }
    }
    Py_DECREF(seq);
    const char *name;
    if (parse_name(args[2], &name, "placeholder") < 0)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = sg_tensor_new_placeholder(dtype, shape, (size_t)ndim,
                                                 name, &out);
    return tensor_result(get_state(module), status, out);
}

/* shared(value, name, dtype) */
static PyObject *
m_shared(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int dtype;
    if (check_nargs("shared", nargs, 3) < 0 ||
        parse_int(args[2], &dtype, "shared") < 0 || check_dtype_code(dtype, 1) < 0)
        return NULL;
    module_state *st = get_state(module);
    const char *name;
    if (parse_name(args[1], &name, "shared") < 0)
        return NULL;
    PyObject *value = to_tensor(st, args[0], DTYPE_ANY, dtype, "shared");
    if (value == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = sg_tensor_new_shared(HANDLE(value), name, &out);
    Py_DECREF(value);
    return tensor_result(st, status, out);
}
/* function(inputs, outputs, update_vars, update_values, unpack
 *          [, given_vars, given_values[, flags]]) */
static PyObject *
m_function(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7 && nargs != 8 && check_nargs("function", nargs, 5) < 0)
        return NULL;
    module_state *st = get_state(module);
    int unpack = PyObject_IsTrue(args[4]);
    if (unpack < 0)
        return NULL;
    unsigned long flags = 0;
    if (nargs == 8 && (flags = PyLong_AsUnsignedLong(args[7])) == (unsigned long)-1 && PyErr_Occurred())
        return NULL;
    static const char *const what[] = {"each input", "each output",
                                       "each updated variable",
                                       "each update value", "each given variable",
                                       "each given value"};
    PyObject *seqs[6] = {NULL};
    const sg_tensor **handles[6] = {NULL};
    FunctionObject *fn = NULL;
    PyObject *ret = NULL;
    int nseqs = nargs >= 7 ? 6 : 4;
    for (int k = 0; k < nseqs; k++) {
        PyObject *arg = args[k < 4 ? k : k + 1];
        seqs[k] = PySequence_Fast(arg, "[function] expected a sequence");
        if (seqs[k] == NULL ||
            (handles[k] = tensor_array(st, seqs[k], "function", what[k])) == NULL)
            goto done;
    }
    size_t ninputs = (size_t)PySequence_Fast_GET_SIZE(seqs[0]);
    size_t noutputs = (size_t)PySequence_Fast_GET_SIZE(seqs[1]);
    size_t nupdates = (size_t)PySequence_Fast_GET_SIZE(seqs[2]);
    size_t ngivens = nseqs == 6 ? (size_t)PySequence_Fast_GET_SIZE(seqs[4]) : 0;
    if ((size_t)PySequence_Fast_GET_SIZE(seqs[3]) != nupdates) {
        PyErr_SetString(PyExc_ValueError,
                        "[function] update variables and values differ in "
                        "number");
        goto done;
    }
    if (nseqs == 6 && (size_t)PySequence_Fast_GET_SIZE(seqs[5]) != ngivens) {
        PyErr_SetString(PyExc_ValueError,
                        "[function] given variables and values differ in "
                        "number");
        goto done;
    }
    if (unpack && noutputs != 1) {
        PyErr_SetString(PyExc_ValueError,
                        "[function] unpack needs exactly one output");
        goto done;
    }

    fn = (FunctionObject *)st->function_type->tp_alloc(st->function_type, 0);
    if (fn == NULL)
        goto done;
    fn->vectorcall = function_vectorcall;
    fn->unpack = unpack;
    sg_status status = sg_function_new_v2(
        handles[0], ninputs, handles[1], noutputs, handles[2], handles[3],
        nupdates, ngivens ? handles[4] : NULL, ngivens ? handles[5] : NULL,
        ngivens, (unsigned)flags, &fn->handle);
    if (status != SG_OK) {
        raise_status(status);
        goto done;
    }
    if ((status = sg_function_num_inputs(fn->handle, &fn->ninputs)) != SG_OK ||
        (status = sg_function_num_outputs(fn->handle, &fn->noutputs)) !=
            SG_OK) {
        raise_status(status);
        goto done;
    }
    if (fn->noutputs == 0 && unpack) {
        PyErr_SetString(PyExc_RuntimeError, "[function] no output to return");
        goto done;
    }
    fn->input_dtypes = PyMem_New(sg_dtype, fn->ninputs + 1);
    if (fn->input_dtypes == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (size_t i = 0; i < fn->ninputs; i++) {
        sg_tensor *placeholder = NULL;
        status = sg_function_input(fn->handle, i, &placeholder);
        if (status == SG_OK)
            status = sg_tensor_dtype(placeholder, &fn->input_dtypes[i]);
        sg_tensor_free(placeholder);
        if (status != SG_OK) {
            raise_status(status);
            goto done;
        }
    }
    ret = Py_NewRef(fn);
done:
    Py_XDECREF(fn);
    for (int k = 0; k < 6; k++) {
        PyMem_Free((void *)handles[k]);
        Py_XDECREF(seqs[k]);
    }
    return ret;
}

/* _set_grad_enabled(flag) -> the previous setting (this thread's). */
static PyObject *
m_set_grad_enabled(PyObject *module, PyObject *flag)
{
    int enabled = PyObject_IsTrue(flag);
    if (enabled < 0)
        return NULL;
    bool previous;
    sg_status status = sg_autograd_set_enabled(enabled != 0, &previous);
    return status == SG_OK ? PyBool_FromLong(previous) : raise_status(status);
}

/* ============================================================= printing */

/* Text from sg_function_describe or sg_tensor_expression, which copy into
 * a buffer as snprintf does: a second call when the first was cut. */
static PyObject *
describe(PyObject *obj, int is_function)
{
    char small[2048], *text = small;
    size_t length = 0;
    for (size_t capacity = sizeof small;;) {
        sg_status status =
            is_function
                ? sg_function_describe(((FunctionObject *)obj)->handle, text,
                                       capacity, &length)
                : sg_tensor_expression(HANDLE(obj), text, capacity, &length);
        if (status != SG_OK) {
            if (text != small)
                PyMem_Free(text);
            return raise_status(status);
        }
        if (length < capacity)
            break;
        if (text != small)
            PyMem_Free(text);
        capacity = length + 1;
        if ((text = PyMem_Malloc(capacity)) == NULL)
            return PyErr_NoMemory();
    }
    PyObject *result = PyUnicode_DecodeUTF8(text, (Py_ssize_t)length, "replace");
    if (text != small)
        PyMem_Free(text);
    return result;
}

/* _op_name(tensor): the recorded operation's name, "" for none. */
static PyObject *
m_op_name(PyObject *module, PyObject *obj)
{
    if (!is_tensor(get_state(module), obj)) {
        PyErr_SetString(PyExc_TypeError, "[grad_fn] expected a tensor");
        return NULL;
    }
    char name[256];
    size_t length = 0;
    sg_status status = sg_tensor_op_name(HANDLE(obj), name, sizeof name, &length);
    if (status != SG_OK)
        return raise_status(status);
    return PyUnicode_DecodeUTF8(name, (Py_ssize_t)(length < sizeof name ? length : sizeof name - 1), "replace");
}

/* _describe(function or tensor): debugprint's program or pp's expression. */
static PyObject *
m_describe(PyObject *module, PyObject *obj)
{
    module_state *st = get_state(module);
    if (PyObject_TypeCheck(obj, st->function_type))
        return describe(obj, 1);
    if (is_tensor(st, obj))
        return describe(obj, 0);
    PyErr_Format(PyExc_TypeError,
                 "expected a swiftgrad Function or Tensor, got %.100s",
                 Py_TYPE(obj)->tp_name);
    return NULL;
}

/* =============================================================== DLPack */

/* The DLPack 1.x structures (dlpack.h), declared here by their published
 * layout: the extension includes nothing but swiftgrad.h and Python. */
typedef struct {
    uint32_t major, minor;
} dl_version;

typedef struct {
    int32_t device_type, device_id;
} dl_device;

typedef struct {
    uint8_t code, bits;
    uint16_t lanes;
} dl_dtype;

typedef struct {
    void *data;
    dl_device device;
    int32_t ndim;
    dl_dtype dtype;
    int64_t *shape, *strides; /* strides in elements; NULL: C order */
    uint64_t byte_offset;
} dl_tensor;

typedef struct dl_managed {
    dl_tensor tensor;
    void *manager_ctx;
    void (*deleter)(struct dl_managed *);
} dl_managed;

typedef struct dl_managed_versioned {
    dl_version version;
    void *manager_ctx;
    void (*deleter)(struct dl_managed_versioned *);
    uint64_t flags;
    dl_tensor tensor;
} dl_managed_versioned;

enum { DL_CPU = 1 };
enum { DL_INT = 0, DL_UINT = 1, DL_FLOAT = 2, DL_COMPLEX = 5, DL_BOOL = 6 };
#define DL_FLAG_READ_ONLY ((uint64_t)1)

/* What a capsule we made points at: the managed tensor first, then the
 * handle that keeps the storage alive and the shape and strides. */
typedef struct {
    union {
        dl_managed legacy;
        dl_managed_versioned versioned;
    } m;
    sg_tensor *handle;
    int64_t dims[2 * MAX_NDIM];
} dl_export;

/* Deleters may run on any thread, with or without the GIL: they only
 * call the C ABI and the raw allocator. */
static void
dl_free_export(dl_export *e)
{
    sg_tensor_free(e->handle);
    PyMem_RawFree(e);
}

static void
dl_delete_legacy(dl_managed *m)
{
    dl_free_export((dl_export *)m);
}

static void
dl_delete_versioned(dl_managed_versioned *m)
{
    dl_free_export((dl_export *)m);
}

/* An unconsumed capsule deletes its tensor when it goes. */
static void
dl_capsule_destructor(PyObject *capsule)
{
    if (PyCapsule_IsValid(capsule, "dltensor")) {
        dl_managed *m = PyCapsule_GetPointer(capsule, "dltensor");
        if (m->deleter != NULL)
            m->deleter(m);
    }
    else if (PyCapsule_IsValid(capsule, "dltensor_versioned")) {
        dl_managed_versioned *m =
            PyCapsule_GetPointer(capsule, "dltensor_versioned");
        if (m->deleter != NULL)
            m->deleter(m);
    }
}

static int
dl_dtype_of(sg_dtype dtype, dl_dtype *out)
{
    sg_dtype_kind kind;
    sg_status status = sg_dtype_kind_of(dtype, &kind);
    if (status != SG_OK)
        return fail(status);
    static const uint8_t codes[] = {
        [SG_DTYPE_KIND_BOOL] = DL_BOOL,
        [SG_DTYPE_KIND_SIGNED_INTEGER] = DL_INT,
        [SG_DTYPE_KIND_UNSIGNED_INTEGER] = DL_UINT,
        [SG_DTYPE_KIND_REAL_FLOATING] = DL_FLOAT,
        [SG_DTYPE_KIND_COMPLEX_FLOATING] = DL_COMPLEX,
    };
    out->code = codes[kind];
    out->bits = (uint8_t)(8 * sg_dtype_itemsize(dtype));
    out->lanes = 1;
    return 0;
}

/* The swiftgrad dtype of a DLPack one, or -1 with a BufferError. */
static int
dl_to_dtype(dl_dtype d)
{
    static const sg_dtype all[] = {
        SG_DTYPE_BOOL,    SG_DTYPE_INT8,      SG_DTYPE_INT16,
        SG_DTYPE_INT32,   SG_DTYPE_INT64,     SG_DTYPE_UINT8,
        SG_DTYPE_UINT16,  SG_DTYPE_UINT32,    SG_DTYPE_UINT64,
        SG_DTYPE_FLOAT32, SG_DTYPE_FLOAT64,   SG_DTYPE_COMPLEX64,
        SG_DTYPE_COMPLEX128};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        dl_dtype c;
        if (dl_dtype_of(all[i], &c) < 0)
            return -1;
        if (c.code == d.code && c.bits == d.bits && d.lanes == 1)
            return (int)all[i];
    }
    PyErr_Format(PyExc_BufferError,
                 "[from_dlpack] DLPack dtype (code %d, %d bits, %d lanes) "
                 "has no swiftgrad dtype",
                 (int)d.code, (int)d.bits, (int)d.lanes);
    return -1;
}

/* _to_dlpack(tensor, versioned): a capsule sharing the tensor's memory,
 * marked read-only when versioned (tensors are not written in place). */
static PyObject *
m_to_dlpack(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    module_state *st = get_state(module);
    if (check_nargs("_to_dlpack", nargs, 2) < 0)
        return NULL;
    if (!is_tensor(st, args[0])) {
        PyErr_SetString(PyExc_TypeError, "[__dlpack__] expected a tensor");
        return NULL;
    }
    int versioned = PyObject_IsTrue(args[1]);
    if (versioned < 0)
        return NULL;
    PyObject *value = value_of(st, args[0], "__dlpack__");
    if (value == NULL)
        return NULL;
    dl_export *e = PyMem_RawCalloc(1, sizeof *e);
    if (e == NULL) {
        Py_DECREF(value);
        return PyErr_NoMemory();
    }
    size_t ndim;
    sg_dtype dtype;
    const void *data = NULL;
    dl_tensor *t = versioned ? &e->m.versioned.tensor : &e->m.legacy.tensor;
    sg_status status = sg_tensor_detach(HANDLE(value), &e->handle);
    Py_DECREF(value);
    if (status != SG_OK) {
        PyMem_RawFree(e);
        return raise_status(status);
    }
    if (get_shape(e->handle, e->dims, &ndim) < 0 ||
        get_dtype(e->handle, &dtype) < 0 || dl_dtype_of(dtype, &t->dtype) < 0 ||
        (status = sg_tensor_strides(e->handle, e->dims + MAX_NDIM, MAX_NDIM)) != SG_OK ||
        (status = sg_tensor_data(e->handle, &data)) != SG_OK) {
        if (status != SG_OK && !PyErr_Occurred())
            raise_status(status);
        dl_free_export(e);
        return NULL;
    }
    t->data = (void *)data;
    t->device.device_type = DL_CPU;
    t->ndim = (int32_t)ndim;
    t->shape = e->dims;
    t->strides = e->dims + MAX_NDIM;
    if (versioned) {
        e->m.versioned.version.major = 1;
        e->m.versioned.flags = DL_FLAG_READ_ONLY;
        e->m.versioned.deleter = dl_delete_versioned;
    }
    else {
        e->m.legacy.deleter = dl_delete_legacy;
    }
    PyObject *capsule =
        PyCapsule_New(e, versioned ? "dltensor_versioned" : "dltensor",
                      dl_capsule_destructor);
    if (capsule == NULL)
        dl_free_export(e);
    return capsule;
}

/* What a borrowed DLPack tensor's release needs: the producer's managed
 * tensor and which kind it is. */
typedef struct {
    void *managed;
    int versioned;
} dl_import;

/* Called when the last swiftgrad view of the memory goes, possibly on a
 * thread without the GIL; the producer's deleter may need it. */
static void
dl_release(void *context)
{
    dl_import *im = context;
    if (Py_IsInitialized()) {
        PyGILState_STATE gil = PyGILState_Ensure();
        if (im->versioned) {
            dl_managed_versioned *m = im->managed;
            if (m->deleter != NULL)
                m->deleter(m);
        }
        else {
            dl_managed *m = im->managed;
            if (m->deleter != NULL)
                m->deleter(m);
        }
        PyGILState_Release(gil);
    }
    PyMem_RawFree(im);
}

/* _from_dlpack(capsule): a tensor over the capsule's memory, no copy. */
static PyObject *
m_from_dlpack(PyObject *module, PyObject *capsule)
{
    int versioned = PyCapsule_IsValid(capsule, "dltensor_versioned");
    if (!versioned && !PyCapsule_IsValid(capsule, "dltensor")) {
        PyErr_SetString(PyExc_TypeError,
                        "[from_dlpack] expected an unconsumed DLPack capsule "
                        "(\"dltensor\" or \"dltensor_versioned\")");
        return NULL;
    }
    void *managed = PyCapsule_GetPointer(
        capsule, versioned ? "dltensor_versioned" : "dltensor");
    if (managed == NULL)
        return NULL;
    dl_tensor *t = versioned ? &((dl_managed_versioned *)managed)->tensor
                             : &((dl_managed *)managed)->tensor;
    if (versioned && ((dl_managed_versioned *)managed)->version.major > 1) {
        PyErr_Format(PyExc_BufferError,
                     "[from_dlpack] DLPack version %u is newer than 1",
                     ((dl_managed_versioned *)managed)->version.major);
        return NULL;
    }
    if (t->device.device_type != DL_CPU) {
        PyErr_Format(PyExc_BufferError,
                     "[from_dlpack] only CPU memory can be shared (device "
                     "type %d)",
                     (int)t->device.device_type);
        return NULL;
    }
    if (t->ndim < 0 || t->ndim > MAX_NDIM) {
        PyErr_Format(PyExc_BufferError, "[from_dlpack] %d dimensions",
                     (int)t->ndim);
        return NULL;
    }
    int dtype = dl_to_dtype(t->dtype);
    if (dtype < 0)
        return NULL;
    dl_import *im = PyMem_RawMalloc(sizeof *im);
    if (im == NULL)
        return PyErr_NoMemory();
    im->managed = managed;
    im->versioned = versioned;
    sg_tensor *out = NULL;
    sg_status status = sg_tensor_from_buffer(
        (char *)t->data + t->byte_offset, t->shape, t->strides,
        (size_t)t->ndim, (sg_dtype)dtype, dl_release, im, &out);
    if (status != SG_OK) {
        PyMem_RawFree(im); /* the capsule still owns the tensor */
        return raise_status(status);
    }
    /* The tensor owns it now: the capsule must not delete it too. */
    if (PyCapsule_SetName(capsule, versioned ? "used_dltensor_versioned"
                                             : "used_dltensor") < 0) {
        sg_tensor_free(out);
        return NULL;
    }
    return wrap_tensor(get_state(module), out);
}

/* _from_bytes(data, dtype, shape): a tensor holding a copy of C-ordered
 * raw elements (how pickles rebuild tensors). */
static PyObject *
m_from_bytes(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int dtype;
    int64_t shape[MAX_NDIM];
    if (check_nargs("_from_bytes", nargs, 3) < 0 ||
        parse_int(args[1], &dtype, "_from_bytes") < 0 ||
        check_dtype_code(dtype, 0) < 0)
        return NULL;
    PyObject *dims = PySequence_Fast(args[2], "[_from_bytes] shape must be a sequence");
    if (dims == NULL)
        return NULL;
    Py_ssize_t ndim = PySequence_Fast_GET_SIZE(dims);
    if (ndim > MAX_NDIM) {
        Py_DECREF(dims);
        PyErr_SetString(PyExc_ValueError, "[_from_bytes] too many dimensions");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < ndim; i++) {
        shape[i] = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(dims, i));
        if (shape[i] == -1 && PyErr_Occurred()) {
            Py_DECREF(dims);
            return NULL;
        }
    }
    Py_DECREF(dims);
    Py_buffer view;
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0)
        return NULL;
    /* The bytes must be exactly the elements of `shape`. */
    size_t itemsize = sg_dtype_itemsize((sg_dtype)dtype), count = 1;
    int fits = 1;
    for (Py_ssize_t i = 0; i < ndim; i++) {
        if (shape[i] < 0 || (shape[i] > 0 && count > SIZE_MAX / itemsize / (size_t)shape[i]))
            fits = 0;
        else
            count *= (size_t)shape[i];
    }
    sg_tensor *out = NULL;
    sg_status status = SG_OK;
    if (!fits || count * itemsize != (size_t)view.len)
        PyErr_Format(PyExc_ValueError,
                     "[_from_bytes] %zd bytes do not hold the elements of the shape",
                     view.len);
    else
        status = sg_tensor_from_data(view.buf, shape, (size_t)ndim, (sg_dtype)dtype, &out);
    if (PyErr_Occurred()) {
        PyBuffer_Release(&view);
        return NULL;
    }
    PyBuffer_Release(&view);
    return tensor_result(get_state(module), status, out);
}

/* ============================ creation, random, sorting and sets
 * Thin calls of sg_zeros ... sg_unique_all; the swiftgrad package
 * (_creation.py, random.py, _sorting.py) resolves defaults and keywords. */

/* A shape argument: an int or a sequence of ints. Returns ndim or -1. */
static Py_ssize_t
parse_shape(PyObject *obj, int64_t *shape, const char *op)
{
    if (PyIndex_Check(obj))
        return as_int64(obj, &shape[0], op, "shape") < 0 ? -1 : 1;
    PyObject *seq = PyUnicode_Check(obj) || PyBytes_Check(obj)
                        ? NULL : PySequence_Fast(obj, "");
    if (seq == NULL) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "[%s] shape must be an int or a sequence "
                     "of ints, not %.100s", op, Py_TYPE(obj)->tp_name);
        return -1;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n > MAX_NDIM) {
        Py_DECREF(seq);
        PyErr_Format(PyExc_ValueError, "[%s] %zd dimensions; at most %d are "
                     "supported", op, n, MAX_NDIM);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (as_int64(PySequence_Fast_GET_ITEM(seq, i), &shape[i], op,
                     "a length") < 0) {
            Py_DECREF(seq);
            return -1;
        }
    }
    Py_DECREF(seq);
    return n;
}

static int
as_uint64(PyObject *obj, uint64_t *out, const char *op, const char *what)
{
    PyObject *index = PyNumber_Index(obj);
    if (index == NULL)
        return -1;
    unsigned long long v = PyLong_AsUnsignedLongLong(index);
    Py_DECREF(index);
    if (v == (unsigned long long)-1 && PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError, "[%s] %s must be in [0, 2**64)", op,
                     what);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

/* A Python number as one element of `dtype` (int64, uint64, float64 or
 * complex128) in `out`, which holds 16 bytes. */
static int
scalar_as(PyObject *obj, sg_dtype dtype, void *out, const char *op,
          const char *what)
{
    if (dtype == SG_DTYPE_INT64)
        return as_int64(obj, (int64_t *)out, op, what);
    if (dtype == SG_DTYPE_UINT64)
        return as_uint64(obj, (uint64_t *)out, op, what);
    if (dtype == SG_DTYPE_COMPLEX128) {
        Py_complex c = PyComplex_AsCComplex(obj);
        if (c.real == -1.0 && PyErr_Occurred())
            return -1;
        ((double *)out)[0] = c.real;
        ((double *)out)[1] = c.imag;
        return 0;
    }
    double d = PyFloat_AsDouble(obj);
    if (d == -1.0 && PyErr_Occurred())
        return -1;
    *(double *)out = d;
    return 0;
}

/* _fill(kind, shape, dtype): kind 0 zeros, 1 ones, 2 empty. */
static PyObject *
m_fill(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    static const char *names[] = {"zeros", "ones", "empty"};
    int kind;
    sg_dtype dtype;
    int64_t shape[MAX_NDIM];
    if (check_nargs("_fill", nargs, 3) < 0 || parse_int(args[0], &kind, "_fill") < 0)
        return NULL;
    if (kind < 0 || kind > 2) {
        PyErr_Format(PyExc_ValueError, "[_fill] unknown kind %d", kind);
        return NULL;
    }
    Py_ssize_t ndim = parse_shape(args[1], shape, names[kind]);
    if (ndim < 0 || parse_dtype(args[2], &dtype, names[kind]) < 0)
        return NULL;
    sg_status (*fn[])(const int64_t *, size_t, sg_dtype, sg_tensor **) = {
        sg_zeros, sg_ones, sg_empty};
    sg_tensor *out = NULL;
    sg_status status = fn[kind](shape, (size_t)ndim, dtype, &out);
    return tensor_result(get_state(module), status, out);
}

/* _full(shape, value): `value` a 0-d tensor, repeated in its dtype. */
static PyObject *
m_full(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int64_t shape[MAX_NDIM];
    sg_dtype dtype;
    double value[2]; /* room for the widest element, complex128 */
    if (check_nargs("_full", nargs, 2) < 0)
        return NULL;
    module_state *st = get_state(module);
    Py_ssize_t ndim = parse_shape(args[0], shape, "full");
    if (ndim < 0 || require_tensor(st, args[1], "full", "fill_value") == NULL ||
        get_dtype(HANDLE(args[1]), &dtype) < 0)
        return NULL;
    sg_status status = sg_tensor_copy_data(HANDLE(args[1]), value,
                                           sg_dtype_itemsize(dtype));
    if (status != SG_OK)
        return raise_status(status);
    sg_tensor *out = NULL;
    status = sg_tensor_full(shape, (size_t)ndim, value, dtype, &out);
    return tensor_result(st, status, out);
}

/* _full_like(x, value): `value` a 0-d tensor of the result's dtype. */
static PyObject *
m_full_like(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    sg_dtype dtype;
    double value[2]; /* room for the widest element, complex128 */
    if (check_nargs("_full_like", nargs, 2) < 0)
        return NULL;
    module_state *st = get_state(module);
    if (require_tensor(st, args[1], "full_like", "fill_value") == NULL ||
        get_dtype(HANDLE(args[1]), &dtype) < 0)
        return NULL;
    sg_status status = sg_tensor_copy_data(HANDLE(args[1]), value,
                                           sg_dtype_itemsize(dtype));
    if (status != SG_OK)
        return raise_status(status);
    PyObject *x = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY, "full_like");
    if (x == NULL)
        return NULL;
    sg_tensor *out = NULL;
    status = sg_full_like(HANDLE(x), value, dtype, &out);
    Py_DECREF(x);
    return tensor_result(st, status, out);
}

/* _arange(start, stop, step, args_dtype, dtype) */
static PyObject *
m_arange(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    sg_dtype argtype, dtype;
    double values[3][2];
    if (check_nargs("_arange", nargs, 5) < 0 ||
        parse_dtype(args[3], &argtype, "arange") < 0 ||
        parse_dtype(args[4], &dtype, "arange") < 0)
        return NULL;
    static const char *what[] = {"start", "stop", "step"};
    for (int i = 0; i < 3; i++)
        if (scalar_as(args[i], argtype, values[i], "arange", what[i]) < 0)
            return NULL;
    sg_tensor *out = NULL;
    sg_status status = sg_arange(values[0], values[1], values[2], argtype,
                                 dtype, &out);
    return tensor_result(get_state(module), status, out);
}

/* _arange_dynamic(start, stop, step, dtype): 0-d tensors, read when the
 * graph runs */
static PyObject *
m_arange_dynamic(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    sg_dtype dtype;
    if (check_nargs("_arange_dynamic", nargs, 4) < 0 ||
        parse_dtype(args[3], &dtype, "arange") < 0)
        return NULL;
    module_state *st = get_state(module);
    static const char *what[] = {"start", "stop", "step"};
    PyObject *bounds[3] = {NULL, NULL, NULL};
    PyObject *ret = NULL;
    for (int i = 0; i < 3; i++)
        if ((bounds[i] = to_tensor(st, args[i], DTYPE_ANY, DTYPE_ANY, what[i])) == NULL)
            goto done;
    sg_tensor *out = NULL;
    sg_status status = sg_arange_dynamic(HANDLE(bounds[0]), HANDLE(bounds[1]),
                                         HANDLE(bounds[2]), dtype, &out);
    ret = tensor_result(st, status, out);
done:
    for (int i = 0; i < 3; i++)
        Py_XDECREF(bounds[i]);
    return ret;
}

/* _random_draw(distribution, state, a, b, shape, dtype): sg_random_draw */
static PyObject *
m_random_draw(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int distribution;
    sg_dtype dtype;
    if (check_nargs("_random_draw", nargs, 6) < 0 || parse_int(args[0], &distribution, "random") < 0 ||
        parse_dtype(args[5], &dtype, "random") < 0)
        return NULL;
    module_state *st = get_state(module);
    if (require_tensor(st, args[1], "random", "state") == NULL)
        return NULL;
    double a = PyFloat_AsDouble(args[2]), b = PyFloat_AsDouble(args[3]);
    if (PyErr_Occurred())
        return NULL;
    PyObject *seq = PySequence_Fast(args[4], "[random] size must be a sequence of ints");
    if (seq == NULL)
        return NULL;
    Py_ssize_t ndim = PySequence_Fast_GET_SIZE(seq);
    int64_t shape[MAX_NDIM];
    if (ndim > MAX_NDIM) {
        Py_DECREF(seq);
        PyErr_Format(PyExc_ValueError, "[random] more than %d dimensions", MAX_NDIM);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < ndim; i++) {
        if (as_int64(PySequence_Fast_GET_ITEM(seq, i), &shape[i], "random", "a length") < 0) {
            Py_DECREF(seq);
            return NULL;
        }
    }
    Py_DECREF(seq);
    sg_tensor *out = NULL;
    sg_status status = sg_random_draw((sg_distribution)distribution, HANDLE(args[1]), a, b, shape,
                                      (size_t)ndim, dtype, &out);
    return tensor_result(st, status, out);
}

/* _set_default_update(shared, update or None) */
static PyObject *
m_set_default_update(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("_set_default_update", nargs, 2) < 0)
        return NULL;
    module_state *st = get_state(module);
    if (require_tensor(st, args[0], "default_update", "the variable") == NULL ||
        (args[1] != Py_None && require_tensor(st, args[1], "default_update", "the update") == NULL))
        return NULL;
    sg_status status = sg_tensor_set_default_update(HANDLE(args[0]),
                                                    args[1] == Py_None ? NULL : HANDLE(args[1]));
    if (status != SG_OK)
        return raise_status(status);
    Py_RETURN_NONE;
}

/* _length(x, axis): the length of an axis as a 0-d int64 tensor */
static PyObject *
m_length(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int64_t axis;
    if (check_nargs("_length", nargs, 2) < 0 || as_int64(args[1], &axis, "shape", "axis") < 0)
        return NULL;
    module_state *st = get_state(module);
    PyObject *x = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY, "shape");
    if (x == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = sg_length(HANDLE(x), axis, &out);
    Py_DECREF(x);
    return tensor_result(st, status, out);
}

/* _linspace(start, stop, args_dtype, num, endpoint, dtype) */
static PyObject *
m_linspace(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    sg_dtype argtype, dtype;
    double values[2][2];
    int64_t num;
    int endpoint;
    if (check_nargs("_linspace", nargs, 6) < 0 ||
        parse_dtype(args[2], &argtype, "linspace") < 0 ||
        as_int64(args[3], &num, "linspace", "num") < 0 ||
        (endpoint = PyObject_IsTrue(args[4])) < 0 ||
        parse_dtype(args[5], &dtype, "linspace") < 0 ||
        scalar_as(args[0], argtype, values[0], "linspace", "start") < 0 ||
        scalar_as(args[1], argtype, values[1], "linspace", "stop") < 0)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = sg_linspace(values[0], values[1], argtype, num,
                                   endpoint != 0, dtype, &out);
    return tensor_result(get_state(module), status, out);
}

/* _eye(n_rows, n_cols, k, dtype) */
static PyObject *
m_eye(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int64_t rows, cols, k;
    sg_dtype dtype;
    if (check_nargs("_eye", nargs, 4) < 0 ||
        as_int64(args[0], &rows, "eye", "n_rows") < 0 ||
        as_int64(args[1], &cols, "eye", "n_cols") < 0 ||
        as_int64(args[2], &k, "eye", "k") < 0 ||
        parse_dtype(args[3], &dtype, "eye") < 0)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = sg_eye(rows, cols, k, dtype, &out);
    return tensor_result(get_state(module), status, out);
}

/* _tri(x, k, upper): tril or triu. */
static PyObject *
m_tri(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int64_t k;
    int upper;
    if (check_nargs("_tri", nargs, 3) < 0 ||
        (upper = PyObject_IsTrue(args[2])) < 0 ||
        as_int64(args[1], &k, upper ? "triu" : "tril", "k") < 0)
        return NULL;
    module_state *st = get_state(module);
    PyObject *x = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY,
                            upper ? "triu" : "tril");
    if (x == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = (upper ? sg_triu : sg_tril)(HANDLE(x), k, &out);
    Py_DECREF(x);
    return tensor_result(st, status, out);
}

/* _meshgrid(tensors, ij) -> list */
static PyObject *
m_meshgrid(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int ij;
    if (check_nargs("_meshgrid", nargs, 2) < 0 ||
        (ij = PyObject_IsTrue(args[1])) < 0)
        return NULL;
    module_state *st = get_state(module);
    PyObject *seq = PySequence_Fast(args[0], "[meshgrid] needs a sequence of arrays");
    if (seq == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject *ret = NULL;
    PyObject **held = PyMem_Calloc((size_t)n + 1, sizeof(PyObject *));
    const sg_tensor **xs = PyMem_Calloc((size_t)n + 1, sizeof(sg_tensor *));
    sg_tensor **outs = PyMem_Calloc((size_t)n + 1, sizeof(sg_tensor *));
    if (held == NULL || xs == NULL || outs == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        held[i] = to_tensor(st, PySequence_Fast_GET_ITEM(seq, i), DTYPE_ANY,
                            DTYPE_ANY, "meshgrid");
        if (held[i] == NULL)
            goto done;
        xs[i] = HANDLE(held[i]);
    }
    sg_status status = sg_meshgrid(xs, (size_t)n, ij != 0, outs);
    if (status != SG_OK) {
        raise_status(status);
        goto done;
    }
    ret = n == 0 ? PyList_New(0) : wrap_results(st, outs, (size_t)n, 0);
done:
    if (held != NULL)
        for (Py_ssize_t i = 0; i < n; i++)
            Py_XDECREF(held[i]);
    PyMem_Free(held);
    PyMem_Free((void *)xs);
    PyMem_Free(outs);
    Py_DECREF(seq);
    return ret;
}

/* _random(kind, seed, counter, a, b, shape, dtype): kind 0 uniform(low a,
 * high b), 1 normal(loc a, scale b), 2 integers(low a, high b), 3
 * bernoulli(p a). */
static PyObject *
m_random(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    static const char *names[] = {"uniform", "normal", "integers", "bernoulli"};
    int kind;
    uint64_t seed, counter;
    sg_dtype dtype;
    int64_t shape[MAX_NDIM];
    if (check_nargs("_random", nargs, 7) < 0 || parse_int(args[0], &kind, "_random") < 0)
        return NULL;
    if (kind < 0 || kind > 3) {
        PyErr_Format(PyExc_ValueError, "[_random] unknown kind %d", kind);
        return NULL;
    }
    const char *op = names[kind];
    Py_ssize_t ndim = parse_shape(args[5], shape, op);
    if (ndim < 0 || as_uint64(args[1], &seed, op, "seed") < 0 ||
        as_uint64(args[2], &counter, op, "counter") < 0 ||
        parse_dtype(args[6], &dtype, op) < 0)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status;
    if (kind == 2) {
        int64_t low, high;
        if (as_int64(args[3], &low, op, "low") < 0 ||
            as_int64(args[4], &high, op, "high") < 0)
            return NULL;
        status = sg_random_integers(seed, counter, low, high, shape,
                                    (size_t)ndim, dtype, &out);
    }
    else {
        double a = PyFloat_AsDouble(args[3]);
        if (a == -1.0 && PyErr_Occurred())
            return NULL;
        double b = PyFloat_AsDouble(args[4]);
        if (b == -1.0 && PyErr_Occurred())
            return NULL;
        if (kind == 0)
            status = sg_random_uniform(seed, counter, a, b, shape, (size_t)ndim, dtype, &out);
        else if (kind == 1)
            status = sg_random_normal(seed, counter, a, b, shape, (size_t)ndim, dtype, &out);
        else
            status = sg_random_bernoulli(seed, counter, a, shape, (size_t)ndim, dtype, &out);
    }
    return tensor_result(get_state(module), status, out);
}

/* _permutation(seed, counter, n or array) */
static PyObject *
m_permutation(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    uint64_t seed, counter;
    if (check_nargs("_permutation", nargs, 3) < 0 ||
        as_uint64(args[0], &seed, "permutation", "seed") < 0 ||
        as_uint64(args[1], &counter, "permutation", "counter") < 0)
        return NULL;
    module_state *st = get_state(module);
    sg_tensor *out = NULL;
    sg_status status;
    if (PyLong_Check(args[2])) {
        int64_t n;
        if (as_int64(args[2], &n, "permutation", "n") < 0)
            return NULL;
        status = sg_random_permutation(seed, counter, n, &out);
    }
    else {
        PyObject *x = to_tensor(st, args[2], DTYPE_ANY, DTYPE_ANY, "permutation");
        if (x == NULL)
            return NULL;
        status = sg_random_permute(seed, counter, HANDLE(x), &out);
        Py_DECREF(x);
    }
    return tensor_result(st, status, out);
}

/* _sort(x, axis, descending, indices): sort, or argsort when indices. */
static PyObject *
m_sort(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int64_t axis;
    int descending, indices;
    if (check_nargs("_sort", nargs, 4) < 0 ||
        (indices = PyObject_IsTrue(args[3])) < 0 ||
        as_int64(args[1], &axis, indices ? "argsort" : "sort", "axis") < 0 ||
        (descending = PyObject_IsTrue(args[2])) < 0)
        return NULL;
    module_state *st = get_state(module);
    PyObject *x = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY,
                            indices ? "argsort" : "sort");
    if (x == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = (indices ? sg_argsort : sg_sort)(HANDLE(x), axis,
                                                         descending != 0, &out);
    Py_DECREF(x);
    return tensor_result(st, status, out);
}

/* _searchsorted(x1, x2, right) */
static PyObject *
m_searchsorted(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int right;
    if (check_nargs("_searchsorted", nargs, 3) < 0 ||
        (right = PyObject_IsTrue(args[2])) < 0)
        return NULL;
    module_state *st = get_state(module);
    PyObject *x1 = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY, "searchsorted");
    if (x1 == NULL)
        return NULL;
    sg_dtype dtype;
    if (get_dtype(HANDLE(x1), &dtype) < 0) {
        Py_DECREF(x1);
        return NULL;
    }
    /* Python numbers take x1's dtype where their kind fits. */
    PyObject *x2 = to_tensor(st, args[1], (int)dtype, DTYPE_ANY, "searchsorted");
    if (x2 == NULL) {
        Py_DECREF(x1);
        return NULL;
    }
    sg_tensor *out = NULL;
    sg_status status = sg_searchsorted(HANDLE(x1), HANDLE(x2), right != 0, &out);
    Py_DECREF(x1);
    Py_DECREF(x2);
    return tensor_result(st, status, out);
}

/* _unique_all(x) -> (values, indices, inverse_indices, counts) */
static PyObject *
m_unique_all(PyObject *module, PyObject *x_obj)
{
    module_state *st = get_state(module);
    PyObject *x = to_tensor(st, x_obj, DTYPE_ANY, DTYPE_ANY, "unique");
    if (x == NULL)
        return NULL;
    sg_tensor *outs[4] = {NULL, NULL, NULL, NULL};
    sg_status status = sg_unique_all(HANDLE(x), &outs[0], &outs[1], &outs[2],
                                     &outs[3]);
    Py_DECREF(x);
    if (status != SG_OK)
        return raise_status(status);
    PyObject *list = wrap_results(st, outs, 4, 0);
    if (list == NULL)
        return NULL;
    Py_SETREF(list, PyList_AsTuple(list));
    return list;
}

#define CREATION_METHODS                                                      \
    {"_full", (PyCFunction)(void (*)(void))m_full, METH_FASTCALL,             \
     "_full(shape, value): value a 0-d tensor"},                              \
    {"_full_like", (PyCFunction)(void (*)(void))m_full_like, METH_FASTCALL,   \
     "_full_like(x, value): value a 0-d tensor"},                             \
    {"_fill", (PyCFunction)(void (*)(void))m_fill, METH_FASTCALL,             \
     "_fill(kind, shape, dtype): zeros, ones or empty"},                      \
    {"_arange", (PyCFunction)(void (*)(void))m_arange, METH_FASTCALL,         \
     "_arange(start, stop, step, args_dtype, dtype)"},                        \
    {"_arange_dynamic", (PyCFunction)(void (*)(void))m_arange_dynamic,        \
     METH_FASTCALL, "_arange_dynamic(start, stop, step, dtype)"},             \
    {"_random_draw", (PyCFunction)(void (*)(void))m_random_draw,              \
     METH_FASTCALL, "_random_draw(distribution, state, a, b, shape, dtype)"}, \
    {"_set_default_update", (PyCFunction)(void (*)(void))m_set_default_update, \
     METH_FASTCALL, "_set_default_update(shared, update or None)"},          \
    {"_length", (PyCFunction)(void (*)(void))m_length, METH_FASTCALL,         \
     "_length(x, axis): the length of an axis as a 0-d int64 tensor"},       \
    {"_linspace", (PyCFunction)(void (*)(void))m_linspace, METH_FASTCALL,     \
     "_linspace(start, stop, args_dtype, num, endpoint, dtype)"},             \
    {"_eye", (PyCFunction)(void (*)(void))m_eye, METH_FASTCALL,               \
     "_eye(n_rows, n_cols, k, dtype)"},                                       \
    {"_tri", (PyCFunction)(void (*)(void))m_tri, METH_FASTCALL,               \
     "_tri(x, k, upper)"},                                                    \
    {"_meshgrid", (PyCFunction)(void (*)(void))m_meshgrid, METH_FASTCALL,     \
     "_meshgrid(arrays, ij) -> list"},                                        \
    {"_random", (PyCFunction)(void (*)(void))m_random, METH_FASTCALL,         \
     "_random(kind, seed, counter, a, b, shape, dtype)"},                     \
    {"_permutation", (PyCFunction)(void (*)(void))m_permutation,              \
     METH_FASTCALL, "_permutation(seed, counter, n or array)"},               \
    {"_sort", (PyCFunction)(void (*)(void))m_sort, METH_FASTCALL,             \
     "_sort(x, axis, descending, indices)"},                                  \
    {"_searchsorted", (PyCFunction)(void (*)(void))m_searchsorted,            \
     METH_FASTCALL, "_searchsorted(x1, x2, right)"},                          \
    {"_unique_all", m_unique_all, METH_O,                                     \
     "_unique_all(x) -> (values, indices, inverse_indices, counts)"},

/* ======================= end of creation, random, sorting and sets */

/* ============================================ Reductions and linear algebra
 * (module functions behind swiftgrad/_reductions.py and _linalg.py) */

/* Reads an optional axis: None leaves *has at 0. Returns -1 on error. */
static int
parse_optional_axis(PyObject *obj, int64_t *axis, int *has, const char *op)
{
    *has = 0;
    if (obj == Py_None)
        return 0;
    if (!PyIndex_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "[%s] axis must be None or an int, not %.100s",
                     op, Py_TYPE(obj)->tp_name);
        return -1;
    }
    if (as_int64(obj, axis, op, "axis") < 0)
        return -1;
    *has = 1;
    return 0;
}

/* Reads a dtype code where -1 means none; returns -1 on error. */
static int
parse_optional_dtype(PyObject *obj, sg_dtype *dtype, int *has)
{
    long code = PyLong_AsLong(obj);
    if (code == -1 && PyErr_Occurred())
        return -1;
    *has = code >= 0;
    *dtype = (sg_dtype)(code >= 0 ? code : 0);
    return 0;
}

/* reduce(op, x, axis, keepdims, dtype): sg_reduce; dtype -1 for none */
static PyObject *
m_reduce(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("reduce", nargs, 5) < 0)
        return NULL;
    long op = PyLong_AsLong(args[0]);
    sg_dtype dtype;
    int has_dtype;
    if ((op == -1 && PyErr_Occurred()) ||
        parse_optional_dtype(args[4], &dtype, &has_dtype) < 0)
        return NULL;
    /* Names of sg_reduce_op, for argument errors. */
    static const char *const names[] = {"sum", "prod", "mean", "max", "min", "all", "any"};
    const char *name = op >= 0 && op < 7 ? names[op] : "reduce";
    module_state *st = get_state(module);
    int64_t axes[MAX_NDIM];
    Py_ssize_t naxes = parse_axes(args[2], axes, name);
    int keepdims = PyObject_IsTrue(args[3]);
    if (naxes == -2 || keepdims < 0)
        return NULL;
    PyObject *x = to_tensor(st, args[1], DTYPE_ANY, DTYPE_ANY, name);
    if (x == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status;
    Py_BEGIN_ALLOW_THREADS
    status = sg_reduce((sg_reduce_op)op, HANDLE(x), naxes < 0 ? NULL : axes,
                       naxes < 0 ? 0 : (size_t)naxes, keepdims != 0,
                       has_dtype ? &dtype : NULL, &out);
    Py_END_ALLOW_THREADS
    Py_DECREF(x);
    return tensor_result(st, status, out);
}

/* argreduce(largest, x, axis, keepdims): sg_argmax / sg_argmin */
static PyObject *
m_argreduce(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("argmax", nargs, 4) < 0)
        return NULL;
    int largest = PyObject_IsTrue(args[0]);
    const char *name = largest ? "argmax" : "argmin";
    int64_t axis = 0;
    int has_axis;
    int keepdims = PyObject_IsTrue(args[3]);
    if (largest < 0 || keepdims < 0 ||
        parse_optional_axis(args[2], &axis, &has_axis, name) < 0)
        return NULL;
    module_state *st = get_state(module);
    PyObject *x = to_tensor(st, args[1], DTYPE_ANY, DTYPE_ANY, name);
    if (x == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status;
    Py_BEGIN_ALLOW_THREADS
    status = (largest ? sg_argmax : sg_argmin)(HANDLE(x), has_axis ? &axis : NULL,
                                               keepdims != 0, &out);
    Py_END_ALLOW_THREADS
    Py_DECREF(x);
    return tensor_result(st, status, out);
}

/* var(x, axis, correction, keepdims, std): sg_var / sg_std */
static PyObject *
m_var(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("var", nargs, 5) < 0)
        return NULL;
    int is_std = PyObject_IsTrue(args[4]);
    const char *name = is_std > 0 ? "std" : "var";
    int64_t axes[MAX_NDIM];
    Py_ssize_t naxes = parse_axes(args[1], axes, name);
    double correction = PyFloat_AsDouble(args[2]);
    int keepdims = PyObject_IsTrue(args[3]);
    if (naxes == -2 || keepdims < 0 || is_std < 0 ||
        (correction == -1.0 && PyErr_Occurred()))
        return NULL;
    module_state *st = get_state(module);
    PyObject *x = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY, name);
    if (x == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status;
    Py_BEGIN_ALLOW_THREADS
    status = (is_std ? sg_std : sg_var)(HANDLE(x), naxes < 0 ? NULL : axes,
                                        naxes < 0 ? 0 : (size_t)naxes,
                                        correction, keepdims != 0, &out);
    Py_END_ALLOW_THREADS
    Py_DECREF(x);
    return tensor_result(st, status, out);
}

/* cumulative_sum(x, axis, include_initial, dtype); dtype -1 for none */
static PyObject *
m_cumulative_sum(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("cumulative_sum", nargs, 4) < 0)
        return NULL;
    int64_t axis = 0;
    int has_axis, has_dtype;
    sg_dtype dtype;
    int initial = PyObject_IsTrue(args[2]);
    if (initial < 0 || parse_optional_dtype(args[3], &dtype, &has_dtype) < 0 ||
        parse_optional_axis(args[1], &axis, &has_axis, "cumulative_sum") < 0)
        return NULL;
    module_state *st = get_state(module);
    PyObject *x = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY, "cumulative_sum");
    if (x == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status;
    Py_BEGIN_ALLOW_THREADS
    status = sg_cumulative_sum(HANDLE(x), has_axis ? &axis : NULL, initial != 0,
                               has_dtype ? &dtype : NULL, &out);
    Py_END_ALLOW_THREADS
    Py_DECREF(x);
    return tensor_result(st, status, out);
}

/* logsumexp(x, axis, keepdims): sg_logsumexp */
static PyObject *
m_logsumexp(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("logsumexp", nargs, 3) < 0)
        return NULL;
    int64_t axes[MAX_NDIM];
    Py_ssize_t naxes = parse_axes(args[1], axes, "logsumexp");
    int keepdims = PyObject_IsTrue(args[2]);
    if (naxes == -2 || keepdims < 0)
        return NULL;
    module_state *st = get_state(module);
    PyObject *x = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY, "logsumexp");
    if (x == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status;
    Py_BEGIN_ALLOW_THREADS
    status = sg_logsumexp(HANDLE(x), naxes < 0 ? NULL : axes,
                          naxes < 0 ? 0 : (size_t)naxes, keepdims != 0, &out);
    Py_END_ALLOW_THREADS
    Py_DECREF(x);
    return tensor_result(st, status, out);
}

/* softmax(x, axis, log): sg_softmax or sg_log_softmax */
static PyObject *
m_softmax(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("softmax", nargs, 3) < 0)
        return NULL;
    int log = PyObject_IsTrue(args[2]);
    const char *name = log > 0 ? "log_softmax" : "softmax";
    int64_t axis;
    if (log < 0 || as_int64(args[1], &axis, name, "axis") < 0)
        return NULL;
    module_state *st = get_state(module);
    PyObject *x = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY, name);
    if (x == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status;
    Py_BEGIN_ALLOW_THREADS
    status = (log ? sg_log_softmax : sg_softmax)(HANDLE(x), axis, &out);
    Py_END_ALLOW_THREADS
    Py_DECREF(x);
    return tensor_result(st, status, out);
}

/* log_sigmoid(x): sg_log_sigmoid */
static PyObject *
m_log_sigmoid(PyObject *module, PyObject *x_obj)
{
    return one_tensor_call(module, x_obj, sg_log_sigmoid, "log_sigmoid");
}

/* bce_with_logits(logits, targets, reduction): sg_binary_cross_entropy_with_logits */
static PyObject *
m_bce_with_logits(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    const char *name = "binary_cross_entropy_with_logits";
    int reduction;
    if (check_nargs(name, nargs, 3) < 0 || parse_int(args[2], &reduction, name) < 0)
        return NULL;
    module_state *st = get_state(module);
    PyObject *logits, *targets;
    if (to_tensor_pair(st, args[0], args[1], &logits, &targets, name) < 0)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status;
    Py_BEGIN_ALLOW_THREADS
    status = sg_binary_cross_entropy_with_logits(HANDLE(logits), HANDLE(targets),
                                                 (sg_loss_reduction)reduction, &out);
    Py_END_ALLOW_THREADS
    Py_DECREF(logits);
    Py_DECREF(targets);
    return tensor_result(st, status, out);
}

/* slice_dynamic(x, axis, start, stop, step): sg_slice_dynamic; start and
 * stop are tensors or None */
static PyObject *
m_slice_dynamic(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("slice_dynamic", nargs, 5) < 0)
        return NULL;
    int64_t axis, step;
    if (as_int64(args[1], &axis, "index", "axis") < 0 ||
        as_int64(args[4], &step, "index", "slice step") < 0)
        return NULL;
    module_state *st = get_state(module);
    PyObject *bounds[2] = {NULL, NULL}, *ret = NULL;
    PyObject *x = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY, "index");
    if (x == NULL)
        return NULL;
    for (int k = 0; k < 2; k++) {
        if (args[2 + k] != Py_None &&
            (bounds[k] = to_tensor(st, args[2 + k], DTYPE_ANY, DTYPE_ANY, "index")) == NULL)
            goto done;
    }
    sg_tensor *out = NULL;
    sg_status status = sg_slice_dynamic(HANDLE(x), axis,
                                        bounds[0] ? HANDLE(bounds[0]) : NULL,
                                        bounds[1] ? HANDLE(bounds[1]) : NULL, step, &out);
    ret = tensor_result(st, status, out);
done:
    Py_DECREF(x);
    Py_XDECREF(bounds[0]);
    Py_XDECREF(bounds[1]);
    return ret;
}

/* tensordot(a, b, axes_a, axes_b) */
static PyObject *
m_tensordot(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("tensordot", nargs, 4) < 0)
        return NULL;
    module_state *st = get_state(module);
    int64_t axes_a[MAX_NDIM], axes_b[MAX_NDIM];
    Py_ssize_t na = parse_axes(args[2], axes_a, "tensordot");
    Py_ssize_t nb = parse_axes(args[3], axes_b, "tensordot");
    if (na == -2 || nb == -2)
        return NULL;
    if (na < 0 || nb < 0 || na != nb) {
        PyErr_SetString(PyExc_ValueError,
                        "[tensordot] axes must be two sequences of ints of one length");
        return NULL;
    }
    PyObject *ta, *tb;
    if (to_tensor_pair(st, args[0], args[1], &ta, &tb, "tensordot") < 0)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status;
    Py_BEGIN_ALLOW_THREADS
    status = sg_tensordot(HANDLE(ta), HANDLE(tb), axes_a, axes_b, (size_t)na, &out);
    Py_END_ALLOW_THREADS
    Py_DECREF(ta);
    Py_DECREF(tb);
    return tensor_result(st, status, out);
}

/* vecdot(a, b, axis) */
static PyObject *
m_vecdot(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("vecdot", nargs, 3) < 0)
        return NULL;
    int64_t axis;
    if (as_int64(args[2], &axis, "vecdot", "axis") < 0)
        return NULL;
    module_state *st = get_state(module);
    PyObject *ta, *tb;
    if (to_tensor_pair(st, args[0], args[1], &ta, &tb, "vecdot") < 0)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status;
    Py_BEGIN_ALLOW_THREADS
    status = sg_vecdot(HANDLE(ta), HANDLE(tb), axis, &out);
    Py_END_ALLOW_THREADS
    Py_DECREF(ta);
    Py_DECREF(tb);
    return tensor_result(st, status, out);
}

/* outer(a, b) */
static PyObject *
m_outer(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("outer", nargs, 2) < 0)
        return NULL;
    return product(get_state(module), sg_outer, "outer", args[0], args[1]);
}

/* einsum(subscripts, operands) */
static PyObject *
m_einsum(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("einsum", nargs, 2) < 0)
        return NULL;
    const char *subscripts = PyUnicode_AsUTF8(args[0]);
    if (subscripts == NULL)
        return NULL;
    PyObject *seq = PySequence_Fast(args[1], "[einsum] operands must be a sequence");
    if (seq == NULL)
        return NULL;
    module_state *st = get_state(module);
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject *ret = NULL;
    PyObject **held = PyMem_Calloc((size_t)n + 1, sizeof(PyObject *));
    const sg_tensor **handles = PyMem_Calloc((size_t)n + 1, sizeof(sg_tensor *));
    if (held == NULL || handles == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        held[i] = to_tensor(st, PySequence_Fast_GET_ITEM(seq, i), DTYPE_ANY,
                            DTYPE_ANY, "einsum");
        if (held[i] == NULL)
            goto done;
        handles[i] = HANDLE(held[i]);
    }
    sg_tensor *out = NULL;
    sg_status status;
    Py_BEGIN_ALLOW_THREADS
    status = sg_einsum(subscripts, handles, (size_t)n, &out);
    Py_END_ALLOW_THREADS
    ret = tensor_result(st, status, out);
done:
    if (held != NULL)
        for (Py_ssize_t i = 0; i < n; i++)
            Py_XDECREF(held[i]);
    PyMem_Free(held);
    PyMem_Free((void *)handles);
    Py_DECREF(seq);
    return ret;
}

/* Runs `call` on one tensor argument with the GIL released. */
#define ONE_TENSOR_CALL(name, obj, call)                                      \
    do {                                                                      \
        module_state *st_ = get_state(module);                                \
        PyObject *x = to_tensor(st_, (obj), DTYPE_ANY, DTYPE_ANY, (name));    \
        if (x == NULL)                                                        \
            return NULL;                                                      \
        sg_tensor *out = NULL;                                                \
        sg_status status;                                                     \
        Py_BEGIN_ALLOW_THREADS                                                \
        status = (call);                                                      \
        Py_END_ALLOW_THREADS                                                  \
        Py_DECREF(x);                                                         \
        return tensor_result(st_, status, out);                               \
    } while (0)

/* linalg(op, x): sg_linalg */
static PyObject *
m_linalg(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("linalg", nargs, 2) < 0)
        return NULL;
    long op = PyLong_AsLong(args[0]);
    if (op == -1 && PyErr_Occurred())
        return NULL;
    ONE_TENSOR_CALL("linalg", args[1], sg_linalg((sg_linalg_op)op, HANDLE(x), &out));
}

/* linalg_factors(ops, x) -> list: sg_linalg_factors, up to three outputs
 * of one factorization from one LAPACK call. */
static PyObject *
m_linalg_factors(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    sg_linalg_op ops[3];
    sg_tensor *outs[3] = {NULL, NULL, NULL};
    if (check_nargs("linalg_factors", nargs, 2) < 0)
        return NULL;
    if (!PyTuple_Check(args[0]) || PyTuple_GET_SIZE(args[0]) < 1 || PyTuple_GET_SIZE(args[0]) > 3) {
        PyErr_SetString(PyExc_TypeError, "[linalg_factors] ops must be a tuple of 1 to 3 ints");
        return NULL;
    }
    size_t n = (size_t)PyTuple_GET_SIZE(args[0]);
    for (size_t i = 0; i < n; i++) {
        long op = PyLong_AsLong(PyTuple_GET_ITEM(args[0], (Py_ssize_t)i));
        if (op == -1 && PyErr_Occurred())
            return NULL;
        ops[i] = (sg_linalg_op)op;
    }
    module_state *st = get_state(module);
    PyObject *x = to_tensor(st, args[1], DTYPE_ANY, DTYPE_ANY, "linalg");
    if (x == NULL)
        return NULL;
    sg_status status;
    Py_BEGIN_ALLOW_THREADS
    status = sg_linalg_factors(ops, n, HANDLE(x), outs);
    Py_END_ALLOW_THREADS
    Py_DECREF(x);
    if (status != SG_OK)
        return raise_status(status);
    return wrap_results(st, outs, n, 0);
}

/* linalg_solve(a, b) */
static PyObject *
m_linalg_solve(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("solve", nargs, 2) < 0)
        return NULL;
    return product(get_state(module), sg_linalg_solve, "solve", args[0], args[1]);
}

/* vector_norm(x, axis, keepdims, ord) */
static PyObject *
m_vector_norm(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("vector_norm", nargs, 4) < 0)
        return NULL;
    int64_t axes[MAX_NDIM];
    Py_ssize_t naxes = parse_axes(args[1], axes, "vector_norm");
    int keepdims = PyObject_IsTrue(args[2]);
    double ord = PyFloat_AsDouble(args[3]);
    if (naxes == -2 || keepdims < 0 || (ord == -1.0 && PyErr_Occurred()))
        return NULL;
    ONE_TENSOR_CALL("vector_norm", args[0],
                    sg_linalg_vector_norm(HANDLE(x), naxes < 0 ? NULL : axes,
                                          naxes < 0 ? 0 : (size_t)naxes,
                                          keepdims != 0, ord, &out));
}

/* matrix_norm(x, ord, keepdims); ord a str */
static PyObject *
m_matrix_norm(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("matrix_norm", nargs, 3) < 0)
        return NULL;
    const char *ord = PyUnicode_AsUTF8(args[1]);
    int keepdims = PyObject_IsTrue(args[2]);
    if (ord == NULL || keepdims < 0)
        return NULL;
    ONE_TENSOR_CALL("matrix_norm", args[0],
                    sg_linalg_matrix_norm(HANDLE(x), ord, keepdims != 0, &out));
}

/* diagonal(x, offset) */
static PyObject *
m_diagonal(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int64_t offset;
    if (check_nargs("diagonal", nargs, 2) < 0 ||
        as_int64(args[1], &offset, "diagonal", "offset") < 0)
        return NULL;
    ONE_TENSOR_CALL("diagonal", args[0], sg_linalg_diagonal(HANDLE(x), offset, &out));
}

/* trace(x, offset, dtype); dtype -1 for none */
static PyObject *
m_trace(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int64_t offset;
    sg_dtype dtype;
    int has_dtype;
    if (check_nargs("trace", nargs, 3) < 0 ||
        as_int64(args[1], &offset, "trace", "offset") < 0 ||
        parse_optional_dtype(args[2], &dtype, &has_dtype) < 0)
        return NULL;
    ONE_TENSOR_CALL("trace", args[0],
                    sg_linalg_trace(HANDLE(x), offset, has_dtype ? &dtype : NULL, &out));
}

/* matrix_power(x, n) */
static PyObject *
m_matrix_power(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int64_t n;
    if (check_nargs("matrix_power", nargs, 2) < 0 ||
        as_int64(args[1], &n, "matrix_power", "n") < 0)
        return NULL;
    ONE_TENSOR_CALL("matrix_power", args[0], sg_linalg_matrix_power(HANDLE(x), n, &out));
}

/* pinv(x, rtol, rank): rtol None or a float; rank true for matrix_rank */
static PyObject *
m_pinv(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("pinv", nargs, 3) < 0)
        return NULL;
    double rtol = 0;
    int has_rtol = args[1] != Py_None;
    int rank = PyObject_IsTrue(args[2]);
    if (has_rtol) {
        rtol = PyFloat_AsDouble(args[1]);
        if (rtol == -1.0 && PyErr_Occurred())
            return NULL;
    }
    if (rank < 0)
        return NULL;
    ONE_TENSOR_CALL(rank ? "matrix_rank" : "pinv", args[0],
                    (rank ? sg_linalg_matrix_rank : sg_linalg_pinv)(
                        HANDLE(x), has_rtol ? &rtol : NULL, &out));
}

/* cross(a, b, axis) */
static PyObject *
m_cross(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("cross", nargs, 3) < 0)
        return NULL;
    int64_t axis;
    if (as_int64(args[2], &axis, "cross", "axis") < 0)
        return NULL;
    module_state *st = get_state(module);
    PyObject *ta, *tb;
    if (to_tensor_pair(st, args[0], args[1], &ta, &tb, "cross") < 0)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status;
    Py_BEGIN_ALLOW_THREADS
    status = sg_linalg_cross(HANDLE(ta), HANDLE(tb), axis, &out);
    Py_END_ALLOW_THREADS
    Py_DECREF(ta);
    Py_DECREF(tb);
    return tensor_result(st, status, out);
}

#undef ONE_TENSOR_CALL

/* ======================================== end reductions and linear algebra */

/* ============================================================ callbacks */

/* Custom ops, gradient hooks and gradcheck call Python back through the
 * header's callbacks. The library calls them on the thread that called
 * in, with or without the GIL (a compiled function runs without it), so
 * each takes it. A Python exception becomes a failed status and is
 * stashed for raise_status. */

typedef struct {
    PyObject *module; /* owned: the state that wraps tensors */
    PyObject *first;  /* owned: forward, the hook, or gradcheck's f */
    PyObject *second; /* owned or NULL: the vjp */
} py_callback;

static py_callback *
callback_new(PyObject *module, PyObject *first, PyObject *second)
{
    py_callback *cb = PyMem_RawMalloc(sizeof *cb);
    if (cb == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    cb->module = Py_NewRef(module);
    cb->first = Py_NewRef(first);
    cb->second = second == Py_None ? NULL : Py_XNewRef(second);
    return cb;
}

/* The destructor the library calls, on any thread, when the last graph
 * using the callback goes. */
static void
callback_free(void *data)
{
    py_callback *cb = data;
    if (Py_IsInitialized()) {
        PyGILState_STATE gil = PyGILState_Ensure();
        Py_XDECREF(cb->first);
        Py_XDECREF(cb->second);
        Py_XDECREF(cb->module);
        PyGILState_Release(gil);
    }
    PyMem_RawFree(cb);
}

/* Turns the exception being raised into a failed status and a message
 * for the library, and stashes it. */
static sg_status
callback_failed(void)
{
    sg_status status = SG_ERROR_VALUE;
    if (PyErr_ExceptionMatches(PyExc_TypeError))
        status = SG_ERROR_TYPE;
    else if (PyErr_ExceptionMatches(PyExc_IndexError))
        status = SG_ERROR_INDEX;
    else if (PyErr_ExceptionMatches(PyExc_MemoryError))
        status = SG_ERROR_MEMORY;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    PyObject *text = value != NULL
        ? PyUnicode_FromFormat("%s: %S", ((PyTypeObject *)type)->tp_name, value) : NULL;
    const char *message = text != NULL ? PyUnicode_AsUTF8(text) : NULL;
    if (message == NULL)
        PyErr_Clear();
    sg_callback_error(message != NULL ? message : "a Python exception");
    Py_XDECREF(text);
    PyErr_Restore(type, value, tb);
    stash_exception();
    return status;
}

/* Python tensors holding new references to borrowed handles. */
static PyObject *
wrap_borrowed(module_state *st, const sg_tensor *const *handles, size_t n)
{
    PyObject *tuple = PyTuple_New((Py_ssize_t)n);
    for (size_t i = 0; tuple != NULL && i < n; i++) {
        sg_tensor *t = NULL;
        sg_status status = sg_tensor_retain(handles[i], &t);
        PyObject *w = status == SG_OK ? wrap_tensor(st, t) : raise_status(status);
        if (w == NULL)
            Py_CLEAR(tuple);
        else
            PyTuple_SET_ITEM(tuple, (Py_ssize_t)i, w);
    }
    return tuple;
}

/* A new reference to the handle of `result` (a Tensor) in *out, or a
 * TypeError naming what returned it. Steals `result`. */
static sg_status
take_result(module_state *st, PyObject *result, sg_tensor **out, const char *what)
{
    if (result == NULL)
        return callback_failed();
    if (!is_tensor(st, result)) {
        PyErr_Format(PyExc_TypeError, "%s must return a Tensor, not %.100s", what,
                     Py_TYPE(result)->tp_name);
        Py_DECREF(result);
        return callback_failed();
    }
    sg_status status = sg_tensor_retain(HANDLE(result), out);
    Py_DECREF(result);
    return status;
}

/* forward(*inputs) -> Tensor; also gradcheck's f. */
static sg_status
py_tensor_fn(void *data, const sg_tensor *const *inputs, size_t n, sg_tensor **out)
{
    py_callback *cb = data;
    PyGILState_STATE gil = PyGILState_Ensure();
    module_state *st = get_state(cb->module);
    PyObject *args = wrap_borrowed(st, inputs, n);
    PyObject *result = args != NULL ? PyObject_CallObject(cb->first, args) : NULL;
    Py_XDECREF(args);
    sg_status status = take_result(st, result, out, "the function");
    PyGILState_Release(gil);
    return status;
}

/* vjp(inputs, output, cotangent) -> one Tensor or None per input. */
static sg_status
py_vjp(void *data, const sg_tensor *const *inputs, size_t n, const sg_tensor *output,
       const sg_tensor *cotangent, sg_tensor **grads)
{
    py_callback *cb = data;
    PyGILState_STATE gil = PyGILState_Ensure();
    module_state *st = get_state(cb->module);
    sg_status status = SG_OK;
    const sg_tensor *pair[2] = {output, cotangent};
    PyObject *ins = wrap_borrowed(st, inputs, n), *rest = wrap_borrowed(st, pair, 2);
    PyObject *result = ins != NULL && rest != NULL
        ? PyObject_CallFunctionObjArgs(cb->second, ins, PyTuple_GET_ITEM(rest, 0),
                                       PyTuple_GET_ITEM(rest, 1), NULL)
        : NULL;
    Py_XDECREF(ins);
    Py_XDECREF(rest);
    PyObject *seq = result != NULL ? PySequence_Fast(result, "the vjp must return a sequence of gradients") : NULL;
    Py_XDECREF(result);
    if (seq == NULL) {
        status = callback_failed();
        goto done;
    }
    if ((size_t)PySequence_Fast_GET_SIZE(seq) != n) {
        PyErr_Format(PyExc_ValueError, "the vjp returned %zd gradients for %zu inputs",
                     PySequence_Fast_GET_SIZE(seq), n);
        status = callback_failed();
        goto done;
    }
    for (size_t i = 0; i < n && status == SG_OK; i++) {
        PyObject *g = PySequence_Fast_GET_ITEM(seq, (Py_ssize_t)i);
        if (g != Py_None)
            status = take_result(st, Py_NewRef(g), &grads[i], "the vjp");
    }
done:
    Py_XDECREF(seq);
    PyGILState_Release(gil);
    return status;
}

/* hook(grad) -> None (keep it) or a Tensor (replace it). */
static sg_status
py_hook(void *data, const sg_tensor *grad, sg_tensor **replacement)
{
    py_callback *cb = data;
    PyGILState_STATE gil = PyGILState_Ensure();
    module_state *st = get_state(cb->module);
    sg_status status = SG_OK;
    PyObject *args = wrap_borrowed(st, &grad, 1);
    PyObject *result = args != NULL ? PyObject_CallObject(cb->first, args) : NULL;
    Py_XDECREF(args);
    if (result != Py_None)
        status = take_result(st, result, replacement, "a hook");
    else
        Py_DECREF(result);
    PyGILState_Release(gil);
    return status;
}

/* _custom_apply(name, forward, vjp, inputs): a custom op made for this
 * call (so forward and vjp may close over per-call state) and applied. */
static PyObject *
m_custom_apply(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("_custom_apply", nargs, 4) < 0)
        return NULL;
    module_state *st = get_state(module);
    const char *name = PyUnicode_Check(args[0]) ? PyUnicode_AsUTF8(args[0]) : NULL;
    if (name == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "[custom op] the name must be a str");
        return NULL;
    }
    if (!PyCallable_Check(args[1]) || (args[2] != Py_None && !PyCallable_Check(args[2]))) {
        PyErr_Format(PyExc_TypeError, "[%s] forward and vjp must be callable", name);
        return NULL;
    }
    PyObject *seq = PySequence_Fast(args[3], "[custom op] inputs must be a sequence");
    if (seq == NULL)
        return NULL;
    PyObject *ret = NULL;
    const sg_tensor **inputs = tensor_array(st, seq, name, "each input");
    py_callback *cb = inputs != NULL ? callback_new(module, args[1], args[2]) : NULL;
    if (cb == NULL)
        goto done;
    sg_custom_op *op = NULL;
    sg_status status = sg_custom_op_new(name, py_tensor_fn, cb->second ? py_vjp : NULL, cb,
                                        callback_free, &op);
    if (status != SG_OK) {
        callback_free(cb);
        raise_status(status);
        goto done;
    }
    sg_tensor *out = NULL;
    status = sg_custom_op_apply(op, inputs, (size_t)PySequence_Fast_GET_SIZE(seq), &out);
    sg_custom_op_free(op); /* a recorded graph keeps it */
    ret = tensor_result(st, status, out);
done:
    PyMem_Free((void *)inputs);
    Py_DECREF(seq);
    return ret;
}

/* _register_hook(tensor, fn) -> id */
static PyObject *
m_register_hook(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("_register_hook", nargs, 2) < 0)
        return NULL;
    module_state *st = get_state(module);
    if (require_tensor(st, args[0], "register_hook", "the tensor") == NULL)
        return NULL;
    if (!PyCallable_Check(args[1])) {
        PyErr_Format(PyExc_TypeError, "[register_hook] the hook must be callable, not %.100s",
                     Py_TYPE(args[1])->tp_name);
        return NULL;
    }
    py_callback *cb = callback_new(module, args[1], Py_None);
    if (cb == NULL)
        return NULL;
    int64_t id = 0;
    sg_status status = sg_tensor_register_hook(HANDLE(args[0]), py_hook, cb, callback_free, &id);
    if (status != SG_OK) {
        callback_free(cb);
        return raise_status(status);
    }
    return PyLong_FromLongLong((long long)id);
}

/* _remove_hook(tensor, id) -> whether it was there */
static PyObject *
m_remove_hook(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int64_t id;
    if (check_nargs("_remove_hook", nargs, 2) < 0 ||
        require_tensor(get_state(module), args[0], "remove_hook", "the tensor") == NULL ||
        as_int64(args[1], &id, "remove_hook", "id") < 0)
        return NULL;
    return PyBool_FromLong(sg_tensor_remove_hook(HANDLE(args[0]), id) == SG_OK);
}

/* _retain_grad(tensor) */
static PyObject *
m_retain_grad(PyObject *module, PyObject *tensor)
{
    if (require_tensor(get_state(module), tensor, "retain_grad", "the argument") == NULL)
        return NULL;
    sg_status status = sg_tensor_retain_grad(HANDLE(tensor));
    if (status != SG_OK)
        return raise_status(status);
    Py_RETURN_NONE;
}

/* _retains_grad(tensor) -> bool */
static PyObject *
m_retains_grad(PyObject *module, PyObject *tensor)
{
    if (require_tensor(get_state(module), tensor, "retains_grad", "the argument") == NULL)
        return NULL;
    bool flag = false;
    sg_status status = sg_tensor_retains_grad(HANDLE(tensor), &flag);
    return status == SG_OK ? PyBool_FromLong(flag) : raise_status(status);
}

/* _gradcheck(f, inputs, eps, atol, rtol, flags): None, or raises. */
static PyObject *
m_gradcheck(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("_gradcheck", nargs, 6) < 0)
        return NULL;
    module_state *st = get_state(module);
    double eps = PyFloat_AsDouble(args[2]), atol = PyFloat_AsDouble(args[3]);
    double rtol = PyFloat_AsDouble(args[4]);
    int flags;
    if (PyErr_Occurred() || parse_int(args[5], &flags, "gradcheck") < 0)
        return NULL;
    if (!PyCallable_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "[gradcheck] the function must be callable");
        return NULL;
    }
    PyObject *seq = PySequence_Fast(args[1], "[gradcheck] inputs must be a sequence");
    if (seq == NULL)
        return NULL;
    PyObject *ret = NULL;
    const sg_tensor **inputs = tensor_array(st, seq, "gradcheck", "each input");
    py_callback *cb = inputs != NULL ? callback_new(module, args[0], Py_None) : NULL;
    if (cb != NULL) {
        sg_status status = sg_gradcheck(py_tensor_fn, cb, inputs,
                                        (size_t)PySequence_Fast_GET_SIZE(seq), eps, atol, rtol,
                                        (unsigned)flags);
        ret = status == SG_OK ? Py_NewRef(Py_None) : raise_status(status);
        callback_free(cb);
    }
    PyMem_Free((void *)inputs);
    Py_DECREF(seq);
    return ret;
}

static PyMethodDef module_methods[] = {
    {"_set_tensor_class", m_set_tensor_class, METH_O,
     "Sets the class of the tensors this module makes."},
    {"dtypes", m_dtypes, METH_NOARGS,
     "dtypes() -> ((code, name, itemsize, kind), ...): every dtype of the "
     "library."},
    {"promote_types", (PyCFunction)(void (*)(void))m_promote_types,
     METH_FASTCALL, "promote_types(a, b) -> code (Array API promotion)."},
    {"promote_scalar", (PyCFunction)(void (*)(void))m_promote_scalar,
     METH_FASTCALL,
     "promote_scalar(code, kind) -> code: a dtype with a Python number."},
    {"can_cast", (PyCFunction)(void (*)(void))m_can_cast, METH_FASTCALL,
     "can_cast(from, to) -> bool (Array API)."},
    {"finfo", m_finfo, METH_O,
     "finfo(code) -> (bits, eps, max, min, smallest_normal)"},
    {"iinfo", m_iinfo, METH_O, "iinfo(code) -> (bits, min, max)"},
    {"unary_op_names", m_unary_op_names, METH_NOARGS,
     "The names of the unary operations, in the order of their numbers."},
    {"binary_op_names", m_binary_op_names, METH_NOARGS,
     "The names of the binary operations, in the order of their numbers."},
    {"asarray", (PyCFunction)(void (*)(void))m_asarray, METH_FASTCALL,
     "asarray(obj, dtype=-1, copy=-1): a tensor holding obj (a tensor is "
     "returned as is); buffers are shared unless copy is 1 (0: never copy)."},
    {"unary", (PyCFunction)(void (*)(void))m_unary, METH_FASTCALL,
     "unary(op, x)"},
    {"binary", (PyCFunction)(void (*)(void))m_binary, METH_FASTCALL,
     "binary(op, a, b)"},
    {"clip", (PyCFunction)(void (*)(void))m_clip, METH_FASTCALL,
     "clip(x, min, max)"},
    {"matmul", (PyCFunction)(void (*)(void))m_matmul, METH_FASTCALL,
     "matmul(a, b)"},
    {"dot", (PyCFunction)(void (*)(void))m_dot, METH_FASTCALL, "dot(a, b)"},
    {"sum", (PyCFunction)(void (*)(void))m_sum, METH_FASTCALL,
     "sum(x, axis, keepdims)"},
    {"mean", (PyCFunction)(void (*)(void))m_mean, METH_FASTCALL,
     "mean(x, axis, keepdims)"},
    {"permute_dims", (PyCFunction)(void (*)(void))m_permute_dims,
     METH_FASTCALL, "permute_dims(x, axes)"},
    /* reductions and linear algebra */
    {"reduce", (PyCFunction)(void (*)(void))m_reduce, METH_FASTCALL,
     "reduce(op, x, axis, keepdims, dtype): sg_reduce (dtype -1: none)"},
    {"argreduce", (PyCFunction)(void (*)(void))m_argreduce, METH_FASTCALL,
     "argreduce(largest, x, axis, keepdims): argmax or argmin"},
    {"var", (PyCFunction)(void (*)(void))m_var, METH_FASTCALL,
     "var(x, axis, correction, keepdims, std)"},
    {"cumulative_sum", (PyCFunction)(void (*)(void))m_cumulative_sum,
     METH_FASTCALL, "cumulative_sum(x, axis, include_initial, dtype)"},
    {"logsumexp", (PyCFunction)(void (*)(void))m_logsumexp, METH_FASTCALL,
     "logsumexp(x, axis, keepdims)"},
    {"softmax", (PyCFunction)(void (*)(void))m_softmax, METH_FASTCALL,
     "softmax(x, axis, log): softmax or log_softmax"},
    {"log_sigmoid", (PyCFunction)m_log_sigmoid, METH_O, "log_sigmoid(x)"},
    {"bce_with_logits", (PyCFunction)(void (*)(void))m_bce_with_logits,
     METH_FASTCALL, "bce_with_logits(logits, targets, reduction)"},
    {"slice_dynamic", (PyCFunction)(void (*)(void))m_slice_dynamic, METH_FASTCALL,
     "slice_dynamic(x, axis, start, stop, step)"},
    {"tensordot", (PyCFunction)(void (*)(void))m_tensordot, METH_FASTCALL,
     "tensordot(a, b, axes_a, axes_b)"},
    {"vecdot", (PyCFunction)(void (*)(void))m_vecdot, METH_FASTCALL,
     "vecdot(a, b, axis)"},
    {"outer", (PyCFunction)(void (*)(void))m_outer, METH_FASTCALL,
     "outer(a, b)"},
    {"einsum", (PyCFunction)(void (*)(void))m_einsum, METH_FASTCALL,
     "einsum(subscripts, operands)"},
    {"linalg", (PyCFunction)(void (*)(void))m_linalg, METH_FASTCALL,
     "linalg(op, x): sg_linalg"},
    {"linalg_factors", (PyCFunction)(void (*)(void))m_linalg_factors, METH_FASTCALL,
     "linalg_factors(ops, x): sg_linalg_factors"},
    {"linalg_solve", (PyCFunction)(void (*)(void))m_linalg_solve, METH_FASTCALL,
     "linalg_solve(a, b)"},
    {"vector_norm", (PyCFunction)(void (*)(void))m_vector_norm, METH_FASTCALL,
     "vector_norm(x, axis, keepdims, ord)"},
    {"matrix_norm", (PyCFunction)(void (*)(void))m_matrix_norm, METH_FASTCALL,
     "matrix_norm(x, ord, keepdims)"},
    {"diagonal", (PyCFunction)(void (*)(void))m_diagonal, METH_FASTCALL,
     "diagonal(x, offset)"},
    {"trace", (PyCFunction)(void (*)(void))m_trace, METH_FASTCALL,
     "trace(x, offset, dtype)"},
    {"matrix_power", (PyCFunction)(void (*)(void))m_matrix_power, METH_FASTCALL,
     "matrix_power(x, n)"},
    {"pinv", (PyCFunction)(void (*)(void))m_pinv, METH_FASTCALL,
     "pinv(x, rtol, rank): pinv or matrix_rank"},
    {"cross", (PyCFunction)(void (*)(void))m_cross, METH_FASTCALL,
     "cross(a, b, axis)"},
    /* end reductions and linear algebra */
    {"astype", (PyCFunction)(void (*)(void))m_astype, METH_FASTCALL,
     "astype(x, dtype)"},
    {"_tolist", (PyCFunction)(void (*)(void))m_tolist, METH_FASTCALL,
     "_tolist(t, edgeitems): nested lists, long axes cut to their edges."},
    {"jvp", (PyCFunction)(void (*)(void))m_jvp, METH_FASTCALL,
     "jvp(outputs, inputs, tangents) -> list: forward-mode products."},
    {"vjp", (PyCFunction)(void (*)(void))m_vjp, METH_FASTCALL,
     "vjp(outputs, cotangents, wrt, flags) -> list: reverse-mode products."},
    {"scan", (PyCFunction)(void (*)(void))m_scan, METH_FASTCALL,
     "scan(sequences, slices, initial_states, states, outputs, stacked, n_steps, "
     "truncate_gradient) -> list: a compiled loop."},
    {"grad", (PyCFunction)(void (*)(void))m_grad, METH_FASTCALL,
     "grad(cost, wrt, flags=0) -> list"},
    {"placeholder", (PyCFunction)(void (*)(void))m_placeholder, METH_FASTCALL,
     "placeholder(dtype, shape, name)"},
    {"shared", (PyCFunction)(void (*)(void))m_shared, METH_FASTCALL,
     "shared(value, name, dtype)"},
    {"function", (PyCFunction)(void (*)(void))m_function, METH_FASTCALL,
     "function(inputs, outputs, update_vars, update_values, unpack)"},
    {"_op_name", m_op_name, METH_O, "_op_name(tensor) -> the recorded operation"},
    {"_custom_apply", (PyCFunction)(void (*)(void))m_custom_apply, METH_FASTCALL,
     "_custom_apply(name, forward, vjp, inputs): a custom op applied"},
    {"_register_hook", (PyCFunction)(void (*)(void))m_register_hook, METH_FASTCALL,
     "_register_hook(tensor, fn) -> id"},
    {"_remove_hook", (PyCFunction)(void (*)(void))m_remove_hook, METH_FASTCALL,
     "_remove_hook(tensor, id) -> whether it was registered"},
    {"_retain_grad", m_retain_grad, METH_O, "_retain_grad(tensor)"},
    {"_retains_grad", m_retains_grad, METH_O, "_retains_grad(tensor) -> bool"},
    {"_gradcheck", (PyCFunction)(void (*)(void))m_gradcheck, METH_FASTCALL,
     "_gradcheck(f, inputs, eps, atol, rtol, flags): raises where gradients differ"},
    {"_describe", m_describe, METH_O,
     "_describe(function or tensor) -> the program or the expression"},
    {"_to_dlpack", (PyCFunction)(void (*)(void))m_to_dlpack, METH_FASTCALL,
     "_to_dlpack(tensor, versioned) -> a DLPack capsule"},
    {"_from_dlpack", m_from_dlpack, METH_O,
     "_from_dlpack(capsule) -> a tensor over the capsule's memory"},
    {"_from_bytes", (PyCFunction)(void (*)(void))m_from_bytes, METH_FASTCALL,
     "_from_bytes(data, dtype, shape) -> a tensor copying raw elements"},
    VIEWS_METHODS /* views and indexing */
    {"_set_grad_enabled", m_set_grad_enabled, METH_O,
     "Turns eager graph recording on or off; returns the previous setting."},
    CREATION_METHODS
    {NULL}};

/* ==================================================== module definition */

/* The C enums the Python layer needs by name. The dtypes and operations
 * themselves are read at run time (dtypes(), unary_op_names()). */
static const struct {
    const char *name;
    long value;
} constants[] = {
    {"ABI_VERSION", SG_ABI_VERSION},
    {"GRAD_CREATE_GRAPH", SG_GRAD_CREATE_GRAPH},
    {"GRAD_ALLOW_UNUSED", SG_GRAD_ALLOW_UNUSED},
    {"GRADCHECK_GRAD_GRAD", SG_GRADCHECK_GRAD_GRAD},
    {"KIND_VALUE", SG_KIND_VALUE},
    {"KIND_PLACEHOLDER", SG_KIND_PLACEHOLDER},
    {"KIND_SHARED", SG_KIND_SHARED},
    {"KIND_SYMBOLIC", SG_KIND_SYMBOLIC},
    {"DTYPE_KIND_BOOL", SG_DTYPE_KIND_BOOL},
    {"DTYPE_KIND_SIGNED_INTEGER", SG_DTYPE_KIND_SIGNED_INTEGER},
    {"DTYPE_KIND_UNSIGNED_INTEGER", SG_DTYPE_KIND_UNSIGNED_INTEGER},
    {"DTYPE_KIND_REAL_FLOATING", SG_DTYPE_KIND_REAL_FLOATING},
    {"DTYPE_KIND_COMPLEX_FLOATING", SG_DTYPE_KIND_COMPLEX_FLOATING},
};

static int
module_exec(PyObject *module)
{
    module_state *st = get_state(module);
    if (sg_abi_version() != SG_ABI_VERSION) {
        PyErr_Format(PyExc_ImportError,
                     "libswiftgrad has ABI version %d; this extension was "
                     "built for %d",
                     sg_abi_version(), SG_ABI_VERSION);
        return -1;
    }
    st->tensor_base =
        (PyTypeObject *)PyType_FromModuleAndSpec(module, &tensor_spec, NULL);
    if (st->tensor_base == NULL ||
        PyModule_AddType(module, st->tensor_base) < 0)
        return -1;
    st->tensor_class = (PyTypeObject *)Py_NewRef(st->tensor_base);
    st->function_type =
        (PyTypeObject *)PyType_FromModuleAndSpec(module, &function_spec, NULL);
    if (st->function_type == NULL ||
        PyModule_AddType(module, st->function_type) < 0)
        return -1;
    if (PyModule_AddStringConstant(module, "__version__", sg_version()) < 0)
        return -1;
    for (size_t i = 0; i < sizeof constants / sizeof constants[0]; i++)
        if (PyModule_AddIntConstant(module, constants[i].name,
                                    constants[i].value) < 0)
            return -1;
    return 0;
}

static int
module_traverse(PyObject *module, visitproc visit, void *arg)
{
    module_state *st = get_state(module);
    Py_VISIT(st->tensor_base);
    Py_VISIT(st->tensor_class);
    Py_VISIT(st->function_type);
    for (int i = 0; i < SCALAR_SLOTS; i++)
        Py_VISIT(st->scalars[i].tensor);
    return 0;
}

static int
module_clear(PyObject *module)
{
    module_state *st = get_state(module);
    Py_CLEAR(st->tensor_base);
    Py_CLEAR(st->tensor_class);
    Py_CLEAR(st->function_type);
    for (int i = 0; i < SCALAR_SLOTS; i++)
        Py_CLEAR(st->scalars[i].tensor);
    return 0;
}

static void
module_free(void *module)
{
    module_clear((PyObject *)module);
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, module_exec},
    {0, NULL}};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "swiftgrad._swiftgrad",
    .m_doc = "The C binding of swiftgrad; use the swiftgrad package.",
    .m_size = sizeof(module_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
    .m_traverse = module_traverse,
    .m_clear = module_clear,
    .m_free = module_free,
};

PyMODINIT_FUNC
PyInit__swiftgrad(void)
{
    return PyModuleDef_Init(&module_def);
}
