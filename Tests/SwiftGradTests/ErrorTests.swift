import SwiftGrad
import XCTest

/// Bad input throws an error naming the operation and the shapes, and
/// leaves every tensor usable.
final class ErrorTests: XCTestCase {
    func testShapeMismatchesNameOpAndShapes() throws {
        let a = try Tensor([Double](repeating: 1, count: 6), shape: [2, 3])
        let b = try Tensor([Double](repeating: 1, count: 20), shape: [4, 5])
        assertThrows(.value, "[matmul] shapes (2,3) and (4,5) are not aligned") { try matmul(a, b) }
        assertThrows(.value, "[dot] shapes (2,3) and (4,5) are not aligned") { try dot(a, b) }
        assertThrows(.value, "[add] shapes (2,3) and (4,5) cannot be broadcast together") { try a + b }
        assertThrows(.value, "[matmul] 0-dimensional") { try matmul(a, Tensor(2)) }
        // Still usable.
        assertClose(try (a + a).sum(), [12])
    }

    func testAxes() throws {
        let a = try Tensor([1, 2, 3, 4], shape: [2, 2])
        assertThrows(.index, "[sum] axis 2 is out of bounds for a tensor of dimension 2") { try a.sum(axes: [2]) }
        assertThrows(.value, "[mean] repeated axis") { try a.mean(axes: [0, -2]) }
        assertThrows(.value, "[permute_dims]") { try a.permuted([0]) }
    }

    func testBadShapesAndValues() throws {
        assertThrows(.value, "[tensor] 3 values do not fill shape (2,2)") { try Tensor([1, 2, 3], shape: [2, 2]) }
        assertThrows(.value, "negative length") { try Tensor([], shape: [-1]) }
        assertThrows(.value, "too many elements") { try Tensor([], shape: [Int.max, 4]) }
        assertThrows(.value, "[item]") { try Tensor([1, 2], shape: [2]).item() }
    }

    func testFunctionArguments() throws {
        let x = try Tensor.placeholder(.float32, shape: [nil, 2], name: "x")
        let f = try Function(inputs: [x], outputs: [x.sum()])
        assertThrows(.type, "[function] expected 1 argument, got 2") { try f(Tensor(1), Tensor(2)) }
        assertThrows(.type, "argument 0 has dtype float64", "needs float32") { try f(Tensor([1, 2], shape: [1, 2])) }
        assertThrows(.value, "argument 0 has shape (2,)") { try f(Tensor([1, 2], shape: [2], dtype: .float32)) }
        assertClose(try f(Tensor([1, 2], shape: [1, 2], dtype: .float32))[0], [3])

        let y = try Tensor.placeholder(.float64, shape: [], name: "y")
        assertThrows(.value, "placeholder 'y'", "not among the inputs") { try Function(inputs: [x], outputs: [y * 2]) }
        assertThrows(.type, "only shared variables can be updated") {
            try Function(inputs: [x], outputs: [], updates: [(y, y)])
        }
    }

    func testFailedCallLeavesSharedVariablesAlone() throws {
        let w = Tensor.shared(try NDArray([1, 2], shape: [2]))
        let x = try Tensor.placeholder(.float64, shape: [nil])
        let step = try Function(inputs: [x], outputs: [], updates: [(w, try w + x)])
        assertThrows(.value, "cannot be broadcast") { try step(Tensor([1, 2, 3], shape: [3])) }
        assertClose(w.value?.scalars, [1, 2])
        _ = try step(Tensor([1, 1], shape: [2]))
        assertClose(w.value?.scalars, [2, 3])
    }

    func testGradErrors() throws {
        let x = try Tensor.placeholder(.float64, shape: [3], name: "x")
        let unused = try Tensor.placeholder(.float64, shape: [3], name: "unused")
        assertThrows(.value, "[grad] the cost must be a scalar, got shape (3,)") { try grad(x * 2, wrt: [x]) }
        assertThrows(.value, "[grad] the cost does not depend on wrt[1]", "placeholder 'unused'") {
            try grad((x * 2).sum(), wrt: [x, unused])
        }
        let leaf = try Tensor([1, 2], shape: [2])
        assertThrows(.value, "[backward] the tensor does not require grad") { try leaf.sum().backward() }
        try leaf.setRequiresGrad(true)
        assertThrows(.value, "[backward] a seed gradient is needed") { try (leaf * 2).backward() }
        assertThrows(.type, "[requires_grad] only concrete leaf tensors") { try (leaf * 2).setRequiresGrad(false) }
        try (leaf * 2).sum().backward()
        assertClose(leaf.grad, [2, 2])
    }

    func testNoGradStopsRecording() throws {
        let w = try Tensor([1, 2], shape: [2])
        try w.setRequiresGrad(true)
        let y = try GradMode.withDisabled { try w * 3 }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(GradMode.isEnabled)
    }
}

/// Graphs deeper than the call stack could hold in recursion.
final class DeepGraphTests: XCTestCase {
    func testLongChainDifferentiatesAndFrees() throws {
        let x = try Tensor([1], shape: [1])
        try x.setRequiresGrad(true)
        var y = x
        for _ in 0..<100_000 { y = try y + 1 }
        try y.sum().backward()
        assertClose(x.grad, [1])
        assertClose(y, [100_001])
        y = x // the chain is freed here
    }

    func testLongSymbolicChainCompiles() throws {
        let x = try Tensor.placeholder(.float64, shape: [])
        var y = x
        for _ in 0..<50_000 { y = try y * 1.0 + 1 }
        let f = try Function(inputs: [x], outputs: [y, grad(y, wrt: [x])[0]])
        let out = try f(Tensor(0))
        assertClose(out[0], [50_000])
        assertClose(out[1], [1])
    }
}
