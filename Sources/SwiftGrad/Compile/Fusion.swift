/// Elementwise operations fused into one pass: a small program of unary
/// and binary ops over the step's inputs, run tile by tile so that the
/// intermediate values stay in cache instead of making full-size arrays.
///
/// A compiled function makes these from chains of elementwise steps whose
/// intermediate values have no other reader. The tiled pass needs
/// contiguous inputs of the output's shape or 0-d ones; any other call
/// (broadcasting, strided views) runs the ops one after another instead.
/// Fused steps exist only in compiled programs, never in graphs, so they
/// are never differentiated.
struct FusedElementwise: Primitive {
    enum Operation: Hashable {
        case unary(UnaryOp)
        case binary(BinaryOp)

        var primitive: any Primitive {
            switch self {
            case .unary(let op): return Unary(op: op)
            case .binary(let op): return Binary(op: op)
            }
        }

        var kernels: KernelTable {
            switch self {
            case .unary(let op): return op.definition.kernels
            case .binary(let op): return op.definition.kernels
            }
        }
    }

    struct Instruction: Hashable {
        let operation: Operation
        /// Indices below the input count are the step's inputs; the others
        /// are earlier instructions' results (index - input count).
        let operands: [Int]
    }

    let inputCount: Int
    let instructions: [Instruction]

    var name: String { "fused" }

    /// The fused ops in order: `fused[multiply, add, sigmoid]`.
    var summary: String {
        "fused[" + instructions.map { $0.operation.primitive.name }.joined(separator: ", ") + "]"
    }

    /// Elements per tile: the intermediate tiles of a few ops fit in L1/L2.
    private static let tile = 2048

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        var types = inputs
        for instruction in instructions {
            types.append(try instruction.operation.primitive.outputType(instruction.operands.map { types[$0] }))
        }
        guard let last = types.last, !instructions.isEmpty else {
            throw SwiftGradError.internal(name, "an empty fused program")
        }
        return last
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        let tiled = out.isContiguous && inputs.allSatisfy {
            $0.isContiguous && ($0.shape == out.shape || ($0.shape.isEmpty && $0.count == 1))
        }
        guard tiled else { return try evaluateInSteps(inputs, into: out) }
        // Every instruction's kernel, chosen once by its operands' dtype.
        var dtypes = inputs.map(\.dtype)
        var kernels = [ElementwiseKernel]()
        for instruction in instructions {
            guard let kernel = instruction.operation.kernels[dtypes[instruction.operands[0]]] else {
                throw SwiftGradError.internal(name, "no kernel for \(dtypes[instruction.operands[0]])")
            }
            kernels.append(kernel)
            dtypes.append(kernel.output)
        }
        guard out.count > 0 else { return }
        let count = out.count, tile = Swift.min(Self.tile, count)
        let tiles = (count + tile - 1) / tile
        // One scratch buffer holds every intermediate tile, each at a
        // 64-byte boundary (an offset in its own elements).
        var scratchOffsets = [Int](), scratchBytes = 0
        for kernel in kernels.dropLast() {
            scratchOffsets.append(scratchBytes / kernel.output.itemSize)
            scratchBytes += (tile * kernel.output.itemSize + 63) & ~63
        }
        var failure: SwiftGradError?
        let failureLock = Mutex()
        let run = { (task: Int, tasks: Int) in
            do {
                let scratch = try Storage(byteCount: scratchBytes, op: "fused")
                for t in (tiles * task / tasks)..<(tiles * (task + 1) / tasks) {
                    let start = t * tile, length = Swift.min(tile, count - start)
                    // A single tile is the arrays themselves: no new views.
                    let whole = tiles == 1
                    var values = whole ? inputs : inputs.map { x -> NDArray in
                        x.count == 1 && x.shape.isEmpty ? x
                            : NDArray(x.storage, x.dtype, shape: [length], strides: [1], offset: x.offset + start, count: length)
                    }
                    let shape = whole ? out.shape : [length], strides = whole ? out.strides : [1]
                    for (i, instruction) in instructions.enumerated() {
                        let kernel = kernels[i]
                        let destination = i == instructions.count - 1
                            ? (whole ? out : NDArray(out.storage, out.dtype, shape: shape, strides: strides, offset: out.offset + start, count: length))
                            : NDArray(scratch, kernel.output, shape: shape, strides: strides, offset: scratchOffsets[i], count: length)
                        let operands = instruction.operands
                        kernel.run(values[operands[0]], operands.count > 1 ? values[operands[1]] : nil, into: destination)
                        values.append(destination)
                    }
                }
            } catch let error as SwiftGradError {
                failureLock.withLock { failure = error }
            } catch {
                failureLock.withLock { failure = .internal(name, "\(error)") }
            }
        }
        if count >= parallelThreshold, WorkerPool.shared.width > 1 {
            let tasks = Swift.min(tiles, WorkerPool.shared.width * 4)
            WorkerPool.shared.run(tasks: tasks) { run($0, tasks) }
        } else {
            run(0, 1)
        }
        if let failure { throw failure }
    }

    /// The ops one after another on whole arrays (broadcasting, strides).
    private func evaluateInSteps(_ inputs: [NDArray], into out: NDArray) throws {
        var values = inputs
        for instruction in instructions.dropLast() {
            let operands = instruction.operands.map { values[$0] }
            let primitive = instruction.operation.primitive
            let type = try primitive.outputType(operands.map { TensorType($0.dtype, $0.shape) })
            values.append(try primitive.value(of: operands, type))
        }
        guard let last = instructions.last else { return }
        try last.operation.primitive.evaluate(last.operands.map { values[$0] }, into: out)
    }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ cotangent: Tensor, wrt i: Int) throws -> Tensor? {
        throw SwiftGradError.internal(name, "fused operations are not differentiated")
    }
}
