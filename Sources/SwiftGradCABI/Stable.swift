import CSwiftGrad
import SwiftGrad

// Numerically stable functions: sg_logsumexp, sg_softmax, sg_log_softmax,
// sg_log_sigmoid, sg_binary_cross_entropy_with_logits.

@_cdecl("sg_logsumexp")
public func sgLogSumExp(_ x: OpaquePointer?, _ axes: UnsafePointer<Int64>?, _ count: Int, _ keepDims: Bool,
                        _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_logsumexp", out) { call in
        try call.tensor(x, "x").logsumexp(axes: call.axes(axes, count), keepDims: keepDims)
    }
}

@_cdecl("sg_softmax")
public func sgSoftmax(_ x: OpaquePointer?, _ axis: Int64, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_softmax", out) { call in try call.tensor(x, "x").softmax(axis: Int(axis)) }
}

@_cdecl("sg_log_softmax")
public func sgLogSoftmax(_ x: OpaquePointer?, _ axis: Int64, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_log_softmax", out) { call in try call.tensor(x, "x").logSoftmax(axis: Int(axis)) }
}

@_cdecl("sg_log_sigmoid")
public func sgLogSigmoid(_ x: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_log_sigmoid", out) { call in try call.tensor(x, "x").logSigmoid() }
}

@_cdecl("sg_binary_cross_entropy_with_logits")
public func sgBinaryCrossEntropyWithLogits(_ logits: OpaquePointer?, _ targets: OpaquePointer?,
                                           _ reduction: sg_loss_reduction,
                                           _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_binary_cross_entropy_with_logits", out) { call in
        guard reduction.rawValue <= UInt32(Int32.max), let reduction = LossReduction(rawValue: Int32(reduction.rawValue)) else {
            throw SwiftGradError(.value, call.function, "unknown reduction \(reduction.rawValue)")
        }
        return try binaryCrossEntropyWithLogits(call.tensor(logits, "logits"), call.tensor(targets, "targets"), reduction: reduction)
    }
}
