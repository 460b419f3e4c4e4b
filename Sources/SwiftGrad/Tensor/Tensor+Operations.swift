// The public operations. Each checks its arguments, then applies
// primitives; composites such as `mean`, `dot` and `clip` are written here
// over primitives and need no gradient of their own.

extension DType {
    /// The dtype of an array of this dtype combined with a Python-style
    /// scalar: the array's dtype where the scalar's kind fits in it (an int
    /// with a float array), else the default dtype of the scalar's kind,
    /// sized to the array for complex scalars with float arrays.
    public func promoted(withScalar scalar: Scalar) -> DType {
        switch (scalar, kind) {
        case (.bool, _): return self
        case (.int, .bool), (.uint, .bool): return .int64
        case (.int, _), (.uint, _): return self
        case (.real, .bool), (.real, .signedInteger), (.real, .unsignedInteger): return .float64
        case (.real, _): return self
        case (.complex, .realFloating), (.complex, .complexFloating): return complexCounterpart ?? .complex128
        case (.complex, _): return .complex128
        }
    }
}

extension Tensor {
    // MARK: Elementwise

    public static func unary(_ op: UnaryOp, _ x: Tensor) throws -> Tensor {
        let definition = op.definition
        if let y = try eagerElementwise(Unary(op: op), definition.kernels, x, nil) { return y }
        return try apply(Unary(op: op), x)
    }

    public func unary(_ op: UnaryOp) throws -> Tensor { try Tensor.unary(op, self) }

    /// The lean path of an eager elementwise op whose operands are
    /// contiguous values of one shape (or one of them 0-d): what `apply`
    /// would do, without its general machinery. The result shares its
    /// operand's shape and strides arrays, so the op allocates only its
    /// storage, its tensor and, when it records, its node. Nil when the
    /// general path is needed.
    private static func eagerElementwise(_ primitive: some Primitive, _ kernels: KernelTable,
                                         _ x: Tensor, _ y: Tensor?) throws -> Tensor? {
        guard let vx = x.denseValue, let kernel = kernels[vx.dtype] else { return nil }
        // The operand whose shape (and order in memory) the result takes:
        // a transposed operand gives a transposed result, as NumPy's
        // order='K' does, so the loop runs through memory in order.
        var second: NDArray?, base = x, layout = vx
        if let y {
            guard let vy = y.denseValue else { return nil }
            if vy.shape != vx.shape || vy.strides != vx.strides {
                if vx.shape.isEmpty { (base, layout) = (y, vy) } else if !vy.shape.isEmpty { return nil }
            }
            second = vy
        }
        let storage = try Storage(byteCount: layout.count * kernel.output.itemSize, op: primitive.name)
        let out = NDArray(storage, kernel.output, shape: layout.shape, strides: layout.strides, offset: 0, count: layout.count)
        kernel.run(vx, second, into: out)
        let type = TensorType(kernel.output, base.type.shape)
        guard kernel.output.isFloating, x.requiresGrad || y?.requiresGrad == true, GradMode.isEnabled else {
            return Tensor(type: type, origin: .constant, value: out)
        }
        let node = Node(primitive: primitive, inputs: y.map { [x, $0] } ?? [x], result: out)
        return Tensor(type: type, origin: .node(node), value: out, requiresGrad: true)
    }

    /// The value of a tensor that holds a dense one (`NDArray.isDense`).
    private var denseValue: NDArray? {
        guard kind == .value, let value = storedValue, value.isDense else { return nil }
        return value
    }

    /// `op` on `a` and `b` broadcast together, after promoting them to a
    /// common dtype.
    public static func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let definition = op.definition
        let dtype = definition.computeType(try DType.promoted(a.dtype, b.dtype, definition.name))
        if a.dtype == dtype, b.dtype == dtype, let y = try eagerElementwise(Binary(op: op), definition.kernels, a, b) {
            return y
        }
        return try apply(Binary(op: op), a.cast(to: dtype), b.cast(to: dtype))
    }

    public func binary(_ op: BinaryOp, _ other: Tensor) throws -> Tensor { try Tensor.binary(op, self, other) }

    /// `op` with a scalar operand, which takes this tensor's dtype where
    /// its kind fits (as Python scalars do in the Array API).
    public func binary(_ op: BinaryOp, _ scalar: Scalar) throws -> Tensor {
        let common = dtype.promoted(withScalar: scalar)
        return try cast(to: common).binary(op, Tensor(scalar, dtype: common))
    }

    public func binary(_ op: BinaryOp, _ scalar: Double) throws -> Tensor { try binary(op, .real(scalar)) }

    public static func + (a: Tensor, b: Tensor) throws -> Tensor { try binary(.add, a, b) }
    public static func - (a: Tensor, b: Tensor) throws -> Tensor { try binary(.subtract, a, b) }
    public static func * (a: Tensor, b: Tensor) throws -> Tensor { try binary(.multiply, a, b) }
    public static func / (a: Tensor, b: Tensor) throws -> Tensor { try binary(.divide, a, b) }
    public static prefix func - (x: Tensor) throws -> Tensor { try unary(.negative, x) }

    public static func + (a: Tensor, b: Double) throws -> Tensor { try a.binary(.add, b) }
    public static func + (a: Double, b: Tensor) throws -> Tensor { try b.scalarFirst(.add, a) }
    public static func - (a: Tensor, b: Double) throws -> Tensor { try a.binary(.subtract, b) }
    public static func - (a: Double, b: Tensor) throws -> Tensor { try b.scalarFirst(.subtract, a) }
    public static func * (a: Tensor, b: Double) throws -> Tensor { try a.binary(.multiply, b) }
    public static func * (a: Double, b: Tensor) throws -> Tensor { try b.scalarFirst(.multiply, a) }
    public static func / (a: Tensor, b: Double) throws -> Tensor { try a.binary(.divide, b) }
    public static func / (a: Double, b: Tensor) throws -> Tensor { try b.scalarFirst(.divide, a) }

    private func scalarFirst(_ op: BinaryOp, _ a: Double) throws -> Tensor {
        let common = dtype.promoted(withScalar: .real(a))
        return try Tensor.binary(op, Tensor(.real(a), dtype: common), cast(to: common))
    }

    public func pow(_ exponent: Tensor) throws -> Tensor { try Tensor.binary(.pow, self, exponent) }
    public func pow(_ exponent: Double) throws -> Tensor { try binary(.pow, exponent) }
    public func exp() throws -> Tensor { try unary(.exp) }
    public func log() throws -> Tensor { try unary(.log) }
    /// 1 / (1 + e^-x).
    public func sigmoid() throws -> Tensor { try unary(.sigmoid) }

    /// The complex conjugate; real tensors are their own.
    public func conj() throws -> Tensor {
        dtype.kind == .complexFloating ? try unary(.conj) : self
    }

    /// Each element limited to [min, max] (either may be nil), in this
    /// tensor's dtype (the Array API's `clip`).
    public func clipped(min: Tensor?, max: Tensor?) throws -> Tensor {
        guard dtype.isRealNumber else { throw unsupported("clip", dtype) }
        var y = self
        if let min { y = try y.binary(.maximum, min.cast(to: dtype)) }
        if let max { y = try y.binary(.minimum, max.cast(to: dtype)) }
        return y
    }

    // MARK: Reductions

    /// The sum over `axes` (negative ones count from the end), or over
    /// all axes when `axes` is nil. Integers and booleans sum in int64
    /// (uint64 for unsigned integers).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        guard dtype.isNumeric || dtype == .bool else { throw unsupported("sum", dtype) }
        let axes = try normalizeAxes(axes ?? Array(0..<rank), rank: rank, "sum")
        return try Tensor.apply(Sum(axes: axes, keepDims: keepDims), self)
    }

    /// The mean over `axes`, or over all axes when `axes` is nil; floating
    /// dtypes only.
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        guard dtype.isFloating else { throw unsupported("mean", dtype) }
        let axes = try normalizeAxes(axes ?? Array(0..<rank), rank: rank, "mean")
        let total = try sum(axes: axes, keepDims: keepDims)
        let lengths = axes.map { type.shape[$0] }
        if lengths.allSatisfy({ $0 != nil }) {
            let count = try checkedCount(lengths.map { $0 ?? 1 }, "mean")
            return try total / Double(count)
        }
        return try total / Tensor.apply(ElementCount(axes: axes, dtype: dtype), self)
    }

    // MARK: Products

    /// The matrix product with NumPy's rules: stacks of matrices whose
    /// leading axes broadcast; a 1-D operand is a row (first) or column
    /// (second) vector whose axis is removed from the result.
    public func matmul(_ other: Tensor) throws -> Tensor {
        guard rank >= 1, other.rank >= 1 else {
            throw SwiftGradError.value("matmul", "0-dimensional operands are not allowed, got shapes \(describe(shape)) and \(describe(other.shape)); use *")
        }
        return try Tensor.product(self, other, "matmul")
    }

    /// `numpy.dot` for operands of up to two dimensions.
    public func dot(_ other: Tensor) throws -> Tensor {
        if rank == 0 || other.rank == 0 { return try self * other }
        return try Tensor.product(self, other, "dot")
    }

    private static func product(_ a: Tensor, _ b: Tensor, _ op: String) throws -> Tensor {
        guard op == "matmul" || (a.rank <= 2 && b.rank <= 2) else {
            throw SwiftGradError.value(op, "operands of more than 2 dimensions are not supported, got shapes \(describe(a.shape)) and \(describe(b.shape)); use matmul or tensordot")
        }
        // Checked here too, so the message shows the caller's shapes.
        let bAxis = Swift.max(b.rank - 2, 0)
        if let k = a.type.shape[a.rank - 1], let l = b.type.shape[bAxis], k != l {
            throw notAligned(op, a.type.shape, b.type.shape)
        }
        let dtype = try DType.promoted(a.dtype, b.dtype, op)
        let a2 = a.rank == 1 ? try a.expandingDims([0]) : a
        let b2 = b.rank == 1 ? try b.expandingDims([1]) : b
        let y = try apply(Matmul(), a2.cast(to: dtype), b2.cast(to: dtype))
        switch (a.rank, b.rank) {
        case (1, 1): return try y.squeezing([y.rank - 2, y.rank - 1])
        case (1, _): return try y.squeezing([y.rank - 2])
        case (_, 1): return try y.squeezing([y.rank - 1])
        default: return y
        }
    }

    // MARK: Layout

    /// Output axis i is axis `axes[i]` of this tensor.
    public func permuted(_ axes: [Int]) throws -> Tensor {
        let normalized = try normalizeAxes(axes, rank: rank, "permute_dims")
        guard axes.count == rank, normalized.count == rank else {
            throw SwiftGradError.value("permute_dims", "axes \(axes) are not a permutation of \(rank) axes")
        }
        return try Tensor.apply(PermuteDims(axes: axes.map { $0 < 0 ? $0 + rank : $0 }), self)
    }

    /// The axes in reverse order (a matrix's transpose).
    public func transposed() throws -> Tensor { try permuted(Array((0..<rank).reversed())) }

    public func cast(to dtype: DType) throws -> Tensor {
        dtype == self.dtype ? self : try Tensor.apply(AsType(dtype: dtype), self)
    }

    // MARK: Helpers of vjp rules

    func expandingDims(_ axes: [Int]) throws -> Tensor { try Tensor.apply(ExpandDims(axes: axes), self) }
    func squeezing(_ axes: [Int]) throws -> Tensor { try Tensor.apply(Squeeze(axes: axes), self) }

    /// This gradient summed to `x`'s shape (undoing broadcasting).
    func sum(toShapeOf x: Tensor) throws -> Tensor {
        if hasSameKnownShape(as: x) { return self }
        return try Tensor.apply(SumTo(), self, x)
    }

    /// This gradient broadcast to `x`'s shape.
    func broadcast(toShapeOf x: Tensor) throws -> Tensor {
        if hasSameKnownShape(as: x) { return self }
        return try Tensor.apply(BroadcastTo(), self, x)
    }

    private func hasSameKnownShape(as x: Tensor) -> Bool {
        type.shape == x.type.shape && !type.shape.contains(nil)
    }
}

public func sigmoid(_ x: Tensor) throws -> Tensor { try x.sigmoid() }
public func exp(_ x: Tensor) throws -> Tensor { try x.exp() }
public func log(_ x: Tensor) throws -> Tensor { try x.log() }
public func matmul(_ a: Tensor, _ b: Tensor) throws -> Tensor { try a.matmul(b) }
public func dot(_ a: Tensor, _ b: Tensor) throws -> Tensor { try a.dot(b) }
