import SwiftGrad
import XCTest

/// Batched and broadcast products in every numeric dtype against a plain
/// loop, complex products through cgemm/zgemm, and einsum's lowering.
final class LinearAlgebraTests: XCTestCase {
    /// C[b, i, j] = Σ_k A[b?, i, k] B[b?, k, j] with batch broadcasting.
    private func reference(_ a: [Double], _ sa: [Int], _ b: [Double], _ sb: [Int]) -> [Double] {
        let (m, k, n) = (sa[sa.count - 2], sa[sa.count - 1], sb[sb.count - 1])
        let batchA = sa.dropLast(2).reduce(1, *), batchB = sb.dropLast(2).reduce(1, *)
        let batch = max(batchA, batchB)
        var out = [Double]()
        for t in 0..<batch {
            let ao = (batchA == 1 ? 0 : t) * m * k, bo = (batchB == 1 ? 0 : t) * k * n
            for i in 0..<m {
                for j in 0..<n { out.append((0..<k).reduce(0.0) { $0 + a[ao + i * k + $1] * b[bo + $1 * n + j] }) }
            }
        }
        return out
    }

    func testBatchedMatmulEveryDType() throws {
        let sa = [3, 4, 5], sb = [1, 5, 2]
        let a = (0..<60).map { Double($0 % 7) }, b = (0..<10).map { Double($0 % 3) }
        let expected = reference(a, sa, b, sb)
        for dtype in [DType.int8, .uint16, .int32, .int64, .uint64, .float32, .float64, .complex64, .complex128] {
            let y = try matmul(Tensor(a, shape: sa, dtype: dtype), Tensor(b, shape: sb, dtype: dtype))
            XCTAssertEqual(y.dtype, dtype)
            XCTAssertEqual(y.shape, [3, 4, 2])
            assertClose(y, expected, tolerance: 1e-6, "\(dtype)")
        }
    }

    func testLargeComplexProductsThroughBLAS() throws {
        var random = SplitMix64(state: 3)
        let (m, k, n) = (20, 30, 25)
        let re = (0..<(m * k)).map { _ in Double.random(in: -1...1, using: &random) }
        let im = (0..<(m * k)).map { _ in Double.random(in: -1...1, using: &random) }
        let b = (0..<(k * n)).map { _ in Double.random(in: -1...1, using: &random) }
        // (re + i·im) @ b: real part re @ b, imaginary part im @ b.
        let i = try Tensor(.complex(0, 1), dtype: .complex128)
        for dtype in [DType.complex64, .complex128] {
            let z = try (Tensor(re, shape: [m, k]) + i * Tensor(im, shape: [m, k])).cast(to: dtype)
            let y = try matmul(z, Tensor(b, shape: [k, n]).cast(to: dtype))
            let tolerance = dtype == .complex64 ? 1e-5 : 1e-12
            assertClose(try y.unary(.real), reference(re, [m, k], b, [k, n]), tolerance: tolerance)
            assertClose(try y.unary(.imag), reference(im, [m, k], b, [k, n]), tolerance: tolerance)
        }
    }

    func testBatchBroadcastShapesAndErrors() throws {
        let a = try Tensor([Double](repeating: 1, count: 24), shape: [2, 1, 3, 4])
        let b = try Tensor([Double](repeating: 1, count: 40), shape: [5, 4, 2])
        XCTAssertEqual(try matmul(a, b).shape, [2, 5, 3, 2])
        assertThrows(.value, "[matmul] shapes (2,1,3,4) and (3,4) are not aligned") {
            try matmul(a, Tensor([Double](repeating: 1, count: 12), shape: [4, 3]).transposed())
        }
        let c = try Tensor([Double](repeating: 1, count: 24), shape: [2, 3, 4])
        assertThrows(.value, "[matmul] shapes (2,3,4) and (3,4,2): batch axes (2,) and (3,) cannot be broadcast") { try matmul(c, Tensor([Double](repeating: 1, count: 24), shape: [3, 4, 2])) }
    }

    func testEinsumLowering() throws {
        let a = try Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let b = try Tensor([1, 0, 2, 1, 0, 1], shape: [3, 2])
        assertClose(try einsum("ij,jk->ik", [a, b]), [5, 5, 14, 11])
        assertClose(try einsum("ij,jk", [a, b]), [5, 5, 14, 11])
        assertClose(try einsum("ij->j", [a]), [5, 7, 9])
        assertClose(try einsum("ij->ji", [a]), [1, 4, 2, 5, 3, 6])
        assertClose(try einsum("ij,ij->", [a, a]), [91])
        let square = try Tensor([1, 2, 3, 4], shape: [2, 2])
        assertClose(try einsum("ii", [square]), [5])
        assertClose(try einsum("ii->i", [square]), [1, 4])
        assertClose(try einsum("...ij->...", [a]), [21])
        assertThrows(.value, "[einsum] label 'j' has lengths 3 and 2") { try einsum("ij,jk", [a, a]) }
        assertClose(try a.tensordot(b, count: 1), [5, 5, 14, 11])
        assertClose(try a.tensordot(b, axes: [0, 1], [1, 0]), [16])
    }

    // MARK: LAPACK

    private let a = [4.0, 2, 2, 3]  // symmetric positive definite

    func testFactorizationsByHand() throws {
        let x = try Tensor(a, shape: [2, 2])
        assertClose(try x.inverse(), [0.375, -0.25, -0.25, 0.5], tolerance: 1e-15)
        assertClose(try x.determinant(), [8], tolerance: 1e-14)
        let (sign, log) = try x.slogdet()
        assertClose(sign, [1])
        assertClose(log, [2.0794415416798357], tolerance: 1e-14)  // log 8
        assertClose(try x.cholesky(), [2, 0, 1, (2.0).squareRoot()], tolerance: 1e-15)
        assertClose(try x.eigvalsh(), [(7 - (17.0).squareRoot()) / 2, (7 + (17.0).squareRoot()) / 2], tolerance: 1e-14)
        assertClose(try x.solve(Tensor([1, 2], shape: [2])), [-0.125, 0.75], tolerance: 1e-15)
        assertClose(try x.trace(), [7])
        assertClose(try x.matrixPower(2), [20, 14, 14, 13])
        assertClose(try x.matrixPower(0), [1, 0, 0, 1])
        assertClose(try Tensor([1, 2, 3], shape: [3]).cross(Tensor([4, 5, 6], shape: [3])), [-3, 6, -3])
    }

    /// Batched factorizations reconstruct their inputs, float32 and float64.
    func testBatchedFactorizationsReconstruct() throws {
        var random = SplitMix64(state: 11)
        let values = (0..<24).map { _ in Double.random(in: -1...1, using: &random) }
        for dtype in [DType.float32, .float64] {
            let tolerance = dtype == .float32 ? 1e-4 : 1e-12
            let x = try Tensor(values, shape: [2, 4, 3], dtype: dtype)
            let (u, s, vh) = try x.svd(fullMatrices: false)
            assertClose(try einsum("bij,bj,bjk->bik", [u, s, vh]), x.scalars(), tolerance: tolerance)
            let (q, r) = try x.qr()
            assertClose(try matmul(q, r), x.scalars(), tolerance: tolerance)
            let square = try matmul(x.transposedMatrices(), x)  // (2, 3, 3), positive definite
            assertClose(try matmul(square, square.inverse()), [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1],
                        tolerance: dtype == .float32 ? 1e-3 : 1e-10)
            let l = try square.cholesky()
            assertClose(try matmul(l, l.transposedMatrices()), square.scalars(), tolerance: tolerance * 10)
        }
    }

    func testLinalgErrors() throws {
        let singular = try Tensor([1, 1, 1, 1], shape: [2, 2])
        assertThrows(.value, "[inv] singular matrix (shape (2,2))") { try singular.inverse() }
        assertThrows(.value, "[solve] singular matrix") { try singular.solve(Tensor([1, 1], shape: [2])) }
        assertThrows(.value, "[cholesky] matrix is not positive definite") { try (singular * -1).cholesky() }
        assertThrows(.value, "[det] needs square matrices, got shape (1,4)") { try Tensor([1, 2, 3, 4], shape: [1, 4]).determinant() }
        assertClose(try singular.determinant(), [0])
        let nan = try Tensor([1, 0, .nan, 1], shape: [2, 2])
        assertThrows(.value, "[svd] SVD did not converge: the matrix contains NaN (shape (2,2))") { try nan.svdvals() }
        XCTAssert(try nan.eigvalsh().scalars().allSatisfy(\.isNaN))
    }

    /// Hermitian eigenvalues, singular values and QR of complex matrices,
    /// real parts real.
    func testComplexFactorizationsByHand() throws {
        let i = try Tensor(.complex(0, 1), dtype: .complex128)
        for dtype in [DType.complex64, .complex128] {
            let tolerance = dtype == .complex64 ? 1e-6 : 1e-14
            // [[2, i], [-i, 2]]: eigenvalues 2 ∓ 1.
            let h = try (Tensor([2, 0, 0, 2], shape: [2, 2]) + i * Tensor([0, 1, -1, 0], shape: [2, 2])).cast(to: dtype)
            let w = try h.eigvalsh()
            XCTAssertEqual(w.dtype, dtype.realPart)
            assertClose(w, [1, 3], tolerance: tolerance)
            let (values, v) = try h.eigh()
            assertClose(try (matmul(h, v) - v * values.expandingDims(axis: 0)).unary(.abs), [0, 0, 0, 0], tolerance: tolerance * 10)
            // diag(3i, 2): singular values 3 and 2.
            let d = try (Tensor([0, 0, 0, 2], shape: [2, 2]) + i * Tensor([3, 0, 0, 0], shape: [2, 2])).cast(to: dtype)
            XCTAssertEqual(try d.svdvals().dtype, dtype.realPart)
            assertClose(try d.svdvals(), [3, 2], tolerance: tolerance)
            let (u, s, vh) = try d.svd(fullMatrices: false)
            assertClose(try (matmul(u * s.expandingDims(axis: 0), vh) - d).unary(.abs), [0, 0, 0, 0], tolerance: tolerance * 10)
            let (q, r) = try h.qr()
            assertClose(try (matmul(q, r) - h).unary(.abs), [0, 0, 0, 0], tolerance: tolerance * 10)
        }
    }

    func testLinalgGradientsMatchCentralDifferences() throws {
        // 3×3 matrices moved away from singular.
        let eye = try Tensor([4, 0, 0, 0, 4, 0, 0, 0, 4], shape: [3, 3])
        let shift = { (x: Tensor) throws -> Tensor in try x + eye }
        let weights = try Tensor([1, 2, 3, 3], shape: [4])
        try checkGradients([
            ("inv", [[2, 3, 3]], { try shift($0[0]).inverse() }),
            ("det", [[3, 3]], { try shift($0[0]).determinant() }),
            ("slogdet", [[2, 3, 3]], { try shift($0[0]).slogdet().logAbsDet }),
            ("cholesky", [[3, 3]], { try (matmul($0[0], $0[0].transposedMatrices()) + eye).cholesky() }),
            ("solve", [[2, 3, 3], [3, 2]], { try shift($0[0]).solve($0[1]) }),
            ("eigvalsh", [[3, 3]], { try ($0[0] + $0[0].transposedMatrices()).eigvalsh() }),
            ("svdvals", [[4, 3]], { try $0[0].svdvals() }),
            // Factors up to sign: squares of eigenvectors and singular vectors.
            ("eigh vectors", [[3, 3]], { let v = try ($0[0] + $0[0].transposedMatrices()).eigh().eigenvectors; return try v * v }),
            ("svd U", [[4, 3]], { let u = try $0[0].svd(fullMatrices: false).u; return try u * u }),
            ("svd Vh", [[3, 4]], { let vh = try $0[0].svd(fullMatrices: false).vh; return try vh * vh }),
            ("qr", [[4, 3]], { let (q, r) = try $0[0].qr(); return try q.sum(axes: [0]) * 2 + r.sum(axes: [1]) }),
            ("qr wide", [[2, 4]], { let (q, r) = try $0[0].qr(); return try q.sum(axes: [0]) * 2 + r.sum(axes: [1]) }),
            // Full factors through losses blind to the extra columns' basis.
            ("svd full U", [[4, 2]], { let u = try $0[0].svd().u; return try matmul(u * weights, u.transposedMatrices()) }),
            ("qr complete", [[4, 2]], { let (q, r) = try $0[0].qr(complete: true)
                                        return try matmul(q * weights, q.transposedMatrices()).sum(axes: [0]) + r.sum(axes: [1]) }),
            ("matrix_norm", [[3, 4]], { try $0[0].matrixNorm() }),
            ("vector_norm", [[3, 4]], { try $0[0].vectorNorm(axes: [1], ord: 3) }),
            ("trace", [[3, 4]], { try $0[0].trace(offset: 1) }),
            ("matrix_power", [[3, 3]], { try $0[0].matrixPower(3) }),
            ("cross", [[2, 3], [3]], { try $0[0].cross($0[1]) }),
        ])
    }
}

private extension Tensor {
    func transposedMatrices() throws -> Tensor {
        var axes = Array(0..<rank)
        axes.swapAt(rank - 1, rank - 2)
        return try permuted(axes)
    }

    func scalars() -> [Double] { value?.scalars ?? [] }
}
