import COpenBLAS
import ComplexModule

// Matrix factorizations through OpenBLAS's LAPACK. LAPACK is column-major,
// so each matrix is copied into a column-major buffer (from any strides)
// and results are copied back row-major; the copies are O(n²) beside the
// O(n³) work. Each function handles one matrix; primitives loop batches.

/// The four LAPACK dtypes (real and complex), with the routines of each:
/// LU factorization, its solve, Cholesky.
protocol LUElement: NumberElement {
    associatedtype Modulus: RealLapackElement
    static func getrf(_ m: inout Int32, _ n: inout Int32, _ a: UnsafeMutablePointer<Self>, _ lda: inout Int32,
                      _ ipiv: UnsafeMutablePointer<Int32>, _ info: inout Int32)
    static func getrs(_ n: inout Int32, _ nrhs: inout Int32, _ a: UnsafeMutablePointer<Self>, _ lda: inout Int32,
                      _ ipiv: UnsafeMutablePointer<Int32>, _ b: UnsafeMutablePointer<Self>, _ ldb: inout Int32,
                      _ info: inout Int32)
    static func potrf(_ n: inout Int32, _ a: UnsafeMutablePointer<Self>, _ lda: inout Int32, _ info: inout Int32)
    /// |x| (Euclidean for complex).
    var modulus: Modulus { get }
    /// x / m for a real m.
    func scaled(by m: Modulus) -> Self
}

extension LUElement where Self: RealLapackElement {
    var modulus: Self { Swift.abs(self) }
    func scaled(by m: Self) -> Self { self * m }
}

/// The same four dtypes with the Hermitian eigensolver, the SVD and QR.
/// Eigenvalues and singular values are real (`Modulus`); the complex
/// routines also take a real workspace (`rwork`), which the real ones
/// ignore, so one code path serves both.
protocol LapackElement: LUElement {
    static func heevd(_ vectors: Bool, _ n: inout Int32, _ a: UnsafeMutablePointer<Self>, _ lda: inout Int32,
                      _ w: UnsafeMutablePointer<Modulus>, _ work: UnsafeMutablePointer<Self>, _ lwork: inout Int32,
                      _ rwork: UnsafeMutablePointer<Modulus>, _ lrwork: inout Int32,
                      _ iwork: UnsafeMutablePointer<Int32>, _ liwork: inout Int32, _ info: inout Int32)
    static func gesdd(_ jobz: UInt8, _ m: inout Int32, _ n: inout Int32, _ a: UnsafeMutablePointer<Self>,
                      _ lda: inout Int32, _ s: UnsafeMutablePointer<Modulus>, _ u: UnsafeMutablePointer<Self>,
                      _ ldu: inout Int32, _ vt: UnsafeMutablePointer<Self>, _ ldvt: inout Int32,
                      _ work: UnsafeMutablePointer<Self>, _ lwork: inout Int32, _ rwork: UnsafeMutablePointer<Modulus>,
                      _ iwork: UnsafeMutablePointer<Int32>, _ info: inout Int32)
    static func geqrf(_ m: inout Int32, _ n: inout Int32, _ a: UnsafeMutablePointer<Self>, _ lda: inout Int32,
                      _ tau: UnsafeMutablePointer<Self>, _ work: UnsafeMutablePointer<Self>, _ lwork: inout Int32,
                      _ info: inout Int32)
    /// Q from geqrf's reflectors (orgqr for reals, ungqr for complex).
    static func ungqr(_ m: inout Int32, _ n: inout Int32, _ k: inout Int32, _ a: UnsafeMutablePointer<Self>,
                      _ lda: inout Int32, _ tau: UnsafeMutablePointer<Self>, _ work: UnsafeMutablePointer<Self>,
                      _ lwork: inout Int32, _ info: inout Int32)
    /// The length of gesdd's real workspace (LAPACK's documented bound;
    /// 1 for reals, which have none).
    static func svdRealWorkspace(_ jobz: UInt8, _ m: Int, _ n: Int) -> Int
    /// A workspace length LAPACK wrote into an element by a size query.
    var workspaceCount: Int { get }
    var isFinite: Bool { get }
    var containsNaN: Bool { get }
    static var notANumber: Self { get }
}

/// float32 and float64.
protocol RealLapackElement: FloatElement, LapackElement where Modulus == Self {}

extension RealLapackElement {
    static func svdRealWorkspace(_ jobz: UInt8, _ m: Int, _ n: Int) -> Int { 1 }
    // Clamped to 1…Int32.max (NaN gives 1), so the conversion cannot trap.
    var workspaceCount: Int { self >= 1 ? Int(Swift.min(self, Self(Int32.max))) : 1 }
    static var notANumber: Self { .nan }
    var containsNaN: Bool { isNaN }
}

extension Float: RealLapackElement {
    typealias Modulus = Float
    static func getrf(_ m: inout Int32, _ n: inout Int32, _ a: UnsafeMutablePointer<Float>, _ lda: inout Int32,
                      _ ipiv: UnsafeMutablePointer<Int32>, _ info: inout Int32) { sgetrf_(&m, &n, a, &lda, ipiv, &info) }
    static func getrs(_ n: inout Int32, _ nrhs: inout Int32, _ a: UnsafeMutablePointer<Float>, _ lda: inout Int32,
                      _ ipiv: UnsafeMutablePointer<Int32>, _ b: UnsafeMutablePointer<Float>, _ ldb: inout Int32,
                      _ info: inout Int32) {
        var t = CChar(UInt8(ascii: "N"))
        sgetrs_(&t, &n, &nrhs, a, &lda, ipiv, b, &ldb, &info, 1)
    }
    static func potrf(_ n: inout Int32, _ a: UnsafeMutablePointer<Float>, _ lda: inout Int32, _ info: inout Int32) {
        var uplo = CChar(UInt8(ascii: "L"))
        spotrf_(&uplo, &n, a, &lda, &info, 1)
    }
    static func heevd(_ vectors: Bool, _ n: inout Int32, _ a: UnsafeMutablePointer<Float>, _ lda: inout Int32,
                      _ w: UnsafeMutablePointer<Float>, _ work: UnsafeMutablePointer<Float>, _ lwork: inout Int32,
                      _ rwork: UnsafeMutablePointer<Float>, _ lrwork: inout Int32,
                      _ iwork: UnsafeMutablePointer<Int32>, _ liwork: inout Int32, _ info: inout Int32) {
        var jobz = CChar(UInt8(ascii: vectors ? "V" : "N")), uplo = CChar(UInt8(ascii: "L"))
        ssyevd_(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork, &info, 1, 1)
    }
    static func gesdd(_ jobz: UInt8, _ m: inout Int32, _ n: inout Int32, _ a: UnsafeMutablePointer<Float>,
                      _ lda: inout Int32, _ s: UnsafeMutablePointer<Float>, _ u: UnsafeMutablePointer<Float>,
                      _ ldu: inout Int32, _ vt: UnsafeMutablePointer<Float>, _ ldvt: inout Int32,
                      _ work: UnsafeMutablePointer<Float>, _ lwork: inout Int32, _ rwork: UnsafeMutablePointer<Float>,
                      _ iwork: UnsafeMutablePointer<Int32>, _ info: inout Int32) {
        var job = CChar(jobz)
        sgesdd_(&job, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, &info, 1)
    }
    static func geqrf(_ m: inout Int32, _ n: inout Int32, _ a: UnsafeMutablePointer<Float>, _ lda: inout Int32,
                      _ tau: UnsafeMutablePointer<Float>, _ work: UnsafeMutablePointer<Float>, _ lwork: inout Int32,
                      _ info: inout Int32) { sgeqrf_(&m, &n, a, &lda, tau, work, &lwork, &info) }
    static func ungqr(_ m: inout Int32, _ n: inout Int32, _ k: inout Int32, _ a: UnsafeMutablePointer<Float>,
                      _ lda: inout Int32, _ tau: UnsafeMutablePointer<Float>, _ work: UnsafeMutablePointer<Float>,
                      _ lwork: inout Int32, _ info: inout Int32) { sorgqr_(&m, &n, &k, a, &lda, tau, work, &lwork, &info) }
}

extension Double: RealLapackElement {
    typealias Modulus = Double
    static func getrf(_ m: inout Int32, _ n: inout Int32, _ a: UnsafeMutablePointer<Double>, _ lda: inout Int32,
                      _ ipiv: UnsafeMutablePointer<Int32>, _ info: inout Int32) { dgetrf_(&m, &n, a, &lda, ipiv, &info) }
    static func getrs(_ n: inout Int32, _ nrhs: inout Int32, _ a: UnsafeMutablePointer<Double>, _ lda: inout Int32,
                      _ ipiv: UnsafeMutablePointer<Int32>, _ b: UnsafeMutablePointer<Double>, _ ldb: inout Int32,
                      _ info: inout Int32) {
        var t = CChar(UInt8(ascii: "N"))
        dgetrs_(&t, &n, &nrhs, a, &lda, ipiv, b, &ldb, &info, 1)
    }
    static func potrf(_ n: inout Int32, _ a: UnsafeMutablePointer<Double>, _ lda: inout Int32, _ info: inout Int32) {
        var uplo = CChar(UInt8(ascii: "L"))
        dpotrf_(&uplo, &n, a, &lda, &info, 1)
    }
    static func heevd(_ vectors: Bool, _ n: inout Int32, _ a: UnsafeMutablePointer<Double>, _ lda: inout Int32,
                      _ w: UnsafeMutablePointer<Double>, _ work: UnsafeMutablePointer<Double>, _ lwork: inout Int32,
                      _ rwork: UnsafeMutablePointer<Double>, _ lrwork: inout Int32,
                      _ iwork: UnsafeMutablePointer<Int32>, _ liwork: inout Int32, _ info: inout Int32) {
        var jobz = CChar(UInt8(ascii: vectors ? "V" : "N")), uplo = CChar(UInt8(ascii: "L"))
        dsyevd_(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork, &info, 1, 1)
    }
    static func gesdd(_ jobz: UInt8, _ m: inout Int32, _ n: inout Int32, _ a: UnsafeMutablePointer<Double>,
                      _ lda: inout Int32, _ s: UnsafeMutablePointer<Double>, _ u: UnsafeMutablePointer<Double>,
                      _ ldu: inout Int32, _ vt: UnsafeMutablePointer<Double>, _ ldvt: inout Int32,
                      _ work: UnsafeMutablePointer<Double>, _ lwork: inout Int32, _ rwork: UnsafeMutablePointer<Double>,
                      _ iwork: UnsafeMutablePointer<Int32>, _ info: inout Int32) {
        var job = CChar(jobz)
        dgesdd_(&job, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, &info, 1)
    }
    static func geqrf(_ m: inout Int32, _ n: inout Int32, _ a: UnsafeMutablePointer<Double>, _ lda: inout Int32,
                      _ tau: UnsafeMutablePointer<Double>, _ work: UnsafeMutablePointer<Double>, _ lwork: inout Int32,
                      _ info: inout Int32) { dgeqrf_(&m, &n, a, &lda, tau, work, &lwork, &info) }
    static func ungqr(_ m: inout Int32, _ n: inout Int32, _ k: inout Int32, _ a: UnsafeMutablePointer<Double>,
                      _ lda: inout Int32, _ tau: UnsafeMutablePointer<Double>, _ work: UnsafeMutablePointer<Double>,
                      _ lwork: inout Int32, _ info: inout Int32) { dorgqr_(&m, &n, &k, a, &lda, tau, work, &lwork, &info) }
}

// Complex<Float/Double> is laid out as C's interleaved (re, im) pair; the
// precision picks the c or z routine.
extension Complex: LUElement where RealType: RealLapackElement {
    typealias Modulus = RealType
    var modulus: RealType { length }
    func scaled(by m: RealType) -> Complex { Complex(real * m, imaginary * m) }

    private static var single: Bool { RealType.self == Float.self }
    /// A RealType array as the C routine's float or double array (the same type).
    static func realArray<R>(_ p: UnsafeMutablePointer<RealType>, _: R.Type) -> UnsafeMutablePointer<R> {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: R.self)
    }

    static func getrf(_ m: inout Int32, _ n: inout Int32, _ a: UnsafeMutablePointer<Complex>, _ lda: inout Int32,
                      _ ipiv: UnsafeMutablePointer<Int32>, _ info: inout Int32) {
        if single { cgetrf_(&m, &n, a, &lda, ipiv, &info) } else { zgetrf_(&m, &n, a, &lda, ipiv, &info) }
    }
    static func getrs(_ n: inout Int32, _ nrhs: inout Int32, _ a: UnsafeMutablePointer<Complex>, _ lda: inout Int32,
                      _ ipiv: UnsafeMutablePointer<Int32>, _ b: UnsafeMutablePointer<Complex>, _ ldb: inout Int32,
                      _ info: inout Int32) {
        var t = CChar(UInt8(ascii: "N"))
        if single {
            cgetrs_(&t, &n, &nrhs, a, &lda, ipiv, b, &ldb, &info, 1)
        } else {
            zgetrs_(&t, &n, &nrhs, a, &lda, ipiv, b, &ldb, &info, 1)
        }
    }
    static func potrf(_ n: inout Int32, _ a: UnsafeMutablePointer<Complex>, _ lda: inout Int32, _ info: inout Int32) {
        var uplo = CChar(UInt8(ascii: "L"))
        if single { cpotrf_(&uplo, &n, a, &lda, &info, 1) } else { zpotrf_(&uplo, &n, a, &lda, &info, 1) }
    }
}

extension Complex: LapackElement where RealType: RealLapackElement {
    static func heevd(_ vectors: Bool, _ n: inout Int32, _ a: UnsafeMutablePointer<Complex>, _ lda: inout Int32,
                      _ w: UnsafeMutablePointer<RealType>, _ work: UnsafeMutablePointer<Complex>, _ lwork: inout Int32,
                      _ rwork: UnsafeMutablePointer<RealType>, _ lrwork: inout Int32,
                      _ iwork: UnsafeMutablePointer<Int32>, _ liwork: inout Int32, _ info: inout Int32) {
        var jobz = CChar(UInt8(ascii: vectors ? "V" : "N")), uplo = CChar(UInt8(ascii: "L"))
        if single {
            cheevd_(&jobz, &uplo, &n, a, &lda, realArray(w, Float.self), work, &lwork, realArray(rwork, Float.self), &lrwork,
                    iwork, &liwork, &info, 1, 1)
        } else {
            zheevd_(&jobz, &uplo, &n, a, &lda, realArray(w, Double.self), work, &lwork, realArray(rwork, Double.self), &lrwork,
                    iwork, &liwork, &info, 1, 1)
        }
    }
    static func gesdd(_ jobz: UInt8, _ m: inout Int32, _ n: inout Int32, _ a: UnsafeMutablePointer<Complex>,
                      _ lda: inout Int32, _ s: UnsafeMutablePointer<RealType>, _ u: UnsafeMutablePointer<Complex>,
                      _ ldu: inout Int32, _ vt: UnsafeMutablePointer<Complex>, _ ldvt: inout Int32,
                      _ work: UnsafeMutablePointer<Complex>, _ lwork: inout Int32, _ rwork: UnsafeMutablePointer<RealType>,
                      _ iwork: UnsafeMutablePointer<Int32>, _ info: inout Int32) {
        var job = CChar(jobz)
        if single {
            cgesdd_(&job, &m, &n, a, &lda, realArray(s, Float.self), u, &ldu, vt, &ldvt, work, &lwork,
                    realArray(rwork, Float.self), iwork, &info, 1)
        } else {
            zgesdd_(&job, &m, &n, a, &lda, realArray(s, Double.self), u, &ldu, vt, &ldvt, work, &lwork,
                    realArray(rwork, Double.self), iwork, &info, 1)
        }
    }
    static func geqrf(_ m: inout Int32, _ n: inout Int32, _ a: UnsafeMutablePointer<Complex>, _ lda: inout Int32,
                      _ tau: UnsafeMutablePointer<Complex>, _ work: UnsafeMutablePointer<Complex>, _ lwork: inout Int32,
                      _ info: inout Int32) {
        if single { cgeqrf_(&m, &n, a, &lda, tau, work, &lwork, &info) } else { zgeqrf_(&m, &n, a, &lda, tau, work, &lwork, &info) }
    }
    static func ungqr(_ m: inout Int32, _ n: inout Int32, _ k: inout Int32, _ a: UnsafeMutablePointer<Complex>,
                      _ lda: inout Int32, _ tau: UnsafeMutablePointer<Complex>, _ work: UnsafeMutablePointer<Complex>,
                      _ lwork: inout Int32, _ info: inout Int32) {
        if single {
            cungqr_(&m, &n, &k, a, &lda, tau, work, &lwork, &info)
        } else {
            zungqr_(&m, &n, &k, a, &lda, tau, work, &lwork, &info)
        }
    }
    static func svdRealWorkspace(_ jobz: UInt8, _ m: Int, _ n: Int) -> Int {
        // cgesdd's documented bound (7·mn covers older LAPACKs for 'N').
        let mn = Swift.min(m, n), mx = Swift.max(m, n)
        if jobz == UInt8(ascii: "N") { return Swift.max(7 * mn, 1) }
        return Swift.max(5 * mn * mn + 5 * mn, 2 * mx * mn + 2 * mn * mn + mn, 1)
    }
    var workspaceCount: Int { rawStorage.x.workspaceCount }
    static var notANumber: Complex { Complex(RealType.nan, RealType.nan) }
    // `real` and `imaginary` read NaN for any non-finite value; the stored parts do not.
    var containsNaN: Bool { rawStorage.x.isNaN || rawStorage.y.isNaN }
}

/// A matrix of `x` (the last two axes, starting at element `offset` from
/// x's storage base) copied column-major into a new buffer.
func columnMajor<T: NumberElement>(_ x: NDArray, offset: Int, _: T.Type) -> [T] {
    let r = x.shape.count
    let (m, n, s0, s1) = (x.shape[r - 2], x.shape[r - 1], x.strides[r - 2], x.strides[r - 1])
    let p = x.storage.base.assumingMemoryBound(to: T.self) + offset
    var a = [T](repeating: T.zero, count: m * n)
    for j in 0..<n { for i in 0..<m { a[i + j * m] = p[i * s0 + j * s1] } }
    return a
}

/// Writes an m×n column-major buffer (leading dimension `ld`) row-major
/// into `out` at element `offset`; `keep(i, j)` false writes 0.
func storeRowMajor<T: NumberElement>(_ a: UnsafePointer<T>, rows m: Int, columns n: Int, ld: Int,
                                     into out: NDArray, offset: Int, keep: (Int, Int) -> Bool = { _, _ in true }) {
    let p = out.pointer(T.self) + offset
    for i in 0..<m { for j in 0..<n { p[i * n + j] = keep(i, j) ? a[i + j * ld] : T.zero } }
}

/// The offsets (in elements from the storage base) of each matrix of `x`
/// when its batch axes are broadcast to `batch`, computed as they are read:
/// a batch of billions of empty matrices costs no memory.
func matrixOffsets(_ x: NDArray, batch: [Int]) -> MatrixOffsets {
    let strides = broadcastStrides(x, to: batch + x.shape.suffix(2))
    return MatrixOffsets(base: x.offset, batch: batch, strides: Array(strides.prefix(batch.count)),
                         count: batch.reduce(1, &*))
}

struct MatrixOffsets: RandomAccessCollection {
    let base: Int, batch: [Int], strides: [Int]
    let count: Int
    var startIndex: Int { 0 }
    var endIndex: Int { count }

    subscript(index: Int) -> Int {
        var rest = index, offset = base
        for axis in batch.indices.reversed() {
            offset &+= (rest % batch[axis]) &* strides[axis]
            rest /= batch[axis]
        }
        return offset
    }
}

/// Sizes LAPACK takes as 32-bit ints.
func lapackSize(_ n: Int, _ op: String) throws -> Int32 {
    guard let value = Int32(exactly: n) else {
        throw SwiftGradError.value(op, "a matrix length of \(n) is beyond LAPACK's 32-bit sizes")
    }
    return value
}

/// A failure LAPACK reports through `info`: a positive value is a property
/// of the matrix (singular, not positive definite, no convergence).
struct LapackFailure: Error {
    let info: Int32
}

enum Lapack {
    /// LU factorization in place: the pivots, and info (> 0: singular).
    static func lu<T: LUElement>(_ a: inout [T], _ n: Int) throws -> ([Int32], Int32) {
        var (m32, n32, lda, info) = (try lapackSize(n, "lu"), try lapackSize(n, "lu"), Int32(max(n, 1)), Int32(0))
        var ipiv = [Int32](repeating: 0, count: max(n, 1))
        T.getrf(&m32, &n32, &a, &lda, &ipiv, &info)
        return (ipiv, info)
    }

    /// Solves A X = B for an n×n A and n×k B (both column-major; B is
    /// overwritten with X). Throws `LapackFailure` for a singular A.
    static func solve<T: LUElement>(_ a: inout [T], _ b: inout [T], n: Int, k: Int) throws {
        let (ipiv, info) = try lu(&a, n)
        guard info == 0 else { throw LapackFailure(info: info) }
        guard n > 0, k > 0 else { return }
        var (n32, k32, lda, ldb, status) = (Int32(n), try lapackSize(k, "solve"), Int32(n), Int32(n), Int32(0))
        var pivots = ipiv
        T.getrs(&n32, &k32, &a, &lda, &pivots, &b, &ldb, &status)
    }

    /// The sign (x/|x| of the determinant: ±1 for reals, a unit complex
    /// number) and log |det| of an n×n column-major matrix (0 and -inf when
    /// singular).
    static func slogdet<T: LUElement>(_ a: inout [T], _ n: Int) throws -> (T, T.Modulus) {
        let (ipiv, info) = try lu(&a, n)
        if info > 0 { return (T.zero, -.infinity) }
        var sign = T.one, log: T.Modulus = 0
        for i in 0..<n {
            let u = a[i + i * n], m = u.modulus
            sign = T.times(sign, u.scaled(by: 1 / m))
            if ipiv[i] != Int32(i + 1) { sign = T.negated(sign) }
            log += T.Modulus.log(m)
        }
        return (sign, log)
    }

    /// The lower Cholesky factor in place (the upper triangle is left as
    /// it was). Throws `LapackFailure` unless positive definite.
    static func cholesky<T: LUElement>(_ a: inout [T], _ n: Int) throws {
        guard n > 0 else { return }
        var (n32, lda, info) = (try lapackSize(n, "cholesky"), Int32(n), Int32(0))
        T.potrf(&n32, &a, &lda, &info)
        guard info == 0 else { throw LapackFailure(info: info) }
    }

    /// Eigenvalues (ascending) of a Hermitian matrix read from its lower
    /// triangle, and with `vectors` the eigenvectors in a's columns.
    static func eigh<T: LapackElement>(_ a: inout [T], _ n: Int, vectors: Bool) throws -> [T.Modulus] {
        var w = [T.Modulus](repeating: 0, count: max(n, 1))
        guard n > 0 else { return [] }
        var (n32, lda, info) = (try lapackSize(n, "eigh"), Int32(n), Int32(0))
        var (lwork, lrwork, liwork) = (Int32(-1), Int32(-1), Int32(-1))
        var query = [T](repeating: T.zero, count: 1), rquery = [T.Modulus](repeating: 1, count: 1)
        var iquery = [Int32](repeating: 0, count: 1)
        T.heevd(vectors, &n32, &a, &lda, &w, &query, &lwork, &rquery, &lrwork, &iquery, &liwork, &info)
        lwork = Int32(query[0].workspaceCount)
        lrwork = Int32(rquery[0].workspaceCount)
        liwork = max(iquery[0], 1)
        var work = [T](repeating: T.zero, count: Int(lwork)), rwork = [T.Modulus](repeating: 0, count: Int(lrwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        T.heevd(vectors, &n32, &a, &lda, &w, &work, &lwork, &rwork, &lrwork, &iwork, &liwork, &info)
        guard info == 0 else { throw LapackFailure(info: info) }
        return w
    }

    /// The singular values (descending) of an m×n column-major matrix and,
    /// for `job` "S" or "A", U (m×ucols) and Vᴴ (vrows×n), column-major.
    static func svd<T: LapackElement>(_ a: inout [T], _ m: Int, _ n: Int, job: UInt8) throws
        -> (s: [T.Modulus], u: [T], vt: [T], ucols: Int, vrows: Int) {
        let k = min(m, n)
        let (ucols, vrows) = job == UInt8(ascii: "A") ? (m, n) : job == UInt8(ascii: "S") ? (k, k) : (0, 0)
        var s = [T.Modulus](repeating: 0, count: max(k, 1))
        var u = [T](repeating: T.zero, count: max(m * ucols, 1)), vt = [T](repeating: T.zero, count: max(vrows * n, 1))
        guard k > 0 else {
            // An empty matrix: U and Vᴴ are identities of their sizes.
            for i in 0..<min(m, ucols) { u[i + i * m] = T.one }
            for i in 0..<min(n, vrows) { vt[i + i * vrows] = T.one }
            return ([], u, vt, ucols, vrows)
        }
        var (m32, n32) = (try lapackSize(m, "svd"), try lapackSize(n, "svd"))
        var (lda, ldu, ldvt, info) = (Int32(m), Int32(m), Int32(max(vrows, 1)), Int32(0))
        var lwork = Int32(-1)
        var query = [T](repeating: T.zero, count: 1), iwork = [Int32](repeating: 0, count: 8 * k)
        var rwork = [T.Modulus](repeating: 0, count: T.svdRealWorkspace(job, m, n))
        T.gesdd(job, &m32, &n32, &a, &lda, &s, &u, &ldu, &vt, &ldvt, &query, &lwork, &rwork, &iwork, &info)
        lwork = Int32(query[0].workspaceCount)
        var work = [T](repeating: T.zero, count: Int(lwork))
        T.gesdd(job, &m32, &n32, &a, &lda, &s, &u, &ldu, &vt, &ldvt, &work, &lwork, &rwork, &iwork, &info)
        guard info == 0 else { throw LapackFailure(info: info) }
        return (s, u, vt, ucols, vrows)
    }

    /// QR of an m×n column-major matrix: Q (m×qcols, column-major) and R
    /// (qcols×n, column-major), qcols = min(m, n) or m when `complete`.
    static func qr<T: LapackElement>(_ a: [T], _ m: Int, _ n: Int, complete: Bool) throws -> (q: [T], r: [T], qcols: Int) {
        let k = min(m, n), qcols = complete ? m : k
        // Room for m×max(n, qcols) so ungqr can build the complete Q.
        let width = max(n, qcols)
        var work = [T](repeating: T.zero, count: max(m * width, 1))
        for i in 0..<(m * n) { work[i] = a[i] }
        var tau = [T](repeating: T.zero, count: max(k, 1))
        var (m32, n32, lda, info) = (try lapackSize(m, "qr"), try lapackSize(n, "qr"), Int32(max(m, 1)), Int32(0))
        if k > 0 {
            var lwork = Int32(-1), query = [T](repeating: T.zero, count: 1)
            T.geqrf(&m32, &n32, &work, &lda, &tau, &query, &lwork, &info)
            lwork = Int32(query[0].workspaceCount)
            var scratch = [T](repeating: T.zero, count: Int(lwork))
            T.geqrf(&m32, &n32, &work, &lda, &tau, &scratch, &lwork, &info)
        }
        var r = [T](repeating: T.zero, count: max(qcols * n, 1))
        for j in 0..<n { for i in 0..<min(j + 1, qcols) { r[i + j * qcols] = work[i + j * m] } }
        var q = [T](repeating: T.zero, count: max(m * qcols, 1))
        if k > 0 {
            var (q32, k32, lwork) = (Int32(qcols), Int32(k), Int32(-1))
            var query = [T](repeating: T.zero, count: 1)
            T.ungqr(&m32, &q32, &k32, &work, &lda, &tau, &query, &lwork, &info)
            lwork = Int32(query[0].workspaceCount)
            var scratch = [T](repeating: T.zero, count: Int(lwork))
            T.ungqr(&m32, &q32, &k32, &work, &lda, &tau, &scratch, &lwork, &info)
            for i in 0..<(m * qcols) { q[i] = work[i] }
        } else {
            for i in 0..<min(m, qcols) { q[i + i * m] = T.one }
        }
        return (q, r, qcols)
    }
}
