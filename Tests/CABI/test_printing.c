/*
 * test_printing.c: sg_function_describe, sg_tensor_expression and
 * sg_tensor_op_name, which copy text into the caller's buffer as snprintf
 * does.
 */
#include <stdint.h>

#include "check.h"

static void test_expression(void) {
    static const int64_t open[] = {-1};
    sg_tensor *x = NULL, *e = NULL, *y = NULL;
    char buf[64], tiny[4] = {'#', '#', '#', '#'};
    size_t length = 0;

    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, open, 1, "x", &x));
    CHECK_OK(sg_unary(SG_UNARY_EXP, x, &e));
    CHECK_OK(sg_binary(SG_BINARY_MULTIPLY, e, x, &y));

    CHECK_OK(sg_tensor_expression(y, buf, sizeof buf, &length));
    CHECK(strcmp(buf, "exp(x) * x") == 0);
    CHECK(length == 10);
    /* Cut to capacity - 1 bytes, NUL-terminated, full length reported. */
    CHECK_OK(sg_tensor_expression(y, tiny, sizeof tiny, &length));
    CHECK(memcmp(tiny, "exp", 4) == 0);
    CHECK(length == 10);
    /* Capacity 0 measures; the buffer may be NULL. */
    length = 0;
    CHECK_OK(sg_tensor_expression(y, NULL, 0, &length));
    CHECK(length == 10);
    CHECK_STATUS(sg_tensor_expression(y, NULL, 8, &length), SG_ERROR_NULL);
    CHECK_STATUS(sg_tensor_expression(y, buf, sizeof buf, NULL), SG_ERROR_NULL);
    CHECK_STATUS(sg_tensor_expression(NULL, buf, sizeof buf, &length), SG_ERROR_NULL);
    CHECK_STATUS(sg_tensor_expression(y, buf, (size_t)-1, &length), SG_ERROR_VALUE);
    sg_tensor_free(y);
    sg_tensor_free(e);
    sg_tensor_free(x);
}

static void test_describe(void) {
    static const int64_t open[] = {-1};
    static const double one = 1.0;
    sg_tensor *x = NULL, *c = NULL, *y = NULL;
    sg_function *f = NULL;
    size_t length = 0;
    char *text;

    CHECK_OK(sg_tensor_new_placeholder(SG_DTYPE_FLOAT64, open, 1, "x", &x));
    CHECK_OK(sg_tensor_from_data(&one, NULL, 0, SG_DTYPE_FLOAT64, &c));
    CHECK_OK(sg_binary(SG_BINARY_MULTIPLY, x, c, &y));
    CHECK_OK(sg_function_new((const sg_tensor *const *)&x, 1, (const sg_tensor *const *)&y, 1,
                             NULL, NULL, 0, &f));
    CHECK_OK(sg_function_describe(f, NULL, 0, &length));
    text = malloc(length + 1);
    CHECK(text != NULL);
    CHECK_OK(sg_function_describe(f, text, length + 1, &length));
    CHECK(strlen(text) == length);
    CHECK(strstr(text, "1 operations as given, 0 after rewrites") != NULL);
    CHECK(strstr(text, "rewrite x*1: 1") != NULL);
    CHECK(strstr(text, "%0 = input 0: float64 placeholder 'x' of shape (?,)") != NULL);
    free(text);
    CHECK_STATUS(sg_function_describe(NULL, NULL, 0, &length), SG_ERROR_NULL);
    sg_function_free(f);
    sg_tensor_free(y);
    sg_tensor_free(c);
    sg_tensor_free(x);
}

static void test_op_name(void) {
    static const double v[] = {1, 2};
    static const int64_t shape[] = {2};
    sg_tensor *x = NULL, *y = NULL, *z = NULL;
    char name[32] = "garbage";
    size_t length = 99;

    CHECK_OK(sg_tensor_from_data(v, shape, 1, SG_DTYPE_FLOAT64, &x));
    CHECK_OK(sg_tensor_op_name(x, name, sizeof name, &length));
    CHECK(length == 0 && name[0] == '\0');
    CHECK_OK(sg_unary(SG_UNARY_EXP, x, &z)); /* nothing requires grad: not recorded */
    CHECK_OK(sg_tensor_op_name(z, name, sizeof name, &length));
    CHECK(length == 0);
    CHECK_OK(sg_tensor_set_requires_grad(x, true));
    CHECK_OK(sg_unary(SG_UNARY_TANH, x, &y));
    CHECK_OK(sg_tensor_op_name(y, name, sizeof name, &length));
    CHECK(strcmp(name, "tanh") == 0 && length == 4);
    CHECK_STATUS(sg_tensor_op_name(NULL, name, sizeof name, &length), SG_ERROR_NULL);
    sg_tensor_free(z);
    sg_tensor_free(y);
    sg_tensor_free(x);
}

int main(void) {
    test_op_name();
    test_expression();
    test_describe();
    return CHECK_DONE();
}
