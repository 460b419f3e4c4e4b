@testable import SwiftGrad
import Foundation
import XCTest

/// The vectorized elementary functions (SLEEF's 1-ulp variants) against a
/// higher-precision reference: float32 against float64 libm, float64
/// against Float80 libm, over a sweep that includes extremes, NaN, ±Inf
/// and subnormals, through contiguous arrays long enough to take the
/// vector path and its tail.
final class VectorMathTests: XCTestCase {
    private struct Case {
        let op: UnaryOp
        let domain: ClosedRange<Double>
        let reference: (Float80) -> Float80
    }

    private let cases: [Case] = [
        Case(op: .exp, domain: -100...88, reference: { Foundation.exp($0) }),
        Case(op: .expm1, domain: -20...20, reference: { Foundation.expm1($0) }),
        Case(op: .log, domain: 1e-30...1e30, reference: { Foundation.log($0) }),
        Case(op: .log1p, domain: -0.9...1e6, reference: { Foundation.log1p($0) }),
        Case(op: .log2, domain: 1e-30...1e30, reference: { Foundation.log2($0) }),
        Case(op: .log10, domain: 1e-30...1e30, reference: { Foundation.log10($0) }),
        Case(op: .sin, domain: -100...100, reference: { Foundation.sin($0) }),
        Case(op: .cos, domain: -100...100, reference: { Foundation.cos($0) }),
        Case(op: .tan, domain: -1.5...1.5, reference: { Foundation.tan($0) }),
        Case(op: .asin, domain: -1...1, reference: { Foundation.asin($0) }),
        Case(op: .acos, domain: -1...1, reference: { Foundation.acos($0) }),
        Case(op: .atan, domain: -1e6...1e6, reference: { Foundation.atan($0) }),
        Case(op: .sinh, domain: -80...80, reference: { Foundation.sinh($0) }),
        Case(op: .cosh, domain: -80...80, reference: { Foundation.cosh($0) }),
        Case(op: .tanh, domain: -20...20, reference: { Foundation.tanh($0) }),
        Case(op: .asinh, domain: -1e6...1e6, reference: { Foundation.asinh($0) }),
        Case(op: .acosh, domain: 1...1e6, reference: { Foundation.acosh($0) }),
        Case(op: .atanh, domain: -0.999...0.999, reference: { Foundation.atanh($0) }),
        Case(op: .sigmoid, domain: -120...120, reference: { 1 / (1 + Foundation.exp(-$0)) }),
    ]

    /// Values every function gets besides its sweep.
    private let specials: [Double] = [0, -0.0, .nan, .infinity, -.infinity, 1, -1,
                                      .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 1e-310, 1e-40]

    func testFloat32WithinTwoUlps() throws {
        try check(.float32, maxUlps: 2)
    }

    func testFloat64WithinTwoUlps() throws {
        try check(.float64, maxUlps: 2)
    }

    private func check(_ dtype: DType, maxUlps: Double) throws {
        var random = SplitMix64(state: 11)
        for c in cases {
            let sweep = (0..<997).map { _ in Double.random(in: c.domain, using: &random) }
            let inputs = sweep + specials
            let x = try NDArray(inputs, shape: [inputs.count], dtype: dtype)
            let y = try Tensor(x).unary(c.op).value!.scalars
            for (i, input) in x.scalars.enumerated() {
                let expected = c.reference(Float80(input))
                let got = y[i]
                let e = dtype == .float32 ? Double(Float(expected)) : Double(expected)
                if e.isNaN || got.isNaN {
                    XCTAssertEqual(e.isNaN, got.isNaN, "\(c.op.name)(\(input)) = \(got), expected \(e)")
                    continue
                }
                if e.isInfinite || got.isInfinite {
                    XCTAssertEqual(e, got, "\(c.op.name)(\(input))")
                    continue
                }
                // An ulp of the result's type at the expected value.
                let ulp = dtype == .float32 ? Double(Float(e).ulp) : e.ulp
                let error = Double(abs(Float80(got) - expected)) / max(ulp, dtype == .float32 ? Double(Float.leastNonzeroMagnitude) : .leastNonzeroMagnitude)
                XCTAssertLessThanOrEqual(error, maxUlps, "\(c.op.name)(\(input)) = \(got), expected \(expected) (\(dtype))")
            }
        }
    }
}
