import COpenBLAS

/// The matrix product of `a` (m×k) and `b` (k×n) into `out` (m×n).
/// Large float and complex products go to OpenBLAS; small ones (where the call's
/// overhead dominates) and other dtypes run a plain loop.
func gemm(_ a: NDArray, _ b: NDArray, into out: NDArray, _ op: String) throws {
    let m = a.shape[0], k = a.shape[1], n = b.shape[1]
    guard !usesLoop(a, b) else {
        // One matrix each: offsets made directly, without shape arrays.
        let offsetsA = MatrixOffsets(base: a.offset, batch: [], strides: [], count: 1)
        let offsetsB = MatrixOffsets(base: b.offset, batch: [], strides: [], count: 1)
        return try a.dtype.dispatchNumber(NaiveGemm(a: a, b: b, out: out, offsetsA: offsetsA, offsetsB: offsetsB), op)
    }
    let (a, ta, lda) = try blasOperand(a, op)
    let (b, tb, ldb) = try blasOperand(b, op)
    let (m32, n32, k32) = (Int32(m), Int32(n), Int32(k))
    switch a.dtype {
    case .float32:
        cblas_sgemm(CblasRowMajor, ta, tb, m32, n32, k32, 1,
                    a.pointer(Float.self), Int32(lda), b.pointer(Float.self), Int32(ldb),
                    0, out.pointer(Float.self), n32)
    case .float64:
        cblas_dgemm(CblasRowMajor, ta, tb, m32, n32, k32, 1,
                    a.pointer(Double.self), Int32(lda), b.pointer(Double.self), Int32(ldb),
                    0, out.pointer(Double.self), n32)
    case .complex64:
        // Complex<Float> is laid out as C's float[2], as cgemm reads it.
        var one: (Float, Float) = (1, 0), zero: (Float, Float) = (0, 0)
        cblas_cgemm(CblasRowMajor, ta, tb, m32, n32, k32, &one,
                    a.baseAddress, Int32(lda), b.baseAddress, Int32(ldb),
                    &zero, UnsafeMutableRawPointer(mutating: out.baseAddress), n32)
    default:
        var one: (Double, Double) = (1, 0), zero: (Double, Double) = (0, 0)
        cblas_zgemm(CblasRowMajor, ta, tb, m32, n32, k32, &one,
                    a.baseAddress, Int32(lda), b.baseAddress, Int32(ldb),
                    &zero, UnsafeMutableRawPointer(mutating: out.baseAddress), n32)
    }
}

/// Whether the product of the matrices ending `a` and `b` runs the plain
/// loop: small ones (where a BLAS call's overhead dominates), empty inner
/// lengths, integers, and sizes beyond BLAS's 32-bit ints.
func usesLoop(_ a: NDArray, _ b: NDArray) -> Bool {
    let r = a.shape.count
    let m = a.shape[r - 2], k = a.shape[r - 1], n = b.shape[b.shape.count - 1]
    let small = Double(m) * Double(n) * Double(k) <= 4096 || k == 0
    return small || !a.dtype.isFloating || m > Int(Int32.max) || n > Int(Int32.max) || k > Int(Int32.max)
}

/// Products of stacks of matrices with the plain loop: matrix i of a
/// starts at offsetsA[i] (from the storage base), of b at offsetsB[i];
/// out is contiguous.
func batchedLoopGemm(_ a: NDArray, _ b: NDArray, into out: NDArray, _ offsetsA: MatrixOffsets, _ offsetsB: MatrixOffsets,
                     _ op: String) throws {
    try a.dtype.dispatchNumber(NaiveGemm(a: a, b: b, out: out, offsetsA: offsetsA, offsetsB: offsetsB), op)
}

/// A matrix as BLAS takes it: row-major or transposed with a leading
/// dimension; other layouts are copied to row-major first.
private func blasOperand(_ x: NDArray, _ op: String) throws -> (NDArray, CBLAS_TRANSPOSE, Int) {
    let rows = x.shape[0], cols = x.shape[1], s0 = x.strides[0], s1 = x.strides[1]
    if (s1 == 1 || cols == 1) && (rows == 1 || s0 >= cols), s0 <= Int(Int32.max) {
        return (x, CblasNoTrans, rows == 1 ? cols : s0)
    }
    if (s0 == 1 || rows == 1) && (cols == 1 || s1 >= rows), s1 <= Int(Int32.max) {
        return (x, CblasTrans, cols == 1 ? rows : s1)
    }
    return (try x.contiguous(op), CblasNoTrans, cols)
}

private struct NaiveGemm: NumberVisitor {
    let a: NDArray, b: NDArray, out: NDArray
    let offsetsA: MatrixOffsets, offsetsB: MatrixOffsets

    func visit<T: NumberElement>(_: T.Type) {
        let ra = a.shape.count, rb = b.shape.count
        let m = a.shape[ra - 2], k = a.shape[ra - 1], n = b.shape[rb - 1]
        let baseA = a.storage.base.assumingMemoryBound(to: T.self), baseB = b.storage.base.assumingMemoryBound(to: T.self)
        let (a0, a1, b0, b1) = (a.strides[ra - 2], a.strides[ra - 1], b.strides[rb - 2], b.strides[rb - 1])
        var dst = out.pointer(T.self)
        for (oa, ob) in zip(offsetsA, offsetsB) {
            let pa = baseA + oa, pb = baseB + ob
            for i in 0..<m {
                for j in 0..<n {
                    var total = T.zero
                    for p in 0..<k { total = T.plus(total, T.times(pa[i &* a0 &+ p &* a1], pb[p &* b0 &+ j &* b1])) }
                    dst[i &* n &+ j] = total
                }
            }
            dst += m &* n
        }
    }
}
