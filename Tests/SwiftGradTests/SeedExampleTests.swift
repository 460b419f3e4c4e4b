import SwiftGrad
import XCTest

/// Every number of the chapter's worked example (EXAMPLE.md), from Swift.
final class SeedExampleTests: XCTestCase {
    let dataX: [Double] = [0, 0, 0, 1, 1, 0, 1, 1], dataY: [Double] = [0, 1, 1, 0]

    /// The network h = σ(x·W + b), y = σ(h·W2 + b2) on any tensors.
    func forward(_ x: Tensor, _ W: Tensor, _ b: Tensor, _ W2: Tensor, _ b2: Tensor) throws -> (h: Tensor, z: Tensor, y: Tensor) {
        let h = try sigmoid(dot(x, W) + b)
        let z = try dot(h, W2) + b2
        return (h, z, try sigmoid(z))
    }

    func parameters() throws -> [Tensor] {
        [try Tensor([3, 2, 4, 3], shape: [2, 2]), try Tensor([-2, -4], shape: [2]),
         try Tensor([5, -5], shape: [2]), try Tensor(-2)]
    }

    func testForwardValues() throws {
        let p = try parameters()
        let (h, z, y) = try forward(Tensor([1, 0], shape: [2]), p[0], p[1], p[2], p[3])
        assertClose(h, [0.73105858, 0.11920292])
        assertClose(z, [1.05927828])
        assertClose(y, [0.74255260])
    }

    func testEagerGradients() throws {
        let p = try parameters()
        for parameter in p { try parameter.setRequiresGrad(true) }
        let y = try forward(Tensor([1, 0], shape: [2]), p[0], p[1], p[2], p[3]).y
        let error = try 0.5 * (1 - y).pow(2)
        try error.backward()
        assertClose(p[2].grad, [-0.03597961, -0.00586666])
        assertClose(p[3].grad, [-0.04921577])
        assertClose(p[0].grad, [-0.04838203, 0.02583670, 0, 0])
        assertClose(p[1].grad, [-0.04838203, 0.02583670])
    }

    func testSymbolicGradients() throws {
        let x = try Tensor.placeholder(.float64, shape: [2], name: "x")
        let p = try parameters().map { Tensor.shared($0.value!) }
        let y = try forward(x, p[0], p[1], p[2], p[3]).y
        let gradients = try grad(0.5 * (1 - y).pow(2), wrt: p)
        let f = try Function(inputs: [x], outputs: gradients)
        let values = try f(Tensor([1, 0], shape: [2]))
        assertClose(values[0], [-0.04838203, 0.02583670, 0, 0])
        assertClose(values[1], [-0.04838203, 0.02583670])
        assertClose(values[2], [-0.03597961, -0.00586666])
        assertClose(values[3], [-0.04921577])
    }

    /// The Theano listing: h_function, predict, and two training steps
    /// whose outputs are computed before their updates.
    func testTheanoListing() throws {
        let x = try Tensor.placeholder(.float64, shape: [nil, nil], name: "x")
        let y = try Tensor.placeholder(.float64, shape: [nil], name: "y")
        let p = try parameters().map { Tensor.shared($0.value!) }
        let (h, _, yPred) = try forward(x, p[0], p[1], p[2], p[3])
        assertClose(try Function(inputs: [x], outputs: [h])(Tensor([1, 0], shape: [1, 2]))[0], [0.73105858, 0.11920292])
        let predict = try Function(inputs: [x], outputs: [yPred])
        assertClose(try predict(Tensor([1, 0], shape: [1, 2]))[0], [0.7425526])
        let inputs = try Tensor(dataX, shape: [4, 2]), targets = try Tensor(dataY, shape: [4])
        assertClose(try predict(inputs)[0], [0.18333462, 0.7425526, 0.7425526, 0.33430961])

        let cost = try (y - yPred).pow(2).mean()
        let g = try grad(cost, wrt: p)
        let train = try Function(inputs: [x, y], outputs: [yPred, cost],
                                 updates: try zip(p, g).map { ($0, try $0 - 0.1 * $1) })
        let first = try train(inputs, targets)
        assertClose(first[0], [0.18333462, 0.7425526, 0.7425526, 0.33430961])
        assertClose(first[1], [0.06948321])
        let second = try train(inputs, targets)
        assertClose(second[0], [0.18353091, 0.74260499, 0.74321824, 0.33324929])
        assertClose(second[1], [0.06923194])
    }

    /// Training longer learns XOR: every prediction ends within 0.1 of its
    /// target (rounding alone holds from the start).
    func testTrainingLearnsXOR() throws {
        let x = try Tensor.placeholder(.float64, shape: [nil, 2])
        let y = try Tensor.placeholder(.float64, shape: [nil])
        let p = try parameters().map { Tensor.shared($0.value!) }
        let yPred = try forward(x, p[0], p[1], p[2], p[3]).y
        let cost = try (y - yPred).pow(2).mean()
        let train = try Function(inputs: [x, y], outputs: [yPred],
                                 updates: try zip(p, grad(cost, wrt: p)).map { ($0, try $0 - 10 * $1) })
        let inputs = try Tensor(dataX, shape: [4, 2]), targets = try Tensor(dataY, shape: [4])
        var predictions = [Double]()
        for _ in 0..<300 { predictions = try train(inputs, targets)[0].scalars ?? [] }
        XCTAssertEqual(predictions.count, 4)
        for (p, t) in zip(predictions, dataY) { XCTAssertEqual(p, t, accuracy: 0.1, "\(predictions)") }
    }
}
