import CSwiftGrad
import SwiftGrad

// Reductions and statistics: sg_reduce, sg_argmax/argmin, sg_var/std,
// sg_cumulative_sum.

extension Call {
    /// Axes from C: NULL for all of them.
    func axes(_ axes: UnsafePointer<Int64>?, _ count: Int) throws -> [Int]? {
        axes == nil ? nil : try integers(axes, count, "axes")
    }

    /// One optional axis from C: NULL for none.
    func axis(_ axis: UnsafePointer<Int64>?) -> Int? {
        axis.map { Int($0.pointee) }
    }
}

@_cdecl("sg_reduce")
public func sgReduce(_ op: sg_reduce_op, _ x: OpaquePointer?, _ axes: UnsafePointer<Int64>?, _ count: Int,
                     _ keepDims: Bool, _ dtype: UnsafePointer<sg_dtype>?,
                     _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_reduce", out) { call in
        let x = try call.tensor(x, "x"), axes = try call.axes(axes, count)
        let dtype = try dtype.map { try call.dtype($0.pointee) }
        func plain(_ op: ReduceOp) throws -> Tensor {
            guard dtype == nil else { throw SwiftGradError(.type, op.name, "takes no dtype") }
            return try x.reduce(op, axes: axes, keepDims: keepDims)
        }
        switch op {
        case SG_REDUCE_SUM: return try x.sum(axes: axes, keepDims: keepDims, dtype: dtype)
        case SG_REDUCE_PROD: return try x.prod(axes: axes, keepDims: keepDims, dtype: dtype)
        case SG_REDUCE_MEAN: return try x.mean(axes: axes, keepDims: keepDims, dtype: dtype)
        case SG_REDUCE_MAX: return try plain(.max)
        case SG_REDUCE_MIN: return try plain(.min)
        case SG_REDUCE_ALL: return try plain(.all)
        case SG_REDUCE_ANY: return try plain(.any)
        default: throw SwiftGradError(.value, call.function, "unknown reduction \(op.rawValue)")
        }
    }
}

@_cdecl("sg_argmax")
public func sgArgmax(_ x: OpaquePointer?, _ axis: UnsafePointer<Int64>?, _ keepDims: Bool,
                     _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_argmax", out) { call in try call.tensor(x, "x").argmax(axis: call.axis(axis), keepDims: keepDims) }
}

@_cdecl("sg_argmin")
public func sgArgmin(_ x: OpaquePointer?, _ axis: UnsafePointer<Int64>?, _ keepDims: Bool,
                     _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_argmin", out) { call in try call.tensor(x, "x").argmin(axis: call.axis(axis), keepDims: keepDims) }
}

@_cdecl("sg_var")
public func sgVar(_ x: OpaquePointer?, _ axes: UnsafePointer<Int64>?, _ count: Int, _ correction: Double,
                  _ keepDims: Bool, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_var", out) { call in
        try call.tensor(x, "x").variance(axes: call.axes(axes, count), correction: correction, keepDims: keepDims)
    }
}

@_cdecl("sg_std")
public func sgStd(_ x: OpaquePointer?, _ axes: UnsafePointer<Int64>?, _ count: Int, _ correction: Double,
                  _ keepDims: Bool, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_std", out) { call in
        try call.tensor(x, "x").standardDeviation(axes: call.axes(axes, count), correction: correction, keepDims: keepDims)
    }
}

@_cdecl("sg_cumulative_sum")
public func sgCumulativeSum(_ x: OpaquePointer?, _ axis: UnsafePointer<Int64>?, _ includeInitial: Bool,
                            _ dtype: UnsafePointer<sg_dtype>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_cumulative_sum", out) { call in
        try call.tensor(x, "x").cumulativeSum(axis: call.axis(axis), includeInitial: includeInitial,
                                              dtype: dtype.map { try call.dtype($0.pointee) })
    }
}
