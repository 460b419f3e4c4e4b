/// A compiled function over a symbolic graph (Theano's `theano.function`).
///
/// Compiling orders the graph into a flat program over numbered value
/// slots; a call fills the slots of the inputs, shared variables and
/// constants, runs each step's kernel, and drops each value after its last
/// use. Updates follow Theano: every output and update value is computed
/// from the values before the call, then the shared variables are written.
public final class Function {
    /// The placeholders the arguments bind to, in order.
    public let inputs: [Tensor]
    private let program: Program

    public var outputCount: Int { program.outputs.count }

    /// How many nodes each rewrite replaced while compiling.
    public let rewrites: [String: Int]
    /// The number of operations in the graph as given.
    public let givenStepCount: Int
    /// The number of operations the compiled program runs.
    public var stepCount: Int { program.steps.count }

    public init(inputs: [Tensor], outputs: [Tensor], updates: [(Tensor, Tensor)] = []) throws {
        self.inputs = inputs
        var rewriter = Rewriter()
        let roots = outputs + updates.map(\.1)
        givenStepCount = Autodiff.topologicalOrder(roots) { $0.kind == .symbolic }.filter { $0.kind == .symbolic && $0.node != nil }.count
        let rewritten = try rewriter.rewrite(roots)
        rewrites = rewriter.applied
        let newUpdates = zip(updates, rewritten.dropFirst(outputs.count)).map { ($0.0.0, $0.1) }
        program = try Program(inputs: inputs, outputs: Array(rewritten.prefix(outputs.count)), updates: newUpdates)
    }

    /// Runs the function on concrete tensors whose dtypes match the
    /// placeholders'; returns the outputs as new tensors. On failure no
    /// shared variable changes.
    public func callAsFunction(_ arguments: [Tensor]) throws -> [Tensor] {
        guard arguments.count == inputs.count else {
            throw SwiftGradError.type("function", "expected \(inputs.count) argument\(inputs.count == 1 ? "" : "s"), got \(arguments.count)")
        }
        var values = [NDArray]()
        for (i, (argument, input)) in zip(arguments, inputs).enumerated() {
            guard let value = argument.value else {
                throw SwiftGradError.type("function", "argument \(i) is symbolic; calls take tensors with values")
            }
            guard value.dtype == input.dtype else {
                throw SwiftGradError.type("function", "argument \(i) has dtype \(value.dtype), but input \(input.summary) needs \(input.dtype)")
            }
            let fits = value.shape.count == input.rank && zip(value.shape, input.type.shape).allSatisfy { $1 == nil || $0 == $1 }
            guard fits else {
                throw SwiftGradError.value("function", "argument \(i) has shape \(describe(value.shape)), but input \(input.summary) needs \(describe(input.type.shape))")
            }
            values.append(value)
        }
        return try program.run(values)
    }

    public func callAsFunction(_ arguments: Tensor...) throws -> [Tensor] {
        try callAsFunction(arguments)
    }

    /// The compiled program, one value per line (Theano's `debugprint`):
    /// its leaves, each step with its operands and type, the outputs and
    /// updates, and what the rewrites did.
    public var listing: String {
        var lines = ["Function: \(inputs.count) inputs, \(outputCount) outputs, \(program.updates.count) updates; "
                     + "\(givenStepCount) operations as given, \(stepCount) after rewrites"]
        for (rule, count) in rewrites.sorted(by: { $0.key < $1.key }) { lines.append("  rewrite \(rule): \(count)") }
        lines += program.lines
        lines.append("outputs: " + program.outputs.map { "%\($0)" }.joined(separator: ", "))
        for (variable, slot) in program.updates {
            lines.append("update: \(variable.name.map { "'\($0)'" } ?? "shared") <- %\(slot)")
        }
        return lines.joined(separator: "\n")
    }
}

/// A graph laid out as steps over value slots.
private struct Program {
    enum Source {
        case argument(Int)
        case shared(Tensor)
        case constant(NDArray)
    }

    struct Step {
        let primitive: any Primitive
        let inputs: [Int]
        let output: Int
        /// Slots whose last reader is this step.
        var releases: [Int] = []
    }

    var slotCount = 0
    /// What each slot holds, for `Function.listing`.
    var lines = [String]()
    var leaves = [(slot: Int, source: Source)]()
    var steps = [Step]()
    var outputs = [Int]()
    var updates = [(variable: Tensor, slot: Int)]()

    init(inputs: [Tensor], outputs: [Tensor], updates: [(Tensor, Tensor)]) throws {
        var argumentIndex = [ObjectIdentifier: Int]()
        for (i, input) in inputs.enumerated() {
            guard input.kind == .placeholder else {
                throw SwiftGradError.type("function", "input \(i) is a \(input.summary); inputs must be placeholders")
            }
            guard argumentIndex.updateValue(i, forKey: ObjectIdentifier(input)) == nil else {
                throw SwiftGradError.value("function", "input \(i) is given twice")
            }
        }
        var updated = Set<ObjectIdentifier>()
        for (i, (variable, value)) in updates.enumerated() {
            guard variable.kind == .shared else {
                throw SwiftGradError.type("function", "update \(i) targets a \(variable.summary); only shared variables can be updated")
            }
            guard updated.insert(ObjectIdentifier(variable)).inserted else {
                throw SwiftGradError.value("function", "update \(i) targets \(variable.summary) a second time")
            }
            guard value.dtype == variable.dtype, value.rank == variable.rank else {
                throw SwiftGradError.type("function", "update \(i) gives a \(value.summary) for a \(variable.summary)")
            }
        }

        // A tensor with a value is a constant here: its history is not replayed.
        let order = Autodiff.topologicalOrder(outputs + updates.map(\.1)) { $0.kind == .symbolic }
        var slotOf = [ObjectIdentifier: Int]()
        func slot(of tensor: Tensor) throws -> Int {
            guard let slot = slotOf[ObjectIdentifier(tensor)] else {
                throw SwiftGradError.internal("function", "\(tensor.summary) was not ordered before its use")
            }
            return slot
        }
        for tensor in order {
            let slot = slotCount
            slotCount += 1
            slotOf[ObjectIdentifier(tensor)] = slot
            switch (tensor.kind, tensor.node) {
            case (.placeholder, _):
                guard let i = argumentIndex[ObjectIdentifier(tensor)] else {
                    throw SwiftGradError.value("function", "the outputs depend on \(tensor.summary), which is not among the inputs")
                }
                leaves.append((slot, .argument(i)))
                lines.append("%\(slot) = input \(i): \(tensor.summary)")
            case (.shared, _):
                leaves.append((slot, .shared(tensor)))
                lines.append("%\(slot) = \(tensor.summary)")
            case (.symbolic, let node?):
                let operands = try node.inputs.map(slot(of:))
                steps.append(Step(primitive: node.primitive, inputs: operands, output: slot))
                lines.append("%\(slot) = \(node.primitive.label)(\(operands.map { "%\($0)" }.joined(separator: ", "))) : \(tensor.dtype) \(describe(tensor.type.shape))")
            case (.value, _), (.symbolic, nil):
                guard let value = tensor.storedValue else {
                    throw SwiftGradError.internal("function", "\(tensor.summary) has neither a value nor a node")
                }
                leaves.append((slot, .constant(value)))
                lines.append("%\(slot) = constant \(value.dtype) \(describe(value.shape))\(value.count <= 4 ? " " + value.elements.map(\.description).joined(separator: " ") : "")")
            }
        }
        self.outputs = try outputs.map(slot(of:))
        self.updates = try updates.map { ($0.0, try slot(of: $0.1)) }

        // Free each intermediate value after its last reader.
        let kept = Set(self.outputs + self.updates.map(\.slot))
        var lastReader = [Int: Int]()
        for (i, step) in steps.enumerated() {
            for input in step.inputs { lastReader[input] = i }
        }
        for (slot, i) in lastReader where !kept.contains(slot) { steps[i].releases.append(slot) }
    }

    func run(_ arguments: [NDArray]) throws -> [Tensor] {
        var slots = [NDArray?](repeating: nil, count: slotCount)
        SharedValues.withLock {
            for (slot, source) in leaves {
                switch source {
                case .argument(let i): slots[slot] = arguments[i]
                case .shared(let variable): slots[slot] = variable.storedValue
                case .constant(let value): slots[slot] = value
                }
            }
        }
        func value(_ slot: Int) throws -> NDArray {
            guard let value = slots[slot] else {
                throw SwiftGradError.internal("function", "slot \(slot) is empty when read")
            }
            return value
        }
        var values = [NDArray](), types = [TensorType]()
        for step in steps {
            values.removeAll(keepingCapacity: true)
            types.removeAll(keepingCapacity: true)
            for slot in step.inputs {
                let v = try value(slot)
                values.append(v)
                types.append(TensorType(v.dtype, v.shape))
            }
            slots[step.output] = try step.primitive.value(of: values, step.primitive.outputType(types))
            for slot in step.releases { slots[slot] = nil }
        }
        let results = try outputs.map { Tensor(try value($0)) }
        let newValues = try updates.map { try value($0.slot) }
        SharedValues.withLock {
            for (update, newValue) in zip(updates, newValues) { update.variable.storedValue = newValue }
        }
        return results
    }
}
