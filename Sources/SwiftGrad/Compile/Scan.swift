/// Theano's `scan`: a loop whose body is a symbolic graph, compiled once
/// into a ``Function`` and run step after step in Swift (not unrolled into
/// the outer graph).
///
/// Each step reads one slice of every sequence, the states the step before
/// left (the initial states first) and values that every step shares; it
/// gives the new states, then any per-step outputs. The outer results stack
/// each output over the steps. Everything the body reads from outside the
/// loop (shared variables, other placeholders, tensors that require grad,
/// whole subexpressions that do not change from step to step) is hoisted
/// out of the body and passed in once.
///
/// The loop is differentiable: its vjp is another scan running backwards
/// over the steps (backpropagation through time), carrying the gradient of
/// the states and summing the gradients of the shared values; being a scan
/// itself, it differentiates again.
public enum Scan {
    /// Builds the loop and returns its outputs: the new states of each step
    /// (stacked along a new first axis, or the last one alone where
    /// `stacked` says false), then the per-step outputs, stacked.
    ///
    /// - `sequences`: pairs of an outer tensor and the placeholder standing
    ///   for one of its slices along the first axis in the body.
    /// - `states`: pairs of an initial value and the placeholder standing
    ///   for the state before a step; or a shared variable twice, which the
    ///   step reads and updates (Theano's updates of a step function: the
    ///   last state is the variable's new value).
    /// - `outputs`: the body's results over those placeholders: a new value
    ///   for each state (same dtype and shape), then per-step outputs.
    /// - `stepCount`: an integer scalar; without it the loop runs over the
    ///   shortest sequence. With sequences, it may not exceed their length.
    /// - `truncateGradient`: how many steps back the gradient flows (nil:
    ///   all; Theano's truncate_gradient).
    public static func make(sequences: [(outer: Tensor, inner: Tensor)],
                            states: [(initial: Tensor, inner: Tensor)],
                            outputs: [Tensor], stacked: [Bool]? = nil, stepCount: Tensor? = nil,
                            truncateGradient: Int? = nil) throws -> [Tensor] {
        try make(sequences: sequences, states: states, constants: [], outputs: outputs,
                 layout: .init(stacked: stacked ?? Array(repeating: true, count: outputs.count),
                               truncate: truncateGradient),
                 stepCount: stepCount)
    }

    static func make(sequences: [(outer: Tensor, inner: Tensor)], states: [(initial: Tensor, inner: Tensor)],
                     constants: [(outer: Tensor, inner: Tensor)], outputs: [Tensor],
                     layout: ScanLoop.Layout, stepCount: Tensor?) throws -> [Tensor] {
        let op = "scan"
        guard !sequences.isEmpty || stepCount != nil else {
            throw SwiftGradError.value(op, "needs sequences or a number of steps")
        }
        guard outputs.count >= states.count, layout.stacked.count == outputs.count else {
            throw SwiftGradError.value(op, "the step function gives \(outputs.count) outputs for \(states.count) states")
        }
        if let n = layout.truncate, n <= 0 {
            throw SwiftGradError.value(op, "truncate_gradient must be positive or -1, got \(n)")
        }
        // A shared variable may be a state of its own (Theano's updates
        // returned by a step): a placeholder stands for it in the body.
        var states = states, sharedStates = [ObjectIdentifier: Tensor]()
        for (i, (initial, state)) in states.enumerated() where state.kind == .shared {
            guard state === initial else {
                throw SwiftGradError.value(op, "state \(i) is the \(state.summary) inside the loop, so it must start at it")
            }
            let standIn = try Tensor.placeholder(state.dtype, shape: state.type.shape, name: state.name)
            sharedStates[ObjectIdentifier(state)] = standIn
            states[i].inner = standIn
        }
        var inner = Set(sharedStates.keys)
        for placeholder in sequences.map(\.inner) + states.map(\.inner) + constants.map(\.inner) {
            guard placeholder.kind == .placeholder, inner.insert(ObjectIdentifier(placeholder)).inserted else {
                throw SwiftGradError.value(op, "the body's inputs must be distinct placeholders; got a \(placeholder.summary)")
            }
        }
        for (i, (outer, slice)) in sequences.enumerated() {
            guard outer.rank == slice.rank + 1, outer.dtype == slice.dtype else {
                throw SwiftGradError.type(op, "sequence \(i) is a \(outer.summary); its slices are \(slice.summary)")
            }
        }
        for (i, (initial, state)) in states.enumerated() {
            guard initial.dtype == state.dtype, initial.rank == state.rank else {
                throw SwiftGradError.type(op, "the initial value of state \(i) is a \(initial.summary), its placeholder a \(state.summary)")
            }
            let new = outputs[i]
            guard new.dtype == initial.dtype, new.rank == initial.rank else {
                throw SwiftGradError.type(
                    op, "output \(i) of the step function is \(new.dtype) with \(new.rank) dimensions, but its initial value (outputs_info[\(i)]) is \(initial.dtype) with \(initial.rank); a state keeps its dtype and shape")
            }
        }
        if let i = layout.stacked.indices.first(where: { $0 >= states.count && !layout.stacked[$0] }) {
            throw SwiftGradError.value(op, "output \(i) is not a state; only states can keep their last value alone")
        }
        if let stepCount, !(stepCount.dtype.isInteger && stepCount.rank == 0) {
            throw SwiftGradError.type(op, "n_steps must be an integer scalar, got a \(stepCount.summary)")
        }

        // Hoist what does not change from step to step.
        var constants = constants
        let order = Autodiff.topologicalOrder(outputs) { $0.kind == .symbolic }
        var variesByStep = Set<ObjectIdentifier>(), hoisted = Set<ObjectIdentifier>()
        func hoist(_ tensor: Tensor) throws {
            // Values that need no gradient stay in the body as constants.
            guard tensor.kind != .value || tensor.requiresGrad,
                  hoisted.insert(ObjectIdentifier(tensor)).inserted else { return }
            // Read once, a random state would give every step the same draw.
            for leaf in Autodiff.topologicalOrder([tensor], expands: { $0.kind == .symbolic })
            where try leaf.kind == .shared && leaf.defaultUpdateValue != nil {
                throw SwiftGradError.value(
                    op, "the step reads \(leaf.summary), which has a default update (a random stream's state); random draws inside a loop are not supported")
            }
            constants.append((tensor, try Tensor.placeholder(tensor.dtype, shape: tensor.type.shape, name: tensor.name)))
        }
        for tensor in order {
            let id = ObjectIdentifier(tensor)
            if inner.contains(id) { variesByStep.insert(id) }
            guard tensor.kind == .symbolic, let node = tensor.node else { continue }
            if node.inputs.contains(where: { variesByStep.contains(ObjectIdentifier($0)) }) {
                variesByStep.insert(id)
                for input in node.inputs where !variesByStep.contains(ObjectIdentifier(input)) { try hoist(input) }
            }
        }
        for output in outputs where !variesByStep.contains(ObjectIdentifier(output)) { try hoist(output) }
        let replacement = Dictionary(uniqueKeysWithValues: constants.filter { hoisted.contains(ObjectIdentifier($0.outer)) }
            .map { (ObjectIdentifier($0.outer), $0.inner) }).merging(sharedStates) { a, _ in a }
        // In the stable form the compiled body runs, so its gradient is stable too.
        var rewriter = Rewriter()
        let bodyOutputs = try rewriter.rewrite(try rebuilding(outputs, replacing: replacement), keeping: inner)

        let body = try ScanBody(sequences: sequences.map(\.inner), states: states.map(\.inner),
                                constants: constants.map(\.inner), outputs: bodyOutputs)
        var inputs = sequences.map(\.outer) + states.map(\.initial) + constants.map(\.outer)
        var layout = layout
        if let stepCount {
            inputs.append(try stepCount.cast(to: .int64))
            layout.hasStepCount = true
        }
        return try bodyOutputs.indices.map { try Tensor.apply(ScanLoop(body: body, layout: layout, output: $0), inputs) }
    }
}

/// `roots` rebuilt with the tensors `replacement` names swapped in, all at
/// once (replacements are not looked into).
func rebuilding(_ roots: [Tensor], replacing replacement: [ObjectIdentifier: Tensor]) throws -> [Tensor] {
    guard !replacement.isEmpty else { return roots }
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

/// A loop's body: its placeholders, its outputs over them, and the
/// function compiled from them. The outputs of one run of the loop are
/// kept until each has been asked for once, so a loop with several
/// outputs runs once for all of them.
final class ScanBody {
    let sequences: [Tensor]
    let states: [Tensor]
    let constants: [Tensor]
    let outputs: [Tensor]
    let function: Function
    private let lock = Mutex()
    private var lastRun: (inputs: [NDArray], layout: ScanLoop.Layout, results: [NDArray?])?

    init(sequences: [Tensor], states: [Tensor], constants: [Tensor], outputs: [Tensor]) throws {
        self.sequences = sequences
        self.states = states
        self.constants = constants
        self.outputs = outputs
        function = try Function(inputs: sequences + states + constants, outputs: outputs)
    }

    /// Output `output` of the loop over `inputs`, from the run that
    /// computed the others when it has not been taken yet.
    func result(_ inputs: [NDArray], _ layout: ScanLoop.Layout, output: Int) throws -> NDArray {
        let cached: NDArray? = lock.withLock {
            guard let run = lastRun, run.layout == layout, run.inputs.count == inputs.count,
                  zip(run.inputs, inputs).allSatisfy(Self.same), let result = run.results[output] else { return nil }
            lastRun?.results[output] = nil
            if lastRun?.results.allSatisfy({ $0 == nil }) == true { lastRun = nil }
            return result
        }
        if let cached { return cached }
        var results = try run(inputs, layout).map(Optional.some)
        let result = results[output]
        results[output] = nil
        lock.withLock { lastRun = (inputs, layout, results) }
        guard let result else { throw SwiftGradError.internal("scan", "output \(output) was not computed") }
        return result
    }

    private static func same(_ a: NDArray, _ b: NDArray) -> Bool {
        a.storage === b.storage && a.storage.version == b.storage.version && a.offset == b.offset
            && a.dtype == b.dtype && a.shape == b.shape && a.strides == b.strides
    }

    /// How many steps the loop over `inputs` takes.
    func stepCount(_ inputs: [NDArray], _ layout: ScanLoop.Layout) throws -> Int {
        var steps = sequences.indices.map { inputs[$0].shape[0] }.min()
        if layout.hasStepCount, let last = inputs.last {
            guard case .int(let n) = last.elements[0] else { throw SwiftGradError.internal("scan", "n_steps is not an int64") }
            guard n >= 0 else { throw SwiftGradError.value("scan", "n_steps is \(n); it must not be negative") }
            if let length = steps, n > length {
                throw SwiftGradError.value("scan", "n_steps is \(n), but the shortest sequence has \(length) elements")
            }
            steps = Int(n)
        }
        return steps ?? 0
    }

    /// Runs the loop: every output of `layout`.
    private func run(_ inputs: [NDArray], _ layout: ScanLoop.Layout) throws -> [NDArray] {
        let op = "scan"
        let S = sequences.count, K = states.count
        let steps = try stepCount(inputs, layout)
        let count = min(steps, layout.limit ?? steps)
        let constants = inputs[(S + K)..<(S + K + self.constants.count)].map(Tensor.init)
        var state = inputs[S..<(S + K)].map(Tensor.init)
        var stacks = [NDArray?](repeating: nil, count: outputs.count)
        func stack(_ j: Int, like value: NDArray) throws -> NDArray {
            if let stack = stacks[j] { return stack }
            let length = layout.lengthFrom[j].map { inputs[$0].shape[0] } ?? steps
            let stack = count == length
                ? try NDArray.uninitialized(value.dtype, [length] + value.shape, op)
                : try NDArray.filled(.int(0), value.dtype, [length] + value.shape, op)
            stacks[j] = stack
            return stack
        }
        for i in 0..<count {
            let t = layout.reverse ? steps - 1 - i : i
            var arguments = try (0..<S).map { Tensor(try inputs[$0].row(t)) }
            arguments += state
            arguments += constants
            let results = try function(arguments)
            for (j, result) in results.enumerated() {
                guard let value = result.value else { throw SwiftGradError.internal(op, "output \(j) has no value") }
                if j < K, value.shape != inputs[S + j].shape {
                    throw SwiftGradError.value(
                        op, "at step \(t), output \(j) of the step function has shape \(describe(value.shape)), but its state started with shape \(describe(inputs[S + j].shape)); a state keeps its shape")
                }
                guard layout.stacked[j] else { continue }
                let stack = try stack(j, like: value)
                guard Array(stack.shape.dropFirst()) == value.shape else {
                    throw SwiftGradError.value(
                        op, "at step \(t), output \(j) of the step function has shape \(describe(value.shape)), but \(describe(Array(stack.shape.dropFirst()))) before")
                }
                try convert(value, into: try stack.row(t))
            }
            state = Array(results.prefix(K))
        }
        return try outputs.indices.map { j in
            if !layout.stacked[j] {
                // A gradient cut short does not reach the initial state.
                guard count == steps else { return try NDArray.filled(.int(0), inputs[S + j].dtype, inputs[S + j].shape, op) }
                guard let value = state[j].value else { throw SwiftGradError.internal(op, "state \(j) has no value") }
                return value
            }
            if let stack = stacks[j] { return stack }
            // No step ran: a state's shape is known, a per-step output's only if the body's type fixes it.
            let shape = j < K ? inputs[S + j].shape : outputs[j].type.shape.compactMap { $0 }
            guard shape.count == outputs[j].rank else {
                throw SwiftGradError.value(op, "the loop ran no steps, and the shape of output \(j) depends on them")
            }
            return try stack(j, like: try NDArray.uninitialized(outputs[j].dtype, shape, op))
        }
    }
}

/// One output of a loop (`ScanBody`); the outputs of one loop share a run.
struct ScanLoop: Primitive, CustomReflectable {
    /// How the loop runs and what it gives.
    struct Layout: Hashable {
        /// Per output: stacked over the steps, or (states only) the last value.
        var stacked: [Bool]
        /// Iterates from the last step to the first (backpropagation's order).
        var reverse = false
        /// Runs only this many steps from the start (a truncated gradient);
        /// stacked rows of the steps not run are zero.
        var limit: Int?
        /// Theano's truncate_gradient: the limit of this loop's gradient.
        var truncate: Int?
        /// Per output: the input whose first length a stacked output has
        /// (the rest zero); nil: the number of steps.
        var lengthFrom: [Int?]
        /// The last input is the number of steps.
        var hasStepCount = false

        init(stacked: [Bool], reverse: Bool = false, limit: Int? = nil, truncate: Int? = nil, lengthFrom: [Int?]? = nil) {
            self.stacked = stacked
            self.reverse = reverse
            self.limit = limit
            self.truncate = truncate
            self.lengthFrom = lengthFrom ?? Array(repeating: nil, count: stacked.count)
        }
    }

    let body: ScanBody
    let layout: Layout
    let output: Int
    var name: String { "scan" }
    var customMirror: Mirror { Mirror(self, children: ["output": output, "steps": body.function.operationCount]) }

    static func == (a: ScanLoop, b: ScanLoop) -> Bool { a.body === b.body && a.layout == b.layout && a.output == b.output }
    func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(body))
        hasher.combine(layout)
        hasher.combine(output)
    }

    private var counts: (sequences: Int, states: Int, constants: Int) {
        (body.sequences.count, body.states.count, body.constants.count)
    }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let (S, K, N) = counts
        guard inputs.count == S + K + N + (layout.hasStepCount ? 1 : 0) else {
            throw SwiftGradError.internal(name, "\(inputs.count) inputs for \(S) sequences, \(K) states and \(N) constants")
        }
        for (input, placeholder) in zip(inputs, body.sequences.map { TensorType($0.dtype, [nil] + $0.type.shape) }
                                        + (body.states + body.constants).map(\.type)) {
            guard input.dtype == placeholder.dtype, input.rank == placeholder.rank else {
                throw SwiftGradError.type(name, "an input of \(input.dtype) \(describe(input.shape)) where the loop takes \(placeholder.dtype) \(describe(placeholder.shape))")
            }
        }
        let inner = output < K ? inputs[S + output] : body.outputs[output].type
        guard layout.stacked[output] else { return inner }
        var length: Int?
        if let from = layout.lengthFrom[output] {
            length = inputs[from].shape[0]
        } else if !layout.hasStepCount, layout.limit == nil {
            let lengths = inputs.prefix(S).map { $0.shape[0] }
            length = lengths.contains(nil) ? nil : lengths.compactMap { $0 }.min()
        }
        return TensorType(inner.dtype, [length] + inner.shape)
    }

    // The loop chooses its outputs' shapes as it runs.
    func view(of inputs: [NDArray], _ output: TensorType) throws -> NDArray? {
        try body.result(inputs, layout, output: self.output)
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        try convert(body.result(inputs, layout, output: output), into: out)
    }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ cotangent: Tensor, wrt i: Int) throws -> Tensor? {
        var gradient: Tensor?
        try forEachVJP(inputs, result, cotangent, wanted: { $0 == i }) { _, g in gradient = g }
        return gradient
    }

    /// The loop backwards: per step, the vjp of the body at that step's
    /// inputs, with the cotangent of the states carried from the step after
    /// and the gradients of the constants summed.
    func forEachVJP(_ inputs: [Tensor], _ result: Tensor, _ cotangent: Tensor, wanted: (Int) -> Bool,
                    _ body: (Int, Tensor) throws -> Void) throws {
        guard layout.limit == nil else {
            throw SwiftGradError.value(name, "the gradient of a truncated gradient's loop is not supported")
        }
        let (S, K, N) = counts
        let loop = self.body
        // Real floating values carry gradients through the loop.
        func differentiable(_ t: Tensor) -> Bool { t.dtype.kind == .realFloating }
        let k = output, kIsStackedState = k < K && layout.stacked[k]

        // The states before each step: the initial one, then the stacked
        // ones but the last (in the order the steps ran).
        var all = layout
        all.stacked = Array(repeating: true, count: layout.stacked.count)
        all.lengthFrom = Array(repeating: nil, count: layout.stacked.count)
        let previous = try (0..<K).map { j -> Tensor in
            let stacked = try Tensor.apply(ScanLoop(body: loop, layout: all, output: j), inputs)
            let first = try inputs[S + j].expandingDims(axis: 0)
            return layout.reverse
                ? try Tensor.concat([stacked.indexed([.slice(1, nil, nil)]), first], axis: 0)
                : try Tensor.concat([first, stacked.indexed([.slice(nil, -1, nil)])], axis: 0)
        }

        // The backward body, over the forward body's placeholders and these.
        let carried = try loop.states.filter(differentiable).map { try Tensor.placeholder($0.dtype, shape: $0.type.shape) }
        let sums = try loop.constants.filter(differentiable).map { try Tensor.placeholder($0.dtype, shape: $0.type.shape) }
        let stepCotangent = try Tensor.placeholder(cotangent.dtype, shape: Array(cotangent.type.shape.dropFirst()))
        var roots = [(root: Tensor, seed: Tensor)]()
        var c = 0
        for (j, state) in loop.states.enumerated() where differentiable(state) {
            roots.append((loop.outputs[j], j == k && kIsStackedState ? try carried[c] + stepCotangent : carried[c]))
            c += 1
        }
        if k >= K { roots.append((loop.outputs[k], stepCotangent)) }
        let targets = loop.sequences.filter(differentiable) + loop.states.filter(differentiable) + loop.constants.filter(differentiable)
        let targetIDs = Set(targets.map(\.graphID))
        let found = try Autodiff.gradients(of: roots) { targetIDs.contains($0.graphID) }
        let byTensor = Dictionary(found.map { ($0.tensor.graphID, $0.gradient) }, uniquingKeysWith: { a, _ in a })
        func gradient(_ x: Tensor) throws -> Tensor { try byTensor[x.graphID] ?? zerosGradient(like: x) }
        let newCarried = try loop.states.filter(differentiable).map(gradient)
        let newSums = try zip(sums, loop.constants.filter(differentiable)).map { try $0 + gradient($1) }
        let sequenceGradients = try loop.sequences.filter(differentiable).map(gradient)

        // Run it: sequences, then the previous states, then the cotangent.
        var sequences = Array(zip(inputs.prefix(S), loop.sequences)).map { (outer: $0.0, inner: $0.1) }
        sequences += zip(previous, loop.states).map { (outer: $0.0, inner: $0.1) }
        if k >= K || kIsStackedState { sequences.append((cotangent, stepCotangent)) }
        var states = [(initial: Tensor, inner: Tensor)]()
        c = 0
        for (j, state) in loop.states.enumerated() where differentiable(state) {
            let initial = j == k && !kIsStackedState ? cotangent : try zerosGradient(like: inputs[S + j])
            states.append((initial, carried[c]))
            c += 1
        }
        let constantInputs = Array(inputs[(S + K)..<(S + K + N)])
        states += try zip(constantInputs.filter(differentiable), sums).map { (try zerosGradient(like: $0), $1) }
        let outputs = newCarried + newSums + sequenceGradients
        let seqIndices = (0..<S).filter { differentiable(loop.sequences[$0]) }
        let stateCount = newCarried.count + newSums.count
        let backward = ScanLoop.Layout(
            stacked: Array(repeating: false, count: stateCount) + Array(repeating: true, count: sequenceGradients.count),
            reverse: !layout.reverse, limit: layout.truncate,
            lengthFrom: Array(repeating: nil, count: stateCount) + seqIndices.map { Optional($0) })
        let gradients = try Scan.make(sequences: sequences, states: states,
                                      constants: zip(constantInputs, loop.constants).map { (outer: $0.0, inner: $0.1) },
                                      outputs: outputs, layout: backward,
                                      stepCount: layout.hasStepCount ? inputs.last : nil)

        // Back to the inputs: initial states, constants, sequences.
        var next = 0
        for j in 0..<K where differentiable(loop.states[j]) {
            if wanted(S + j) { try body(S + j, gradients[next]) }
            next += 1
        }
        for n in 0..<N where differentiable(loop.constants[n]) {
            if wanted(S + K + n) { try body(S + K + n, gradients[next]) }
            next += 1
        }
        for s in seqIndices {
            if wanted(s) { try body(s, gradients[next]) }
            next += 1
        }
    }
}

extension NDArray {
    /// Element `i` along the first axis, as a view.
    func row(_ i: Int) throws -> NDArray {
        guard !shape.isEmpty, i >= 0, i < shape[0] else {
            throw SwiftGradError.index("scan", "row \(i) of an array of shape \(describe(shape))")
        }
        return NDArray(storage, dtype, shape: Array(shape.dropFirst()), strides: Array(strides.dropFirst()),
                       offset: offset + i * strides[0], count: shape[0] == 0 ? 0 : count / shape[0])
    }
}
