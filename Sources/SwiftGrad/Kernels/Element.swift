#if canImport(Glibc)
import Glibc
#endif
import ComplexModule
import RealModule

// The Swift types tensor elements are stored as, one per dtype, and the
// families kernels are generic over:
//
//   Element            every dtype (bool too): conversion, equality
//   NumberElement      integers, floats, complex: wrapping arithmetic
//   RealElement        integers and real floats: an order
//   IntegerElement     integers: bitwise operations
//   FloatElement       float32, float64 (RealModule's `Real`)
//   FloatingElement    real and complex floats: elementary functions

/// A tensor element type.
protocol Element {
    static var dtype: DType { get }
    /// The element nearest `scalar` (NumPy's casting: integers wrap,
    /// out-of-range floats saturate, NaN becomes 0, complex drops its
    /// imaginary part, nonzero becomes `true`).
    init(_ scalar: Scalar)
    var scalar: Scalar { get }
    /// IEEE equality for floats (NaN differs from itself).
    static func same(_ a: Self, _ b: Self) -> Bool
}

extension Element {
    /// `x` converted to this type, specialized away for concrete types.
    @inline(__always) init<T: Element>(converting x: T) { self.init(x.scalar) }
}

protocol NumberElement: Element {
    static var zero: Self { get }
    static var one: Self { get }
    static func plus(_ a: Self, _ b: Self) -> Self
    static func minus(_ a: Self, _ b: Self) -> Self
    static func times(_ a: Self, _ b: Self) -> Self
    static func negated(_ x: Self) -> Self
}

protocol RealElement: NumberElement, Comparable {
    /// The nearest integral value by `rule` (integers are their own).
    func rounded(by rule: FloatingPointRoundingRule) -> Self
}

protocol IntegerElement: RealElement, FixedWidthInteger {}

protocol FloatingElement: NumberElement, ElementaryFunctions, AlgebraicField {}

protocol FloatElement: RealElement, FloatingElement, Real, BinaryFloatingPoint {
    /// C's pow, defined for negative bases with integral exponents.
    static func cPow(_ a: Self, _ b: Self) -> Self
}

protocol ComplexElement: FloatingElement {
    associatedtype Part: FloatElement
    var real: Part { get }
    var imaginary: Part { get }
    init(_ real: Part, _ imaginary: Part)
}

// MARK: Bool

extension Bool: Element {
    static var dtype: DType { .bool }
    @inline(__always) init(_ scalar: Scalar) {
        switch scalar {
        case .bool(let b): self = b
        case .int(let i): self = i != 0
        case .uint(let u): self = u != 0
        case .real(let x): self = x != 0
        case .complex(let re, let im): self = re != 0 || im != 0
        }
    }
    @inline(__always) var scalar: Scalar { .bool(self) }
    @inline(__always) static func same(_ a: Bool, _ b: Bool) -> Bool { a == b }
}

// MARK: Integers

extension IntegerElement {
    @inline(__always) init(_ scalar: Scalar) {
        switch scalar {
        case .bool(let b): self = b ? 1 : 0
        case .int(let i): self.init(truncatingIfNeeded: i)
        case .uint(let u): self.init(truncatingIfNeeded: u)
        case .real(let x): self.init(saturating: x)
        case .complex(let re, _): self.init(saturating: re)
        }
    }

    /// `x` rounded toward zero and clamped to the type's range; NaN is 0.
    @inline(__always) init(saturating x: Double) {
        if x.isNaN { self = 0 }
        else if x <= Double(Self.min) { self = .min }
        else if x >= Double(Self.max) { self = .max }
        else { self.init(x) }
    }

    @inline(__always) var scalar: Scalar {
        Self.isSigned ? .int(Int64(truncatingIfNeeded: self)) : .uint(UInt64(truncatingIfNeeded: self))
    }
    @inline(__always) static func same(_ a: Self, _ b: Self) -> Bool { a == b }
    @inline(__always) func rounded(by rule: FloatingPointRoundingRule) -> Self { self }
    @inline(__always) static var one: Self { 1 }
    @inline(__always) static func plus(_ a: Self, _ b: Self) -> Self { a &+ b }
    @inline(__always) static func minus(_ a: Self, _ b: Self) -> Self { a &- b }
    @inline(__always) static func times(_ a: Self, _ b: Self) -> Self { a &* b }
    @inline(__always) static func negated(_ x: Self) -> Self { 0 &- x }
}

extension Int8: IntegerElement { static var dtype: DType { .int8 } }
extension Int16: IntegerElement { static var dtype: DType { .int16 } }
extension Int32: IntegerElement { static var dtype: DType { .int32 } }
extension Int64: IntegerElement { static var dtype: DType { .int64 } }
extension UInt8: IntegerElement { static var dtype: DType { .uint8 } }
extension UInt16: IntegerElement { static var dtype: DType { .uint16 } }
extension UInt32: IntegerElement { static var dtype: DType { .uint32 } }
extension UInt64: IntegerElement { static var dtype: DType { .uint64 } }

// MARK: Real floats

extension FloatElement {
    @inline(__always) init(_ scalar: Scalar) {
        switch scalar {
        case .bool(let b): self = b ? 1 : 0
        case .int(let i): self.init(i)
        case .uint(let u): self.init(u)
        case .real(let x): self.init(x)
        case .complex(let re, _): self.init(re)
        }
    }
    @inline(__always) var scalar: Scalar { .real(Double(self)) }
    @inline(__always) static func same(_ a: Self, _ b: Self) -> Bool { a == b }
    @inline(__always) func rounded(by rule: FloatingPointRoundingRule) -> Self { rounded(rule) }
    @inline(__always) static var one: Self { 1 }
    @inline(__always) static func plus(_ a: Self, _ b: Self) -> Self { a + b }
    @inline(__always) static func minus(_ a: Self, _ b: Self) -> Self { a - b }
    @inline(__always) static func times(_ a: Self, _ b: Self) -> Self { a * b }
    @inline(__always) static func negated(_ x: Self) -> Self { -x }
}

extension Float: FloatElement {
    static var dtype: DType { .float32 }
    @inline(__always) static func cPow(_ a: Float, _ b: Float) -> Float { powf(a, b) }
}

extension Double: FloatElement {
    static var dtype: DType { .float64 }
    @inline(__always) static func cPow(_ a: Double, _ b: Double) -> Double { Glibc.pow(a, b) }
}

// MARK: Complex

extension Complex: Element, NumberElement, FloatingElement, ComplexElement where RealType: FloatElement {
    typealias Part = RealType
    static var dtype: DType { RealType.dtype == .float32 ? .complex64 : .complex128 }
    @inline(__always) init(_ scalar: Scalar) {
        switch scalar {
        case .complex(let re, let im): self.init(RealType(re), RealType(im))
        default: self.init(RealType(scalar), 0)
        }
    }
    @inline(__always) var scalar: Scalar { .complex(Double(real), Double(imaginary)) }
    // Complex's own == calls every NaN equal; elementwise equality is IEEE's.
    @inline(__always) static func same(_ a: Self, _ b: Self) -> Bool {
        a.real == b.real && a.imaginary == b.imaginary
    }
    @inline(__always) static func plus(_ a: Self, _ b: Self) -> Self { a + b }
    @inline(__always) static func minus(_ a: Self, _ b: Self) -> Self { a - b }
    @inline(__always) static func times(_ a: Self, _ b: Self) -> Self { a * b }
    @inline(__always) static func negated(_ x: Self) -> Self { -x }
}

// MARK: Dispatch

/// A computation generic over the element type, run for a dtype known only
/// at run time by `DType.dispatch`: the one place a dtype becomes a type.
protocol ElementVisitor {
    associatedtype Result
    func visit<T: Element>(_: T.Type) throws -> Result
}

extension DType {
    /// Runs `visitor` specialized for this dtype's element type.
    func dispatch<V: ElementVisitor>(_ visitor: V) throws -> V.Result {
        switch self {
        case .bool: return try visitor.visit(Bool.self)
        case .int8: return try visitor.visit(Int8.self)
        case .int16: return try visitor.visit(Int16.self)
        case .int32: return try visitor.visit(Int32.self)
        case .int64: return try visitor.visit(Int64.self)
        case .uint8: return try visitor.visit(UInt8.self)
        case .uint16: return try visitor.visit(UInt16.self)
        case .uint32: return try visitor.visit(UInt32.self)
        case .uint64: return try visitor.visit(UInt64.self)
        case .float32: return try visitor.visit(Float.self)
        case .float64: return try visitor.visit(Double.self)
        case .complex64: return try visitor.visit(Complex<Float>.self)
        case .complex128: return try visitor.visit(Complex<Double>.self)
        }
    }
}

/// A computation generic over the numeric element types.
protocol NumberVisitor {
    associatedtype Result
    func visit<T: NumberElement>(_: T.Type) throws -> Result
}

extension DType {
    /// Runs `visitor` specialized for this numeric dtype; bool throws,
    /// naming `op`.
    func dispatchNumber<V: NumberVisitor>(_ visitor: V, _ op: String) throws -> V.Result {
        switch self {
        case .bool: throw unsupported(op, self)
        case .int8: return try visitor.visit(Int8.self)
        case .int16: return try visitor.visit(Int16.self)
        case .int32: return try visitor.visit(Int32.self)
        case .int64: return try visitor.visit(Int64.self)
        case .uint8: return try visitor.visit(UInt8.self)
        case .uint16: return try visitor.visit(UInt16.self)
        case .uint32: return try visitor.visit(UInt32.self)
        case .uint64: return try visitor.visit(UInt64.self)
        case .float32: return try visitor.visit(Float.self)
        case .float64: return try visitor.visit(Double.self)
        case .complex64: return try visitor.visit(Complex<Float>.self)
        case .complex128: return try visitor.visit(Complex<Double>.self)
        }
    }
}
