import CSwiftGrad
import SwiftGrad

@_cdecl("sg_function_new")
public func sgFunctionNew(_ inputs: UnsafePointer<OpaquePointer?>?, _ inputCount: Int,
                          _ outputs: UnsafePointer<OpaquePointer?>?, _ outputCount: Int,
                          _ updateVariables: UnsafePointer<OpaquePointer?>?,
                          _ updateValues: UnsafePointer<OpaquePointer?>?, _ updateCount: Int,
                          _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    newFunction("sg_function_new", inputs, inputCount, outputs, outputCount, updateVariables, updateValues,
                updateCount, nil, nil, 0, 0, out)
}

@_cdecl("sg_function_new_with_givens")
public func sgFunctionNewWithGivens(_ inputs: UnsafePointer<OpaquePointer?>?, _ inputCount: Int,
                                    _ outputs: UnsafePointer<OpaquePointer?>?, _ outputCount: Int,
                                    _ updateVariables: UnsafePointer<OpaquePointer?>?,
                                    _ updateValues: UnsafePointer<OpaquePointer?>?, _ updateCount: Int,
                                    _ givenVariables: UnsafePointer<OpaquePointer?>?,
                                    _ givenValues: UnsafePointer<OpaquePointer?>?, _ givenCount: Int,
                                    _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    newFunction("sg_function_new_with_givens", inputs, inputCount, outputs, outputCount, updateVariables,
                updateValues, updateCount, givenVariables, givenValues, givenCount, 0, out)
}

@_cdecl("sg_function_new_v2")
public func sgFunctionNewV2(_ inputs: UnsafePointer<OpaquePointer?>?, _ inputCount: Int,
                            _ outputs: UnsafePointer<OpaquePointer?>?, _ outputCount: Int,
                            _ updateVariables: UnsafePointer<OpaquePointer?>?,
                            _ updateValues: UnsafePointer<OpaquePointer?>?, _ updateCount: Int,
                            _ givenVariables: UnsafePointer<OpaquePointer?>?,
                            _ givenValues: UnsafePointer<OpaquePointer?>?, _ givenCount: Int,
                            _ flags: UInt32, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    newFunction("sg_function_new_v2", inputs, inputCount, outputs, outputCount, updateVariables,
                updateValues, updateCount, givenVariables, givenValues, givenCount, flags, out)
}

@_cdecl("sg_tensor_set_default_update")
public func sgTensorSetDefaultUpdate(_ shared: OpaquePointer?, _ update: OpaquePointer?) -> sg_status {
    guarded("sg_tensor_set_default_update") { call in
        try call.tensor(shared, "shared").setDefaultUpdate(update.map { try call.tensor($0, "update") })
    }
}

private func newFunction(_ name: String, _ inputs: UnsafePointer<OpaquePointer?>?, _ inputCount: Int,
                         _ outputs: UnsafePointer<OpaquePointer?>?, _ outputCount: Int,
                         _ updateVariables: UnsafePointer<OpaquePointer?>?,
                         _ updateValues: UnsafePointer<OpaquePointer?>?, _ updateCount: Int,
                         _ givenVariables: UnsafePointer<OpaquePointer?>?,
                         _ givenValues: UnsafePointer<OpaquePointer?>?, _ givenCount: Int,
                         _ flags: UInt32, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded(name) { call in
        guard flags & ~SG_FUNCTION_NO_DEFAULT_UPDATES.rawValue == 0 else {
            throw SwiftGradError(.value, call.function, "unknown flags \(flags)")
        }
        let out = try call.pointer(out, "out")
        let function = try Function(
            inputs: call.tensors(inputs, inputCount, "inputs"),
            outputs: call.tensors(outputs, outputCount, "outputs"),
            updates: Array(zip(call.tensors(updateVariables, updateCount, "update_vars"),
                               call.tensors(updateValues, updateCount, "update_values"))),
            givens: Array(zip(call.tensors(givenVariables, givenCount, "given_vars"),
                              call.tensors(givenValues, givenCount, "given_values"))),
            defaultUpdates: flags & SG_FUNCTION_NO_DEFAULT_UPDATES.rawValue == 0)
        out.pointee = OpaquePointer(Unmanaged.passRetained(function).toOpaque())
    }
}

@_cdecl("sg_function_call")
public func sgFunctionCall(_ function: OpaquePointer?, _ args: UnsafePointer<OpaquePointer?>?, _ argCount: Int,
                           _ results: UnsafeMutablePointer<OpaquePointer?>?, _ resultCount: Int) -> sg_status {
    guarded("sg_function_call") { call in
        let function = try call.function(function)
        guard resultCount == function.outputCount else {
            throw SwiftGradError(.value, call.function, "room for \(resultCount) results; the function has \(function.outputCount) outputs")
        }
        let args = try call.tensorView(args, argCount, "args")
        let outputs = try function.call(count: args.count) { args[$0] }
        guard resultCount > 0 else { return }
        let results = try call.pointer(results, "results")
        for (i, output) in outputs.enumerated() { results[i] = output.retainedHandle }
    }
}

@_cdecl("sg_function_num_inputs")
public func sgFunctionNumInputs(_ function: OpaquePointer?, _ out: UnsafeMutablePointer<Int>?) -> sg_status {
    guarded("sg_function_num_inputs") { call in
        let out = try call.pointer(out, "out")
        out.pointee = try call.function(function).inputs.count
    }
}

@_cdecl("sg_function_num_outputs")
public func sgFunctionNumOutputs(_ function: OpaquePointer?, _ out: UnsafeMutablePointer<Int>?) -> sg_status {
    guarded("sg_function_num_outputs") { call in
        let out = try call.pointer(out, "out")
        out.pointee = try call.function(function).outputCount
    }
}

@_cdecl("sg_function_input")
public func sgFunctionInput(_ function: OpaquePointer?, _ index: Int,
                            _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded("sg_function_input") { call in
        let out = try call.pointer(out, "out")
        let inputs = try call.function(function).inputs
        guard inputs.indices.contains(index) else {
            throw SwiftGradError(.index, call.function, "input \(UInt(bitPattern: index)) is out of range for a function of \(inputs.count) inputs")
        }
        out.pointee = inputs[index].retainedHandle
    }
}

@_cdecl("sg_function_free")
public func sgFunctionFree(_ function: OpaquePointer?) {
    guard let function else { return }
    Unmanaged<Function>.fromOpaque(UnsafeRawPointer(function)).release()
}

@_cdecl("sg_function_describe")
public func sgFunctionDescribe(_ function: OpaquePointer?, _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int,
                               _ length: UnsafeMutablePointer<Int>?) -> sg_status {
    guarded("sg_function_describe") { call in
        try call.copy(try call.function(function).listing, to: buffer, capacity, length)
    }
}

@_cdecl("sg_tensor_expression")
public func sgTensorExpression(_ tensor: OpaquePointer?, _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int,
                               _ length: UnsafeMutablePointer<Int>?) -> sg_status {
    guarded("sg_tensor_expression") { call in
        try call.copy(try call.tensor(tensor, "tensor").expression(), to: buffer, capacity, length)
    }
}

@_cdecl("sg_tensor_op_name")
public func sgTensorOpName(_ tensor: OpaquePointer?, _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int,
                           _ length: UnsafeMutablePointer<Int>?) -> sg_status {
    guarded("sg_tensor_op_name") { call in
        try call.copy(try call.tensor(tensor, "tensor").operationName ?? "", to: buffer, capacity, length)
    }
}

@_cdecl("sg_scan")
public func sgScan(_ sequences: UnsafePointer<OpaquePointer?>?, _ slices: UnsafePointer<OpaquePointer?>?,
                   _ sequenceCount: Int,
                   _ initialStates: UnsafePointer<OpaquePointer?>?, _ states: UnsafePointer<OpaquePointer?>?,
                   _ stateCount: Int,
                   _ outputs: UnsafePointer<OpaquePointer?>?, _ stacked: UnsafePointer<Bool>?, _ outputCount: Int,
                   _ stepCount: OpaquePointer?, _ truncateGradient: Int64,
                   _ results: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    guarded("sg_scan") { call in
        guard truncateGradient == -1 || truncateGradient > 0 else {
            throw SwiftGradError(.value, call.function, "truncate_gradient must be positive or -1, got \(truncateGradient)")
        }
        let outputs = try call.tensors(outputs, outputCount, "outputs")
        let scanned = try Scan.make(
            sequences: zip(call.tensors(sequences, sequenceCount, "sequences"),
                           call.tensors(slices, sequenceCount, "sequence_slices")).map { ($0, $1) },
            states: zip(call.tensors(initialStates, stateCount, "initial_states"),
                        call.tensors(states, stateCount, "states")).map { ($0, $1) },
            outputs: outputs,
            stacked: stacked.map { p in (0..<outputCount).map { p[$0] } },
            stepCount: try stepCount.map { try call.tensor($0, "n_steps") },
            truncateGradient: truncateGradient == -1 ? nil : Int(truncateGradient))
        guard outputCount > 0 else { return }
        let results = try call.pointer(results, "results")
        for (i, t) in scanned.enumerated() { results[i] = t.retainedHandle }
    }
}
