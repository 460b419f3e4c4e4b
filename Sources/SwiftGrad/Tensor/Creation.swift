// The Array API's creation functions: zeros, ones, empty, full, arange,
// linspace, eye, meshgrid, tril and triu.

extension Tensor {
    /// A tensor of `shape` with every element `value` converted to `dtype`.
    public static func full(_ shape: [Int], _ value: Scalar, dtype: DType) throws -> Tensor {
        Tensor(try NDArray.filled(value, dtype, shape, "full"))
    }

    public static func zeros(_ shape: [Int], dtype: DType = .float64) throws -> Tensor {
        Tensor(try NDArray.filled(.int(0), dtype, shape, "zeros"))
    }

    public static func ones(_ shape: [Int], dtype: DType = .float64) throws -> Tensor {
        Tensor(try NDArray.filled(.int(1), dtype, shape, "ones"))
    }

    /// A tensor whose elements callers must not rely on (they are zeros).
    public static func empty(_ shape: [Int], dtype: DType = .float64) throws -> Tensor {
        Tensor(try NDArray.filled(.int(0), dtype, shape, "empty"))
    }

    /// A tensor of this one's shape with every element `value` in `dtype`
    /// (this tensor's by default). The shape is read when the value
    /// exists, so symbolic tensors have symbolic `full_like`s.
    public func filledLike(_ value: Scalar, dtype: DType? = nil) throws -> Tensor {
        try Tensor.apply(FullLike(value: value, dtype: dtype ?? self.dtype), self)
    }

    /// `start, start + step, …` up to but excluding `stop`: ceil((stop −
    /// start) / step) elements of `dtype` (a real number type). Integer
    /// arguments are computed exactly; the values must fit `dtype`.
    public static func arange(start: Scalar, stop: Scalar, step: Scalar = .int(1), dtype: DType) throws -> Tensor {
        let op = "arange"
        guard dtype.isRealNumber else { throw unsupported(op, dtype) }
        if case .complex = start { throw SwiftGradError.type(op, "complex arguments are not supported") }
        if case .complex = stop { throw SwiftGradError.type(op, "complex arguments are not supported") }
        if case .complex = step { throw SwiftGradError.type(op, "complex arguments are not supported") }
        if dtype.isInteger, let a = exactInteger(start), let b = exactInteger(stop), let d = exactInteger(step) {
            guard d != 0 else { throw SwiftGradError.value(op, "step must not be zero") }
            // ceil((b − a) / d) in 128 bits, where no Int64 inputs overflow.
            let span = b - a
            let length = Swift.max(0, d > 0 ? (span + d - 1) / d : (span + d + 1) / d)
            guard length <= Int128(Int.max) else {
                throw SwiftGradError.value(op, "\(length) elements are too many")
            }
            let count = Int(length)
            if count > 0, let limits = dtype.integerLimits {
                let last = a + Int128(count - 1) * d
                for v in [a, last] where v < Int128(limits.min) || v > Int128(limits.max) {
                    throw SwiftGradError.value(op, "value \(v) does not fit \(dtype)")
                }
            }
            let out = try NDArray.uninitialized(dtype, [count], op)
            try dtype.dispatch(FillInteger(out: out, start: a, step: d))
            return Tensor(out)
        }
        let a = start.doubleValue, b = stop.doubleValue, d = step.doubleValue
        guard d != 0 else { throw SwiftGradError.value(op, "step must not be zero") }
        let length = ((b - a) / d).rounded(.up)
        guard length.isFinite else {
            throw SwiftGradError.value(op, "the length of arange(\(start), \(stop), \(step)) is not finite")
        }
        guard length < 0x1p62 else { throw SwiftGradError.value(op, "\(length) elements are too many") }
        let count = Swift.max(0, Int(length))
        let out = try NDArray.uninitialized(dtype, [count], op)
        try dtype.dispatch(FillLinear(out: out, start: a, step: d, last: nil))
        return Tensor(out)
    }

    /// `arange` whose arguments are 0-d real tensors, read when the graph
    /// runs (Theano's `T.arange(x.shape[0])`); the length is known then.
    public static func arange(start: Tensor, stop: Tensor, step: Tensor, dtype: DType) throws -> Tensor {
        try apply(DynamicRange(dtype: dtype), start, stop, step)
    }

    /// The length of `axis` as a 0-d int64 tensor, symbolic when the
    /// tensor is (Theano's `x.shape[i]`).
    public func length(axis: Int) throws -> Tensor {
        let a = try normalizeAxes([axis], rank: rank, "shape")[0]
        return try Tensor.apply(ElementCount(axes: [a], dtype: .int64), self)
    }

    private static func exactInteger(_ x: Scalar) -> Int128? {
        switch x {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return Int128(i)
        case .uint(let u): return Int128(u)
        case .real, .complex: return nil
        }
    }

    /// `num` evenly spaced values from `start` to `stop` (included when
    /// `endpoint`), of a floating `dtype`; complex endpoints give complex
    /// values.
    public static func linspace(start: Scalar, stop: Scalar, count num: Int, endpoint: Bool = true,
                                dtype: DType) throws -> Tensor {
        let op = "linspace"
        guard dtype.isFloating else { throw unsupported(op, dtype) }
        guard num >= 0 else { throw SwiftGradError.value(op, "the number of samples \(num) is negative") }
        let out = try NDArray.uninitialized(dtype, [num], op)
        let divisions = Double(endpoint ? Swift.max(num - 1, 1) : Swift.max(num, 1))
        func parts(_ x: Scalar) -> (Double, Double) {
            if case .complex(let re, let im) = x { return (re, im) }
            return (x.doubleValue, 0)
        }
        let (a, ai) = parts(start), (b, bi) = parts(stop)
        let last = endpoint && num > 1
        try dtype.dispatch(FillLinear(out: out, start: a, step: (b - a) / divisions, last: last ? b : nil,
                                      imaginary: (ai, (bi - ai) / divisions, last ? bi : nil)))
        return Tensor(out)
    }

    /// Ones on diagonal `k` (above the main one for k > 0) of an
    /// `rows` × `columns` matrix, zeros elsewhere.
    public static func eye(rows: Int, columns: Int? = nil, k: Int = 0, dtype: DType = .float64) throws -> Tensor {
        let columns = columns ?? rows
        let out = try NDArray.filled(.int(0), dtype, [rows, columns], "eye")
        try dtype.dispatch(FillDiagonal(out: out, k: k))
        return Tensor(out)
    }

    /// One tensor per 1-D input, each broadcast to the grid of all their
    /// lengths: `ij` indexing puts input i along axis i; `xy` (Cartesian,
    /// the default) swaps the first two axes. Differentiable.
    public static func meshgrid(_ arrays: [Tensor], cartesian: Bool = true) throws -> [Tensor] {
        let op = "meshgrid"
        guard let first = arrays.first else { return [] }
        for x in arrays {
            guard x.rank == 1 else {
                throw SwiftGradError.value(op, "inputs must be 1-D, got shape \(describe(x.shape))")
            }
            guard x.dtype == first.dtype else {
                throw SwiftGradError.type(op, "inputs must share a dtype, got \(first.dtype) and \(x.dtype)")
            }
        }
        var lengths = try arrays.map { x -> Int in
            guard let n = x.type.shape[0] else {
                throw SwiftGradError.value(op, "input lengths must be known, got shape \(describe(x.type.shape))")
            }
            return n
        }
        var axisOf = Array(lengths.indices)
        if cartesian && arrays.count > 1 {
            axisOf.swapAt(0, 1)
            lengths.swapAt(0, 1)
        }
        _ = try checkedCount(lengths, itemSize: first.dtype.itemSize, op)
        // The target of each broadcast: a view with every stride 0.
        let zero = try NDArray.filled(.int(0), first.dtype, [], op)
        let grid = Tensor(try zero.view(shape: lengths, strides: lengths.map { _ in 0 }, op))
        return try arrays.indices.map { i in
            let others = lengths.indices.filter { $0 != axisOf[i] }
            let x = others.isEmpty ? arrays[i] : try arrays[i].expandingDims(others)
            return try Tensor.apply(BroadcastTo(), x, grid)
        }
    }

    /// The lower triangle: elements on or below diagonal `k` of the last
    /// two axes, zeros above. Differentiable (the gradient is masked the
    /// same way).
    public func lowerTriangle(k: Int = 0) throws -> Tensor {
        try Tensor.apply(Triangle(k: k, upper: false), self)
    }

    /// The upper triangle: elements on or above diagonal `k`.
    public func upperTriangle(k: Int = 0) throws -> Tensor {
        try Tensor.apply(Triangle(k: k, upper: true), self)
    }
}

public func tril(_ x: Tensor, k: Int = 0) throws -> Tensor { try x.lowerTriangle(k: k) }
public func triu(_ x: Tensor, k: Int = 0) throws -> Tensor { try x.upperTriangle(k: k) }

/// Keeps the elements of the last two axes on one side of diagonal `k`.
struct Triangle: Primitive {
    let k: Int
    let upper: Bool
    var name: String { upper ? "triu" : "tril" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        guard inputs[0].rank >= 2 else {
            throw SwiftGradError.value(name, "needs at least 2 dimensions, got shape \(describe(inputs[0].shape))")
        }
        return inputs[0]
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        try out.dtype.dispatch(Mask(x: inputs[0], out: out, k: k, upper: upper))
    }

    private struct Mask: ElementVisitor {
        let x: NDArray, out: NDArray, k: Int, upper: Bool
        func visit<T: Element>(_: T.Type) {
            let r = x.shape.count, rows = x.shape[r - 2], cols = x.shape[r - 1]
            let (xr, xc, orow, oc) = (x.strides[r - 2], x.strides[r - 1], out.strides[r - 2], out.strides[r - 1])
            let px = x.pointer(T.self), po = out.pointer(T.self), zero = T(.int(0))
            let batch = Array(x.shape.dropLast(2))
            StridedLoop(shape: batch, Array(out.strides.dropLast(2)), Array(x.strides.dropLast(2)))
                .forEachRow { o0, o1, _, n, d0, d1, _ in
                    for b in 0..<n {
                        let ob = o0 + b * d0, xb = o1 + b * d1
                        for i in 0..<rows {
                            for j in 0..<cols {
                                // Clamped so huge k cannot overflow.
                                let keep = upper ? j >= i.addingClamped(k) : j <= i.addingClamped(k)
                                po[ob + i * orow + j * oc] = keep ? px[xb + i * xr + j * xc] : zero
                            }
                        }
                    }
                }
        }
    }

    // The vjp reads shapes only.
    func vjpReads(input i: Int) -> Bool { false }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        try Tensor.apply(self, g)
    }
}

extension Int {
    /// `self + other`, clamped to the range of `Int` instead of trapping.
    func addingClamped(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}

/// Element i = start + i · step, exactly in 128 bits, then converted.
private struct FillInteger: ElementVisitor {
    let out: NDArray, start: Int128, step: Int128
    func visit<T: Element>(_: T.Type) {
        let p = out.pointer(T.self)
        for i in 0..<out.count {
            let v = start + Int128(i) * step
            p[i] = v < 0 ? T(.int(Int64(v))) : T(.uint(UInt64(v)))
        }
    }
}

/// Element i = start + i · step in doubles (the last replaced by `last`
/// when given); complex dtypes take the imaginary parts likewise.
private struct FillLinear: ElementVisitor {
    let out: NDArray, start: Double, step: Double, last: Double?
    var imaginary: (start: Double, step: Double, last: Double?) = (0, 0, nil)
    func visit<T: Element>(_: T.Type) {
        let p = out.pointer(T.self), n = out.count
        let complex = out.dtype.kind == .complexFloating
        for i in 0..<n {
            var re = start + Double(i) * step, im = imaginary.start + Double(i) * imaginary.step
            if i == n - 1 {
                re = last ?? re
                im = imaginary.last ?? im
            }
            p[i] = T(complex ? .complex(re, im) : .real(re))
        }
    }
}

private struct FillDiagonal: ElementVisitor {
    let out: NDArray, k: Int
    func visit<T: Element>(_: T.Type) {
        let rows = out.shape[0], cols = out.shape[1], p = out.pointer(T.self), one = T(.int(1))
        // Row i holds column i + k; only rows where that column exists.
        let first = k >= 0 ? 0 : (k == .min ? rows : Swift.min(rows, -k))
        for i in first..<rows {
            let (j, overflow) = i.addingReportingOverflow(k)
            if overflow || j >= cols { break }
            p[i * cols + j] = one
        }
    }
}

/// `arange(start, stop, step)` over 0-d tensors: its length depends on
/// their values, so it is computed where views are.
struct DynamicRange: Primitive {
    let dtype: DType
    var name: String { "arange" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        for input in inputs where input.rank != 0 || !input.dtype.isRealNumber {
            throw SwiftGradError.type(name, "start, stop and step must be real scalars, got \(input.dtype) \(describe(input.shape))")
        }
        guard dtype.isRealNumber else { throw SwiftGradError.type(name, "\(dtype) is not a real number type") }
        return TensorType(dtype, [nil])
    }

    func view(of inputs: [NDArray], _ output: TensorType) throws -> NDArray? {
        let range = try Tensor.arange(start: inputs[0].elements[0], stop: inputs[1].elements[0],
                                      step: inputs[2].elements[0], dtype: dtype)
        guard let value = range.value else { throw SwiftGradError.internal(name, "no value") }
        return value
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        guard let value = try view(of: inputs, TensorType(out.dtype, out.shape)) else { return }
        try convert(value, into: out)
    }

    // Positions do not change with the bounds: no gradient.
    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? { nil }
}
