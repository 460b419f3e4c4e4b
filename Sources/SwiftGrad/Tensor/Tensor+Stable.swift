/// Functions whose naive formulas overflow, written so that values and
/// gradients stay finite wherever the mathematics is: composites over
/// `softplus` and the `LogSumExp` primitive, so they differentiate (to any
/// order) and compile like any other graph.
extension Tensor {
    /// This tensor as a real floating one: integers and booleans become
    /// float64; complex ones are refused.
    private func realFloating(_ op: String) throws -> Tensor {
        switch dtype.kind {
        case .realFloating: return self
        case .bool, .signedInteger, .unsignedInteger: return try cast(to: .float64)
        case .complexFloating: throw unsupported(op, dtype)
        }
    }

    /// The axes a softmax-like function reduces: `axis` of this tensor,
    /// none for a 0-d one (as in PyTorch, which accepts 0 and -1 there).
    private func softmaxAxes(_ axis: Int, _ op: String) throws -> [Int] {
        if rank == 0 {
            guard axis == 0 || axis == -1 else {
                throw SwiftGradError.index(op, "axis \(axis) is out of bounds for a tensor of dimension 0")
            }
            return []
        }
        return try normalizeAxes([axis], rank: rank, op)
    }

    /// log(sum(exp(x))) over `axes` (nil: all), without overflow: the
    /// maximum is subtracted first. Its gradient is the softmax.
    public func logsumexp(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        let x = try realFloating("logsumexp")
        let axes = try normalizeAxes(axes ?? Array(0..<rank), rank: rank, "logsumexp")
        return try Tensor.apply(LogSumExp(axes: axes, keepDims: keepDims), x)
    }

    /// exp(x) / sum(exp(x)) along `axis`, as exp(x - logsumexp(x)): every
    /// exponent is at most 0. Its gradient is softmax * (g - sum(g * softmax)).
    public func softmax(axis: Int = -1) throws -> Tensor {
        try logSoftmax(axis: axis, "softmax").unary(.exp)
    }

    /// log(softmax(x)) along `axis`, as x - logsumexp(x): finite where
    /// softmax itself underflows to 0.
    public func logSoftmax(axis: Int = -1) throws -> Tensor {
        try logSoftmax(axis: axis, "log_softmax")
    }

    private func logSoftmax(axis: Int, _ op: String) throws -> Tensor {
        let x = try realFloating(op)
        let axes = try softmaxAxes(axis, op)
        return try x - Tensor.apply(LogSumExp(axes: axes, keepDims: true), x)
    }

    /// log(sigmoid(x)) = -softplus(-x), finite for every finite x.
    public func logSigmoid() throws -> Tensor {
        let x = try realFloating("log_sigmoid")
        return try -(-x).unary(.softplus)
    }
}

/// How a loss combines its elementwise values (PyTorch's `reduction=`);
/// the raw values are `sg_loss_reduction`'s numbers.
public enum LossReduction: Int32, CaseIterable, Sendable {
    case none, mean, sum
}

/// The binary cross-entropy of `targets` (probabilities) under
/// sigmoid(`logits`): (1 - y) * x + softplus(-x) elementwise, which never
/// takes log(0); its gradient is sigmoid(x) - y. Logits and targets
/// broadcast together; `reduction` gives the mean (the default, as in
/// PyTorch), the sum, or the elementwise losses.
public func binaryCrossEntropyWithLogits(_ logits: Tensor, _ targets: Tensor,
                                         reduction: LossReduction = .mean) throws -> Tensor {
    let op = "binary_cross_entropy_with_logits"
    for (what, t) in [("logits", logits), ("targets", targets)] where t.dtype.kind == .complexFloating {
        throw SwiftGradError.type(op, "\(what) must be real, not \(t.dtype)")
    }
    _ = try broadcastShapes(logits.type.shape, targets.type.shape, op)
    // Integer or boolean targets (labels) take the logits' floating dtype.
    let dtype: DType
    switch (logits.dtype.kind == .realFloating, targets.dtype.kind == .realFloating) {
    case (true, true): dtype = try DType.promoted(logits.dtype, targets.dtype, op)
    case (true, false): dtype = logits.dtype
    case (false, true): dtype = targets.dtype
    case (false, false): dtype = .float64
    }
    let x = try logits.cast(to: dtype), y = try targets.cast(to: dtype)
    let losses = try (1 - y) * x + (-x).unary(.softplus)
    switch reduction {
    case .none: return losses
    case .mean: return try losses.mean()
    case .sum: return try losses.sum()
    }
}
