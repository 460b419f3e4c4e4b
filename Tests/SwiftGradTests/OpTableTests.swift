import SwiftGrad
import XCTest

/// One row per operation: hand-computed values, the input domain for
/// random points, and the gradient order to check against central finite
/// differences in float64. New operations add rows, not tests.
struct OpRow {
    let name: String
    /// Inputs with hand-computed outputs.
    let inputs: [([Double], [Int])]
    let expected: [Double]
    /// Shapes of random inputs for the gradient check.
    var shapes: [[Int]]? = nil
    var domain: ClosedRange<Double> = -2...2
    var order = 2
    let apply: ([Tensor]) throws -> Tensor
}

let opTable: [OpRow] = [
    OpRow(name: "neg", inputs: [([1.5, -2], [2])], expected: [-1.5, 2]) { try -$0[0] },
    OpRow(name: "exp", inputs: [([0, 1], [2])], expected: [1, 2.718281828459045]) { try $0[0].exp() },
    OpRow(name: "log", inputs: [([1, 2.718281828459045], [2])], expected: [0, 1], domain: 0.5...3) { try $0[0].log() },
    OpRow(name: "sigmoid", inputs: [([0, 2, -30], [3])], expected: [0.5, 0.8807970779778823, 9.357622968840175e-14]) {
        try $0[0].sigmoid()
    },
    OpRow(name: "add (3,1)+(4,)", inputs: [([1, 2, 3], [3, 1]), ([10, 20, 30, 40], [4])],
          expected: [11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43]) { try $0[0] + $0[1] },
    OpRow(name: "sub", inputs: [([5, 3], [2]), ([1, 4], [2])], expected: [4, -1]) { try $0[0] - $0[1] },
    OpRow(name: "mul by 0-d", inputs: [([2, 3], [2]), ([4], [])], expected: [8, 12]) { try $0[0] * $0[1] },
    OpRow(name: "mul by scalar", inputs: [([2, 3], [2])], expected: [5, 7.5]) { try 2.5 * $0[0] },
    OpRow(name: "div (2,1)/(1,2)", inputs: [([1, 3], [2, 1]), ([2, 4], [1, 2])], expected: [0.5, 0.25, 1.5, 0.75],
          domain: 0.5...2) { try $0[0] / $0[1] },
    OpRow(name: "pow", inputs: [([2, 3], [2]), ([3, 0.5], [2])], expected: [8, 1.7320508075688772], domain: 0.5...2) {
        try $0[0].pow($0[1])
    },
    OpRow(name: "matmul 2-D", inputs: [([1, 2, 3, 4], [2, 2]), ([5, 6, 7, 8], [2, 2])], expected: [19, 22, 43, 50],
          shapes: [[3, 4], [4, 2]]) { try matmul($0[0], $0[1]) },
    OpRow(name: "matmul 1-D @ 2-D", inputs: [([1, 2], [2]), ([1, 2, 3, 4], [2, 2])], expected: [7, 10]) {
        try matmul($0[0], $0[1])
    },
    OpRow(name: "matmul transposed", inputs: [([1, 2, 3, 4], [2, 2]), ([1, 1], [2, 1])], expected: [4, 6]) {
        try matmul($0[0].transposed(), $0[1])
    },
    OpRow(name: "dot 2-D . 1-D", inputs: [([1, 2, 3, 4], [2, 2]), ([1, 1], [2])], expected: [3, 7]) { try dot($0[0], $0[1]) },
    OpRow(name: "dot 1-D . 1-D", inputs: [([1, 2, 3], [3]), ([4, 5, 6], [3])], expected: [32]) { try dot($0[0], $0[1]) },
    OpRow(name: "sum", inputs: [([1, 2, 3, 4], [2, 2])], expected: [10]) { try $0[0].sum() },
    OpRow(name: "sum axis 0", inputs: [([1, 2, 3, 4], [2, 2])], expected: [4, 6]) { try $0[0].sum(axes: [0]) },
    OpRow(name: "sum axis -1 keepdims", inputs: [([1, 2, 3, 4], [2, 2])], expected: [3, 7]) {
        try $0[0].sum(axes: [-1], keepDims: true)
    },
    OpRow(name: "mean", inputs: [([1, 2, 3, 4], [2, 2])], expected: [2.5]) { try $0[0].mean() },
    OpRow(name: "mean axis 1", inputs: [([1, 2, 3, 4], [2, 2])], expected: [1.5, 3.5]) { try $0[0].mean(axes: [1]) },
    OpRow(name: "permute_dims", inputs: [([1, 2, 3, 4, 5, 6], [2, 3])], expected: [1, 4, 2, 5, 3, 6]) {
        try $0[0].permuted([1, 0])
    },
    // Rounding to float32 defeats finite differences in float64.
    OpRow(name: "astype", inputs: [([1.5, -0.25], [2])], expected: [1.5, -0.25], order: 0) {
        try $0[0].cast(to: .float32).cast(to: $0[0].dtype)
    },
    OpRow(name: "x * x (a shared input)", inputs: [([3, -1], [2])], expected: [9, 1]) { try $0[0] * $0[0] },
    // BEGIN views and indexing
    OpRow(name: "reshape (2,3) -> (3,-1)", inputs: [([1, 2, 3, 4, 5, 6], [2, 3])], expected: [1, 2, 3, 4, 5, 6]) {
        try $0[0].reshaped([3, -1])
    },
    OpRow(name: "reshape of a transpose (a copy)", inputs: [([1, 2, 3, 4, 5, 6], [2, 3])], expected: [1, 4, 2, 5, 3, 6]) {
        try $0[0].transposed().reshaped([6])
    },
    OpRow(name: "flip", inputs: [([1, 2, 3, 4, 5, 6], [2, 3])], expected: [6, 5, 4, 3, 2, 1]) { try $0[0].flipped() },
    OpRow(name: "slice x[1:, ::-2]", inputs: [([1, 2, 3, 4, 5, 6], [2, 3])], expected: [6, 4]) {
        try $0[0].indexed([.slice(1, nil, nil), .slice(nil, nil, -2)])
    },
    OpRow(name: "index x[-1, None, 1]", inputs: [([1, 2, 3, 4, 5, 6], [2, 3])], expected: [5]) {
        try $0[0].indexed([.position(-1), .newAxis, .position(1)])
    },
    OpRow(name: "take with repeats", inputs: [([1, 2, 3], [3])], expected: [3, 1, 3]) {
        try $0[0].take(Tensor(NDArray([2, 0, -1], shape: [3], dtype: .int64)), axis: 0)
    },
    OpRow(name: "x[[1, 0], 1:]", inputs: [([1, 2, 3, 4, 5, 6], [2, 3])], expected: [5, 6, 2, 3]) {
        try $0[0].indexed([.array(Tensor(NDArray([1, 0], shape: [2], dtype: .int32))), .slice(1, nil, nil)])
    },
    OpRow(name: "where", inputs: [([1, 2, 3], [3]), ([10, 20, 30], [3])], expected: [1, 20, 3]) {
        try Tensor.select(Tensor(NDArray([1, 0, 1], shape: [3], dtype: .bool)), $0[0], $0[1])
    },
    OpRow(name: "concat axis 1", inputs: [([1, 2], [2, 1]), ([3, 4, 5, 6], [2, 2])], expected: [1, 3, 4, 2, 5, 6]) {
        try Tensor.concat([$0[0], $0[1]], axis: 1)
    },
    OpRow(name: "stack axis 1", inputs: [([1, 2], [2]), ([3, 4], [2])], expected: [1, 3, 2, 4]) {
        try Tensor.stack([$0[0], $0[1]], axis: 1)
    },
    OpRow(name: "roll", inputs: [([1, 2, 3, 4], [4])], expected: [4, 1, 2, 3]) { try $0[0].rolled([1]) },
    OpRow(name: "repeat", inputs: [([1, 2], [2])], expected: [1, 1, 2, 2]) { try $0[0].repeated(2, axis: 0) },
    OpRow(name: "tile", inputs: [([1, 2], [2])], expected: [1, 2, 1, 2, 1, 2, 1, 2]) { try $0[0].tiled([2, 2]) },
    OpRow(name: "broadcast_to", inputs: [([1, 2], [2, 1])], expected: [1, 1, 2, 2]) { try $0[0].broadcast(to: [2, 2]) },
    OpRow(name: "moveaxis", inputs: [([1, 2, 3, 4, 5, 6], [1, 2, 3])], expected: [1, 4, 2, 5, 3, 6]) {
        try $0[0].movingAxes([1], to: [2])
    },
    // Nonlinear compositions: second order runs the transposes' own vjps.
    OpRow(name: "x[::-1] * x[1] * x", inputs: [([1, 2, 3], [3])], expected: [6, 8, 6]) {
        try $0[0].flipped() * $0[0].indexed([.position(1)]) * $0[0]
    },
    OpRow(name: "take(x)^2", inputs: [([1, 2, 3], [3])], expected: [9, 1, 9]) {
        let y = try $0[0].take(Tensor(NDArray([2, 0, 2], shape: [3], dtype: .int64)), axis: 0)
        return try y * y
    },
    OpRow(name: "concat(x, x*x)[1:]", inputs: [([1, 2], [2])], expected: [2, 1, 4]) {
        try Tensor.concat([$0[0], $0[0] * $0[0]], axis: 0).indexed([.slice(1, nil, nil)])
    },
    OpRow(name: "where(c, x*x, y)", inputs: [([1, 2], [2]), ([5, 6], [2])], expected: [1, 6]) {
        try Tensor.select(Tensor(NDArray([1, 0], shape: [2], dtype: .bool)), $0[0] * $0[0], $0[1])
    },
    OpRow(name: "reshape(x*x)", inputs: [([1, 2, 3, 4], [2, 2])], expected: [1, 4, 9, 16]) {
        try ($0[0] * $0[0]).reshaped([4])
    },
    // END views and indexing
]

final class OpTableTests: XCTestCase {
    func testForwardValues() throws {
        for row in opTable {
            for dtype in [DType.float32, .float64] {
                let inputs = try row.inputs.map { try Tensor($0.0, shape: $0.1, dtype: dtype) }
                let y = try row.apply(inputs)
                XCTAssertEqual(y.dtype, dtype, row.name)
                assertClose(y, row.expected, tolerance: dtype == .float32 ? 1e-6 : 1e-12, row.name)
            }
        }
    }

    /// Eager `backward()` and symbolic `grad` agree with central
    /// differences of the loss sum(f(x) * w) for random x and w.
    func testFirstOrderGradients() throws {
        var random = SplitMix64(state: 1)
        for row in opTable where row.order >= 1 {
            let x = randomInputs(row, &random)
            let weights = try row.apply(x.map(Tensor.init)).value!.shape
            let w = try Tensor((0..<(weights.reduce(1, *))).map { _ in Double.random(in: -1...1, using: &random) }, shape: weights)
            let loss = { (inputs: [Tensor]) in try (row.apply(inputs) * w).sum() }
            let numeric = try centralDifferences(x) { try loss($0.map(Tensor.init)).item() }

            let leaves = x.map(Tensor.init)
            for leaf in leaves { try leaf.setRequiresGrad(true) }
            try loss(leaves).backward()
            for (i, leaf) in leaves.enumerated() { assertClose(leaf.grad, numeric[i], tolerance: 1e-6, "\(row.name) eager x\(i)") }

            let placeholders = try x.map { try Tensor.placeholder(.float64, shape: $0.shape.map { $0 }) }
            let symbolic = try Function(inputs: placeholders, outputs: grad(loss(placeholders), wrt: placeholders))
            for (i, g) in try symbolic(x.map(Tensor.init)).enumerated() {
                assertClose(g, numeric[i], tolerance: 1e-6, "\(row.name) symbolic x\(i)")
            }
        }
    }

    /// Differentiating the gradient again (createGraph) agrees with central
    /// differences of the first-order gradient along a random direction.
    func testSecondOrderGradients() throws {
        var random = SplitMix64(state: 2)
        for row in opTable where row.order >= 2 {
            let x = randomInputs(row, &random)
            let v = x.map { a in a.scalars.map { _ in Double.random(in: -1...1, using: &random) } }
            // s(x) = Σ_i <∂(sum f)/∂x_i, v_i>, computed with first-order gradients.
            func directional(_ inputs: [Tensor], createGraph: Bool) throws -> Tensor {
                let gradients = try grad(row.apply(inputs).sum(), wrt: inputs, createGraph: createGraph)
                var total = try Tensor(0)
                for (g, vi) in zip(gradients, v) { total = try total + (g * Tensor(vi, shape: g.value!.shape)).sum() }
                return total
            }
            let numeric = try centralDifferences(x) { point in
                let leaves = point.map(Tensor.init)
                for leaf in leaves { try leaf.setRequiresGrad(true) }
                return try directional(leaves, createGraph: false).item()
            }
            let leaves = x.map(Tensor.init)
            for leaf in leaves { try leaf.setRequiresGrad(true) }
            let s = try directional(leaves, createGraph: true)
            for (i, leaf) in leaves.enumerated() {
                // Where the gradient does not depend on an input, its derivative is 0.
                let g = s.requiresGrad ? try? grad(s, wrt: [leaf])[0].scalars : nil
                assertClose(g ?? numeric[i].map { _ in 0 }, numeric[i], tolerance: 1e-5, "\(row.name) second order x\(i)")
            }
        }
    }

    func testAsTypeGradientCastsBack() throws {
        let x = try Tensor([1.5, -0.25], shape: [2])
        try x.setRequiresGrad(true)
        let y = try x.cast(to: .float32)
        XCTAssertEqual(y.dtype, .float32)
        try (y * 3).sum().backward()
        XCTAssertEqual(x.grad?.dtype, .float64)
        assertClose(x.grad, [3, 3])
    }

    func testLargeMatmulUsesBLASAndMatchesLoops() throws {
        var random = SplitMix64(state: 3)
        let (m, k, n) = (20, 30, 10)
        let a = (0..<(m * k)).map { _ in Double.random(in: -1...1, using: &random) }
        let b = (0..<(k * n)).map { _ in Double.random(in: -1...1, using: &random) }
        var expected = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for p in 0..<k { expected[i * n + j] += a[i * k + p] * b[p * n + j] } } }
        for dtype in [DType.float32, .float64] {
            let ta = try Tensor(a, shape: [m, k], dtype: dtype), tb = try Tensor(b, shape: [k, n], dtype: dtype)
            let tolerance = dtype == .float32 ? 1e-5 : 1e-12
            assertClose(try matmul(ta, tb), expected, tolerance: tolerance, "\(dtype)")
            // A transposed operand reaches BLAS without a copy.
            let taT = try Tensor(a, shape: [m, k], dtype: dtype).transposed()
            assertClose(try matmul(taT.transposed(), tb), expected, tolerance: tolerance, "\(dtype) transposed")
        }
    }

    private func randomInputs(_ row: OpRow, _ random: inout SplitMix64) -> [NDArray] {
        let shapes = row.shapes ?? row.inputs.map(\.1)
        return shapes.map { shape in
            let values = (0..<shape.reduce(1, *)).map { _ in Double.random(in: row.domain, using: &random) }
            return try! NDArray(values, shape: shape)
        }
    }
}
