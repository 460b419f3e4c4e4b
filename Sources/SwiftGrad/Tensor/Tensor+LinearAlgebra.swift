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

/// Labels for the axes `...` covers in einsum, apart from any letter.
private func ellipsisLabels(_ count: Int) -> [Character] {
    (0..<count).compactMap { Unicode.Scalar(0xE000 + $0).map(Character.init) }
}

/// Axes as given, negative ones counted from the end, none repeated.
private func normalizeList(_ axes: [Int], rank: Int, _ op: String) throws -> [Int] {
    _ = try normalizeAxes(axes, rank: rank, op)
    return axes.map { $0 < 0 ? $0 + rank : $0 }
}

/// `numpy.einsum` with explicit (`"ij,jk->ik"`) or implicit (`"ij,jk"`:
/// the labels that appear once, in alphabetical order) output. A label
/// repeated within one operand takes its diagonal (`"ii->i"`, `"ii"` is
/// the trace); `...` stands for axes that broadcast together across the
/// operands that have it, as in NumPy. Operands are contracted pairwise
/// from the left; a label
/// used by no later operand nor the output is summed as soon as it can be.
public func einsum(_ subscripts: String, _ operands: [Tensor]) throws -> Tensor {
    let op = "einsum"
    let spec = subscripts.filter { $0 != " " }
    let parts = spec.split(separator: "->", omittingEmptySubsequences: false).map(String.init)
    guard parts.count <= 2 else { throw SwiftGradError.value(op, "subscripts '\(subscripts)' have more than one '->'") }
    let given = parts[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    guard given.count == operands.count else {
        throw SwiftGradError.value(op, "subscripts '\(subscripts)' name \(given.count) operands, \(operands.count) given")
    }
    // `...` becomes labels of its own (private-use characters), as many as
    // the axes it covers; they broadcast as NumPy's do, aligned from the
    // right (an operand may cover fewer axes, or have length 1 along one).
    var pieces = [[[Character]]](), covers = [Int?]()
    for (text, x) in zip(given, operands) {
        let split = text.split(separator: "...", omittingEmptySubsequences: false).map { Array($0) }
        let labels = split.joined().map { $0 }
        guard split.count <= 2, labels.allSatisfy({ $0.isLetter && $0.isASCII }) else {
            throw SwiftGradError.value(op, "subscripts '\(subscripts)': labels must be letters, with at most one '...' per operand")
        }
        guard split.count == 1 ? labels.count == x.rank : labels.count <= x.rank else {
            throw SwiftGradError.value(op, "subscripts '\(text)' name \(labels.count) axes of an operand of shape \(describe(x.type.shape))")
        }
        pieces.append(split)
        covers.append(split.count == 2 ? x.rank - labels.count : nil)
    }
    let ellipsisRank = covers.compactMap { $0 }.max()
    let broadcastLabels = ellipsisLabels(ellipsisRank ?? 0)
    var inputs = zip(pieces, covers).map { split, covered in
        covered.map { split[0] + broadcastLabels.suffix($0) + split[1] } ?? split[0]
    }
    let output: [Character]
    if parts.count == 2 {
        let pieces = parts[1].split(separator: "...", omittingEmptySubsequences: false).map { Array($0) }
        guard pieces.count <= 2, pieces.count == 1 || ellipsisRank != nil else {
            throw SwiftGradError.value(op, "output subscripts '\(parts[1])' use '...' that no operand has")
        }
        output = pieces.count == 2 ? pieces[0] + broadcastLabels + pieces[1] : pieces[0]
        guard Set(output).count == output.count, output.allSatisfy({ l in inputs.contains { $0.contains(l) } }) else {
            throw SwiftGradError.value(op, "output subscripts '\(parts[1])' repeat a label or name one no operand has")
        }
    } else {
        // NumPy counts a label repeated within one operand once there too.
        let all = inputs.flatMap { $0 }.filter { $0.isASCII }
        output = broadcastLabels + Set(all).filter { l in all.filter { $0 == l }.count == 1 }.sorted()
    }
    // Lengths agree for every label; those of `...` broadcast.
    var lengths = [Character: Int]()
    for (labels, x) in zip(inputs, operands) {
        for case let (l, n?) in zip(labels, x.type.shape) {
            guard let known = lengths[l], known != n else { lengths[l] = n; continue }
            if !l.isASCII, known == 1 || n == 1 {
                lengths[l] = Swift.max(known, n)
                continue
            }
            throw SwiftGradError.value(op, l.isASCII ? "label '\(l)' has lengths \(known) and \(n)"
                                       : "operands could not be broadcast together along '...' (lengths \(known) and \(n))")
        }
    }
    var operands = operands
    let unknown = zip(operands, covers).contains { x, covered in covered != nil && x.type.shape.contains(nil) }
    for k in operands.indices {
        guard let covered = covers[k] else { continue }
        let shape = operands[k].type.shape
        if !unknown {
            let target = zip(inputs[k], shape).map { l, n in lengths[l] ?? n ?? 0 }
            if target != shape.map({ $0 ?? 0 }) { operands[k] = try operands[k].broadcast(to: target) }
            continue
        }
        // Lengths fixed only at run time: a zero sum carries the shape
        // operand k takes, its own plus every other's `...` axes placed
        // where its `...` is.
        let before = pieces[k][0].count, after = pieces[k].last?.count ?? 0
        var carrier = try Tensor.zeros(like: operands[k], dtype: .float64)
        for j in operands.indices where j != k {
            guard let other = covers[j] else { continue }
            let start = pieces[j][0].count, rank = operands[j].rank
            let outside = Array(0..<start) + Array((start + other)..<rank)
            var part = try Tensor.zeros(like: operands[j], dtype: .float64).sum(axes: outside)
            if other > covered { part = try part.sum(axes: Array(0..<(other - covered))) }
            let leading = Array(0..<(before + Swift.max(covered - other, 0)))
            let trailing = (0..<after).map { leading.count + Swift.min(other, covered) + $0 }
            part = try part.expandingDims(leading + trailing)
            carrier = try carrier + part
        }
        operands[k] = try Tensor.apply(BroadcastTo(), operands[k], carrier)
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

    // A label repeated within an operand: take that diagonal, once per repeat.
    for k in operands.indices {
        var labels = inputs[k]
        while let l = labels.first(where: { c in labels.filter { $0 == c }.count > 1 }) {
            let p = labels.firstIndex(of: l) ?? 0, q = labels.lastIndex(of: l) ?? 0
            let rest = labels.indices.filter { $0 != p && $0 != q }
            operands[k] = try operands[k].permuted(rest + [p, q]).diagonal()
            labels = rest.map { labels[$0] } + [l]
        }
        inputs[k] = labels
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

// MARK: The linalg extension

extension Tensor {
    /// This tensor ready for a factorization: integers and booleans become
    /// float64, as NumPy does; complex stays complex.
    private func linalgOperand(_ op: String) throws -> Tensor {
        dtype.isFloating ? self : try cast(to: .float64)
    }

    private func factor(_ part: MatrixFactor, _ op: String) throws -> Tensor {
        try Tensor.apply(Factorization(part: part), linalgOperand(op))
    }

    /// One output of a factorization of each matrix (what `slogdet`,
    /// `eigh`, `svd` and `qr` return one of), computed alone.
    public func factor(_ part: MatrixFactor) throws -> Tensor {
        try Tensor.apply(Factorization(part: part), linalgOperand(Factorization(part: part).name))
    }

    /// Several outputs of one factorization of each matrix (slogdet's two,
    /// eigh's two, svd's three of one fullness, qr's two of one mode). On a
    /// value with nothing to record, one LAPACK call per matrix gives them
    /// all; otherwise each is its own primitive, with its own vjp.
    public func factors(_ parts: [MatrixFactor]) throws -> [Tensor] {
        guard let first = parts.first else { return [] }
        try Factorization.checkOneCall(parts)
        let x = try linalgOperand(Factorization(part: first).name)
        guard x.kind == .value, let value = x.storedValue, !(GradMode.isEnabled && x.requiresGrad) else {
            return try parts.map { try Tensor.apply(Factorization(part: $0), x) }
        }
        let types = try parts.map { part in try Factorization(part: part).outputType([x.type]) }
        let outs = try zip(parts, types).map { part, type in
            try NDArray.uninitialized(type.dtype, type.knownShape(Factorization(part: part).name), Factorization(part: part).name)
        }
        try Factorization.evaluate(parts, of: value, into: outs)
        return zip(types, outs).map { type, out in Tensor(type: TensorType(type.dtype, out.shape), origin: .constant, value: out) }
    }

    /// The inverse of each square matrix; a singular one is an error.
    public func inverse() throws -> Tensor { try factor(.inverse, "inv") }

    /// The determinant of each square matrix.
    public func determinant() throws -> Tensor { try factor(.determinant, "det") }

    /// The sign (-1, 0 or 1) and the natural log of the absolute value of
    /// each square matrix's determinant (0 and -inf when singular).
    public func slogdet() throws -> (sign: Tensor, logAbsDet: Tensor) {
        let f = try factors([.slogdetSign, .slogdetLog])
        return (f[0], f[1])
    }

    /// The Cholesky factor of each symmetric positive-definite matrix:
    /// lower L with A = L Lᵀ, or its transpose when `upper`.
    public func cholesky(upper: Bool = false) throws -> Tensor {
        let l = try factor(.cholesky, "cholesky")
        return upper ? try l.matrixTransposed() : l
    }

    /// The eigenvalues (ascending, real) and eigenvectors (columns) of each
    /// symmetric or Hermitian matrix, read from its lower triangle (NaN
    /// throughout when that holds NaN or infinity).
    public func eigh() throws -> (eigenvalues: Tensor, eigenvectors: Tensor) {
        let f = try factors([.eigenvalues, .eigenvectors])
        return (f[0], f[1])
    }

    /// The eigenvalues (ascending, real) of each symmetric or Hermitian matrix.
    public func eigvalsh() throws -> Tensor { try factor(.eigenvalues, "eigvalsh") }

    /// U, the singular values (descending, real) and Vᴴ of each matrix;
    /// with `fullMatrices`, U and Vᴴ are square. A matrix with NaN is an
    /// error (SVD did not converge), one with infinities gives NaNs, as
    /// in NumPy.
    public func svd(fullMatrices: Bool = true) throws -> (u: Tensor, s: Tensor, vh: Tensor) {
        let f = try factors([.svdU(full: fullMatrices), .singularValues, .svdVh(full: fullMatrices)])
        return (f[0], f[1], f[2])
    }

    /// The singular values (descending) of each matrix.
    public func svdvals() throws -> Tensor { try factor(.singularValues, "svdvals") }

    /// Q (orthonormal columns) and R (upper triangular) of each matrix;
    /// `complete` makes Q square.
    public func qr(complete: Bool = false) throws -> (q: Tensor, r: Tensor) {
        let f = try factors([.qrQ(complete: complete), .qrR(complete: complete)])
        return (f[0], f[1])
    }

    /// X with A X = B for A this tensor (…, n, n) and B (…, n, k) or (n,),
    /// batch axes broadcasting.
    public func solve(_ b: Tensor) throws -> Tensor {
        let op = "solve"
        let a = try linalgOperand(op), b = try b.linalgOperand(op)
        let dtype = try DType.promoted(a.dtype, b.dtype, op)
        guard a.rank >= 2 else {
            throw SwiftGradError.value(op, "A must be a square matrix or a stack of them, got shape \(describe(a.shape))")
        }
        guard b.rank >= 1 else { throw SwiftGradError.value(op, "the right-hand side must be at least 1-D") }
        let column = b.rank == 1
        let b2 = column ? try b.expandingDims([1]) : b
        let x = try Tensor.apply(Solve(), a.cast(to: dtype), b2.cast(to: dtype))
        return column ? try x.squeezing([x.rank - 1]) : x
    }

    /// The `ord`-norm of vectors along `axes` (nil: all): ord 2 is
    /// Euclidean, ±inf the largest or smallest magnitude, 0 the count of
    /// nonzeros, others (Σ|x|^ord)^(1/ord).
    public func vectorNorm(axes: [Int]? = nil, keepDims: Bool = false, ord: Double = 2) throws -> Tensor {
        let op = "vector_norm"
        guard dtype.isFloating else { throw unsupported(op, dtype) }
        let magnitude = try unary(.abs)
        switch ord {
        case .infinity: return try magnitude.max(axes: axes, keepDims: keepDims)
        case -.infinity: return try magnitude.min(axes: axes, keepDims: keepDims)
        case 0: return try magnitude.binary(.notEqual, 0.0).sum(axes: axes, keepDims: keepDims, dtype: magnitude.dtype)
        case 1: return try magnitude.sum(axes: axes, keepDims: keepDims)
        case 2: return try (magnitude * magnitude).sum(axes: axes, keepDims: keepDims).unary(.sqrt)
        default: return try magnitude.pow(ord).sum(axes: axes, keepDims: keepDims).pow(1 / ord)
        }
    }

    /// The norm of each matrix (the last two axes): "fro", "nuc", or
    /// 1, -1, 2, -2, inf, -inf as numbers, as `numpy.linalg.norm`.
    public func matrixNorm(ord: String = "fro", keepDims: Bool = false) throws -> Tensor {
        let op = "matrix_norm"
        guard dtype.isFloating else { throw unsupported(op, dtype) }
        guard rank >= 2 else { throw SwiftGradError.value(op, "needs at least 2 dimensions, got shape \(describe(type.shape))") }
        let rows = rank - 2, cols = rank - 1
        let magnitude = try unary(.abs)
        var result: Tensor
        switch ord {
        case "fro": result = try (magnitude * magnitude).sum(axes: [rows, cols]).unary(.sqrt)
        case "nuc": result = try svdvals().sum(axes: [-1])
        case "2": result = try svdvals().max(axes: [-1])
        case "-2": result = try svdvals().min(axes: [-1])
        case "1": result = try magnitude.sum(axes: [rows]).max(axes: [-1])
        case "-1": result = try magnitude.sum(axes: [rows]).min(axes: [-1])
        case "inf": result = try magnitude.sum(axes: [cols]).max(axes: [-1])
        case "-inf": result = try magnitude.sum(axes: [cols]).min(axes: [-1])
        default: throw SwiftGradError.value(op, "unknown order '\(ord)'; use fro, nuc, 1, -1, 2, -2, inf or -inf")
        }
        return keepDims ? try result.expandingDims([rows, cols]) : result
    }

    /// The diagonal at `offset` of each matrix (a view).
    public func diagonal(offset: Int = 0) throws -> Tensor { try Tensor.apply(Diagonal(offset: offset), self) }

    /// The sum of the diagonal at `offset` of each matrix, in `dtype` (nil:
    /// as `sum` chooses).
    public func trace(offset: Int = 0, dtype: DType? = nil) throws -> Tensor {
        guard dtype != nil || self.dtype.isNumeric else { throw unsupported("trace", self.dtype) }
        return try diagonal(offset: offset).sum(axes: [-1], dtype: dtype)
    }

    /// Each square matrix raised to the integer power `n` (negative powers
    /// invert first), by repeated squaring.
    public func matrixPower(_ n: Int) throws -> Tensor {
        let op = "matrix_power"
        let m = rank >= 2 ? type.shape[rank - 2] : 0, k = rank >= 2 ? type.shape[rank - 1] : 1
        guard rank >= 2, m == k || m == nil || k == nil else {
            throw SwiftGradError.value(op, "needs square matrices, got shape \(describe(type.shape))")
        }
        guard dtype.isNumeric else { throw unsupported(op, dtype) }
        if n == 0 {
            // Identities of this tensor's shape (lengths read at run time).
            let ones = try diagonal().binary(.multiply, Scalar.int(0)).binary(.add, Scalar.int(1))
            return try Tensor.apply(DiagonalEmbed(offset: 0), ones, self)
        }
        var base = n < 0 ? try inverse() : self
        var power = n.magnitude, result: Tensor? = nil
        while power > 0 {
            if power & 1 == 1 { result = try result.map { try $0.matmul(base) } ?? base }
            power >>= 1
            if power > 0 { base = try base.matmul(base) }
        }
        return result ?? self
    }

    /// The Moore–Penrose pseudo-inverse of each matrix, dropping singular
    /// values at or below `rtol` times the largest (nil: max(m, n) · eps).
    public func pinv(rtol: Double? = nil) throws -> Tensor {
        let x = try linalgOperand("pinv")
        let (u, s, vh) = try x.svd(fullMatrices: false)
        let cutoff = try s.max(axes: [-1], keepDims: true) * defaultTolerance(rtol, x)
        let keep = try Tensor.binary(.greater, s, cutoff).cast(to: s.dtype)
        let safe = try s + (1 - keep)  // no division by the dropped values
        let inverted = try keep / safe
        return try (vh.matrixTransposed().conj() * inverted.expandingDims([inverted.rank - 1]))
            .matmul(u.matrixTransposed().conj())
    }

    /// The number of singular values of each matrix above `rtol` times the
    /// largest (nil: max(m, n) · eps), as int64.
    public func matrixRank(rtol: Double? = nil) throws -> Tensor {
        let x = try linalgOperand("matrix_rank")
        let s = try x.svdvals()
        let cutoff = try s.max(axes: [-1], keepDims: true) * defaultTolerance(rtol, x)
        return try Tensor.binary(.greater, s, cutoff).sum(axes: [-1])
    }

    private func defaultTolerance(_ rtol: Double?, _ x: Tensor) throws -> Double {
        if let rtol { return rtol }
        let m = x.type.shape[x.rank - 2] ?? 1, n = x.type.shape[x.rank - 1] ?? 1
        let eps = x.dtype.realPart == .float32 ? Double(Float.ulpOfOne) : Double.ulpOfOne
        return Double(Swift.max(m, n)) * eps
    }

    /// The cross product of 3-vectors along `axis` (negative), the other
    /// axes broadcasting: Σ_jk ε_ijk a_j b_k, a contraction with the
    /// Levi-Civita tensor, so it is differentiable.
    public func cross(_ other: Tensor, axis: Int = -1) throws -> Tensor {
        let op = "cross"
        let dtype = try DType.promoted(self.dtype, other.dtype, op)
        guard dtype.isNumeric else { throw unsupported(op, dtype) }
        guard axis < 0, axis >= -rank, axis >= -other.rank else {
            throw SwiftGradError.index(op, "axis \(axis) must be negative and within shapes \(describe(type.shape)) and \(describe(other.type.shape))")
        }
        let i = rank + axis, j = other.rank + axis
        guard type.shape[i] == 3 || type.shape[i] == nil, other.type.shape[j] == 3 || other.type.shape[j] == nil else {
            throw SwiftGradError.value(op, "axis \(axis) must have length 3 in both shapes, got \(describe(type.shape)) and \(describe(other.type.shape))")
        }
        let moveLast = { (x: Tensor, k: Int) in try x.permuted((0..<x.rank).filter { $0 != k } + [k]) }
        let a = try moveLast(cast(to: dtype), i), b = try moveLast(other.cast(to: dtype), j)
        let outer = try a.expandingDims([a.rank]) * b.expandingDims([b.rank - 1])
        var epsilon = [Double](repeating: 0, count: 27)
        for (p, q, r) in [(0, 1, 2), (1, 2, 0), (2, 0, 1)] {
            epsilon[p * 9 + q * 3 + r] = 1
            epsilon[p * 9 + r * 3 + q] = -1
        }
        let levi = try Tensor(epsilon, shape: [3, 3, 3], dtype: dtype)
        let c = try outer.tensordot(levi, axes: [outer.rank - 2, outer.rank - 1], [1, 2])
        // The component axis back at `axis`.
        let k = c.rank + axis
        var order = Array(0..<(c.rank - 1))
        order.insert(c.rank - 1, at: k)
        return try c.permuted(order)
    }
}
