/// The element type of a tensor, described as data: a kind and a width.
/// The raw values are the C ABI's `sg_dtype` numbers (new ones are only
/// ever appended).
public enum DType: Int32, CaseIterable, Sendable, CustomStringConvertible {
    case float32 = 0, float64 = 1
    case bool = 2
    case int8 = 3, int16 = 4, int32 = 5, int64 = 6
    case uint8 = 7, uint16 = 8, uint32 = 9, uint64 = 10
    case complex64 = 11, complex128 = 12

    /// The families the Array API's promotion rules and `isdtype` name.
    public enum Kind: Int32, Sendable {
        case bool = 0, signedInteger, unsignedInteger, realFloating, complexFloating
    }

    public var kind: Kind { DType.table[Int(rawValue)].kind }
    /// Bits per element (8 for bool).
    public var bits: Int { DType.table[Int(rawValue)].bits }
    /// Bytes per element.
    public var itemSize: Int { bits / 8 }
    public var description: String { DType.table[Int(rawValue)].name }

    public var isInteger: Bool { kind == .signedInteger || kind == .unsignedInteger }
    public var isFloating: Bool { kind == .realFloating || kind == .complexFloating }
    /// Integer or real floating: the types with an order.
    public var isRealNumber: Bool { isInteger || kind == .realFloating }
    public var isNumeric: Bool { kind != .bool }

    private static let table: [(name: String, kind: Kind, bits: Int)] = [
        ("float32", .realFloating, 32), ("float64", .realFloating, 64), ("bool", .bool, 8),
        ("int8", .signedInteger, 8), ("int16", .signedInteger, 16),
        ("int32", .signedInteger, 32), ("int64", .signedInteger, 64),
        ("uint8", .unsignedInteger, 8), ("uint16", .unsignedInteger, 16),
        ("uint32", .unsignedInteger, 32), ("uint64", .unsignedInteger, 64),
        ("complex64", .complexFloating, 64), ("complex128", .complexFloating, 128),
    ]

    /// The dtype of `kind` and `bits`, if there is one.
    public init?(kind: Kind, bits: Int) {
        guard let i = DType.table.firstIndex(where: { $0.kind == kind && $0.bits == bits }) else { return nil }
        self.init(rawValue: Int32(i))
    }

    public init?(name: String) {
        guard let i = DType.table.firstIndex(where: { $0.name == name }) else { return nil }
        self.init(rawValue: Int32(i))
    }

    /// The real type of a complex type's parts; other types are their own.
    public var realPart: DType {
        switch self {
        case .complex64: return .float32
        case .complex128: return .float64
        default: return self
        }
    }

    /// The complex type whose parts are this real floating type.
    public var complexCounterpart: DType? {
        switch self {
        case .float32, .complex64: return .complex64
        case .float64, .complex128: return .complex128
        default: return nil
        }
    }

    /// The Array API 2023.12 promotion of two dtypes, and where the
    /// standard leaves mixed integer and floating kinds to the library,
    /// NumPy's: the floating type of at least the other's precision
    /// (int16 with float32 is float32, int32 with float32 float64), as
    /// Theano and PyTorch programs expect. Nil for booleans with other
    /// kinds and for int64 with uint64.
    public static func promoted(_ a: DType, _ b: DType) -> DType? {
        if a == b { return a }
        switch (a.kind, b.kind) {
        case (.bool, _), (_, .bool):
            return nil
        case (.signedInteger, .signedInteger), (.unsignedInteger, .unsignedInteger),
             (.realFloating, .realFloating), (.complexFloating, .complexFloating):
            return a.bits >= b.bits ? a : b
        case (.signedInteger, .unsignedInteger), (.unsignedInteger, .signedInteger):
            let (s, u) = a.kind == .signedInteger ? (a, b) : (b, a)
            return s.bits > u.bits ? s : DType(kind: .signedInteger, bits: 2 * u.bits)
        case (.realFloating, .complexFloating), (.complexFloating, .realFloating):
            let (f, c) = a.kind == .realFloating ? (a, b) : (b, a)
            return f.bits > c.bits / 2 ? .complex128 : c
        case (.signedInteger, .realFloating), (.unsignedInteger, .realFloating),
             (.realFloating, .signedInteger), (.realFloating, .unsignedInteger),
             (.signedInteger, .complexFloating), (.unsignedInteger, .complexFloating),
             (.complexFloating, .signedInteger), (.complexFloating, .unsignedInteger):
            let (i, f) = a.isInteger ? (a, b) : (b, a)
            // float32's 24-bit significand holds 16-bit integers exactly, not wider ones.
            return i.bits <= 16 || f.realPart == .float64 ? f : f.kind == .realFloating ? .float64 : .complex128
        default:
            return nil
        }
    }

    /// The promotion, or an error that names the op and both dtypes.
    static func promoted(_ a: DType, _ b: DType, _ op: String) throws -> DType {
        guard let dtype = promoted(a, b) else {
            throw SwiftGradError.type(op, "no promotion rule for \(a) and \(b); convert one with astype")
        }
        return dtype
    }

    /// Whether every value of `from` converts to `to` by the promotion
    /// lattice (the Array API's `can_cast`).
    public static func canCast(_ from: DType, to: DType) -> Bool {
        promoted(from, to) == to
    }

    /// The default dtype of a kind: float64, int64, complex128.
    public static let defaultFloat = DType.float64, defaultInteger = DType.int64, defaultComplex = DType.complex128

    /// The limits of a floating type (a complex type gives its parts').
    public var floatingLimits: (eps: Double, max: Double, smallestNormal: Double)? {
        switch realPart {
        case .float32:
            return (Double(Float.ulpOfOne), Double(Float.greatestFiniteMagnitude), Double(Float.leastNormalMagnitude))
        case .float64:
            return (Double.ulpOfOne, Double.greatestFiniteMagnitude, Double.leastNormalMagnitude)
        default:
            return nil
        }
    }

    /// The range of an integer type.
    public var integerLimits: (min: Int64, max: UInt64)? {
        switch kind {
        case .signedInteger: return (Int64.min >> (64 - bits), UInt64(Int64.max >> (64 - bits)))
        case .unsignedInteger: return (0, UInt64.max >> (64 - bits))
        default: return nil
        }
    }
}
