import CSwiftGrad
import SwiftGrad

@_cdecl("sg_tensor_set_requires_grad")
public func sgTensorSetRequiresGrad(_ tensor: OpaquePointer?, _ flag: Bool) -> sg_status {
    guarded("sg_tensor_set_requires_grad") { call in
        try call.tensor(tensor, "tensor").setRequiresGrad(flag)
    }
}

@_cdecl("sg_tensor_requires_grad")
public func sgTensorRequiresGrad(_ tensor: OpaquePointer?, _ out: UnsafeMutablePointer<Bool>?) -> sg_status {
    guarded("sg_tensor_requires_grad") { call in
        let out = try call.pointer(out, "out")
        out.pointee = try call.tensor(tensor, "tensor").requiresGrad
    }
}

@_cdecl("sg_tensor_backward")
public func sgTensorBackward(_ tensor: OpaquePointer?, _ seed: OpaquePointer?) -> sg_status {
    guarded("sg_tensor_backward") { call in
        let tensor = try call.tensor(tensor, "tensor")
        try tensor.backward(seed: seed == nil ? nil : call.tensor(seed, "seed"))
    }
}

@_cdecl("sg_tensor_grad")
public func sgTensorGrad(_ tensor: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded("sg_tensor_grad") { call in
        let out = try call.pointer(out, "out")
        out.pointee = try call.tensor(tensor, "tensor").grad?.retainedHandle
    }
}

@_cdecl("sg_tensor_set_grad")
public func sgTensorSetGrad(_ tensor: OpaquePointer?, _ grad: OpaquePointer?) -> sg_status {
    guarded("sg_tensor_set_grad") { call in
        let tensor = try call.tensor(tensor, "tensor")
        try tensor.setGrad(grad == nil ? nil : call.tensor(grad, "grad"))
    }
}

@_cdecl("sg_tensor_detach")
public func sgTensorDetach(_ tensor: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded("sg_tensor_detach") { call in
        let out = try call.pointer(out, "out")
        out.pointee = try call.tensor(tensor, "tensor").detached().retainedHandle
    }
}

@_cdecl("sg_grad")
public func sgGrad(_ cost: OpaquePointer?, _ wrt: UnsafePointer<OpaquePointer?>?, _ count: Int,
                   _ grads: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded("sg_grad") { call in
        let cost = try call.tensor(cost, "cost")
        let wrt = try call.tensors(wrt, count, "wrt")
        guard count > 0 else { return }
        let grads = try call.pointer(grads, "grads")
        for (i, g) in try grad(cost, wrt: wrt).enumerated() { grads[i] = g.retainedHandle }
    }
}

@_cdecl("sg_gradients")
public func sgGradients(_ cost: OpaquePointer?, _ wrt: UnsafePointer<OpaquePointer?>?, _ count: Int, _ flags: UInt32,
                        _ grads: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded("sg_gradients") { call in
        let known = UInt32(SG_GRAD_CREATE_GRAPH.rawValue | SG_GRAD_ALLOW_UNUSED.rawValue)
        guard flags & ~known == 0 else {
            throw SwiftGradError(.value, call.function, "unknown flags \(flags & ~known)")
        }
        let cost = try call.tensor(cost, "cost")
        let wrt = try call.tensors(wrt, count, "wrt")
        guard count > 0 else { return }
        let grads = try call.pointer(grads, "grads")
        let found = try grad(cost, wrt: wrt, createGraph: flags & UInt32(SG_GRAD_CREATE_GRAPH.rawValue) != 0,
                             allowUnused: flags & UInt32(SG_GRAD_ALLOW_UNUSED.rawValue) != 0)
        for (i, g) in found.enumerated() { grads[i] = g.retainedHandle }
    }
}

@_cdecl("sg_vjp")
public func sgVJP(_ outputs: UnsafePointer<OpaquePointer?>?, _ cotangents: UnsafePointer<OpaquePointer?>?,
                  _ outputCount: Int, _ wrt: UnsafePointer<OpaquePointer?>?, _ wrtCount: Int, _ flags: UInt32,
                  _ grads: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded("sg_vjp") { call in
        let known = UInt32(SG_GRAD_CREATE_GRAPH.rawValue | SG_GRAD_ALLOW_UNUSED.rawValue)
        guard flags & ~known == 0 else {
            throw SwiftGradError(.value, call.function, "unknown flags \(flags & ~known)")
        }
        let outputs = try call.tensors(outputs, outputCount, "outputs")
        let cotangents = try call.tensors(cotangents, outputCount, "cotangents")
        let wrt = try call.tensors(wrt, wrtCount, "wrt")
        guard wrtCount > 0 else { return }
        let grads = try call.pointer(grads, "grads")
        let found = try vjp(outputs, cotangents: cotangents, wrt: wrt,
                            createGraph: flags & UInt32(SG_GRAD_CREATE_GRAPH.rawValue) != 0,
                            allowUnused: flags & UInt32(SG_GRAD_ALLOW_UNUSED.rawValue) != 0)
        for (i, g) in found.enumerated() { grads[i] = g.retainedHandle }
    }
}

@_cdecl("sg_jvp")
public func sgJVP(_ outputs: UnsafePointer<OpaquePointer?>?, _ outputCount: Int,
                  _ inputs: UnsafePointer<OpaquePointer?>?, _ tangents: UnsafePointer<OpaquePointer?>?,
                  _ inputCount: Int, _ results: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded("sg_jvp") { call in
        let outputs = try call.tensors(outputs, outputCount, "outputs")
        let inputs = try call.tensors(inputs, inputCount, "inputs")
        let tangents = try call.tensors(tangents, inputCount, "tangents")
        guard outputCount > 0 else { return }
        let results = try call.pointer(results, "results")
        for (i, t) in try jvp(outputs, wrt: inputs, tangents: tangents).enumerated() { results[i] = t.retainedHandle }
    }
}

@_cdecl("sg_autograd_set_enabled")
public func sgAutogradSetEnabled(_ enabled: Bool, _ previous: UnsafeMutablePointer<Bool>?) -> sg_status {
    previous?.pointee = GradMode.isEnabled
    GradMode.isEnabled = enabled
    return SG_OK
}
