import CSwiftGrad
import SwiftGrad

// Views, indexing and joining (swiftgrad.h, "Views and indexing").

/// Writes `tensors` to `outs`, which holds `capacity` handles; nothing is
/// written unless all fit.
private func write(_ tensors: [Tensor], to outs: UnsafeMutablePointer<OpaquePointer?>?, capacity: Int,
                   _ call: Call) throws {
    guard capacity >= 0, tensors.count <= capacity else {
        throw SwiftGradError(.value, call.function, "\(tensors.count) results do not fit in \(UInt(bitPattern: capacity)) entries")
    }
    guard !tensors.isEmpty else { return }
    let outs = try call.pointer(outs, "outs")
    for (i, t) in tensors.enumerated() { outs[i] = t.retainedHandle }
}

extension Call {
    func indices(_ items: UnsafePointer<sg_index>?, _ count: Int) throws -> [TensorIndex] {
        guard count >= 0 else {
            throw SwiftGradError(.value, function, "the length of index is too large: \(UInt(bitPattern: count))")
        }
        guard count <= 64 else {
            throw SwiftGradError(.index, function, "an index has \(count) entries; at most 64 are supported")
        }
        guard count > 0 else { return [] }
        guard let items else { throw NullArgument(message: "[\(function)] index is NULL") }
        return try (0..<count).map { i in
            let item = items[i]
            switch item.kind {
            case SG_INDEX_INTEGER: return .position(Int(item.start))
            case SG_INDEX_SLICE:
                return .slice(item.has_start ? Int(item.start) : nil, item.has_stop ? Int(item.stop) : nil, Int(item.step))
            case SG_INDEX_NEWAXIS: return .newAxis
            case SG_INDEX_ELLIPSIS: return .ellipsis
            case SG_INDEX_ARRAY: return .array(try tensor(item.array, "index[\(i)].array"))
            default:
                throw SwiftGradError(.value, function, "index[\(i)] has unknown kind \(item.kind.rawValue)")
            }
        }
    }
}

@_cdecl("sg_reshape")
public func sgReshape(_ x: OpaquePointer?, _ shape: UnsafePointer<Int64>?, _ ndim: Int, _ copy: Int32,
                      _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_reshape", out) { call in
        let mode: Bool? = copy < 0 ? nil : copy != 0
        return try call.tensor(x, "x").reshaped(call.integers(shape, ndim, "shape"), copy: mode)
    }
}

@_cdecl("sg_expand_dims")
public func sgExpandDims(_ x: OpaquePointer?, _ axis: Int64, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_expand_dims", out) { call in try call.tensor(x, "x").expandingDims(axis: Int(axis)) }
}

@_cdecl("sg_squeeze")
public func sgSqueeze(_ x: OpaquePointer?, _ axes: UnsafePointer<Int64>?, _ count: Int,
                      _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_squeeze", out) { call in try call.tensor(x, "x").squeezed(axes: call.integers(axes, count, "axes")) }
}

@_cdecl("sg_broadcast_to")
public func sgBroadcastTo(_ x: OpaquePointer?, _ shape: UnsafePointer<Int64>?, _ ndim: Int,
                          _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_broadcast_to", out) { call in try call.tensor(x, "x").broadcast(to: call.integers(shape, ndim, "shape")) }
}

@_cdecl("sg_broadcast_arrays")
public func sgBroadcastArrays(_ xs: UnsafePointer<OpaquePointer?>?, _ count: Int,
                              _ outs: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded("sg_broadcast_arrays") { call in
        let results = try Tensor.broadcastArrays(call.tensors(xs, count, "xs"))
        try write(results, to: outs, capacity: count, call)
    }
}

@_cdecl("sg_matrix_transpose")
public func sgMatrixTranspose(_ x: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_matrix_transpose", out) { call in try call.tensor(x, "x").matrixTransposed() }
}

@_cdecl("sg_moveaxis")
public func sgMoveAxis(_ x: OpaquePointer?, _ source: UnsafePointer<Int64>?, _ destination: UnsafePointer<Int64>?,
                       _ count: Int, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_moveaxis", out) { call in
        try call.tensor(x, "x").movingAxes(call.integers(source, count, "source"),
                                           to: call.integers(destination, count, "destination"))
    }
}

@_cdecl("sg_flip")
public func sgFlip(_ x: OpaquePointer?, _ axes: UnsafePointer<Int64>?, _ count: Int,
                   _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_flip", out) { call in
        try call.tensor(x, "x").flipped(axes: axes == nil ? nil : call.integers(axes, count, "axes"))
    }
}

@_cdecl("sg_index_get")
public func sgIndexGet(_ x: OpaquePointer?, _ index: UnsafePointer<sg_index>?, _ count: Int,
                       _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_index_get", out) { call in try call.tensor(x, "x").indexed(call.indices(index, count)) }
}

@_cdecl("sg_index_set")
public func sgIndexSet(_ x: OpaquePointer?, _ index: UnsafePointer<sg_index>?, _ count: Int,
                       _ value: OpaquePointer?) -> sg_status {
    guarded("sg_index_set") { call in
        try call.tensor(x, "x").setItems(call.indices(index, count), to: call.tensor(value, "value"))
    }
}

@_cdecl("sg_take")
public func sgTake(_ x: OpaquePointer?, _ indices: OpaquePointer?, _ axis: UnsafePointer<Int64>?,
                   _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_take", out) { call in
        try call.tensor(x, "x").take(call.tensor(indices, "indices"), axis: call.axis(axis))
    }
}

@_cdecl("sg_where")
public func sgWhere(_ condition: OpaquePointer?, _ x1: OpaquePointer?, _ x2: OpaquePointer?,
                    _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_where", out) { call in
        try Tensor.select(call.tensor(condition, "condition"), call.tensor(x1, "x1"), call.tensor(x2, "x2"))
    }
}

@_cdecl("sg_nonzero")
public func sgNonzero(_ x: OpaquePointer?, _ outs: UnsafeMutablePointer<OpaquePointer?>?, _ capacity: Int) -> sg_status {
    guarded("sg_nonzero") { call in
        try write(call.tensor(x, "x").nonzero(), to: outs, capacity: capacity, call)
    }
}

@_cdecl("sg_concat")
public func sgConcat(_ xs: UnsafePointer<OpaquePointer?>?, _ count: Int, _ axis: UnsafePointer<Int64>?,
                     _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_concat", out) { call in try Tensor.concat(call.tensors(xs, count, "xs"), axis: call.axis(axis)) }
}

@_cdecl("sg_stack")
public func sgStack(_ xs: UnsafePointer<OpaquePointer?>?, _ count: Int, _ axis: Int64,
                    _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_stack", out) { call in try Tensor.stack(call.tensors(xs, count, "xs"), axis: Int(axis)) }
}

@_cdecl("sg_unstack")
public func sgUnstack(_ x: OpaquePointer?, _ axis: Int64, _ outs: UnsafeMutablePointer<OpaquePointer?>?,
                      _ capacity: Int, _ count: UnsafeMutablePointer<Int>?) -> sg_status {
    guarded("sg_unstack") { call in
        let count = try call.pointer(count, "count")
        let parts = try call.tensor(x, "x").unstacked(axis: Int(axis))
        count.pointee = parts.count
        try write(parts, to: outs, capacity: capacity, call)
    }
}

@_cdecl("sg_roll")
public func sgRoll(_ x: OpaquePointer?, _ shifts: UnsafePointer<Int64>?, _ nshifts: Int,
                   _ axes: UnsafePointer<Int64>?, _ naxes: Int, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_roll", out) { call in
        try call.tensor(x, "x").rolled(call.integers(shifts, nshifts, "shifts"),
                                       axes: axes == nil ? nil : call.integers(axes, naxes, "axes"))
    }
}

@_cdecl("sg_repeat")
public func sgRepeat(_ x: OpaquePointer?, _ repeats: OpaquePointer?, _ axis: UnsafePointer<Int64>?,
                     _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_repeat", out) { call in
        try call.tensor(x, "x").repeated(call.tensor(repeats, "repeats"), axis: call.axis(axis))
    }
}

@_cdecl("sg_tile")
public func sgTile(_ x: OpaquePointer?, _ reps: UnsafePointer<Int64>?, _ count: Int,
                   _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_tile", out) { call in try call.tensor(x, "x").tiled(call.integers(reps, count, "reps")) }
}

@_cdecl("sg_slice_dynamic")
public func sgSliceDynamic(_ x: OpaquePointer?, _ axis: Int64, _ start: OpaquePointer?, _ stop: OpaquePointer?,
                           _ step: Int64, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_slice_dynamic", out) { call in
        try call.tensor(x, "x").sliced(axis: Int(axis), start: start == nil ? nil : call.tensor(start, "start"),
                                       stop: stop == nil ? nil : call.tensor(stop, "stop"), step: Int(step))
    }
}
