/// `f` applied to every element, into a new contiguous array.
@inline(__always)
func map<T: FloatElement, U: FloatElement>(
    _ x: NDArray, _ op: String, _ f: (T) -> U
) throws -> NDArray {
    let out = try NDArray.uninitialized(U.dtype, x.shape, op)
    let src = x.pointer(T.self), dst = out.pointer(U.self)
    if x.isContiguous {
        for i in 0..<x.count { dst[i] = f(src[i]) }
    } else {
        var k = 0
        forEachRow(x.shape, x.strides, offset: 0) { start, n, step in
            for j in 0..<n { dst[k + j] = f(src[start + j * step]) }
            k += n
        }
    }
    return out
}

/// `f` applied to pairs of elements of `a` and `b` broadcast to `shape`.
@inline(__always)
func zipMap<T: FloatElement>(
    _ a: NDArray, _ b: NDArray, shape: [Int], _ op: String, _ f: (T, T) -> T
) throws -> NDArray {
    let out = try NDArray.uninitialized(T.dtype, shape, op)
    let pa = a.pointer(T.self), pb = b.pointer(T.self), dst = out.pointer(T.self)
    let n = out.count
    let aFull = a.shape == shape && a.isContiguous, bFull = b.shape == shape && b.isContiguous
    if aFull && bFull {
        for i in 0..<n { dst[i] = f(pa[i], pb[i]) }
    } else if aFull && b.count == 1 {
        let y = pb[0]
        for i in 0..<n { dst[i] = f(pa[i], y) }
    } else if a.count == 1 && bFull {
        let x = pa[0]
        for i in 0..<n { dst[i] = f(x, pb[i]) }
    } else {
        var k = 0
        forEachRow(shape, broadcastStrides(a, to: shape), 0, broadcastStrides(b, to: shape), 0) {
            i, j, length, si, sj in
            for e in 0..<length { dst[k + e] = f(pa[i + e * si], pb[j + e * sj]) }
            k += length
        }
    }
    return out
}
