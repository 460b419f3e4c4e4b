import CSwiftGrad
import SwiftGrad

// Products beyond matmul and dot: sg_tensordot, sg_vecdot, sg_outer, sg_einsum.

private func operation(_ function: String, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                       _ body: (Call) throws -> Tensor) -> sg_status {
    guarded(function) { call in
        let out = try call.pointer(out, "out")
        out.pointee = try body(call).retainedHandle
    }
}

@_cdecl("sg_tensordot")
public func sgTensordot(_ a: OpaquePointer?, _ b: OpaquePointer?, _ axesA: UnsafePointer<Int64>?,
                        _ axesB: UnsafePointer<Int64>?, _ count: Int,
                        _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_tensordot", out) { call in
        try call.tensor(a, "a").tensordot(call.tensor(b, "b"), axes: call.integers(axesA, count, "axes_a"),
                                          call.integers(axesB, count, "axes_b"))
    }
}

@_cdecl("sg_vecdot")
public func sgVecdot(_ a: OpaquePointer?, _ b: OpaquePointer?, _ axis: Int64,
                     _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_vecdot", out) { call in
        guard let axis = Int(exactly: axis) else { throw SwiftGradError(.index, call.function, "axis \(axis) is out of range") }
        return try call.tensor(a, "a").vecdot(call.tensor(b, "b"), axis: axis)
    }
}

@_cdecl("sg_outer")
public func sgOuter(_ a: OpaquePointer?, _ b: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_outer", out) { call in try call.tensor(a, "a").outer(call.tensor(b, "b")) }
}

@_cdecl("sg_einsum")
public func sgEinsum(_ subscripts: UnsafePointer<CChar>?, _ operands: UnsafePointer<OpaquePointer?>?, _ count: Int,
                     _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_einsum", out) { call in
        guard let subscripts else { throw NullArgument(message: "[\(call.function)] subscripts is NULL") }
        return try einsum(String(cString: subscripts), call.tensors(operands, count, "operands"))
    }
}
