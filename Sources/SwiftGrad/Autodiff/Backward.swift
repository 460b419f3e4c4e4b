/// Reverse-mode differentiation over recorded graphs. Eager `backward()`
/// and symbolic `grad` share it: the vjp rules compute values when their
/// operands have values and build graph nodes when they are symbolic.
enum Autodiff {
    /// The tensors `roots` depend on, each after all of its inputs; the
    /// inputs of tensors that `expands` rejects are not visited. The walk
    /// keeps its own stack, so deep graphs cannot overflow the call stack.
    static func topologicalOrder(_ roots: [Tensor], expands: (Tensor) -> Bool = { _ in true }) -> [Tensor] {
        var order = [Tensor](), visited = Set<ObjectIdentifier>()
        var stack = [(tensor: Tensor, next: Int)]()
        for root in roots where visited.insert(root.graphID).inserted {
            stack.append((root, 0))
            while let (tensor, next) = stack.last {
                let inputs = expands(tensor) ? tensor.node?.inputs ?? [] : []
                if next < inputs.count {
                    stack[stack.count - 1].next += 1
                    let input = inputs[next]
                    if visited.insert(input.graphID).inserted { stack.append((input, 0)) }
                } else {
                    order.append(tensor)
                    stack.removeLast()
                }
            }
        }
        return order
    }

    /// The gradients of the tensors that `isTarget` picks out, when `root`
    /// receives `seed`. Contributions of several consumers are summed; only
    /// paths that reach a target are followed.
    static func gradients(of root: Tensor, seed: Tensor,
                          isTarget: (Tensor) -> Bool) throws -> [(tensor: Tensor, gradient: Tensor)] {
        try gradients(of: [(root, seed)], isTarget: isTarget)
    }

    /// The same for several roots, each receiving its own seed (a vjp of a
    /// function with several outputs).
    static func gradients(of roots: [(root: Tensor, seed: Tensor)],
                          isTarget: (Tensor) -> Bool) throws -> [(tensor: Tensor, gradient: Tensor)] {
        let order = topologicalOrder(roots.map(\.root))
        var needed = Set<ObjectIdentifier>()
        for tensor in order {
            let reachesTarget = tensor.node?.inputs.contains { needed.contains($0.graphID) } ?? false
            if isTarget(tensor) || reachesTarget { needed.insert(tensor.graphID) }
        }
        var pending = [ObjectIdentifier: Tensor]()
        for (root, seed) in roots {
            let id = root.graphID
            pending[id] = try pending[id].map { try $0 + seed } ?? seed
        }
        var result = [(tensor: Tensor, gradient: Tensor)]()
        for tensor in order.reversed() {
            guard needed.contains(tensor.graphID), var g = pending.removeValue(forKey: tensor.graphID) else { continue }
            if let hooks = tensor.gradHooks { g = try hooks.run(on: g, of: tensor) }
            // A retained non-leaf may be reached through a stand-in.
            if isTarget(tensor) { result.append((tensor.node?.retainer ?? tensor, g)) }
            guard let node = tensor.node else { continue }
            try node.checkVersions(of: tensor)
            let inputs = node.inputs
            try node.primitive.forEachVJP(inputs, node.result(tensor), g, wanted: { needed.contains(inputs[$0].graphID) }) { i, contribution in
                let id = inputs[i].graphID
                pending[id] = try pending[id].map { try $0 + contribution } ?? contribution
            }
        }
        return result
    }
}

extension Tensor {
    /// Back-propagates from this tensor and adds the gradients to the
    /// `grad` of every leaf that requires grad (and of tensors that retain
    /// theirs). `seed` is this tensor's own gradient; nil means 1 and needs
    /// a one-element tensor. With `createGraph` the gradients record graphs
    /// of their own, so `grad` can be differentiated again; a leaf's
    /// `grad` then holds a graph that holds the leaf: set it to nil to free
    /// them (PyTorch's create_graph=True has the same cycle).
    public func backward(seed: Tensor? = nil, createGraph: Bool = false) throws {
        guard let value = storedValue, kind == .value else {
            throw SwiftGradError.type("backward", "a symbolic tensor has no value; differentiate graphs with grad(_:wrt:)")
        }
        guard requiresGrad else {
            throw SwiftGradError.value("backward", "the tensor does not require grad: no tensor it was computed from requires grad")
        }
        let seed = try seed ?? {
            guard value.count == 1 else {
                throw SwiftGradError.value("backward", "a seed gradient is needed for a tensor of shape \(describe(value.shape)); only one-element tensors default to 1")
            }
            return Tensor(try NDArray.filled(.int(1), dtype, value.shape, "backward"))
        }()
        guard seed.kind == .value, seed.type.shape == type.shape else {
            throw SwiftGradError.value("backward", "a \(seed.summary) cannot seed a \(summary)")
        }
        let accumulate = {
            // Detached unless asked, so no leaf's grad holds a graph.
            let seed = try (createGraph ? seed : seed.detached()).cast(to: self.dtype)
            let isTarget = { (t: Tensor) in (t.node == nil && t.requiresGrad) || t.gradHooks?.retainsGrad == true }
            for (tensor, g) in try Autodiff.gradients(of: self, seed: seed, isTarget: isTarget) {
                tensor.grad = try tensor.grad.map { try $0 + g } ?? g
            }
        }
        if createGraph { try accumulate() } else { try GradMode.withDisabled(accumulate) }
    }

    /// How errors name a tensor: `float64 placeholder 'x' of shape (?,2)`.
    var summary: String {
        let kindName: String
        switch kind {
        case .value: kindName = "tensor"
        case .placeholder: kindName = "placeholder"
        case .shared: kindName = "shared variable"
        case .symbolic: kindName = "symbolic tensor"
        }
        return "\(dtype) \(kindName)\(name.map { " '\($0)'" } ?? "") of shape \(describe(shape))"
    }
}

/// The gradients of the one-element tensor `cost` with respect to `wrt`
/// (Theano's `T.grad`). For a symbolic cost they are symbolic tensors,
/// graphs a ``Function`` can compile; for an eager cost they are values,
/// and with `createGraph` they record graphs of their own, so they can be
/// differentiated again. A tensor of `wrt` the cost does not depend on is
/// an error, or with `allowUnused` gets zeros.
public func grad(_ cost: Tensor, wrt: [Tensor], createGraph: Bool = false, allowUnused: Bool = false) throws -> [Tensor] {
    guard cost.type.shape.allSatisfy({ $0 == 1 }) else {
        throw SwiftGradError.value("grad", "the cost must be a scalar, got shape \(describe(cost.type.shape))")
    }
    if cost.kind == .value && !cost.requiresGrad {
        throw SwiftGradError.value("grad", "the cost has no recorded graph: set requires_grad on the tensors to differentiate before computing it")
    }
    let seed = Tensor(try NDArray.filled(.int(1), cost.dtype, cost.type.shape.map { $0 ?? 1 }, "grad"))
    return try reverseMode([cost], [seed], wrt: wrt, createGraph: createGraph, allowUnused: allowUnused, "grad")
}

/// The vector-Jacobian products of `outputs` at `cotangents` (one of each
/// output's dtype and shape) with respect to `wrt` (Theano's `Lop`,
/// PyTorch's `autograd.grad` with `grad_outputs`): symbolic for symbolic
/// outputs, values for recorded eager ones, as ``grad(_:wrt:createGraph:allowUnused:)``.
/// Seeding each output directly, rather than differentiating the sum of
/// products, leaves no shape of an output in the graph.
public func vjp(_ outputs: [Tensor], cotangents: [Tensor], wrt: [Tensor], createGraph: Bool = false,
                allowUnused: Bool = false) throws -> [Tensor] {
    guard outputs.count == cotangents.count else {
        throw SwiftGradError.value("vjp", "\(outputs.count) outputs but \(cotangents.count) cotangents")
    }
    for (i, (y, v)) in zip(outputs, cotangents).enumerated() {
        let fits = v.dtype == y.dtype && v.rank == y.rank
            && zip(v.shape, y.shape).allSatisfy { $0 == nil || $1 == nil || $0 == $1 }
        guard fits else {
            throw SwiftGradError.value("vjp", "cotangent \(i) is a \(v.summary) for a \(y.summary)")
        }
        if y.kind == .value && !y.requiresGrad {
            throw SwiftGradError.value("vjp", "output \(i) has no recorded graph: set requires_grad on the tensors to differentiate before computing it")
        }
    }
    return try reverseMode(outputs, cotangents, wrt: wrt, createGraph: createGraph, allowUnused: allowUnused, "vjp")
}

private func reverseMode(_ outputs: [Tensor], _ seeds: [Tensor], wrt: [Tensor], createGraph: Bool, allowUnused: Bool,
                         _ op: String) throws -> [Tensor] {
    let targets = Set(wrt.map(\.graphID))
    // Symbolic outputs are differentiated in their stable form (log(sigmoid
    // x) as -softplus(-x), ...), whose derivatives stay finite too.
    var rewriter = Rewriter()
    let symbolic = outputs.indices.filter { outputs[$0].kind == .symbolic }
    var roots = outputs
    for (i, rewritten) in zip(symbolic, try rewriter.rewrite(symbolic.map { outputs[$0] }, keeping: Set(wrt.map(ObjectIdentifier.init)))) {
        roots[i] = rewritten
    }
    let differentiate = { try Autodiff.gradients(of: Array(zip(roots, seeds)).map { (root: $0.0, seed: $0.1) }) { targets.contains($0.graphID) } }
    let found = createGraph ? try differentiate() : try GradMode.withDisabled(differentiate)
    let byTensor = Dictionary(found.map { ($0.tensor.graphID, $0.gradient) }, uniquingKeysWith: { a, _ in a })
    return try wrt.enumerated().map { i, x in
        if let g = byTensor[x.graphID] { return g }
        guard allowUnused else {
            throw SwiftGradError.value(op, "the \(op == "grad" ? "cost does" : "outputs do") not depend on wrt[\(i)], a \(x.summary)")
        }
        return try zerosGradient(like: x)
    }
}

/// What a tensor keeps for `backward` beyond its value: gradient hooks and
/// whether it retains its gradient. Rare, so kept out of line.
final class GradHooks {
    typealias Hook = (Tensor) throws -> Tensor?
    var retainsGrad = false
    var hooks: [(id: Int, body: Hook)] = []
    var nextID = 0

    /// The gradient after each hook in turn; a hook returning nil keeps it.
    func run(on gradient: Tensor, of tensor: Tensor) throws -> Tensor {
        var g = gradient
        for (_, body) in hooks {
            guard let replacement = try body(g) else { continue }
            guard replacement.dtype == g.dtype, replacement.shape == g.shape,
                  replacement.kind == .value || g.kind != .value else {
                throw SwiftGradError.value(
                    "hook", "a hook on a \(tensor.summary) returned a \(replacement.summary) for a \(g.summary) gradient")
            }
            g = GradMode.isEnabled || !replacement.requiresGrad ? replacement : try replacement.detached()
        }
        return g
    }
}

extension Tensor {
    /// Keeps the gradient of this non-leaf in `grad` after `backward()`
    /// (PyTorch's retain_grad); leaves keep theirs anyway.
    public func retainGrad() throws {
        guard requiresGrad else {
            throw SwiftGradError.value("retain_grad", "a \(summary) that does not require grad has no gradient to retain")
        }
        if let node {
            hooksCreated.retainsGrad = true
            node.retainer = self
        }
    }

    /// Whether `backward()` stores this tensor's gradient in `grad`.
    public var retainsGrad: Bool { gradHooks?.retainsGrad == true }

    /// Calls `body` with this tensor's gradient whenever one is computed
    /// (by `backward()` or ``grad(_:wrt:createGraph:allowUnused:)``), before
    /// it is used; a tensor `body` returns replaces the gradient. Returns an
    /// id for ``removeHook(_:)``.
    @discardableResult
    public func registerHook(_ body: @escaping (Tensor) throws -> Tensor?) throws -> Int {
        guard requiresGrad || kind != .value else {
            throw SwiftGradError.value("register_hook", "a \(summary) that does not require grad gets no gradient to hook")
        }
        let hooks = hooksCreated
        hooks.nextID += 1
        hooks.hooks.append((hooks.nextID, body))
        return hooks.nextID
    }

    /// Removes the hook `id` gave; false if there is none.
    @discardableResult
    public func removeHook(_ id: Int) -> Bool {
        guard let hooks = gradHooks, let i = hooks.hooks.firstIndex(where: { $0.id == id }) else { return false }
        hooks.hooks.remove(at: i)
        return true
    }

    /// A leaf's hooks, or those of the node that made this tensor (which
    /// its stand-ins share).
    var gradHooks: GradHooks? { node?.hooks ?? leafHooks }

    private var hooksCreated: GradHooks {
        if let hooks = gradHooks { return hooks }
        let hooks = GradHooks()
        if let node { node.hooks = hooks } else { leafHooks = hooks }
        return hooks
    }
}
