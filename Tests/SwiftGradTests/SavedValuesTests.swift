import Foundation
import SwiftGrad
import XCTest

/// Eager graphs keep only the values their vjps read: an intermediate the
/// caller drops is freed when no vjp reads it, and only its value stays
/// when one does.
final class SavedValuesTests: XCTestCase {
    func testDroppedIntermediatesAreFreed() throws {
        let x = Tensor(try NDArray([1, 2, 3], shape: [3]))
        try x.setRequiresGrad(true)
        weak var dropped: Tensor?
        var cost: Tensor
        do {
            let y = try x * 2.0
            dropped = y
            cost = try (y + 1.0).sum()  // add's vjp reads no values
        }
        XCTAssertNil(dropped, "the graph holds the intermediate itself")
        try cost.backward()
        assertClose(x.grad, [2, 2, 2])

        weak var droppedExp: Tensor?
        do {
            let e = try x.exp()
            droppedExp = e
            cost = try (e - 1.0).sum()
        }
        XCTAssertNil(droppedExp, "the graph holds exp's tensor, not only its value")
        try x.setGrad(nil)
        try cost.backward()  // exp's vjp reads the saved value
        assertClose(x.grad, [1, 2, 3].map { Foundation.exp($0) }, tolerance: 1e-12)
    }
}
