/// A scalar function that kernels are specialized for: a generic kernel
/// over a conforming type calls `apply` directly, without a closure.
protocol ScalarFunction {
    func apply<T: FloatElement>(_ x: T) -> T
}

/// A combination of two scalars that kernels are specialized for.
protocol ScalarCombination {
    func apply<T: FloatElement>(_ a: T, _ b: T) -> T
}

/// `f` applied to every element, into a new contiguous array.
func map<T: FloatElement, F: ScalarFunction>(_ x: NDArray, _: T.Type, _ f: F, _ op: String) throws -> NDArray {
    let out = try NDArray.uninitialized(T.dtype, x.shape, op)
    let src = x.pointer(T.self), dst = out.pointer(T.self)
    if x.isContiguous {
        for i in 0..<x.count { dst[i] = f.apply(src[i]) }
    } else {
        var k = 0
        forEachRow(x.shape, x.strides, offset: 0) { start, n, step in
            for j in 0..<n { dst[k + j] = f.apply(src[start + j * step]) }
            k += n
        }
    }
    return out
}

/// Elements converted from `T` to `U` into a new contiguous array: a
/// contiguous copy when the types agree.
func convert<T: FloatElement, U: FloatElement>(_ x: NDArray, _: T.Type, to _: U.Type, _ op: String) throws -> NDArray {
    let out = try NDArray.uninitialized(U.dtype, x.shape, op)
    let src = x.pointer(T.self), dst = out.pointer(U.self)
    var k = 0
    forEachRow(x.shape, x.strides, offset: 0) { start, n, step in
        for j in 0..<n { dst[k + j] = U(src[start + j * step]) }
        k += n
    }
    return out
}

/// `f` applied to pairs of elements of `a` and `b` broadcast to `shape`.
func zipMap<T: FloatElement, F: ScalarCombination>(
    _ a: NDArray, _ b: NDArray, shape: [Int], _: T.Type, _ f: F, _ op: String
) throws -> NDArray {
    let out = try NDArray.uninitialized(T.dtype, shape, op)
    let pa = a.pointer(T.self), pb = b.pointer(T.self), dst = out.pointer(T.self)
    let n = out.count
    let aFull = a.shape == shape && a.isContiguous, bFull = b.shape == shape && b.isContiguous
    if aFull && bFull {
        for i in 0..<n { dst[i] = f.apply(pa[i], pb[i]) }
    } else if aFull && b.count == 1 {
        let y = pb[0]
        for i in 0..<n { dst[i] = f.apply(pa[i], y) }
    } else if a.count == 1 && bFull {
        let x = pa[0]
        for i in 0..<n { dst[i] = f.apply(x, pb[i]) }
    } else {
        var k = 0
        forEachRow(shape, broadcastStrides(a, to: shape), 0, broadcastStrides(b, to: shape), 0) {
            i, j, length, si, sj in
            let d = dst + k, x = pa + i, y = pb + j
            // Unit and zero steps get loops the compiler can vectorize.
            switch (si, sj) {
            case (1, 1): for e in 0..<length { d[e] = f.apply(x[e], y[e]) }
            case (1, 0): for e in 0..<length { d[e] = f.apply(x[e], y[0]) }
            case (0, 1): for e in 0..<length { d[e] = f.apply(x[0], y[e]) }
            default: for e in 0..<length { d[e] = f.apply(x[e * si], y[e * sj]) }
            }
            k += length
        }
    }
    return out
}
