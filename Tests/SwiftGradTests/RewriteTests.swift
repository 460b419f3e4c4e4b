import SwiftGrad
import XCTest

/// Compiled functions rewrite their graphs; these tests check that every
/// rewrite keeps the results (bit for bit for the algebraic ones), that the
/// stability rewrites stay finite where the graph as written does not, and
/// that programs over random graphs agree with eager evaluation.
final class RewriteTests: XCTestCase {
    private func vector(_ values: [Double]) throws -> Tensor { try Tensor(values, shape: [values.count]) }

    private func placeholder() throws -> Tensor { try Tensor.placeholder(.float64, shape: [nil], name: "x") }

    /// The one output of a function of one vector input.
    private func run(_ build: (Tensor) throws -> Tensor, _ x: [Double]) throws -> (values: [Double], function: Function) {
        let p = try placeholder()
        let f = try Function(inputs: [p], outputs: [build(p)])
        return (try f([vector(x)])[0].scalars ?? [], f)
    }

    private let extremes: [Double] = [0, -0.0, 1, -1, 3.5, -710, 710, .infinity, -.infinity, .nan, 1e-310]

    func testExactRulesKeepEveryBit() throws {
        let cases: [(String, (Tensor) throws -> Tensor)] = [
            ("x*1", { try $0 * 1 }), ("x*1", { try 1 * $0 }), ("x/1", { try $0 / 1 }),
            ("x-0", { try $0 - 0 }), ("x**1", { try $0.pow(1) }), ("-(-x)", { try -(-$0) }),
        ]
        for (rule, build) in cases {
            let (values, f) = try run(build, extremes)
            XCTAssertEqual(f.rewrites[rule], 1, rule)
            XCTAssertEqual(f.operationCount, 0, rule)
            XCTAssertEqual(values.map(\.bitPattern), extremes.map(\.bitPattern), rule)
        }
    }

    func testNearMissesAreLeftAlone() throws {
        // x + 0 turns -0 into +0; x - (-0) likewise; x * 1 that broadcasts
        // to a larger shape is not x.
        for build: (Tensor) throws -> Tensor in [{ try $0 + 0 }, { try $0 - Tensor(-0.0) }] {
            let (values, f) = try run(build, [-0.0])
            XCTAssertEqual(f.operationCount, 1)
            XCTAssertEqual(values[0].sign, .plus)
        }
        let p = try placeholder()
        let f = try Function(inputs: [p], outputs: [p * Tensor([1, 1, 1, 1, 1, 1], shape: [2, 3])])
        XCTAssertEqual(f.rewrites.count, 0)
        XCTAssertEqual(try f([vector([1, 2, 3])])[0].shape, [2, 3])
    }

    func testDoubleTransposeCancels() throws {
        let p = try Tensor.placeholder(.float64, shape: [nil, nil, nil], name: "x")
        let f = try Function(inputs: [p], outputs: [p.permuted([2, 0, 1]).permuted([1, 2, 0])])
        XCTAssertEqual(f.rewrites["transpose(transpose(x))"], 1)
        XCTAssertEqual(f.operationCount, 0)
        let g = try Function(inputs: [p], outputs: [p.permuted([2, 0, 1]).permuted([2, 0, 1])])
        XCTAssertEqual(g.rewrites.count, 0)
        let x = try Tensor((0..<24).map(Double.init), shape: [2, 3, 4])
        XCTAssertEqual(try g([x])[0].shape, [3, 4, 2].map(Optional.some))
    }

    func testStabilityRewritesStayFinite() throws {
        let z: [Double] = [-800, -40, -1, 0, 1, 40, 800]
        let sigmoid = { (t: Tensor) throws -> Tensor in try 1 / (1 + exp(-t)) }
        // log σ(z) = -softplus(-z); log(1 - σ(z)) = -softplus(z).
        let logSigmoid = z.map { -(Swift.max(-$0, 0) + Foundation.log1p(Foundation.exp(-Swift.abs($0)))) }
        let logOneMinus = z.map { -(Swift.max($0, 0) + Foundation.log1p(Foundation.exp(-Swift.abs($0)))) }

        let (a, f) = try run({ try log(sigmoid($0)) }, z)
        assertClose(a, logSigmoid, tolerance: 1e-14)
        XCTAssertEqual(f.rewrites["1/(1+exp(z)) = sigmoid(-z)"], 1)
        XCTAssertEqual(f.rewrites["log(sigmoid(x)) = -softplus(-x)"], 1)
        let (b, _) = try run({ try log(1 - sigmoid($0)) }, z)
        assertClose(b, logOneMinus, tolerance: 1e-14)
        let (c, _) = try run({ try log(1 - $0.sigmoid()) }, z)
        assertClose(c, logOneMinus, tolerance: 1e-14)
        let (d, _) = try run({ try log(1 + exp($0)) }, z)
        assertClose(d, logOneMinus.map { -$0 }, tolerance: 1e-14)
        let (e, _) = try run({ try $0.exp().unary(.log1p) }, z)
        assertClose(e, logOneMinus.map { -$0 }, tolerance: 1e-14)

        // Eagerly, as written, the same formulas overflow to infinities.
        XCTAssertTrue(try log(sigmoid(vector([-800]))).scalars![0].isInfinite)
    }

    func testGradientsOfTheStableFormAreFinite() throws {
        // d/dz log σ(z) = 1 - σ(z) = σ(-z).
        let p = try placeholder()
        let cost = try log(1 / (1 + exp(-p))).sum()
        let g = try Function(inputs: [p], outputs: grad(cost, wrt: [p]))
        let z: [Double] = [-800, -3, 0, 3, 800]
        assertClose(try g([vector(z)])[0], z.map { 1 / (1 + Foundation.exp($0)) }, tolerance: 1e-14)
    }

    func testCommonSubexpressionsAreComputedOnce() throws {
        let p = try placeholder()
        let f = try Function(inputs: [p], outputs: [try exp(p) * exp(p) + exp(p)])
        XCTAssertEqual(f.givenStepCount, 5)
        XCTAssertEqual(f.operationCount, 3)
        assertClose(try f([vector([0, 1])])[0], [2, Foundation.exp(2) + Foundation.exp(1)], tolerance: 1e-15)
    }

    func testListingShowsTheProgram() throws {
        let p = try placeholder()
        let f = try Function(inputs: [p], outputs: [try log(1 / (1 + exp(-p)))])
        let listing = f.listing
        for line in ["5 operations as given, 3 after rewrites", "%0 = input 0: float64 placeholder 'x' of shape (?,)",
                     "%2 = softplus(%1) : float64 (?,)", "rewrite log(sigmoid(x)) = -softplus(-x): 1", "outputs: %3"] {
            XCTAssertTrue(listing.contains(line), "\(line) not in\n\(listing)")
        }
        XCTAssertEqual(try (exp(p) * 2 + p.sum()).expression(), "(exp(x) * 2.0) + sum(axes: [0], keepDims: false)(x)")
    }

    /// Random graphs, compiled (rewritten: shared subexpressions, exact
    /// algebra, constants folded) and evaluated eagerly as written, agree
    /// bit for bit. The stability rewrites, which change results on
    /// purpose, are checked against exact values above.
    func testRandomGraphsAgreeWithEagerEvaluation() throws {
        var rng = SplitMix64(state: 2026)
        let c = try Tensor([0.5, -2, 3, 0.25, 1], shape: [5])
        let unary: [(Tensor) throws -> Tensor] = [
            { try exp($0) }, { try -$0 }, { try $0.sigmoid() }, { try $0.unary(.tanh) }, { try $0 * 1 },
            { try $0 - 0 }, { try $0.unary(.softplus) }, { try $0.unary(.square) }, { try $0 / 1 },
            { try $0.pow(1) }, { try $0 * c }, { try $0.sum() }, { try $0.unary(.sin) },
        ]
        let binary: [(Tensor, Tensor) throws -> Tensor] = [
            { try $0 + $1 }, { try $0 - $1 }, { try $0 * $1 }, { try $0 / $1 },
            { try Tensor.binary(.maximum, $0, $1) }, { try Tensor.binary(.logaddexp, $0, $1) },
        ]
        var rewritten = 0
        for graph in 0..<300 {
            let inputs = try (0..<2).map { _ in try vector((0..<5).map { _ in Double(Int(rng.next() % 2001) - 1000) / 100 }) }
            let placeholders = try (0..<2).map { _ in try placeholder() }
            var symbolic = placeholders, eager = inputs
            for _ in 0..<(4 + Int(rng.next() % 12)) {
                let i = Int(rng.next() % UInt64(symbolic.count)), j = Int(rng.next() % UInt64(symbolic.count))
                if rng.next() % 3 == 0 {
                    let op = binary[Int(rng.next() % UInt64(binary.count))]
                    symbolic.append(try op(symbolic[i], symbolic[j]))
                    eager.append(try op(eager[i], eager[j]))
                } else {
                    let op = unary[Int(rng.next() % UInt64(unary.count))]
                    symbolic.append(try op(symbolic[i]))
                    eager.append(try op(eager[i]))
                }
            }
            let f = try Function(inputs: placeholders, outputs: Array(symbolic.suffix(3)))
            rewritten += f.givenStepCount - f.operationCount
            for (actual, expected) in zip(try f(inputs), eager.suffix(3)) {
                let (a, e) = (actual.scalars!, expected.scalars!)
                XCTAssertEqual(a.count, e.count)
                for (x, y) in zip(a, e) where !(x.bitPattern == y.bitPattern || (x.isNaN && y.isNaN)) {
                    XCTFail("graph \(graph): \(x) != \(y)\n\(f.listing)")
                    break
                }
            }
        }
        XCTAssertGreaterThan(rewritten, 100)  // the corpus does exercise the rewrites
    }
}
