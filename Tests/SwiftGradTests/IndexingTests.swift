@testable import SwiftGrad
import XCTest

/// Views, slicing, gathers and in-place writes: the view logic (strides,
/// offsets, clamping) and the kernels on negative strides and offsets.
/// Gradients of these ops are rows of `opTable`.
final class IndexingTests: XCTestCase {
    private func iota(_ shape: [Int], dtype: DType = .float64) throws -> Tensor {
        try Tensor((0..<shape.reduce(1, *)).map(Double.init), shape: shape, dtype: dtype)
    }

    private func ints(_ values: [Double], dtype: DType = .int64) throws -> Tensor {
        try Tensor(values, shape: [values.count], dtype: dtype)
    }

    func testReshapeIsAViewWhereStridesAllow() throws {
        let x = try iota([2, 3, 4])
        let y = try x.reshaped([6, -1])
        XCTAssertEqual(y.value?.shape, [6, 4])
        XCTAssertEqual(y.value?.baseAddress, x.value?.baseAddress)
        // Merging the sliced axis with its neighbour is impossible: a copy.
        let head = try x.indexed([.ellipsis, .slice(nil, 3, nil)])
        XCTAssertEqual(try head.reshaped([2, 3, 3, 1]).value?.baseAddress, x.value?.baseAddress)
        let merged = try head.reshaped([18])
        XCTAssertNotEqual(merged.value?.baseAddress, x.value?.baseAddress)
        assertClose(merged, [0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 16, 17, 18, 20, 21, 22])
        // Every other element merges: its strides step evenly.
        XCTAssertEqual(try x.indexed([.ellipsis, .slice(nil, nil, 2)]).reshaped([12]).value?.strides, [2])
        assertClose(try x.transposed().reshaped([-1]).indexed([.slice(nil, 4, nil)]), [0, 12, 4, 16])
        XCTAssertNotEqual(try x.reshaped([24], copy: true).value?.baseAddress, x.value?.baseAddress)
    }

    func testReshapeStrideRule() {
        XCTAssertEqual(reshapedStrides([2, 3], [3, 1], to: [3, 2]), [2, 1])
        XCTAssertEqual(reshapedStrides([2, 3], [1, 2], to: [6]), nil)
        XCTAssertEqual(reshapedStrides([4, 2], [-2, 1], to: [2, 2, 2]), [-4, -2, 1])
        XCTAssertEqual(reshapedStrides([3, 1, 4], [4, 99, 1], to: [12, 1]), [1, 0])
        XCTAssertEqual(reshapedStrides([0, 3], [3, 1], to: [3, 0]), [1, 1])
    }

    func testReshapeErrors() throws {
        let x = try iota([2, 3])
        assertThrows(.value, "[reshape] cannot reshape (2,3) into (4,)") { try x.reshaped([4]) }
        assertThrows(.value, "at most one -1") { try x.reshaped([-1, -1]) }
        assertThrows(.value, "[reshape] cannot reshape (2,3) into (-1,4)") { try x.reshaped([-1, 4]) }
        assertThrows(.value, "without a copy") { try x.transposed().reshaped([6], copy: false) }
        assertThrows(.value, "too many elements") { try x.reshaped([Int.max, 2, 0]) }
    }

    func testSliceClampingFollowsPython() {
        // Expected values are Python's slice(start, stop, step).indices(5).
        let cases: [(Int?, Int?, Int, Int, Int)] = [
            (nil, nil, -1, 4, 5), (-100, 100, 1, 0, 5), (10, nil, -2, 4, 3),
            (nil, -10, -1, 4, 5), (3, 1, 1, 3, 0), (1, nil, Int.max, 1, 1),
            (-2, nil, 1, 3, 2), (nil, nil, Int.min, 4, 1), (2, 2, -1, 2, 0),
        ]
        for (start, stop, step, first, count) in cases {
            let r = AxisIndex.clamp(start, stop, step, length: 5)
            XCTAssertEqual(r.count, count, "\(String(describing: start)):\(String(describing: stop)):\(step)")
            if count > 0 { XCTAssertEqual(r.first, first) }
        }
    }

    /// Flipped and offset views through the kernels: elementwise, broadcasting,
    /// reductions, matmul and conversion all read them as their values.
    func testKernelsReadNegativeStridesAndOffsets() throws {
        let x = try iota([3, 4])
        let f = try x.flipped()                                              // strides (-4,-1)
        let s = try x.indexed([.slice(1, nil, nil), .slice(nil, nil, -2)])   // offset 7, strides (4,-2)
        let values = (0..<12).reversed().map(Double.init)
        assertClose(f, values)
        assertClose(try f.exp(), Array(try x.exp().scalars!.reversed()))
        assertClose(try f + x, Array(repeating: 11, count: 12))
        assertClose(try f.sum(axes: [0]), [21, 18, 15, 12])
        assertClose(try f.sum(axes: [1]), [38, 22, 6])
        assertClose(s, [7, 5, 11, 9])
        assertClose(try s * s.indexed([.position(0)]), [49, 25, 77, 45])
        assertClose(try matmul(f, x.transposed()), try matmul(Tensor(values, shape: [3, 4]), x.transposed()).scalars ?? [])
        assertClose(try f.cast(to: .float32), values)
        let big = try iota([200, 300])
        assertClose(try big.flipped().sum(), [Double(60_000 * 59_999 / 2)])
    }

    func testIntegerIndexErrorsNameTheAxis() throws {
        let x = try iota([3, 2])
        assertThrows(.index, "[index] index 3 is out of bounds for axis 0 with size 3") { try x.indexed([.position(3)]) }
        assertThrows(.index, "index -3 is out of bounds for axis 1 with size 2") { try x.indexed([.ellipsis, .position(-3)]) }
        assertThrows(.index, "too many indices for tensor: tensor is 2-dimensional, but 3 were indexed") {
            try x.indexed([.position(0), .position(0), .position(0)])
        }
        assertThrows(.index, "single ellipsis") { try x.indexed([.ellipsis, .ellipsis]) }
        assertThrows(.value, "slice step cannot be zero") { try x.indexed([.slice(nil, nil, 0)]) }
        assertThrows(.index, "[take] index 5 is out of bounds for axis 1 with size 2") {
            try x.take(self.ints([0, 5]), axis: 1)
        }
        assertThrows(.type, "integer dtype") { try x.take(Tensor([0], shape: [1]), axis: 0) }
    }

    func testBasicIndexing() throws {
        let x = try iota([2, 3, 4])
        let y = try x.indexed([.position(1), .newAxis, .ellipsis, .slice(nil, nil, 3)])
        XCTAssertEqual(y.value?.shape, [1, 3, 2])
        assertClose(y, [12, 15, 16, 19, 20, 23])
        XCTAssertEqual(y.value?.baseAddress, try x.indexed([.position(1)]).value?.baseAddress)
        XCTAssertEqual(try x.indexed([.position(0), .position(2), .position(-1)]).value?.shape, [])
        assertClose(try x.indexed([.position(0), .position(2), .position(-1)]), [11])
        XCTAssertEqual(try x.indexed([.slice(5, nil, nil)]).value?.shape, [0, 3, 4])
        assertClose(try x[.position(1), .position(-1), .slice(nil, nil, -2)], [23, 21])
    }

    /// NumPy's placement rule: adjacent index arrays replace their axes;
    /// separated ones (an int counts as one) go first.
    func testAdvancedIndexing() throws {
        let x = try iota([2, 3, 4])
        let adjacent = try x.indexed([.slice(nil, nil, nil), .array(ints([0, 2])), .array(ints([1, 3]))])
        XCTAssertEqual(adjacent.value?.shape, [2, 2])
        assertClose(adjacent, [1, 11, 13, 23])
        let apart = try x.indexed([.array(ints([0, 1])), .slice(nil, nil, nil), .array(ints([1, 2]))])
        XCTAssertEqual(apart.value?.shape, [2, 3])
        assertClose(apart, [1, 5, 9, 14, 18, 22])
        let withInt = try x.indexed([.position(1), .slice(nil, 2, nil), .array(ints([3, 0]))])
        XCTAssertEqual(withInt.value?.shape, [2, 2])
        assertClose(withInt, [15, 19, 12, 16])
        let broadcast = try x.indexed([.array(Tensor([0, 1], shape: [2, 1], dtype: .int8)), .array(ints([0, 2, 1]))])
        XCTAssertEqual(broadcast.value?.shape, [2, 3, 4])
        assertClose(try broadcast.indexed([.ellipsis, .position(0)]), [0, 8, 4, 12, 20, 16])
        let middle = try x.indexed([.slice(nil, nil, nil), .array(ints([2, 2, 0])), .slice(1, 3, nil)])
        XCTAssertEqual(middle.value?.shape, [2, 3, 2])
        assertClose(try x.take(ints([3, 0]), axis: -1), [3, 0, 7, 4, 11, 8, 15, 12, 19, 16, 23, 20])
        XCTAssertEqual(try x.take(Tensor([1, 0, 1, 1], shape: [2, 2], dtype: .uint8), axis: 1).value?.shape, [2, 2, 2, 4])
    }

    func testMasksAndNonzero() throws {
        let x = try iota([2, 3])
        let mask = try x.binary(.greater, 2.5)
        assertClose(try x.indexed([.array(mask)]), [3, 4, 5])
        let rows = try x.indexed([.array(Tensor([0, 1], shape: [2], dtype: .bool)), .slice(nil, nil, -1)])
        XCTAssertEqual(rows.value?.shape, [1, 3])
        assertClose(rows, [5, 4, 3])
        let coordinates = try Tensor([0, 3, 0, 0, 7, 1], shape: [2, 3]).nonzero()
        assertClose(coordinates[0], [0, 1, 1])
        assertClose(coordinates[1], [1, 1, 2])
        XCTAssertEqual(coordinates[0].dtype, .int64)
        assertThrows(.index, "boolean index did not match") { try x.indexed([.array(Tensor([1, 0], shape: [2], dtype: .bool)), .array(Tensor([1, 0], shape: [2], dtype: .bool))]) }
        assertThrows(.value, "0-dimensional") { try Tensor(1).nonzero() }
    }

    /// Large gathers split across threads; nonzero walks strided 3-D input.
    func testLargeGatherAndStridedNonzero() throws {
        let n = 50_000
        let x = try iota([n, 3])
        let positions = (0..<n).map { Double(($0 &* 7919) % n) }
        let y = try x.take(ints(positions), axis: 0)
        assertClose(y, positions.flatMap { [3 * $0, 3 * $0 + 1, 3 * $0 + 2] })
        let z = try iota([n * 3]).take(ints(positions.map { -1 - $0 }), axis: nil)
        assertClose(z, positions.map { Double(3 * n - 1) - $0 })
        let cube = try iota([2, 3, 4]).flipped(axes: [1]).binary(.remainder, 5.0)
        let coordinates = try cube.nonzero()
        var expected = [[Double]](repeating: [], count: 3)
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 where (i * 12 + (2 - j) * 4 + k) % 5 != 0 {
            expected[0].append(Double(i)); expected[1].append(Double(j)); expected[2].append(Double(k))
        } } }
        for axis in 0..<3 { assertClose(coordinates[axis], expected[axis], "axis \(axis)") }
    }

    func testGatherGradientAccumulatesRepeats() throws {
        let x = try iota([3, 2])
        try x.setRequiresGrad(true)
        try x.take(ints([2, 0, 2, 2]), axis: 0).sum().backward()
        assertClose(x.grad, [1, 1, 0, 0, 3, 3])
        let y = try iota([4])
        try y.setRequiresGrad(true)
        try (y.indexed([.array(ints([1, 1]))]) * Tensor([2, 5], shape: [2])).sum().backward()
        assertClose(y.grad, [0, 7, 0, 0])
    }

    func testSetItemWritesIntoStorage() throws {
        let x = try iota([3, 4])
        let view = try x.indexed([.position(1)])
        let version = x.value!.storage.version
        try x.setItems([.position(1), .slice(nil, nil, 2)], to: Tensor(-1))
        assertClose(view, [-1, 5, -1, 7])
        XCTAssertEqual(x.value!.storage.version, version + 1)
        try x.setItems([.slice(nil, nil, -1), .position(0)], to: Tensor([10, 20, 30], shape: [3]))
        assertClose(try x.indexed([.ellipsis, .position(0)]), [30, 20, 10])
        // Overlapping source and target: as if the value were copied first.
        try x.setItems([.position(0), .slice(1, nil, nil)], to: x.indexed([.position(0), .slice(nil, -1, nil)]))
        assertClose(try x.indexed([.position(0)]), [30, 30, 1, 2])
        // Advanced: repeated indices keep the last write; values are cast.
        let n = try iota([5], dtype: .int32)
        try n.setItems([.array(ints([4, 0, 4]))], to: Tensor([7.9, 8, 9], shape: [3]))
        assertClose(n, [8, 1, 2, 3, 9])
        let m = try iota([2, 3, 4])
        try m.setItems([.slice(nil, nil, nil), .array(ints([0, 2])), .position(1)], to: Tensor([100, 200], shape: [2]))
        assertClose(try m.indexed([.slice(nil, nil, nil), .slice(nil, nil, nil), .position(1)]), [100, 5, 200, 100, 17, 200])
        try m.setItems([.array(m.binary(.greater, 150.0))], to: Tensor(0))
        assertClose(try m.indexed([.slice(nil, nil, nil), .position(2), .position(1)]), [0, 0])
        assertThrows(.value, "could not broadcast a value of shape (3,) into shape (2,)") {
            try m.setItems([.position(0), .position(0), .slice(nil, 2, nil)], to: Tensor([1, 2, 3], shape: [3]))
        }
    }

    func testSetItemRefusesGraphsAndSymbols() throws {
        let w = try iota([3])
        try w.setRequiresGrad(true)
        assertThrows(.type, "requires grad") { try w.setItems([.position(0)], to: Tensor(1)) }
        try GradMode.withDisabled { try w.setItems([.position(0)], to: Tensor(5)) }
        assertClose(w, [5, 1, 2])
        let p = try Tensor.placeholder(.float64, shape: [3])
        assertThrows(.type, "symbolic") { try p.setItems([.position(0)], to: Tensor(1)) }
        var memory: [Double] = [1, 2]
        try memory.withUnsafeMutableBytes { bytes in
            let borrowed = try Tensor(NDArray(borrowing: bytes.baseAddress!, dtype: .float64, shape: [2], strides: nil,
                                              writable: false, release: nil))
            assertThrows(.value, "read-only") { try borrowed.setItems([.position(0)], to: Tensor(5)) }
        }
        XCTAssertEqual(memory, [1, 2])
    }

    /// Symbolic graphs over unknown lengths: shapes are computed at run
    /// time; ops that need a length say so.
    func testUnknownLengths() throws {
        let x = try Tensor.placeholder(.float64, shape: [nil, nil])
        let y = try x.indexed([.slice(1, nil, nil), .slice(nil, nil, -1)]).reshaped([-1])
        let z = try Tensor.concat([y, x.flipped().take(ints([0]), axis: 0).reshaped([-1])], axis: 0)
        let cost = try (z * z).sum()
        let f = try Function(inputs: [x], outputs: [z] + grad(cost, wrt: [x]))
        let out = try f(iota([2, 3]))
        assertClose(out[0], [5, 4, 3, 5, 4, 3])
        assertClose(out[1], [0, 0, 0, 12, 16, 20])
        assertThrows(.value, "needs a known length along axis 0") { try x.unstacked() }
        // roll, repeat and tile gather positions computed when the function runs.
        let g = try Function(inputs: [x], outputs: [x.rolled([-4], axes: [1]), x.repeated(2, axis: 0),
                                                    x.tiled([2, 1, 2]), x.rolled([1])])
        let results = try g(iota([2, 3]))
        assertClose(results[0], [1, 2, 0, 4, 5, 3])
        assertClose(results[1], [0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5])
        XCTAssertEqual(results[2].value?.shape, [2, 2, 6])
        assertClose(results[2], Array(repeating: [0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5], count: 2).flatMap { $0 })
        assertClose(results[3], [5, 0, 1, 2, 3, 4])
    }

    func testJoiningAndRepeating() throws {
        let a = try iota([2, 2]), b = try iota([2, 2], dtype: .float32)
        let c = try Tensor.concat([a, b], axis: nil)
        XCTAssertEqual(c.dtype, .float64)
        assertClose(c, [0, 1, 2, 3, 0, 1, 2, 3])
        assertThrows(.value, "differ along axis 0") { try Tensor.concat([a, self.iota([3, 2])], axis: 1) }
        assertThrows(.value, "0-dimensional") { try Tensor.concat([Tensor(1)], axis: 0) }
        let parts = try Tensor.stack([a, a], axis: 2).unstacked(axis: 2)
        XCTAssertEqual(parts.count, 2)
        assertClose(parts[1], [0, 1, 2, 3])
        assertClose(try a.rolled([1, -1], axes: [0, 1]), [3, 2, 1, 0])
        assertClose(try a.rolled([5]), [3, 0, 1, 2])
        assertClose(try a.repeated(ints([0, 3]), axis: 0), [2, 3, 2, 3, 2, 3])
        assertClose(try a.repeated(2, axis: nil), [0, 0, 1, 1, 2, 2, 3, 3])
        XCTAssertEqual(try a.tiled([2, 1, 2]).value?.shape, [2, 2, 4])
        assertClose(try Tensor([1, 2], shape: [2]).tiled([2]), [1, 2, 1, 2])
        let (p, q) = try { let r = try Tensor.broadcastArrays([a, Tensor([5], shape: [1, 1, 1])]); return (r[0], r[1]) }()
        XCTAssertEqual(p.value?.shape, [1, 2, 2])
        XCTAssertEqual(q.value?.strides, [0, 0, 0])
        assertClose(try Tensor.select(a.binary(.greater, 1.5), a, Tensor(-1)), [-1, -1, 2, 3])
        assertThrows(.type, "condition must be bool") { try Tensor.select(a, a, a) }
        assertClose(try iota([2, 3]).matrixTransposed(), [0, 3, 1, 4, 2, 5])
        assertThrows(.value, "at least 2 dimensions") { try a.reshaped([4]).matrixTransposed() }
    }
}
