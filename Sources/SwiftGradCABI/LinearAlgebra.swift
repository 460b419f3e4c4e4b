import CSwiftGrad
import SwiftGrad

// Products beyond matmul and dot: sg_tensordot, sg_vecdot, sg_outer, sg_einsum.

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

// MARK: The linalg extension

/// The factorization output an sg_linalg_op names (nil: the upper Cholesky
/// factor, a transpose of one).
private func factor(_ op: sg_linalg_op) -> MatrixFactor? {
    switch op {
    case SG_LINALG_INV: return .inverse
    case SG_LINALG_DET: return .determinant
    case SG_LINALG_SLOGDET_SIGN: return .slogdetSign
    case SG_LINALG_SLOGDET_LOGABSDET: return .slogdetLog
    case SG_LINALG_CHOLESKY: return .cholesky
    case SG_LINALG_EIGVALSH: return .eigenvalues
    case SG_LINALG_EIGH_VECTORS: return .eigenvectors
    case SG_LINALG_SVDVALS: return .singularValues
    case SG_LINALG_SVD_U: return .svdU(full: false)
    case SG_LINALG_SVD_VH: return .svdVh(full: false)
    case SG_LINALG_SVD_U_FULL: return .svdU(full: true)
    case SG_LINALG_SVD_VH_FULL: return .svdVh(full: true)
    case SG_LINALG_QR_Q: return .qrQ(complete: false)
    case SG_LINALG_QR_R: return .qrR(complete: false)
    case SG_LINALG_QR_Q_COMPLETE: return .qrQ(complete: true)
    case SG_LINALG_QR_R_COMPLETE: return .qrR(complete: true)
    default: return nil
    }
}

@_cdecl("sg_linalg")
public func sgLinalg(_ op: sg_linalg_op, _ x: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_linalg", out) { call in
        let x = try call.tensor(x, "x")
        if op == SG_LINALG_CHOLESKY_UPPER { return try x.cholesky(upper: true) }
        guard let part = factor(op) else {
            throw SwiftGradError(.value, call.function, "unknown linalg operation \(op.rawValue)")
        }
        return try x.factor(part)
    }
}

@_cdecl("sg_linalg_factors")
public func sgLinalgFactors(_ ops: UnsafePointer<sg_linalg_op>?, _ count: Int, _ x: OpaquePointer?,
                            _ outs: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded("sg_linalg_factors") { call in
        let x = try call.tensor(x, "x")
        guard count > 0 else { return }
        guard let ops else { throw NullArgument(message: "[\(call.function)] ops is NULL") }
        let outs = try call.pointer(outs, "outs")
        let parts = try (0..<count).map { i in
            guard let part = factor(ops[i]) else {
                throw SwiftGradError(.value, call.function, "ops[\(i)] = \(ops[i].rawValue) is not an output of a factorization")
            }
            return part
        }
        for (i, result) in try x.factors(parts).enumerated() { outs[i] = result.retainedHandle }
    }
}

@_cdecl("sg_linalg_solve")
public func sgLinalgSolve(_ a: OpaquePointer?, _ b: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_linalg_solve", out) { call in try call.tensor(a, "a").solve(call.tensor(b, "b")) }
}

@_cdecl("sg_linalg_vector_norm")
public func sgLinalgVectorNorm(_ x: OpaquePointer?, _ axes: UnsafePointer<Int64>?, _ count: Int, _ keepDims: Bool,
                               _ ord: Double, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_linalg_vector_norm", out) { call in
        try call.tensor(x, "x").vectorNorm(axes: axes == nil ? nil : call.integers(axes, count, "axes"),
                                           keepDims: keepDims, ord: ord)
    }
}

@_cdecl("sg_linalg_matrix_norm")
public func sgLinalgMatrixNorm(_ x: OpaquePointer?, _ ord: UnsafePointer<CChar>?, _ keepDims: Bool,
                               _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_linalg_matrix_norm", out) { call in
        guard let ord else { throw NullArgument(message: "[\(call.function)] ord is NULL") }
        return try call.tensor(x, "x").matrixNorm(ord: String(cString: ord), keepDims: keepDims)
    }
}

/// An int64 from C as an Int (they are the same width here).
private func int(_ value: Int64, _ call: Call, _ what: String) throws -> Int {
    guard let value = Int(exactly: value) else { throw SwiftGradError(.value, call.function, "\(what) \(value) is out of range") }
    return value
}

@_cdecl("sg_linalg_diagonal")
public func sgLinalgDiagonal(_ x: OpaquePointer?, _ offset: Int64, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_linalg_diagonal", out) { call in try call.tensor(x, "x").diagonal(offset: int(offset, call, "offset")) }
}

@_cdecl("sg_linalg_trace")
public func sgLinalgTrace(_ x: OpaquePointer?, _ offset: Int64, _ dtype: UnsafePointer<sg_dtype>?,
                          _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_linalg_trace", out) { call in
        try call.tensor(x, "x").trace(offset: int(offset, call, "offset"), dtype: dtype.map { try call.dtype($0.pointee) })
    }
}

@_cdecl("sg_linalg_matrix_power")
public func sgLinalgMatrixPower(_ x: OpaquePointer?, _ n: Int64, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_linalg_matrix_power", out) { call in try call.tensor(x, "x").matrixPower(int(n, call, "n")) }
}

@_cdecl("sg_linalg_pinv")
public func sgLinalgPinv(_ x: OpaquePointer?, _ rtol: UnsafePointer<Double>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_linalg_pinv", out) { call in try call.tensor(x, "x").pinv(rtol: rtol?.pointee) }
}

@_cdecl("sg_linalg_matrix_rank")
public func sgLinalgMatrixRank(_ x: OpaquePointer?, _ rtol: UnsafePointer<Double>?,
                               _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_linalg_matrix_rank", out) { call in try call.tensor(x, "x").matrixRank(rtol: rtol?.pointee) }
}

@_cdecl("sg_linalg_cross")
public func sgLinalgCross(_ a: OpaquePointer?, _ b: OpaquePointer?, _ axis: Int64,
                          _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_linalg_cross", out) { call in try call.tensor(a, "a").cross(call.tensor(b, "b"), axis: int(axis, call, "axis")) }
}
