import CSwiftGrad
import SwiftGrad

// Creation functions: constants, ranges, eye, meshgrid, triangles.

extension Call {
    /// One element of `dtype` read from a caller's pointer.
    func scalar(_ value: UnsafeRawPointer?, _ dtype: DType, _ argument: String) throws -> Scalar {
        let source = try pointer(value.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: UInt8.self)) }, argument)
        return try NDArray(copying: source, dtype: dtype, shape: []).elements[0]
    }
}

@_cdecl("sg_zeros")
public func sgZeros(_ shape: UnsafePointer<Int64>?, _ ndim: Int, _ dtype: sg_dtype,
                    _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_zeros", out) { call in try Tensor.zeros(call.integers(shape, ndim, "shape"), dtype: call.dtype(dtype)) }
}

@_cdecl("sg_ones")
public func sgOnes(_ shape: UnsafePointer<Int64>?, _ ndim: Int, _ dtype: sg_dtype,
                   _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_ones", out) { call in try Tensor.ones(call.integers(shape, ndim, "shape"), dtype: call.dtype(dtype)) }
}

@_cdecl("sg_empty")
public func sgEmpty(_ shape: UnsafePointer<Int64>?, _ ndim: Int, _ dtype: sg_dtype,
                    _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_empty", out) { call in try Tensor.empty(call.integers(shape, ndim, "shape"), dtype: call.dtype(dtype)) }
}

@_cdecl("sg_full_like")
public func sgFullLike(_ x: OpaquePointer?, _ value: UnsafeRawPointer?, _ dtype: sg_dtype,
                       _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_full_like", out) { call in
        let dtype = try call.dtype(dtype)
        return try call.tensor(x, "x").filledLike(call.scalar(value, dtype, "value"), dtype: dtype)
    }
}

@_cdecl("sg_arange")
public func sgArange(_ start: UnsafeRawPointer?, _ stop: UnsafeRawPointer?, _ step: UnsafeRawPointer?,
                     _ argsDType: sg_dtype, _ dtype: sg_dtype,
                     _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_arange", out) { call in
        let args = try call.dtype(argsDType)
        return try Tensor.arange(start: call.scalar(start, args, "start"), stop: call.scalar(stop, args, "stop"),
                                 step: call.scalar(step, args, "step"), dtype: call.dtype(dtype))
    }
}

@_cdecl("sg_arange_dynamic")
public func sgArangeDynamic(_ start: OpaquePointer?, _ stop: OpaquePointer?, _ step: OpaquePointer?,
                            _ dtype: sg_dtype, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_arange_dynamic", out) { call in
        try Tensor.arange(start: call.tensor(start, "start"), stop: call.tensor(stop, "stop"),
                          step: call.tensor(step, "step"), dtype: call.dtype(dtype))
    }
}

@_cdecl("sg_length")
public func sgLength(_ x: OpaquePointer?, _ axis: Int64, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_length", out) { call in try call.tensor(x, "x").length(axis: Int(axis)) }
}

@_cdecl("sg_linspace")
public func sgLinspace(_ start: UnsafeRawPointer?, _ stop: UnsafeRawPointer?, _ argsDType: sg_dtype,
                       _ num: Int64, _ endpoint: Bool, _ dtype: sg_dtype,
                       _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_linspace", out) { call in
        let args = try call.dtype(argsDType)
        return try Tensor.linspace(start: call.scalar(start, args, "start"), stop: call.scalar(stop, args, "stop"),
                                   count: Int(num), endpoint: endpoint, dtype: call.dtype(dtype))
    }
}

@_cdecl("sg_eye")
public func sgEye(_ rows: Int64, _ columns: Int64, _ k: Int64, _ dtype: sg_dtype,
                  _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_eye", out) { call in
        try Tensor.eye(rows: Int(rows), columns: Int(columns), k: Int(k), dtype: call.dtype(dtype))
    }
}

@_cdecl("sg_tril")
public func sgTril(_ x: OpaquePointer?, _ k: Int64, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_tril", out) { call in try call.tensor(x, "x").lowerTriangle(k: Int(k)) }
}

@_cdecl("sg_triu")
public func sgTriu(_ x: OpaquePointer?, _ k: Int64, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_triu", out) { call in try call.tensor(x, "x").upperTriangle(k: Int(k)) }
}

@_cdecl("sg_meshgrid")
public func sgMeshgrid(_ xs: UnsafePointer<OpaquePointer?>?, _ n: Int, _ ij: Bool,
                       _ outs: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded("sg_meshgrid") { call in
        let inputs = try call.tensors(xs, n, "xs")
        guard n > 0 else { return }
        let outs = try call.pointer(outs, "outs")
        let grids = try Tensor.meshgrid(inputs, cartesian: !ij)
        for (i, grid) in grids.enumerated() { outs[i] = grid.retainedHandle }
    }
}

// The compiler checks these wrappers against swiftgrad.h.
private func same<T>(_ declared: T, _ defined: T) {}

private func checkCreationSignatures() {
    same(sg_zeros, sgZeros)
    same(sg_ones, sgOnes)
    same(sg_empty, sgEmpty)
    same(sg_full_like, sgFullLike)
    same(sg_arange, sgArange)
    same(sg_arange_dynamic, sgArangeDynamic)
    same(sg_length, sgLength)
    same(sg_linspace, sgLinspace)
    same(sg_eye, sgEye)
    same(sg_tril, sgTril)
    same(sg_triu, sgTriu)
    same(sg_meshgrid, sgMeshgrid)
}
