import ComplexModule

// Sorting, searching and sets. `sort` is a gather by `argsort`'s indices,
// so its gradient scatters the cotangent back through the permutation;
// the gather and scatter-add here are each other's vjp, so every order of
// derivative works.

/// An order over every element: NaNs after all numbers (NumPy's rule);
/// complex numbers by real part, then imaginary part.
protocol OrderedElement: Element {
    static func precedes(_ a: Self, _ b: Self) -> Bool
    /// NaN anywhere: such elements are each distinct in sets.
    var isUnordered: Bool { get }
    /// Whether `radixKey` gives the order (all but complex types).
    static var hasRadixKey: Bool { get }
    /// An unsigned integer with the same order as `precedes`, where equal
    /// elements (0 and -0 too) have equal keys: what radix sorts use.
    var radixKey: UInt64 { get }
    /// The low bytes of `radixKey` that can be nonzero.
    static var radixKeyBytes: Int { get }
}

extension OrderedElement where Self: IntegerElement {
    @inline(__always) static func precedes(_ a: Self, _ b: Self) -> Bool { a < b }
    var isUnordered: Bool { false }
    static var hasRadixKey: Bool { true }
    static var radixKeyBytes: Int { bitWidth / 8 }
    // The type's own bits, its sign bit flipped (which orders two's
    // complement as unsigned); the unused high bytes stay zero, so radix
    // passes over them are skipped.
    @inline(__always) var radixKey: UInt64 {
        let bits = UInt64(truncatingIfNeeded: self) & (UInt64.max >> (64 - Self.bitWidth))
        return Self.isSigned ? bits ^ (1 << (Self.bitWidth - 1)) : bits
    }
}

extension OrderedElement where Self: FloatElement {
    @inline(__always) static func precedes(_ a: Self, _ b: Self) -> Bool { nanLast(a, b) }
    var isUnordered: Bool { isNaN }
    static var hasRadixKey: Bool { true }
    static var radixKeyBytes: Int { 8 }
    // Negative numbers: all bits flipped; others: the sign bit set. NaNs
    // take the largest key, both zeros the key of +0.
    @inline(__always) var radixKey: UInt64 {
        if isNaN { return .max }
        // Widening to double is exact and keeps the order.
        let bits = Double(self == 0 ? Self.zero : self).bitPattern
        return bits >> 63 != 0 ? ~bits : bits | (1 << 63)
    }
}

/// a < b with NaN above every number.
@inline(__always) private func nanLast<F: FloatElement>(_ a: F, _ b: F) -> Bool { a < b || (b.isNaN && !a.isNaN) }

extension Bool: OrderedElement {
    static func precedes(_ a: Bool, _ b: Bool) -> Bool { !a && b }
    var isUnordered: Bool { false }
    static var hasRadixKey: Bool { true }
    static var radixKeyBytes: Int { 1 }
    var radixKey: UInt64 { self ? 1 : 0 }
}

extension Int8: OrderedElement {}
extension Int16: OrderedElement {}
extension Int32: OrderedElement {}
extension Int64: OrderedElement {}
extension UInt8: OrderedElement {}
extension UInt16: OrderedElement {}
extension UInt32: OrderedElement {}
extension UInt64: OrderedElement {}
extension Float: OrderedElement {}
extension Double: OrderedElement {}

extension Complex: OrderedElement where RealType: FloatElement {
    static func precedes(_ a: Self, _ b: Self) -> Bool {
        if nanLast(a.real, b.real) { return true }
        if nanLast(b.real, a.real) { return false }
        return nanLast(a.imaginary, b.imaginary)
    }
    var isUnordered: Bool { real.isNaN || imaginary.isNaN }
    static var hasRadixKey: Bool { false }
    static var radixKeyBytes: Int { 0 }
    var radixKey: UInt64 { 0 }
}

/// Runs `body` with `T` seen as ordered (every element type is).
private func ordered<R>(_ type: any Element.Type, _ op: String,
                        _ body: (any OrderedElement.Type) throws -> R) throws -> R {
    guard let type = type as? any OrderedElement.Type else {
        throw SwiftGradError.internal(op, "\(type) has no order")
    }
    return try body(type)
}

// MARK: Gather and scatter-add along an axis

/// out[…, j, …] = x[…, indices[…, j, …], …] along `axis`; `indices` has
/// x's rank and, off the axis, x's lengths.
struct GatherAlongAxis: Primitive {
    let axis: Int
    var name: String { "gather" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let x = inputs[0], indices = inputs[1]
        try checkIndices(indices, against: x, name)
        return TensorType(x.dtype, indices.shape)
    }

    func checkIndices(_ indices: TensorType, against x: TensorType, _ op: String) throws {
        guard indices.dtype == .int64, indices.rank == x.rank, axis >= 0, axis < x.rank,
              indices.shape.indices.allSatisfy({ $0 == axis || indices.shape[$0] == x.shape[$0]
                  || indices.shape[$0] == nil || x.shape[$0] == nil }) else {
            throw SwiftGradError.value(op, "int64 indices of shape \(describe(indices.shape)) do not fit shape \(describe(x.shape)) along axis \(axis)")
        }
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        try out.dtype.dispatch(Kernel(x: inputs[0], indices: inputs[1], out: out, axis: axis))
    }

    private struct Kernel: ElementVisitor {
        let x: NDArray, indices: NDArray, out: NDArray, axis: Int
        func visit<T: Element>(_: T.Type) throws {
            var xs = x.strides
            xs[axis] = 0
            let n = Int64(x.shape[axis]), step = x.strides[axis]
            let px = x.pointer(T.self), pi = indices.pointer(Int64.self), po = out.pointer(T.self)
            var bad: Int64?
            StridedLoop(shape: indices.shape, out.strides, indices.strides, xs).forEachRow { o0, o1, o2, len, d0, d1, d2 in
                for j in 0..<len {
                    var k = pi[o1 + j * d1]
                    if k < 0 { k += n }
                    guard k >= 0, k < n else { bad = pi[o1 + j * d1]; return }
                    po[o0 + j * d0] = px[o2 + j * d2 + Int(k) * step]
                }
            }
            if let bad {
                throw SwiftGradError.index("gather", "index \(bad) is out of bounds for axis \(axis) with size \(n)")
            }
        }
    }

    // The vjp reads the indices (or condition), the rest for shapes.
    func vjpReads(input i: Int) -> Bool { i == 1 }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        i == 0 ? try Tensor.apply(ScatterAddAlongAxis(axis: axis), g, inputs[1], inputs[0]) : nil
    }
}

/// Zeros of the third input's shape with `values` (first input) added at
/// `indices` (second) along `axis`: the transpose of `GatherAlongAxis`.
struct ScatterAddAlongAxis: Primitive {
    let axis: Int
    var name: String { "scatter_add" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let values = inputs[0], indices = inputs[1], like = inputs[2]
        try GatherAlongAxis(axis: axis).checkIndices(indices, against: like, name)
        guard values.rank == indices.rank else {
            throw SwiftGradError.value(name, "values of shape \(describe(values.shape)) do not match indices of shape \(describe(indices.shape))")
        }
        return TensorType(values.dtype, like.shape)
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        try out.dtype.dispatchNumber(Kernel(values: inputs[0], indices: inputs[1], out: out, axis: axis), name)
    }

    private struct Kernel: NumberVisitor {
        let values: NDArray, indices: NDArray, out: NDArray, axis: Int
        func visit<T: NumberElement>(_: T.Type) throws {
            let po = out.pointer(T.self), pv = values.pointer(T.self), pi = indices.pointer(Int64.self)
            for i in 0..<out.count { po[i] = .zero }
            var os = out.strides
            os[axis] = 0
            let n = Int64(out.shape[axis]), step = out.strides[axis]
            var bad: Int64?
            StridedLoop(shape: indices.shape, os, indices.strides, values.strides).forEachRow { o0, o1, o2, len, d0, d1, d2 in
                for j in 0..<len {
                    var k = pi[o1 + j * d1]
                    if k < 0 { k += n }
                    guard k >= 0, k < n else { bad = pi[o1 + j * d1]; return }
                    let at = o0 + j * d0 + Int(k) * step
                    po[at] = T.plus(po[at], pv[o2 + j * d2])
                }
            }
            if let bad {
                throw SwiftGradError.index("scatter_add", "index \(bad) is out of bounds for axis \(axis) with size \(n)")
            }
        }
    }

    // The vjp reads the indices (or condition), the rest for shapes.
    func vjpReads(input i: Int) -> Bool { i == 1 }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        i == 0 ? try Tensor.apply(GatherAlongAxis(axis: axis), g, inputs[1]) : nil
    }
}

/// out[k] = x.flat[indices[k]]: elements of x (any shape and strides) at
/// row-major positions; what makes `unique`'s values differentiable.
struct TakeFlat: Primitive {
    var name: String { "take_flat" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        guard inputs[1].dtype == .int64, inputs[1].rank == 1 else {
            throw SwiftGradError.value(name, "needs 1-D int64 positions, got \(inputs[1].dtype) of shape \(describe(inputs[1].shape))")
        }
        return TensorType(inputs[0].dtype, inputs[1].shape)
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        try out.dtype.dispatch(Kernel(x: inputs[0], positions: inputs[1], out: out))
    }

    private struct Kernel: ElementVisitor {
        let x: NDArray, positions: NDArray, out: NDArray
        func visit<T: Element>(_: T.Type) throws {
            let px = x.pointer(T.self), pp = positions.pointer(Int64.self), po = out.pointer(T.self)
            let step = positions.strides[0], outStep = out.strides[0]
            for k in 0..<positions.count {
                let f = pp[k * step]
                guard f >= 0, f < Int64(x.count) else {
                    throw SwiftGradError.index("take_flat", "position \(f) is out of bounds for \(x.count) elements")
                }
                // Row-major position to a strided offset, last axis first.
                var rest = Int(f), offset = 0
                for axis in x.shape.indices.reversed() {
                    offset += (rest % x.shape[axis]) * x.strides[axis]
                    rest /= x.shape[axis]
                }
                po[k * outStep] = px[offset]
            }
        }
    }

    // The vjp reads the indices (or condition), the rest for shapes.
    func vjpReads(input i: Int) -> Bool { i == 1 }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        i == 0 ? try Tensor.apply(PutFlatAdd(), g, inputs[1], inputs[0]) : nil
    }
}

/// Zeros of the third input's shape with `values` (first input) added at
/// row-major `positions` (second): the transpose of `TakeFlat`.
struct PutFlatAdd: Primitive {
    var name: String { "put_flat_add" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        guard inputs[1].dtype == .int64, inputs[1].rank == 1, inputs[0].rank == 1 else {
            throw SwiftGradError.value(name, "needs 1-D values and int64 positions, got shapes \(describe(inputs[0].shape)) and \(describe(inputs[1].shape))")
        }
        return TensorType(inputs[0].dtype, inputs[2].shape)
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        try out.dtype.dispatchNumber(Kernel(values: inputs[0], positions: inputs[1], out: out), name)
    }

    private struct Kernel: NumberVisitor {
        let values: NDArray, positions: NDArray, out: NDArray
        func visit<T: NumberElement>(_: T.Type) throws {
            // `out` is a fresh contiguous array: a position is an offset.
            let po = out.pointer(T.self), pv = values.pointer(T.self), pp = positions.pointer(Int64.self)
            for i in 0..<out.count { po[i] = .zero }
            for k in 0..<positions.count {
                let f = pp[k * positions.strides[0]]
                guard f >= 0, f < Int64(out.count) else {
                    throw SwiftGradError.index("put_flat_add", "position \(f) is out of bounds for \(out.count) elements")
                }
                po[Int(f)] = T.plus(po[Int(f)], pv[k * values.strides[0]])
            }
        }
    }

    // The vjp reads the indices (or condition), the rest for shapes.
    func vjpReads(input i: Int) -> Bool { i == 1 }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        i == 0 ? try Tensor.apply(TakeFlat(), g, inputs[1]) : nil
    }
}

// MARK: argsort and searchsorted

/// The indices that sort each lane along `axis` (stable; NaNs last when
/// ascending, first when descending).
struct ArgSort: Primitive {
    let axis: Int
    let descending: Bool
    var name: String { "argsort" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType { TensorType(.int64, inputs[0].shape) }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        let x = inputs[0]
        try x.dtype.dispatch(Kernel(x: x, out: out, axis: axis, descending: descending))
    }

    private struct Kernel: ElementVisitor {
        let x: NDArray, out: NDArray, axis: Int, descending: Bool
        func visit<T: Element>(_ type: T.Type) throws {
            try ordered(type, "argsort") { run($0) }
        }

        func run<T: OrderedElement>(_: T.Type) {
            var lanes = x.shape
            lanes[axis] = 1
            var starts = [(Int, Int)]()
            StridedLoop(shape: lanes, x.strides, out.strides).forEachRow { o0, o1, _, n, d0, d1, _ in
                for j in 0..<n { starts.append((o0 + j * d0, o1 + j * d1)) }
            }
            let n = x.shape[axis], xs = x.strides[axis], os = out.strides[axis]
            let px = x.pointer(T.self), po = out.pointer(Int64.self), descending = self.descending
            guard n > 0 else { return }
            let perTask = max(1, (1 << 15) / n)
            WorkerPool.shared.run(tasks: (starts.count + perTask - 1) / perTask) { task in
                var sorter = LaneSorter(count: n)
                for lane in starts[(task * perTask)..<min(starts.count, (task + 1) * perTask)] {
                    if T.hasRadixKey {
                        // Descending: keys complemented (within their bytes),
                        // so ties still keep their order.
                        let bytes = T.radixKeyBytes, mask = UInt64.max >> (64 - 8 * bytes)
                        sorter.sort(bytes: bytes) { i in
                            let key = px[lane.0 + i * xs].radixKey
                            return descending ? ~key & mask : key
                        }
                    } else {
                        // The standard library's sort is stable: ties keep their order.
                        sorter.order = Array(0..<n)
                        if descending {
                            sorter.order.sort { T.precedes(px[lane.0 + $1 * xs], px[lane.0 + $0 * xs]) }
                        } else {
                            sorter.order.sort { T.precedes(px[lane.0 + $0 * xs], px[lane.0 + $1 * xs]) }
                        }
                    }
                    for i in 0..<n { po[lane.1 + i * os] = Int64(sorter.order[i]) }
                }
            }
        }
    }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? { nil }
}

/// Sorts the indices of one lane by unsigned keys, stably: a comparison
/// sort of (key, index) pairs for short lanes, an LSD radix sort by bytes
/// (skipping bytes all keys share) for long ones. Buffers are reused
/// across the lanes of a task.
struct LaneSorter {
    let count: Int
    var order: [Int]
    private var keys: [UInt64], spareKeys: [UInt64], spareOrder: [Int]

    init(count: Int) {
        self.count = count
        order = [Int](repeating: 0, count: count)
        keys = [UInt64](repeating: 0, count: count)
        spareKeys = count >= 512 ? keys : []
        spareOrder = count >= 512 ? order : []
    }

    /// Sorts by `key(i)`, whose bytes from `bytes` up are zero.
    mutating func sort(bytes: Int = 8, key: (Int) -> UInt64) {
        let n = count
        if n < 512 {
            var pairs = (0..<n).map { (key($0), $0) }
            pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            for i in 0..<n { order[i] = pairs[i].1 }
            return
        }
        // One histogram per byte, in one pass; unsafe buffers keep
        // uniqueness and bounds checks out of the inner loops.
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 8 * 256)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0, count: 8 * 256)
        keys.withUnsafeMutableBufferPointer { k in
            for i in 0..<n {
                let v = key(i)
                k[i] = v
                for byte in 0..<bytes { counts[byte << 8 | Int(truncatingIfNeeded: v >> (byte * 8)) & 0xFF] += 1 }
            }
        }
        order.withUnsafeMutableBufferPointer { o in
            for i in 0..<n { o[i] = i }
        }
        for byte in 0..<bytes {
            let histogram = counts + byte << 8, shift = UInt64(byte * 8)
            if histogram[Int(truncatingIfNeeded: keys[0] >> shift) & 0xFF] == n { continue }
            var total = 0
            for d in 0..<256 {
                let c = histogram[d]
                histogram[d] = total
                total += c
            }
            keys.withUnsafeBufferPointer { k in
                order.withUnsafeBufferPointer { o in
                    spareKeys.withUnsafeMutableBufferPointer { sk in
                        spareOrder.withUnsafeMutableBufferPointer { so in
                            for i in 0..<n {
                                let d = Int(truncatingIfNeeded: k[i] >> shift) & 0xFF
                                let at = histogram[d]
                                sk[at] = k[i]
                                so[at] = o[i]
                                histogram[d] = at + 1
                            }
                        }
                    }
                }
            }
            swap(&keys, &spareKeys)
            swap(&order, &spareOrder)
        }
    }
}

/// For each element of the second input, the index in the sorted 1-D first
/// input where it would be inserted to keep the order: before equal
/// elements (`right` false) or after them.
struct SearchSorted: Primitive {
    let right: Bool
    var name: String { "searchsorted" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let sorted = inputs[0], values = inputs[1]
        guard sorted.rank == 1 else {
            throw SwiftGradError.value(name, "x1 must be 1-D, got shape \(describe(sorted.shape))")
        }
        guard sorted.dtype == values.dtype else {
            throw SwiftGradError.type(name, "x1 and x2 must share a dtype, got \(sorted.dtype) and \(values.dtype)")
        }
        return TensorType(.int64, values.shape)
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        try inputs[0].dtype.dispatch(Kernel(sorted: inputs[0], values: inputs[1], out: out, right: right))
    }

    private struct Kernel: ElementVisitor {
        let sorted: NDArray, values: NDArray, out: NDArray, right: Bool
        func visit<T: Element>(_ type: T.Type) throws {
            try ordered(type, "searchsorted") { run($0) }
        }

        func run<T: OrderedElement>(_: T.Type) {
            let ps = sorted.pointer(T.self), pv = values.pointer(T.self), po = out.pointer(Int64.self)
            let n = sorted.shape[0], step = sorted.strides[0], right = self.right
            StridedLoop(shape: values.shape, out.strides, values.strides).forEachRow { o0, o1, _, len, d0, d1, _ in
                for j in 0..<len {
                    let v = pv[o1 + j * d1]
                    var low = 0, high = n
                    while low < high {
                        let mid = low + (high - low) / 2, s = ps[mid * step]
                        // Left: past every element before v; right: past every one not after v.
                        if right ? !T.precedes(v, s) : T.precedes(s, v) { low = mid + 1 } else { high = mid }
                    }
                    po[o0 + j * d0] = Int64(low)
                }
            }
        }
    }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? { nil }
}

// MARK: Public functions

/// The four results of `unique`: the distinct values (sorted), the flat
/// index of each one's first occurrence, each element's position in
/// `values` (x's shape), and how often each occurs.
public struct UniqueResult {
    public let values: Tensor
    public let indices: Tensor
    public let inverseIndices: Tensor
    public let counts: Tensor
}

extension Tensor {
    func gathered(along axis: Int, by indices: Tensor) throws -> Tensor {
        try Tensor.apply(GatherAlongAxis(axis: axis), self, indices)
    }

    private func sortAxis(_ axis: Int, _ op: String) throws -> Int {
        guard rank >= 1 else {
            throw SwiftGradError.value(op, "needs at least 1 dimension, got shape \(describe(shape))")
        }
        return try normalizeAxes([axis], rank: rank, op)[0]
    }

    /// The indices that sort this tensor along `axis` (int64). The sort is
    /// stable; NaNs go last (first when `descending`).
    public func argsort(axis: Int = -1, descending: Bool = false) throws -> Tensor {
        guard dtype.kind != .complexFloating else { throw unsupported("argsort", dtype) }
        return try Tensor.apply(ArgSort(axis: sortAxis(axis, "argsort"), descending: descending), self)
    }

    /// This tensor sorted along `axis`; differentiable (the gradient goes
    /// back through the permutation).
    public func sorted(axis: Int = -1, descending: Bool = false) throws -> Tensor {
        guard dtype.kind != .complexFloating else { throw unsupported("sort", dtype) }
        let axis = try sortAxis(axis, "sort")
        let order = try Tensor.apply(ArgSort(axis: axis, descending: descending), self)
        return try gathered(along: axis, by: order)
    }

    /// For each element of `values`, its insertion index in this sorted
    /// 1-D tensor (the Array API's searchsorted; `right` is side="right").
    public func searchSorted(_ values: Tensor, right: Bool = false) throws -> Tensor {
        guard dtype.kind != .complexFloating, values.dtype.kind != .complexFloating else {
            throw unsupported("searchsorted", dtype.kind == .complexFloating ? dtype : values.dtype)
        }
        let common = try DType.promoted(dtype, values.dtype, "searchsorted")
        return try Tensor.apply(SearchSorted(right: right), cast(to: common), values.cast(to: common))
    }

    /// The distinct elements and where they occur. NaNs are each distinct
    /// (the Array API's rule). Needs a concrete tensor; the values are
    /// differentiable (each one's gradient goes to its first occurrence).
    public func unique() throws -> UniqueResult {
        let op = "unique"
        guard let value else { throw SwiftGradError.type(op, "a symbolic tensor has no value") }
        let result = try dtype.dispatch(Unique(x: value))
        guard requiresGrad else { return result }
        return UniqueResult(values: try Tensor.apply(TakeFlat(), self, result.indices), indices: result.indices,
                            inverseIndices: result.inverseIndices, counts: result.counts)
    }

    private struct Unique: ElementVisitor {
        let x: NDArray
        func visit<T: Element>(_ type: T.Type) throws -> UniqueResult {
            try ordered(type, "unique") { try run($0) }
        }

        func run<T: OrderedElement>(_: T.Type) throws -> UniqueResult {
            let flat = try x.contiguous("unique"), p = flat.pointer(T.self), n = flat.count
            let order: [Int]
            if T.hasRadixKey {
                var sorter = LaneSorter(count: n)
                sorter.sort(bytes: T.radixKeyBytes) { p[$0].radixKey }
                order = sorter.order
            } else {
                order = (0..<n).sorted { T.precedes(p[$0], p[$1]) }
            }
            var firsts = [Int](), counts = [Int64]()
            let inverse = try NDArray.uninitialized(.int64, x.shape, "unique")
            let pi = inverse.pointer(Int64.self)
            for (rank, i) in order.enumerated() {
                let previous = rank > 0 ? p[order[rank - 1]] : p[i]
                let same = rank > 0 && !p[i].isUnordered && !T.precedes(previous, p[i])
                if same {
                    counts[counts.count - 1] += 1
                } else {
                    firsts.append(i)
                    counts.append(1)
                }
                pi[i] = Int64(firsts.count - 1)
            }
            let values = try NDArray.uninitialized(x.dtype, [firsts.count], "unique")
            let pv = values.pointer(T.self)
            for (k, i) in firsts.enumerated() { pv[k] = p[i] }
            return UniqueResult(values: Tensor(values),
                                indices: Tensor(try NDArray(firsts.map { .int(Int64($0)) }, shape: [firsts.count], dtype: .int64)),
                                inverseIndices: Tensor(inverse),
                                counts: Tensor(try NDArray(counts.map { .int($0) }, shape: [counts.count], dtype: .int64)))
        }
    }
}

public func sort(_ x: Tensor, axis: Int = -1, descending: Bool = false) throws -> Tensor {
    try x.sorted(axis: axis, descending: descending)
}

public func argsort(_ x: Tensor, axis: Int = -1, descending: Bool = false) throws -> Tensor {
    try x.argsort(axis: axis, descending: descending)
}
