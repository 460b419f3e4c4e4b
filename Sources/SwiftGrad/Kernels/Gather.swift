// The loops behind integer-array indexing: index arrays on an array's
// leading axes become element offsets once, then whole blocks (the
// remaining axes) are copied, added or written at those offsets.

/// The element offsets into an array of `shape` and `strides` picked by
/// `indices` (integer arrays, one per leading axis, already broadcast to
/// one shape), after wrapping negative indices and checking bounds.
func gatherOffsets(_ indices: [NDArray], shape: [Int], strides: [Int], _ op: String,
                   axes: [Int]? = nil) throws -> [Int] {
    guard let first = indices.first else { return [0] }
    var offsets = [Int](repeating: 0, count: first.count)
    for (axis, index) in indices.enumerated() {
        let positions = try index.dtype == .int64 && index.isContiguous
            ? index : index.converted(to: .int64, op)
        let p = positions.pointer(Int64.self), n = shape[axis], step = strides[axis]
        for i in 0..<offsets.count {
            var k = Int(p[i])
            if k < 0 { k += n }
            guard k >= 0, k < n else {
                throw SwiftGradError.index(op, "index \(p[i]) is out of bounds for axis \(axes.flatMap { axis < $0.count ? $0[axis] : nil } ?? axis) with size \(n)")
            }
            offsets[i] &+= k &* step
        }
    }
    return offsets
}

extension NDArray {
    /// A contiguous copy converted to `dtype`.
    func converted(to dtype: DType, _ op: String) throws -> NDArray {
        let out = try NDArray.uninitialized(dtype, shape, op)
        try convert(self, into: out)
        return out
    }
}

/// How a block read from `source` lands in `target` in `scatter`.
enum ScatterMode { case assign, add }

/// Copies block `i` of `x` (the axes after the indexed ones, at
/// `offsets[i]`) to block `i` of `out`, which is contiguous.
func gather(_ x: NDArray, indexedAxes k: Int, offsets: [Int], into out: NDArray) throws {
    try x.dtype.dispatch(GatherBlocks(x: x, k: k, offsets: offsets, out: out))
}

private struct GatherBlocks: ElementVisitor {
    let x: NDArray, k: Int, offsets: [Int], out: NDArray
    func visit<T: Element>(_: T.Type) {
        let src = x.pointer(T.self), dst = out.pointer(T.self)
        let rest = Array(x.shape[k...])
        let block = rest.reduce(1, &*)
        if rest.isEmpty {
            for (i, o) in offsets.enumerated() { dst[i] = src[o] }
            return
        }
        let loop = StridedLoop(shape: rest, contiguousStrides(rest), Array(x.strides[k...]))
        for (i, base) in offsets.enumerated() {
            let d = dst + i &* block, s = src + base
            loop.forEachRow { o, j, _, n, so, sj, _ in
                for e in 0..<n { d[o &+ e &* so] = s[j &+ e &* sj] }
            }
        }
    }
}

/// Writes (or adds) block `i` of `values` (contiguous, of `target`'s dtype)
/// to block `i` of `target` at `offsets[i]`; later blocks win where
/// offsets repeat, and additions accumulate.
func scatter(_ values: NDArray, into target: NDArray, indexedAxes k: Int, offsets: [Int],
             _ mode: ScatterMode, _ op: String) throws {
    switch mode {
    case .assign:
        try target.dtype.dispatch(ScatterBlocks(values: values, target: target, k: k, offsets: offsets))
    case .add:
        try target.dtype.dispatchNumber(AddBlocks(values: values, target: target, k: k, offsets: offsets), op)
    }
}

private struct ScatterBlocks: ElementVisitor {
    let values: NDArray, target: NDArray, k: Int, offsets: [Int]
    func visit<T: Element>(_: T.Type) {
        let src = values.pointer(T.self), dst = target.pointer(T.self)
        let rest = Array(target.shape[k...]), block = rest.reduce(1, &*)
        let loop = StridedLoop(shape: rest, Array(target.strides[k...]), contiguousStrides(rest))
        for (i, base) in offsets.enumerated() {
            let d = dst + base, s = src + i &* block
            loop.forEachRow { o, j, _, n, so, sj, _ in
                for e in 0..<n { d[o &+ e &* so] = s[j &+ e &* sj] }
            }
        }
    }
}

private struct AddBlocks: NumberVisitor {
    let values: NDArray, target: NDArray, k: Int, offsets: [Int]
    func visit<T: NumberElement>(_: T.Type) {
        let src = values.pointer(T.self), dst = target.pointer(T.self)
        let rest = Array(target.shape[k...]), block = rest.reduce(1, &*)
        let loop = StridedLoop(shape: rest, Array(target.strides[k...]), contiguousStrides(rest))
        for (i, base) in offsets.enumerated() {
            let d = dst + base, s = src + i &* block
            loop.forEachRow { o, j, _, n, so, sj, _ in
                for e in 0..<n { d[o &+ e &* so] = T.plus(d[o &+ e &* so], s[j &+ e &* sj]) }
            }
        }
    }
}

/// `out = cond ? a : b`, with `cond` (bool), `a` and `b` broadcast to
/// `out`'s shape and `a`, `b` of `out`'s dtype.
func select(_ cond: NDArray, _ a: NDArray, _ b: NDArray, into out: NDArray) throws {
    try convert(b, into: out)
    try out.dtype.dispatch(SelectInto(cond: cond, a: a, out: out))
}

private struct SelectInto: ElementVisitor {
    let cond: NDArray, a: NDArray, out: NDArray
    func visit<T: Element>(_: T.Type) {
        let pc = cond.pointer(Bool.self), pa = a.pointer(T.self), dst = out.pointer(T.self)
        StridedLoop(shape: out.shape, out.strides, broadcasting: cond, a)
            .forEachRow { o, c, i, n, so, sc, si in
                for e in 0..<n where pc[c &+ e &* sc] { dst[o &+ e &* so] = pa[i &+ e &* si] }
            }
    }
}

/// The row-major positions of the nonzero elements of `x`, as a (rank, count)
/// int64 array of coordinates.
func nonzeroCoordinates(_ x: NDArray, _ op: String) throws -> NDArray {
    try x.dtype.dispatch(NonzeroCoordinates(x: x.contiguous(op), op: op))
}

private struct NonzeroCoordinates: ElementVisitor {
    let x: NDArray, op: String
    // Branch-free: a random mask would mispredict every other element.
    // Each row has a spare slot, so a zero element's write may land past
    // the last hit; the result is a view without those slots.
    func visit<T: Element>(_: T.Type) throws -> NDArray {
        let p = x.pointer(T.self), zero = T(.int(0)), rank = x.shape.count, n = x.count
        // A bool is one byte, 0 or 1: its value is the step.
        let bytes: UnsafeMutablePointer<UInt8>? = T.self == Bool.self
            ? UnsafeMutableRawPointer(p).assumingMemoryBound(to: UInt8.self) : nil
        @inline(__always) func step(_ i: Int) -> Int {
            if let bytes { return Int(bytes[i] & 1) }
            return T.same(p[i], zero) ? 0 : 1
        }
        var count = 0
        for i in 0..<n { count &+= step(i) }
        let row = count + 1
        let out = try NDArray.uninitialized(.int64, [rank, row], op)
        let dst = out.pointer(Int64.self)
        var j = 0
        if rank == 1 {
            for i in 0..<n {
                dst[j] = Int64(i)
                j &+= step(i)
            }
        } else {
            // A running multi-index: no division per element.
            var index = [Int](repeating: 0, count: rank)
            let shape = x.shape
            for i in 0..<n {
                for axis in 0..<rank { dst[axis &* row &+ j] = Int64(index[axis]) }
                j &+= step(i)
                var axis = rank - 1
                while axis >= 0 {
                    index[axis] += 1
                    if index[axis] < shape[axis] { break }
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
        return try out.view(shape: [rank, count], strides: [row, 1], op)
    }
}

/// `out[i, …] = x[index[i], …]` for one int64 index array (contiguous) on
/// x's first axis: the common `take` and `x[idx]`, without the offsets
/// array. Bounds are checked first, then blocks copy in parallel.
func gatherFirstAxis(_ x: NDArray, _ index: NDArray, into out: NDArray, axis label: Int, _ op: String) throws {
    let p = index.pointer(Int64.self), n = x.shape[0], count = index.count
    // The extremes first (a loop without exits vectorizes), the culprit after.
    var low = Int64.max, high = Int64.min
    for i in 0..<count {
        low = min(low, p[i])
        high = max(high, p[i])
    }
    if count > 0, low < -Int64(n) || high >= Int64(n) {
        for i in 0..<count where p[i] < -Int64(n) || p[i] >= Int64(n) {
            throw SwiftGradError.index(op, "index \(p[i]) is out of bounds for axis \(label) with size \(n)")
        }
    }
    try x.dtype.dispatch(GatherFirstAxis(x: x, index: index, out: out))
}

private struct GatherFirstAxis: ElementVisitor {
    let x: NDArray, index: NDArray, out: NDArray
    func visit<T: Element>(_: T.Type) {
        let src = x.pointer(T.self), dst = out.pointer(T.self), p = index.pointer(Int64.self)
        let n = x.shape[0], step = x.strides[0], count = index.count
        let rest = Array(x.shape[1...]), block = rest.reduce(1, &*)
        let loop = StridedLoop(shape: rest, contiguousStrides(rest), Array(x.strides[1...]))
        func copy(_ range: Range<Int>) {
            if rest.isEmpty {
                for i in range {
                    let k = Int(p[i])
                    dst[i] = src[(k < 0 ? k &+ n : k) &* step]
                }
                return
            }
            for i in range {
                let k = Int(p[i])
                let d = dst + i &* block, s = src + (k < 0 ? k &+ n : k) &* step
                loop.forEachRow { o, j, _, m, so, sj, _ in
                    for e in 0..<m { d[o &+ e &* so] = s[j &+ e &* sj] }
                }
            }
        }
        let width = WorkerPool.shared.width
        guard width > 1, count &* block >= parallelThreshold, count >= width else { return copy(0..<count) }
        let tasks = width * 4
        WorkerPool.shared.run(tasks: tasks) { task in copy(count * task / tasks ..< count * (task + 1) / tasks) }
    }
}

/// Copies `x` into `out` (same shape), as one memory copy when both are
/// contiguous and of one dtype, else through `convert`.
func copyElements(_ x: NDArray, into out: NDArray) throws {
    guard x.dtype == out.dtype, x.shape == out.shape, x.isContiguous, out.isContiguous else {
        return try convert(x, into: out)
    }
    UnsafeMutableRawPointer(mutating: out.baseAddress).copyMemory(from: x.baseAddress, byteCount: x.count * x.dtype.itemSize)
}
