/// An operation the engine knows how to run and differentiate. Everything
/// else (mean, dot, clip, …) is a function over primitives and gets its
/// gradient from theirs.
///
/// A primitive is declared in one place: its shape and dtype rule, its
/// kernel and its vjp. The vjp has no default, so a primitive without a
/// gradient rule does not compile; it is written in tensor operations, so
/// the same rule runs eagerly on values, builds symbolic gradient graphs,
/// and differentiates again for higher orders. Primitives are values
/// (hashable with their parameters), so passes can compare and cache them.
protocol Primitive: Hashable {
    /// The name errors begin with: `[matmul] …`.
    var name: String { get }

    /// Checks the inputs' dtypes and shapes and gives the output's.
    func outputType(_ inputs: [TensorType]) throws -> TensorType

    /// Writes the output of values that passed `outputType` into `out`, a
    /// fresh array of the output's dtype and shape.
    func evaluate(_ inputs: [NDArray], into out: NDArray) throws

    /// For a primitive that only changes how elements are seen: its output
    /// as a view of the input, without a copy. Nil (the default) for
    /// primitives that compute.
    func view(of inputs: [NDArray], _ output: TensorType) throws -> NDArray?

    /// The gradient flowing to input `i` when the result `result` receives
    /// `cotangent`; nil when none flows (the input is not differentiable).
    func vjp(_ inputs: [Tensor], _ result: Tensor, _ cotangent: Tensor, wrt i: Int) throws -> Tensor?

    /// Whether the vjp reads the values of input `i` (not only its dtype
    /// and shape); eager graphs keep only the values their vjps read.
    func vjpReads(input i: Int) -> Bool

    /// Whether the vjp reads the result's values.
    var vjpReadsResult: Bool { get }

    /// Calls `body` with the gradient of each input that `wanted` picks and
    /// that one flows to. By default one `vjp` call per input; a primitive
    /// whose rule computes them together (a custom op) calls it once.
    func forEachVJP(_ inputs: [Tensor], _ result: Tensor, _ cotangent: Tensor, wanted: (Int) -> Bool,
                    _ body: (Int, Tensor) throws -> Void) throws

    /// How much the result moves, to first order, when the inputs move by
    /// `tangents` (nil: that input does not move); nil when it does not
    /// move. Defaults to the vjp transposed (`Autodiff/Forward.swift`);
    /// linear, elementwise and bilinear primitives have direct rules.
    func jvp(_ inputs: [Tensor], _ result: Tensor, _ tangents: [Tensor?]) throws -> Tensor?
}

extension Primitive {
    func view(of inputs: [NDArray], _ output: TensorType) throws -> NDArray? { nil }

    // Unless a primitive says otherwise, its vjp may read everything.
    func vjpReads(input i: Int) -> Bool { true }
    var vjpReadsResult: Bool { true }

    func forEachVJP(_ inputs: [Tensor], _ result: Tensor, _ cotangent: Tensor, wanted: (Int) -> Bool,
                    _ body: (Int, Tensor) throws -> Void) throws {
        for i in inputs.indices where wanted(i) {
            if let g = try vjp(inputs, result, cotangent, wrt: i) { try body(i, g) }
        }
    }

    /// The output for concrete inputs: a view, or a new array computed into.
    func value(of inputs: [NDArray], _ output: TensorType) throws -> NDArray {
        if let view = try view(of: inputs, output) { return view }
        let out = try NDArray.uninitialized(output.dtype, output.knownShape(name), name)
        try evaluate(inputs, into: out)
        return out
    }
}

/// A primitive whose output is a view: computing it into a destination
/// copies the view there.
protocol ViewPrimitive: Primitive {}

extension ViewPrimitive {
    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        guard let view = try view(of: inputs, TensorType(out.dtype, out.shape)) else {
            throw SwiftGradError.internal(name, "no view to copy")
        }
        try convert(view, into: out)
    }
}

extension Tensor {
    /// Applies `primitive` to `inputs`: computes it now when every input has
    /// a value, otherwise builds a symbolic node. Eager results record their
    /// node only when an input requires grad, recording is on, and the
    /// result can carry a gradient (a floating dtype).
    static func apply(_ primitive: some Primitive, _ inputs: Tensor...) throws -> Tensor {
        try apply(primitive, inputs)
    }

    static func apply(_ primitive: some Primitive, _ inputs: [Tensor]) throws -> Tensor {
        let type = try primitive.outputType(inputs.map(\.type))
        var values = [NDArray]()
        values.reserveCapacity(inputs.count)
        for input in inputs {
            guard input.kind == .value, let value = input.storedValue else {
                return Tensor(type: type, origin: .node(Node(primitive: primitive, inputs: inputs)), value: nil)
            }
            values.append(value)
        }
        let value = try primitive.value(of: values, type)
        // Concrete inputs give a fully known type: reuse it rather than
        // build another from the value's shape.
        let known = type.shape.contains(nil) ? TensorType(value.dtype, value.shape) : type
        guard type.dtype.isFloating, GradMode.isEnabled, inputs.contains(where: \.requiresGrad) else {
            return Tensor(type: known, origin: .constant, value: value)
        }
        return Tensor(type: known,
                      origin: .node(Node(primitive: primitive, inputs: inputs, result: value)),
                      value: value, requiresGrad: true)
    }
}
