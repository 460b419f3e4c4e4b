// Products beyond matmul: tensordot, vecdot, outer and einsum. Each is
// lowered to permutations, sums and the `Contract` primitive, so each is
// differentiable through theirs.

extension Tensor {
    /// Contracts this tensor's `axes` with `other`'s `otherAxes`, pairwise
    /// (`numpy.tensordot`): the result has this tensor's other axes, then
    /// `other`'s.
    public func tensordot(_ other: Tensor, axes: [Int], _ otherAxes: [Int]) throws -> Tensor {
        let op = "tensordot"
        guard axes.count == otherAxes.count else {
            throw SwiftGradError.value(op, "\(axes.count) axes of the first operand do not pair with \(otherAxes.count) of the second")
        }
        let dtype = try DType.promoted(self.dtype, other.dtype, op)
        guard dtype.isNumeric else { throw unsupported(op, dtype) }
        let ca = try normalizeList(axes, rank: rank, op), cb = try normalizeList(otherAxes, rank: other.rank, op)
        for (i, j) in zip(ca, cb) {
            if let m = type.shape[i], let n = other.type.shape[j], m != n {
                throw SwiftGradError.value(op, "shape-mismatch for sum: axis \(i) of \(describe(type.shape)) has length \(m), axis \(j) of \(describe(other.type.shape)) has \(n)")
            }
        }
        let fa = (0..<rank).filter { !ca.contains($0) }, fb = (0..<other.rank).filter { !cb.contains($0) }
        let a = try cast(to: dtype).permuted(fa + ca), b = try other.cast(to: dtype).permuted(cb + fb)
        return try Tensor.apply(Contract(batch: 0, freeA: fa.count, contracted: ca.count, freeB: fb.count), a, b)
    }

    /// `tensordot` over this tensor's last `count` axes and `other`'s first.
    public func tensordot(_ other: Tensor, count: Int) throws -> Tensor {
        guard count >= 0, count <= rank, count <= other.rank else {
            throw SwiftGradError.value("tensordot", "cannot contract \(count) axes of shapes \(describe(type.shape)) and \(describe(other.type.shape))")
        }
        return try tensordot(other, axes: Array(rank - count ..< rank), Array(0..<count))
    }

    /// The dot product along `axis` of the conjugate of this tensor with
    /// `other`, broadcasting the other axes (the Array API's `vecdot`).
    public func vecdot(_ other: Tensor, axis: Int = -1) throws -> Tensor {
        let op = "vecdot"
        let dtype = try DType.promoted(self.dtype, other.dtype, op)
        guard dtype.isNumeric else { throw unsupported(op, dtype) }
        guard rank >= 1, other.rank >= 1, axis < 0 else {
            throw SwiftGradError.value(op, "axis \(axis) must be negative and the operands at least 1-D, got shapes \(describe(type.shape)) and \(describe(other.type.shape))")
        }
        let i = try normalizeAxes([axis], rank: rank, op)[0], j = try normalizeAxes([axis], rank: other.rank, op)[0]
        if let m = type.shape[i], let n = other.type.shape[j], m != n {
            throw SwiftGradError.value(op, "shapes \(describe(type.shape)) and \(describe(other.type.shape)) differ along axis \(axis)")
        }
        let product = try cast(to: dtype).conj() * other.cast(to: dtype)
        return try product.sum(axes: [axis])
    }

    /// The outer product of two vectors.
    public func outer(_ other: Tensor) throws -> Tensor {
        guard rank == 1, other.rank == 1 else {
            throw SwiftGradError.value("outer", "operands must be 1-D, got shapes \(describe(type.shape)) and \(describe(other.type.shape))")
        }
        return try tensordot(other, count: 0)
    }
}

/// Axes as given, negative ones counted from the end, none repeated.
private func normalizeList(_ axes: [Int], rank: Int, _ op: String) throws -> [Int] {
    _ = try normalizeAxes(axes, rank: rank, op)
    return axes.map { $0 < 0 ? $0 + rank : $0 }
}

/// `numpy.einsum` with explicit (`"ij,jk->ik"`) or implicit (`"ij,jk"`:
/// the labels that appear once, in alphabetical order) output. Operands
/// are contracted pairwise from the left; a label used by no later operand
/// nor the output is summed as soon as it can be. Repeated labels within
/// one operand and `...` are not supported.
public func einsum(_ subscripts: String, _ operands: [Tensor]) throws -> Tensor {
    let op = "einsum"
    let spec = subscripts.filter { $0 != " " }
    let parts = spec.split(separator: "->", omittingEmptySubsequences: false).map(String.init)
    guard parts.count <= 2 else { throw SwiftGradError.value(op, "subscripts '\(subscripts)' have more than one '->'") }
    let inputs = parts[0].split(separator: ",", omittingEmptySubsequences: false).map { Array($0) }
    guard inputs.count == operands.count else {
        throw SwiftGradError.value(op, "subscripts '\(subscripts)' name \(inputs.count) operands, \(operands.count) given")
    }
    for (labels, x) in zip(inputs, operands) {
        guard labels.allSatisfy({ $0.isLetter && $0.isASCII }) else {
            throw SwiftGradError.value(op, "subscripts '\(subscripts)': only letters are supported (no '...')")
        }
        guard labels.count == x.rank else {
            throw SwiftGradError.value(op, "subscripts '\(String(labels))' name \(labels.count) axes of an operand of shape \(describe(x.type.shape))")
        }
        guard Set(labels).count == labels.count else {
            throw SwiftGradError.value(op, "repeated label in '\(String(labels))': diagonals and traces are not supported; use diagonal or trace")
        }
    }
    let output: [Character]
    if parts.count == 2 {
        output = Array(parts[1])
        guard Set(output).count == output.count, output.allSatisfy({ l in inputs.contains { $0.contains(l) } }) else {
            throw SwiftGradError.value(op, "output subscripts '\(parts[1])' repeat a label or name one no operand has")
        }
    } else {
        let all = inputs.flatMap { $0 }
        output = Set(all).filter { l in all.filter { $0 == l }.count == 1 }.sorted()
    }
    // Lengths agree for every label.
    var lengths = [Character: Int]()
    for (labels, x) in zip(inputs, operands) {
        for case let (l, n?) in zip(labels, x.type.shape) {
            if let known = lengths[l], known != n {
                throw SwiftGradError.value(op, "label '\(l)' has lengths \(known) and \(n)")
            }
            lengths[l] = n
        }
    }
    guard !operands.isEmpty else { throw SwiftGradError.value(op, "no operands") }
    let dtype = try operands.dropFirst().reduce(operands[0].dtype) { try DType.promoted($0, $1.dtype, op) }
    guard dtype.isNumeric else { throw unsupported(op, dtype) }

    /// Sums the labels of (x, labels) that nothing in `needed` uses.
    func sumUnneeded(_ x: Tensor, _ labels: [Character], _ needed: Set<Character>) throws -> (Tensor, [Character]) {
        let dropped = labels.indices.filter { !needed.contains(labels[$0]) }
        guard !dropped.isEmpty else { return (x, labels) }
        return (try x.sum(axes: dropped), labels.enumerated().filter { !dropped.contains($0.offset) }.map(\.element))
    }

    var (x, labels) = (try operands[0].cast(to: dtype), inputs[0])
    for k in 1..<max(operands.count, 1) {
        let later = Set(output + inputs[(k + 1)...].flatMap { $0 })
        let y0 = try operands[k].cast(to: dtype)
        (x, labels) = try sumUnneeded(x, labels, later.union(inputs[k]))
        let (y, yLabels) = try sumUnneeded(y0, inputs[k], later.union(labels))
        let shared = labels.filter(yLabels.contains)
        let batch = shared.filter(later.contains), contracted = shared.filter { !later.contains($0) }
        let freeA = labels.filter { !shared.contains($0) }, freeB = yLabels.filter { !shared.contains($0) }
        let a = try x.permuted((batch + freeA + contracted).map { labels.firstIndex(of: $0) ?? 0 })
        let b = try y.permuted((batch + contracted + freeB).map { yLabels.firstIndex(of: $0) ?? 0 })
        x = try Tensor.apply(Contract(batch: batch.count, freeA: freeA.count, contracted: contracted.count, freeB: freeB.count), a, b)
        labels = batch + freeA + freeB
    }
    (x, labels) = try sumUnneeded(x, labels, Set(output))
    return try x.permuted(output.map { labels.firstIndex(of: $0) ?? 0 })
}

public func tensordot(_ a: Tensor, _ b: Tensor, axes: [Int], _ otherAxes: [Int]) throws -> Tensor {
    try a.tensordot(b, axes: axes, otherAxes)
}
public func vecdot(_ a: Tensor, _ b: Tensor, axis: Int = -1) throws -> Tensor { try a.vecdot(b, axis: axis) }
public func outer(_ a: Tensor, _ b: Tensor) throws -> Tensor { try a.outer(b) }
