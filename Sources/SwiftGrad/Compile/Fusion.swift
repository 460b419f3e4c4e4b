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
    static let tile = 2048

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
        try prepared(for: inputs.map(\.dtype)).run(inputs, into: out)
    }

    /// The program's kernels for inputs of `dtypes`, and the scratch memory
    /// its tiles use: made once per call signature by a compiled function's
    /// plan, or per call otherwise.
    func prepared(for dtypes: [DType]) throws -> Prepared {
        var dtypes = dtypes
        var kernels = [ElementwiseKernel]()
        for instruction in instructions {
            guard let kernel = instruction.operation.kernels[dtypes[instruction.operands[0]]] else {
                throw SwiftGradError.internal(name, "no kernel for \(dtypes[instruction.operands[0]])")
            }
            kernels.append(kernel)
            dtypes.append(kernel.output)
        }
        return Prepared(self, kernels)
    }

    /// A fused program ready to run: its kernels chosen by dtype, and one
    /// scratch buffer for the intermediate tiles, kept from call to call
    /// (a plan's steps run one call at a time).
    final class Prepared {
        let program: FusedElementwise
        private let kernels: [ElementwiseKernel]
        /// Where each intermediate tile starts in the scratch buffer, each
        /// at a 64-byte boundary (an offset in its own elements).
        private let scratchOffsets: [Int]
        private let scratchBytes: Int
        /// Whether a unary op reads input i directly.
        private let readByUnary: [Bool]
        // Used by one call at a time (a plan's lock, or a call's own).
        @exclusivity(unchecked) private var scratch: Storage?
        /// The operands of the ops, reused by each call.
        @exclusivity(unchecked) private var values = [NDArray]()

        init(_ program: FusedElementwise, _ kernels: [ElementwiseKernel]) {
            self.program = program
            self.kernels = kernels
            var offsets = [Int](), bytes = 0
            for kernel in kernels.dropLast() {
                offsets.append(bytes / kernel.output.itemSize)
                bytes += (FusedElementwise.tile * kernel.output.itemSize + 63) & ~63
            }
            scratchOffsets = offsets
            scratchBytes = bytes
            var unary = [Bool](repeating: false, count: program.inputCount)
            for instruction in program.instructions where instruction.operands.count == 1 {
                if instruction.operands[0] < program.inputCount { unary[instruction.operands[0]] = true }
            }
            readByUnary = unary
        }

        func run(_ inputs: [NDArray], into out: NDArray) throws {
            let count = out.count
            guard count > 0 else { return }
            guard out.isContiguous else { return try program.evaluateInSteps(inputs, into: out) }
            if count <= FusedElementwise.tile {
                // One tile: the ops run on whole arrays, and an input that
                // broadcasts is read in place by the binary ops' loops;
                // every intermediate has the output's shape, which the
                // elementwise ops commute with. Unary ops read inputs of the
                // output's shape (or 0-d) only, so SLEEF sees the same rows.
                for (i, x) in inputs.enumerated() {
                    let whole = x.shape == out.shape && x.isContiguous
                    guard whole || (x.shape.isEmpty && x.count == 1) || !readByUnary[i] else {
                        return try program.evaluateInSteps(inputs, into: out)
                    }
                }
                return try runWhole(inputs, into: out)
            }
            let tiled = inputs.allSatisfy {
                $0.isContiguous && ($0.shape == out.shape || ($0.shape.isEmpty && $0.count == 1))
            }
            guard tiled else { return try program.evaluateInSteps(inputs, into: out) }
            try runTiles(inputs, into: out)
        }

        private func scratchBuffer() throws -> Storage {
            if let scratch { return scratch }
            let storage = try Storage(byteCount: scratchBytes, op: "fused")
            scratch = storage
            return storage
        }

        private func runWhole(_ inputs: [NDArray], into out: NDArray) throws {
            let scratch = try scratchBuffer()
            clear(&values)
            for x in inputs { values.append(x) }
            let last = kernels.count - 1
            for (i, instruction) in program.instructions.enumerated() {
                let kernel = kernels[i]
                let destination = i == last
                    ? out : NDArray(scratch, kernel.output, shape: out.shape, strides: out.strides, offset: scratchOffsets[i], count: out.count)
                let operands = instruction.operands
                kernel.run(values[operands[0]], operands.count > 1 ? values[operands[1]] : nil, into: destination)
                values.append(destination)
            }
            // The values hold the caller's arrays: let them go.
            clear(&values)
        }

        /// Tile by tile (2048 elements), the tiles split across the pool.
        private func runTiles(_ inputs: [NDArray], into out: NDArray) throws {
            let count = out.count, tile = FusedElementwise.tile
            let tiles = (count + tile - 1) / tile
            // The tiles' shapes, made once: full tiles and the last one.
            let full = [tile], rest = [count - (tiles - 1) * tile], unit = [1]
            var failure: SwiftGradError?
            let failureLock = Mutex()
            let run = { (task: Int, tasks: Int, scratch: Storage?) in
                do {
                    let scratch = try scratch ?? Storage(byteCount: self.scratchBytes, op: "fused")
                    for t in (tiles * task / tasks)..<(tiles * (task + 1) / tasks) {
                        let start = t * tile, length = Swift.min(tile, count - start)
                        let shape = t == tiles - 1 ? rest : full
                        var values = inputs.map { x -> NDArray in
                            x.count == 1 && x.shape.isEmpty ? x
                                : NDArray(x.storage, x.dtype, shape: shape, strides: unit, offset: x.offset + start, count: length)
                        }
                        for (i, instruction) in self.program.instructions.enumerated() {
                            let kernel = self.kernels[i]
                            let destination = i == self.kernels.count - 1
                                ? NDArray(out.storage, out.dtype, shape: shape, strides: unit, offset: out.offset + start, count: length)
                                : NDArray(scratch, kernel.output, shape: shape, strides: unit, offset: self.scratchOffsets[i], count: length)
                            let operands = instruction.operands
                            kernel.run(values[operands[0]], operands.count > 1 ? values[operands[1]] : nil, into: destination)
                            values.append(destination)
                        }
                    }
                } catch let error as SwiftGradError {
                    failureLock.withLock { failure = error }
                } catch {
                    failureLock.withLock { failure = .internal(self.program.name, "\(error)") }
                }
            }
            if count >= parallelThreshold, WorkerPool.shared.width > 1 {
                // Each task has scratch of its own.
                let tasks = Swift.min(tiles, WorkerPool.shared.width * 4)
                WorkerPool.shared.run(tasks: tasks) { run($0, tasks, nil) }
            } else {
                run(0, 1, try scratchBuffer())
            }
            if let failure { throw failure }
        }
    }

    /// The ops one after another on whole arrays (broadcasting, strides).
    fileprivate func evaluateInSteps(_ inputs: [NDArray], into out: NDArray) throws {
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
