import SwiftGrad
import XCTest

/// Compiled functions reuse their buffers from call to call (one plan per
/// call signature); nothing a caller holds may change when they do.
final class FunctionTests: XCTestCase {
    private func vector(_ values: [Double]) throws -> Tensor { try Tensor(values, shape: [values.count]) }

    func testOutputsOfEarlierCallsKeepTheirValues() throws {
        let x = try Tensor.placeholder(.float64, shape: [nil], name: "x")
        let hidden = try exp(x) * 2
        // An output that is an intermediate, one that is a view of one, and
        // one computed from them.
        let f = try Function(inputs: [x], outputs: [hidden, try hidden.permuted([0]), try hidden + 1])
        var kept = [[Tensor]]()
        for i in 0..<5 {
            kept.append(try f([vector([Double(i), 1])]))
        }
        for (i, outputs) in kept.enumerated() {
            let e = [2 * Foundation.exp(Double(i)), 2 * Foundation.exp(1)]
            assertClose(outputs[0], e, tolerance: 1e-15)
            assertClose(outputs[1], e, tolerance: 1e-15)
            assertClose(outputs[2], e.map { $0 + 1 }, tolerance: 1e-15)
        }
    }

    func testSignaturesChangeWithShapes() throws {
        let x = try Tensor.placeholder(.float64, shape: [nil], name: "x")
        let f = try Function(inputs: [x], outputs: [try (exp(x) + 1).sum()])
        for n in [1, 3, 1, 7, 3, 0, 3] {
            let values = (0..<n).map { Double($0) / 4 }
            assertClose(try f([vector(values)])[0], [values.map { Foundation.exp($0) + 1 }.reduce(0, +)], tolerance: 1e-14)
        }
        XCTAssertThrowsError(try f([Tensor([1, 2, 3, 4], shape: [2, 2])]))
        assertClose(try f([vector([0])])[0], [2])
    }

    func testSharedValuesUpdateAndReplanWhenTheirShapeChanges() throws {
        let w = Tensor.shared(try NDArray([1, 2], shape: [2]), name: "w")
        let step = try Function(inputs: [], outputs: [try (w * w).sum()], updates: [(w, try w * 2)])
        assertClose(try step([])[0], [5])
        assertClose(try step([])[0], [20])
        let old = w.value
        assertClose(try step([])[0], [80])
        assertClose(old?.scalars, [4, 8])  // a value read earlier stays as it was
        try w.setValue(try NDArray([1, 1, 1], shape: [3]))
        assertClose(try step([])[0], [3])
        assertClose(w.value?.scalars, [2, 2, 2])
    }

    func testConcurrentCallsAgree() throws {
        let x = try Tensor.placeholder(.float64, shape: [nil], name: "x")
        let f = try Function(inputs: [x], outputs: [try (exp(x) * x).sum()])
        let inputs = try (0..<8).map { i in try vector((0..<100).map { Double($0 + i) / 100 }) }
        let expected = inputs.map { $0.scalars!.map { Foundation.exp($0) * $0 }.reduce(0, +) }
        var results = [Double](repeating: .nan, count: 8 * 50)
        results.withUnsafeMutableBufferPointer { results in
            DispatchQueue.concurrentPerform(iterations: 8) { t in
                for k in 0..<50 { results[t * 50 + k] = (try? f([inputs[(t + k) % 8]])[0].item()) ?? .nan }
            }
        }
        for t in 0..<8 {
            for k in 0..<50 { XCTAssertEqual(results[t * 50 + k], expected[(t + k) % 8], accuracy: 1e-12) }
        }
    }

    /// Chains of elementwise steps run fused, tile by tile and across
    /// threads, and give what eager evaluation gives; broadcasting and
    /// strided inputs take the step-by-step path.
    func testFusedChainsAgreeWithEagerEvaluation() throws {
        let a = try Tensor.placeholder(.float64, shape: [nil], name: "a")
        let x = try Tensor.placeholder(.float64, shape: [nil], name: "x")
        let chain = { (a: Tensor, x: Tensor) throws -> Tensor in try (a * x + 0.5).sigmoid() * x.unary(.tanh) - x }
        let f = try Function(inputs: [a, x], outputs: [try chain(a, x)])
        XCTAssertTrue(f.listing.contains("fused: "), f.listing)
        XCTAssertLessThan(f.stepCount, f.operationCount)
        for n in [1, 5, 2048, 2049, 100_000] {
            let va = try Tensor((0..<n).map { Double($0 % 17) / 8 - 1 }, shape: [n])
            let vx = try Tensor((0..<n).map { Double($0 % 13) / 4 - 1.5 }, shape: [n])
            XCTAssertEqual(try f([va, vx])[0].scalars!, try chain(va, vx).scalars!, "n = \(n)")
        }
        // A 0-d operand broadcasts inside the fused pass; a length-1 one
        // broadcasts step by step.
        let s = try Tensor.placeholder(.float64, shape: [], name: "s")
        let g = try Function(inputs: [s, x], outputs: [try chain(s, x)])
        let vx = try Tensor((0..<10).map(Double.init), shape: [10])
        XCTAssertEqual(try g([Tensor(3.0), vx])[0].scalars!, try chain(Tensor(3.0), vx).scalars!)
        let one = try Tensor([3.0], shape: [1])
        XCTAssertEqual(try f([one, vx])[0].scalars!, try chain(one, vx).scalars!)
    }
}
