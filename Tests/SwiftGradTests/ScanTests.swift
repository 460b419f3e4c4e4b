import SwiftGrad
import XCTest

/// Loops (`Scan.make`) from Swift: values against a plain loop, gradients
/// through the loop against central differences.
final class ScanTests: XCTestCase {
    /// h_t = tanh(x_t + h_{t-1} @ w), stacked over the steps.
    private func rnn(_ x: Tensor, _ h0: Tensor, _ w: Tensor) throws -> Tensor {
        let slice = try Tensor.placeholder(x.dtype, shape: Array(x.shape.dropFirst()))
        let h = try Tensor.placeholder(h0.dtype, shape: h0.shape)
        let next = try (slice + h.matmul(w)).unary(.tanh)
        return try Scan.make(sequences: [(x, slice)], states: [(h0, h)], outputs: [next])[0]
    }

    private func plainRNN(_ x: [Double], _ h0: [Double], _ w: [Double], steps: Int, n: Int) -> [Double] {
        var h = h0, out = [Double]()
        for t in 0..<steps {
            h = (0..<n).map { j in Foundation.tanh(x[t * n + j] + (0..<n).reduce(0) { $0 + h[$1] * w[$1 * n + j] }) }
            out += h
        }
        return out
    }

    func testRNNValuesAndGradients() throws {
        let x = [0.5, -0.2, 0.1, 0.3, -0.4, 0.8], h0 = [0.2, -0.1], w = [0.5, -0.3, 0.2, 0.9]
        let xs = try NDArray(x, shape: [3, 2]), h0s = try NDArray(h0, shape: [2]), ws = try NDArray(w, shape: [2, 2])
        let px = try Tensor.placeholder(.float64, shape: [nil, 2], name: "x")
        let ph = try Tensor.placeholder(.float64, shape: [2], name: "h0")
        let pw = try Tensor.placeholder(.float64, shape: [2, 2], name: "w")
        let cost = try rnn(px, ph, pw).unary(.square).sum()
        let f = try Function(inputs: [px, ph, pw], outputs: [try rnn(px, ph, pw)] + (try grad(cost, wrt: [px, ph, pw])))
        let out = try f([Tensor(xs), Tensor(h0s), Tensor(ws)])
        assertClose(out[0], plainRNN(x, h0, w, steps: 3, n: 2), tolerance: 1e-14)
        let expected = try centralDifferences([xs, h0s, ws]) { v in
            plainRNN(v[0].scalars, v[1].scalars, v[2].scalars, steps: 3, n: 2).reduce(0) { $0 + $1 * $1 }
        }
        for (got, want) in zip(out.dropFirst(), expected) { assertClose(got, want, tolerance: 1e-7) }
    }

    func testEagerLoopAndItsBackward() throws {
        let w = Tensor(try NDArray([0.5, -0.3, 0.2, 0.9], shape: [2, 2]))
        try w.setRequiresGrad(true)
        let hs = try rnn(Tensor(try NDArray([0.5, -0.2, 0.1, 0.3], shape: [2, 2])), Tensor(try NDArray([0.2, -0.1], shape: [2])), w)
        assertClose(hs, plainRNN([0.5, -0.2, 0.1, 0.3], [0.2, -0.1], [0.5, -0.3, 0.2, 0.9], steps: 2, n: 2), tolerance: 1e-14)
        try hs.sum().backward()
        let expected = try centralDifferences([try NDArray([0.5, -0.3, 0.2, 0.9], shape: [2, 2])]) { v in
            plainRNN([0.5, -0.2, 0.1, 0.3], [0.2, -0.1], v[0].scalars, steps: 2, n: 2).reduce(0, +)
        }
        assertClose(w.grad, expected[0], tolerance: 1e-7)
    }

    func testBadLoopsThrow() throws {
        let x = try Tensor.placeholder(.float64, shape: [nil], name: "x")
        let slice = try Tensor.placeholder(.float64, shape: [])
        let state = try Tensor.placeholder(.float64, shape: [])
        assertThrows(.type, "[scan]", "output 0", "float32", "float64") {
            try Scan.make(sequences: [(x, slice)], states: [(try Tensor(0.0), state)],
                          outputs: [try (state + slice).cast(to: .float32)])
        }
        assertThrows(.value, "[scan]", "sequences or a number of steps") {
            try Scan.make(sequences: [], states: [(try Tensor(0.0), state)], outputs: [state])
        }
        assertThrows(.value, "[scan]", "only states") {
            try Scan.make(sequences: [(x, slice)], states: [], outputs: [slice], stacked: [false])
        }
    }
}
