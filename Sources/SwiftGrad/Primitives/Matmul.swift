/// The product of stacks of matrices: operands of rank 2 or more whose
/// leading (batch) axes broadcast, as in `numpy.matmul`. `matmul` and `dot`
/// bring 1-D operands to this by adding and removing length-1 axes, so
/// their gradients come free.
struct Matmul: Primitive {
    var name: String { "matmul" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let a = inputs[0], b = inputs[1]
        guard a.dtype == b.dtype else {
            throw SwiftGradError.type(name, "dtypes \(a.dtype) and \(b.dtype) differ")
        }
        guard a.dtype.isNumeric else { throw unsupported(name, a.dtype) }
        guard a.rank >= 2, b.rank >= 2 else {
            throw SwiftGradError.value(name, "operands must be matrices, got \(describe(a.shape)) and \(describe(b.shape))")
        }
        if let k = a.shape[a.rank - 1], let l = b.shape[b.rank - 2], k != l {
            throw notAligned(name, a.shape, b.shape)
        }
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        guard let batch = try? broadcastShapes(batchA, batchB, name) else {
            throw SwiftGradError.value(name, "shapes \(describe(a.shape)) and \(describe(b.shape)): batch axes \(describe(batchA)) and \(describe(batchB)) cannot be broadcast together")
        }
        return TensorType(a.dtype, batch + [a.shape[a.rank - 2], b.shape[b.rank - 1]])
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        let a = inputs[0], b = inputs[1]
        guard a.shape.count > 2 || b.shape.count > 2 else { return try gemm(a, b, into: out, name) }
        // One product per batch index, over the broadcast operands.
        let rank = out.shape.count, batch = Array(out.shape.dropLast(2))
        guard out.count > 0 else { return }
        let (m, n) = (out.shape[rank - 2], out.shape[rank - 1])
        let offsetsA = matrixOffsets(a, batch: batch), offsetsB = matrixOffsets(b, batch: batch)
        let (ra, rb) = (a.shape.count, b.shape.count)
        if usesLoop(a, b) {
            return try batchedLoopGemm(a, b, into: out, offsetsA, offsetsB, name)
        }
        for (index, (oa, ob)) in zip(offsetsA, offsetsB).enumerated() {
            let am = try a.view(shape: Array(a.shape.suffix(2)), strides: [a.strides[ra - 2], a.strides[ra - 1]], offset: oa, name)
            let bm = try b.view(shape: Array(b.shape.suffix(2)), strides: [b.strides[rb - 2], b.strides[rb - 1]], offset: ob, name)
            let om = try out.view(shape: [m, n], strides: [n, 1], offset: out.offset + index &* m &* n, name)
            try gemm(am, bm, into: om, name)
        }
    }

    // Batch axes a gradient was broadcast along are summed back by SumTo.
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        let a = inputs[0], b = inputs[1]
        let gradient = i == 0
            ? try Tensor.apply(self, g, b.matrixTransposed().conj())
            : try Tensor.apply(self, a.matrixTransposed().conj(), g)
        // Without batch axes the product has the operand's shape already, so
        // a symbolic gradient does not need the operand (Theano's Lop of dot).
        return a.rank == 2 && b.rank == 2 ? gradient : try gradient.sum(toShapeOf: inputs[i])
    }
}

/// NumPy's message for operands whose inner lengths differ.
func notAligned(_ op: String, _ a: [Int?], _ b: [Int?]) -> SwiftGradError {
    let bAxis = b.count == 1 ? 0 : b.count - 2
    let k = a.last.flatMap { $0 }.map(String.init) ?? "?"
    let l = b[bAxis].map(String.init) ?? "?"
    return SwiftGradError.value(
        op, "shapes \(describe(a)) and \(describe(b)) are not aligned: \(k) (dim \(a.count - 1)) != \(l) (dim \(bAxis))")
}

/// A general tensor contraction, the product `tensordot` and `einsum`
/// lower to: `a` has axes (batch…, free…, contracted…) and `b` has
/// (batch…, contracted…, free…), counted by `batch`, `freeA`, `contracted`
/// and `freeB`; the result has (batch…, a's free…, b's free…). Each group
/// of axes is flattened, so the kernel is one matrix product per batch
/// index; its vjps are contractions again.
struct Contract: Primitive {
    let batch: Int, freeA: Int, contracted: Int, freeB: Int
    var name: String { "contract" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let a = inputs[0], b = inputs[1]
        guard a.dtype == b.dtype, a.dtype.isNumeric,
              a.rank == batch + freeA + contracted, b.rank == batch + contracted + freeB else {
            throw SwiftGradError.internal(name, "operands \(a.dtype)\(describe(a.shape)) and \(b.dtype)\(describe(b.shape)) do not fit \(self)")
        }
        for (i, j) in matchedAxes {
            if let m = a.shape[i], let n = b.shape[j], m != n { throw mismatch(a.shape, b.shape) }
        }
        return TensorType(a.dtype, Array(a.shape.prefix(batch + freeA)) + Array(b.shape.suffix(freeB)))
    }

    /// Pairs of axes of a and b that must have one length.
    private var matchedAxes: [(Int, Int)] {
        (0..<batch).map { ($0, $0) } + (0..<contracted).map { (batch + freeA + $0, batch + $0) }
    }

    private func mismatch(_ a: [Int?], _ b: [Int?]) -> SwiftGradError {
        SwiftGradError.value(name, "shapes \(describe(a)) and \(describe(b)) differ along the contracted or batch axes")
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        let a = try inputs[0].contiguous(name), b = try inputs[1].contiguous(name)
        for (i, j) in matchedAxes where a.shape[i] != b.shape[j] {
            throw mismatch(a.shape.map(Optional.some), b.shape.map(Optional.some))
        }
        let count = { (s: ArraySlice<Int>) in s.reduce(1, &*) }
        let nb = count(a.shape.prefix(batch)), m = count(a.shape.dropFirst(batch).prefix(freeA))
        let k = count(a.shape.suffix(contracted)), n = count(b.shape.suffix(freeB))
        guard out.count > 0 else { return }
        for i in 0..<nb {
            let am = try a.view(shape: [m, k], strides: [k, 1], offset: a.offset + i &* m &* k, name)
            let bm = try b.view(shape: [k, n], strides: [n, 1], offset: b.offset + i &* k &* n, name)
            let om = try out.view(shape: [m, n], strides: [n, 1], offset: out.offset + i &* m &* n, name)
            try gemm(am, bm, into: om, name)
        }
    }

    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        let a = inputs[0], b = inputs[1]
        let batchAxes = Array(0..<batch)
        if i == 0 {
            // g (batch, freeA, freeB) with b seen as (batch, freeB, contracted).
            let bt = try b.permuted(batchAxes + Array(batch + contracted ..< b.rank) + Array(batch ..< batch + contracted))
            return try Tensor.apply(Contract(batch: batch, freeA: freeA, contracted: freeB, freeB: contracted), g, bt.conj())
        }
        // a seen as (batch, contracted, freeA) with g (batch, freeA, freeB).
        let at = try a.permuted(batchAxes + Array(batch + freeA ..< a.rank) + Array(batch ..< batch + freeA))
        return try Tensor.apply(Contract(batch: batch, freeA: contracted, contracted: freeA, freeB: freeB), at.conj(), g)
    }
}
