// Primitives that change how elements are seen, not what they are. The
// axis changes are views over the same storage.

/// Inserts length-1 axes at `axes` (sorted positions in the output).
struct ExpandDims: ViewPrimitive {
    let axes: [Int]
    var name: String { "expand_dims" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        var shape = inputs[0].shape
        for axis in axes { shape.insert(1, at: axis) }
        return TensorType(inputs[0].dtype, shape)
    }

    func view(of inputs: [NDArray], _ output: TensorType) throws -> NDArray? {
        let x = inputs[0]
        var shape = x.shape, strides = x.strides
        for axis in axes {
            shape.insert(1, at: axis)
            strides.insert(0, at: axis)
        }
        return try x.view(shape: shape, strides: strides, name)
    }

    // The vjp reads shapes only.
    func vjpReads(input i: Int) -> Bool { false }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        try g.squeezing(axes)
    }
}

/// Removes the length-1 axes `axes` (sorted).
struct Squeeze: ViewPrimitive {
    let axes: [Int]
    var name: String { "squeeze" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let x = inputs[0]
        for axis in axes where x.shape[axis] != 1 && x.shape[axis] != nil {
            throw SwiftGradError.value(
                name, "cannot remove axis \(axis) of shape \(describe(x.shape)): its length is not 1")
        }
        return TensorType(x.dtype, x.shape.indices.filter { !axes.contains($0) }.map { x.shape[$0] })
    }

    func view(of inputs: [NDArray], _ output: TensorType) throws -> NDArray? {
        let x = inputs[0]
        let kept = x.shape.indices.filter { !axes.contains($0) }
        return try x.view(shape: kept.map { x.shape[$0] }, strides: kept.map { x.strides[$0] }, name)
    }

    // The vjp reads shapes only.
    func vjpReads(input i: Int) -> Bool { false }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        try g.expandingDims(axes)
    }
}

/// Output axis i is input axis `axes[i]`.
struct PermuteDims: ViewPrimitive {
    let axes: [Int]
    var name: String { "permute_dims" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        TensorType(inputs[0].dtype, axes.map { inputs[0].shape[$0] })
    }

    func view(of inputs: [NDArray], _ output: TensorType) throws -> NDArray? {
        let x = inputs[0]
        return try x.view(shape: axes.map { x.shape[$0] }, strides: axes.map { x.strides[$0] }, name)
    }

    // The vjp reads shapes only.
    func vjpReads(input i: Int) -> Bool { false }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        var inverse = axes
        for (i, axis) in axes.enumerated() { inverse[axis] = i }
        return try g.permuted(inverse)
    }
}

/// Converts elements to `dtype`.
struct AsType: Primitive {
    let dtype: DType
    var name: String { "astype" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType { TensorType(dtype, inputs[0].shape) }

    func view(of inputs: [NDArray], _ output: TensorType) throws -> NDArray? {
        inputs[0].dtype == dtype ? inputs[0] : nil
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        try convert(inputs[0], into: out)
    }

    // Complex to real drops the imaginary part, so its gradient is real.
    // The vjp reads shapes only.
    func vjpReads(input i: Int) -> Bool { false }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        inputs[0].dtype.isFloating ? try g.cast(to: inputs[0].dtype) : nil
    }
}
