import SwiftGrad
import XCTest

/// Asserts that two lists of numbers agree to `tolerance` (absolute, and
/// relative to the larger magnitude above 1).
func assertClose(_ actual: [Double]?, _ expected: [Double], tolerance: Double = 1e-7,
                 _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    guard let actual else { return XCTFail("no value \(message())", file: file, line: line) }
    XCTAssertEqual(actual.count, expected.count, "count \(message())", file: file, line: line)
    for (i, (a, e)) in zip(actual, expected).enumerated() where !(abs(a - e) <= tolerance * max(1, abs(e))) {
        XCTFail("element \(i): \(a) != \(e) (tolerance \(tolerance)) \(message())", file: file, line: line)
    }
}

func assertClose(_ tensor: Tensor?, _ expected: [Double], tolerance: Double = 1e-7,
                 _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    assertClose(tensor?.scalars, expected, tolerance: tolerance, message(), file: file, line: line)
}

/// Asserts that `body` throws a swiftgrad error of `kind` whose message
/// contains each of `fragments`.
func assertThrows(_ kind: SwiftGradError.Kind, _ fragments: String..., file: StaticString = #filePath,
                  line: UInt = #line, _ body: () throws -> Any) {
    do {
        _ = try body()
        XCTFail("no error thrown; expected \(fragments)", file: file, line: line)
    } catch let error as SwiftGradError {
        XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
        for fragment in fragments where !error.message.contains(fragment) {
            XCTFail("'\(error.message)' lacks '\(fragment)'", file: file, line: line)
        }
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
}

/// A small deterministic generator (SplitMix64), so test inputs repeat.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// ∂f/∂x for each input by central differences with step 1e-6.
func centralDifferences(_ x: [NDArray], _ f: ([NDArray]) throws -> Double) throws -> [[Double]] {
    let h = 1e-6
    return try x.indices.map { i in
        var values = x[i].scalars
        return try values.indices.map { j in
            let original = values[j]
            func at(_ v: Double) throws -> Double {
                values[j] = v
                var point = x
                point[i] = try NDArray(values, shape: x[i].shape)
                return try f(point)
            }
            let slope = (try at(original + h) - at(original - h)) / (2 * h)
            values[j] = original
            return slope
        }
    }
}
