import CSwiftGrad
import SwiftGrad

@_cdecl("sg_unary")
public func sgUnary(_ op: sg_unary_op, _ x: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_unary", out) { call in
        guard op.rawValue <= UInt32(Int32.max), let op = UnaryOp(rawValue: Int32(op.rawValue)) else {
            throw SwiftGradError(.value, call.function, "unknown operation \(op.rawValue)")
        }
        return try Tensor.unary(op, call.tensor(x, "x"))
    }
}

@_cdecl("sg_binary")
public func sgBinary(_ op: sg_binary_op, _ a: OpaquePointer?, _ b: OpaquePointer?,
                     _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_binary", out) { call in
        guard op.rawValue <= UInt32(Int32.max), let op = BinaryOp(rawValue: Int32(op.rawValue)) else {
            throw SwiftGradError(.value, call.function, "unknown operation \(op.rawValue)")
        }
        return try Tensor.binary(op, call.tensor(a, "a"), call.tensor(b, "b"))
    }
}

@_cdecl("sg_binary_update")
public func sgBinaryUpdate(_ op: sg_binary_op, _ x: OpaquePointer?, _ other: OpaquePointer?) -> sg_status {
    guarded("sg_binary_update") { call in
        guard op.rawValue <= UInt32(Int32.max), let op = BinaryOp(rawValue: Int32(op.rawValue)) else {
            throw SwiftGradError(.value, call.function, "unknown operation \(op.rawValue)")
        }
        try call.tensor(x, "x").update(op, call.tensor(other, "other"))
    }
}

@_cdecl("sg_clip")
public func sgClip(_ x: OpaquePointer?, _ min: OpaquePointer?, _ max: OpaquePointer?,
                   _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_clip", out) { call in
        try call.tensor(x, "x").clipped(min: min == nil ? nil : call.tensor(min, "min"),
                                        max: max == nil ? nil : call.tensor(max, "max"))
    }
}

@_cdecl("sg_matmul")
public func sgMatmul(_ a: OpaquePointer?, _ b: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_matmul", out) { call in try call.tensor(a, "a").matmul(call.tensor(b, "b")) }
}

@_cdecl("sg_dot")
public func sgDot(_ a: OpaquePointer?, _ b: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_dot", out) { call in try call.tensor(a, "a").dot(call.tensor(b, "b")) }
}

@_cdecl("sg_sum")
public func sgSum(_ x: OpaquePointer?, _ axes: UnsafePointer<Int64>?, _ count: Int, _ keepDims: Bool,
                  _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_sum", out) { call in
        try call.tensor(x, "x").sum(axes: axes == nil ? nil : call.integers(axes, count, "axes"), keepDims: keepDims)
    }
}

@_cdecl("sg_mean")
public func sgMean(_ x: OpaquePointer?, _ axes: UnsafePointer<Int64>?, _ count: Int, _ keepDims: Bool,
                   _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_mean", out) { call in
        try call.tensor(x, "x").mean(axes: axes == nil ? nil : call.integers(axes, count, "axes"), keepDims: keepDims)
    }
}

@_cdecl("sg_permute_dims")
public func sgPermuteDims(_ x: OpaquePointer?, _ axes: UnsafePointer<Int64>?, _ count: Int,
                          _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_permute_dims", out) { call in
        try call.tensor(x, "x").permuted(call.integers(axes, count, "axes"))
    }
}

@_cdecl("sg_astype")
public func sgAsType(_ x: OpaquePointer?, _ dtype: sg_dtype, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_astype", out) { call in try call.tensor(x, "x").cast(to: call.dtype(dtype)) }
}
