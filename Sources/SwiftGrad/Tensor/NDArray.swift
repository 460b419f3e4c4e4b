/// A concrete array: a strided view over reference-counted storage.
///
/// Kernels write into a destination array handed to them
/// (`evaluate(_:into:)`); once a value is given to a tensor it is not
/// written again, so views may share storage freely.
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
        let count = try checkedCount(shape, itemSize: dtype.itemSize, op)
        let storage = try Storage(byteCount: count * dtype.itemSize, op: op)
        return NDArray(storage, dtype, shape: shape, strides: contiguousStrides(shape), offset: 0, count: count)
    }

    /// An array of `shape` with every element `value` converted to `dtype`.
    public static func filled(_ value: Scalar, _ dtype: DType, _ shape: [Int], _ op: String = "full") throws -> NDArray {
        let array = try uninitialized(dtype, shape, op)
        try dtype.dispatch(Fill(array: array, value: value))
        return array
    }

    private struct Fill: ElementVisitor {
        let array: NDArray, value: Scalar
        func visit<T: Element>(_: T.Type) {
            let p = array.pointer(T.self), x = T(value)
            for i in 0..<array.count { p[i] = x }
        }
    }

    /// A new array holding `scalars` (row-major), converted to `dtype`.
    public init(_ scalars: [Scalar], shape: [Int], dtype: DType) throws {
        let count = try checkedCount(shape, "tensor")
        guard count == scalars.count else {
            throw SwiftGradError.value("tensor", "\(scalars.count) values do not fill shape \(describe(shape))")
        }
        self = try .uninitialized(dtype, shape, "tensor")
        try dtype.dispatch(Store(array: self, scalars: scalars))
    }

    private struct Store: ElementVisitor {
        let array: NDArray, scalars: [Scalar]
        func visit<T: Element>(_: T.Type) {
            let p = array.pointer(T.self)
            for (i, x) in scalars.enumerated() { p[i] = T(x) }
        }
    }

    /// A new array holding `values` (row-major), converted to `dtype`.
    public init(_ values: [Double], shape: [Int], dtype: DType = .float64) throws {
        try self.init(values.map(Scalar.real), shape: shape, dtype: dtype)
    }

    /// A 0-dimensional array.
    public init(scalar: Scalar, dtype: DType) throws {
        self = try .filled(scalar, dtype, [], "tensor")
    }

    public init(scalar: Double, dtype: DType = .float64) throws {
        try self.init(scalar: .real(scalar), dtype: dtype)
    }

    /// A new contiguous array copied from row-major elements at `source`.
    public init(copying source: UnsafeRawPointer, dtype: DType, shape: [Int]) throws {
        self = try .uninitialized(dtype, shape, "tensor")
        storage.base.copyMemory(from: source, byteCount: count * dtype.itemSize)
    }

    /// An array over memory owned elsewhere, without a copy: element
    /// (0, …, 0) is at `base`, `strides` count elements (nil: row-major).
    /// `release` runs once the last array using the memory is gone; it
    /// does not run if this initializer throws. Memory that is not
    /// `writable` refuses in-place writes.
    public init(borrowing base: UnsafeMutableRawPointer, dtype: DType, shape: [Int], strides: [Int]?,
                writable: Bool = true, release: (() -> Void)?) throws {
        let count = try checkedCount(shape, itemSize: dtype.itemSize, "tensor")
        let strides = strides ?? contiguousStrides(shape)
        guard strides.count == shape.count else {
            throw SwiftGradError.value("tensor", "\(strides.count) strides for shape \(describe(shape))")
        }
        // Every element must be addressable, in bytes, without overflow;
        // a length-1 axis is never stepped along, so its stride is moot.
        var reach = 0
        for (n, step) in zip(shape, strides) where n > 1 {
            let (span, o1) = (n - 1).multipliedReportingOverflow(by: step == .min ? .max : abs(step))
            let (sum, o2) = reach.addingReportingOverflow(span)
            let (_, o3) = sum.multipliedReportingOverflow(by: dtype.itemSize)
            guard !o1, !o2, !o3 else {
                throw SwiftGradError.value("tensor", "strides \(strides) overflow for shape \(describe(shape))")
            }
            reach = sum
        }
        let kept = zip(shape, strides).map { $0 > 1 ? $1 : 0 }
        self.init(Storage(borrowing: base, release: release, writable: writable), dtype, shape: shape, strides: kept,
                  offset: 0, count: count)
    }

    /// Copies the elements in row-major order to `destination`, which must
    /// hold `count * dtype.itemSize` bytes.
    public func copyBytes(to destination: UnsafeMutableRawPointer) throws {
        let source = try contiguous("copy")
        destination.copyMemory(from: source.baseAddress, byteCount: count * dtype.itemSize)
    }

    /// The same storage seen through another shape and strides.
    func view(shape: [Int], strides: [Int], offset: Int? = nil, _ op: String) throws -> NDArray {
        let count = try checkedCount(shape, itemSize: dtype.itemSize, op)
        return NDArray(storage, dtype, shape: shape, strides: strides, offset: offset ?? self.offset, count: count)
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

    /// Whether the elements fill `count` consecutive places in some order
    /// of the axes, at positive steps (a transpose of a contiguous array):
    /// an array with these strides from offset 0 is laid out without gaps.
    var isDense: Bool {
        if isContiguous { return true }
        var axes = shape.indices.filter { shape[$0] != 1 }
        guard axes.allSatisfy({ strides[$0] > 0 }) else { return false }
        axes.sort { strides[$0] < strides[$1] }
        var step = 1
        for axis in axes {
            if strides[axis] != step { return false }
            step &*= shape[axis]
        }
        return true
    }

    /// This array if contiguous, otherwise a contiguous copy.
    func contiguous(_ op: String) throws -> NDArray {
        if isContiguous { return self }
        let out = try NDArray.uninitialized(dtype, shape, op)
        try convert(self, into: out)
        return out
    }

    /// A pointer to element (0, …, 0), typed; the dtype must be `T`'s.
    @inline(__always)
    func pointer<T>(_: T.Type) -> UnsafeMutablePointer<T> {
        storage.base.assumingMemoryBound(to: T.self) + offset
    }

    /// The address of element (0, …, 0).
    public var baseAddress: UnsafeRawPointer {
        UnsafeRawPointer(storage.base) + offset * dtype.itemSize
    }

    /// The elements in row-major order.
    public var elements: [Scalar] {
        (try? dtype.dispatch(Elements(array: self))) ?? []
    }

    private struct Elements: ElementVisitor {
        let array: NDArray
        func visit<T: Element>(_: T.Type) -> [Scalar] {
            var result = [Scalar]()
            result.reserveCapacity(array.count)
            let p = array.pointer(T.self)
            StridedLoop(shape: array.shape, array.strides).forEachRow { o, _, _, n, d, _, _ in
                for j in 0..<n { result.append(p[o + j * d].scalar) }
            }
            return result
        }
    }

    /// The elements in row-major order as doubles (complex: real parts).
    public var scalars: [Double] { elements.map(\.doubleValue) }
}
