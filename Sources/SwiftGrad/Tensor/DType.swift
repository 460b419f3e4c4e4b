/// The element type of a tensor.
public enum DType: CaseIterable, Sendable, CustomStringConvertible {
    case float32
    case float64

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .float32: return 4
        case .float64: return 8
        }
    }

    public var description: String {
        switch self {
        case .float32: return "float32"
        case .float64: return "float64"
        }
    }

    /// The dtype two operands are promoted to (the Array API's table).
    public static func promoted(_ a: DType, _ b: DType) -> DType {
        a == .float64 || b == .float64 ? .float64 : .float32
    }
}
