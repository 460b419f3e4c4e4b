#include <cblas.h>
#include "lapack.h"
