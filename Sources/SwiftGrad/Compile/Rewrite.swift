/// Rewrites of symbolic graphs that keep every result and make some of
/// them accurate where the graph as written loses everything (Theano's and
/// PyTensor's canonicalize and stabilize phases).
///
/// The graph is rebuilt bottom-up: each node's inputs are rewritten first,
/// then the rules below are tried on it, and a node equal to one already
/// built (same primitive with the same parameters, same inputs) is shared
/// instead (common-subexpression elimination). Nodes whose inputs all have
/// values compute now (constant folding, by `Tensor.apply`), and nodes the
/// roots do not reach are not rebuilt (dead-code elimination). Leaves,
/// and the tensors in `kept`, stay as they are.
///
/// The algebraic rules are exact for every input, NaN, infinities and
/// signed zeros included (`x * 1`, `x / 1`, `x - 0`, `x ** 1`, `-(-x)`, transposes
/// that cancel); `x + 0` is not among them (it turns -0 into +0). The
/// stability rules replace a formula by an equal one that stays finite:
/// `1 / (1 + exp(z))` is `sigmoid(-z)`, `log(sigmoid(x))` is
/// `-softplus(-x)`, `log(1 - sigmoid(x))` is `-softplus(x)`,
/// `log(1 + exp(x))` is `softplus(x)`, `log(softmax(x))` is
/// `log_softmax(x)` and `log(sum(exp(x)))` is `logsumexp(x)`. A `sum_to`
/// or `broadcast_to` between tensors of the same shape in every call (as
/// elementwise ops propagate shapes) is dropped.
struct Rewriter {
    private var built = [ObjectIdentifier: Tensor]()
    /// Nodes built so far, with their inputs: holding the inputs keeps
    /// their identities (the keys) from being reused.
    private var shared = [NodeKey: (tensor: Tensor, inputs: [Tensor])]()
    /// How many nodes each rule replaced, by rule name.
    private(set) var applied = [String: Int]()
    /// Tensors whose shapes are equal whatever lengths a call brings share
    /// a class (the tensor they take their shape from); absent: their own.
    private var shapeClass = [ObjectIdentifier: ObjectIdentifier]()

    /// `roots` rewritten; tensors in `kept` are neither rebuilt nor
    /// looked into.
    mutating func rewrite(_ roots: [Tensor], keeping kept: Set<ObjectIdentifier> = []) throws -> [Tensor] {
        let order = Autodiff.topologicalOrder(roots) { $0.kind == .symbolic && !kept.contains(ObjectIdentifier($0)) }
        for tensor in order {
            guard tensor.kind == .symbolic, !kept.contains(ObjectIdentifier(tensor)), let node = tensor.node else {
                built[ObjectIdentifier(tensor)] = tensor
                continue
            }
            let inputs = node.inputs.map { built[ObjectIdentifier($0)] ?? $0 }
            built[ObjectIdentifier(tensor)] = try make(node.primitive, inputs)
        }
        return roots.map { built[ObjectIdentifier($0)] ?? $0 }
    }

    /// `primitive` applied to `inputs`: a rule's replacement when one
    /// applies and keeps the type, else the shared equal node or a new one.
    private mutating func make(_ primitive: any Primitive, _ inputs: [Tensor]) throws -> Tensor {
        let type = try primitive.outputType(inputs.map(\.type))
        if let (rule, replacement) = try simplified(primitive, inputs),
           replacement.type == type {
            applied[rule, default: 0] += 1
            return replacement
        }
        let key = NodeKey(primitive: AnyHashable(primitive), inputs: inputs.map(ObjectIdentifier.init))
        if let existing = shared[key] { return existing.tensor }
        let tensor = try Tensor.apply(primitive, inputs)
        shared[key] = (tensor, inputs)
        if let source = shapeSource(primitive, inputs, tensor) { shapeClass[ObjectIdentifier(tensor)] = classOf(source) }
        return tensor
    }

    private func classOf(_ x: Tensor) -> ObjectIdentifier { shapeClass[ObjectIdentifier(x)] ?? ObjectIdentifier(x) }

    /// Whether `a` and `b` have the same shape in every call.
    private func sameShape(_ a: Tensor, _ b: Tensor) -> Bool {
        (a.type.shape == b.type.shape && !a.type.shape.contains(nil)) || classOf(a) == classOf(b)
    }

    /// The input `result` takes its shape from, where that is certain:
    /// elementwise ops take it from their operands that are not all-ones
    /// (which broadcast away) when those agree; `sum_to` and `broadcast_to`
    /// from their target.
    private func shapeSource(_ primitive: any Primitive, _ inputs: [Tensor], _ result: Tensor) -> Tensor? {
        switch primitive {
        case is SumTo, is BroadcastTo:
            return inputs[1]
        case is Unary, is Binary, is Select, is FullLike, is AsType:
            let shaping = inputs.filter { x in
                !(x.rank <= result.rank && x.type.shape.allSatisfy { $0 == 1 })
            }
            guard let first = shaping.first, shaping.allSatisfy({ sameShape($0, first) }) else { return nil }
            return first
        default:
            return nil
        }
    }

    private mutating func unary(_ op: UnaryOp, _ x: Tensor) throws -> Tensor {
        try make(Unary(op: op), [x])
    }

    /// `log(x)` in a stable form when `x` is a softmax or a sum of
    /// exponentials: `log(exp(z - logsumexp(z)))` (`softmax` as swiftgrad
    /// builds it) is `z - logsumexp(z)`; `log(exp(z) / sum(exp(z)))` is
    /// `z - logsumexp(z)` too; `log(sum(exp(z)))` is `logsumexp(z)`.
    /// So a cross-entropy `-sum(y * log(softmax(x)))` uses `log_softmax`.
    private mutating func logOfSoftmax(_ x: Tensor) throws -> (String, Tensor)? {
        if let shifted = x.argument(of: .exp), shifted.isLogSoftmax {
            return ("log(softmax(x)) = log_softmax(x)", shifted)
        }
        if let quotient = x.node?.primitive as? Binary, quotient.op == .divide, let operands = x.node?.inputs,
           let z = operands[0].argument(of: .exp), let sum = operands[1].node?.primitive as? Sum,
           sum.keepDims, sum.dtype == nil || sum.dtype == x.dtype, operands[1].node?.inputs[0] === operands[0],
           z.dtype.kind == .realFloating {
            let lse = try make(LogSumExp(axes: sum.axes, keepDims: true), [z])
            return ("log(softmax(x)) = log_softmax(x)", try make(Binary(op: .subtract), [z, lse]))
        }
        if let sum = x.node?.primitive as? Sum, sum.dtype == nil || sum.dtype == x.dtype,
           let z = x.node?.inputs[0].argument(of: .exp), z.dtype.kind == .realFloating {
            return ("log(sum(exp(x))) = logsumexp(x)", try make(LogSumExp(axes: sum.axes, keepDims: sum.keepDims), [z]))
        }
        return nil
    }

    /// The first rule that applies to `primitive(inputs)`, with its result.
    private mutating func simplified(_ primitive: any Primitive, _ inputs: [Tensor]) throws -> (String, Tensor)? {
        switch primitive {
        case let p as Binary:
            let (a, b) = (inputs[0], inputs[1])
            switch p.op {
            case .multiply where a.isConstant(1): return ("x*1", b)
            case .multiply where b.isConstant(1): return ("x*1", a)
            // A sum's gradient seeds ones of the summed shape; times a
            // tensor of that shape they are the tensor.
            case .multiply where a.isBroadcastOne && sameShape(a, b): return ("x*1", b)
            case .multiply where b.isBroadcastOne && sameShape(a, b): return ("x*1", a)
            case .divide where b.isConstant(1): return ("x/1", a)
            case .subtract where b.isConstant(0): return ("x-0", a)
            case .pow where b.isConstant(1): return ("x**1", a)
            case .divide where a.isConstant(1):
                // 1 / (1 + exp(z)) = sigmoid(-z)
                guard let sum = b.node?.primitive as? Binary, sum.op == .add, let operands = b.node?.inputs else { return nil }
                let e = operands[0].isConstant(1) ? operands[1] : operands[1].isConstant(1) ? operands[0] : nil
                guard let e, let z = e.argument(of: .exp) else { return nil }
                return ("1/(1+exp(z)) = sigmoid(-z)", try unary(.sigmoid, try unary(.negative, z)))
            default: return nil
            }
        case let p as Unary:
            let x = inputs[0]
            switch p.op {
            case .negative:
                guard let inner = x.argument(of: .negative) else { return nil }
                return ("-(-x)", inner)
            case .log:
                if let r = try logOfSoftmax(x) { return r }
                if let s = x.argument(of: .sigmoid) {
                    return ("log(sigmoid(x)) = -softplus(-x)", try unary(.negative, try unary(.softplus, try unary(.negative, s))))
                }
                guard let sum = x.node?.primitive as? Binary, let operands = x.node?.inputs else { return nil }
                if sum.op == .subtract, operands[0].isConstant(1), let s = operands[1].argument(of: .sigmoid) {
                    return ("log(1-sigmoid(x)) = -softplus(x)", try unary(.negative, try unary(.softplus, s)))
                }
                if sum.op == .add {
                    let e = operands[0].isConstant(1) ? operands[1] : operands[1].isConstant(1) ? operands[0] : nil
                    if let e, let y = e.argument(of: .exp) { return ("log(1+exp(x)) = softplus(x)", try unary(.softplus, y)) }
                }
                return nil
            case .log1p:
                if let y = x.argument(of: .exp) { return ("log1p(exp(x)) = softplus(x)", try unary(.softplus, y)) }
                if let n = x.argument(of: .negative), let s = n.argument(of: .sigmoid) {
                    return ("log(1-sigmoid(x)) = -softplus(x)", try unary(.negative, try unary(.softplus, s)))
                }
                return nil
            default: return nil
            }
        case is SumTo, is BroadcastTo:
            // Gradients keep these for broadcasting that may happen; where
            // the shapes agree in every call they do nothing (and would split
            // fusion groups).
            return sameShape(inputs[0], inputs[1]) ? ("sum_to/broadcast_to to the same shape", inputs[0]) : nil
        case let p as PermuteDims:
            guard let inner = inputs[0].node?.primitive as? PermuteDims, let x = inputs[0].node?.inputs[0] else { return nil }
            // Output axis i is inner axis p.axes[i], which is x's axis inner.axes[p.axes[i]].
            let composed = p.axes.map { inner.axes[$0] }
            return composed == Array(composed.indices) ? ("transpose(transpose(x))", x) : nil
        default:
            return nil
        }
    }
}

/// A node's identity for sharing: the primitive with its parameters and
/// the identities of its inputs.
private struct NodeKey: Hashable {
    let primitive: AnyHashable
    let inputs: [ObjectIdentifier]
}

extension Tensor {
    /// The input of this tensor when it is `op` of one tensor.
    fileprivate func argument(of op: UnaryOp) -> Tensor? {
        guard let unary = node?.primitive as? Unary, unary.op == op else { return nil }
        return node?.inputs[0]
    }

    /// Whether this is `z - logsumexp(z)` over axes kept as length 1.
    fileprivate var isLogSoftmax: Bool {
        guard let difference = node?.primitive as? Binary, difference.op == .subtract, let operands = node?.inputs,
              let lse = operands[1].node?.primitive as? LogSumExp, lse.keepDims else { return false }
        return operands[1].node?.inputs[0] === operands[0]
    }

    /// Whether this is ones broadcast to another tensor's shape.
    fileprivate var isBroadcastOne: Bool {
        guard node?.primitive is BroadcastTo, let ones = node?.inputs[0] else { return false }
        return ones.isConstant(1)
    }

    /// Whether this is a small constant whose every element is `x`, sign
    /// of zero included (x - (-0) is not x).
    fileprivate func isConstant(_ x: Double) -> Bool {
        guard kind == .value, let value = storedValue, value.count > 0, value.count <= 64,
              dtype.isRealNumber || dtype == .bool else { return false }
        return value.elements.allSatisfy { $0.doubleValue == x && $0.doubleValue.sign == x.sign }
    }
}
