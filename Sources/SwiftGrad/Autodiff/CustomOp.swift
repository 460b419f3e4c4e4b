/// An operation the user defines by a forward function and its vjp, both
/// over tensors (PyTorch's `autograd.Function`, JAX's `custom_vjp`).
///
/// Applied to concrete tensors, `forward` runs at once with recording off
/// and the result records a node when an input requires grad, so
/// `backward()` and ``grad(_:wrt:createGraph:allowUnused:)`` call `vjp`.
/// Applied to symbolic tensors, the node is symbolic: its shape rule runs
/// `forward` on placeholders of the inputs' types, and a compiled function
/// runs `forward` on the values. A `vjp` written in tensor operations gives
/// symbolic gradients and, with `createGraph`, higher orders.
public final class CustomOp {
    /// The name errors begin with.
    public let name: String
    /// The result for `inputs`.
    public typealias Forward = (_ inputs: [Tensor]) throws -> Tensor
    /// The gradient of each input when `result` receives `cotangent`; nil
    /// where none flows. Gradients must have their input's shape.
    public typealias VJP = (_ inputs: [Tensor], _ result: Tensor, _ cotangent: Tensor) throws -> [Tensor?]

    let forward: Forward
    let vjp: VJP?

    /// An operation without `vjp` refuses to be differentiated.
    public init(name: String, forward: @escaping Forward, vjp: VJP?) {
        self.name = name
        self.forward = forward
        self.vjp = vjp
    }

    /// Applies the operation to `inputs`.
    public func callAsFunction(_ inputs: [Tensor]) throws -> Tensor {
        try Tensor.custom(self, inputs)
    }

    public func callAsFunction(_ inputs: Tensor...) throws -> Tensor {
        try Tensor.custom(self, inputs)
    }

    /// An error thrown by the user's code, with this op's name in front.
    func failure(_ stage: String, _ error: Error) -> Error {
        if let error = error as? SwiftGradError {
            // Errors already about this op keep their message.
            if error.message.hasPrefix("[\(name)]") { return error }
            return SwiftGradError(error.kind, name, "the custom op's \(stage) failed: \(error.message)")
        }
        return SwiftGradError(.value, name, "the custom op's \(stage) failed: \(error)")
    }
}

/// The primitive of a ``CustomOp``: equal only to itself.
struct Custom: Primitive, CustomReflectable {
    let op: CustomOp
    var name: String { op.name }
    // Printed by its name alone: the closures are not parameters.
    var customMirror: Mirror { Mirror(self, children: [:]) }

    static func == (a: Custom, b: Custom) -> Bool { a.op === b.op }
    func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(op)) }

    /// The shape rule: `forward` traced over placeholders of these types.
    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let placeholders = try inputs.map { try Tensor.placeholder($0.dtype, shape: $0.shape) }
        let result: Tensor
        do {
            result = try GradMode.withDisabled { try op.forward(placeholders) }
        } catch {
            throw op.failure("forward (traced on symbolic inputs)", error)
        }
        return result.type
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        let value = try run(inputs.map(Tensor.init))
        guard value.dtype == out.dtype, value.shape == out.shape else {
            throw SwiftGradError.value(
                name, "the custom op's forward gave a \(value.dtype) result of shape \(describe(value.shape)) where its trace gave \(out.dtype) \(describe(out.shape))")
        }
        try convert(value, into: out)
    }

    /// The forward's value for concrete inputs, checked.
    func run(_ inputs: [Tensor]) throws -> NDArray {
        let result: Tensor
        do {
            result = try GradMode.withDisabled { try op.forward(inputs) }
        } catch {
            throw op.failure("forward", error)
        }
        guard result.kind == .value, let value = result.value else {
            throw SwiftGradError.type(name, "the custom op's forward returned a \(result.summary) for concrete inputs")
        }
        return value
    }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ cotangent: Tensor, wrt i: Int) throws -> Tensor? {
        try gradients(inputs, result, cotangent)[i]
    }

    func forEachVJP(_ inputs: [Tensor], _ result: Tensor, _ cotangent: Tensor, wanted: (Int) -> Bool,
                    _ body: (Int, Tensor) throws -> Void) throws {
        // One call of the user's vjp gives every input's gradient.
        guard inputs.indices.contains(where: wanted) else { return }
        for (i, g) in try gradients(inputs, result, cotangent).enumerated() where wanted(i) {
            if let g { try body(i, g) }
        }
    }

    /// The user's vjp, checked: one gradient per input, each of its input's
    /// shape and a floating dtype (converted to the input's).
    func gradients(_ inputs: [Tensor], _ result: Tensor, _ cotangent: Tensor) throws -> [Tensor?] {
        guard let vjp = op.vjp else {
            throw SwiftGradError.type(name, "the custom op has no vjp, so it cannot be differentiated")
        }
        let grads: [Tensor?]
        do {
            grads = try vjp(inputs, result, cotangent)
        } catch {
            throw op.failure("vjp", error)
        }
        guard grads.count == inputs.count else {
            throw SwiftGradError.value(name, "the custom op's vjp returned \(grads.count) gradients for \(inputs.count) inputs")
        }
        return try zip(grads, inputs).enumerated().map { i, pair in
            guard let g = pair.0 else { return nil }
            let x = pair.1
            guard g.dtype.isFloating, g.dtype.kind == x.dtype.kind else {
                throw SwiftGradError.type(
                    name, "the custom op's vjp returned a \(g.dtype) gradient for input \(i), a \(x.dtype) tensor")
            }
            let (gs, xs) = (g.shape, x.shape)
            guard gs.count == xs.count, zip(gs, xs).allSatisfy({ $0 == nil || $1 == nil || $0 == $1 }) else {
                throw SwiftGradError.value(
                    name, "the custom op's vjp returned a gradient of shape \(describe(gs)) for input \(i) of shape \(describe(xs))")
            }
            guard g.kind == .value || cotangent.kind != .value else {
                throw SwiftGradError.type(
                    name, "the custom op's vjp returned a \(g.summary) for input \(i) in a backward pass over values")
            }
            let converted = g.dtype == x.dtype ? g : try g.cast(to: x.dtype)
            // Without createGraph no gradient carries history (a vjp may
            // hand back a saved input, which would then hold itself).
            return GradMode.isEnabled || !converted.requiresGrad ? converted : try converted.detached()
        }
    }
}

extension Tensor {
    /// Applies a custom op: now when every input has a value, else as a
    /// symbolic node.
    static func custom(_ op: CustomOp, _ inputs: [Tensor]) throws -> Tensor {
        let primitive = Custom(op: op)
        guard inputs.allSatisfy({ $0.kind == .value }) else { return try apply(primitive, inputs) }
        let value = try primitive.run(inputs)
        guard value.dtype.isFloating, GradMode.isEnabled, inputs.contains(where: \.requiresGrad) else {
            return Tensor(value)
        }
        return Tensor(type: TensorType(value.dtype, value.shape),
                      origin: .node(Node(primitive: primitive, inputs: inputs, result: value)),
                      value: value, requiresGrad: true)
    }
}
