@testable import SwiftGrad
import XCTest

/// Creation functions: hand-computed values, the exact integer arange,
/// triangles on strided views and their gradients, meshgrid as views.
final class CreationTests: XCTestCase {
    func testConstants() throws {
        assertClose(try Tensor.zeros([2, 2]), [0, 0, 0, 0])
        assertClose(try Tensor.ones([3], dtype: .int16), [1, 1, 1])
        XCTAssertEqual(try Tensor.full([2], .int(7), dtype: .uint8).scalars, [7, 7])
        XCTAssertEqual(try Tensor.empty([0, 4]).shape, [0, 4])
        let p = try Tensor.placeholder(.float32, shape: [nil])
        let f = try Function(inputs: [p], outputs: [p.filledLike(.real(0.5))])
        assertClose(try f([Tensor([1, 2, 3], shape: [3], dtype: .float32)])[0], [0.5, 0.5, 0.5])
        assertThrows(.value, "[zeros]", "negative") { try Tensor.zeros([2, -1]) }
        assertThrows(.value, "[ones]", "overflows") { try Tensor.ones([Int.max, 2]) }
    }

    func testArangeLengthIsCeilOfSpanOverStep() throws {
        XCTAssertEqual(try Tensor.arange(start: .int(0), stop: .int(5), dtype: .int64).scalars, [0, 1, 2, 3, 4])
        XCTAssertEqual(try Tensor.arange(start: .int(9), stop: .int(2), step: .int(-3), dtype: .int64).scalars, [9, 6, 3])
        XCTAssertEqual(try Tensor.arange(start: .int(2), stop: .int(9), step: .int(3), dtype: .int32).scalars, [2, 5, 8])
        XCTAssertEqual(try Tensor.arange(start: .int(5), stop: .int(0), dtype: .int64).shape, [0])
        assertClose(try Tensor.arange(start: .real(0), stop: .real(1), step: .real(0.25), dtype: .float64), [0, 0.25, 0.5, 0.75])
        // Exact near the int64 limits, where doubles would round.
        let top = try Tensor.arange(start: .int(.max - 2), stop: .int(.max), dtype: .int64)
        XCTAssertEqual(try top.value?.elements, [.int(.max - 2), .int(.max - 1)])
        assertThrows(.value, "[arange]", "step") { try Tensor.arange(start: .int(0), stop: .int(1), step: .int(0), dtype: .int64) }
        assertThrows(.value, "[arange]", "too many") { try Tensor.arange(start: .int(.min), stop: .int(.max), dtype: .int64) }
        assertThrows(.value, "[arange]", "fit") { try Tensor.arange(start: .int(250), stop: .int(260), dtype: .uint8) }
        assertThrows(.value, "[arange]", "finite") { try Tensor.arange(start: .real(0), stop: .real(.infinity), dtype: .float64) }
        assertThrows(.type, "[arange]") { try Tensor.arange(start: .int(0), stop: .int(1), dtype: .bool) }
    }

    func testLinspaceAndEye() throws {
        assertClose(try Tensor.linspace(start: .real(0), stop: .real(1), count: 5, dtype: .float64), [0, 0.25, 0.5, 0.75, 1])
        assertClose(try Tensor.linspace(start: .real(0), stop: .real(1), count: 4, endpoint: false, dtype: .float32),
                    [0, 0.25, 0.5, 0.75])
        assertClose(try Tensor.linspace(start: .real(3), stop: .real(4), count: 1, dtype: .float64), [3])
        XCTAssertEqual(try Tensor.linspace(start: .real(3), stop: .real(4), count: 0, dtype: .float64).shape, [0])
        assertThrows(.value, "[linspace]") { try Tensor.linspace(start: .real(0), stop: .real(1), count: -2, dtype: .float64) }
        assertClose(try Tensor.eye(rows: 2, columns: 3, k: 1), [0, 1, 0, 0, 0, 1])
        assertClose(try Tensor.eye(rows: 3, columns: 2, k: -1), [0, 0, 1, 0, 0, 1])
        assertClose(try Tensor.eye(rows: 2, k: .max), [0, 0, 0, 0])
        assertClose(try Tensor.eye(rows: 2, k: .min), [0, 0, 0, 0])
    }

    func testTrianglesOnAStridedViewAndTheirGradient() throws {
        // The transpose of [[1 2 3] [4 5 6]] is a strided view.
        let x = try Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]).transposed()
        assertClose(try x.lowerTriangle(), [1, 0, 2, 5, 3, 6])
        assertClose(try x.upperTriangle(k: 1), [0, 4, 0, 0, 0, 0])
        let leaf = try Tensor([1, 2, 3, 4], shape: [2, 2])
        try leaf.setRequiresGrad(true)
        try (leaf.lowerTriangle() * leaf).sum().backward()
        assertClose(leaf.grad, [2, 0, 6, 8])
        assertThrows(.value, "[tril]", "2 dimensions") { try Tensor([1, 2], shape: [2]).lowerTriangle() }
    }

    func testMeshgridIsAViewAndDifferentiable() throws {
        let a = try Tensor([1, 2, 3], shape: [3]), b = try Tensor([4, 5], shape: [2])
        let xy = try Tensor.meshgrid([a, b])
        XCTAssertEqual(xy[0].shape, [2, 3])
        assertClose(xy[0], [1, 2, 3, 1, 2, 3])
        assertClose(xy[1], [4, 4, 4, 5, 5, 5])
        XCTAssertEqual(xy[0].value?.strides, [0, 1])
        let ij = try Tensor.meshgrid([a, b], cartesian: false)
        assertClose(ij[0], [1, 1, 2, 2, 3, 3])
        try a.setRequiresGrad(true)
        try (Tensor.meshgrid([a, b])[0] * 2).sum().backward()
        assertClose(a.grad, [4, 4, 4])
        assertThrows(.type, "[meshgrid]", "dtype") { try Tensor.meshgrid([a, Tensor(1, dtype: .int64).expandingDims([0])]) }
    }
}
