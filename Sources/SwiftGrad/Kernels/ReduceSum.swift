/// Sums `x` over the axes marked in `reducing` into a new contiguous array
/// of `shape`, which holds the kept axes in order (and any length-1 axes).
func reduceSum(_ x: NDArray, reducing: [Bool], to shape: [Int], _ op: String) throws -> NDArray {
    switch x.dtype {
    case .float32: return try reduceSum(x, Float.self, reducing, shape, op)
    case .float64: return try reduceSum(x, Double.self, reducing, shape, op)
    }
}

private func reduceSum<T: FloatElement>(
    _ x: NDArray, _: T.Type, _ reducing: [Bool], _ shape: [Int], _ op: String
) throws -> NDArray {
    let out = try NDArray.filled(0, T.dtype, shape, op)
    let src = x.pointer(T.self), dst = out.pointer(T.self)
    if out.count == 1 && x.isContiguous {
        var total = T(0)
        for i in 0..<x.count { total += src[i] }
        dst[0] = total
        return out
    }
    var outStrides = [Int](repeating: 0, count: x.shape.count)
    var step = 1
    for axis in x.shape.indices.reversed() where !reducing[axis] {
        outStrides[axis] = step
        step &*= x.shape[axis]
    }
    forEachRow(x.shape, x.strides, 0, outStrides, 0) { i, o, n, si, so in
        if so == 0 {
            var total = T(0)
            for e in 0..<n { total += src[i + e * si] }
            dst[o] += total
        } else if so == 1 && si == 1 {
            for e in 0..<n { dst[o + e] += src[i + e] }
        } else {
            for e in 0..<n { dst[o + e * so] += src[i + e * si] }
        }
    }
    return out
}
