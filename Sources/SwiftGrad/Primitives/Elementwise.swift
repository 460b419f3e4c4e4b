// Elementwise primitives. Each is one small type holding its scalar kernel
// and its vjp, the way derivatives.yaml gives one formula per input: `x`,
// `a`, `b` are the inputs, `y` the result, `g` the result's gradient.

/// A primitive applying a scalar function to each element.
protocol UnaryPrimitive: Primitive, ScalarFunction {
    func vjp(_ x: Tensor, _ y: Tensor, _ g: Tensor) throws -> Tensor
}

extension UnaryPrimitive {
    func outputType(_ inputs: [TensorType]) throws -> TensorType { inputs[0] }

    func evaluate(_ inputs: [NDArray], _ output: TensorType) throws -> NDArray {
        switch inputs[0].dtype {
        case .float32: return try map(inputs[0], Float.self, self, name)
        case .float64: return try map(inputs[0], Double.self, self, name)
        }
    }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ cotangent: Tensor, wrt i: Int) throws -> Tensor? {
        try vjp(inputs[0], result, cotangent)
    }
}

struct Negate: UnaryPrimitive {
    var name: String { "neg" }
    func apply<T: FloatElement>(_ x: T) -> T { -x }
    func vjp(_ x: Tensor, _ y: Tensor, _ g: Tensor) throws -> Tensor { try -g }
}

struct Exp: UnaryPrimitive {
    var name: String { "exp" }
    func apply<T: FloatElement>(_ x: T) -> T { T.exponential(x) }
    func vjp(_ x: Tensor, _ y: Tensor, _ g: Tensor) throws -> Tensor { try g * y }
}

struct Log: UnaryPrimitive {
    var name: String { "log" }
    func apply<T: FloatElement>(_ x: T) -> T { T.logarithm(x) }
    func vjp(_ x: Tensor, _ y: Tensor, _ g: Tensor) throws -> Tensor { try g / x }
}

struct Sigmoid: UnaryPrimitive {
    var name: String { "sigmoid" }
    func apply<T: FloatElement>(_ x: T) -> T {
        // Two forms, so exp never overflows.
        if x >= 0 { return 1 / (1 + T.exponential(-x)) }
        let e = T.exponential(x)
        return e / (1 + e)
    }
    func vjp(_ x: Tensor, _ y: Tensor, _ g: Tensor) throws -> Tensor { try g * (y * (1 - y)) }
}

/// A primitive combining pairs of elements of two same-dtype operands
/// broadcast together.
protocol BinaryPrimitive: Primitive, ScalarCombination {
    /// The gradient for input `i` before it is summed back to that input's
    /// shape (undoing broadcasting).
    func vjp(_ a: Tensor, _ b: Tensor, _ y: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor
}

extension BinaryPrimitive {
    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let a = inputs[0], b = inputs[1]
        guard a.dtype == b.dtype else {
            throw SwiftGradError.type(name, "dtypes \(a.dtype) and \(b.dtype) differ")
        }
        return TensorType(a.dtype, try broadcastShapes(a.shape, b.shape, name))
    }

    func evaluate(_ inputs: [NDArray], _ output: TensorType) throws -> NDArray {
        let shape = try output.knownShape(name)
        switch output.dtype {
        case .float32: return try zipMap(inputs[0], inputs[1], shape: shape, Float.self, self, name)
        case .float64: return try zipMap(inputs[0], inputs[1], shape: shape, Double.self, self, name)
        }
    }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ cotangent: Tensor, wrt i: Int) throws -> Tensor? {
        try vjp(inputs[0], inputs[1], result, cotangent, wrt: i).sum(toShapeOf: inputs[i])
    }
}

struct Add: BinaryPrimitive {
    var name: String { "add" }
    func apply<T: FloatElement>(_ a: T, _ b: T) -> T { a + b }
    func vjp(_ a: Tensor, _ b: Tensor, _ y: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor { g }
}

struct Subtract: BinaryPrimitive {
    var name: String { "sub" }
    func apply<T: FloatElement>(_ a: T, _ b: T) -> T { a - b }
    func vjp(_ a: Tensor, _ b: Tensor, _ y: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor {
        i == 0 ? g : try -g
    }
}

struct Multiply: BinaryPrimitive {
    var name: String { "mul" }
    func apply<T: FloatElement>(_ a: T, _ b: T) -> T { a * b }
    func vjp(_ a: Tensor, _ b: Tensor, _ y: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor {
        i == 0 ? try g * b : try g * a
    }
}

struct Divide: BinaryPrimitive {
    var name: String { "div" }
    func apply<T: FloatElement>(_ a: T, _ b: T) -> T { a / b }
    func vjp(_ a: Tensor, _ b: Tensor, _ y: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor {
        i == 0 ? try g / b : try -(g * y / b)
    }
}

struct Power: BinaryPrimitive {
    var name: String { "pow" }
    // Squares are common (losses) and far cheaper than pow.
    func apply<T: FloatElement>(_ a: T, _ b: T) -> T { b == 2 ? a * a : T.power(a, b) }
    func vjp(_ a: Tensor, _ b: Tensor, _ y: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor {
        i == 0 ? try g * b * a.pow(b - 1) : try g * y * a.log()
    }
}

/// The unary primitives by the numbers C and Python name them with; the
/// order is `sg_unary_op`'s.
public enum UnaryOp: Int, CaseIterable, Sendable {
    case neg, exp, log, sigmoid

    var primitive: any UnaryPrimitive {
        switch self {
        case .neg: return Negate()
        case .exp: return Exp()
        case .log: return Log()
        case .sigmoid: return Sigmoid()
        }
    }

    public var name: String { primitive.name }
}

/// The binary primitives by number; the order is `sg_binary_op`'s.
public enum BinaryOp: Int, CaseIterable, Sendable {
    case add, sub, mul, div, pow

    var primitive: any BinaryPrimitive {
        switch self {
        case .add: return Add()
        case .sub: return Subtract()
        case .mul: return Multiply()
        case .div: return Divide()
        case .pow: return Power()
        }
    }

    public var name: String { primitive.name }
}
