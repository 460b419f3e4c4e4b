import ComplexModule

// The linalg extension's factorizations, as primitives over stacks of
// matrices (leading axes are batch axes). Each primitive computes one
// output of a factorization (`Factorization.Part`), so functions with
// several outputs (slogdet, eigh, svd, qr) apply one primitive per output.

/// One output of a matrix factorization.
public enum MatrixFactor: Hashable, Sendable {
    case inverse, determinant, slogdetSign, slogdetLog, cholesky
    case eigenvalues, eigenvectors, singularValues
    case svdU(full: Bool), svdVh(full: Bool), qrQ(complete: Bool), qrR(complete: Bool)
}

/// One output of a matrix factorization, float32 or float64.
struct Factorization: Primitive {
    typealias Part = MatrixFactor
    let part: Part

    var name: String {
        switch part {
        case .inverse: return "inv"
        case .determinant: return "det"
        case .slogdetSign, .slogdetLog: return "slogdet"
        case .cholesky: return "cholesky"
        case .eigenvalues, .eigenvectors: return "eigh"
        case .singularValues, .svdU, .svdVh: return "svd"
        case .qrQ, .qrR: return "qr"
        }
    }

    /// The parts LAPACK's complex LU and Cholesky routines give.
    private var supportsComplex: Bool {
        switch part {
        case .inverse, .determinant, .slogdetSign, .slogdetLog, .cholesky: return true
        default: return false
        }
    }

    private var needsSquare: Bool {
        switch part {
        case .inverse, .determinant, .slogdetSign, .slogdetLog, .cholesky, .eigenvalues, .eigenvectors: return true
        case .singularValues, .svdU, .svdVh, .qrQ, .qrR: return false
        }
    }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let x = inputs[0]
        guard x.dtype.isFloating else { throw unsupported(name, x.dtype) }
        guard x.dtype.kind != .complexFloating || supportsComplex else {
            throw SwiftGradError.type(name, "complex matrices are not supported yet (got \(x.dtype))")
        }
        guard x.rank >= 2 else {
            throw SwiftGradError.value(name, "needs a matrix or a stack of them, got shape \(describe(x.shape))")
        }
        let batch = Array(x.shape.dropLast(2)), m = x.shape[x.rank - 2], n = x.shape[x.rank - 1]
        if needsSquare, let m, let n, m != n {
            throw SwiftGradError.value(name, "needs square matrices, got shape \(describe(x.shape))")
        }
        let k: Int? = m.flatMap { m in n.map { Swift.min(m, $0) } }
        switch part {
        case .inverse, .cholesky, .eigenvectors: return TensorType(x.dtype, x.shape)
        case .determinant, .slogdetSign: return TensorType(x.dtype, batch)
        case .slogdetLog: return TensorType(x.dtype.realPart, batch)
        case .eigenvalues: return TensorType(x.dtype, batch + [n])
        case .singularValues: return TensorType(x.dtype, batch + [k])
        case .svdU(let full): return TensorType(x.dtype, batch + [m, full ? m : k])
        case .svdVh(let full): return TensorType(x.dtype, batch + [full ? n : k, n])
        case .qrQ(let complete): return TensorType(x.dtype, batch + [m, complete ? m : k])
        case .qrR(let complete): return TensorType(x.dtype, batch + [complete ? m : k, n])
        }
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        let x = inputs[0]
        switch x.dtype {
        case .float32: try run(Float.self, x, out)
        case .float64: try run(Double.self, x, out)
        case .complex64: try runLU(Complex<Float>.self, x, out)
        default: try runLU(Complex<Double>.self, x, out)
        }
    }

    /// The parts from LU and Cholesky, for any LU dtype (complex too).
    private func runLU<T: LUElement>(_: T.Type, _ x: NDArray, _ out: NDArray) throws {
        guard out.count > 0 else { return }
        let n = x.shape[x.shape.count - 1], batch = Array(x.shape.dropLast(2))
        let perMatrix = out.count / Swift.max(batch.reduce(1, *), 1)
        for (b, offset) in matrixOffsets(x, batch: batch).enumerated() {
            var a = columnMajor(x, offset: offset, T.self)
            let o = b * perMatrix
            do {
                switch part {
                case .inverse:
                    var identity = [T](repeating: T.zero, count: n * n)
                    for i in 0..<n { identity[i + i * n] = T.one }
                    try Lapack.solve(&a, &identity, n: n, k: n)
                    storeRowMajor(identity, rows: n, columns: n, ld: n, into: out, offset: o)
                case .determinant:
                    let (sign, log) = try Lapack.slogdet(&a, n)
                    out.pointer(T.self)[o] = sign.scaled(by: T.Modulus.exp(log))
                case .slogdetSign:
                    out.pointer(T.self)[o] = try Lapack.slogdet(&a, n).0
                case .slogdetLog:
                    out.pointer(T.Modulus.self)[o] = try Lapack.slogdet(&a, n).1
                case .cholesky:
                    try Lapack.cholesky(&a, n)
                    storeRowMajor(a, rows: n, columns: n, ld: n, into: out, offset: o) { i, j in i >= j }
                default:
                    throw SwiftGradError.internal(name, "\(part) is not an LU part")
                }
            } catch let failure as LapackFailure {
                throw failed(failure.info, x.shape)
            }
        }
    }

    private func run<T: LapackElement>(_: T.Type, _ x: NDArray, _ out: NDArray) throws {
        if supportsComplex { return try runLU(T.self, x, out) }
        guard out.count > 0 else { return }
        let r = x.shape.count, m = x.shape[r - 2], n = x.shape[r - 1]
        let batch = Array(x.shape.dropLast(2))
        let perMatrix = out.count / Swift.max(batch.reduce(1, *), 1)
        let dst = out.pointer(T.self)
        for (b, offset) in matrixOffsets(x, batch: batch).enumerated() {
            var a = columnMajor(x, offset: offset, T.self)
            let o = b * perMatrix
            do {
                switch part {
                case .inverse, .determinant, .slogdetSign, .slogdetLog, .cholesky:
                    throw SwiftGradError.internal(name, "\(part) runs through runLU")
                case .eigenvalues:
                    let w = try Lapack.eigh(&a, n, vectors: false)
                    for i in 0..<n { dst[o + i] = w[i] }
                case .eigenvectors:
                    _ = try Lapack.eigh(&a, n, vectors: true)
                    storeRowMajor(a, rows: n, columns: n, ld: n, into: out, offset: o)
                case .singularValues:
                    let s = try Lapack.svd(&a, m, n, job: UInt8(ascii: "N")).s
                    for i in 0..<s.count { dst[o + i] = s[i] }
                case .svdU(let full):
                    let f = try Lapack.svd(&a, m, n, job: UInt8(ascii: full ? "A" : "S"))
                    storeRowMajor(f.u, rows: m, columns: f.ucols, ld: m, into: out, offset: o)
                case .svdVh(let full):
                    let f = try Lapack.svd(&a, m, n, job: UInt8(ascii: full ? "A" : "S"))
                    storeRowMajor(f.vt, rows: f.vrows, columns: n, ld: Swift.max(f.vrows, 1), into: out, offset: o)
                case .qrQ(let complete):
                    let f = try Lapack.qr(a, m, n, complete: complete)
                    storeRowMajor(f.q, rows: m, columns: f.qcols, ld: Swift.max(m, 1), into: out, offset: o)
                case .qrR(let complete):
                    let f = try Lapack.qr(a, m, n, complete: complete)
                    storeRowMajor(f.r, rows: f.qcols, columns: n, ld: Swift.max(f.qcols, 1), into: out, offset: o)
                }
            } catch let failure as LapackFailure {
                throw failed(failure.info, x.shape)
            }
        }
    }

    private func failed(_ info: Int32, _ shape: [Int]) -> SwiftGradError {
        switch part {
        case .inverse, .determinant, .slogdetSign, .slogdetLog:
            return SwiftGradError.value(name, "singular matrix (shape \(describe(shape)))")
        case .cholesky:
            return SwiftGradError.value(name, "matrix is not positive definite (leading minor \(info), shape \(describe(shape)))")
        default:
            return SwiftGradError.value(name, "\(name) did not converge (shape \(describe(shape)))")
        }
    }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        let x = inputs[0]
        switch part {
        case .inverse:
            // d(A⁻¹) = -A⁻¹ dA A⁻¹.
            let rh = try result.matrixTransposed().conj()
            return try -(Tensor.apply(Matmul(), Tensor.apply(Matmul(), rh, g), rh))
        case .determinant:
            // d det = det · tr(A⁻¹ dA).
            let scale = try (g * result.conj()).expandingDims([result.rank, result.rank + 1])
            return try scale * Tensor.apply(Factorization(part: .inverse), x).matrixTransposed().conj()
        case .slogdetLog:
            let scale = try g.expandingDims([g.rank, g.rank + 1])
            return try scale * Tensor.apply(Factorization(part: .inverse), x).matrixTransposed().conj()
        case .slogdetSign:
            return nil  // piecewise constant
        case .cholesky:
            // Ā = ½ (S + Sᴴ), S = L⁻ᴴ Φ(Lᴴ L̄) L⁻¹, Φ: lower triangle, diagonal halved.
            let lh = try result.matrixTransposed().conj()
            let phi = try Tensor.apply(LowerTriangle(diagonalScale: 0.5), Tensor.apply(Matmul(), lh, g))
            let inverse = try Tensor.apply(Factorization(part: .inverse), result)
            let s = try Tensor.apply(Matmul(), Tensor.apply(Matmul(), inverse.matrixTransposed().conj(), phi), inverse)
            return try (s + s.matrixTransposed().conj()) * 0.5
        case .eigenvalues:
            // Ā = V diag(ḡ) Vᴴ.
            let v = try Tensor.apply(Factorization(part: .eigenvectors), x)
            return try Tensor.apply(Matmul(), v * g.expandingDims([g.rank - 1]), v.matrixTransposed().conj())
        case .singularValues:
            // Ā = U diag(ḡ) Vᴴ, with the reduced factors.
            let u = try Tensor.apply(Factorization(part: .svdU(full: false)), x)
            let vh = try Tensor.apply(Factorization(part: .svdVh(full: false)), x)
            return try Tensor.apply(Matmul(), u * g.expandingDims([g.rank - 1]), vh)
        case .eigenvectors:
            // Ā = V (skew(Vᴴ V̄) / E) Vᴴ, E_ij = w_j - w_i off the diagonal
            // (0 on it); distinct eigenvalues assumed, as everywhere.
            let vh = try result.matrixTransposed().conj()
            let vhg = try Tensor.apply(Matmul(), vh, g)
            let skew = try (vhg - vhg.matrixTransposed().conj()) * 0.5
            let w = try Tensor.apply(Factorization(part: .eigenvalues), x)
            let gaps = try w.expandingDims([w.rank - 1]) - w.expandingDims([w.rank])
            let ones = try w.binary(.multiply, Scalar.int(0)).binary(.add, Scalar.int(1))
            let eye = try Tensor.apply(DiagonalEmbed(offset: 0), ones, gaps)
            let inner = try skew / (gaps + eye) * (1 - eye)
            return try Tensor.apply(Matmul(), Tensor.apply(Matmul(), result, inner), vh)
        case .svdU(full: false), .svdVh(full: false):
            // The reduced SVD's factors (real): with F_ij = 1/(s_j² - s_i²)
            // off the diagonal, Ū gives U (F∘(UᵀŪ - ŪᵀU)) S Vᵀ + (I - UUᵀ) Ū S⁻¹ Vᵀ
            // and V̄ gives U S (F∘(VᵀV̄ - V̄ᵀV)) Vᵀ + U S⁻¹ V̄ᵀ (I - VVᵀ).
            let u = try Tensor.apply(Factorization(part: .svdU(full: false)), x)
            let sv = try Tensor.apply(Factorization(part: .singularValues), x)
            let vh = try Tensor.apply(Factorization(part: .svdVh(full: false)), x)
            let s2 = try sv * sv
            let gaps = try s2.expandingDims([s2.rank - 1]) - s2.expandingDims([s2.rank])
            let ones = try sv.binary(.multiply, Scalar.int(0)).binary(.add, Scalar.int(1))
            let eye = try Tensor.apply(DiagonalEmbed(offset: 0), ones, gaps)
            let f = try (1 - eye) / (gaps + eye)
            let columns = try sv.expandingDims([sv.rank - 1]), rows = try sv.expandingDims([sv.rank])
            let mm = { (a: Tensor, b: Tensor) throws -> Tensor in try Tensor.apply(Matmul(), a, b) }
            if case .svdU = part {
                let utg = try mm(u.matrixTransposed(), g)
                let core = try mm(u, f * (utg - utg.matrixTransposed()) * columns)
                let projected = try (g - mm(u, utg)) / columns
                return try mm(core + projected, vh)
            }
            let vtg = try mm(vh, g.matrixTransposed())
            let core = try mm(mm(u, rows * (f * (vtg - vtg.matrixTransposed()))), vh)
            let projected = try mm(u, (g - mm(mm(g, vh.matrixTransposed()), vh)) / rows)
            return try core + projected
        case .qrQ(complete: false), .qrR(complete: false):
            // Reduced QR with m ≥ n (R square): Ā = (Q̄ + Q copyltu(M)) R⁻ᴴ,
            // M = R R̄ᴴ - Q̄ᴴ Q, copyltu making M Hermitian from its lower
            // triangle; R⁻ᴴ applied as a solve with R.
            if let m = x.type.shape[x.rank - 2], let n = x.type.shape[x.rank - 1], m < n {
                throw SwiftGradError.value(name, "the gradient through qr's factors needs rows ≥ columns, got shape \(describe(x.type.shape))")
            }
            let q = try Tensor.apply(Factorization(part: .qrQ(complete: false)), x)
            let r = try Tensor.apply(Factorization(part: .qrR(complete: false)), x)
            let mm = { (a: Tensor, b: Tensor) throws -> Tensor in try Tensor.apply(Matmul(), a, b) }
            let gq: Tensor?, gr: Tensor?
            if case .qrQ = part { (gq, gr) = (g, nil) } else { (gq, gr) = (nil, g) }
            var inner: Tensor? = nil
            if let gr { inner = try mm(r, gr.matrixTransposed().conj()) }
            if let gq {
                let term = try -mm(gq.matrixTransposed().conj(), q)
                inner = try inner.map { try $0 + term } ?? term
            }
            guard let mMatrix = inner else { return nil }
            let lower = try Tensor.apply(LowerTriangle(diagonalScale: 1), mMatrix)
            let strict = try Tensor.apply(LowerTriangle(diagonalScale: 0), mMatrix)
            var b = try mm(q, lower + strict.matrixTransposed().conj())
            if let gq { b = try b + gq }
            // B R⁻ᴴ = (R⁻¹ Bᴴ)ᴴ.
            return try Tensor.apply(Solve(), r, b.matrixTransposed().conj()).matrixTransposed().conj()
        case .svdU, .svdVh, .qrQ, .qrR:
            throw SwiftGradError.value(name, "the gradient through the \(name) factors is not implemented for full (complete) factors; use full_matrices=False or mode='reduced'")
        }
    }
}

/// The lower triangle of each matrix, its diagonal scaled by
/// `diagonalScale`, zeros above: a fixed elementwise scaling, so its vjp
/// is itself.
struct LowerTriangle: Primitive {
    let diagonalScale: Double
    var name: String { "lower_triangle" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        guard inputs[0].rank >= 2, inputs[0].dtype.isFloating else {
            throw SwiftGradError.internal(name, "needs floating matrices, got \(inputs[0].dtype)\(describe(inputs[0].shape))")
        }
        return inputs[0]
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        try convert(inputs[0], into: out)
        let r = out.shape.count, m = out.shape[r - 2], n = out.shape[r - 1]
        let scale = try NDArray.filled(.real(diagonalScale), out.dtype, [])
        try out.dtype.dispatchNumber(Mask(out: out, m: m, n: n, scale: scale), name)
    }

    private struct Mask: NumberVisitor {
        let out: NDArray, m: Int, n: Int, scale: NDArray
        func visit<T: NumberElement>(_: T.Type) {
            let p = out.pointer(T.self), s = scale.pointer(T.self)[0]
            guard m * n > 0 else { return }
            for b in 0..<(out.count / (m * n)) {
                for i in 0..<m {
                    for j in 0..<n where j >= i {
                        let k = b * m * n + i * n + j
                        p[k] = j == i ? T.times(p[k], s) : T.zero
                    }
                }
            }
        }
    }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        try Tensor.apply(self, g)
    }
}

/// Solves A X = B for stacks of square A (…, n, n) and B (…, n, k) whose
/// batch axes broadcast.
struct Solve: Primitive {
    var name: String { "solve" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let a = inputs[0], b = inputs[1]
        guard a.dtype == b.dtype, a.dtype.isFloating else { throw unsupported(name, a.dtype) }
        guard a.rank >= 2, b.rank >= 2 else {
            throw SwiftGradError.value(name, "operands must be matrices, got \(describe(a.shape)) and \(describe(b.shape))")
        }
        let n = a.shape[a.rank - 1]
        if let m = a.shape[a.rank - 2], let n, m != n {
            throw SwiftGradError.value(name, "needs square matrices, got shape \(describe(a.shape))")
        }
        if let n, let l = b.shape[b.rank - 2], n != l {
            throw SwiftGradError.value(name, "shapes \(describe(a.shape)) and \(describe(b.shape)) do not fit: \(n) != \(l)")
        }
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        guard let batch = try? broadcastShapes(batchA, batchB, name) else {
            throw SwiftGradError.value(name, "shapes \(describe(a.shape)) and \(describe(b.shape)): batch axes cannot be broadcast together")
        }
        return TensorType(a.dtype, batch + [n, b.shape[b.rank - 1]])
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        switch out.dtype {
        case .float32: try run(Float.self, inputs[0], inputs[1], out)
        case .float64: try run(Double.self, inputs[0], inputs[1], out)
        case .complex64: try run(Complex<Float>.self, inputs[0], inputs[1], out)
        default: try run(Complex<Double>.self, inputs[0], inputs[1], out)
        }
    }

    private func run<T: LUElement>(_: T.Type, _ a: NDArray, _ b: NDArray, _ out: NDArray) throws {
        guard out.count > 0 else { return }
        let r = out.shape.count, n = out.shape[r - 2], k = out.shape[r - 1]
        let batch = Array(out.shape.dropLast(2))
        let offsetsA = matrixOffsets(a, batch: batch), offsetsB = matrixOffsets(b, batch: batch)
        for (index, (oa, ob)) in zip(offsetsA, offsetsB).enumerated() {
            var am = columnMajor(a, offset: oa, T.self), bm = columnMajor(b, offset: ob, T.self)
            do {
                try Lapack.solve(&am, &bm, n: n, k: k)
            } catch is LapackFailure {
                throw SwiftGradError.value(name, "singular matrix (shape \(describe(a.shape)))")
            }
            storeRowMajor(bm, rows: n, columns: k, ld: n, into: out, offset: index * n * k)
        }
    }

    // X = A⁻¹B: B̄ = A⁻ᴴ X̄, Ā = -B̄ Xᴴ (each summed over broadcast batch axes).
    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        let a = inputs[0], b = inputs[1]
        let gb = try Tensor.apply(self, a.matrixTransposed().conj(), g)
        if i == 1 { return try gb.sum(toShapeOf: b) }
        return try -Tensor.apply(Matmul(), gb, result.matrixTransposed().conj()).sum(toShapeOf: a)
    }
}

/// The diagonal at `offset` (above the main one when positive) of each
/// matrix (the last two axes), as a view.
struct Diagonal: ViewPrimitive {
    let offset: Int
    var name: String { "diagonal" }

    static func length(_ m: Int?, _ n: Int?, _ offset: Int) -> Int? {
        guard let m, let n else { return nil }
        return Swift.max(0, offset >= 0 ? Swift.min(m, n - offset) : Swift.min(m + offset, n))
    }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let x = inputs[0]
        guard x.rank >= 2 else {
            throw SwiftGradError.value(name, "needs at least 2 dimensions, got shape \(describe(x.shape))")
        }
        return TensorType(x.dtype, Array(x.shape.dropLast(2)) + [Diagonal.length(x.shape[x.rank - 2], x.shape[x.rank - 1], offset)])
    }

    func view(of inputs: [NDArray], _ output: TensorType) throws -> NDArray? {
        let x = inputs[0], r = x.shape.count
        let length = Diagonal.length(x.shape[r - 2], x.shape[r - 1], offset) ?? 0
        let start = length == 0 ? 0 : (offset >= 0 ? offset * x.strides[r - 1] : -offset * x.strides[r - 2])
        return try x.view(shape: Array(x.shape.dropLast(2)) + [length],
                          // A diagonal of one element is never stepped along.
                          strides: Array(x.strides.dropLast(2)) + [length > 1 ? x.strides[r - 2] + x.strides[r - 1] : 0],
                          offset: x.offset + start, name)
    }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        try Tensor.apply(DiagonalEmbed(offset: offset), g, inputs[0])
    }
}

/// Zeros of the second input's shape with the first input on the diagonal
/// at `offset`: the transpose of `Diagonal`.
struct DiagonalEmbed: Primitive {
    let offset: Int
    var name: String { "diagonal_embed" }

    func outputType(_ inputs: [TensorType]) throws -> TensorType { TensorType(inputs[0].dtype, inputs[1].shape) }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        try out.dtype.dispatch(Zero(out: out))
        guard let diagonal = try Diagonal(offset: offset).view(of: [out], TensorType(out.dtype, out.shape)) else { return }
        try convert(inputs[0], into: diagonal)
    }

    private struct Zero: ElementVisitor {
        let out: NDArray
        func visit<T: Element>(_: T.Type) {
            let p = out.pointer(T.self), zero = T(.bool(false))
            for i in 0..<out.count { p[i] = zero }
        }
    }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        i == 0 ? try Tensor.apply(Diagonal(offset: offset), g) : nil
    }
}
