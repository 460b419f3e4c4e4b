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
        return TensorType(x.dtype, shape)
    }

    func evaluate(_ inputs: [NDArray], _ output: TensorType) throws -> NDArray {
        let x = inputs[0]
        return try reduceSum(x, reducing: x.shape.indices.map(axes.contains), to: output.knownShape(name), name)
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

    func evaluate(_ inputs: [NDArray], _ output: TensorType) throws -> NDArray {
        let x = inputs[0], shape = try output.knownShape(name)
        if x.shape == shape { return x }
        let lead = x.shape.count - shape.count
        let reducing = x.shape.indices.map { axis in
            axis < lead || (shape[axis - lead] == 1 && x.shape[axis] != 1)
        }
        return try reduceSum(x, reducing: reducing, to: shape, name)
    }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        i == 0 ? try g.broadcast(toShapeOf: inputs[0]) : nil
    }
}

/// Broadcasts the first input to the shape of the second, as a view.
struct BroadcastTo: Primitive {
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

    func evaluate(_ inputs: [NDArray], _ output: TensorType) throws -> NDArray {
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
    var name: String { "element_count" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType { TensorType(inputs[0].dtype, []) }

    func evaluate(_ inputs: [NDArray], _ output: TensorType) throws -> NDArray {
        let shape = inputs[0].shape
        return try NDArray(scalar: Double(axes.reduce(1) { $0 * shape[$1] }), dtype: output.dtype)
    }

    // A count does not change with the values it counts.
    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? { nil }
}
