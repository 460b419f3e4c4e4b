// Reductions over a set of axes share one loop (`reduce(_:_:reducing:into:)`):
// a `Fold` says how elements combine, the loop walks the input in memory
// order, splits large work across the pool, and gives contiguous runs to
// the fold's `row`, where sums go pairwise.

/// How a reduction combines elements: an identity, a binary combine, and
/// a row fold (sequential unless the fold knows better, as sums do).
protocol Fold {
    associatedtype Value
    var identity: Value { get }
    func combine(_ a: Value, _ b: Value) -> Value
    func row(_ p: UnsafePointer<Value>, _ n: Int, _ step: Int) -> Value
}

extension Fold {
    @inline(__always)
    func row(_ p: UnsafePointer<Value>, _ n: Int, _ step: Int) -> Value {
        var total = identity
        for e in 0..<n { total = combine(total, p[e &* step]) }
        return total
    }
}

struct SumFold<T: NumberElement>: Fold {
    var identity: T { .zero }
    @inline(__always) func combine(_ a: T, _ b: T) -> T { T.plus(a, b) }
    @inline(__always) func row(_ p: UnsafePointer<T>, _ n: Int, _ step: Int) -> T { pairwiseSum(p, n, step) }
}

struct ProductFold<T: NumberElement>: Fold {
    var identity: T { .one }
    @inline(__always) func combine(_ a: T, _ b: T) -> T { T.times(a, b) }
}

/// The largest element; NaN wins, as in NumPy.
struct MaxFold<T: BoundedElement>: Fold {
    var identity: T { .lowest }
    @inline(__always) func combine(_ a: T, _ b: T) -> T { a.isUnordered || a > b ? a : b }
    @inline(__always) func row(_ p: UnsafePointer<T>, _ n: Int, _ step: Int) -> T { laneFold(p, n, step) }
}

/// The smallest element; NaN wins, as in NumPy.
struct MinFold<T: BoundedElement>: Fold {
    var identity: T { .highest }
    @inline(__always) func combine(_ a: T, _ b: T) -> T { a.isUnordered || a < b ? a : b }
    @inline(__always) func row(_ p: UnsafePointer<T>, _ n: Int, _ step: Int) -> T { laneFold(p, n, step) }
}

extension Fold {
    /// The row fold for an associative, commutative combine: eight
    /// independent accumulators over unit-stride rows, so the loop is not
    /// one long dependency chain and vectorizes.
    @inline(__always)
    func laneFold(_ p: UnsafePointer<Value>, _ n: Int, _ step: Int) -> Value {
        var r0 = identity, r1 = identity, r2 = identity, r3 = identity
        var r4 = identity, r5 = identity, r6 = identity, r7 = identity
        var e = 0
        if step == 1 {
            while e &+ 8 <= n {
                r0 = combine(r0, p[e]); r1 = combine(r1, p[e &+ 1])
                r2 = combine(r2, p[e &+ 2]); r3 = combine(r3, p[e &+ 3])
                r4 = combine(r4, p[e &+ 4]); r5 = combine(r5, p[e &+ 5])
                r6 = combine(r6, p[e &+ 6]); r7 = combine(r7, p[e &+ 7])
                e &+= 8
            }
        }
        var total = combine(combine(combine(r0, r1), combine(r2, r3)), combine(combine(r4, r5), combine(r6, r7)))
        while e < n { total = combine(total, p[e &* step]); e &+= 1 }
        return total
    }
}

struct AllFold: Fold {
    var identity: Bool { true }
    @inline(__always) func combine(_ a: Bool, _ b: Bool) -> Bool { a && b }
}

struct AnyFold: Fold {
    var identity: Bool { false }
    @inline(__always) func combine(_ a: Bool, _ b: Bool) -> Bool { a || b }
}

/// A real element with the ends of its order: -inf/+inf for floats (so NaN
/// still propagates), the type's limits for integers. `isUnordered` (NaN)
/// comes from `OrderedElement`, the sort order.
protocol BoundedElement: OrderedElement, RealElement {
    static var lowest: Self { get }
    static var highest: Self { get }
}

extension BoundedElement where Self: FixedWidthInteger {
    static var lowest: Self { .min }
    static var highest: Self { .max }
}

extension BoundedElement where Self: BinaryFloatingPoint {
    static var lowest: Self { -.infinity }
    static var highest: Self { .infinity }
}

extension Int8: BoundedElement {}
extension Int16: BoundedElement {}
extension Int32: BoundedElement {}
extension Int64: BoundedElement {}
extension UInt8: BoundedElement {}
extension UInt16: BoundedElement {}
extension UInt32: BoundedElement {}
extension UInt64: BoundedElement {}
extension Float: BoundedElement {}
extension Double: BoundedElement {}

/// A computation generic over the real (ordered) element types.
protocol OrderedVisitor {
    associatedtype Result
    func visit<T: BoundedElement>(_: T.Type) throws -> Result
}

extension DType {
    /// Runs `visitor` for this integer or real float dtype; bool and
    /// complex throw, naming `op`.
    func dispatchOrdered<V: OrderedVisitor>(_ visitor: V, _ op: String) throws -> V.Result {
        switch self {
        case .int8: return try visitor.visit(Int8.self)
        case .int16: return try visitor.visit(Int16.self)
        case .int32: return try visitor.visit(Int32.self)
        case .int64: return try visitor.visit(Int64.self)
        case .uint8: return try visitor.visit(UInt8.self)
        case .uint16: return try visitor.visit(UInt16.self)
        case .uint32: return try visitor.visit(UInt32.self)
        case .uint64: return try visitor.visit(UInt64.self)
        case .float32: return try visitor.visit(Float.self)
        case .float64: return try visitor.visit(Double.self)
        case .bool, .complex64, .complex128: throw unsupported(op, self)
        }
    }
}

/// `x` converted to `dtype` for a reduction computed in that dtype; empty
/// inputs are never read, so they need no conversion.
func converted(_ x: NDArray, to dtype: DType, _ op: String) throws -> NDArray {
    guard x.dtype != dtype, x.count > 0 else { return x }
    let out = try NDArray.uninitialized(dtype, x.shape, op)
    try convert(x, into: out)
    return out
}

/// Sums `x` over the axes marked in `reducing` into `out`, whose dtype is
/// the sum's and whose shape holds the kept axes in order (and any
/// length-1 axes). Contiguous runs are summed pairwise, as NumPy does, so
/// float32 keeps its precision over long sums.
func reduceSum(_ x: NDArray, reducing: ReducedAxes, into out: NDArray) throws {
    let x = try converted(x, to: out.dtype, "sum")
    try out.dtype.dispatchNumber(SumVisitor(x: x, reducing: reducing, out: out), "sum")
}

private struct SumVisitor: NumberVisitor {
    let x: NDArray, reducing: ReducedAxes, out: NDArray
    func visit<T: NumberElement>(_: T.Type) { reduce(SumFold<T>(), x, reducing: reducing, into: out) }
}

/// The axes of an input that a reduction folds, read as the loop needs
/// them, so no mask is built per call: listed axes, or the axes a sum
/// down to `target` removes (the leading extra axes, and axes where
/// the target has length 1 and the input does not).
enum ReducedAxes {
    case listed([Int])
    case toShape([Int])

    func contains(_ axis: Int, of shape: [Int]) -> Bool {
        switch self {
        case .listed(let axes): return axes.contains(axis)
        case .toShape(let target):
            let lead = shape.count - target.count
            return axis < lead || (target[axis - lead] == 1 && shape[axis] != 1)
        }
    }
}

/// Folds `x` (of the fold's element type) over the axes `reducing` marks
/// into `out` (same element type; the kept axes in order).
func reduce<F: Fold>(_ fold: F, _ x: NDArray, reducing: ReducedAxes, into out: NDArray) {
    let dst = out.pointer(F.Value.self)
    for i in 0..<out.count { dst[i] = fold.identity }
    // The output's strides along x's axes: 0 along reduced ones.
    let rank = x.shape.count
    withUnsafeTemporaryAllocation(of: Int.self, capacity: Swift.max(rank, 1)) { outStrides in
        var step = 1
        for axis in stride(from: rank - 1, through: 0, by: -1) {
            if reducing.contains(axis, of: x.shape) {
                outStrides[axis] = 0
            } else {
                outStrides[axis] = step
                step &*= x.shape[axis]
            }
        }
        // Walk x in its memory order, largest steps outermost.
        let loop = StridedLoop(rank: rank, length: { x.shape[$0] }, steps: { (outStrides[$0], x.strides[$0], 0) },
                               inMemoryOrder: true, order: { x.strides[$0] })
        reduce(fold, x, loop, into: out)
    }
}

private func reduce<F: Fold>(_ fold: F, _ x: NDArray, _ loop: StridedLoop, into out: NDArray) {
    typealias T = F.Value
    let src = x.pointer(T.self), dst = out.pointer(T.self)
    let identity = fold.identity
    let width = WorkerPool.shared.width, n = loop.rowLength, rows = loop.rowCount
    let large = width > 1 && rows &* n >= parallelThreshold
    if loop.isScalar {
        if !loop.isEmpty { dst[0] = fold.combine(identity, src[0]) }
    } else if loop.rowSteps.0 == 0 {
        // Rows are reduced: each row's fold is combined into its output element.
        if large && rows == 1 {
            // One long row: partial folds in parallel, then combined.
            let chunks = width * 4, d = loop.rowSteps.1
            var partial = [T](repeating: identity, count: chunks)
            partial.withUnsafeMutableBufferPointer { partial in
                WorkerPool.shared.run(tasks: chunks) { c in
                    let start = n * c / chunks, end = n * (c + 1) / chunks
                    partial[c] = fold.row(src + start &* d, end - start, d)
                }
            }
            dst[0] = partial.reduce(identity, fold.combine)
        } else if large && rows == out.count {
            // Every row has its own output element.
            loop.forEachRowInParallel { o, i, _, n, _, si, _ in dst[o] = fold.row(src + i, n, si) }
        } else {
            loop.forEachRow { o, i, _, n, _, si, _ in dst[o] = fold.combine(dst[o], fold.row(src + i, n, si)) }
        }
    } else {
        // Rows are kept: combine whole rows, split by columns.
        // A local function, not a closure value: its context stays on the stack.
        @inline(__always) func body(_ o: Int, _ i: Int, _ n: Int, _ so: Int, _ si: Int) {
            let d = dst + o, s = src + i
            if so == 1 && si == 1 {
                for e in 0..<n { d[e] = fold.combine(d[e], s[e]) }
            } else {
                for e in 0..<n { d[e &* so] = fold.combine(d[e &* so], s[e &* si]) }
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
