/// The dtype a sum accumulates in: the Array API's default integer for
/// integers and booleans (uint64 for unsigned), the input's otherwise.
func sumDType(_ dtype: DType) -> DType {
    switch dtype.kind {
    case .bool, .signedInteger: return .int64
    case .unsignedInteger: return .uint64
    case .realFloating, .complexFloating: return dtype
    }
}

/// The sum over `axes` (sorted, non-negative), accumulated and returned in
/// `dtype` (nil: `sumDType` of the input's).
struct Sum: Primitive {
    let axes: [Int]
    let keepDims: Bool
    var dtype: DType? = nil
    var name: String { "sum" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let x = inputs[0]
        var shape = [Int?]()
        for (axis, n) in x.shape.enumerated() {
            if !axes.contains(axis) { shape.append(n) } else if keepDims { shape.append(1) }
        }
        return TensorType(dtype ?? sumDType(x.dtype), shape)
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        let x = inputs[0]
        try reduceSum(x, reducing: .listed(axes), into: out)
    }

    // The vjp reads shapes only.
    func vjpReads(input i: Int) -> Bool { false }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        try (keepDims ? g : g.expandingDims(axes)).broadcast(toShapeOf: inputs[0])
    }
}

/// Sums the first input down to the shape of the second, undoing NumPy
/// broadcasting; the shape is read when the value exists, so it works for
/// lengths unknown while the graph is built.
struct SumTo: Primitive {
    var name: String { "sum_to" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let x = inputs[0], target = inputs[1]
        let merged = try? broadcastShapes(target.shape, x.shape, name)
        guard let merged, merged.count == x.rank, zip(merged, x.shape).allSatisfy({ $0 == $1 || $0 == nil || $1 == nil }) else {
            throw SwiftGradError.value(name, "cannot sum shape \(describe(x.shape)) to \(describe(target.shape))")
        }
        return TensorType(x.dtype, target.shape)
    }

    func view(of inputs: [NDArray], _ output: TensorType) throws -> NDArray? {
        // Compared in place: no array of the known lengths is made.
        let x = inputs[0]
        guard x.shape.count == output.shape.count else { return nil }
        for (n, m) in zip(x.shape, output.shape) where m != n {
            guard m != nil else { throw SwiftGradError.internal(name, "shape \(describe(output.shape)) is not known") }
            return nil
        }
        return x
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        try reduceSum(inputs[0], reducing: .toShape(out.shape), into: out)
    }

    // The vjp reads shapes only.
    func vjpReads(input i: Int) -> Bool { false }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        i == 0 ? try g.broadcast(toShapeOf: inputs[0]) : nil
    }
}

/// Broadcasts the first input to the shape of the second, as a view.
struct BroadcastTo: ViewPrimitive {
    var name: String { "broadcast_to" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let x = inputs[0], target = inputs[1]
        let merged = try? broadcastShapes(x.shape, target.shape, name)
        guard let merged, merged.count == target.rank,
              zip(merged, target.shape).allSatisfy({ $0 == $1 || $1 == nil }) else {
            throw SwiftGradError.value(name, "cannot broadcast shape \(describe(x.shape)) to \(describe(target.shape))")
        }
        return TensorType(x.dtype, merged)
    }

    func view(of inputs: [NDArray], _ output: TensorType) throws -> NDArray? {
        let x = inputs[0], shape = try output.knownShape(name)
        if x.shape == shape { return x }
        return try x.view(shape: shape, strides: broadcastStrides(x, to: shape), name)
    }

    // The vjp reads shapes only.
    func vjpReads(input i: Int) -> Bool { false }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        i == 0 ? try g.sum(toShapeOf: inputs[0]) : nil
    }
}

/// The number of elements along `axes`, as a 0-d tensor of `dtype`: the
/// divisor of `mean` when lengths are known only at run time.
struct ElementCount: Primitive {
    let axes: [Int]
    let dtype: DType
    var name: String { "element_count" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType { TensorType(dtype, []) }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        // The product of the lengths, which a valid array's shape keeps within Int.
        var count = 1
        for axis in axes { count &*= inputs[0].shape[axis] }
        try dtype.dispatch(Store(out: out, value: .int(Int64(count))))
    }

    private struct Store: ElementVisitor {
        let out: NDArray, value: Scalar
        func visit<T: Element>(_: T.Type) { out.pointer(T.self)[0] = T(value) }
    }

    // A count does not change with the values it counts.
    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? { nil }
}

// MARK: Other reductions

/// The reductions over a set of axes besides the sum.
public enum ReduceOp: CaseIterable, Sendable {
    case prod, max, min, all, any

    /// The Array API's name, which errors begin with.
    public var name: String {
        switch self {
        case .prod: return "prod"
        case .max: return "max"
        case .min: return "min"
        case .all: return "all"
        case .any: return "any"
        }
    }

    /// The result's dtype for input `dtype` (checked to be accepted);
    /// `requested` is the product's accumulation dtype, if given.
    func resultType(_ dtype: DType, requested: DType?) throws -> DType {
        switch self {
        case .prod:
            guard dtype.isNumeric || dtype == .bool else { throw unsupported(name, dtype) }
            return requested ?? sumDType(dtype)
        case .max, .min:
            guard dtype.isRealNumber else { throw unsupported(name, dtype) }
            return dtype
        case .all, .any:
            return .bool
        }
    }
}

/// A reduction over `axes` (sorted, non-negative) other than the sum.
///
/// Gradients: `prod` gives each element the product of the others (exact
/// at zeros too); `max`
/// and `min` split the cotangent evenly among the elements equal to the
/// result (ties share it, as in JAX and TensorFlow); `all` and `any` have
/// none.
struct Reduce: Primitive {
    let op: ReduceOp
    let axes: [Int]
    let keepDims: Bool
    /// The product's accumulation dtype (nil: `sumDType`).
    var dtype: DType? = nil
    var name: String { op.name }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let x = inputs[0]
        var shape = [Int?]()
        for (axis, n) in x.shape.enumerated() {
            if !axes.contains(axis) { shape.append(n) } else if keepDims { shape.append(1) }
        }
        return TensorType(try op.resultType(x.dtype, requested: dtype), shape)
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        let x = inputs[0]
        let reducing = ReducedAxes.listed(axes)
        if op == .max || op == .min, let axis = axes.first(where: { x.shape[$0] == 0 }) {
            throw SwiftGradError.value(
                name, "zero-size array to reduction operation over axis \(axis) of shape \(describe(x.shape)), which has no identity")
        }
        switch op {
        case .prod:
            try out.dtype.dispatchNumber(Folding(x: try converted(x, to: out.dtype, name), reducing: reducing, out: out), name)
        case .max, .min:
            try out.dtype.dispatchOrdered(Extremes(x: x, reducing: reducing, out: out, largest: op == .max), name)
        case .all:
            reduce(AllFold(), try converted(x, to: .bool, name), reducing: reducing, into: out)
        case .any:
            reduce(AnyFold(), try converted(x, to: .bool, name), reducing: reducing, into: out)
        }
    }

    private struct Folding: NumberVisitor {
        let x: NDArray, reducing: ReducedAxes, out: NDArray
        func visit<T: NumberElement>(_: T.Type) { reduce(ProductFold<T>(), x, reducing: reducing, into: out) }
    }

    private struct Extremes: OrderedVisitor {
        let x: NDArray, reducing: ReducedAxes, out: NDArray, largest: Bool
        func visit<T: BoundedElement>(_: T.Type) {
            if largest {
                reduce(MaxFold<T>(), x, reducing: reducing, into: out)
            } else {
                reduce(MinFold<T>(), x, reducing: reducing, into: out)
            }
        }
    }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        let x = inputs[0]
        let expand = { (t: Tensor) throws -> Tensor in
            try (keepDims ? t : t.expandingDims(axes)).broadcast(toShapeOf: x)
        }
        switch op {
        case .prod:
            // The product of the others, exact at zeros and to second order:
            // (product of the other nonzeros) × (product of the other zeros),
            // the latter written as its value (1 when no other element is
            // 0, else 0) plus its first-order change (the other zero, when
            // it is the only one).
            let zeros = try x.binary(.equal, 0.0).cast(to: x.dtype)
            let count = try zeros.sum(axes: axes, keepDims: true)
            let filled = try x * (1 - zeros) + zeros  // zeros as 1, without derivative
            let nonzero = try Tensor.apply(Reduce(op: .prod, axes: axes, keepDims: true), filled) / filled
            let zeroSum = try (zeros * x).sum(axes: axes, keepDims: true)
            let otherZeros = try count - zeros
            let zeroFactor = try otherZeros.binary(.equal, 0.0).cast(to: x.dtype)
                + (zeroSum - zeros * x) * otherZeros.binary(.equal, 1.0).cast(to: x.dtype)
            return try expand(g) * (nonzero * zeroFactor).conj()
        case .max, .min:
            let ties = try Tensor.binary(.equal, x, expand(result)).cast(to: x.dtype)
            let count = try ties.sum(axes: axes, keepDims: true)
            return try ties * (expand(g) / count.broadcast(toShapeOf: x))
        case .all, .any:
            return nil
        }
    }
}

/// The index of the largest or smallest element along `axis` (nil: of the
/// flattened input, which must then be contiguous); int64, first
/// occurrence, NaN first. Not differentiable.
struct ArgReduce: Primitive {
    let largest: Bool
    let axis: Int?
    let keepDims: Bool
    var name: String { largest ? "argmax" : "argmin" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let x = inputs[0]
        guard x.dtype.isRealNumber else { throw unsupported(name, x.dtype) }
        guard let axis else {
            return TensorType(.int64, keepDims ? [Int?](repeating: 1, count: x.rank) : [])
        }
        var shape = x.shape
        if keepDims { shape[axis] = 1 } else { shape.remove(at: axis) }
        return TensorType(.int64, shape)
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        var x = inputs[0]
        let axis = self.axis ?? 0
        if self.axis == nil {
            x = try x.contiguous(name)
            x = try x.view(shape: [x.count], strides: [1], name)
        }
        guard x.shape[axis] > 0 else {
            throw SwiftGradError.value(name, "attempt to get \(name) of an empty sequence (shape \(describe(inputs[0].shape)))")
        }
        // Seen with the reduced axis kept, so out's strides line up with x's.
        var shape = x.shape
        shape[axis] = 1
        let o = try out.view(shape: shape, strides: contiguousStrides(shape), name)
        try argExtreme(x, axis: axis, largest: largest, into: o, name)
    }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? { nil }
}

/// Running sums along `axis` (see `cumulativeSum`): forward or reversed,
/// with or without the initial zero. Each is the other's transpose, so the
/// vjp is the reversed sum of the cotangent.
struct CumulativeSum: Primitive {
    let axis: Int
    let reverse: Bool
    let initial: Bool
    var name: String { "cumulative_sum" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let x = inputs[0]
        guard x.dtype.isNumeric else { throw unsupported(name, x.dtype) }
        var shape = x.shape
        if initial, let n = shape[axis] {
            if reverse {
                guard n > 0 else { throw SwiftGradError.internal(name, "nothing to drop along axis \(axis)") }
                shape[axis] = n - 1
            } else {
                guard n < Int.max else { throw SwiftGradError.value(name, "axis \(axis) of shape \(describe(x.shape)) is too long for an initial zero") }
                shape[axis] = n + 1
            }
        }
        return TensorType(x.dtype, shape)
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        try cumulativeSum(inputs[0], axis: axis, reverse: reverse, initial: initial, into: out)
    }

    // The vjp reads shapes only.
    func vjpReads(input i: Int) -> Bool { false }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        try Tensor.apply(CumulativeSum(axis: axis, reverse: !reverse, initial: initial), g)
    }
}

/// log(sum(exp(x))) over `axes` (sorted, non-negative), computed as
/// m + log(sum(exp(x - m))) with m the maximum, so no exp overflows; an
/// infinite maximum shifts by 0 instead (all -inf gives -inf, +inf gives
/// +inf), and an empty axis gives -inf. Real floating dtypes only.
struct LogSumExp: Primitive {
    let axes: [Int]
    let keepDims: Bool
    var name: String { "logsumexp" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let x = inputs[0]
        guard x.dtype.kind == .realFloating else { throw unsupported(name, x.dtype) }
        var shape = [Int?]()
        for (axis, n) in x.shape.enumerated() {
            if !axes.contains(axis) { shape.append(n) } else if keepDims { shape.append(1) }
        }
        return TensorType(x.dtype, shape)
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        let x = Tensor(inputs[0])
        if axes.contains(where: { inputs[0].shape[$0] == 0 }) {
            return try convert(NDArray.filled(.real(-.infinity), out.dtype, out.shape, name), into: out)
        }
        let m = try x.reduce(.max, axes: axes, keepDims: true)
        let shift = try select(m.unary(.isfinite), m, Tensor(.real(0), dtype: x.dtype))
        var y = try (x - shift).unary(.exp).sum(axes: axes, keepDims: true).unary(.log) + shift
        if !keepDims { y = try y.squeezed(axes: axes) }
        guard let value = y.storedValue else { throw SwiftGradError.internal(name, "no value computed") }
        try convert(value, into: out)
    }

    /// The softmax of x along the axes, times the cotangent.
    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        let (g, y) = keepDims ? (g, result) : (try g.expandingDims(axes), try result.expandingDims(axes))
        return try g * (inputs[0] - y).unary(.exp)
    }
}
