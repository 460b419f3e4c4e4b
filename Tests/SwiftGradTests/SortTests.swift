@testable import SwiftGrad
import XCTest

/// argsort, sort and its gradient (first and second order), searchsorted
/// and unique, with NaNs and ties.
final class SortTests: XCTestCase {
    func testArgsortIsStableWithNaNsLast() throws {
        let x = try Tensor([2, .nan, 1, 2, 1], shape: [5])
        XCTAssertEqual(try x.argsort().scalars, [2, 4, 0, 3, 1])
        XCTAssertEqual(try x.argsort(descending: true).scalars, [1, 0, 3, 2, 4])
        let m = try Tensor([3, 1, 2, 0, 5, 4], shape: [2, 3])
        XCTAssertEqual(try m.argsort(axis: 0).scalars, [1, 0, 0, 0, 1, 1])
        XCTAssertEqual(try m.transposed().sorted(axis: -1).scalars, [0, 3, 1, 5, 2, 4])
        XCTAssertEqual(try Tensor.full([3], .bool(true), dtype: .bool).argsort().scalars, [0, 1, 2])
        assertThrows(.index, "[sort]", "axis 1") { try x.sorted(axis: 1) }
        assertThrows(.type, "[argsort]") { try Tensor(.complex(1, 2), dtype: .complex128).expandingDims([0]).argsort() }
    }

    func testRadixKeysOrderAsTheComparisonDoes() throws {
        // Long lanes (512 or more) sort by radix keys.
        var rng = SplitMix64(state: 3)
        let choices: [Double] = [-.infinity, -2.5, -0.0, 0.0, 1e-300, 3, .infinity, .nan]
        let values = (0..<2000).map { _ in choices[Int(rng.next() % UInt64(choices.count))] }
        let expected = values.indices.sorted { Double.precedes(values[$0], values[$1]) }
        XCTAssertEqual(try Tensor(values, shape: [2000]).argsort().scalars, expected.map(Double.init))
        let down = values.indices.sorted { Double.precedes(values[$1], values[$0]) }
        XCTAssertEqual(try Tensor(values, shape: [2000]).argsort(descending: true).scalars, down.map(Double.init))
        let ints = try Tensor(values.map { $0.isFinite ? $0 * 10 : -7 }, shape: [2000]).cast(to: .int8)
        let keys = ints.scalars ?? []
        XCTAssertEqual(try ints.argsort().scalars, keys.indices.sorted { keys[$0] < keys[$1] }.map(Double.init))
    }

    func testSortGradientFirstAndSecondOrder() throws {
        let x = try Tensor([3, 1, 2], shape: [3])
        try x.setRequiresGrad(true)
        try (x.sorted() * Tensor([1, 10, 100], shape: [3])).sum().backward()
        assertClose(x.grad, [100, 1, 10])
        // d/dx sum(sort(x)^3) = 3x^2; its derivative again, summed: 6x.
        let p = try Tensor.placeholder(.float64, shape: [nil])
        let g = try grad(p.sorted(descending: true).pow(3).sum(), wrt: [p])[0]
        let h = try grad(g.sum(), wrt: [p])[0]
        let f = try Function(inputs: [p], outputs: [g, h])
        let out = try f([Tensor([3, -1, 2], shape: [3])])
        assertClose(out[0], [27, 3, 12])
        assertClose(out[1], [18, -6, 12])
    }

    func testGatherAndScatterAddCheckIndices() throws {
        let x = try Tensor([1, 2, 3], shape: [3])
        let bad = try Tensor([0, 3], shape: [2], dtype: .int64)
        assertThrows(.index, "[gather]", "index 3") { try x.gathered(along: 0, by: bad) }
        let negative = try Tensor([-1, 0], shape: [2], dtype: .int64)
        assertClose(try x.gathered(along: 0, by: negative), [3, 1])
    }

    func testSearchSorted() throws {
        let edges = try Tensor([1, 2, 2, 3, .nan], shape: [5])
        let probes = try Tensor([2, 0, 5, .nan], shape: [4])
        XCTAssertEqual(try edges.searchSorted(probes).scalars, [1, 0, 4, 4])
        XCTAssertEqual(try edges.searchSorted(probes, right: true).scalars, [3, 0, 4, 5])
        assertThrows(.value, "[searchsorted]", "1-D") { try Tensor.zeros([2, 2]).searchSorted(probes) }
    }

    func testUnique() throws {
        let x = try Tensor([3, 1, .nan, 3, .nan, 1], shape: [2, 3])
        let u = try x.unique()
        XCTAssertEqual(u.values.scalars?.prefix(2), [1, 3])
        XCTAssertEqual(u.values.shape, [4])
        XCTAssertTrue(u.values.scalars?.suffix(2).allSatisfy(\.isNaN) ?? false)
        XCTAssertEqual(u.indices.scalars, [1, 0, 2, 4])
        XCTAssertEqual(u.inverseIndices.shape, [2, 3])
        XCTAssertEqual(u.inverseIndices.scalars, [1, 0, 2, 1, 3, 0])
        XCTAssertEqual(u.counts.scalars, [2, 2, 1, 1])
        // Values differentiate to their first occurrences, to second order.
        let leaf = try Tensor([2, 1, 2], shape: [3])
        try leaf.setRequiresGrad(true)
        let g = try grad(leaf.unique().values.pow(3).sum(), wrt: [leaf], createGraph: true)[0]
        assertClose(g, [12, 3, 0])
        assertClose(try grad(g.sum(), wrt: [leaf])[0], [12, 6, 0])
        let empty = try Tensor.zeros([0]).unique()
        XCTAssertEqual(empty.values.shape, [0])
        assertThrows(.type, "[unique]") { try Tensor.placeholder(.float64, shape: [3]).unique() }
    }
}
