import ComplexModule

// The linalg extension's factorizations, as primitives over stacks of
// matrices (leading axes are batch axes). Each primitive computes one
// output of a factorization (`Factorization.Part`), so functions with
// several outputs (slogdet, eigh, svd, qr) apply one primitive per output
// when they record a graph; on values with nothing to record they get
// all their outputs from one LAPACK call (`Tensor.factors`).

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

    private var needsSquare: Bool {
        switch part {
        case .inverse, .determinant, .slogdetSign, .slogdetLog, .cholesky, .eigenvalues, .eigenvectors: return true
        case .singularValues, .svdU, .svdVh, .qrQ, .qrR: return false
        }
    }

    func outputType(_ inputs: [TensorType]) throws -> TensorType {
        let x = inputs[0]
        guard x.dtype.isFloating else { throw unsupported(name, x.dtype) }
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
        case .eigenvalues: return TensorType(x.dtype.realPart, batch + [n])
        case .singularValues: return TensorType(x.dtype.realPart, batch + [k])
        case .svdU(let full): return TensorType(x.dtype, batch + [m, full ? m : k])
        case .svdVh(let full): return TensorType(x.dtype, batch + [full ? n : k, n])
        case .qrQ(let complete): return TensorType(x.dtype, batch + [m, complete ? m : k])
        case .qrR(let complete): return TensorType(x.dtype, batch + [complete ? m : k, n])
        }
    }

    func evaluate(_ inputs: [NDArray], into out: NDArray) throws {
        try Factorization.evaluate([part], of: inputs[0], into: [out])
    }

    /// The LAPACK call a part comes from: parts of one call can be computed
    /// together (nil fullness: the singular values, from any SVD).
    private enum Call: Equatable {
        case inverse, cholesky, slogdet, eigh, svd(full: Bool?), qr(complete: Bool)

        init(_ part: Part) {
            switch part {
            case .inverse: self = .inverse
            case .cholesky: self = .cholesky
            case .determinant, .slogdetSign, .slogdetLog: self = .slogdet
            case .eigenvalues, .eigenvectors: self = .eigh
            case .singularValues: self = .svd(full: nil)
            case .svdU(let full), .svdVh(let full): self = .svd(full: full)
            case .qrQ(let complete), .qrR(let complete): self = .qr(complete: complete)
            }
        }

        /// One call for both, or nil.
        func merged(with other: Call) -> Call? {
            if case .svd(let a) = self, case .svd(let b) = other {
                guard let a, let b else { return .svd(full: a ?? b) }
                return a == b ? self : nil
            }
            return self == other ? self : nil
        }
    }

    /// Refuses parts that no one LAPACK call gives together.
    static func checkOneCall(_ parts: [Part]) throws {
        guard let first = parts.first else { return }
        guard parts.dropFirst().reduce(Call(first) as Call?, { $0?.merged(with: Call($1)) }) != nil else {
            let names = parts.map { "\($0)" }.joined(separator: ", ")
            throw SwiftGradError.value(Factorization(part: first).name, "\(names) are not outputs of one factorization")
        }
    }

    /// Several parts of one factorization of x (slogdet's two, eigh's two,
    /// svd's three of one fullness, qr's two of one mode), each into its
    /// destination, with one LAPACK call per matrix.
    static func evaluate(_ parts: [Part], of x: NDArray, into outs: [NDArray]) throws {
        switch x.dtype {
        case .float32: try run(Float.self, parts, x, outs)
        case .float64: try run(Double.self, parts, x, outs)
        case .complex64: try run(Complex<Float>.self, parts, x, outs)
        default: try run(Complex<Double>.self, parts, x, outs)
        }
    }

    private static func run<T: LapackElement>(_: T.Type, _ parts: [Part], _ x: NDArray, _ outs: [NDArray]) throws {
        guard let first = parts.first else { return }
        let op = Factorization(part: first)
        guard parts.count == outs.count,
              let call = parts.dropFirst().reduce(Call(first) as Call?, { $0?.merged(with: Call($1)) }) else {
            throw SwiftGradError.internal(op.name, "\(parts) are not parts of one factorization")
        }
        guard outs.contains(where: { $0.count > 0 }) else { return }
        let r = x.shape.count, m = x.shape[r - 2], n = x.shape[r - 1]
        // The determinant of a 0 × 0 matrix is 1: no per-matrix work.
        if m == 0, case .slogdet = call {
            for (part, out) in zip(parts, outs) {
                let one = try NDArray.filled(.int(part == .slogdetLog ? 0 : 1), out.dtype, [], op.name)
                let all = NDArray(one.storage, out.dtype, shape: out.shape,
                                  strides: out.shape.map { _ in 0 }, offset: 0, count: out.count)
                try convert(all, into: out)
            }
            return
        }
        let batch = Array(x.shape.dropLast(2))
        let matrices = Swift.max(batch.reduce(1, *), 1)
        let sizes = outs.map { $0.count / matrices }
        for (b, offset) in matrixOffsets(x, batch: batch).enumerated() {
            var a = columnMajor(x, offset: offset, T.self)
            // LAPACK's eigensolver and SVD scale the matrix first and print
            // an error (or hang) on NaN or infinity, so those never reach them.
            switch call {
            case .eigh:
                // Only the lower triangle is read.
                let finite = (0..<n).allSatisfy { j in (j..<n).allSatisfy { i in a[i + j * n].isFinite } }
                if !finite {
                    for (out, size) in zip(outs, sizes) { fillNaN(out, T.self, offset: b * size, count: size) }
                    continue
                }
            case .svd:
                if a.contains(where: { !$0.isFinite }) {
                    // NumPy's svd fails on NaN and gives NaNs for infinities.
                    if a.contains(where: { $0.containsNaN }) {
                        throw SwiftGradError.value(op.name, "SVD did not converge: the matrix contains NaN (shape \(describe(x.shape)))")
                    }
                    for (out, size) in zip(outs, sizes) { fillNaN(out, T.self, offset: b * size, count: size) }
                    continue
                }
            default: break
            }
            do {
                try factor(call, &a, m, n, parts, into: outs, at: sizes.map { b * $0 })
            } catch let failure as LapackFailure {
                throw op.failed(failure.info, x.shape)
            }
        }
    }

    /// One matrix (column-major in `a`, which LAPACK overwrites) factored
    /// by `call`, each part stored at its offset in its output.
    private static func factor<T: LapackElement>(_ call: Call, _ a: inout [T], _ m: Int, _ n: Int, _ parts: [Part],
                                                into outs: [NDArray], at offsets: [Int]) throws {
        switch call {
        case .inverse:
            var identity = [T](repeating: T.zero, count: n * n)
            for i in 0..<n { identity[i + i * n] = T.one }
            try Lapack.solve(&a, &identity, n: n, k: n)
            storeRowMajor(identity, rows: n, columns: n, ld: n, into: outs[0], offset: offsets[0])
        case .cholesky:
            try Lapack.cholesky(&a, n)
            storeRowMajor(a, rows: n, columns: n, ld: n, into: outs[0], offset: offsets[0]) { i, j in i >= j }
        case .slogdet:
            let (sign, log) = try Lapack.slogdet(&a, n)
            for (part, (out, o)) in zip(parts, zip(outs, offsets)) {
                switch part {
                case .determinant: out.pointer(T.self)[o] = sign.scaled(by: T.Modulus.exp(log))
                case .slogdetSign: out.pointer(T.self)[o] = sign
                default: out.pointer(T.Modulus.self)[o] = log
                }
            }
        case .eigh:
            let w = try Lapack.eigh(&a, n, vectors: parts.contains(.eigenvectors))
            for (part, (out, o)) in zip(parts, zip(outs, offsets)) {
                if part == .eigenvectors {
                    storeRowMajor(a, rows: n, columns: n, ld: n, into: out, offset: o)
                } else {
                    let dst = out.pointer(T.Modulus.self)
                    for i in 0..<n { dst[o + i] = w[i] }
                }
            }
        case .svd(let full):
            let job = UInt8(ascii: full.map { $0 ? "A" : "S" } ?? "N")
            let f = try Lapack.svd(&a, m, n, job: job)
            for (part, (out, o)) in zip(parts, zip(outs, offsets)) {
                switch part {
                case .svdU: storeRowMajor(f.u, rows: m, columns: f.ucols, ld: m, into: out, offset: o)
                case .svdVh: storeRowMajor(f.vt, rows: f.vrows, columns: n, ld: Swift.max(f.vrows, 1), into: out, offset: o)
                default:
                    let dst = out.pointer(T.Modulus.self)
                    for i in 0..<f.s.count { dst[o + i] = f.s[i] }
                }
            }
        case .qr(let complete):
            let f = try Lapack.qr(a, m, n, complete: complete)
            for (part, (out, o)) in zip(parts, zip(outs, offsets)) {
                if case .qrQ = part {
                    storeRowMajor(f.q, rows: m, columns: f.qcols, ld: Swift.max(m, 1), into: out, offset: o)
                } else {
                    storeRowMajor(f.r, rows: f.qcols, columns: n, ld: Swift.max(f.qcols, 1), into: out, offset: o)
                }
            }
        }
    }

    /// NaN in one matrix's worth of an output (`T`, or its real part for
    /// eigenvalues and singular values).
    private static func fillNaN<T: LapackElement>(_ out: NDArray, _: T.Type, offset: Int, count: Int) {
        if out.dtype == T.dtype {
            let p = out.pointer(T.self)
            for i in offset..<(offset + count) { p[i] = T.notANumber }
        } else {
            let p = out.pointer(T.Modulus.self)
            for i in offset..<(offset + count) { p[i] = T.Modulus.notANumber }
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
            return try mm(u * g.expandingDims([g.rank - 1]), vh)
        case .eigenvectors:
            // Ā = V (skew(Vᴴ V̄) / E) Vᴴ, E_ij = w_j - w_i off the diagonal
            // (0 on it); distinct eigenvalues assumed, as everywhere. The
            // diagonal (a phase, for complex V) is dropped: the loss must
            // not depend on the eigenvectors' signs or phases.
            let vh = try result.matrixTransposed().conj()
            let vhg = try mm(vh, g)
            let skew = try (vhg - vhg.matrixTransposed().conj()) * 0.5
            let w = try Tensor.apply(Factorization(part: .eigenvalues), x)
            let gaps = try w.expandingDims([w.rank - 1]) - w.expandingDims([w.rank])
            let eye = try identities(like: w, gaps)
            let inner = try skew / (gaps + eye) * (1 - eye)
            return try mm(mm(result, inner), vh)
        case .svdU(let full), .svdVh(let full):
            // This output is `result`; the others are computed again.
            let s = try Tensor.apply(Factorization(part: .singularValues), x)
            var u = result, vh = result
            if case .svdU = part { vh = try Tensor.apply(Factorization(part: .svdVh(full: full)), x) }
            else { u = try Tensor.apply(Factorization(part: .svdU(full: full)), x) }
            guard full else {
                if case .svdU = part { return try Factorization.svdBackward(u: u, s: s, vh: vh, gu: g, gvh: nil) }
                return try Factorization.svdBackward(u: u, s: s, vh: vh, gu: nil, gvh: g)
            }
            // The full factors' extra columns of U (rows of Vᴴ) are any
            // orthonormal basis of what the reduced ones leave out. A loss
            // that does not depend on that choice sees them only through
            // the projector U₂U₂ᴴ = I - U₁U₁ᴴ, which moves Ū₁ by -U₂Ū₂ᴴU₁
            // (U₂Ū₂ᴴ = UŪᴴ - U₁Ū₁ᴴ); then the reduced rule applies.
            let k = try Tensor.apply(Diagonal(offset: 0), x)
            let u1 = try leading(u, -1, k), vh1 = try leading(vh, -2, k)
            if case .svdU = part {
                let g1 = try leading(g, -1, k)
                let moved = try g1 - mm(mm(u, mH(g)) - mm(u1, mH(g1)), u1)
                return try Factorization.svdBackward(u: u1, s: s, vh: vh1, gu: moved, gvh: nil)
            }
            let g1 = try leading(g, -2, k)
            let moved = try g1 - mm(vh1, mm(mH(g), vh) - mm(mH(g1), vh1))
            return try Factorization.svdBackward(u: u1, s: s, vh: vh1, gu: nil, gvh: moved)
        case .qrQ(let complete), .qrR(let complete):
            var q = result, r = result, gq: Tensor? = nil, gr: Tensor? = nil
            if case .qrQ = part {
                (r, gq) = (try Tensor.apply(Factorization(part: .qrR(complete: complete)), x), g)
            } else {
                (q, gr) = (try Tensor.apply(Factorization(part: .qrQ(complete: complete)), x), g)
            }
            guard complete else { return try Factorization.qrBackward(x, q: q, r: r, gq: gq, gr: gr) }
            // Complete Q's extra columns as the full SVD's (R's extra rows
            // are zero whatever the input).
            let k = try Tensor.apply(Diagonal(offset: 0), x)
            let q1 = try leading(q, -1, k), r1 = try leading(r, -2, k)
            if let g = gq {
                let g1 = try leading(g, -1, k)
                gq = try g1 - mm(mm(q, mH(g)) - mm(q1, mH(g1)), q1)
            }
            return try Factorization.qrBackward(x, q: q1, r: r1, gq: gq, gr: try gr.map { try leading($0, -2, k) })
        }
    }

    /// The reduced SVD's vjp for a cotangent of U (m×k) or of Vᴴ (k×n),
    /// given factors of one computation. With F_ij = 1/(s_j² - s_i²) off
    /// the diagonal and skew(X) = X - Xᴴ:
    ///   Ū gives U (F∘skew(UᴴŪ) S + D) Vᴴ + (I - UUᴴ) Ū S⁻¹ Vᴴ,
    ///   V̄ gives U (S F∘skew(VᴴV̄) - D') Vᴴ + U S⁻¹ V̄ᴴ (I - VVᴴ),
    /// D, D' the diagonals of the skews over 4S: for complex factors the
    /// phase shared by uᵢ and vᵢ is split between them, which is exact for
    /// losses that do not depend on it (for real ones D = D' = 0).
    static func svdBackward(u: Tensor, s: Tensor, vh: Tensor, gu: Tensor?, gvh: Tensor?) throws -> Tensor {
        let s2 = try s * s
        let gaps = try s2.expandingDims([s2.rank - 1]) - s2.expandingDims([s2.rank])
        let eye = try identities(like: s, gaps)
        let f = try (1 - eye) / (gaps + eye)
        let columns = try s.expandingDims([s.rank - 1]), rows = try s.expandingDims([s.rank])
        let complex = u.dtype.kind == .complexFloating
        if let g = gu {
            let utg = try mm(mH(u), g)
            let skew = try utg - mH(utg)
            var core = try f * skew * columns
            if complex { core = try core + Tensor.apply(DiagonalEmbed(offset: 0), skew.diagonal() / (s * 4), skew) }
            let projected = try (g - mm(u, utg)) / columns
            return try mm(mm(u, core) + projected, vh)
        }
        guard let g = gvh else { throw SwiftGradError.internal("svd", "no cotangent") }
        let vtg = try mm(vh, mH(g))
        let skew = try vtg - mH(vtg)
        var core = try rows * (f * skew)
        if complex { core = try core - Tensor.apply(DiagonalEmbed(offset: 0), skew.diagonal() / (s * 4), skew) }
        let projected = try (g - mm(mm(g, mH(vh)), vh)) / rows
        return try mm(u, mm(core, vh) + projected)
    }

    /// The reduced QR's vjp (Q m×k, R k×n, k = min(m, n)). With X the first
    /// k columns of A, R₁ those of R (square) and R̄₁ of R̄:
    ///   Q̄' = Q̄ + Q (R R̄ᴴ - R₁ R̄₁ᴴ)      (A's other columns are Q R₂)
    ///   X̄ = (Q̄' + Q copyltu(R₁ R̄₁ᴴ - Q̄'ᴴ Q)) R₁⁻ᴴ,
    ///   Ā = [X̄ - Q R̄₁ | 0] + Q R̄,
    /// copyltu making a Hermitian matrix (real diagonal, as R's is) from
    /// the lower triangle. With m ≥ n this is the usual (Q̄ + Q copyltu(M)) R⁻ᴴ.
    static func qrBackward(_ x: Tensor, q: Tensor, r: Tensor, gq: Tensor?, gr: Tensor?) throws -> Tensor? {
        let tall: Bool
        if let m = x.type.shape[x.rank - 2], let n = x.type.shape[x.rank - 1] { tall = m >= n } else { tall = false }
        let k = try Tensor.apply(Diagonal(offset: 0), x)
        let r1 = tall ? r : try leading(r, -1, k)
        let gr1 = try gr.map { tall ? $0 : try leading($0, -1, k) }
        var gqEff = gq
        if !tall, let gr, let gr1 {
            let shift = try mm(q, mm(r, mH(gr)) - mm(r1, mH(gr1)))
            gqEff = try gqEff.map { try $0 + shift } ?? shift
        }
        var inner: Tensor? = nil
        if let gr1 { inner = try mm(r1, mH(gr1)) }
        if let g = gqEff {
            let term = try -mm(mH(g), q)
            inner = try inner.map { try $0 + term } ?? term
        }
        guard let mMatrix = inner else { return nil }
        let lower = try Tensor.apply(LowerTriangle(diagonalScale: 0.5), mMatrix)
        var b = try mm(q, lower + mH(lower))
        if let g = gqEff { b = try b + g }
        // B R₁⁻ᴴ = (R₁⁻¹ Bᴴ)ᴴ.
        let gx = try mH(Tensor.apply(Solve(), r1, mH(b)))
        guard !tall else { return gx }
        guard let gr, let gr1 else { return try padLeading(gx, -1, x) }
        return try padLeading(gx - mm(q, gr1), -1, x) + mm(q, gr)
    }
}

private func mm(_ a: Tensor, _ b: Tensor) throws -> Tensor { try Tensor.apply(Matmul(), a, b) }
private func mH(_ x: Tensor) throws -> Tensor { try x.matrixTransposed().conj() }

/// Identity matrices shaped like `like` (…, k, k), from a vector per matrix
/// (…, k), lengths read at run time.
private func identities(like vector: Tensor, _ like: Tensor) throws -> Tensor {
    let ones = try vector.binary(.multiply, Scalar.int(0)).binary(.add, Scalar.int(1))
    return try Tensor.apply(DiagonalEmbed(offset: 0), ones, like)
}

/// The first k entries of x along `axis` (negative), k the length of the
/// vector (…, k) `count` (read at run time); x itself when known equal.
private func leading(_ x: Tensor, _ axis: Int, _ count: Tensor) throws -> Tensor {
    let a = x.rank + axis, c = count.rank - 1
    if let n = x.type.shape[a], n == count.type.shape[c] { return x }
    return try x.take(Tensor.apply(AxisRange(axis: c, times: 1), count), axis: a)
}

/// g, the first entries along `axis` (negative) of a tensor shaped like
/// `target`, placed in zeros of that shape: `leading`'s transpose.
private func padLeading(_ g: Tensor, _ axis: Int, _ target: Tensor) throws -> Tensor {
    let a = g.rank + axis
    if let n = g.type.shape[a], n == target.type.shape[a] { return g }
    let order = [a] + (0..<g.rank).filter { $0 != a }
    let back = (0..<g.rank).map { i in order.firstIndex(of: i) ?? i }
    let indices = try Tensor.apply(AxisRange(axis: a, times: 1), g)
    let placed = try Tensor.apply(ScatterAdd(), [g.permuted(order), indices, target.permuted(order)])
    return try placed.permuted(back)
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

    // The vjp reads shapes only.
    func vjpReads(input i: Int) -> Bool { false }
    var vjpReadsResult: Bool { false }

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

    // The vjp reads shapes only.
    func vjpReads(input i: Int) -> Bool { false }
    var vjpReadsResult: Bool { false }

    func vjp(_ inputs: [Tensor], _ result: Tensor, _ g: Tensor, wrt i: Int) throws -> Tensor? {
        i == 0 ? try Tensor.apply(Diagonal(offset: offset), g) : nil
    }
}
