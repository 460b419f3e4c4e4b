import SwiftGrad
import XCTest

/// The fold kernels (serial, parallel, strided), the axis kernels (argmax,
/// cumulative sums), dtype rules, and the gradients of reductions and
/// products against central differences.
final class ReductionTests: XCTestCase {
    private func values(_ scalars: [Double], _ shape: [Int], _ dtype: DType = .float64) throws -> Tensor {
        try Tensor(scalars, shape: shape, dtype: dtype)
    }

    func testFoldsByHand() throws {
        let x = try values([0.5, 2, -1, 3, 3, 1.5], [2, 3])
        assertClose(try x.prod(), [-13.5])
        assertClose(try x.max(axes: [1]), [2, 3])
        assertClose(try x.min(axes: [0], keepDims: true), [0.5, 2, -1])
        XCTAssertEqual(try x.min(axes: [0], keepDims: true).shape, [1, 3])
        assertClose(try x.argmax(axis: 1), [1, 0])
        assertClose(try x.argmin(), [2])
        XCTAssertEqual(try x.argmax().dtype, .int64)
        assertClose(try x.all(axes: [1]), [1, 1])
        assertClose(try (x - 3).any(axes: [1]), [1, 1])
        assertClose(try (x * 0).any(), [0])
        assertClose(try x.variance(axes: [1], correction: 1), [2.25, 0.75], tolerance: 1e-12)
        assertClose(try x.standardDeviation(), [(2.0).squareRoot()], tolerance: 1e-12)
        assertClose(try x.cumulativeSum(axis: 1, includeInitial: true), [0, 0.5, 2.5, 1.5, 0, 3, 6, 7.5])
        assertClose(try x.cumulativeSum(axis: 0), [0.5, 2, -1, 3.5, 5, 0.5])
    }

    func testDTypeRules() throws {
        let small = try values([100, 100, 100], [3], .int8)
        XCTAssertEqual(try small.prod().dtype, .int64)
        assertClose(try small.prod(), [1_000_000])
        XCTAssertEqual(try small.max().dtype, .int8)
        XCTAssertEqual(try values([1], [1], .uint8).cumulativeSum().dtype, .uint64)
        XCTAssertEqual(try small.sum(dtype: .float32).dtype, .float32)
        assertClose(try small.sum(dtype: .int8), [44])  // wraps, as NumPy's
        XCTAssertEqual(try values([1, 0], [2], .bool).all().dtype, .bool)
    }

    /// Long rows and many rows take the parallel paths; a permuted view
    /// takes the strided ones. Each must match a plain loop.
    func testLargeAndStridedInputsMatchLoops() throws {
        var random = SplitMix64(state: 9)
        let (rows, cols) = (300, 500)
        let data = (0..<(rows * cols)).map { _ in Double.random(in: -1...1, using: &random) }
        let x = try values(data, [rows, cols])
        let rowMax = (0..<rows).map { r in data[(r * cols)..<((r + 1) * cols)].max() ?? 0 }
        let colMin = (0..<cols).map { c in (0..<rows).map { data[$0 * cols + c] }.min() ?? 0 }
        assertClose(try x.max(axes: [1]), rowMax, tolerance: 0)
        assertClose(try x.min(axes: [0]), colMin, tolerance: 0)
        assertClose(try x.max(), [data.max() ?? 0], tolerance: 0)
        let t = try x.permuted([1, 0])
        assertClose(try t.max(axes: [0]), rowMax, tolerance: 0)
        assertClose(try t.argmax(axis: 0), (0..<rows).map { r in
            Double(data[(r * cols)..<((r + 1) * cols)].indices.max { data[$0] < data[$1] }! - r * cols)
        }, tolerance: 0)
        let near1 = try (x * 0.001 + 1).prod(axes: [1])
        let expected = (0..<rows).map { r in data[(r * cols)..<((r + 1) * cols)].reduce(1.0) { $0 * ($1 * 0.001 + 1) } }
        assertClose(near1, expected, tolerance: 1e-12)
    }

    func testNaNPropagatesAndFirstNaNWins() throws {
        let x = try values([1, .nan, 3, .nan], [4])
        XCTAssertTrue(try x.max().item().isNaN)
        XCTAssertTrue(try x.min().item().isNaN)
        assertClose(try x.argmax(), [1])
        assertClose(try x.argmin(), [1])
    }

    func testEmptyReductions() throws {
        let e = try values([], [0, 3])
        assertClose(try e.prod(axes: [0]), [1, 1, 1])
        assertClose(try e.all(), [1])
        assertClose(try e.any(), [0])
        XCTAssertEqual(try e.max(axes: [1]).shape, [0])
        assertThrows(.value, "[max] zero-size array") { try e.max() }
        assertThrows(.value, "[argmax] attempt to get argmax of an empty sequence") { try e.argmax(axis: 0) }
        assertClose(try values([], [0]).cumulativeSum(includeInitial: true), [0])
    }

    func testBadInput() throws {
        let x = try values([1, 2, 3, 4], [2, 2])
        assertThrows(.index, "[max] axis 2 is out of bounds") { try x.max(axes: [2]) }
        assertThrows(.value, "[prod] repeated axis") { try x.prod(axes: [1, -1]) }
        assertThrows(.type, "[max]", "complex128") { try x.cast(to: .complex128).max() }
        assertThrows(.type, "[var]", "int64") { try x.cast(to: .int64).variance() }
        assertThrows(.value, "[cumulative_sum] axis must be given") { try x.cumulativeSum() }
    }

    func testMaxGradientSplitsTiesEvenly() throws {
        let x = try values([1, 3, 3, 2, 2, 2], [2, 3])
        try x.setRequiresGrad(true)
        try x.max(axes: [1]).sum().backward()
        assertClose(x.grad, [0, 0.5, 0.5, 1.0 / 3, 1.0 / 3, 1.0 / 3], tolerance: 1e-15)
    }

    /// Gradients of each differentiable reduction and product, eager and
    /// symbolic, against central differences of sum(f(x) * w).
    func testGradientsMatchCentralDifferences() throws {
        let cases: [(String, [[Int]], ([Tensor]) throws -> Tensor)] = [
            ("prod", [[2, 3]], { try $0[0].prod(axes: [1]) }),
            ("max", [[3, 4]], { try $0[0].max(axes: [0]) }),
            ("min", [[3, 4]], { try $0[0].min(keepDims: true) }),
            ("var", [[3, 4]], { try $0[0].variance(axes: [1], correction: 1) }),
            ("std", [[3, 4]], { try $0[0].standardDeviation() }),
            ("cumulative_sum", [[3, 4]], { try $0[0].cumulativeSum(axis: 1) }),
            ("cumulative_sum initial", [[3, 4]], { try $0[0].cumulativeSum(axis: 0, includeInitial: true) }),
            ("batched matmul", [[2, 1, 3, 4], [3, 4, 2]], { try matmul($0[0], $0[1]) }),
            ("matmul vector", [[4], [2, 4, 3]], { try matmul($0[0], $0[1]) }),
            ("tensordot", [[3, 2, 4], [2, 5, 3]], { try tensordot($0[0], $0[1], axes: [1, 0], [0, 2]) }),
            ("einsum", [[2, 3], [3, 4], [4, 2]], { try einsum("ij,jk,kl->li", $0) }),
            ("vecdot", [[2, 3], [3]], { try vecdot($0[0], $0[1]) }),
            ("outer", [[3], [2]], { try outer($0[0], $0[1]) }),
        ]
        try checkGradients(cases)
    }
}

/// Checks each case's eager and symbolic gradients against central
/// differences of sum(f(x) * w), at random x in [0.5, 2].
func checkGradients(_ cases: [(String, [[Int]], ([Tensor]) throws -> Tensor)],
                    file: StaticString = #filePath, line: UInt = #line) throws {
    var random = SplitMix64(state: 4)
    for (name, shapes, f) in cases {
        let x = try shapes.map { shape in
            try NDArray((0..<shape.reduce(1, *)).map { _ in Double.random(in: 0.5...2, using: &random) }, shape: shape)
        }
        let shape = try f(x.map(Tensor.init)).value!.shape
        let w = try Tensor((0..<shape.reduce(1, *)).map { _ in Double.random(in: -1...1, using: &random) }, shape: shape)
        let loss = { (inputs: [Tensor]) in try (f(inputs) * w).sum() }
        let numeric = try centralDifferences(x) { try loss($0.map(Tensor.init)).item() }
        let leaves = x.map(Tensor.init)
        for leaf in leaves { try leaf.setRequiresGrad(true) }
        try loss(leaves).backward()
        for (i, leaf) in leaves.enumerated() {
            assertClose(leaf.grad, numeric[i], tolerance: 1e-6, "\(name) eager x\(i)", file: file, line: line)
        }
        let placeholders = try x.map { try Tensor.placeholder(.float64, shape: $0.shape.map { _ in nil }) }
        let symbolic = try Function(inputs: placeholders, outputs: grad(loss(placeholders), wrt: placeholders))
        for (i, g) in try symbolic(x.map(Tensor.init)).enumerated() {
            assertClose(g, numeric[i], tolerance: 1e-6, "\(name) symbolic x\(i)", file: file, line: line)
        }
    }
}
