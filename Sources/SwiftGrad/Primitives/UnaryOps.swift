import ComplexModule
import CVectorMath
import RealModule

/// The unary elementwise primitives, numbered as `sg_unary_op` numbers them
/// (new ones are only ever appended). A case's definition is everything
/// about it: name, kernels by dtype, derivative (`x` the input, `y` the
/// result, `g` the result's gradient).
public enum UnaryOp: Int32, CaseIterable, Sendable {
    case negative, exp, log, sigmoid
    case abs, acos, acosh, asin, asinh, atan, atanh, bitwiseInvert, ceil, conj, cos, cosh
    case expm1, floor, imag, isfinite, isinf, isnan, log1p, log2, log10, logicalNot
    case positive, real, relu, round, sign, signbit, sin, sinh, softplus, sqrt, square
    case tan, tanh, trunc

    struct Definition {
        let name: String
        let kernels: KernelTable
        let derivative: Derivative<(_ x: Tensor, _ y: Tensor, _ g: Tensor) throws -> Tensor>
    }

    public var name: String { definition.name }
    /// The dtypes the op accepts.
    public var dtypes: [DType] { definition.kernels.dtypes }
    /// Whether gradients flow through the op.
    public var isDifferentiable: Bool {
        if case .none = definition.derivative { return false }
        return true
    }

    /// What the derivative reads besides the cotangent (and shapes): the
    /// input's values, the result's. Eager graphs keep only those.
    var derivativeReads: (input: Bool, result: Bool) {
        guard case .rule = definition.derivative else { return (false, false) }
        switch self {
        case .negative, .positive, .conj, .real, .imag: return (false, false)
        case .exp, .expm1, .sqrt, .tan, .tanh, .sigmoid: return (false, true)
        default: return (true, false)
        }
    }

    var definition: Definition { UnaryOp.definitions[Int(rawValue)] }
    private static let definitions = allCases.map(\.define)

    private var define: Definition {
        typealias D = Definition
        switch self {
        case .negative: return D(name: "negative", kernels: Kernels.numbers(Negative()), derivative: .rule { _, _, g in try -g })
        case .positive: return D(name: "positive", kernels: Kernels.numbers(Identity()), derivative: .rule { _, _, g in g })
        case .square: return D(name: "square", kernels: Kernels.numbers(Square()), derivative: .rule { x, _, g in try g * (2 * x).conj() })
        case .exp: return D(name: "exp", kernels: Kernels.floating(Exp()), derivative: .rule { _, y, g in try g * y.conj() })
        case .expm1: return D(name: "expm1", kernels: Kernels.floating(Expm1()), derivative: .rule { _, y, g in try g * (y + 1).conj() })
        case .log: return D(name: "log", kernels: Kernels.floating(Log()), derivative: .rule { x, _, g in try g / x.conj() })
        case .log1p: return D(name: "log1p", kernels: Kernels.floating(Log1p()), derivative: .rule { x, _, g in try g / (x + 1).conj() })
        case .log2: return D(name: "log2", kernels: Kernels.floats(Log2()) + Kernels.complexes(ComplexLog(base: 2)),
                             derivative: .rule { x, _, g in try g / (x * Double.log(2)).conj() })
        case .log10: return D(name: "log10", kernels: Kernels.floats(Log10()) + Kernels.complexes(ComplexLog(base: 10)),
                              derivative: .rule { x, _, g in try g / (x * Double.log(10)).conj() })
        // At 0 the slope is inf; a zero cotangent (an unselected `where`
        // branch) stays 0 there rather than 0/0 = NaN, which PyTorch gives.
        case .sqrt: return D(name: "sqrt", kernels: Kernels.floating(Sqrt()),
                             derivative: .rule { _, y, g in try select(g.binary(.equal, 0), Tensor(.int(0), dtype: g.dtype), g / (2 * y).conj()) })
        case .sin: return D(name: "sin", kernels: Kernels.floating(Sin()), derivative: .rule { x, _, g in try g * x.unary(.cos).conj() })
        case .cos: return D(name: "cos", kernels: Kernels.floating(Cos()), derivative: .rule { x, _, g in try -(g * x.unary(.sin).conj()) })
        case .tan: return D(name: "tan", kernels: Kernels.floating(Tan()), derivative: .rule { _, y, g in try g * (1 + y * y).conj() })
        case .asin: return D(name: "asin", kernels: Kernels.floating(Asin()),
                             derivative: .rule { x, _, g in try g / (1 - x * x).unary(.sqrt).conj() })
        case .acos: return D(name: "acos", kernels: Kernels.floating(Acos()),
                             derivative: .rule { x, _, g in try -(g / (1 - x * x).unary(.sqrt).conj()) })
        case .atan: return D(name: "atan", kernels: Kernels.floating(Atan()), derivative: .rule { x, _, g in try g / (1 + x * x).conj() })
        case .sinh: return D(name: "sinh", kernels: Kernels.floating(Sinh()), derivative: .rule { x, _, g in try g * x.unary(.cosh).conj() })
        case .cosh: return D(name: "cosh", kernels: Kernels.floating(Cosh()), derivative: .rule { x, _, g in try g * x.unary(.sinh).conj() })
        case .tanh: return D(name: "tanh", kernels: Kernels.floating(Tanh()), derivative: .rule { _, y, g in try g * (1 - y * y).conj() })
        case .asinh: return D(name: "asinh", kernels: Kernels.floating(Asinh()),
                              derivative: .rule { x, _, g in try g / (x * x + 1).unary(.sqrt).conj() })
        case .acosh: return D(name: "acosh", kernels: Kernels.floating(Acosh()),
                              derivative: .rule { x, _, g in try g / ((x - 1).unary(.sqrt) * (x + 1).unary(.sqrt)).conj() })
        case .atanh: return D(name: "atanh", kernels: Kernels.floating(Atanh()), derivative: .rule { x, _, g in try g / (1 - x * x).conj() })
        case .sigmoid: return D(name: "sigmoid", kernels: Kernels.floats(Sigmoid()), derivative: .rule { _, y, g in try g * (y * (1 - y)) })
        case .softplus: return D(name: "softplus", kernels: Kernels.floats(Softplus()), derivative: .rule { x, _, g in try g * x.unary(.sigmoid) })
        case .relu: return D(name: "relu", kernels: Kernels.reals(Relu()),
                             derivative: .rule { x, _, g in try g * x.binary(.greater, 0).cast(to: g.dtype) })
        case .abs: return D(name: "abs", kernels: Kernels.reals(Abs()) + Kernels.complexParts(Magnitude()),
                            derivative: .rule { x, _, g in try g * x.unary(.sign) })
        case .sign: return D(name: "sign", kernels: Kernels.reals(Sign()) + Kernels.complexes(ComplexSign()), derivative: .zero)
        case .ceil: return D(name: "ceil", kernels: Kernels.reals(Rounding(rule: .up)), derivative: .zero)
        case .floor: return D(name: "floor", kernels: Kernels.reals(Rounding(rule: .down)), derivative: .zero)
        case .trunc: return D(name: "trunc", kernels: Kernels.reals(Rounding(rule: .towardZero)), derivative: .zero)
        case .round: return D(name: "round", kernels: Kernels.reals(Rounding(rule: .toNearestOrEven)) + Kernels.complexes(ComplexRound()), derivative: .zero)
        case .conj: return D(name: "conj", kernels: Kernels.reals(Identity()) + Kernels.complexes(Conjugate()), derivative: .rule { _, _, g in try g.conj() })
        case .real: return D(name: "real", kernels: Kernels.reals(Identity()) + Kernels.complexParts(RealPart()),
                             derivative: .rule { x, _, g in try g.cast(to: x.dtype) })
        case .imag: return D(name: "imag", kernels: Kernels.reals(Zero()) + Kernels.complexParts(ImaginaryPart()),
                             derivative: .rule { x, _, g in
                                 x.dtype.kind == .complexFloating
                                     ? try g.cast(to: x.dtype) * Tensor(.complex(0, 1), dtype: x.dtype)
                                     : try zerosGradient(like: x)
                             })
        case .isfinite: return D(name: "isfinite", kernels: Kernels.tests(IsFinite(), IsFinite(), integers: true), derivative: .none)
        case .isinf: return D(name: "isinf", kernels: Kernels.tests(IsInfinite(), IsInfinite(), integers: false), derivative: .none)
        case .isnan: return D(name: "isnan", kernels: Kernels.tests(IsNaN(), IsNaN(), integers: false), derivative: .none)
        case .signbit: return D(name: "signbit", kernels: Kernels.tests(SignBit(), NoComplex(), integers: false).restricted(to: [.float32, .float64]),
                                derivative: .none)
        case .logicalNot: return D(name: "logical_not", kernels: Kernels.booleans(LogicalNot()), derivative: .none)
        case .bitwiseInvert: return D(name: "bitwise_invert", kernels: Kernels.integers(Invert()) + Kernels.booleans(LogicalNot()),
                                      derivative: .none)
        }
    }
}

extension KernelTable {
    /// This table with the kernels for `dtypes` only.
    func restricted(to dtypes: Set<DType>) -> KernelTable {
        var t = KernelTable()
        for dtype in dtypes { t[dtype] = self[dtype] }
        return t
    }
}

// MARK: Scalar functions

private struct Negative: NumberMap { func callAsFunction<T: NumberElement>(_ x: T) -> T { T.negated(x) } }
private struct Identity: NumberMap, RealMap {
    func callAsFunction<T: NumberElement>(_ x: T) -> T { x }
    func callAsFunction<T: RealElement>(_ x: T) -> T { x }
}
private struct Zero: RealMap { func callAsFunction<T: RealElement>(_ x: T) -> T { T.zero } }
private struct Square: NumberMap { func callAsFunction<T: NumberElement>(_ x: T) -> T { T.times(x, x) } }
private struct Exp: FloatingMap {
    func callAsFunction<T: FloatingElement>(_ x: T) -> T { .exp(x) }
    var vector: sg_vmath_function? { SG_VMATH_EXP }
}
private struct Expm1: FloatingMap {
    func callAsFunction<T: FloatingElement>(_ x: T) -> T { .expMinusOne(x) }
    var vector: sg_vmath_function? { SG_VMATH_EXPM1 }
}
private struct Log: FloatingMap {
    func callAsFunction<T: FloatingElement>(_ x: T) -> T { .log(x) }
    var vector: sg_vmath_function? { SG_VMATH_LOG }
}
private struct Log1p: FloatingMap {
    func callAsFunction<T: FloatingElement>(_ x: T) -> T { .log(onePlus: x) }
    var vector: sg_vmath_function? { SG_VMATH_LOG1P }
}
private struct Log2: FloatMap {
    func callAsFunction<T: FloatElement>(_ x: T) -> T { .log2(x) }
    var vector: sg_vmath_function? { SG_VMATH_LOG2 }
}
private struct Log10: FloatMap {
    func callAsFunction<T: FloatElement>(_ x: T) -> T { .log10(x) }
    var vector: sg_vmath_function? { SG_VMATH_LOG10 }
}
private struct ComplexLog: ComplexMap {
    let base: Double
    func callAsFunction<T: ComplexElement>(_ x: T) -> T { .log(x) * T(T.Part(1 / Double.log(base)), 0) }
}
private struct Sqrt: FloatingMap { func callAsFunction<T: FloatingElement>(_ x: T) -> T { .sqrt(x) } }
private struct Sin: FloatingMap {
    func callAsFunction<T: FloatingElement>(_ x: T) -> T { .sin(x) }
    var vector: sg_vmath_function? { SG_VMATH_SIN }
}
private struct Cos: FloatingMap {
    func callAsFunction<T: FloatingElement>(_ x: T) -> T { .cos(x) }
    var vector: sg_vmath_function? { SG_VMATH_COS }
}
private struct Tan: FloatingMap {
    func callAsFunction<T: FloatingElement>(_ x: T) -> T { .tan(x) }
    var vector: sg_vmath_function? { SG_VMATH_TAN }
}
private struct Asin: FloatingMap {
    func callAsFunction<T: FloatingElement>(_ x: T) -> T { .asin(x) }
    var vector: sg_vmath_function? { SG_VMATH_ASIN }
}
private struct Acos: FloatingMap {
    func callAsFunction<T: FloatingElement>(_ x: T) -> T { .acos(x) }
    var vector: sg_vmath_function? { SG_VMATH_ACOS }
}
private struct Atan: FloatingMap {
    func callAsFunction<T: FloatingElement>(_ x: T) -> T { .atan(x) }
    var vector: sg_vmath_function? { SG_VMATH_ATAN }
}
private struct Sinh: FloatingMap {
    func callAsFunction<T: FloatingElement>(_ x: T) -> T { .sinh(x) }
    var vector: sg_vmath_function? { SG_VMATH_SINH }
}
private struct Cosh: FloatingMap {
    func callAsFunction<T: FloatingElement>(_ x: T) -> T { .cosh(x) }
    var vector: sg_vmath_function? { SG_VMATH_COSH }
}
private struct Tanh: FloatingMap {
    func callAsFunction<T: FloatingElement>(_ x: T) -> T { .tanh(x) }
    var vector: sg_vmath_function? { SG_VMATH_TANH }
}
private struct Asinh: FloatingMap {
    func callAsFunction<T: FloatingElement>(_ x: T) -> T { .asinh(x) }
    var vector: sg_vmath_function? { SG_VMATH_ASINH }
}
private struct Acosh: FloatingMap {
    func callAsFunction<T: FloatingElement>(_ x: T) -> T { .acosh(x) }
    var vector: sg_vmath_function? { SG_VMATH_ACOSH }
}
private struct Atanh: FloatingMap {
    func callAsFunction<T: FloatingElement>(_ x: T) -> T { .atanh(x) }
    var vector: sg_vmath_function? { SG_VMATH_ATANH }
}

private struct Sigmoid: FloatMap {
    func callAsFunction<T: FloatElement>(_ x: T) -> T {
        // Two forms, so exp never overflows.
        if x >= 0 { return 1 / (1 + .exp(-x)) }
        let e = T.exp(x)
        return e / (1 + e)
    }
    var vector: sg_vmath_function? { SG_VMATH_SIGMOID }
}

/// log(1 + e^x) = max(x, 0) + log1p(e^-|x|): finite for every finite x.
private struct Softplus: FloatMap {
    func callAsFunction<T: FloatElement>(_ x: T) -> T {
        (x > 0 ? x : 0) + .log(onePlus: .exp(-Swift.abs(x)))
    }
}

private struct Relu: RealMap { func callAsFunction<T: RealElement>(_ x: T) -> T { x < T.zero ? T.zero : x } }

/// |x|; integers wrap as NumPy's do (|int8.min| is int8.min).
private struct Abs: RealMap { func callAsFunction<T: RealElement>(_ x: T) -> T { x < T.zero ? T.negated(x) : x } }
private struct Magnitude: ComplexPartMap { func callAsFunction<T: ComplexElement>(_ x: T) -> T.Part { .hypot(x.real, x.imaginary) } }

/// -1, 0 or 1; NaN and ±0 stay as they are.
private struct Sign: RealMap {
    func callAsFunction<T: RealElement>(_ x: T) -> T { x > T.zero ? T.one : x < T.zero ? T.negated(T.one) : x }
}

/// x / |x|, and 0 at 0.
private struct ComplexSign: ComplexMap {
    func callAsFunction<T: ComplexElement>(_ x: T) -> T {
        let r = T.Part.hypot(x.real, x.imaginary)
        return r == 0 ? x : T(x.real / r, x.imaginary / r)
    }
}

private struct Rounding: RealMap {
    let rule: FloatingPointRoundingRule
    func callAsFunction<T: RealElement>(_ x: T) -> T { x.rounded(by: rule) }
}

/// Half to even, as NumPy rounds, each part on its own.
private struct ComplexRound: ComplexMap {
    func callAsFunction<T: ComplexElement>(_ x: T) -> T {
        T(x.real.rounded(.toNearestOrEven), x.imaginary.rounded(.toNearestOrEven))
    }
}

private struct Conjugate: ComplexMap { func callAsFunction<T: ComplexElement>(_ x: T) -> T { T(x.real, -x.imaginary) } }

private struct RealPart: ComplexPartMap { func callAsFunction<T: ComplexElement>(_ x: T) -> T.Part { x.real } }
private struct ImaginaryPart: ComplexPartMap { func callAsFunction<T: ComplexElement>(_ x: T) -> T.Part { x.imaginary } }

private struct IsFinite: FloatTest, ComplexTest {
    func callAsFunction<T: FloatElement>(_ x: T) -> Bool { x.isFinite }
    func callAsFunction<T: ComplexElement>(_ x: T) -> Bool { x.real.isFinite && x.imaginary.isFinite }
}
private struct IsInfinite: FloatTest, ComplexTest {
    func callAsFunction<T: FloatElement>(_ x: T) -> Bool { x.isInfinite }
    func callAsFunction<T: ComplexElement>(_ x: T) -> Bool { x.real.isInfinite || x.imaginary.isInfinite }
}
private struct IsNaN: FloatTest, ComplexTest {
    func callAsFunction<T: FloatElement>(_ x: T) -> Bool { x.isNaN }
    func callAsFunction<T: ComplexElement>(_ x: T) -> Bool { x.real.isNaN || x.imaginary.isNaN }
}
private struct SignBit: FloatTest { func callAsFunction<T: FloatElement>(_ x: T) -> Bool { x.sign == .minus } }
private struct NoComplex: ComplexTest { func callAsFunction<T: ComplexElement>(_ x: T) -> Bool { false } }
private struct Invert: IntegerMap { func callAsFunction<T: IntegerElement>(_ x: T) -> T { ~x } }
