#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ComplexModule
import RealModule

/// The binary elementwise primitives, numbered as `sg_binary_op` numbers
/// them (new ones are only ever appended). Both operands are promoted to
/// one dtype first; `a` and `b` are the operands, `y` the result, `g` its
/// gradient, `i` the operand the rule is for.
public enum BinaryOp: Int32, CaseIterable, Sendable {
    case add, subtract, multiply, divide, pow
    case atan2, bitwiseAnd, bitwiseLeftShift, bitwiseOr, bitwiseRightShift, bitwiseXor, copysign
    case equal, floorDivide, greater, greaterEqual, hypot, less, lessEqual, logaddexp
    case logicalAnd, logicalOr, logicalXor, maximum, minimum, nextafter, notEqual, remainder

    typealias Rule = (_ a: Tensor, _ b: Tensor, _ y: Tensor, _ g: Tensor, _ i: Int) throws -> Tensor?

    struct Definition {
        let name: String
        let kernels: KernelTable
        let derivative: Derivative<Rule>
        /// The dtype operands of a promoted dtype are computed in, where it
        /// differs (integer division gives float64, as in NumPy).
        var computeType: (DType) -> DType = { $0 }
    }

    public var name: String { definition.name }
    public var dtypes: [DType] { definition.kernels.dtypes }
    public var isDifferentiable: Bool {
        if case .none = definition.derivative { return false }
        return true
    }

    /// Which operands' values, and whether the result's, the derivative
    /// reads besides the cotangent (and shapes). Eager graphs keep only those.
    var derivativeReads: (a: Bool, b: Bool, result: Bool) {
        guard case .rule = definition.derivative else { return (false, false, false) }
        switch self {
        case .add, .subtract, .nextafter: return (false, false, false)
        case .divide: return (false, true, true)
        case .copysign: return (true, false, true)
        case .pow, .hypot: return (true, true, true)
        default: return (true, true, false)
        }
    }

    var definition: Definition { BinaryOp.definitions[Int(rawValue)] }
    private static let definitions = allCases.map(\.define)

    private var define: Definition {
        typealias D = Definition
        switch self {
        case .add: return D(name: "add", kernels: Kernels.numbers(Add()), derivative: .rule { _, _, _, g, _ in g })
        case .subtract: return D(name: "subtract", kernels: Kernels.numbers(Subtract()),
                                 derivative: .rule { _, _, _, g, i in i == 0 ? g : try -g })
        case .multiply: return D(name: "multiply", kernels: Kernels.numbers(Multiply()),
                                 derivative: .rule { a, b, _, g, i in try g * (i == 0 ? b : a).conj() })
        case .divide: return D(name: "divide", kernels: Kernels.floating(Divide()),
                               derivative: .rule { _, b, y, g, i in i == 0 ? try g / b.conj() : try -(g * (y / b).conj()) },
                               computeType: { $0.isInteger ? .float64 : $0 })
        case .pow: return D(name: "pow", kernels: Kernels.integers(IntegerPower()) + Kernels.floats(Power()) + Kernels.complexes(ComplexPower()),
                            derivative: .rule { a, b, y, g, i in i == 0 ? try powBaseGradient(a, b, g) : try powExponentGradient(a, b, y, g) })
        case .atan2: return D(name: "atan2", kernels: Kernels.floats(Atan2()),
                              derivative: .rule { a, b, _, g, i in try g * (i == 0 ? b : -a) / (a * a + b * b) })
        case .hypot: return D(name: "hypot", kernels: Kernels.floats(Hypot()),
                              derivative: .rule { a, b, y, g, i in try g * (i == 0 ? a : b) / y })
        case .copysign: return D(name: "copysign", kernels: Kernels.floats(CopySign()),
                                 derivative: .rule { a, _, y, g, i in i == 0 ? try g * a.unary(.sign) * y.unary(.sign) : try zerosGradient(like: g) })
        case .logaddexp: return D(name: "logaddexp", kernels: Kernels.floats(LogAddExp()),
                                  derivative: .rule { a, b, _, g, i in try g * (i == 0 ? a - b : b - a).unary(.sigmoid) })
        case .nextafter: return D(name: "nextafter", kernels: Kernels.floats(NextAfter()),
                                  derivative: .rule { _, _, _, g, i in i == 0 ? g : try zerosGradient(like: g) })
        case .maximum: return D(name: "maximum", kernels: Kernels.reals(Maximum()),
                                derivative: .rule { a, b, _, g, i in try g * tieSplitMask(i == 0 ? a : b, i == 0 ? b : a, .greater) })
        case .minimum: return D(name: "minimum", kernels: Kernels.reals(Minimum()),
                                derivative: .rule { a, b, _, g, i in try g * tieSplitMask(i == 0 ? a : b, i == 0 ? b : a, .less) })
        case .floorDivide: return D(name: "floor_divide", kernels: Kernels.integers(IntegerFloorDivide()) + Kernels.floats(FloorDivide()),
                                    derivative: .zero)
        case .remainder: return D(name: "remainder", kernels: Kernels.integers(IntegerRemainder()) + Kernels.floats(Remainder()),
                                  derivative: .rule { a, b, _, g, i in i == 0 ? g : try -(g * a.binary(.floorDivide, b)) })
        case .equal: return D(name: "equal", kernels: Kernels.comparisons(Equal()), derivative: .none)
        case .notEqual: return D(name: "not_equal", kernels: Kernels.comparisons(NotEqual()), derivative: .none)
        case .less: return D(name: "less", kernels: Kernels.orderings(Less()), derivative: .none)
        case .lessEqual: return D(name: "less_equal", kernels: Kernels.orderings(LessEqual()), derivative: .none)
        case .greater: return D(name: "greater", kernels: Kernels.orderings(Greater()), derivative: .none)
        case .greaterEqual: return D(name: "greater_equal", kernels: Kernels.orderings(GreaterEqual()), derivative: .none)
        case .logicalAnd: return D(name: "logical_and", kernels: Kernels.booleans(LogicalAnd()), derivative: .none)
        case .logicalOr: return D(name: "logical_or", kernels: Kernels.booleans(LogicalOr()), derivative: .none)
        case .logicalXor: return D(name: "logical_xor", kernels: Kernels.booleans(LogicalXor()), derivative: .none)
        case .bitwiseAnd: return D(name: "bitwise_and", kernels: Kernels.integers(BitAnd()) + Kernels.booleans(LogicalAnd()), derivative: .none)
        case .bitwiseOr: return D(name: "bitwise_or", kernels: Kernels.integers(BitOr()) + Kernels.booleans(LogicalOr()), derivative: .none)
        case .bitwiseXor: return D(name: "bitwise_xor", kernels: Kernels.integers(BitXor()) + Kernels.booleans(LogicalXor()), derivative: .none)
        case .bitwiseLeftShift: return D(name: "bitwise_left_shift", kernels: Kernels.integers(ShiftLeft()), derivative: .none)
        case .bitwiseRightShift: return D(name: "bitwise_right_shift", kernels: Kernels.integers(ShiftRight()), derivative: .none)
        }
    }
}

/// Where `a` wins against `b` by `order`: 1, where they tie: 1/2 (the
/// gradient of maximum and minimum splits evenly at ties), else 0.
/// d(a^b)/da = b a^(b-1), and 0 where b = 0 (a^0 is 1 for every a, even
/// a = 0, where the formula gives 0 * inf), as PyTorch does.
private func powBaseGradient(_ a: Tensor, _ b: Tensor, _ g: Tensor) throws -> Tensor {
    let d = try g * (b * a.binary(.pow, b - 1)).conj()
    return try select(b.binary(.equal, 0), Tensor(.int(0), dtype: d.dtype), d)
}

/// d(a^b)/db = a^b log a, and 0 where a = 0 and b >= 0 (0^b is constant
/// there, where the formula gives 0 * -inf), as PyTorch does.
private func powExponentGradient(_ a: Tensor, _ b: Tensor, _ y: Tensor, _ g: Tensor) throws -> Tensor {
    let d = try g * (y * a.unary(.log)).conj()
    let nonNegative = b.dtype.kind == .complexFloating
        ? try b.unary(.imag).binary(.equal, 0).binary(.logicalAnd, b.unary(.real).binary(.greaterEqual, 0))
        : try b.binary(.greaterEqual, 0)
    let constant = try a.binary(.equal, 0).binary(.logicalAnd, nonNegative)
    return try select(constant, Tensor(.int(0), dtype: d.dtype), d)
}

private func tieSplitMask(_ a: Tensor, _ b: Tensor, _ order: BinaryOp) throws -> Tensor {
    let dtype = a.dtype
    return try a.binary(order, b).cast(to: dtype) + a.binary(.equal, b).cast(to: dtype) * 0.5
}

// MARK: Scalar functions

private struct Add: NumberZip { func callAsFunction<T: NumberElement>(_ a: T, _ b: T) -> T { T.plus(a, b) } }
private struct Subtract: NumberZip { func callAsFunction<T: NumberElement>(_ a: T, _ b: T) -> T { T.minus(a, b) } }
private struct Multiply: NumberZip { func callAsFunction<T: NumberElement>(_ a: T, _ b: T) -> T { T.times(a, b) } }
private struct Divide: FloatingZip { func callAsFunction<T: FloatingElement>(_ a: T, _ b: T) -> T { a / b } }

/// C's pow, which (unlike `Real.pow`) gives (-2)^2 = 4; squares, common in
/// losses, skip it.
private struct Power: FloatZip {
    func callAsFunction<T: FloatElement>(_ a: T, _ b: T) -> T { b == 2 ? a * a : T.cPow(a, b) }
}

private struct ComplexPower: ComplexZip {
    func callAsFunction<T: ComplexElement>(_ a: T, _ b: T) -> T {
        if b.imaginary == 0 && b.real == 2 { return a * a }
        if a.real == 0 && a.imaginary == 0 { return b.real == 0 && b.imaginary == 0 ? T(1, 0) : T(0, 0) }
        return .pow(a, b)
    }
}

/// Repeated squaring, wrapping on overflow; a negative exponent gives the
/// integer part of the true power (0 unless the base is ±1).
private struct IntegerPower: IntegerZip {
    func callAsFunction<T: IntegerElement>(_ a: T, _ b: T) -> T {
        if b < 0 { return a == 1 ? 1 : a == -1 ? (b & 1 == 0 ? 1 : a) : 0 }
        var result: T = 1, base = a, e = b
        while e != 0 {
            if e & 1 != 0 { result = result &* base }
            base = base &* base
            e >>= 1
        }
        return result
    }
}

private struct Atan2: FloatZip { func callAsFunction<T: FloatElement>(_ a: T, _ b: T) -> T { .atan2(y: a, x: b) } }
private struct Hypot: FloatZip { func callAsFunction<T: FloatElement>(_ a: T, _ b: T) -> T { .hypot(a, b) } }
private struct CopySign: FloatZip { func callAsFunction<T: FloatElement>(_ a: T, _ b: T) -> T { T(signOf: b, magnitudeOf: a) } }

/// log(e^a + e^b) = max + log1p(e^-|a-b|), exact at equal infinities.
private struct LogAddExp: FloatZip {
    func callAsFunction<T: FloatElement>(_ a: T, _ b: T) -> T {
        if a == b { return a + T.log(2) }
        let m = a > b ? a : b, d = a - b
        return d.isNaN ? d : m + .log(onePlus: .exp(-Swift.abs(d)))
    }
}

private struct NextAfter: FloatZip {
    func callAsFunction<T: FloatElement>(_ a: T, _ b: T) -> T {
        a.isNaN || b.isNaN ? .nan : a == b ? b : a < b ? a.nextUp : a.nextDown
    }
}

/// NaN wins, as the Array API asks.
private struct Maximum: RealZip {
    func callAsFunction<T: RealElement>(_ a: T, _ b: T) -> T { a > b || a != a ? a : b }
}
private struct Minimum: RealZip {
    func callAsFunction<T: RealElement>(_ a: T, _ b: T) -> T { a < b || a != a ? a : b }
}

/// Python's floor division: rounds toward -∞; a zero divisor gives 0 (as
/// NumPy does), and min / -1 wraps instead of trapping.
private struct IntegerFloorDivide: IntegerZip {
    func callAsFunction<T: IntegerElement>(_ a: T, _ b: T) -> T {
        guard b != 0 else { return 0 }
        let (q, _) = a.dividedReportingOverflow(by: b)
        let (r, _) = a.remainderReportingOverflow(dividingBy: b)
        return r != 0 && ((r < 0) != (b < 0)) ? q &- 1 : q
    }
}

/// The remainder with the divisor's sign; a zero divisor gives 0.
private struct IntegerRemainder: IntegerZip {
    func callAsFunction<T: IntegerElement>(_ a: T, _ b: T) -> T {
        guard b != 0 else { return 0 }
        let (r, _) = a.remainderReportingOverflow(dividingBy: b)
        return r != 0 && ((r < 0) != (b < 0)) ? r &+ b : r
    }
}

/// NumPy's float floor division, from fmod so that a == b * q + r holds.
private struct FloorDivide: FloatZip {
    func callAsFunction<T: FloatElement>(_ a: T, _ b: T) -> T {
        guard b != 0 else { return a / b }
        var mod = a.truncatingRemainder(dividingBy: b)
        var div = (a - mod) / b
        if mod != 0 && ((b < 0) != (mod < 0)) {
            mod += b
            div -= 1
        }
        guard div != 0 else { return T(signOf: a / b, magnitudeOf: 0) }
        var floor = div.rounded(.down)
        if div - floor > 0.5 { floor += 1 }
        return floor
    }
}

private struct Remainder: FloatZip {
    func callAsFunction<T: FloatElement>(_ a: T, _ b: T) -> T {
        var mod = a.truncatingRemainder(dividingBy: b)
        if mod != 0 {
            if (b < 0) != (mod < 0) { mod += b }
        } else {
            mod = T(signOf: b, magnitudeOf: 0)
        }
        return mod
    }
}

private struct Equal: ElementComparison { func callAsFunction<T: Element>(_ a: T, _ b: T) -> Bool { T.same(a, b) } }
private struct NotEqual: ElementComparison { func callAsFunction<T: Element>(_ a: T, _ b: T) -> Bool { !T.same(a, b) } }
private struct Less: RealComparison { func callAsFunction<T: RealElement>(_ a: T, _ b: T) -> Bool { a < b } }
private struct LessEqual: RealComparison { func callAsFunction<T: RealElement>(_ a: T, _ b: T) -> Bool { a <= b } }
private struct Greater: RealComparison { func callAsFunction<T: RealElement>(_ a: T, _ b: T) -> Bool { a > b } }
private struct GreaterEqual: RealComparison { func callAsFunction<T: RealElement>(_ a: T, _ b: T) -> Bool { a >= b } }
private struct BitAnd: IntegerZip { func callAsFunction<T: IntegerElement>(_ a: T, _ b: T) -> T { a & b } }
private struct BitOr: IntegerZip { func callAsFunction<T: IntegerElement>(_ a: T, _ b: T) -> T { a | b } }
private struct BitXor: IntegerZip { func callAsFunction<T: IntegerElement>(_ a: T, _ b: T) -> T { a ^ b } }
// Swift's smart shifts never trap: shifting by the width or more gives 0
// (or -1 for a negative value shifted right).
private struct ShiftLeft: IntegerZip { func callAsFunction<T: IntegerElement>(_ a: T, _ b: T) -> T { a << b } }
private struct ShiftRight: IntegerZip { func callAsFunction<T: IntegerElement>(_ a: T, _ b: T) -> T { a >> b } }
