import Foundation
import SwiftGrad
import XCTest

/// The numerically stable functions at ±1000 (values and gradients against
/// hand-computed float64 references), their rewrites in compiled functions,
/// pow's gradient at a zero base, and givens with slices whose bounds are
/// inputs.
final class StableTests: XCTestCase {
    private let rows: [Double] = [1000, -1000, 1000, -1000, -999, -1000]
    /// One row of softmax(rows[3...]): exp(-1) / (1 + 2 exp(-1)), 1 / (1 + 2 exp(-1)).
    private let p = exp(-1.0) / (1 + 2 * exp(-1.0)), q = 1 / (1 + 2 * exp(-1.0))

    private func leaf(_ values: [Double], _ shape: [Int]) throws -> Tensor {
        let t = try Tensor(values, shape: shape)
        try t.setRequiresGrad(true)
        return t
    }

    func testLogSumExpAndItsGradientAtExtremes() throws {
        let x = try leaf(rows, [2, 3])
        let y = try x.logsumexp(axes: [1])
        assertClose(y, [1000 + log(2.0), -999 + log(1 + 2 * exp(-1.0))], tolerance: 1e-15)
        try y.sum().backward()
        assertClose(x.grad, [0.5, 0, 0.5, p, q, p], tolerance: 2e-13)
        // an infinite maximum shifts by 0; an empty axis gives -inf
        let inf = Double.infinity
        XCTAssertEqual(try Tensor([-inf, -inf, inf, 1], shape: [2, 2]).logsumexp(axes: [1]).scalars, [-inf, inf])
        XCTAssertEqual(try Tensor([], shape: [2, 0]).logsumexp(axes: [1]).scalars, [-inf, -inf])
        assertThrows(.type, "[logsumexp]", "complex") { try Tensor(.complex(1, 1), dtype: .complex128).logsumexp() }
    }

    func testSoftmaxLogSoftmaxAndTheirGradients() throws {
        let x = try leaf(rows, [2, 3])
        assertClose(try x.softmax(axis: 1), [0.5, 0, 0.5, p, q, p], tolerance: 2e-13)
        let ls = try x.logSoftmax(axis: -1)
        let l2 = log(2.0), m = log(1 + 2 * exp(-1.0))
        assertClose(ls, [-l2, -2000 - l2, -l2, -1 - m, -m, -1 - m], tolerance: 2e-13)
        // d/dx sum(w * softmax) = s * (w - sum(w * s)), per row
        let w: [Double] = [1, 2, 3, -1, 0, 2]
        try (x.softmax(axis: 1) * Tensor(w, shape: [2, 3])).sum().backward()
        let s = [0.5, 0, 0.5, p, q, p]
        let dots = [0.5 * 1 + 0.5 * 3, -p + 2 * p]
        assertClose(x.grad, (0..<6).map { s[$0] * (w[$0] - dots[$0 / 3]) }, tolerance: 1e-13)
    }

    func testLogSigmoidAndCrossEntropyWithLogits() throws {
        let x = try leaf([1000, -1000, 0], [3])
        assertClose(try x.logSigmoid(), [0, -1000, -log(2.0)], tolerance: 1e-15)
        let y = try Tensor([0, 1, 1], shape: [3])
        assertClose(try binaryCrossEntropyWithLogits(x, y, reduction: .none), [1000, 1000, log(2.0)], tolerance: 1e-15)
        let loss = try binaryCrossEntropyWithLogits(x, y)
        try loss.backward()
        assertClose(x.grad, [1.0 / 3, -1.0 / 3, -0.5 / 3], tolerance: 1e-15)
        assertThrows(.value, "[binary_cross_entropy_with_logits] shapes (3,) and (2,)") {
            try binaryCrossEntropyWithLogits(x, Tensor([0, 1], shape: [2]))
        }
    }

    func testLogOfSoftmaxAndOfSumOfExpRewrite() throws {
        let x = try Tensor.placeholder(.float64, shape: [nil, nil], name: "x")
        let e = try x.unary(.exp)
        let naive = try (e / e.sum(axes: [1], keepDims: true)).unary(.log)
        for (output, rule) in [(naive, "log(softmax(x)) = log_softmax(x)"),
                               (try x.softmax(axis: 1).unary(.log), "log(softmax(x)) = log_softmax(x)"),
                               (try e.sum(axes: [1]).unary(.log), "log(sum(exp(x))) = logsumexp(x)")] {
            let f = try Function(inputs: [x], outputs: [output])
            XCTAssertEqual(f.rewrites[rule], 1, rule)
            let values = try f([Tensor(rows, shape: [2, 3])])[0].scalars ?? []
            XCTAssertTrue(values.allSatisfy(\.isFinite), "\(rule): \(values)")
        }
    }

    func testPowGradientAtZeroBase() throws {
        for (a, b, da, db) in [(0.0, 2.0, 0.0, 0.0), (0, 0, 0, 0), (0, 0.5, .infinity, 0), (2, 0, 0, log(2.0))] {
            let ta = try leaf([a], []), tb = try leaf([b], [])
            try ta.pow(tb).backward()
            XCTAssertEqual(ta.grad?.scalars, [da], "d/da at \(a), \(b)")
            XCTAssertEqual(tb.grad?.scalars, [db], "d/db at \(a), \(b)")
        }
    }

    func testGivensWithASliceBoundedByAnInput() throws {
        let data = Tensor.shared(try NDArray([1, 2, 3, 4, 5, 6, 7, 8], shape: [4, 2], dtype: .float64), name: "data")
        let i = try Tensor.placeholder(.int64, shape: [], name: "i")
        let x = try Tensor.placeholder(.float64, shape: [nil, nil], name: "x")
        let batch = try data.sliced(axis: 0, start: i, stop: i + Tensor(.int(2), dtype: .int64))
        let f = try Function(inputs: [i], outputs: [x.sum()], givens: [(x, batch)])
        for (index, total) in [(0, 10.0), (1, 18), (3, 15), (9, 0)] {
            XCTAssertEqual(try f([Tensor(.int(Int64(index)), dtype: .int64)])[0].scalars, [total])
        }
        assertThrows(.type, "given 0 replaces a float64 placeholder 'x' of shape (?,?) by a float32") {
            try Function(inputs: [i], outputs: [x.sum()], givens: [(x, try Tensor([1, 2], shape: [1, 2], dtype: .float32))])
        }
        assertThrows(.value, "which is an input") { try Function(inputs: [x], outputs: [x.sum()], givens: [(x, batch)]) }
    }
}
