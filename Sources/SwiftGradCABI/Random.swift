import CSwiftGrad
import SwiftGrad

// The seeded generator's draws. Each is a pure function of (seed, counter);
// the caller advances its counter by the number of elements drawn.

@_cdecl("sg_random_uniform")
public func sgRandomUniform(_ seed: UInt64, _ counter: UInt64, _ low: Double, _ high: Double,
                            _ shape: UnsafePointer<Int64>?, _ ndim: Int, _ dtype: sg_dtype,
                            _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_random_uniform", out) { call in
        try Random.uniform(seed: seed, counter: counter, low: low, high: high,
                           shape: call.integers(shape, ndim, "shape"), dtype: call.dtype(dtype))
    }
}

@_cdecl("sg_random_normal")
public func sgRandomNormal(_ seed: UInt64, _ counter: UInt64, _ loc: Double, _ scale: Double,
                           _ shape: UnsafePointer<Int64>?, _ ndim: Int, _ dtype: sg_dtype,
                           _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_random_normal", out) { call in
        try Random.normal(seed: seed, counter: counter, mean: loc, standardDeviation: scale,
                          shape: call.integers(shape, ndim, "shape"), dtype: call.dtype(dtype))
    }
}

@_cdecl("sg_random_integers")
public func sgRandomIntegers(_ seed: UInt64, _ counter: UInt64, _ low: Int64, _ high: Int64,
                             _ shape: UnsafePointer<Int64>?, _ ndim: Int, _ dtype: sg_dtype,
                             _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_random_integers", out) { call in
        try Random.integers(seed: seed, counter: counter, low: low, high: high,
                            shape: call.integers(shape, ndim, "shape"), dtype: call.dtype(dtype))
    }
}

@_cdecl("sg_random_bernoulli")
public func sgRandomBernoulli(_ seed: UInt64, _ counter: UInt64, _ p: Double,
                              _ shape: UnsafePointer<Int64>?, _ ndim: Int, _ dtype: sg_dtype,
                              _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_random_bernoulli", out) { call in
        try Random.bernoulli(seed: seed, counter: counter, p: p,
                             shape: call.integers(shape, ndim, "shape"), dtype: call.dtype(dtype))
    }
}

@_cdecl("sg_random_draw")
public func sgRandomDraw(_ distribution: sg_distribution, _ state: OpaquePointer?, _ a: Double, _ b: Double,
                         _ shape: UnsafePointer<Int64>?, _ ndim: Int, _ dtype: sg_dtype,
                         _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_random_draw", out) { call in
        let kind: RandomDistribution
        switch distribution {
        case SG_DRAW_UNIFORM: kind = .uniform(low: a, high: b)
        case SG_DRAW_NORMAL: kind = .normal(mean: a, standardDeviation: b)
        case SG_DRAW_INTEGERS:
            guard let low = Int64(exactly: a), let high = Int64(exactly: b) else {
                throw SwiftGradError(.value, call.function, "integer bounds must be whole numbers, got \(a) and \(b)")
            }
            kind = .integers(low: low, high: high)
        case SG_DRAW_BERNOULLI: kind = .bernoulli(p: a)
        default: throw SwiftGradError(.value, call.function, "unknown distribution \(distribution.rawValue)")
        }
        return try Random.draw(kind, state: call.tensor(state, "state"),
                               shape: call.integers(shape, ndim, "shape"), dtype: call.dtype(dtype))
    }
}

@_cdecl("sg_random_permutation")
public func sgRandomPermutation(_ seed: UInt64, _ counter: UInt64, _ n: Int64,
                                _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_random_permutation", out) { call in
        guard n >= 0, n <= Int64(Int.max) else {
            throw SwiftGradError(.value, "permutation", "n must be non-negative, got \(n)")
        }
        return try Random.permutation(seed: seed, counter: counter, Int(n))
    }
}

@_cdecl("sg_random_permute")
public func sgRandomPermute(_ seed: UInt64, _ counter: UInt64, _ x: OpaquePointer?,
                            _ out: UnsafeMutablePointer<OpaquePointer?>?) -> sg_status {
    operation("sg_random_permute", out) { call in
        try Random.permutation(seed: seed, counter: counter, of: call.tensor(x, "x"))
    }
}

private func same<T>(_ declared: T, _ defined: T) {}

private func checkRandomSignatures() {
    same(sg_random_uniform, sgRandomUniform)
    same(sg_random_normal, sgRandomNormal)
    same(sg_random_integers, sgRandomIntegers)
    same(sg_random_bernoulli, sgRandomBernoulli)
    same(sg_random_permutation, sgRandomPermutation)
    same(sg_random_draw, sgRandomDraw)
    same(sg_random_permute, sgRandomPermute)
}
