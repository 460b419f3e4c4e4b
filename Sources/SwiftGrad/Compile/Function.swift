/// A compiled function over a symbolic graph (Theano's `theano.function`).
///
/// Compiling rewrites the graph and orders it into a flat program over
/// numbered value slots; a call fills the slots of the inputs, shared
/// variables and constants, runs each step's kernel, and drops each value
/// after its last use. Updates follow Theano: every output and update value
/// is computed from the values before the call, then the shared variables
/// are written; a call holds the update locks of the variables it updates,
/// so concurrent calls updating one variable never lose an update.
///
/// Each call signature (the shapes of the arguments and shared values)
/// gets a plan, made on its first call: every step's output type, checked
/// once, and a destination buffer per step that later calls reuse
/// (outputs and new shared values leave with the caller, so they get fresh
/// buffers; intermediates are written in place call after call).
public final class Function {
    /// The placeholders the arguments bind to, in order.
    public let inputs: [Tensor]
    private let program: Program
    /// The updated variables' locks, in one global order (by address), so
    /// functions updating overlapping variables cannot deadlock.
    private let updateLocks: [Mutex]
    private var plans = [Plan]()
    private let plansLock = Mutex()

    public var outputCount: Int { program.outputs.count }

    /// How many nodes each rewrite replaced while compiling.
    public let rewrites: [String: Int]
    /// The number of operations in the graph as given.
    public let givenStepCount: Int
    /// The number of operations after rewrites.
    public var operationCount: Int { program.operationCount }
    /// The number of steps the compiled program runs (fused groups count once).
    public var stepCount: Int { program.steps.count }

    /// `givens` (Theano's) replace tensors of the graph by other
    /// expressions before compiling: each pair is (a placeholder, shared
    /// variable or expression, its replacement of the same dtype and rank).
    /// Shared variables the graph reads that have a default update and no
    /// update here get their default one, unless `defaultUpdates` is false.
    public init(inputs: [Tensor], outputs: [Tensor], updates: [(Tensor, Tensor)] = [],
                givens: [(Tensor, Tensor)] = [], defaultUpdates: Bool = true) throws {
        self.inputs = inputs
        var updates = updates
        if defaultUpdates {
            let updated = Set(updates.map { ObjectIdentifier($0.0) })
            for tensor in Autodiff.topologicalOrder(outputs + updates.map(\.1), expands: { $0.kind == .symbolic })
            where tensor.kind == .shared && !updated.contains(ObjectIdentifier(tensor)) {
                if let value = try tensor.defaultUpdateValue { updates.append((tensor, value)) }
            }
        }
        var rewriter = Rewriter()
        let roots = try substituting(givens, in: outputs + updates.map(\.1), inputs: inputs)
        givenStepCount = Autodiff.topologicalOrder(roots) { $0.kind == .symbolic }.filter { $0.kind == .symbolic && $0.node != nil }.count
        let rewritten = try rewriter.rewrite(roots)
        rewrites = rewriter.applied
        let newUpdates = zip(updates, rewritten.dropFirst(outputs.count)).map { ($0.0.0, $0.1) }
        program = try Program(inputs: inputs, outputs: Array(rewritten.prefix(outputs.count)), updates: newUpdates)
        updateLocks = program.updates.compactMap(\.variable.updateLock)
            .sorted { ObjectIdentifier($0) < ObjectIdentifier($1) }
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
        for lock in updateLocks { lock.lock() }
        defer { for lock in updateLocks.reversed() { lock.unlock() } }
        var slots = program.leafValues(values)
        let signature = program.signature(slots)
        let plan = plansLock.withLock { plans.first { $0.signature == signature } }
        if let plan, plan.lock.tryLock() {
            defer { plan.lock.unlock() }
            var replaced = [(update: Int, storage: Storage)]()
            try program.run(&slots, plan, replaced: &replaced)
            plan.release(program.escaping(slots))
            // The values the updates replaced, which nothing else holds,
            // are where the next call writes the new ones.
            for (update, storage) in replaced {
                if let step = program.updateSteps[update] { plan.reuse(storage, for: step) }
            }
            return try program.results(slots)
        }
        var replaced = [(update: Int, storage: Storage)]()
        let types = try program.run(&slots, nil, replaced: &replaced)
        // Plan a signature once its types are known (a data-dependent
        // shape leaves some unknown: such programs run unplanned).
        let complete = types.allSatisfy { !$0.shape.contains(nil) }
        plansLock.withLock {
            if complete, !plans.contains(where: { $0.signature == signature }) {
                if plans.count == 8 { plans.removeFirst() }
                plans.append(Plan(signature: signature, types: types))
            }
        }
        return try program.results(slots)
    }

    public func callAsFunction(_ arguments: Tensor...) throws -> [Tensor] {
        try callAsFunction(arguments)
    }

    /// The compiled program, one value per line (Theano's `debugprint`):
    /// its leaves, each step with its operands and type, the outputs and
    /// updates, and what the rewrites did.
    public var listing: String {
        var lines = ["Function: \(inputs.count) inputs, \(outputCount) outputs, \(program.updates.count) updates; "
                     + "\(givenStepCount) operations as given, \(operationCount) after rewrites, \(stepCount) steps after fusion"]
        for (rule, count) in rewrites.sorted(by: { $0.key < $1.key }) { lines.append("  rewrite \(rule): \(count)") }
        lines += program.lines
        lines.append("outputs: " + program.outputs.map { "%\($0)" }.joined(separator: ", "))
        for (variable, slot) in program.updates {
            lines.append("update: \(variable.name.map { "'\($0)'" } ?? "shared") <- %\(slot)")
        }
        return lines.joined(separator: "\n")
    }
}

/// `roots` with the `givens` substituted, all at once: replacements are
/// not looked into, so a replacement may use the tensor it replaces.
private func substituting(_ givens: [(Tensor, Tensor)], in roots: [Tensor], inputs: [Tensor]) throws -> [Tensor] {
    guard !givens.isEmpty else { return roots }
    var replacement = [ObjectIdentifier: Tensor]()
    let inputIDs = Set(inputs.map(ObjectIdentifier.init))
    for (i, (old, new)) in givens.enumerated() {
        guard old.kind != .value else {
            throw SwiftGradError.type("function", "given \(i) replaces a \(old.summary); only placeholders, shared variables and expressions can be replaced")
        }
        guard !inputIDs.contains(ObjectIdentifier(old)) else {
            throw SwiftGradError.value("function", "given \(i) replaces \(old.summary), which is an input of the function; inputs cannot be replaced")
        }
        let fits = new.dtype == old.dtype && new.rank == old.rank
            && zip(new.type.shape, old.type.shape).allSatisfy { $0 == nil || $1 == nil || $0 == $1 }
        guard fits else {
            throw SwiftGradError.type("function", "given \(i) replaces a \(old.summary) by a \(new.summary); the dtype and shape must match")
        }
        guard replacement.updateValue(new, forKey: ObjectIdentifier(old)) == nil else {
            throw SwiftGradError.value("function", "given \(i) replaces \(old.summary) a second time")
        }
    }
    var built = [ObjectIdentifier: Tensor]()
    let order = Autodiff.topologicalOrder(roots) { $0.kind == .symbolic && replacement[ObjectIdentifier($0)] == nil }
    for tensor in order {
        let id = ObjectIdentifier(tensor)
        if let new = replacement[id] {
            built[id] = new
        } else if tensor.kind == .symbolic, let node = tensor.node {
            let inputs = node.inputs.map { built[ObjectIdentifier($0)] ?? $0 }
            let unchanged = zip(inputs, node.inputs).allSatisfy { $0 === $1 }
            built[id] = unchanged ? tensor : try Tensor.apply(node.primitive, inputs)
        }
    }
    return roots.map { built[ObjectIdentifier($0)] ?? $0 }
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
    /// The number of operations before fusion.
    var operationCount = 0
    /// What each slot holds, for `Function.listing`.
    var lines = [String]()
    var leaves = [(slot: Int, source: Source)]()
    var steps = [Step]()
    var outputs = [Int]()
    var updates = [(variable: Tensor, slot: Int)]()
    /// For each update, the step computing its new value (nil for a leaf).
    var updateSteps = [Int?]()
    private var updatedVariables = Set<ObjectIdentifier>()

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
        operationCount = steps.count
        fuseElementwise(kept: kept)
        var lastReader = [Int: Int]()
        for (i, step) in steps.enumerated() {
            for input in step.inputs { lastReader[input] = i }
        }
        for (slot, i) in lastReader where !kept.contains(slot) { steps[i].releases.append(slot) }
        updatedVariables = Set(self.updates.map { ObjectIdentifier($0.variable) })
        let producer = Dictionary(steps.enumerated().map { ($1.output, $0) }, uniquingKeysWith: { a, _ in a })
        updateSteps = self.updates.map { producer[$0.slot] }
    }

    /// Chains of elementwise steps become one `FusedElementwise` step where
    /// each intermediate value has one reader, inside the chain, and is not
    /// kept (an output or update). Each step absorbs such producers in
    /// order, so a group's members precede its last step, where the fused
    /// step goes.
    private mutating func fuseElementwise(kept: Set<Int>) {
        func operation(_ primitive: any Primitive) -> FusedElementwise.Operation? {
            if let unary = primitive as? Unary { return .unary(unary.op) }
            if let binary = primitive as? Binary { return .binary(binary.op) }
            return nil
        }
        var readers = [Int: Int](), producer = [Int: Int]()
        for (i, step) in steps.enumerated() {
            for slot in Set(step.inputs) { readers[slot, default: 0] += 1 }
            producer[step.output] = i
        }
        var members = [Int: [Int]]()  // by a group's last step, unordered
        for (i, step) in steps.enumerated() where operation(step.primitive) != nil {
            var group = [Int]()
            for slot in Set(step.inputs).sorted() {
                // Groups stay small enough for their scratch tiles to fit in cache.
                guard let p = producer[slot], readers[slot] == 1, !kept.contains(slot),
                      let size = members[p]?.count, group.count + size < 32,
                      var absorbed = members.removeValue(forKey: p) else { continue }
                // Append the smaller list to the larger: linear on long chains.
                if absorbed.count > group.count { swap(&absorbed, &group) }
                group += absorbed
            }
            group.append(i)
            members[i] = group
        }
        var fused = [Int: Step](), absorbed = Set<Int>()
        for (last, unordered) in members.sorted(by: { $0.key < $1.key }) where unordered.count > 1 {
            let group = unordered.sorted()
            let inside = Set(group.dropLast().map { steps[$0].output })
            var inputs = [Int](), position = [Int: Int]()
            for member in group {
                for slot in steps[member].inputs where !inside.contains(slot) && position[slot] == nil {
                    position[slot] = inputs.count
                    inputs.append(slot)
                }
            }
            var instructions = [FusedElementwise.Instruction]()
            for member in group {
                let step = steps[member]
                guard let op = operation(step.primitive) else { continue }
                instructions.append(.init(operation: op, operands: step.inputs.compactMap { position[$0] }))
                position[step.output] = inputs.count + instructions.count - 1
            }
            let primitive = FusedElementwise(inputCount: inputs.count, instructions: instructions)
            fused[last] = Step(primitive: primitive, inputs: inputs, output: steps[last].output)
            absorbed.formUnion(group.dropLast())
            lines.append("fused: %\(steps[last].output) = \(primitive.summary)(\(inputs.map { "%\($0)" }.joined(separator: ", ")))")
        }
        steps = steps.indices.compactMap { absorbed.contains($0) ? nil : fused[$0] ?? steps[$0] }
    }

    /// The slots, with the leaves' values filled in.
    func leafValues(_ arguments: [NDArray]) -> [NDArray?] {
        var slots = [NDArray?](repeating: nil, count: slotCount)
        SharedValues.withLock {
            for (slot, source) in leaves {
                switch source {
                case .argument(let i): slots[slot] = arguments[i]
                case .shared(let variable):
                    slots[slot] = variable.storedValue
                    // Held through this call by a function that does not
                    // serialize with the variable's updaters.
                    if !updatedVariables.contains(ObjectIdentifier(variable)) { variable.valueLent = true }
                case .constant(let value): slots[slot] = value
                }
            }
        }
        return slots
    }

    /// What a plan is made for: the shapes of the arguments and shared values.
    func signature(_ slots: [NDArray?]) -> [[Int]] {
        leaves.compactMap { slot, source in
            if case .constant = source { return nil }
            return slots[slot]?.shape
        }
    }

    /// Runs the steps, then writes the updates; returns each step's output
    /// type. With a plan, its types stand (the signature matched) and its
    /// buffers are reused where nothing else holds them.
    /// `replaced` receives the storages of the values the updates replaced
    /// that nothing outside the variable can hold (see `valueLent`).
    @discardableResult
    func run(_ slots: inout [NDArray?], _ plan: Plan?, replaced: inout [(update: Int, storage: Storage)]) throws -> [TensorType] {
        func value(_ slot: Int) throws -> NDArray {
            guard let value = slots[slot] else {
                throw SwiftGradError.internal("function", "slot \(slot) is empty when read")
            }
            return value
        }
        var values = [NDArray](), types = [TensorType](), outputTypes = [TensorType]()
        outputTypes.reserveCapacity(steps.count)
        for (i, step) in steps.enumerated() {
            values.removeAll(keepingCapacity: true)
            for slot in step.inputs { values.append(try value(slot)) }
            let type: TensorType
            if let plan {
                type = plan.types[i]
            } else {
                types.removeAll(keepingCapacity: true)
                for v in values { types.append(TensorType(v.dtype, v.shape)) }
                type = try step.primitive.outputType(types)
                outputTypes.append(type)
            }
            if let view = try step.primitive.view(of: values, type) {
                slots[step.output] = view
            } else if let plan {
                let out = try plan.buffer(for: i)
                try step.primitive.evaluate(values, into: out)
                slots[step.output] = out
            } else {
                slots[step.output] = try step.primitive.value(of: values, type)
            }
            for slot in step.releases { slots[slot] = nil }
        }
        if !updates.isEmpty {
            let newValues = try updates.map { try value($0.slot) }
            // Memory the caller gets (outputs) or that two variables would
            // share is lent; memory a new value uses cannot be reused.
            let outputStorages = outputs.compactMap { slots[$0]?.storage }
            func isOutput(_ storage: Storage) -> Bool { outputStorages.contains { $0 === storage } }
            func newValueCount(_ storage: Storage) -> Int { newValues.reduce(0) { $0 + ($1.storage === storage ? 1 : 0) } }
            SharedValues.withLock {
                for (u, (update, newValue)) in zip(updates, newValues).enumerated() {
                    let variable = update.variable
                    if let old = variable.storedValue, !variable.valueLent, old.storage.byteCount > 0,
                       old.storage.isWritable, newValueCount(old.storage) == 0, !isOutput(old.storage) {
                        replaced.append((u, old.storage))
                    }
                    variable.storedValue = newValue
                    variable.valueLent = isOutput(newValue.storage) || newValueCount(newValue.storage) > 1
                }
            }
        }
        return outputTypes
    }

    /// The values that leave a call: outputs and new shared values.
    func escaping(_ slots: [NDArray?]) -> [NDArray] {
        (outputs + updates.map(\.slot)).compactMap { slots[$0] }
    }

    func results(_ slots: [NDArray?]) throws -> [Tensor] {
        try outputs.map { slot in
            guard let value = slots[slot] else {
                throw SwiftGradError.internal("function", "output slot \(slot) is empty")
            }
            return Tensor(value)
        }
    }
}

/// What one call signature of a function needs: each step's output type,
/// and the buffers the steps write into, kept from call to call. A buffer
/// that leaves a call (as an output, a shared variable's new value, or
/// under a view of either) is the caller's from then on: the plan forgets
/// it and the next call allocates anew. The others are referenced only by
/// the call that used them, which the plan's lock orders before the next.
final class Plan {
    let signature: [[Int]]
    let types: [TensorType]
    private var storages: [Storage?]
    /// The step each kept buffer belongs to.
    private var owner = [ObjectIdentifier: Int]()
    private let shapes: [(shape: [Int], strides: [Int], count: Int)?]
    /// Held while a call uses the buffers; a concurrent call runs unplanned.
    let lock = Mutex()

    init(signature: [[Int]], types: [TensorType]) {
        self.signature = signature
        self.types = types
        storages = Array(repeating: nil, count: types.count)
        shapes = types.map { type in
            let shape = type.shape.compactMap { $0 }
            guard let count = try? checkedCount(shape, itemSize: type.dtype.itemSize, "function") else { return nil }
            return (shape, contiguousStrides(shape), count)
        }
    }

    /// Step `i`'s destination: its buffer of the last call, or a new one.
    func buffer(for i: Int) throws -> NDArray {
        guard let layout = shapes[i] else { throw SwiftGradError.internal("function", "step \(i) has no planned shape") }
        let dtype = types[i].dtype
        let storage: Storage
        if let kept = storages[i] {
            storage = kept
        } else {
            storage = try Storage(byteCount: layout.count * dtype.itemSize, op: "function")
            storages[i] = storage
            owner[ObjectIdentifier(storage)] = i
        }
        return NDArray(storage, dtype, shape: layout.shape, strides: layout.strides, offset: 0, count: layout.count)
    }

    /// Makes `storage` step `i`'s buffer for the next call, if the step
    /// has none and it is large enough.
    func reuse(_ storage: Storage, for i: Int) {
        guard storages[i] == nil, let layout = shapes[i],
              storage.byteCount >= layout.count * types[i].dtype.itemSize else { return }
        storages[i] = storage
        owner[ObjectIdentifier(storage)] = i
    }

    /// Gives up the buffers under `values`, which leave the call.
    func release(_ values: [NDArray]) {
        for value in values {
            if let i = owner.removeValue(forKey: ObjectIdentifier(value.storage)) { storages[i] = nil }
        }
    }
}
