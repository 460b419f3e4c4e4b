/// Forward-mode differentiation: the Jacobian-vector products of a graph
/// (Theano's `Rop`, JAX's `jvp`), pushed from inputs to outputs by each
/// primitive's jvp rule in one walk, with no reverse pass. Like the vjp
/// rules, the jvp rules are tensor operations: on values they compute, on
/// symbolic tensors they build graphs, and with recording on they record,
/// so forward mode nests with itself and with reverse mode.

extension Primitive {
    /// The default rule, for primitives without a simpler one.
    func jvp(_ inputs: [Tensor], _ result: Tensor, _ tangents: [Tensor?]) throws -> Tensor? {
        try transposedJVP(self, inputs, result, tangents)
    }
}

/// The jvp of `p` from its vjp: Jt is the gradient with respect to u of
/// ⟨Jᵀu, t⟩, which is linear in u, so it is taken at u = 0. Complex values
/// are pairs of reals here, ⟨a, b⟩ = Re Σ conj(a) b: the vjps follow
/// PyTorch's convention, which makes them the adjoints under that product.
func transposedJVP(_ p: some Primitive, _ inputs: [Tensor], _ result: Tensor, _ tangents: [Tensor?]) throws -> Tensor? {
    guard result.dtype.isFloating else { return nil }
    let u: Tensor
    if result.kind == .value, let value = result.storedValue {
        u = Tensor(try NDArray.filled(.int(0), result.dtype, value.shape, p.name))
        try u.setRequiresGrad(true)
    } else {
        u = try Tensor.apply(FullLike(value: .int(0), dtype: result.dtype), result)
    }
    let nested = GradMode.isEnabled
        && (inputs.contains(where: \.requiresGrad) || tangents.contains { $0?.requiresGrad == true })
    var product: Tensor?
    try GradMode.withEnabled {
        for (i, t) in tangents.enumerated() {
            guard let tangent = t, let g = try p.vjp(inputs, result, u, wrt: i) else { continue }
            let t = try tangent.cast(to: g.dtype)
            let term = try (g.dtype.kind == .complexFloating ? (g.conj() * t).unary(.real) : g * t).sum()
            product = try product.map { try $0 + term } ?? term
        }
    }
    guard let product else { return nil }
    return try grad(product, wrt: [u], createGraph: nested, allowUnused: true)[0]
}

/// A primitive linear in its inputs `linearInputs` jointly (the others are
/// indices or shapes, not differentiated): its jvp is itself applied to the
/// tangents. Views, sums, gathers and scatters, concatenation.
protocol LinearPrimitive: Primitive {
    /// The inputs it is linear in (empty: all of them).
    var linearInputs: [Int] { get }
}

extension LinearPrimitive {
    var linearInputs: [Int] { [0] }

    func jvp(_ inputs: [Tensor], _ result: Tensor, _ tangents: [Tensor?]) throws -> Tensor? {
        let linear = linearInputs.isEmpty ? Array(inputs.indices) : linearInputs
        guard linear.contains(where: { tangents[$0] != nil }) else { return nil }
        var operands = inputs
        for i in linear {
            operands[i] = try tangents[i].map { try $0.cast(to: inputs[i].dtype) }
                ?? Tensor.zeros(like: inputs[i], dtype: inputs[i].dtype)
        }
        return try Tensor.apply(self, operands)
    }
}

extension Unary {
    func jvp(_ inputs: [Tensor], _ result: Tensor, _ tangents: [Tensor?]) throws -> Tensor? {
        guard let t = tangents[0] else { return nil }
        switch op.definition.derivative {
        case .rule(let rule):
            // An elementwise Jacobian is diagonal, so for real dtypes the
            // vjp rule (g times the derivative) is the jvp rule too.
            guard inputs[0].dtype.kind == .realFloating else { return try transposedJVP(self, inputs, result, tangents) }
            return try rule(inputs[0], result, t)
        case .zero: return try zerosGradient(like: result)
        case .none: return nil
        }
    }
}

extension Binary {
    func jvp(_ inputs: [Tensor], _ result: Tensor, _ tangents: [Tensor?]) throws -> Tensor? {
        guard case .rule(let rule) = op.definition.derivative else {
            if case .zero = op.definition.derivative { return try zerosGradient(like: result) }
            return nil
        }
        guard inputs[0].dtype.kind == .realFloating else { return try transposedJVP(self, inputs, result, tangents) }
        var total: Tensor?
        for (i, t) in tangents.enumerated() {
            guard let t, let d = try rule(inputs[0], inputs[1], result, t, i) else { continue }
            let term = try d.broadcast(toShapeOf: result)
            total = try total.map { try $0 + term } ?? term
        }
        return total
    }
}

/// Products of a bilinear primitive: d(a∘b) = da∘b + a∘db.
private func bilinearJVP(_ p: some Primitive, _ inputs: [Tensor], _ tangents: [Tensor?]) throws -> Tensor? {
    var total: Tensor?
    for (i, t) in tangents.enumerated() {
        guard let t else { continue }
        var operands = inputs
        operands[i] = try t.cast(to: inputs[i].dtype)
        let term = try Tensor.apply(p, operands)
        total = try total.map { try $0 + term } ?? term
    }
    return total
}

extension Matmul {
    func jvp(_ inputs: [Tensor], _ result: Tensor, _ tangents: [Tensor?]) throws -> Tensor? {
        try bilinearJVP(self, inputs, tangents)
    }
}

extension Contract {
    func jvp(_ inputs: [Tensor], _ result: Tensor, _ tangents: [Tensor?]) throws -> Tensor? {
        try bilinearJVP(self, inputs, tangents)
    }
}

extension Solve {
    /// X = A⁻¹B: dX = A⁻¹(dB − dA X).
    func jvp(_ inputs: [Tensor], _ result: Tensor, _ tangents: [Tensor?]) throws -> Tensor? {
        guard tangents[0] != nil || tangents[1] != nil else { return nil }
        var rhs = try tangents[1]?.cast(to: result.dtype) ?? Tensor.zeros(like: result, dtype: result.dtype)
        if let ta = tangents[0] { rhs = try rhs - Tensor.apply(Matmul(), ta.cast(to: result.dtype), result) }
        return try Tensor.apply(self, inputs[0], rhs)
    }
}

extension FullLike {
    func jvp(_ inputs: [Tensor], _ result: Tensor, _ tangents: [Tensor?]) throws -> Tensor? { nil }
}

// The linear primitives.
extension Reshape: LinearPrimitive {}
extension ReshapeLike: LinearPrimitive {}
extension SliceScatter: LinearPrimitive {}
extension Gather: LinearPrimitive {}
extension ScatterAdd: LinearPrimitive {}
extension ConcatPart: LinearPrimitive {}
extension Concat: LinearPrimitive { var linearInputs: [Int] { [] } }
extension Select: LinearPrimitive { var linearInputs: [Int] { [1, 2] } }
extension Sum: LinearPrimitive {}
extension SumTo: LinearPrimitive {}
extension CumulativeSum: LinearPrimitive {}
extension GatherAlongAxis: LinearPrimitive {}
extension ScatterAddAlongAxis: LinearPrimitive {}
extension TakeFlat: LinearPrimitive {}
extension PutFlatAdd: LinearPrimitive {}
extension DiagonalEmbed: LinearPrimitive {}
extension LowerTriangle: LinearPrimitive {}
extension Triangle: LinearPrimitive {}
extension AsType: LinearPrimitive {}
extension ExpandDims: LinearPrimitive {}
extension Squeeze: LinearPrimitive {}
extension PermuteDims: LinearPrimitive {}
extension Slice: LinearPrimitive {}
extension BroadcastTo: LinearPrimitive {}
extension Diagonal: LinearPrimitive {}

/// The Jacobian-vector products of `outputs` with respect to `inputs` in
/// the directions `tangents` (one per input, of its shape): what the
/// outputs change by to first order when each input moves by its tangent.
/// An output that does not depend on the inputs gets zeros.
public func jvp(_ outputs: [Tensor], wrt inputs: [Tensor], tangents: [Tensor]) throws -> [Tensor] {
    let op = "jvp"
    guard inputs.count == tangents.count else {
        throw SwiftGradError.value(op, "\(inputs.count) inputs but \(tangents.count) tangents")
    }
    var tangent = [ObjectIdentifier: Tensor]()
    for (i, (x, t)) in zip(inputs, tangents).enumerated() {
        guard x.dtype.kind == .realFloating else {
            throw SwiftGradError.type(op, "input \(i) is a \(x.summary); forward mode differentiates real floating-point inputs")
        }
        let known = zip(x.type.shape, t.type.shape).allSatisfy { a, b in a == nil || b == nil || a == b }
        guard t.rank == x.rank, known else {
            throw SwiftGradError.value(op, "tangent \(i), a \(t.summary), does not match input \(i), a \(x.summary)")
        }
        tangent[x.graphID] = try t.cast(to: x.dtype)
    }
    let order = Autodiff.topologicalOrder(outputs) { tangent[$0.graphID] == nil }
    for tensor in order where tangent[tensor.graphID] == nil {
        guard let node = tensor.node else { continue }
        let ts = node.inputs.map { tangent[$0.graphID] }
        guard ts.contains(where: { $0 != nil }) else { continue }
        try node.checkVersions(of: tensor)
        if let t = try node.primitive.jvp(node.inputs, node.result(tensor), ts) { tangent[tensor.graphID] = t }
    }
    return try outputs.map { y in
        try tangent[y.graphID] ?? Tensor.zeros(like: y, dtype: y.dtype.isFloating ? y.dtype : .float64)
    }
}
