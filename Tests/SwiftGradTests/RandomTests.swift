@testable import SwiftGrad
import XCTest

/// The counter-based generator: Random123's known answers for
/// Philox4x32-10, streams that depend only on (seed, counter), and moments.
final class RandomTests: XCTestCase {
    func testPhiloxKnownAnswers() {
        // Random123 kat_vectors: counter words, key words, expected block.
        let vectors: [((UInt32, UInt32, UInt32, UInt32), (UInt32, UInt32), [UInt32])] = [
            ((0, 0, 0, 0), (0, 0), [0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8]),
            ((.max, .max, .max, .max), (.max, .max), [0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD]),
            ((0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344), (0xA409_3822, 0x299F_31D0),
             [0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1]),
        ]
        for (counter, key, expected) in vectors {
            let w = Philox4x32(key: key).block(counter)
            XCTAssertEqual([w.0, w.1, w.2, w.3], expected)
        }
    }

    func testStreamsDependOnlyOnSeedAndCounter() throws {
        var g = Generator(seed: 42)
        let first = try g.uniform(shape: [3])
        XCTAssertEqual(g.counter, 3)
        // The values python/tests/test_random.py and the C test check.
        XCTAssertEqual(first.scalars, [0x1.dfd524ee73abcp-2, 0x1.5d0acf5c4afd4p-2, 0x1.4ee9b3f7f36c8p-2])
        XCTAssertEqual(try Random.integers(seed: 42, counter: 0, low: 0, high: 10, shape: [7], dtype: .int64).scalars,
                       [4, 3, 3, 4, 6, 7, 6])
        var h = Generator(seed: 42, counter: 3)
        XCTAssertEqual(try h.integers(low: 0, high: 10, shape: [4]).scalars, [4, 6, 7, 6])
        // Split across threads or not, a draw is the same.
        let big = try Random.normal(seed: 5, counter: 0, mean: 0, standardDeviation: 1, shape: [100_000], dtype: .float64).scalars ?? []
        let tail = try Random.normal(seed: 5, counter: 99_998, mean: 0, standardDeviation: 1, shape: [2], dtype: .float64).scalars ?? []
        XCTAssertEqual(Array(big.suffix(2)), tail)
    }

    func testMoments() throws {
        var g = Generator(seed: 2024)
        let n = 100_000.0
        let x = try g.normal(mean: 1, standardDeviation: 3, shape: [Int(n)]).scalars ?? []
        let mean = x.reduce(0, +) / n
        let variance = x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n
        XCTAssertLessThan(abs(mean - 1), 4 * 3 / n.squareRoot())
        XCTAssertLessThan(abs(variance - 9), 4 * 9 * (2 / n).squareRoot())
        let u = try g.uniform(low: 2, high: 4, shape: [Int(n)], dtype: .float32).scalars ?? []
        XCTAssertTrue(u.allSatisfy { $0 >= 2 && $0 < 4 })
        XCTAssertLessThan(abs(u.reduce(0, +) / n - 3), 4 * (4.0 / 12 / n).squareRoot())
        let b = try g.bernoulli(0.2, shape: [Int(n)], dtype: .float64).scalars ?? []
        XCTAssertLessThan(abs(b.reduce(0, +) / n - 0.2), 4 * (0.16 / n).squareRoot())
        let k = try g.integers(low: -2, high: 3, shape: [Int(n)], dtype: .int8).scalars ?? []
        for v in -2...2 {
            XCTAssertLessThan(abs(Double(k.filter { $0 == Double(v) }.count) / n - 0.2), 4 * (0.16 / n).squareRoot())
        }
        let p = try g.permutation(1000).scalars ?? []
        XCTAssertEqual(p.sorted(), (0..<1000).map(Double.init))
    }

    func testBadArguments() {
        var g = Generator(seed: 0)
        assertThrows(.value, "[integers]", "low < high") { try g.integers(low: 3, high: 3, shape: [1]) }
        assertThrows(.value, "[integers]", "fit") { try g.integers(low: -1, high: 3, shape: [1], dtype: .uint32) }
        assertThrows(.type, "[normal]") { try g.normal(shape: [1], dtype: .int64) }
        assertThrows(.value, "[bernoulli]") { try g.bernoulli(-0.1, shape: [1]) }
        assertThrows(.value, "[uniform]", "overflows") { try g.uniform(shape: [Int.max, 4]) }
        XCTAssertEqual(g.counter, 0)
    }
}
