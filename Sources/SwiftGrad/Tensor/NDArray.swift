/// A concrete array: a strided view over reference-counted storage.
///
/// Values are immutable once made: kernels write only into arrays they have
/// just allocated, so views may share storage freely.
public struct NDArray {
    public let dtype: DType
    public let shape: [Int]
    /// Steps between neighbours along each axis, in elements.
    public let strides: [Int]
    /// The number of elements.
    public let count: Int
    let storage: Storage
    /// Where element (0, …, 0) lies, in elements from `storage.base`.
    let offset: Int

    init(_ storage: Storage, _ dtype: DType, shape: [Int], strides: [Int], offset: Int, count: Int) {
        self.storage = storage
        self.dtype = dtype
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.count = count
    }

    /// A new contiguous array with uninitialized elements.
    static func uninitialized(_ dtype: DType, _ shape: [Int], _ op: String) throws -> NDArray {
        let count = try elementCount(shape, op)
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.itemSize)
        guard !overflow else {
            throw SwiftGradError.value(op, "shape \(describe(shape)) has too many elements")
        }
        let storage = try Storage(byteCount: bytes, op: op)
        return NDArray(storage, dtype, shape: shape, strides: contiguousStrides(shape), offset: 0, count: count)
    }

    /// A new array holding `scalars` (row-major), converted to `dtype`.
    public init(_ scalars: [Double], shape: [Int], dtype: DType = .float64) throws {
        let count = try elementCount(shape, "tensor")
        guard count == scalars.count else {
            throw SwiftGradError.value(
                "tensor", "\(scalars.count) values do not fill shape \(describe(shape))")
        }
        self = try .uninitialized(dtype, shape, "tensor")
        switch dtype {
        case .float32: fill(Float.self) { Float(scalars[$0]) }
        case .float64: fill(Double.self) { scalars[$0] }
        }
    }

    /// A 0-dimensional array.
    public init(scalar: Double, dtype: DType = .float64) throws {
        try self.init([scalar], shape: [], dtype: dtype)
    }

    /// A new contiguous array copied from row-major elements at `source`.
    public init(copying source: UnsafeRawPointer, dtype: DType, shape: [Int]) throws {
        self = try .uninitialized(dtype, shape, "tensor")
        storage.base.copyMemory(from: source, byteCount: count * dtype.itemSize)
    }

    /// An array over memory owned elsewhere, without a copy: element
    /// (0, …, 0) is at `base`, `strides` count elements (nil: row-major).
    /// `release` runs once the last array using the memory is gone; it
    /// does not run if this initializer throws.
    public init(borrowing base: UnsafeMutableRawPointer, dtype: DType, shape: [Int], strides: [Int]?,
                release: (() -> Void)?) throws {
        let count = try elementCount(shape, "tensor")
        let strides = strides ?? contiguousStrides(shape)
        guard strides.count == shape.count else {
            throw SwiftGradError.value("tensor", "\(strides.count) strides for shape \(describe(shape))")
        }
        // The farthest element must be addressable without overflow.
        var reach = 0
        for (n, step) in zip(shape, strides) where n > 0 {
            let (span, o1) = (n - 1).multipliedReportingOverflow(by: step == .min ? .max : abs(step))
            let (sum, o2) = reach.addingReportingOverflow(span)
            let (_, o3) = sum.multipliedReportingOverflow(by: dtype.itemSize)
            guard !o1, !o2, !o3 else {
                throw SwiftGradError.value("tensor", "strides \(strides) overflow for shape \(describe(shape))")
            }
            reach = sum
        }
        self.init(Storage(borrowing: base, release: release), dtype, shape: shape, strides: strides, offset: 0, count: count)
    }

    /// Copies the elements in row-major order to `destination`, which must
    /// hold `count * dtype.itemSize` bytes.
    public func copyBytes(to destination: UnsafeMutableRawPointer) throws {
        let source = try contiguous("copy")
        destination.copyMemory(from: source.baseAddress, byteCount: count * dtype.itemSize)
    }

    /// An array filled with `value`.
    static func filled(_ value: Double, _ dtype: DType, _ shape: [Int], _ op: String) throws -> NDArray {
        let array = try uninitialized(dtype, shape, op)
        switch dtype {
        case .float32: array.fill(Float.self) { _ in Float(value) }
        case .float64: array.fill(Double.self) { _ in value }
        }
        return array
    }

    /// The same storage seen through another shape and strides.
    func view(shape: [Int], strides: [Int], _ op: String) throws -> NDArray {
        let count = try elementCount(shape, op)
        return NDArray(storage, dtype, shape: shape, strides: strides, offset: offset, count: count)
    }

    /// Whether the elements lie in row-major order without gaps.
    public var isContiguous: Bool {
        var step = 1
        for axis in shape.indices.reversed() where shape[axis] != 1 {
            if strides[axis] != step { return false }
            step &*= shape[axis]
        }
        return true
    }

    /// This array if contiguous, otherwise a contiguous copy.
    func contiguous(_ op: String) throws -> NDArray {
        if isContiguous { return self }
        switch dtype {
        case .float32: return try convert(self, Float.self, to: Float.self, op)
        case .float64: return try convert(self, Double.self, to: Double.self, op)
        }
    }

    /// A pointer to element (0, …, 0), typed; the dtype must be `T`'s.
    @inline(__always)
    func pointer<T: FloatElement>(_: T.Type) -> UnsafeMutablePointer<T> {
        storage.base.assumingMemoryBound(to: T.self) + offset
    }

    /// The address of element (0, …, 0).
    public var baseAddress: UnsafeRawPointer {
        UnsafeRawPointer(storage.base) + offset * dtype.itemSize
    }

    /// Writes `value(i)` to element i of a freshly allocated contiguous array.
    private func fill<T: FloatElement>(_: T.Type, _ value: (Int) -> T) {
        let p = pointer(T.self)
        for i in 0..<count { p[i] = value(i) }
    }

    /// The elements in row-major order, as doubles.
    public var scalars: [Double] {
        switch dtype {
        case .float32: return elements(Float.self).map(Double.init)
        case .float64: return elements(Double.self)
        }
    }

    private func elements<T: FloatElement>(_: T.Type) -> [T] {
        var result = [T]()
        result.reserveCapacity(count)
        let p = pointer(T.self)
        forEachRow(shape, strides, offset: 0) { start, n, step in
            for j in 0..<n { result.append(p[start + j * step]) }
        }
        return result
    }
}
