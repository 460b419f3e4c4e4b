/*
 * _swiftgrad.c: the CPython binding of swiftgrad.
 *
 * It calls nothing but the C ABI in swiftgrad.h. Like CPython's
 * Modules/xxlimited.c it uses multi-phase initialisation, heap types and
 * module state, so no Python object lives in a static variable and the
 * module can be loaded in several interpreters.
 *
 * Sections: module state, errors, tensor handles, conversion, Tensor type,
 * Function type, module functions, module definition.
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

/* "No particular dtype": data keeps its own float type, Python numbers and
 * lists become float64. */
#define DTYPE_ANY (-1)

/* ========================================================= module state */

typedef struct {
    PyTypeObject *tensor_base;   /* _Tensor */
    PyTypeObject *tensor_class;  /* class of new tensors: swiftgrad.Tensor */
    PyTypeObject *function_type; /* Function */
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

/* Raises the exception for a failed swiftgrad call, with the library's
 * message, and returns NULL. */
static PyObject *
raise_status(sg_status status)
{
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

static const char *
dtype_name(sg_dtype dtype)
{
    return dtype == SG_DTYPE_FLOAT32 ? "float32" : "float64";
}

static int
check_dtype_code(int code, int allow_any)
{
    if (code == SG_DTYPE_FLOAT32 || code == SG_DTYPE_FLOAT64 ||
        (allow_any && code == DTYPE_ANY))
        return 0;
    PyErr_Format(PyExc_ValueError, "unknown dtype code %d", code);
    return -1;
}

/* =========================================================== conversion */

/* The element type of buffer data, from its struct-module format. */
typedef enum { ELEM_BOOL, ELEM_SIGNED, ELEM_UNSIGNED, ELEM_FLOAT } elem_kind;

typedef struct {
    elem_kind kind;
    Py_ssize_t size;
} elem_type;

static int
parse_format(const Py_buffer *view, elem_type *out, const char *op)
{
    const char *format = view->format != NULL ? view->format : "B";
    const char *f = format;
    int native = 1;
    switch (*f) {
    case '@': case '=': f++; break;
    case '<': native = PY_LITTLE_ENDIAN; f++; break;
    case '>': case '!': native = !PY_LITTLE_ENDIAN; f++; break;
    }
    /* The item size decides the width, so '=l' and '@l' both work. */
    Py_ssize_t size = view->itemsize;
    int int_size = size == 1 || size == 2 || size == 4 || size == 8;
    int ok = f[0] != '\0' && f[1] == '\0';
    elem_kind kind = ELEM_FLOAT;
    switch (ok ? f[0] : '\0') {
    case '?':
        kind = ELEM_BOOL; ok = size == 1; break;
    case 'b': case 'h': case 'i': case 'l': case 'q': case 'n':
        kind = ELEM_SIGNED; ok = int_size; break;
    case 'B': case 'H': case 'I': case 'L': case 'Q': case 'N':
        kind = ELEM_UNSIGNED; ok = int_size; break;
    case 'e': ok = size == 2; break;
    case 'f': ok = size == 4; break;
    case 'd': ok = size == 8; break;
    default: ok = 0; break;
    }
    if (ok && !native && size > 1)
        ok = 0;
    if (!ok) {
        PyErr_Format(PyExc_TypeError,
                     "[%s] unsupported buffer format '%s' (item size %zd)",
                     op, format, size);
        return -1;
    }
    out->kind = kind;
    out->size = size;
    return 0;
}

static const char *
elem_type_name(elem_type t)
{
    static const char *const ints[] = {"int8", "int16", "int32", "int64"};
    static const char *const uints[] = {"uint8", "uint16", "uint32", "uint64"};
    int log = t.size == 1 ? 0 : t.size == 2 ? 1 : t.size == 4 ? 2 : 3;
    switch (t.kind) {
    case ELEM_BOOL: return "bool";
    case ELEM_SIGNED: return ints[log];
    case ELEM_UNSIGNED: return uints[log];
    case ELEM_FLOAT: break;
    }
    return t.size == 2 ? "float16" : t.size == 4 ? "float32" : "float64";
}

/* float data keeps its width; integers and bools become float64. */
static sg_dtype
natural_dtype(elem_type t)
{
    return t.kind == ELEM_FLOAT && t.size <= 4 ? SG_DTYPE_FLOAT32
                                               : SG_DTYPE_FLOAT64;
}

/* NumPy's "safe" casting: float64 holds everything we read; float32 holds
 * bools, 8- and 16-bit integers and floats up to 32 bits. */
static int
can_cast_safely(elem_type t, sg_dtype to)
{
    if (to == SG_DTYPE_FLOAT64)
        return 1;
    return t.kind == ELEM_BOOL || t.size <= 2 ||
           (t.kind == ELEM_FLOAT && t.size <= 4);
}

static double
read_element(const char *p, elem_type t)
{
    switch (t.kind) {
    case ELEM_BOOL:
        return *p != 0;
    case ELEM_SIGNED:
        switch (t.size) {
        case 1: { int8_t v; memcpy(&v, p, 1); return v; }
        case 2: { int16_t v; memcpy(&v, p, 2); return v; }
        case 4: { int32_t v; memcpy(&v, p, 4); return v; }
        default: { int64_t v; memcpy(&v, p, 8); return (double)v; }
        }
    case ELEM_UNSIGNED:
        switch (t.size) {
        case 1: { uint8_t v; memcpy(&v, p, 1); return v; }
        case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
        case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
        default: { uint64_t v; memcpy(&v, p, 8); return (double)v; }
        }
    case ELEM_FLOAT:
        switch (t.size) {
        case 2: return PyFloat_Unpack2(p, PY_LITTLE_ENDIAN);
        case 4: { float v; memcpy(&v, p, 4); return v; }
        default: { double v; memcpy(&v, p, 8); return v; }
        }
    }
    return 0.0;
}

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

/* Copies `count` elements of any strides into C-ordered `dst` of `dtype`. */
static void
copy_elements(const Py_buffer *view, elem_type t, sg_dtype dtype, void *dst,
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
    const char *p = (const char *)view->buf;
    for (Py_ssize_t k = 0; k < count; k++) {
        double v = read_element(p, t);
        if (dtype == SG_DTYPE_FLOAT32)
            ((float *)dst)[k] = to_float(v);
        else
            ((double *)dst)[k] = v;
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

/* A tensor holding a copy of buffer data as `dtype` (DTYPE_ANY: the data's
 * natural dtype). */
static PyObject *
tensor_from_view(module_state *st, const Py_buffer *view, int dtype,
                 const char *op)
{
    elem_type t;
    if (parse_format(view, &t, op) < 0)
        return NULL;
    sg_dtype target = dtype == DTYPE_ANY ? natural_dtype(t) : (sg_dtype)dtype;
    Py_ssize_t elsize = target == SG_DTYPE_FLOAT32 ? 4 : 8;

    int64_t shape[MAX_NDIM];
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

    sg_tensor *out = NULL;
    sg_status status;
    if (t.kind == ELEM_FLOAT && t.size == elsize &&
        PyBuffer_IsContiguous(view, 'C')) {
        status = sg_tensor_from_data(view->buf, shape, (size_t)view->ndim,
                                     target, &out);
    }
    else {
        void *data = PyMem_Malloc(count > 0 ? (size_t)(count * elsize) : 1);
        if (data == NULL)
            return PyErr_NoMemory();
        copy_elements(view, t, target, data, count);
        status = sg_tensor_from_data(data, shape, (size_t)view->ndim, target,
                                     &out);
        PyMem_Free(data);
    }
    return tensor_result(st, status, out);
}

/* Walking a nested list: its shape (from the first items), where we are,
 * and where the next number goes. */
typedef struct {
    const char *op;
    sg_dtype dtype;
    size_t ndim;
    int64_t shape[MAX_NDIM];
    Py_ssize_t index[MAX_NDIM];
    char *cursor;
} nested_walk;

static int
is_sequence(PyObject *obj)
{
    return PyList_Check(obj) || PyTuple_Check(obj);
}

static int
nested_shape(PyObject *obj, nested_walk *w)
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
ragged(nested_walk *w, size_t depth, const char *problem)
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
nested_fill(PyObject *obj, size_t depth, nested_walk *w)
{
    char problem[128];
    if (depth == w->ndim) {
        if (is_sequence(obj))
            return ragged(w, depth, "is a sequence, expected a number");
        double v = PyFloat_AsDouble(obj);
        if (v == -1.0 && PyErr_Occurred()) {
            if (PyErr_ExceptionMatches(PyExc_TypeError)) {
                PyErr_Clear();
                PyErr_Format(PyExc_TypeError,
                             "[%s] cannot convert %.100s to a number", w->op,
                             Py_TYPE(obj)->tp_name);
            }
            return -1;
        }
        if (w->dtype == SG_DTYPE_FLOAT32) {
            float f = to_float(v);
            memcpy(w->cursor, &f, sizeof f);
            w->cursor += sizeof f;
        }
        else {
            memcpy(w->cursor, &v, sizeof v);
            w->cursor += sizeof v;
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

static PyObject *
tensor_from_nested(module_state *st, PyObject *obj, sg_dtype dtype,
                   const char *op)
{
    nested_walk w;
    w.op = op;
    w.dtype = dtype;
    if (nested_shape(obj, &w) < 0)
        return NULL;
    size_t elsize = dtype == SG_DTYPE_FLOAT32 ? 4 : 8;
    size_t count = 1;
    for (size_t i = 0; i < w.ndim; i++) {
        size_t n = (size_t)w.shape[i];
        if (n != 0 && count > (size_t)PY_SSIZE_T_MAX / elsize / n)
            return PyErr_NoMemory();
        count *= n;
    }
    char *data = PyMem_Malloc(count > 0 ? count * elsize : 1);
    if (data == NULL)
        return PyErr_NoMemory();
    w.cursor = data;
    if (nested_fill(obj, 0, &w) < 0) {
        PyMem_Free(data);
        return NULL;
    }
    sg_tensor *out = NULL;
    sg_status status = sg_tensor_from_data(data, w.shape, w.ndim, dtype, &out);
    PyMem_Free(data);
    return tensor_result(st, status, out);
}

static PyObject *
tensor_from_number(module_state *st, PyObject *obj, sg_dtype dtype)
{
    double value = PyFloat_AsDouble(obj);
    if (value == -1.0 && PyErr_Occurred())
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = sg_tensor_from_scalar(value, dtype, &out);
    return tensor_result(st, status, out);
}

/* bytes would be read as uint8 arrays; NumPy treats them as strings. */
static int
is_buffer(PyObject *obj)
{
    return PyObject_CheckBuffer(obj) && !PyBytes_Check(obj) &&
           !PyByteArray_Check(obj);
}

static int
is_python_number(PyObject *obj)
{
    return PyFloat_CheckExact(obj) || PyLong_CheckExact(obj) ||
           PyBool_Check(obj);
}

/* Python numbers and lists are "weak" (the Array API's rule): they take the
 * dtype of the tensor or array they meet. NumPy scalars are not. */
static int
is_weak(PyObject *obj)
{
    return is_python_number(obj) || is_sequence(obj);
}

static int
is_convertible(module_state *st, PyObject *obj)
{
    return is_tensor(st, obj) || is_weak(obj) || is_buffer(obj);
}

/* A tensor for `obj`, as a new reference. A tensor is itself; buffer data
 * keeps its float type (integers and bools become float64); Python numbers
 * and nested lists take `weak` (float64 if DTYPE_ANY). Unless `force` is
 * DTYPE_ANY, the result is converted to `force`. */
static PyObject *
to_tensor(module_state *st, PyObject *obj, int weak, int force,
          const char *op)
{
    if (is_tensor(st, obj)) {
        if (force == DTYPE_ANY)
            return Py_NewRef(obj);
        sg_dtype dtype;
        if (get_dtype(HANDLE(obj), &dtype) < 0)
            return NULL;
        if ((int)dtype == force)
            return Py_NewRef(obj);
        sg_tensor *out = NULL;
        sg_status status = sg_astype(HANDLE(obj), (sg_dtype)force, &out);
        return tensor_result(st, status, out);
    }
    sg_dtype dtype = force != DTYPE_ANY  ? (sg_dtype)force
                     : weak != DTYPE_ANY ? (sg_dtype)weak
                                         : SG_DTYPE_FLOAT64;
    if (is_python_number(obj))
        return tensor_from_number(st, obj, dtype);
    if (is_buffer(obj)) {
        Py_buffer view;
        if (PyObject_GetBuffer(obj, &view, PyBUF_RECORDS_RO) < 0)
            return NULL;
        PyObject *result = tensor_from_view(st, &view, force, op);
        PyBuffer_Release(&view);
        return result;
    }
    if (is_sequence(obj))
        return tensor_from_nested(st, obj, dtype, op);
    PyNumberMethods *nb = Py_TYPE(obj)->tp_as_number;
    if (nb != NULL && (nb->nb_float != NULL || nb->nb_index != NULL))
        return tensor_from_number(st, obj, dtype);
    PyErr_Format(PyExc_TypeError, "[%s] cannot convert %.100s to a tensor", op,
                 Py_TYPE(obj)->tp_name);
    return NULL;
}

/* Converts both operands of a binary operation. Strong operands (tensors,
 * arrays) go first so that weak ones can take their dtype (NEP 50). */
static int
to_tensor_pair(module_state *st, PyObject *a, PyObject *b, PyObject **ta,
               PyObject **tb, const char *op)
{
    int swap = is_weak(a) && !is_weak(b);
    PyObject *first = swap ? b : a, *second = swap ? a : b;
    PyObject *t1 = to_tensor(st, first, DTYPE_ANY, DTYPE_ANY, op);
    if (t1 == NULL)
        return -1;
    int weak = DTYPE_ANY;
    if (!is_weak(first)) {
        sg_dtype dtype;
        if (get_dtype(HANDLE(t1), &dtype) < 0) {
            Py_DECREF(t1);
            return -1;
        }
        weak = (int)dtype;
    }
    PyObject *t2 = to_tensor(st, second, weak, DTYPE_ANY, op);
    if (t2 == NULL) {
        Py_DECREF(t1);
        return -1;
    }
    *ta = swap ? t2 : t1;
    *tb = swap ? t1 : t2;
    return 0;
}

/* A tensor of exactly `want` for an input that must not lose precision:
 * compiled-function arguments and shared-variable values. Float32 data may
 * widen and integers go to float64 (as Theano does); float64 never narrows.
 * Refused data returns NULL with *lossy naming its dtype and no exception
 * set, so the caller can name the input in the message (raise_lossy). */
static PyObject *
to_tensor_exact(module_state *st, PyObject *obj, sg_dtype want,
                const char *op, const char **lossy)
{
    *lossy = NULL;
    if (is_tensor(st, obj)) {
        sg_dtype have;
        if (get_dtype(HANDLE(obj), &have) < 0)
            return NULL;
        if (have == want)
            return Py_NewRef(obj);
        if (have == SG_DTYPE_FLOAT64) {
            *lossy = dtype_name(have);
            return NULL;
        }
        return to_tensor(st, obj, want, want, op);
    }
    if (!is_buffer(obj))
        return to_tensor(st, obj, want, want, op); /* weak: lists, numbers */
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_RECORDS_RO) < 0)
        return NULL;
    elem_type t;
    PyObject *result = NULL;
    if (parse_format(&view, &t, op) == 0) {
        if (can_cast_safely(t, want))
            result = tensor_from_view(st, &view, (int)want, op);
        else
            *lossy = elem_type_name(t);
    }
    PyBuffer_Release(&view);
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
    if (PyIndex_Check(obj)) {
        long long axis = PyLong_AsLongLong(obj);
        if (axis == -1 && PyErr_Occurred())
            return -2;
        axes[0] = axis;
        return 1;
    }
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
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        long long axis = -1;
        if (!PyIndex_Check(item)) {
            PyErr_Format(PyExc_TypeError, "[%s] axes must be ints, not %.100s",
                         op, Py_TYPE(item)->tp_name);
        }
        else {
            axis = PyLong_AsLongLong(item);
        }
        if (axis == -1 && PyErr_Occurred()) {
            Py_DECREF(seq);
            return -2;
        }
        axes[i] = axis;
    }
    Py_DECREF(seq);
    return n;
}

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
    static char *keywords[] = {"gradient", NULL};
    PyObject *gradient = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:backward", keywords,
                                     &gradient))
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
    sg_status status = sg_tensor_backward(HANDLE(self), seed ? HANDLE(seed) : NULL);
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
tensor_item(PyObject *self, PyObject *unused)
{
    double value;
    sg_status status = sg_tensor_item(HANDLE(self), &value);
    return status == SG_OK ? PyFloat_FromDouble(value) : raise_status(status);
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
    sg_status status = sg_tensor_set_value(HANDLE(self), HANDLE(t));
    Py_DECREF(t);
    if (status != SG_OK)
        return raise_status(status);
    Py_RETURN_NONE;
}

static PyMethodDef tensor_methods[] = {
    {"backward", (PyCFunction)(void (*)(void))tensor_backward,
     METH_VARARGS | METH_KEYWORDS,
     "backward(gradient=None)\n--\n\n"
     "Back-propagates from this tensor into the .grad of the leaves that "
     "require grad. gradient defaults to 1 for a one-element tensor."},
    {"detach", tensor_detach, METH_NOARGS,
     "The same value without graph history, not requiring grad."},
    {"item", tensor_item, METH_NOARGS,
     "The only element of a one-element tensor, as a Python float."},
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

static PyObject *
tensor_add(PyObject *a, PyObject *b)
{
    return binary_slot(a, b, SG_BINARY_ADD);
}

static PyObject *
tensor_sub(PyObject *a, PyObject *b)
{
    return binary_slot(a, b, SG_BINARY_SUB);
}

static PyObject *
tensor_mul(PyObject *a, PyObject *b)
{
    return binary_slot(a, b, SG_BINARY_MUL);
}

static PyObject *
tensor_div(PyObject *a, PyObject *b)
{
    return binary_slot(a, b, SG_BINARY_DIV);
}

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

static PyObject *
tensor_neg(PyObject *x)
{
    module_state *st = state_of_type(Py_TYPE(x));
    return st == NULL ? NULL : unary(st, SG_UNARY_NEG, x);
}

static PyObject *
tensor_pos(PyObject *x)
{
    return Py_NewRef(x);
}

static PyObject *
tensor_float(PyObject *self)
{
    return tensor_item(self, NULL);
}

static PyObject *
tensor_int(PyObject *self)
{
    double value;
    sg_status status = sg_tensor_item(HANDLE(self), &value);
    return status == SG_OK ? PyLong_FromDouble(value) : raise_status(status);
}

/* Truth of one element only, as in NumPy; symbolic tensors refuse. */
static int
tensor_bool(PyObject *self)
{
    double value;
    sg_status status = sg_tensor_item(HANDLE(self), &value);
    return status == SG_OK ? value != 0.0 : fail(status);
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

    Py_ssize_t itemsize = dtype == SG_DTYPE_FLOAT32 ? 4 : 8;
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
                       ? (dtype == SG_DTYPE_FLOAT32 ? "f" : "d")
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
    sg_kind kind;
    if (get_kind(HANDLE(self), &kind) < 0)
        return -1;
    if (kind == SG_KIND_VALUE)
        return export_value(self, view, flags);
    if (kind != SG_KIND_SHARED) {
        PyErr_SetString(PyExc_TypeError,
                        "[buffer] a symbolic tensor has no value yet; compile "
                        "it with swiftgrad.function");
        return -1;
    }
    module_state *st = state_of_type(Py_TYPE(self));
    if (st == NULL)
        return -1;
    sg_tensor *value = NULL;
    sg_status status = sg_tensor_get_value(HANDLE(self), &value);
    PyObject *snapshot = tensor_result(st, status, value);
    if (snapshot == NULL)
        return -1;
    int rc = -1;
    if (get_kind(HANDLE(snapshot), &kind) == 0) {
        if (kind == SG_KIND_VALUE)
            rc = export_value(snapshot, view, flags);
        else
            PyErr_SetString(PyExc_RuntimeError,
                            "[buffer] get_value gave a tensor without a value");
    }
    Py_DECREF(snapshot); /* the view holds its own reference */
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
    {Py_nb_add, tensor_add},
    {Py_nb_subtract, tensor_sub},
    {Py_nb_multiply, tensor_mul},
    {Py_nb_true_divide, tensor_div},
    {Py_nb_power, tensor_pow},
    {Py_nb_matrix_multiply, tensor_matmul},
    {Py_nb_negative, tensor_neg},
    {Py_nb_positive, tensor_pos},
    {Py_nb_float, tensor_float},
    {Py_nb_int, tensor_int},
    {Py_nb_bool, tensor_bool},
    {Py_mp_length, tensor_length},
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

static int
parse_int(PyObject *obj, int *out)
{
    long v = PyLong_AsLong(obj);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (v < INT_MIN || v > INT_MAX) {
        PyErr_SetString(PyExc_OverflowError, "value out of range");
        return -1;
    }
    *out = (int)v;
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

/* asarray(obj, dtype=-1) */
static PyObject *
m_asarray(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int dtype = DTYPE_ANY;
    if (nargs < 1 || nargs > 2) {
        PyErr_Format(PyExc_TypeError,
                     "asarray() takes 1 or 2 arguments (%zd given)", nargs);
        return NULL;
    }
    if (nargs == 2 && (parse_int(args[1], &dtype) < 0 ||
                       check_dtype_code(dtype, 1) < 0))
        return NULL;
    return to_tensor(get_state(module), args[0], dtype, dtype, "asarray");
}

/* unary(op, x) */
static PyObject *
m_unary(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int op;
    if (check_nargs("unary", nargs, 2) < 0 || parse_int(args[0], &op) < 0)
        return NULL;
    return unary(get_state(module), (sg_unary_op)op, args[1]);
}

/* binary(op, a, b) */
static PyObject *
m_binary(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int op;
    if (check_nargs("binary", nargs, 3) < 0 || parse_int(args[0], &op) < 0)
        return NULL;
    return binary(get_state(module), (sg_binary_op)op, args[1], args[2]);
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
    int dtype;
    if (check_nargs("astype", nargs, 2) < 0 || parse_int(args[1], &dtype) < 0 ||
        check_dtype_code(dtype, 0) < 0)
        return NULL;
    module_state *st = get_state(module);
    PyObject *x = to_tensor(st, args[0], DTYPE_ANY, DTYPE_ANY, "astype");
    if (x == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = sg_astype(HANDLE(x), (sg_dtype)dtype, &out);
    Py_DECREF(x);
    return tensor_result(st, status, out);
}

/* grad(cost, wrt) -> list, for a sequence wrt */
static PyObject *
m_grad(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
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
    sg_status status = sg_grad(HANDLE(args[0]), wrt, n, grads);
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

/* placeholder(dtype, shape, name): None in shape leaves a length open. */
static PyObject *
m_placeholder(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int dtype;
    if (check_nargs("placeholder", nargs, 3) < 0 ||
        parse_int(args[0], &dtype) < 0 || check_dtype_code(dtype, 0) < 0)
        return NULL;
    PyObject *seq = PySequence_Fast(args[1], "shape must be a sequence");
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
        shape[i] = item == Py_None ? -1 : PyLong_AsLongLong(item);
        if (shape[i] == -1 && PyErr_Occurred()) {
            Py_DECREF(seq);
            return NULL;
        }
    }
    Py_DECREF(seq);
    const char *name = NULL;
    if (args[2] != Py_None && (name = PyUnicode_AsUTF8(args[2])) == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = sg_tensor_new_placeholder((sg_dtype)dtype, shape,
                                                 (size_t)ndim, name, &out);
    return tensor_result(get_state(module), status, out);
}

/* shared(value, name, dtype) */
static PyObject *
m_shared(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int dtype;
    if (check_nargs("shared", nargs, 3) < 0 ||
        parse_int(args[2], &dtype) < 0 || check_dtype_code(dtype, 1) < 0)
        return NULL;
    module_state *st = get_state(module);
    const char *name = NULL;
    if (args[1] != Py_None && (name = PyUnicode_AsUTF8(args[1])) == NULL)
        return NULL;
    PyObject *value = to_tensor(st, args[0], dtype, dtype, "shared");
    if (value == NULL)
        return NULL;
    sg_tensor *out = NULL;
    sg_status status = sg_tensor_new_shared(HANDLE(value), name, &out);
    Py_DECREF(value);
    return tensor_result(st, status, out);
}

/* Borrowed handles of a sequence of tensors, into a PyMem array with at
 * least one slot (so empty sequences still give a valid pointer). */
static const sg_tensor **
handles_of(module_state *st, PyObject *seq, const char *what)
{
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    const sg_tensor **handles = PyMem_New(const sg_tensor *, (size_t)n + 1);
    if (handles == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        if (require_tensor(st, item, "function", what) == NULL) {
            PyMem_Free((void *)handles);
            return NULL;
        }
        handles[i] = HANDLE(item);
    }
    return handles;
}

/* function(inputs, outputs, update_vars, update_values, unpack) */
static PyObject *
m_function(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_nargs("function", nargs, 5) < 0)
        return NULL;
    module_state *st = get_state(module);
    int unpack = PyObject_IsTrue(args[4]);
    if (unpack < 0)
        return NULL;
    static const char *const what[] = {"each input", "each output",
                                       "each updated variable",
                                       "each update value"};
    PyObject *seqs[4] = {NULL};
    const sg_tensor **handles[4] = {NULL};
    FunctionObject *fn = NULL;
    PyObject *ret = NULL;
    for (int k = 0; k < 4; k++) {
        seqs[k] = PySequence_Fast(args[k], "[function] expected a sequence");
        if (seqs[k] == NULL ||
            (handles[k] = handles_of(st, seqs[k], what[k])) == NULL)
            goto done;
    }
    size_t ninputs = (size_t)PySequence_Fast_GET_SIZE(seqs[0]);
    size_t noutputs = (size_t)PySequence_Fast_GET_SIZE(seqs[1]);
    size_t nupdates = (size_t)PySequence_Fast_GET_SIZE(seqs[2]);
    if ((size_t)PySequence_Fast_GET_SIZE(seqs[3]) != nupdates) {
        PyErr_SetString(PyExc_ValueError,
                        "[function] update variables and values differ in "
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
    sg_status status = sg_function_new(handles[0], ninputs, handles[1],
                                       noutputs, handles[2], handles[3],
                                       nupdates, &fn->handle);
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
    for (int k = 0; k < 4; k++) {
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

static PyMethodDef module_methods[] = {
    {"_set_tensor_class", m_set_tensor_class, METH_O,
     "Sets the class of the tensors this module makes."},
    {"asarray", (PyCFunction)(void (*)(void))m_asarray, METH_FASTCALL,
     "asarray(obj, dtype=-1): a tensor holding obj (a tensor is returned "
     "as is)."},
    {"unary", (PyCFunction)(void (*)(void))m_unary, METH_FASTCALL,
     "unary(op, x)"},
    {"binary", (PyCFunction)(void (*)(void))m_binary, METH_FASTCALL,
     "binary(op, a, b)"},
    {"matmul", (PyCFunction)(void (*)(void))m_matmul, METH_FASTCALL,
     "matmul(a, b)"},
    {"dot", (PyCFunction)(void (*)(void))m_dot, METH_FASTCALL, "dot(a, b)"},
    {"sum", (PyCFunction)(void (*)(void))m_sum, METH_FASTCALL,
     "sum(x, axis, keepdims)"},
    {"mean", (PyCFunction)(void (*)(void))m_mean, METH_FASTCALL,
     "mean(x, axis, keepdims)"},
    {"permute_dims", (PyCFunction)(void (*)(void))m_permute_dims,
     METH_FASTCALL, "permute_dims(x, axes)"},
    {"astype", (PyCFunction)(void (*)(void))m_astype, METH_FASTCALL,
     "astype(x, dtype)"},
    {"grad", (PyCFunction)(void (*)(void))m_grad, METH_FASTCALL,
     "grad(cost, wrt) -> list"},
    {"placeholder", (PyCFunction)(void (*)(void))m_placeholder, METH_FASTCALL,
     "placeholder(dtype, shape, name)"},
    {"shared", (PyCFunction)(void (*)(void))m_shared, METH_FASTCALL,
     "shared(value, name, dtype)"},
    {"function", (PyCFunction)(void (*)(void))m_function, METH_FASTCALL,
     "function(inputs, outputs, update_vars, update_values, unpack)"},
    {"_set_grad_enabled", m_set_grad_enabled, METH_O,
     "Turns eager graph recording on or off; returns the previous setting."},
    {NULL}};

/* ==================================================== module definition */

/* The C enums, for the Python layer. */
static const struct {
    const char *name;
    long value;
} constants[] = {
    {"ABI_VERSION", SG_ABI_VERSION},
    {"DTYPE_FLOAT32", SG_DTYPE_FLOAT32},
    {"DTYPE_FLOAT64", SG_DTYPE_FLOAT64},
    {"KIND_VALUE", SG_KIND_VALUE},
    {"KIND_PLACEHOLDER", SG_KIND_PLACEHOLDER},
    {"KIND_SHARED", SG_KIND_SHARED},
    {"KIND_SYMBOLIC", SG_KIND_SYMBOLIC},
    {"UNARY_NEG", SG_UNARY_NEG},
    {"UNARY_EXP", SG_UNARY_EXP},
    {"UNARY_LOG", SG_UNARY_LOG},
    {"UNARY_SIGMOID", SG_UNARY_SIGMOID},
    {"BINARY_ADD", SG_BINARY_ADD},
    {"BINARY_SUB", SG_BINARY_SUB},
    {"BINARY_MUL", SG_BINARY_MUL},
    {"BINARY_DIV", SG_BINARY_DIV},
    {"BINARY_POW", SG_BINARY_POW},
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
    return 0;
}

static int
module_clear(PyObject *module)
{
    module_state *st = get_state(module);
    Py_CLEAR(st->tensor_base);
    Py_CLEAR(st->tensor_class);
    Py_CLEAR(st->function_type);
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
