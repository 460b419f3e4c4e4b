@testable import SwiftGrad
import Foundation
import XCTest

/// A row of `Tests/OpTable/ops.tsv`, the op table shared with the C and
/// Python suites (its header says what each column means).
struct TableRow {
    let op: String
    let arity: Int
    let dtypes: Set<DType>
    let domains: [ClosedRange<Double>]
    let gradOrder: Int

    /// Every row of the table file.
    static let all: [TableRow] = {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("OpTable/ops.tsv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let f = line.split(separator: "\t").map(String.init)
            guard f.count == 7, let arity = Int(f[1]), let order = Int(f[4]) else { return nil }
            let domains = f[3].split(separator: ",").map { part -> ClosedRange<Double> in
                let ends = part.split(separator: ":").compactMap { Double($0) }
                return ends[0]...ends[1]
            }
            return TableRow(op: f[0], arity: arity, dtypes: expand(f[2]), domains: domains, gradOrder: order)
        }
    }()

    private static func expand(_ kinds: String) -> Set<DType> {
        Set(kinds.split(separator: ",").flatMap { kind -> [DType] in
            switch kind {
            case "all": return DType.allCases
            case "bool": return [.bool]
            case "int": return DType.allCases.filter(\.isInteger)
            case "float": return [.float32, .float64]
            case "complex": return [.complex64, .complex128]
            default: return []
            }
        })
    }

    func domain(_ i: Int) -> ClosedRange<Double> { domains[min(i, domains.count - 1)] }

    func apply(_ inputs: [Tensor]) throws -> Tensor {
        if arity == 1, let op = UnaryOp.allCases.first(where: { $0.name == self.op }) {
            return try inputs[0].unary(op)
        }
        if arity == 2, let op = BinaryOp.allCases.first(where: { $0.name == self.op }) {
            return try Tensor.binary(op, inputs[0], inputs[1])
        }
        throw SwiftGradError(.value, op, "not in the registry")
    }
}

final class ElementwiseTableTests: XCTestCase {
    func testTableCoversTheRegistryExactly() {
        let rows = TableRow.all
        XCTAssertFalse(rows.isEmpty, "the op table file was not found")
        XCTAssertEqual(Set(rows.filter { $0.arity == 1 }.map(\.op)), Set(UnaryOp.allCases.map(\.name)))
        XCTAssertEqual(Set(rows.filter { $0.arity == 2 }.map(\.op)), Set(BinaryOp.allCases.map(\.name)))
        for op in UnaryOp.allCases {
            guard let row = rows.first(where: { $0.op == op.name }) else { continue }
            XCTAssertEqual(Set(op.dtypes), row.dtypes, op.name)
            XCTAssertEqual(op.isDifferentiable, row.gradOrder > 0 || zeroGradient.contains(op.name), op.name)
        }
        for op in BinaryOp.allCases {
            guard let row = rows.first(where: { $0.op == op.name }) else { continue }
            // divide also takes integers, computing them in float64.
            let accepted = op == .divide ? Set(op.dtypes).subtracting(DType.allCases.filter(\.isInteger)) : Set(op.dtypes)
            XCTAssertEqual(accepted, row.dtypes, op.name)
            XCTAssertEqual(op.isDifferentiable, row.gradOrder > 0 || zeroGradient.contains(op.name), op.name)
        }
    }

    /// Ops whose gradient is zero almost everywhere (piecewise constant).
    private let zeroGradient: Set<String> = ["ceil", "floor", "trunc", "round", "sign", "floor_divide"]

    /// Every dtype a row lists works; every other one fails with a type
    /// error that names the op.
    func testDTypeSupport() throws {
        for row in TableRow.all {
            for dtype in DType.allCases {
                let inputs = try (0..<row.arity).map { _ in try Tensor(NDArray([1, 2], shape: [2], dtype: dtype)) }
                if row.dtypes.contains(dtype) {
                    XCTAssertNoThrow(try row.apply(inputs), "\(row.op) \(dtype)")
                } else if !(row.op == "divide" && dtype.isInteger) {
                    assertThrows(.type, "[\(row.op)]", "\(dtype)") { try row.apply(inputs) }
                }
            }
        }
    }

    /// float32 results agree with float64 ones, and a complex input with
    /// zero imaginary parts with the real result.
    func testDTypesAgree() throws {
        var random = SplitMix64(state: 7)
        for row in TableRow.all where row.dtypes.contains(.float64) {
            let values = (0..<row.arity).map { i in (0..<6).map { _ in Double.random(in: row.domain(i), using: &random) } }
            let reference = try row.apply(values.map { try Tensor($0, shape: [6]) }).value!.scalars
            for dtype in [DType.float32, .complex128] where row.dtypes.contains(dtype) {
                let y = try row.apply(values.map { try Tensor($0, shape: [6], dtype: dtype) })
                // Predicates give bools; complex ops that keep their kind give complex.
                assertClose(y.value?.scalars, reference, tolerance: dtype == .float32 ? 2e-5 : 1e-12, "\(row.op) \(dtype)")
            }
        }
    }

    /// jvp rules (forward mode) against central differences along random
    /// tangents, in float64, eagerly and symbolically.
    func testForwardMode() throws {
        var random = SplitMix64(state: 9)
        let h = 1e-6
        for row in TableRow.all where row.gradOrder >= 1 {
            let x = (0..<row.arity).map { i in (0..<3).map { _ in Double.random(in: row.domain(i), using: &random) } }
            let v = (0..<row.arity).map { _ in (0..<3).map { _ in Double.random(in: -1...1, using: &random) } }
            func at(_ step: Double) throws -> [Double] {
                try row.apply(zip(x, v).map { xi, vi in try Tensor(zip(xi, vi).map { $0 + step * $1 }, shape: [3]) }).scalars ?? []
            }
            let expected = zip(try at(h), try at(-h)).map { ($0 - $1) / (2 * h) }

            let leaves = try x.map { try Tensor($0, shape: [3]) }
            for leaf in leaves { try leaf.setRequiresGrad(true) }
            let tangents = try v.map { try Tensor($0, shape: [3]) }
            let eager = try jvp([row.apply(leaves)], wrt: leaves, tangents: tangents)[0]
            assertClose(eager.scalars, expected, tolerance: 1e-6, "\(row.op) eager jvp")

            let placeholders = try x.map { _ in try Tensor.placeholder(.float64, shape: [3]) }
            let directions = try v.map { _ in try Tensor.placeholder(.float64, shape: [3]) }
            let symbolic = try Function(inputs: placeholders + directions,
                                        outputs: jvp([row.apply(placeholders)], wrt: placeholders, tangents: directions))
            let pushed = try symbolic((x + v).map { try Tensor($0, shape: [3]) })[0]
            assertClose(pushed.scalars, expected, tolerance: 1e-6, "\(row.op) symbolic jvp")
        }
    }

    /// vjp rules against central differences, in float64, eagerly and
    /// symbolically; second order where the row asks for it.
    func testGradients() throws {
        var random = SplitMix64(state: 8)
        for row in TableRow.all where row.gradOrder >= 1 {
            let x = try (0..<row.arity).map { i in
                try NDArray((0..<3).map { _ in Double.random(in: row.domain(i), using: &random) }, shape: [3])
            }
            let w = try Tensor((0..<3).map { _ in Double.random(in: -1...1, using: &random) }, shape: [3])
            let loss = { (inputs: [Tensor]) in try (row.apply(inputs) * w).sum() }
            let numeric = try centralDifferences(x) { try loss($0.map(Tensor.init)).item() }

            let leaves = x.map(Tensor.init)
            for leaf in leaves { try leaf.setRequiresGrad(true) }
            try loss(leaves).backward()
            for (i, leaf) in leaves.enumerated() { assertClose(leaf.grad, numeric[i], tolerance: 1e-6, "\(row.op) eager x\(i)") }

            let placeholders = try x.map { try Tensor.placeholder(.float64, shape: $0.shape.map { $0 }) }
            let symbolic = try Function(inputs: placeholders, outputs: grad(loss(placeholders), wrt: placeholders))
            for (i, g) in try symbolic(x.map(Tensor.init)).enumerated() {
                assertClose(g, numeric[i], tolerance: 1e-6, "\(row.op) symbolic x\(i)")
            }

            guard row.gradOrder >= 2 else { continue }
            // The derivative of <∇loss, v> is the Hessian times v.
            let v = (0..<row.arity).map { _ in (0..<3).map { _ in Double.random(in: -1...1, using: &random) } }
            func directional(_ inputs: [Tensor], createGraph: Bool) throws -> Tensor {
                var total = try Tensor(0)
                for (g, vi) in zip(try grad(loss(inputs), wrt: inputs, createGraph: createGraph), v) {
                    total = try total + (g * Tensor(vi, shape: [3])).sum()
                }
                return total
            }
            let second = try centralDifferences(x) { point in
                let leaves = point.map(Tensor.init)
                for leaf in leaves { try leaf.setRequiresGrad(true) }
                return try directional(leaves, createGraph: false).item()
            }
            let leaves2 = x.map(Tensor.init)
            for leaf in leaves2 { try leaf.setRequiresGrad(true) }
            let s = try directional(leaves2, createGraph: true)
            for (i, leaf) in leaves2.enumerated() {
                let g = s.requiresGrad ? try? grad(s, wrt: [leaf])[0].scalars : nil
                assertClose(g ?? second[i].map { _ in 0 }, second[i], tolerance: 1e-5, "\(row.op) second order x\(i)")
            }
        }
    }
}
