import SwiftGrad
import XCTest

/// What a plan keeps from call to call (view layouts, fused kernels and
/// scratch) gives the values an unplanned call gives. How little a planned
/// call allocates is checked from C (Tests/CABI/test_allocations.c).
final class PlanTests: XCTestCase {
    /// A view's layout is reused only while its input's strides repeat: the
    /// same shapes with other strides (a transposed argument) read right.
    func testViewLayoutsFollowTheirInputsStrides() throws {
        let x = try Tensor.placeholder(.float64, shape: [nil, nil], name: "x")
        let f = try Function(inputs: [x], outputs: [try x.matrixTransposed() * 2])
        let values: [Double] = [1, 2, 3, 4, 5, 6]
        let rows = try Tensor(values, shape: [2, 3])
        let columns = try Tensor(values, shape: [3, 2]).matrixTransposed()
        for _ in 0..<3 {
            assertClose(try f(rows)[0], [2, 8, 4, 10, 6, 12])
            assertClose(try f(columns)[0], [2, 4, 6, 8, 10, 12])
        }
    }

    /// A fused chain whose inputs broadcast runs on whole arrays when the
    /// output is one tile: bit for bit the eager values, call after call,
    /// and with a unary op on a broadcast input (which runs op by op).
    func testFusedChainsWithBroadcastInputsAgreeWithEagerEvaluation() throws {
        let x = try Tensor.placeholder(.float64, shape: [nil, nil], name: "x")
        let b = try Tensor.placeholder(.float64, shape: [nil], name: "b")
        let chains: [(Tensor, Tensor) throws -> Tensor] = [
            { x, b in try (x * b + 0.5).sigmoid() * x - b },
            { x, b in try (x + b).unary(.tanh) * b.unary(.exp) },
        ]
        for chain in chains {
            let f = try Function(inputs: [x, b], outputs: [try chain(x, b)])
            XCTAssertTrue(f.listing.contains("fused: "), f.listing)
            for (m, n) in [(4, 2), (3, 5), (1, 7), (40, 60)] {
                let vx = try Tensor((0..<(m * n)).map { Double($0 % 13) / 4 - 1.5 }, shape: [m, n])
                let vb = try Tensor((0..<n).map { Double($0 % 7) / 3 - 1 }, shape: [n])
                for _ in 0..<2 {
                    XCTAssertEqual(try f([vx, vb])[0].scalars!, try chain(vx, vb).scalars!, "\(m)x\(n)")
                }
                // A transposed argument of the same shape.
                let vt = try Tensor((0..<(m * n)).map { Double($0 % 11) / 4 - 1 }, shape: [n, m]).matrixTransposed()
                XCTAssertEqual(try f([vt, vb])[0].scalars!, try chain(vt, vb).scalars!, "\(m)x\(n) transposed")
            }
        }
    }

    /// A plan runs its own program: the gradient's `sum_to`s, identities
    /// at these shapes, are dropped and the chains they cut fused again.
    /// Its calls give the first (unplanned) call's values bit for bit.
    func testSpecializedProgramsAgreeWithTheFirstCall() throws {
        let a = try Tensor.placeholder(.float64, shape: [nil], name: "a")
        let x = try Tensor.placeholder(.float64, shape: [nil], name: "x")
        let b = try Tensor.placeholder(.float64, shape: [nil], name: "b")
        let y = try (a * x + b).sigmoid() * x.unary(.tanh)
        let f = try Function(inputs: [a, x, b], outputs: [y] + grad(y.sum(), wrt: [a, x, b]))
        XCTAssertTrue(f.listing.contains("sum_to"), f.listing)
        for n in [5, 3000] {
            let values = try (0..<3).map { k in
                try Tensor((0..<n).map { Double(($0 + k) % 11) / 4 - 1 }, shape: [n])
            }
            let first = try f(values).map { $0.scalars! }
            for _ in 0..<2 {
                XCTAssertEqual(try f(values).map { $0.scalars! }, first, "n = \(n)")
            }
        }
    }
}
