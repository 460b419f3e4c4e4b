import CSwiftGrad
import SwiftGrad

// Making and reading tensors.

@_cdecl("sg_tensor_from_data")
public func sgTensorFromData(_ data: UnsafeRawPointer?, _ shape: UnsafePointer<Int64>?, _ ndim: Int,
                             _ dtype: sg_dtype, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded("sg_tensor_from_data") { call in
        let out = try call.pointer(out, "out")
        let dtype = try call.dtype(dtype), shape = try call.integers(shape, ndim, "shape")
        // NULL data is fine for an empty array.
        let data = shape.contains(0) ? data ?? UnsafeRawPointer(out) : data
        let source = try call.pointer(data.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: UInt8.self)) }, "data")
        out.pointee = try Tensor(NDArray(copying: source, dtype: dtype, shape: shape)).retainedHandle
    }
}

@_cdecl("sg_tensor_from_buffer")
public func sgTensorFromBuffer(_ data: UnsafeMutableRawPointer?, _ shape: UnsafePointer<Int64>?,
                               _ strides: UnsafePointer<Int64>?, _ ndim: Int, _ dtype: sg_dtype,
                               _ release: (@convention(c) (UnsafeMutableRawPointer?) -> Void)?,
                               _ context: UnsafeMutableRawPointer?,
                               _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded("sg_tensor_from_buffer") { call in
        let out = try call.pointer(out, "out")
        let data = try call.pointer(data?.assumingMemoryBound(to: UInt8.self), "data")
        let dtype = try call.dtype(dtype), shape = try call.integers(shape, ndim, "shape")
        let strides = strides == nil ? nil : try call.integers(strides, ndim, "strides")
        let array = try NDArray(borrowing: UnsafeMutableRawPointer(data), dtype: dtype, shape: shape,
                                strides: strides, release: release.map { release in { release(context) } })
        out.pointee = Tensor(array).retainedHandle
    }
}

@_cdecl("sg_tensor_from_buffer_v2")
public func sgTensorFromBufferV2(_ data: UnsafeMutableRawPointer?, _ shape: UnsafePointer<Int64>?,
                                 _ strides: UnsafePointer<Int64>?, _ ndim: Int, _ dtype: sg_dtype, _ flags: UInt32,
                                 _ release: (@convention(c) (UnsafeMutableRawPointer?) -> Void)?,
                                 _ context: UnsafeMutableRawPointer?,
                                 _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded("sg_tensor_from_buffer_v2") { call in
        let out = try call.pointer(out, "out")
        let data = try call.pointer(data?.assumingMemoryBound(to: UInt8.self), "data")
        let known = UInt32(SG_BUFFER_READ_ONLY.rawValue)
        guard flags & ~known == 0 else { throw SwiftGradError(.value, call.function, "unknown flags \(flags)") }
        let dtype = try call.dtype(dtype), shape = try call.integers(shape, ndim, "shape")
        let strides = strides == nil ? nil : try call.integers(strides, ndim, "strides")
        let array = try NDArray(borrowing: UnsafeMutableRawPointer(data), dtype: dtype, shape: shape, strides: strides,
                                writable: flags & known == 0, release: release.map { release in { release(context) } })
        out.pointee = Tensor(array).retainedHandle
    }
}

@_cdecl("sg_tensor_from_scalar")
public func sgTensorFromScalar(_ value: Double, _ dtype: sg_dtype,
                               _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded("sg_tensor_from_scalar") { call in
        let out = try call.pointer(out, "out")
        out.pointee = try Tensor(value, dtype: call.dtype(dtype)).retainedHandle
    }
}

@_cdecl("sg_tensor_full")
public func sgTensorFull(_ shape: UnsafePointer<Int64>?, _ ndim: Int, _ value: UnsafeRawPointer?,
                         _ dtype: sg_dtype, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded("sg_tensor_full") { call in
        let out = try call.pointer(out, "out")
        let dtype = try call.dtype(dtype), shape = try call.integers(shape, ndim, "shape")
        let value = try call.pointer(value.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: UInt8.self)) }, "value")
        let scalar = try NDArray(copying: value, dtype: dtype, shape: []).elements[0]
        out.pointee = Tensor(try NDArray.filled(scalar, dtype, shape)).retainedHandle
    }
}

@_cdecl("sg_tensor_new_placeholder")
public func sgTensorNewPlaceholder(_ dtype: sg_dtype, _ shape: UnsafePointer<Int64>?, _ ndim: Int,
                                   _ name: UnsafePointer<CChar>?,
                                   _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded("sg_tensor_new_placeholder") { call in
        let out = try call.pointer(out, "out")
        let shape = try call.integers(shape, ndim, "shape").map { $0 == -1 ? nil : $0 }
        out.pointee = try Tensor.placeholder(call.dtype(dtype), shape: shape, name: name.map(String.init(cString:))).retainedHandle
    }
}

@_cdecl("sg_tensor_new_shared")
public func sgTensorNewShared(_ value: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                              _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded("sg_tensor_new_shared") { call in
        let out = try call.pointer(out, "out")
        let value = try concreteValue(call.tensor(value, "value"), call)
        out.pointee = try Tensor.shared(copying: value, name: name.map(String.init(cString:))).retainedHandle
    }
}

@_cdecl("sg_tensor_free")
public func sgTensorFree(_ tensor: OpaquePointer?) {
    guard let tensor else { return }
    Unmanaged<Tensor>.fromOpaque(UnsafeRawPointer(tensor)).release()
}

@_cdecl("sg_tensor_kind")
public func sgTensorKind(_ tensor: OpaquePointer?, _ out: UnsafeMutablePointer<sg_kind>?) -> sg_status {
    guarded("sg_tensor_kind") { call in
        let out = try call.pointer(out, "out")
        switch try call.tensor(tensor, "tensor").kind {
        case .value: out.pointee = SG_KIND_VALUE
        case .placeholder: out.pointee = SG_KIND_PLACEHOLDER
        case .shared: out.pointee = SG_KIND_SHARED
        case .symbolic: out.pointee = SG_KIND_SYMBOLIC
        }
    }
}

@_cdecl("sg_tensor_dtype")
public func sgTensorDType(_ tensor: OpaquePointer?, _ out: UnsafeMutablePointer<sg_dtype>?) -> sg_status {
    guarded("sg_tensor_dtype") { call in
        let out = try call.pointer(out, "out")
        out.pointee = try call.tensor(tensor, "tensor").dtype.c
    }
}

@_cdecl("sg_tensor_ndim")
public func sgTensorNDim(_ tensor: OpaquePointer?, _ out: UnsafeMutablePointer<Int>?) -> sg_status {
    guarded("sg_tensor_ndim") { call in
        let out = try call.pointer(out, "out")
        out.pointee = try call.tensor(tensor, "tensor").rank
    }
}

@_cdecl("sg_tensor_shape")
public func sgTensorShape(_ tensor: OpaquePointer?, _ shape: UnsafeMutablePointer<Int64>?,
                          _ capacity: Int) -> sg_status {
    guarded("sg_tensor_shape") { call in
        let dims = try call.tensor(tensor, "tensor").shape
        try write(dims.map { Int64($0 ?? -1) }, to: shape, capacity: capacity, call)
    }
}

@_cdecl("sg_tensor_name")
public func sgTensorName(_ tensor: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> sg_status {
    guarded("sg_tensor_name") { call in
        let out = try call.pointer(out, "out")
        guard let name = try call.tensor(tensor, "tensor").name else { return out.pointee = nil }
        nameBuffer.set(name)
        out.pointee = nameBuffer.pointer
    }
}

private let nameBuffer = ThreadLocalString()

@_cdecl("sg_tensor_strides")
public func sgTensorStrides(_ tensor: OpaquePointer?, _ strides: UnsafeMutablePointer<Int64>?,
                            _ capacity: Int) -> sg_status {
    guarded("sg_tensor_strides") { call in
        let value = try concreteValue(call.tensor(tensor, "tensor"), call)
        try write(value.strides.map(Int64.init), to: strides, capacity: capacity, call)
    }
}

@_cdecl("sg_tensor_data")
public func sgTensorData(_ tensor: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafeRawPointer?>?) -> sg_status {
    guarded("sg_tensor_data") { call in
        let out = try call.pointer(out, "out")
        out.pointee = try concreteValue(call.tensor(tensor, "tensor"), call).baseAddress
    }
}

@_cdecl("sg_tensor_copy_data")
public func sgTensorCopyData(_ tensor: OpaquePointer?, _ destination: UnsafeMutableRawPointer?,
                             _ byteCount: Int) -> sg_status {
    guarded("sg_tensor_copy_data") { call in
        let value = try concreteValue(call.tensor(tensor, "tensor"), call)
        let needed = value.count * value.dtype.itemSize
        guard byteCount == needed else {
            throw SwiftGradError(.value, call.function, "the destination holds \(UInt(bitPattern: byteCount)) bytes; the tensor has \(needed)")
        }
        guard needed > 0 else { return }
        try value.copyBytes(to: call.pointer(destination?.assumingMemoryBound(to: UInt8.self), "dst"))
    }
}

@_cdecl("sg_tensor_item")
public func sgTensorItem(_ tensor: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?) -> sg_status {
    guarded("sg_tensor_item") { call in
        let out = try call.pointer(out, "out")
        out.pointee = try call.tensor(tensor, "tensor").item()
    }
}

@_cdecl("sg_tensor_item_as")
public func sgTensorItemAs(_ tensor: OpaquePointer?, _ dtype: sg_dtype, _ out: UnsafeMutableRawPointer?) -> sg_status {
    guarded("sg_tensor_item_as") { call in
        let out = try call.pointer(out?.assumingMemoryBound(to: UInt8.self), "out")
        let element = try call.tensor(tensor, "tensor").element()
        try NDArray(scalar: element, dtype: call.dtype(dtype)).copyBytes(to: out)
    }
}

@_cdecl("sg_tensor_get_value")
public func sgTensorGetValue(_ tensor: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded("sg_tensor_get_value") { call in
        let out = try call.pointer(out, "out")
        out.pointee = Tensor(try concreteValue(call.tensor(tensor, "tensor"), call)).retainedHandle
    }
}

@_cdecl("sg_tensor_set_value")
public func sgTensorSetValue(_ shared: OpaquePointer?, _ value: OpaquePointer?) -> sg_status {
    guarded("sg_tensor_set_value") { call in
        let shared = try call.tensor(shared, "shared")
        try shared.setValue(copying: concreteValue(call.tensor(value, "value"), call))
    }
}

/// The value of a concrete tensor or a shared variable.
func concreteValue(_ tensor: Tensor, _ call: Call) throws -> NDArray {
    guard let value = tensor.value else {
        throw SwiftGradError(.type, call.function, "a \(tensor.kind == .placeholder ? "placeholder" : "symbolic tensor") has no value")
    }
    return value
}

/// Writes `values` to a caller's array of `capacity` entries.
private func write(_ values: [Int64], to destination: UnsafeMutablePointer<Int64>?, capacity: Int, _ call: Call) throws {
    // A size_t capacity above Int.max arrives negative; it is large enough.
    guard capacity < 0 || capacity >= values.count else {
        throw SwiftGradError(.value, call.function, "capacity \(capacity) is less than the \(values.count) dimensions")
    }
    guard !values.isEmpty else { return }
    let destination = try call.pointer(destination, "array")
    for (i, v) in values.enumerated() { destination[i] = v }
}
