/// The dtype a sum accumulates in: the Array API's default integer for
/// integers and booleans (uint64 for unsigned), the input's otherwise.
func sumDType(_ dtype: DType) -> DType {
    switch dtype.kind {
    case .bool, .signedInteger: return .int64
    case .unsignedInteger: return .uint64
    case .realFloating, .complexFloating: return dtype
    }
}

/// The sum over `axes` (sorted, non-negative).
struct Sum: Primitive {
    let axes: [Int]
    let keepDims: Bool
    var name: String { "sum" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let x = inputs[0]
        var shape = [Int?]()
        for (axis, n) in x.shape.enumerated() {
            if !axes.contains(axis) { shape.append(n) } else if keepDims { shape.append(1) }
        }
        return TensorType(sumDType(x.dtype), shape)
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        let x = inputs[0]
        try reduceSum(x, reducing: x.shape.indices.map(axes.contains), into: out)
    }

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
        inputs[0].shape == (try output.knownShape(name)) ? inputs[0] : nil
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        let x = inputs[0], shape = out.shape
        let lead = x.shape.count - shape.count
        let reducing = x.shape.indices.map { axis in
            axis < lead || (shape[axis - lead] == 1 && x.shape[axis] != 1)
        }
        try reduceSum(x, reducing: reducing, into: out)
    }

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
        let count = try checkedCount(axes.map { inputs[0].shape[$0] }, name)
        try dtype.dispatch(Store(out: out, value: .int(Int64(count))))
    }

    private struct Store: ElementVisitor {
        let out: NDArray, value: Scalar
        func visit<T: Element>(_: T.Type) { out.pointer(T.self)[0] = T(value) }
    }

    // A count does not change with the values it counts.
    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? { nil }
}
