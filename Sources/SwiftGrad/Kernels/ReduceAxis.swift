// Kernels that run along one axis: each line (all elements sharing the
// other axes' indices) is handed to a body with its start and step.

/// Calls `body(o, i, n, so, si)` for each line of `x` along `axis`: `o` and
/// `i` are the offsets of the line's first element in `out` and `x`, `n`
/// and `so`/`si` the line's length in x and the steps along it. `out` has
/// x's shape except along `axis` (where its length may differ).
private func forEachLine(_ x: NDArray, _ out: NDArray, axis: Int,
                         _ body: (Int, Int, Int, Int, Int) -> Void) {
    var shape = x.shape, xs = x.strides, os = out.strides
    let n = shape.remove(at: axis), si = xs.remove(at: axis), so = os.remove(at: axis)
    if shape.contains(0) { return }
    StridedLoop(shape: shape, os, xs).forEachRow { o, i, _, m, d0, d1, _ in
        for e in 0..<m { body(o &+ e &* d0, i &+ e &* d1, n, so, si) }
    }
}

/// The index of the first largest (`largest`) or smallest element of each
/// line of `x` along `axis`, into `out` (int64); the first NaN wins, as in
/// NumPy. Lines must not be empty.
func argExtreme(_ x: NDArray, axis: Int, largest: Bool, into out: NDArray, _ op: String) throws {
    try x.dtype.dispatchOrdered(ArgExtreme(x: x, axis: axis, largest: largest, out: out), op)
}

private struct ArgExtreme: OrderedVisitor {
    let x: NDArray, axis: Int, largest: Bool, out: NDArray

    func visit<T: OrderedElement>(_: T.Type) {
        let src = x.pointer(T.self), dst = out.pointer(Int64.self)
        // out has the line's axis with length 1: its stride there is moot.
        forEachLine(x, out, axis: axis) { o, i, n, _, si in
            let p = src + i
            var best = p[0], index = 0
            if !best.isUnordered {
                for e in 1..<max(n, 1) {
                    let v = p[e &* si]
                    if v.isUnordered { index = e; break }
                    if largest ? v > best : v < best { best = v; index = e }
                }
            }
            dst[o] = Int64(index)
        }
    }
}

/// Running sums along `axis` of `x` into `out` (same dtype). Forward:
/// out[j] = x[0] + … + x[j], or with `initial`, a leading 0 and one more
/// element. Reversed: out[j] = x[j] + … + x[n-1], or with `initial`, the
/// sums from j + 1 (one element fewer): the transpose of the forward one.
func cumulativeSum(_ x: NDArray, axis: Int, reverse: Bool, initial: Bool, into out: NDArray) throws {
    try out.dtype.dispatchNumber(CumulativeSumKernel(x: x, axis: axis, reverse: reverse, initial: initial, out: out),
                                 "cumulative_sum")
}

private struct CumulativeSumKernel: NumberVisitor {
    let x: NDArray, axis: Int, reverse: Bool, initial: Bool, out: NDArray

    func visit<T: NumberElement>(_: T.Type) {
        let src = x.pointer(T.self), dst = out.pointer(T.self)
        let length = out.shape[axis]
        if x.shape[axis] == 0 {
            // Only the forward sum with an initial zero has elements here.
            if length > 0 { forEachLine(out, out, axis: axis) { o, _, _, _, _ in dst[o] = T.zero } }
            return
        }
        forEachLine(x, out, axis: axis) { o, i, n, so, si in
            let s = src + i, d = dst + o
            var total = T.zero
            if !reverse {
                let shift = initial ? 1 : 0
                if initial { d[0] = T.zero }
                for e in 0..<n {
                    total = T.plus(total, s[e &* si])
                    d[(e &+ shift) &* so] = total
                }
            } else {
                let shift = initial ? 1 : 0
                for e in stride(from: n - 1, through: shift, by: -1) {
                    total = T.plus(total, s[e &* si])
                    d[(e &- shift) &* so] = total
                }
            }
        }
    }
}
