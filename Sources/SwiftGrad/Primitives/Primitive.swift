/// An operation the engine knows how to run and differentiate. Everything
/// else (mean, dot, …) is a function over primitives and gets its gradient
/// from theirs.
///
/// A primitive is declared in one place: its shape rule, its kernel call
/// and its vjp. The vjp has no default, so a primitive without a gradient
/// does not compile; it is written in tensor operations, so the same rule
/// runs eagerly on values, builds symbolic gradient graphs, and
/// differentiates again for higher orders.
protocol Primitive {
    /// The name errors begin with: `[matmul] …`.
    var name: String { get }

    /// Checks the inputs' dtypes and shapes and gives the output's.
    func outputType(_ inputs: [TensorType]) throws -> TensorType

    /// Computes the output from values that passed `outputType`, which gave
    /// `output`.
    func evaluate(_ inputs: [NDArray], _ output: TensorType) throws -> NDArray

    /// The gradient flowing to input `i` when the result `result` receives
    /// `cotangent`; nil when none flows (the input is not differentiable).
    func vjp(_ inputs: [Tensor], _ result: Tensor, _ cotangent: Tensor, wrt i: Int) throws -> Tensor?
}

extension Tensor {
    /// Applies `primitive` to `inputs`: computes it now when every input has
    /// a value, otherwise builds a symbolic node. Eager results record their
    /// node only when an input requires grad and recording is on.
    static func apply(_ primitive: some Primitive, _ inputs: Tensor...) throws -> Tensor {
        let type = try primitive.outputType(inputs.map(\.type))
        var values = [NDArray]()
        values.reserveCapacity(inputs.count)
        for input in inputs {
            guard input.kind == .value, let value = input.storedValue else {
                return Tensor(type: type, origin: .node(Node(primitive: primitive, inputs: inputs)), value: nil)
            }
            values.append(value)
        }
        let value = try primitive.evaluate(values, type)
        guard GradMode.isEnabled, inputs.contains(where: \.requiresGrad) else { return Tensor(value) }
        return Tensor(type: TensorType(value.dtype, value.shape),
                      origin: .node(Node(primitive: primitive, inputs: inputs)),
                      value: value, requiresGrad: true)
    }
}
