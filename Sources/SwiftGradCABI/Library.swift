import CSwiftGrad
import SwiftGrad

@_cdecl("sg_version")
public func sgVersion() -> UnsafePointer<CChar>? { cString("0.2.0") }

@_cdecl("sg_abi_version")
public func sgABIVersion() -> Int32 { SG_ABI_VERSION }

@_cdecl("sg_last_error")
public func sgLastError() -> UnsafePointer<CChar>? { lastError.pointer ?? cString("") }

// Names live with the primitives; these tables only index them.
private let unaryNames = NameTable(UnaryOp.allCases.map(\.name))
private let binaryNames = NameTable(BinaryOp.allCases.map(\.name))

@_cdecl("sg_unary_op_name")
public func sgUnaryOpName(_ op: sg_unary_op) -> UnsafePointer<CChar>? { unaryNames[Int(op.rawValue)] }

@_cdecl("sg_binary_op_name")
public func sgBinaryOpName(_ op: sg_binary_op) -> UnsafePointer<CChar>? { binaryNames[Int(op.rawValue)] }

/// C copies of names, made once and never freed, so the pointers stay valid.
struct NameTable {
    private let pointers: [UnsafePointer<CChar>]

    init(_ names: [String]) {
        pointers = names.map { name in
            let bytes = Array(name.utf8CString)
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
            copy.initialize(from: bytes, count: bytes.count)
            return UnsafePointer(copy)
        }
    }

    subscript(_ index: Int) -> UnsafePointer<CChar>? {
        pointers.indices.contains(index) ? pointers[index] : nil
    }
}
