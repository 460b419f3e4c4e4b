/// A tensor's dtype and shape as known when a graph is built: a `nil`
/// length is fixed only when a compiled function runs.
public struct TensorType: Equatable, Sendable {
    public var dtype: DType
    public var shape: [Int?]

    public init(_ dtype: DType, _ shape: [Int?]) {
        self.dtype = dtype
        self.shape = shape
    }

    public var rank: Int { shape.count }

    /// The lengths, which must all be known (they are when values exist).
    func knownShape(_ op: String) throws -> [Int] {
        try shape.map {
            guard let n = $0 else {
                throw SwiftGradError.internal(op, "shape \(describe(shape)) is not known")
            }
            return n
        }
    }
}

/// `(2,3)`, `(2,)`, `()`; `?` marks an unknown length.
func describe(_ shape: [Int?]) -> String {
    let dims = shape.map { $0.map(String.init) ?? "?" }
    return "(" + dims.joined(separator: ",") + (dims.count == 1 ? ",)" : ")")
}

func describe(_ shape: [Int]) -> String { describe(shape.map(Optional.some)) }

/// The number of elements of an array of `shape` with `itemSize`-byte
/// elements, after checking every length is non-negative and that the
/// product of the nonzero lengths, in bytes, fits in an `Int` (NumPy's
/// rule: an empty array may not have axes whose product overflows, so
/// permuting the axes never changes the verdict). Every size a caller
/// gives goes through here.
func checkedCount(_ shape: [Int], itemSize: Int = 1, _ op: String) throws -> Int {
    var nonzero = max(itemSize, 1), count = 1
    for n in shape {
        guard n >= 0 else {
            throw SwiftGradError.value(op, "negative length in shape \(describe(shape))")
        }
        let (product, overflow) = nonzero.multipliedReportingOverflow(by: max(n, 1))
        guard !overflow else {
            throw SwiftGradError.value(op, "shape \(describe(shape)) has too many elements: its size in bytes overflows")
        }
        nonzero = product
        count &*= n
    }
    return count
}

/// Row-major strides, in elements.
func contiguousStrides(_ shape: [Int]) -> [Int] {
    // With capacity 0 the initializer writes the count of the shared empty
    // array, a race between threads (ThreadSanitizer found it).
    guard !shape.isEmpty else { return [] }
    return [Int](unsafeUninitializedCapacity: shape.count) { strides, count in
        var step = 1
        for axis in shape.indices.reversed() {
            strides[axis] = step
            step &*= Swift.max(shape[axis], 1)
        }
        count = shape.count
    }
}

/// NumPy's broadcasting of two shapes; unknown lengths stay unknown unless
/// the other operand fixes them.
func broadcastShapes(_ a: [Int?], _ b: [Int?], _ op: String) throws -> [Int?] {
    if a == b, !a.contains(nil) { return a }
    let rank = max(a.count, b.count)
    var result = [Int?](repeating: nil, count: rank)
    for axis in 0..<rank {
        let i = axis - (rank - a.count), j = axis - (rank - b.count)
        let x: Int? = i >= 0 ? a[i] : 1
        let y: Int? = j >= 0 ? b[j] : 1
        switch (x, y) {
        case let (x?, y?):
            guard x == y || x == 1 || y == 1 else {
                throw SwiftGradError.value(
                    op, "shapes \(describe(a)) and \(describe(b)) cannot be broadcast together")
            }
            result[axis] = x == 1 ? y : x
        case let (n?, nil), let (nil, n?):
            result[axis] = n == 1 ? nil : n
        case (nil, nil):
            result[axis] = nil
        }
    }
    return result
}

/// Axes made non-negative, checked, de-duplicated and sorted.
func normalizeAxes(_ axes: [Int], rank: Int, _ op: String) throws -> [Int] {
    var seen = [Bool](repeating: false, count: rank)
    for axis in axes {
        guard axis >= -rank, axis < rank else {
            throw SwiftGradError.index(
                op, "axis \(axis) is out of bounds for a tensor of dimension \(rank)")
        }
        let a = axis < 0 ? axis + rank : axis
        guard !seen[a] else { throw SwiftGradError.value(op, "repeated axis \(axis)") }
        seen[a] = true
    }
    return seen.indices.filter { seen[$0] }
}

extension TensorType {
    /// The type of a concrete value.
    init(_ dtype: DType, _ shape: [Int]) {
        self.init(dtype, shape.map(Optional.some))
    }
}
