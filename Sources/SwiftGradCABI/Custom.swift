import CSwiftGrad
import SwiftGrad

// Callbacks into the caller: custom ops, gradient hooks, gradcheck's
// function. A callback's status and message become a SwiftGradError that
// names the op; whatever it hands back is checked before use.

/// The caller's data and its destructor, called once when the last user
/// (a handle, a graph node, a hook) goes.
final class UserData {
    let pointer: UnsafeMutableRawPointer?
    let destroy: (@convention(c) (UnsafeMutableRawPointer?) -> Void)?

    init(_ pointer: UnsafeMutableRawPointer?, _ destroy: (@convention(c) (UnsafeMutableRawPointer?) -> Void)?) {
        self.pointer = pointer
        self.destroy = destroy
    }

    deinit { destroy?(pointer) }
}

/// Borrowed handles of `tensors`, valid while `body` runs.
func withHandles<R>(_ tensors: [Tensor], _ body: (UnsafePointer<OpaquePointer?>?) throws -> R) rethrows -> R {
    let handles = tensors.map { Optional(OpaquePointer(Unmanaged.passUnretained($0).toOpaque())) }
    return try withExtendedLifetime(tensors) { try handles.withUnsafeBufferPointer { try body($0.baseAddress) } }
}

/// Runs one callback: a failure becomes an error of `op` that says which
/// callback failed and carries the message it left (sg_last_error).
func callBack(_ op: String, _ what: String, _ body: () -> sg_status) throws {
    // The message is the callback's only if it set one (a new string):
    // clearing it first would free one the caller may still be reading.
    let before = lastError.pointer
    let status = body()
    guard status != SG_OK else { return }
    let after = lastError.pointer
    let message = after == before ? "" : after.map { String(cString: $0) } ?? ""
    let kind: SwiftGradError.Kind
    switch status {
    case SG_ERROR_TYPE: kind = .type
    case SG_ERROR_INDEX: kind = .index
    case SG_ERROR_MEMORY: kind = .memory
    case SG_ERROR_INTERNAL: kind = .internal
    default: kind = .value
    }
    throw SwiftGradError(kind, op, "the \(what) callback failed with status \(status.rawValue)\(message.isEmpty ? "" : ": \(message)")")
}

/// Takes over a reference a callback wrote.
func takeTensor(_ handle: OpaquePointer?) -> Tensor? {
    handle.map { Unmanaged<Tensor>.fromOpaque(UnsafeRawPointer($0)).takeRetainedValue() }
}

/// A tensor-valued C function as a Swift closure.
func tensorFunction(_ op: String, _ what: String, _ f: sg_tensor_fn, _ data: UserData) -> ([Tensor]) throws -> Tensor {
    { inputs in
        var out: OpaquePointer?
        do {
            try withHandles(inputs) { handles in
                try callBack(op, what) { f(data.pointer, handles, inputs.count, &out) }
            }
        } catch {
            _ = takeTensor(out)  // written before failing: still ours to free
            throw error
        }
        guard let result = takeTensor(out) else {
            throw SwiftGradError(.value, op, "the \(what) callback returned SG_OK without writing a tensor")
        }
        return result
    }
}

@_cdecl("sg_tensor_retain")
public func sgTensorRetain(_ tensor: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_tensor_retain", out) { call in try call.tensor(tensor, "tensor") }
}

@_cdecl("sg_callback_error")
public func sgCallbackError(_ message: UnsafePointer<CChar>?) {
    lastError.set(message.map { String(cString: $0) } ?? "")
}

@_cdecl("sg_custom_op_new")
public func sgCustomOpNew(_ name: UnsafePointer<CChar>?, _ forward: sg_tensor_fn?, _ vjp: sg_vjp_fn?,
                          _ userData: UnsafeMutableRawPointer?,
                          _ destroy: (@convention(c) (UnsafeMutableRawPointer?) -> Void)?,
                          _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded("sg_custom_op_new") { call in
        let out = try call.pointer(out, "out")
        guard let name else { throw NullArgument(message: "[sg_custom_op_new] name is NULL") }
        guard let forward else { throw NullArgument(message: "[sg_custom_op_new] forward is NULL") }
        let opName = String(cString: name)
        guard !opName.isEmpty else { throw SwiftGradError(.value, call.function, "name is empty") }
        // Made last, so a failure leaves user_data the caller's.
        let data = UserData(userData, destroy)
        let vjpClosure: CustomOp.VJP? = vjp.map { vjp in
            { inputs, result, cotangent in
                var grads = [OpaquePointer?](repeating: nil, count: inputs.count)
                // Every reference written is taken, on failure too.
                defer { for g in grads { _ = takeTensor(g) } }
                try withHandles(inputs + [result, cotangent]) { handles in
                    try grads.withUnsafeMutableBufferPointer { buffer in
                        try callBack(opName, "vjp") {
                            vjp(data.pointer, handles, inputs.count, handles?[inputs.count], handles?[inputs.count + 1],
                                buffer.baseAddress)
                        }
                    }
                }
                return grads.map { $0.map { Unmanaged<Tensor>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() } }
            }
        }
        let op = CustomOp(name: opName, forward: tensorFunction(opName, "forward", forward, data), vjp: vjpClosure)
        out.pointee = OpaquePointer(Unmanaged.passRetained(op).toOpaque())
    }
}

@_cdecl("sg_custom_op_free")
public func sgCustomOpFree(_ op: OpaquePointer?) {
    guard let op else { return }
    Unmanaged<CustomOp>.fromOpaque(UnsafeRawPointer(op)).release()
}

@_cdecl("sg_custom_op_apply")
public func sgCustomOpApply(_ op: OpaquePointer?, _ inputs: UnsafePointer<OpaquePointer?>?, _ count: Int,
                            _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_custom_op_apply", out) { call in
        guard let op else { throw NullArgument(message: "[sg_custom_op_apply] op is NULL") }
        let custom = Unmanaged<CustomOp>.fromOpaque(UnsafeRawPointer(op)).takeUnretainedValue()
        return try custom(call.tensors(inputs, count, "inputs"))
    }
}

@_cdecl("sg_tensor_backward_v2")
public func sgTensorBackwardV2(_ tensor: OpaquePointer?, _ seed: OpaquePointer?, _ flags: UInt32) -> sg_status {
    guarded("sg_tensor_backward_v2") { call in
        let known = UInt32(SG_BACKWARD_CREATE_GRAPH.rawValue)
        guard flags & ~known == 0 else {
            throw SwiftGradError(.value, call.function, "unknown flags \(flags & ~known)")
        }
        let tensor = try call.tensor(tensor, "tensor")
        try tensor.backward(seed: seed == nil ? nil : call.tensor(seed, "seed"),
                            createGraph: flags & UInt32(SG_BACKWARD_CREATE_GRAPH.rawValue) != 0)
    }
}

@_cdecl("sg_tensor_retain_grad")
public func sgTensorRetainGrad(_ tensor: OpaquePointer?) -> sg_status {
    guarded("sg_tensor_retain_grad") { call in try call.tensor(tensor, "tensor").retainGrad() }
}

@_cdecl("sg_tensor_retains_grad")
public func sgTensorRetainsGrad(_ tensor: OpaquePointer?, _ out: UnsafeMutablePointer<Bool>?) -> sg_status {
    guarded("sg_tensor_retains_grad") { call in
        let out = try call.pointer(out, "out")
        out.pointee = try call.tensor(tensor, "tensor").retainsGrad
    }
}

@_cdecl("sg_tensor_register_hook")
public func sgTensorRegisterHook(_ tensor: OpaquePointer?, _ hook: sg_hook_fn?, _ userData: UnsafeMutableRawPointer?,
                                 _ destroy: (@convention(c) (UnsafeMutableRawPointer?) -> Void)?,
                                 _ id: UnsafeMutablePointer<Int64>?) -> sg_status {
    guarded("sg_tensor_register_hook") { call in
        let tensor = try call.tensor(tensor, "tensor")
        let id = try call.pointer(id, "id")
        guard let hook else { throw NullArgument(message: "[sg_tensor_register_hook] hook is NULL") }
        // Made only once nothing can fail before the hook is kept.
        guard tensor.requiresGrad || tensor.kind != .value else {
            throw SwiftGradError(.value, "register_hook", "a tensor that does not require grad gets no gradient to hook")
        }
        let data = UserData(userData, destroy)
        id.pointee = Int64(try tensor.registerHook { grad in
            var replacement: OpaquePointer?
            defer { _ = takeTensor(replacement) }
            try withHandles([grad]) { handles in
                try callBack("hook", "hook") { hook(data.pointer, handles?[0], &replacement) }
            }
            return replacement.map { Unmanaged<Tensor>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
        })
    }
}

@_cdecl("sg_tensor_remove_hook")
public func sgTensorRemoveHook(_ tensor: OpaquePointer?, _ id: Int64) -> sg_status {
    guarded("sg_tensor_remove_hook") { call in
        guard try call.tensor(tensor, "tensor").removeHook(Int(truncatingIfNeeded: id)) else {
            throw SwiftGradError(.value, "remove_hook", "the tensor has no hook \(id)")
        }
    }
}

@_cdecl("sg_gradcheck")
public func sgGradcheck(_ f: sg_tensor_fn?, _ userData: UnsafeMutableRawPointer?,
                        _ inputs: UnsafePointer<OpaquePointer?>?, _ count: Int,
                        _ eps: Double, _ atol: Double, _ rtol: Double, _ flags: UInt32) -> sg_status {
    guarded("sg_gradcheck") { call in
        let known = UInt32(SG_GRADCHECK_GRAD_GRAD.rawValue)
        guard flags & ~known == 0 else {
            throw SwiftGradError(.value, call.function, "unknown flags \(flags & ~known)")
        }
        guard let f else { throw NullArgument(message: "[sg_gradcheck] f is NULL") }
        let inputs = try call.tensors(inputs, count, "inputs")
        // The caller keeps user_data: no destructor.
        let function = tensorFunction("gradcheck", "function", f, UserData(userData, nil))
        try gradcheck(function, inputs: inputs, eps: eps, atol: atol, rtol: rtol,
                      checkGradGrad: flags & UInt32(SG_GRADCHECK_GRAD_GRAD.rawValue) != 0)
    }
}
