/// An error from a swiftgrad operation. The message begins with the
/// operation's name in brackets: `[matmul] shapes (2,3) and (4,5) ...`.
public struct SwiftGradError: Error, CustomStringConvertible, Equatable {
    /// What went wrong, in the categories callers map to exceptions.
    public enum Kind: Sendable {
        case value      // a bad value or shape
        case type       // a wrong dtype or kind of tensor
        case index      // an axis or index out of range
        case memory     // an allocation failed
        case `internal` // a broken invariant inside swiftgrad
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ op: String, _ detail: String) {
        self.kind = kind
        self.message = "[\(op)] \(detail)"
    }

    public var description: String { message }

    static func value(_ op: String, _ detail: String) -> Self { .init(.value, op, detail) }
    static func type(_ op: String, _ detail: String) -> Self { .init(.type, op, detail) }
    static func index(_ op: String, _ detail: String) -> Self { .init(.index, op, detail) }
    static func `internal`(_ op: String, _ detail: String) -> Self { .init(.internal, op, detail) }
}
