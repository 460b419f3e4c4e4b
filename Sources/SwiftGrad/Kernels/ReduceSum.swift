/// Sums `x` over the axes marked in `reducing` into `out`, whose dtype is
/// the sum's and whose shape holds the kept axes in order (and any
/// length-1 axes). Contiguous runs are summed pairwise, as NumPy does, so
/// float32 keeps its precision over long sums.
func reduceSum(_ x: NDArray, reducing: [Bool], into out: NDArray) throws {
    // An empty input is never read, so it needs no conversion.
    let x = x.dtype == out.dtype || x.count == 0 ? x : try {
        let converted = try NDArray.uninitialized(out.dtype, x.shape, "sum")
        try convert(x, into: converted)
        return converted
    }()
    try out.dtype.dispatchNumber(SumVisitor(x: x, reducing: reducing, out: out), "sum")
}

private struct SumVisitor: NumberVisitor {
    let x: NDArray, reducing: [Bool], out: NDArray

    func visit<T: NumberElement>(_: T.Type) {
        let src = x.pointer(T.self), dst = out.pointer(T.self)
        for i in 0..<out.count { dst[i] = T.zero }
        // The output's strides along x's axes: 0 along reduced ones.
        var outStrides = [Int](repeating: 0, count: x.shape.count)
        var step = 1
        for axis in x.shape.indices.reversed() where !reducing[axis] {
            outStrides[axis] = step
            step &*= x.shape[axis]
        }
        // Walk x in its memory order, largest steps outermost.
        let order = x.shape.indices.sorted { Swift.abs(x.strides[$0]) > Swift.abs(x.strides[$1]) }
        let loop = StridedLoop(shape: order.map { x.shape[$0] }, order.map { outStrides[$0] }, order.map { x.strides[$0] })
        let width = WorkerPool.shared.width, n = loop.rowLength, rows = loop.rowCount
        let large = width > 1 && rows &* n >= parallelThreshold
        if loop.shape.isEmpty {
            if !loop.isEmpty { dst[0] = src[0] }
        } else if loop.strides.0.last == 0 {
            // Rows are reduced: each row's sum is added to its output element.
            if large && rows == 1 {
                // One long row: partial sums in parallel, then combined.
                let chunks = width * 4, d = loop.strides.1[0]
                var partial = [T](repeating: T.zero, count: chunks)
                partial.withUnsafeMutableBufferPointer { partial in
                    WorkerPool.shared.run(tasks: chunks) { c in
                        let start = n * c / chunks, end = n * (c + 1) / chunks
                        partial[c] = pairwiseSum(src + start &* d, end - start, d)
                    }
                }
                dst[0] = partial.reduce(T.zero, T.plus)
            } else if large && rows == out.count {
                // Every row has its own output element.
                loop.forEachRowInParallel { o, i, _, n, _, si, _ in dst[o] = pairwiseSum(src + i, n, si) }
            } else {
                loop.forEachRow { o, i, _, n, _, si, _ in dst[o] = T.plus(dst[o], pairwiseSum(src + i, n, si)) }
            }
        } else {
            // Rows are kept: accumulate whole rows, split by columns.
            let body = { (o: Int, i: Int, n: Int, so: Int, si: Int) in
                let d = dst + o, s = src + i
                if so == 1 && si == 1 {
                    for e in 0..<n { d[e] = T.plus(d[e], s[e]) }
                } else {
                    for e in 0..<n { d[e &* so] = T.plus(d[e &* so], s[e &* si]) }
                }
            }
            if large && n >= 2 * width {
                let chunks = min(n, width * 4)
                WorkerPool.shared.run(tasks: chunks) { c in
                    let start = n * c / chunks, end = n * (c + 1) / chunks
                    loop.forEachRow { o, i, _, _, so, si, _ in body(o &+ start &* so, i &+ start &* si, end - start, so, si) }
                }
            } else {
                loop.forEachRow { o, i, _, n, so, si, _ in body(o, i, n, so, si) }
            }
        }
    }
}

/// The sum of `n` elements `step` apart, pairwise: blocks of 128 summed
/// with eight accumulators, blocks combined as a binary tree (error grows
/// with log n, not n).
@inline(__always)
func pairwiseSum<T: NumberElement>(_ p: UnsafePointer<T>, _ n: Int, _ step: Int) -> T {
    if n < 8 {
        var total = T.zero
        for e in 0..<n { total = T.plus(total, p[e &* step]) }
        return total
    }
    if n <= 128 {
        var r0 = p[0], r1 = p[step], r2 = p[2 &* step], r3 = p[3 &* step]
        var r4 = p[4 &* step], r5 = p[5 &* step], r6 = p[6 &* step], r7 = p[7 &* step]
        var e = 8
        while e &+ 8 <= n {
            let q = p + e &* step
            r0 = T.plus(r0, q[0]); r1 = T.plus(r1, q[step])
            r2 = T.plus(r2, q[2 &* step]); r3 = T.plus(r3, q[3 &* step])
            r4 = T.plus(r4, q[4 &* step]); r5 = T.plus(r5, q[5 &* step])
            r6 = T.plus(r6, q[6 &* step]); r7 = T.plus(r7, q[7 &* step])
            e &+= 8
        }
        var total = T.plus(T.plus(T.plus(r0, r1), T.plus(r2, r3)), T.plus(T.plus(r4, r5), T.plus(r6, r7)))
        while e < n { total = T.plus(total, p[e &* step]); e &+= 1 }
        return total
    }
    let half = (n / 2) & ~7
    return T.plus(pairwiseSum(p, half, step), pairwiseSum(p + half &* step, n - half, step))
}
