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
/// line of `x` along `axis`, into `out` (int64, with x's shape but length 1
/// along `axis`); the first NaN wins, as in NumPy. Lines must not be empty.
func argExtreme(_ x: NDArray, axis: Int, largest: Bool, into out: NDArray, _ op: String) throws {
    // No lines (another axis is empty): nothing to visit, however long the
    // reduced axis.
    guard out.count > 0 else { return }
    try x.dtype.dispatchOrdered(ArgExtreme(x: x, axis: axis, largest: largest, out: out), op)
}

private struct ArgExtreme: OrderedVisitor {
    let x: NDArray, axis: Int, largest: Bool, out: NDArray

    func visit<T: BoundedElement>(_: T.Type) {
        if largest { run(T.self, Larger.self) } else { run(T.self, Smaller.self) }
    }

    private func run<T: BoundedElement, B: Beats>(_: T.Type, _: B.Type) {
        let src = x.pointer(T.self), dst = out.pointer(Int64.self)
        let n = x.shape[axis], si = x.strides[axis]
        let innermost = x.shape.indices.allSatisfy { $0 == axis || x.shape[$0] <= 1 || Swift.abs(x.strides[$0]) >= Swift.abs(si) }
        if innermost {
            // Lines run along memory: scan each, in parallel when large.
            let lines = Lines(x, out, axis: axis)
            if lines.count == 1 && n >= parallelThreshold && WorkerPool.shared.width > 1 {
                dst[0] = Int64(scanInParallel(src + lines.offsets(0).1, n, si, B.self))
            } else if lines.count &* n >= parallelThreshold && lines.count > 1 {
                let tasks = Swift.min(lines.count, WorkerPool.shared.width * 4)
                WorkerPool.shared.run(tasks: tasks) { t in
                    for line in (lines.count * t / tasks)..<(lines.count * (t + 1) / tasks) {
                        let (o, i) = lines.offsets(line)
                        dst[o] = Int64(scan(src + i, 0..<n, si, B.self).0)
                    }
                }
            } else {
                for line in 0..<lines.count {
                    let (o, i) = lines.offsets(line)
                    dst[o] = Int64(scan(src + i, 0..<n, si, B.self).0)
                }
            }
            return
        }
        // Lines cross memory: sweep whole slices in memory order, keeping
        // the best so far of every line (a NaN best is never replaced).
        var shape = x.shape, xs = x.strides, os = out.strides
        shape.remove(at: axis); xs.remove(at: axis); os.remove(at: axis)
        let loop = StridedLoop(shape: shape, os, xs)
        var best = [T](repeating: T.zero, count: out.count)
        best.withUnsafeMutableBufferPointer { best in
            loop.forEachRow { o, i, _, m, d0, d1, _ in
                for e in 0..<m { best[o &+ e &* d0] = src[i &+ e &* d1]; dst[o &+ e &* d0] = 0 }
            }
            for k in 1..<Swift.max(n, 1) {
                let slice = src + k &* si
                loop.forEachRow { o, i, _, m, d0, d1, _ in
                    for e in 0..<m {
                        let j = o &+ e &* d0, v = slice[i &+ e &* d1], b = best[j]
                        if B.beats(v, b) && !b.isUnordered { best[j] = v; dst[j] = Int64(k) }
                    }
                }
            }
        }
    }

    /// The first best element of p[range] (step `step`): its index and
    /// value; the first NaN stops the scan.
    @inline(__always)
    private func scan<T: BoundedElement, B: Beats>(_ p: UnsafePointer<T>, _ range: Range<Int>, _ step: Int,
                                                   _: B.Type) -> (Int, T) {
        var index = range.lowerBound, best = p[index &* step]
        if best.isUnordered { return (index, best) }
        for e in range.dropFirst() {
            let v = p[e &* step]
            if B.beats(v, best) {
                if v.isUnordered { return (e, v) }
                best = v
                index = e
            }
        }
        return (index, best)
    }

    /// One long line split in chunks across the pool; the chunks' winners
    /// are combined in order, so the first occurrence (or NaN) still wins.
    private func scanInParallel<T: BoundedElement, B: Beats>(_ p: UnsafePointer<T>, _ n: Int, _ step: Int,
                                                             _: B.Type) -> Int {
        let chunks = WorkerPool.shared.width * 4
        var winners = [(Int, T)](repeating: (0, T.zero), count: chunks)
        winners.withUnsafeMutableBufferPointer { winners in
            WorkerPool.shared.run(tasks: chunks) { c in
                winners[c] = scan(p, (n * c / chunks)..<(n * (c + 1) / chunks), step, B.self)
            }
        }
        var (index, best) = winners[0]
        for (i, v) in winners.dropFirst() where !best.isUnordered && B.beats(v, best) {
            (index, best) = (i, v)
        }
        return index
    }
}

/// `beats(v, best)`: v is strictly better, or NaN. With one comparison per
/// element, ties keep the first occurrence and a NaN is caught.
private protocol Beats {
    static func beats<T: BoundedElement>(_ v: T, _ best: T) -> Bool
}

private enum Larger: Beats {
    @inline(__always) static func beats<T: BoundedElement>(_ v: T, _ best: T) -> Bool { !(v <= best) }
}

private enum Smaller: Beats {
    @inline(__always) static func beats<T: BoundedElement>(_ v: T, _ best: T) -> Bool { !(v >= best) }
}

/// The lines of `x` along `axis`, numbered in row-major order of the other
/// axes, with their first elements' offsets in `out` and in `x`.
private struct Lines {
    let shape: [Int], outStrides: [Int], xStrides: [Int]
    let count: Int

    init(_ x: NDArray, _ out: NDArray, axis: Int) {
        var shape = x.shape, xs = x.strides, os = out.strides
        shape.remove(at: axis); xs.remove(at: axis); os.remove(at: axis)
        (self.shape, xStrides, outStrides) = (shape, xs, os)
        count = shape.reduce(1, &*)
    }

    @inline(__always)
    func offsets(_ line: Int) -> (Int, Int) {
        var rest = line, o = 0, i = 0
        for axis in shape.indices.reversed() {
            let k = rest % shape[axis]
            rest /= shape[axis]
            o &+= k &* outStrides[axis]
            i &+= k &* xStrides[axis]
        }
        return (o, i)
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
