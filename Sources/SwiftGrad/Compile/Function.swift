#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        try call(count: arguments.count) { arguments[$0] }
    }

    /// Runs the function on `count` arguments, `argument(i)` the i-th (the
    /// C ABI reads them from the caller's handles, so a planned call
    /// allocates nothing but its outputs).
    public func call(count: Int, argument arguments: (Int) -> Tensor) throws -> [Tensor] {
        guard count == inputs.count else {
            throw SwiftGradError.type("function", "expected \(inputs.count) argument\(inputs.count == 1 ? "" : "s"), got \(count)")
        }
        for lock in updateLocks { lock.lock() }
        defer { for lock in updateLocks.reversed() { lock.unlock() } }
        // The arguments are checked, the plan chosen and the leaves read in
        // one critical section, so the values that run are the ones checked
        // against the signature (a shared variable may be an argument).
        var (plan, slots, problem) = SharedValues.withLock { () -> (Plan?, [NDArray?], ArgumentProblem?) in
            if let problem = checkArguments(arguments) { return (nil, [], problem) }
            let plan = plansLock.withLock { plans.first { program.matches($0.signature, arguments) } }
            if let plan, plan.lock.tryLock() {
                var slots = plan.takeSlots()
                program.fillLeaves(&slots, arguments)
                return (plan, slots, nil)
            }
            var slots = [NDArray?](repeating: nil, count: program.slotCount)
            program.fillLeaves(&slots, arguments)
            return (nil, slots, nil)
        }
        // Described outside the lock: a description may read values.
        if let problem { throw problem.error(inputs) }
        if let plan {
            defer { plan.lock.unlock() }
            // The plan keeps the slot array, emptied, for the next call.
            defer { plan.returnSlots(&slots) }
            try plan.program.run(&slots, plan)
            return try plan.program.results(slots)
        }
        let signature = program.signature(slots), leafTypes = program.leafTypes(slots)
        var replaced = [(update: Int, storage: Storage)]()
        let types = try program.run(&slots, replaced: &replaced)
        // Plan a signature once its types are known (a data-dependent
        // shape leaves some unknown: such programs run unplanned).
        let complete = types.allSatisfy { !$0.shape.contains(nil) }
        if complete, plansLock.withLock({ !plans.contains { $0.signature == signature } }) {
            let plan = program.specialized(leafTypes).map { Plan(signature: signature, program: $0.program, types: $0.types) }
                ?? Plan(signature: signature, program: program, types: types)
            plansLock.withLock {
                if !plans.contains(where: { $0.signature == signature }) {
                    if plans.count == 8 { plans.removeFirst() }
                    plans.append(plan)
                }
            }
        }
        return try program.results(slots)
    }

    /// An argument that does not fit its placeholder.
    private enum ArgumentProblem {
        case symbolic(Int)
        case dtype(Int, DType)
        case shape(Int, [Int])

        func error(_ inputs: [Tensor]) -> SwiftGradError {
            switch self {
            case .symbolic(let i):
                return .type("function", "argument \(i) is symbolic; calls take tensors with values")
            case .dtype(let i, let dtype):
                return .type("function", "argument \(i) has dtype \(dtype), but input \(inputs[i].summary) needs \(inputs[i].dtype)")
            case .shape(let i, let shape):
                return .value("function", "argument \(i) has shape \(describe(shape)), but input \(inputs[i].summary) needs \(describe(inputs[i].type.shape))")
            }
        }
    }

    /// The first argument whose dtype or shape does not fit its
    /// placeholder; called with the shared values locked.
    private func checkArguments(_ arguments: (Int) -> Tensor) -> ArgumentProblem? {
        for (i, input) in inputs.enumerated() {
            let argument = arguments(i)
            guard let value = argument.storedValue else { return .symbolic(i) }
            // Read as `Tensor.value` reads a shared variable: lent.
            if argument.kind == .shared { argument.valueLent = true }
            guard value.dtype == input.dtype else { return .dtype(i, value.dtype) }
            var fits = value.shape.count == input.rank
            if fits {
                for (n, m) in zip(value.shape, input.type.shape) where m != nil && m != n { fits = false }
            }
            guard fits else { return .shape(i, value.shape) }
        }
        return nil
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
    return try rebuilding(roots, replacing: replacement)
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
    /// The steps before fusion, which a plan may fuse again (`specialized`).
    private var unfusedSteps = [Step]()
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

        let kept = Set(self.outputs + self.updates.map(\.slot))
        operationCount = steps.count
        unfusedSteps = steps
        fuseElementwise(kept: kept)
        updatedVariables = Set(self.updates.map { ObjectIdentifier($0.variable) })
        schedule(kept: kept)
    }

    /// Frees each intermediate value after its last reader, and finds the
    /// steps computing the updates.
    private mutating func schedule(kept: Set<Int>) {
        var lastReader = [Int: Int]()
        for (i, step) in steps.enumerated() {
            for input in step.inputs { lastReader[input] = i }
        }
        for (slot, i) in lastReader where !kept.contains(slot) { steps[i].releases.append(slot) }
        let producer = Dictionary(steps.enumerated().map { ($1.output, $0) }, uniquingKeysWith: { a, _ in a })
        updateSteps = self.updates.map { producer[$0.slot] }
    }

    /// The leaves' types in a call, by slot (nil for the other slots).
    func leafTypes(_ slots: [NDArray?]) -> [TensorType?] {
        var types = [TensorType?](repeating: nil, count: slotCount)
        for (slot, _) in leaves {
            if let value = slots[slot] { types[slot] = TensorType(value.dtype, value.shape) }
        }
        return types
    }

    /// This program for one call signature (the leaves' types): the
    /// `sum_to` and `broadcast_to` steps that the shapes make identities are
    /// dropped (their value is their input's), and the elementwise chains
    /// they cut are fused again. Returns it with its steps' types; nil when
    /// nothing is dropped or some type is not known.
    func specialized(_ leafTypes: [TensorType?]) -> (program: Program, types: [TensorType])? {
        var types = leafTypes
        var alias = Array(0..<slotCount)
        var kept = [Step](), dropped = 0
        // Slots holding ones (a sum's gradient seed, broadcast): a product
        // with one of them is its other operand where that has its shape.
        var ones = Set<Int>()
        for case let (slot, .constant(value)) in leaves
        where value.count <= 64 && value.elements.allSatisfy({ $0 == .real(1) || $0 == .int(1) || $0 == .uint(1) }) {
            ones.insert(slot)
        }
        for step in unfusedSteps {
            let inputs = step.inputs.map { alias[$0] }
            var inputTypes = [TensorType]()
            for slot in inputs {
                guard let type = types[slot] else { return nil }
                inputTypes.append(type)
            }
            guard let type = try? step.primitive.outputType(inputTypes), !type.shape.contains(nil) else { return nil }
            if step.primitive is SumTo || step.primitive is BroadcastTo, inputTypes[0] == type {
                alias[step.output] = inputs[0]
                dropped += 1
                continue
            }
            if step.primitive is BroadcastTo, ones.contains(inputs[0]) { ones.insert(step.output) }
            if let product = step.primitive as? Binary, product.op == .multiply,
               let other = ones.contains(inputs[0]) ? 1 : ones.contains(inputs[1]) ? 0 : nil,
               inputTypes[other] == type {
                alias[step.output] = inputs[other]
                dropped += 1
                continue
            }
            types[step.output] = type
            kept.append(Step(primitive: step.primitive, inputs: inputs, output: step.output))
        }
        guard dropped > 0 else { return nil }
        var program = self
        program.steps = kept
        program.outputs = outputs.map { alias[$0] }
        program.updates = updates.map { ($0.variable, alias[$0.slot]) }
        let keptSlots = Set(program.outputs + program.updates.map(\.slot))
        program.fuseElementwise(kept: keptSlots)
        program.schedule(kept: keptSlots)
        var stepTypes = [TensorType]()
        for step in program.steps {
            guard let type = types[step.output] else { return nil }
            stepTypes.append(type)
        }
        return (program, stepTypes)
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

    /// Fills the leaves' slots: the arguments, shared values and
    /// constants. Called with the shared values locked.
    func fillLeaves(_ slots: inout [NDArray?], _ arguments: (Int) -> Tensor) {
        for (slot, source) in leaves {
            switch source {
            case .argument(let i): slots[slot] = arguments(i).storedValue
            case .shared(let variable):
                slots[slot] = variable.storedValue
                // Held through this call by a function that does not
                // serialize with the variable's updaters.
                if !updatedVariables.contains(ObjectIdentifier(variable)) { variable.valueLent = true }
            case .constant(let value): slots[slot] = value
            }
        }
    }

    /// Whether the arguments and shared values have the shapes of
    /// `signature`, compared in place. Called with the shared values locked.
    func matches(_ signature: [[Int]], _ arguments: (Int) -> Tensor) -> Bool {
        var k = 0
        for (_, source) in leaves {
            let value: NDArray?
            switch source {
            case .argument(let i): value = arguments(i).storedValue
            case .shared(let variable): value = variable.storedValue
            case .constant: continue
            }
            guard let value, k < signature.count, value.shape == signature[k] else { return false }
            k += 1
        }
        return k == signature.count
    }

    /// What a plan is made for: the shapes of the arguments and shared values.
    func signature(_ slots: [NDArray?]) -> [[Int]] {
        leaves.compactMap { slot, source in
            if case .constant = source { return nil }
            return slots[slot]?.shape
        }
    }

    /// Runs the steps, then writes the updates; returns each step's output
    /// type. `replaced` receives the storages of the values the updates
    /// replaced that nothing outside the variable can hold (see `valueLent`).
    func run(_ slots: inout [NDArray?], replaced: inout [(update: Int, storage: Storage)]) throws -> [TensorType] {
        var values = [NDArray](), types = [TensorType](), outputTypes = [TensorType]()
        outputTypes.reserveCapacity(steps.count)
        for step in steps {
            values.removeAll(keepingCapacity: true)
            for slot in step.inputs { values.append(try value(slots, slot)) }
            types.removeAll(keepingCapacity: true)
            for v in values { types.append(TensorType(v.dtype, v.shape)) }
            let type = try step.primitive.outputType(types)
            outputTypes.append(type)
            slots[step.output] = try step.primitive.value(of: values, type)
            for slot in step.releases { slots[slot] = nil }
        }
        try writeUpdates(slots, replaced: &replaced)
        return outputTypes
    }

    /// Runs the steps of a call whose signature `plan` was made for: its
    /// types stand, its buffers and view layouts are reused, and its
    /// scratch arrays hold the operands, so nothing is allocated but the
    /// buffers that left the last call.
    func run(_ slots: inout [NDArray?], _ plan: Plan) throws {
        var operands = plan.takeOperands()
        defer { plan.returnOperands(&operands) }
        // Steps are read in place, not copied out one by one.
        try steps.withUnsafeBufferPointer { steps in
            for i in steps.indices {
                clear(&operands)
                for slot in steps[i].inputs { operands.append(try value(slots, slot)) }
                let output = steps[i].output
                if let kernel = plan.kernel(step: i, operands) {
                    let out = try plan.buffer(for: i)
                    kernel.run(operands, into: out)
                    slots[output] = out
                } else if let fused = try plan.fused(step: i, operands) {
                    let out = try plan.buffer(for: i)
                    try fused.run(operands, into: out)
                    slots[output] = out
                } else if let view = try plan.view(of: operands, step: i, steps[i].primitive) {
                    slots[output] = view
                } else {
                    let out = try plan.buffer(for: i)
                    try steps[i].primitive.evaluate(operands, into: out)
                    slots[output] = out
                }
                for slot in steps[i].releases { slots[slot] = nil }
            }
        }
        clear(&operands)
        // The buffers under outputs and new shared values leave the call.
        for slot in outputs { if let value = slots[slot] { plan.release(value.storage) } }
        for update in updates { if let value = slots[update.slot] { plan.release(value.storage) } }
        guard !updates.isEmpty else { return }
        var replaced = plan.takeReplaced()
        defer { plan.returnReplaced(&replaced) }
        try writeUpdates(slots, replaced: &replaced)
        // The values the updates replaced, which nothing else holds, are
        // where the next call writes the new ones.
        for (update, storage) in replaced {
            if let step = updateSteps[update] { plan.reuse(storage, for: step) }
        }
    }

    private func value(_ slots: [NDArray?], _ slot: Int) throws -> NDArray {
        guard let value = slots[slot] else {
            throw SwiftGradError.internal("function", "slot \(slot) is empty when read")
        }
        return value
    }

    /// Gives the shared variables their new values, all or none.
    private func writeUpdates(_ slots: [NDArray?], replaced: inout [(update: Int, storage: Storage)]) throws {
        for update in updates { _ = try value(slots, update.slot) }
        // The storages of the outputs and new values, by identity, on the stack.
        let outputCount = outputs.count, total = outputs.count + updates.count
        try withUnsafeTemporaryAllocation(of: ObjectIdentifier?.self, capacity: Swift.max(total, 1)) { held in
            for (k, slot) in outputs.enumerated() { held[k] = slots[slot].map { ObjectIdentifier($0.storage) } }
            for (k, update) in updates.enumerated() {
                held[outputCount + k] = slots[update.slot].map { ObjectIdentifier($0.storage) }
            }
            try writeUpdates(slots, outputs: UnsafeBufferPointer(rebasing: held[..<outputCount]),
                             newValues: UnsafeBufferPointer(rebasing: held[outputCount..<total]), replaced: &replaced)
        }
    }

    private func writeUpdates(_ slots: [NDArray?], outputs: UnsafeBufferPointer<ObjectIdentifier?>,
                              newValues: UnsafeBufferPointer<ObjectIdentifier?>,
                              replaced: inout [(update: Int, storage: Storage)]) throws {
        // Memory the caller gets (outputs) or that two variables would
        // share is lent; memory a new value uses cannot be reused.
        func isOutput(_ storage: Storage) -> Bool { outputs.contains(ObjectIdentifier(storage)) }
        func newValueCount(_ storage: Storage) -> Int {
            let id = ObjectIdentifier(storage)
            return newValues.reduce(0) { $0 + ($1 == id ? 1 : 0) }
        }
        SharedValues.withLock {
            for (u, update) in updates.enumerated() {
                guard let newValue = slots[update.slot] else { continue }
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
/// The plan also keeps what a call would otherwise allocate: the slot and
/// operand arrays, the layouts of the views steps take, and fused steps'
/// kernels and scratch tiles.
final class Plan {
    let signature: [[Int]]
    let types: [TensorType]
    @exclusivity(unchecked) private var storages: [Storage?]
    /// Buffers that left a call, kept to be taken back once their caller
    /// lets go of them (a large output freed and allocated again on every
    /// call would go back to the system and fault in anew each time), with
    /// the thread that called. Only that thread takes one back: another
    /// thread's release of it is ordered before the check by the runtime's
    /// reference counts alone, which ThreadSanitizer cannot see.
    @exclusivity(unchecked) private var lent: [(storage: Storage, thread: pthread_t)?]
    /// The step each kept buffer belongs to.
    @exclusivity(unchecked) private var owner = [ObjectIdentifier: Int]()
    private let shapes: [(shape: [Int], strides: [Int], count: Int)?]
    /// Steps whose views depend only on their inputs' shapes and first
    /// input's strides, so a view's layout can be reused.
    private let layoutViews: [Bool]
    @exclusivity(unchecked) private var views: [ViewLayout?]
    /// Unary and binary steps' kernel tables, and the kernel each call
    /// runs, chosen on the first.
    private let kernelTables: [KernelTable?]
    @exclusivity(unchecked) private var kernels: [ElementwiseKernel?]
    private let fusedPrograms: [FusedElementwise?]
    @exclusivity(unchecked) private var prepared: [FusedElementwise.Prepared?]
    @exclusivity(unchecked) private var slots: [NDArray?]
    @exclusivity(unchecked) private var operands = [NDArray]()
    @exclusivity(unchecked) private var replaced = [(update: Int, storage: Storage)]()
    /// Held while a call uses the buffers and scratch (so their accesses
    /// are not checked for exclusivity at run time); a concurrent call
    /// runs unplanned.
    let lock = Mutex()

    /// A view's layout relative to its input: reused while the input's
    /// strides are `inputStrides` (its shape is the plan's).
    private struct ViewLayout {
        let inputStrides: [Int]
        let dtype: DType
        let shape: [Int], strides: [Int]
        let offset: Int, count: Int
    }

    /// The program a planned call runs: the function's, or one made for
    /// this signature (`Program.specialized`).
    fileprivate let program: Program

    fileprivate init(signature: [[Int]], program: Program, types: [TensorType]) {
        let steps = program.steps, slotCount = program.slotCount
        self.signature = signature
        self.program = program
        self.types = types
        storages = Array(repeating: nil, count: types.count)
        lent = Array(repeating: nil, count: types.count)
        shapes = types.map { type in
            let shape = type.shape.compactMap { $0 }
            guard let count = try? checkedCount(shape, itemSize: type.dtype.itemSize, "function") else { return nil }
            return (shape, contiguousStrides(shape), count)
        }
        layoutViews = steps.map { $0.primitive is LayoutView }
        views = Array(repeating: nil, count: steps.count)
        kernelTables = steps.map { step in
            if let unary = step.primitive as? Unary { return unary.op.definition.kernels }
            if let binary = step.primitive as? Binary { return binary.op.definition.kernels }
            return nil
        }
        kernels = Array(repeating: nil, count: steps.count)
        fusedPrograms = steps.map { $0.primitive as? FusedElementwise }
        prepared = Array(repeating: nil, count: steps.count)
        slots = Array(repeating: nil, count: slotCount)
        operands.reserveCapacity(steps.reduce(0) { Swift.max($0, $1.inputs.count) })
    }

    /// Step `i`'s destination: its buffer of the last call, or a new one.
    func buffer(for i: Int) throws -> NDArray {
        guard let layout = shapes[i] else { throw SwiftGradError.internal("function", "step \(i) has no planned shape") }
        let dtype = types[i].dtype
        let storage: Storage
        if let kept = storages[i] {
            storage = kept
        } else {
            var returned = lent[i].flatMap { pthread_equal($0.thread, pthread_self()) != 0 ? $0.storage : nil }
            lent[i] = nil
            if returned != nil, isKnownUniquelyReferenced(&returned), let returned {
                storage = returned
            } else {
                storage = try Storage(byteCount: layout.count * dtype.itemSize, op: "function")
            }
            storages[i] = storage
            owner[ObjectIdentifier(storage)] = i
        }
        return NDArray(storage, dtype, shape: layout.shape, strides: layout.strides, offset: 0, count: layout.count)
    }

    /// Step `i`'s output if it is a view of its inputs: with the layout of
    /// the last call's view when the input's strides are the same.
    func view(of inputs: [NDArray], step i: Int, _ primitive: any Primitive) throws -> NDArray? {
        guard layoutViews[i], let x = inputs.first else { return try primitive.view(of: inputs, types[i]) }
        if let layout = views[i], layout.inputStrides == x.strides {
            return NDArray(x.storage, layout.dtype, shape: layout.shape, strides: layout.strides,
                           offset: x.offset + layout.offset, count: layout.count)
        }
        guard let view = try primitive.view(of: inputs, types[i]) else { return nil }
        if view.storage === x.storage {
            views[i] = ViewLayout(inputStrides: x.strides, dtype: view.dtype, shape: view.shape, strides: view.strides,
                                  offset: view.offset - x.offset, count: view.count)
        }
        return view
    }

    /// Step `i`'s kernel if it is unary or binary (the dtypes are the plan's).
    func kernel(step i: Int, _ inputs: [NDArray]) -> ElementwiseKernel? {
        if let kernel = kernels[i] { return kernel }
        guard let table = kernelTables[i], let x = inputs.first, let kernel = table[x.dtype] else { return nil }
        kernels[i] = kernel
        return kernel
    }

    /// Step `i`'s fused program, prepared on its first call.
    func fused(step i: Int, _ inputs: [NDArray]) throws -> FusedElementwise.Prepared? {
        if let ready = prepared[i] { return ready }
        guard let program = fusedPrograms[i] else { return nil }
        let ready = try program.prepared(for: inputs.map(\.dtype))
        prepared[i] = ready
        return ready
    }

    /// Makes `storage` step `i`'s buffer for the next call, if the step
    /// has none and it is large enough.
    func reuse(_ storage: Storage, for i: Int) {
        guard storages[i] == nil, let layout = shapes[i],
              storage.byteCount >= layout.count * types[i].dtype.itemSize else { return }
        storages[i] = storage
        owner[ObjectIdentifier(storage)] = i
    }

    /// Gives up the buffer `storage`, which leaves the call.
    func release(_ storage: Storage) {
        if let i = owner.removeValue(forKey: ObjectIdentifier(storage)) {
            storages[i] = nil
            lent[i] = (storage, pthread_self())
        }
    }

    // The scratch arrays, lent to the call holding the lock and given back
    // empty (so the plan holds no values between calls) with their capacity.

    func takeSlots() -> [NDArray?] {
        var taken = [NDArray?]()
        swap(&taken, &slots)
        return taken
    }

    func returnSlots(_ taken: inout [NDArray?]) {
        for i in taken.indices { taken[i] = nil }
        swap(&taken, &slots)
    }

    func takeOperands() -> [NDArray] {
        var taken = [NDArray]()
        swap(&taken, &operands)
        return taken
    }

    func returnOperands(_ taken: inout [NDArray]) {
        clear(&taken)
        swap(&taken, &operands)
    }

    func takeReplaced() -> [(update: Int, storage: Storage)] {
        var taken = [(update: Int, storage: Storage)]()
        swap(&taken, &replaced)
        return taken
    }

    func returnReplaced(_ taken: inout [(update: Int, storage: Storage)]) {
        taken.removeAll(keepingCapacity: true)
        swap(&taken, &replaced)
    }
}

/// Empties `array` keeping its capacity: element by element, which for a
/// few elements is much cheaper than `removeAll(keepingCapacity:)`.
@inline(__always)
func clear<T>(_ array: inout [T]) {
    while !array.isEmpty { array.removeLast() }
}

/// A view primitive whose view, when it makes one, depends only on its
/// inputs' shapes and its first input's strides, over that input's
/// storage: a compiled function's plan reuses its layout.
protocol LayoutView {}

extension ExpandDims: LayoutView {}
extension Squeeze: LayoutView {}
extension PermuteDims: LayoutView {}
extension BroadcastTo: LayoutView {}
extension SumTo: LayoutView {}
extension AsType: LayoutView {}
extension Reshape: LayoutView {}
extension ReshapeLike: LayoutView {}
extension Slice: LayoutView {}
