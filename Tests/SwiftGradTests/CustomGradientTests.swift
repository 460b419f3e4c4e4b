import SwiftGrad
import XCTest

/// Custom ops (forward + user vjp), gradcheck, gradient hooks,
/// retain_grad and backward with createGraph.
final class CustomGradientTests: XCTestCase {
    /// x³ with its vjp 3x²·g written in tensor operations, so it
    /// differentiates again.
    let cube = CustomOp(name: "cube", forward: { xs in try xs[0] * xs[0] * xs[0] },
                        vjp: { xs, _, g in [try g * 3 * xs[0] * xs[0]] })

    /// The same forward with a vjp off by a factor 2.
    let wrongCube = CustomOp(name: "wrong_cube", forward: { xs in try xs[0] * xs[0] * xs[0] },
                             vjp: { xs, _, g in [try g * 6 * xs[0] * xs[0]] })

    func vector(_ values: [Double]) throws -> Tensor { try Tensor(values, shape: [values.count]) }

    func testValuesGradientsAndSecondOrder() throws {
        let x = try vector([1, -2, 0.5])
        try x.setRequiresGrad(true)
        let y = try cube(x)
        assertClose(y, [1, -8, 0.125])
        XCTAssertTrue(y.requiresGrad)
        try y.sum().backward()
        assertClose(x.grad, [3, 12, 0.75])
        // Second order: d/dx sum(3x²) = 6x.
        let g = try grad(try cube(x).sum(), wrt: [x], createGraph: true)[0]
        let gg = try grad(g.sum(), wrt: [x])[0]
        assertClose(gg, [6, -12, 3])
    }

    func testForwardModeTransposesTheUsersVjp() throws {
        let x = try vector([1, -2, 0.5]), t = try vector([1, 0.5, 2])
        let y = try cube(x)
        XCTAssertFalse(y.requiresGrad)
        // Forward mode needs a recorded graph: x must require grad.
        try x.setRequiresGrad(true)
        assertClose(try jvp([try cube(x)], wrt: [x], tangents: [t])[0], [3, 6, 1.5])
    }

    func testVjpUsesTheResultAndSeveralInputs() throws {
        // f(a, b) = exp(a) * b: its vjp reuses the result.
        let op = CustomOp(name: "exp_times", forward: { xs in try xs[0].exp() * xs[1] },
                          vjp: { xs, result, g in [try g * result, try g * xs[0].exp()] })
        let a = try vector([0, 1]), b = try vector([2, 3])
        try a.setRequiresGrad(true)
        try b.setRequiresGrad(true)
        try op(a, b).sum().backward()
        assertClose(a.grad, [2, 3 * M_E])
        assertClose(b.grad, [1, M_E])
        try gradcheck({ try op($0) }, inputs: [try vector([0.3, -0.2]), try vector([1.5, 2])])
    }

    func testSymbolicGraphsAndCompiledFunctions() throws {
        let x = try Tensor.placeholder(.float64, shape: [nil], name: "x")
        let y = try cube(x)
        XCTAssertEqual(y.kind, .symbolic)
        XCTAssertEqual(y.expression(), "cube(x)")
        let cost = try y.sum()
        let f = try Function(inputs: [x], outputs: [cost, try grad(cost, wrt: [x])[0]])
        let out = try f([try vector([1, 2])])
        assertClose(out[0], [9])
        assertClose(out[1], [3, 12])
    }

    func testBadVjpsAndForwardsNameTheOp() throws {
        let x = try vector([1, 2])
        try x.setRequiresGrad(true)
        let shape = CustomOp(name: "bad_shape", forward: { xs in xs[0] }, vjp: { _, _, g in [try g.sum()] })
        assertThrows(.value, "[bad_shape]", "shape ()", "input 0 of shape (2,)") { try shape(x).sum().backward() }
        let count = CustomOp(name: "bad_count", forward: { xs in xs[0] }, vjp: { _, _, g in [g, g] })
        assertThrows(.value, "[bad_count]", "2 gradients for 1 inputs") { try count(x).sum().backward() }
        let dtype = CustomOp(name: "bad_dtype", forward: { xs in xs[0] }, vjp: { _, _, g in [try g.cast(to: .int64)] })
        assertThrows(.type, "[bad_dtype]", "int64 gradient") { try dtype(x).sum().backward() }
        let none = CustomOp(name: "no_vjp", forward: { xs in xs[0] }, vjp: nil)
        assertThrows(.type, "[no_vjp]", "no vjp") { try none(x).sum().backward() }
        let failing = CustomOp(name: "failing", forward: { _ in try Tensor([1], shape: [3]) }, vjp: nil)
        assertThrows(.value, "[failing] the custom op's forward failed: [tensor]") { try failing(x) }
        // The tensors stay usable.
        try cube(x).sum().backward()
        assertClose(x.grad, [3, 12])
    }

    func testGradcheckPassesOnCorrectOpsAndFailsOnAWrongVjp() throws {
        let x = try Tensor([0.5, -1.2, 2, 0.1, 0.3, -0.7], shape: [2, 3])
        try gradcheck({ try $0[0].sigmoid().matmul($0[0].transposed()) }, inputs: [x], checkGradGrad: true)
        try gradcheck({ try cube($0) }, inputs: [x], checkGradGrad: true)
        assertThrows(.value, "[gradcheck]", "by the vjp but", "central differences", "6 of 6 entries differ") {
            try gradcheck({ try wrongCube($0).sum() }, inputs: [x])
        }
        // A first derivative that is right with a wrong second derivative.
        let wrongSecond = CustomOp(name: "wrong_second", forward: { xs in try xs[0] * xs[0] * xs[0] },
                                   vjp: { xs, _, g in [try g * 3 * (xs[0].detached() * xs[0].detached())] })
        try gradcheck({ try wrongSecond($0).sum() }, inputs: [x])
        assertThrows(.value, "[gradcheck] second order") {
            try gradcheck({ try wrongSecond($0).sum() }, inputs: [x], checkGradGrad: true)
        }
        assertThrows(.type, "float64") { try gradcheck({ $0[0] }, inputs: [try x.cast(to: .float32)]) }
    }

    func testHooksAndRetainGrad() throws {
        let x = try vector([1, 2])
        try x.setRequiresGrad(true)
        let y = try x * 3
        try y.retainGrad()
        var seen = [[Double]]()
        let id = try y.registerHook { g in
            seen.append(g.scalars ?? [])
            return try g * 2
        }
        try (y * y).sum().backward()
        XCTAssertEqual(seen, [[6, 12]])
        assertClose(y.grad, [12, 24])  // the hook's gradient is the one kept
        assertClose(x.grad, [36, 72])
        XCTAssertTrue(y.removeHook(id))
        XCTAssertFalse(y.removeHook(id))
        try x.setGrad(nil)
        try (y * y).sum().backward()
        assertClose(x.grad, [18, 36])
        assertClose(y.grad, [12 + 6, 24 + 12])  // retained gradients accumulate
        assertThrows(.value, "[hook]", "shape (3,)") {
            try y.registerHook { _ in try Tensor([1, 2, 3], shape: [3]) }
            return try (y * y).sum().backward()
        }
        assertThrows(.value, "[retain_grad]") { try vector([1]).retainGrad() }
    }

    func testBackwardWithCreateGraphAndNonLeafRequiresGrad() throws {
        let x = try vector([1, 2])
        try x.setRequiresGrad(true)
        try (x * x * x).sum().backward(createGraph: true)
        let g = try XCTUnwrap(x.grad)
        assertClose(g, [3, 12])
        XCTAssertTrue(g.requiresGrad)
        try x.setGrad(nil)
        try g.sum().backward()
        assertClose(x.grad, [6, 12])
        let y = try x * 2
        try y.setRequiresGrad(true)  // already does: allowed
        assertThrows(.type, "only concrete leaf tensors") { try y.setRequiresGrad(false) }
    }
}

extension CustomGradientTests {
    func testGradientsHandedBackWithoutCreateGraphCarryNoHistory() throws {
        // A vjp returning a saved input as it is: the leaf must not end up
        // holding itself (or any graph) as its gradient.
        let passInput = CustomOp(name: "pass_input", forward: { xs in try xs[0] * 2 }, vjp: { xs, _, _ in [xs[0]] })
        let x = try vector([1, 2])
        try x.setRequiresGrad(true)
        try passInput(x).sum().backward()
        let g = try XCTUnwrap(x.grad)
        XCTAssertFalse(g === x)
        XCTAssertFalse(g.requiresGrad)
        assertClose(g, [1, 2])
        let symbolic = CustomOp(name: "symbolic_grad", forward: { xs in xs[0] },
                                vjp: { xs, _, _ in [try Tensor.placeholder(.float64, shape: [2])] })
        assertThrows(.type, "[symbolic_grad]", "placeholder", "over values") { try symbolic(x).sum().backward() }
    }
}
