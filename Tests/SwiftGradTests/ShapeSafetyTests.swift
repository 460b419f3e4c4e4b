@testable import SwiftGrad
import Foundation
import XCTest

/// Sizes from callers are checked in one place (`checkedCount`); each case
/// here once trapped or hung the process.
final class ShapeSafetyTests: XCTestCase {
    func testHugeShapesAreRejectedInEveryOrder() {
        // The product of the nonzero lengths decides, so permuting the
        // axes never changes the verdict.
        for shape in [[0, 3, 1 << 62], [3, 1 << 62, 0], [1 << 62, 0, 3]] {
            assertThrows(.value, "too many elements") { try NDArray.filled(.int(0), .float64, shape) }
        }
        assertThrows(.value, "too many elements") { try Tensor.placeholder(.float64, shape: [1 << 32, 1 << 32]) }
        assertThrows(.value, "too many elements") { try NDArray.filled(.int(0), .float64, [0, 1 << 32, 1 << 32]) }
        XCTAssertEqual(try checkedCount([0, 3, 1 << 60], "t"), 0)
    }

    func testMeanOverLengthsKnownOnlyAtRunTime() throws {
        let x = try Tensor.placeholder(.float64, shape: [nil, nil])
        let f = try Function(inputs: [x], outputs: [x.mean()])
        XCTAssertEqual(try f(Tensor([1, 2, 3, 4], shape: [2, 2]))[0].item(), 2.5)
    }

    func testBorrowedBuffersWithExtremeStrides() throws {
        var values: [Double] = [1, 2, 3, 4, 5, 6, 7, 8]
        try values.withUnsafeMutableBytes { buffer in
            let base = buffer.baseAddress!
            // 2^62 float64 elements do not fit in the address space, even
            // with a zero stride.
            assertThrows(.value, "too many elements") {
                try NDArray(borrowing: base, dtype: .float64, shape: [1 << 62], strides: [0], release: nil)
            }
            // A length-1 axis may carry any stride: it is never stepped along.
            let view = try NDArray(borrowing: base, dtype: .float64, shape: [2, 1, 3], strides: [4, Int.max, 1], release: nil)
            assertClose(try Tensor(view).exp(), [1, 2, 3, 5, 6, 7].map { Foundation.exp($0) }, tolerance: 1e-15)
            assertClose(try Tensor(view).sum(axes: [2]), [6, 18])
        }
    }

    func testEmptyArraysWithHugeAxesReturnAtOnce() throws {
        let empty = Tensor(try NDArray.filled(.bool(false), .bool, [1 << 31, 1 << 31, 0]))
        XCTAssertEqual(try empty.sum().element(), .int(0))
        XCTAssertEqual(try empty.unary(.logicalNot).shape, [1 << 31, 1 << 31, 0])
        let floats = Tensor(try NDArray.filled(.int(0), .float32, [1 << 20, 1 << 20, 0]))
        XCTAssertEqual(try floats.exp().shape, [1 << 20, 1 << 20, 0])
        XCTAssertEqual(try floats.sum().item(), 0)
        XCTAssertEqual(try floats.sum(axes: [0, 1]).shape, [0])
        XCTAssertEqual(try (floats + floats).value?.count, 0)
    }

    func testFloat32SumsArePairwise() throws {
        // Adding ones one by one stalls at 2^24 in float32.
        let ones = Tensor(try NDArray.filled(.int(1), .float32, [1 << 25]))
        XCTAssertEqual(try ones.sum().item(), Double(1 << 25))
        XCTAssertEqual(try ones.mean().item(), 1)
    }

    func testInt64PassesThroughExactly() throws {
        let big: Int64 = (1 << 62) + 1
        let t = try Tensor(.int(big), dtype: .int64)
        XCTAssertEqual(try t.element(), .int(big))
        XCTAssertEqual(try (t + t).element(), .int(big &* 2))
        XCTAssertEqual(try t.cast(to: .uint64).element(), .uint(UInt64(big)))
        // A float scalar with an integer tensor computes in float64.
        XCTAssertEqual(try (Tensor(.int(3), dtype: .int32) * 0.5).element(), .real(1.5))
    }
}
