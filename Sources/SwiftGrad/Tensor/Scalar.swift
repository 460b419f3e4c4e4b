/// One element of any dtype, held without loss: an int64 above 2^53 stays
/// exact, a complex number keeps both parts.
public enum Scalar: Hashable, Sendable, CustomStringConvertible {
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case real(Double)
    case complex(Double, Double)

    /// The dtype that holds this scalar by default.
    public var naturalDType: DType {
        switch self {
        case .bool: return .bool
        case .int: return .int64
        case .uint: return .uint64
        case .real: return .float64
        case .complex: return .complex128
        }
    }

    /// The value as a double (a complex number's real part).
    public var doubleValue: Double {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return Double(i)
        case .uint(let u): return Double(u)
        case .real(let x): return x
        case .complex(let re, _): return re
        }
    }

    public var description: String {
        switch self {
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .uint(let u): return String(u)
        case .real(let x): return String(x)
        case .complex(let re, let im): return "(\(re)\(im < 0 || im.sign == .minus ? "" : "+")\(im)j)"
        }
    }
}
